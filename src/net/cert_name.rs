//! Reads the subject Common Name of a PEM certificate: the player key its
//! certificate was issued for. The broker takes the user name from the CN
//! (`use_identity_as_username`), so a certificate for another player connects
//! fine but gets none of this player's topics — mosquitto even confirms the
//! subscriptions — so the mismatch is caught here, before connecting.
//!
//! A minimal DER walk (certificate → tbsCertificate → subject) rather than a
//! full X.509 parser: the CN is all that is needed.

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// The OID 2.5.4.3 (commonName), DER-encoded with its tag and length.
const CN_OID: [u8; 5] = [0x06, 0x03, 0x55, 0x04, 0x03];

/// One DER element: (tag, content, rest after it).
fn element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// The subject CN of the first certificate in `cert_pem`, if it can be read.
pub(crate) fn common_name(cert_pem: &str) -> Option<String> {
    let der = CertificateDer::from_pem_slice(cert_pem.as_bytes()).ok()?;
    let (_, cert, _) = element(&der)?;
    let (_, mut tbs, _) = element(cert)?;
    // [0] version is optional; then serial, signature, issuer, validity, subject.
    if tbs.first() == Some(&0xa0) {
        tbs = element(tbs)?.2;
    }
    for _ in 0..4 {
        tbs = element(tbs)?.2;
    }
    let (_, mut subject, _) = element(tbs)?;
    while let Some((_, set, rest)) = element(subject) {
        let (_, attribute, _) = element(set)?;
        if let Some(value) = attribute.strip_prefix(&CN_OID[..]) {
            let (_, text, _) = element(value)?;
            return String::from_utf8(text.to_vec()).ok();
        }
        subject = rest;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_lengths_and_truncation() {
        assert_eq!(
            element(&[0x30, 0x01, 0xff, 0x00]),
            Some((0x30, &[0xff][..], &[0x00][..]))
        );
        let long = [&[0x04, 0x81, 0x80][..], &[7u8; 0x80]].concat();
        assert_eq!(element(&long).map(|(_, c, _)| c.len()), Some(0x80));
        assert_eq!(element(&[0x30, 0x05, 0x00]), None);
        assert_eq!(common_name("not a certificate"), None);
    }

    #[test]
    fn reads_the_cn_of_a_real_certificate() {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["x.example".to_owned()]).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "Makapix Test");
        params.distinguished_name.push(
            rcgen::DnType::CommonName,
            "0b8f6c3e-1d2a-4f5b-9c7d-8e9f0a1b2c3d",
        );
        let pem = params.self_signed(&key).unwrap().pem();
        assert_eq!(
            common_name(&pem).as_deref(),
            Some("0b8f6c3e-1d2a-4f5b-9c7d-8e9f0a1b2c3d")
        );
    }
}
