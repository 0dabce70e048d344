//! PEM text: DER back to PEM for the parts that take PEM (the MQTT session's
//! TLS set-up), and what a PEM that would not parse says to the user.

use rustls_pki_types::pem::Error as PemError;

/// Why a PEM would not parse, in words that never quote it. The parser's
/// own message lists the bytes it stopped on: for a key whose line breaks
/// were lost, that is the whole key.
pub fn problem(e: &PemError) -> String {
    match e {
        PemError::MissingSectionEnd { .. } => {
            "a block has no END line; were its line breaks lost?".into()
        }
        PemError::IllegalSectionStart { .. } => "a BEGIN line is malformed".into(),
        PemError::Base64Decode(_) => "its base64 text is damaged".into(),
        PemError::Io(e) => format!("it could not be read: {}", e.kind()),
        PemError::NoItemsFound => "no PEM block of the right kind was found".into(),
        PemError::SectionTooLarge => "a block is too large".into(),
        other => format!("it is not valid PEM ({})", variant_name(other)),
    }
}

/// The variant alone, for errors added after this was written.
fn variant_name(e: &PemError) -> String {
    let debug = format!("{e:?}");
    debug
        .split(|c: char| !c.is_ascii_alphanumeric())
        .next()
        .unwrap_or_default()
        .to_owned()
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A PEM block with the usual 64-character lines.
pub fn encode(label: &str, der: &[u8]) -> String {
    let body = base64(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard_vectors() {
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), coded, "{plain}");
        }
    }

    #[test]
    fn a_key_whose_line_breaks_were_lost_is_never_quoted() {
        use rustls_pki_types::PrivateKeyDer;
        use rustls_pki_types::pem::PemObject;
        let der: Vec<u8> = (0..=255u8).cycle().take(600).collect();
        let one_line = encode("PRIVATE KEY", &der).replace('\n', " ");
        let e = PrivateKeyDer::from_pem_slice(one_line.as_bytes()).unwrap_err();
        let body = &base64(&der)[..24];
        let said = problem(&e);
        assert!(said.contains("line breaks"), "{said}");
        assert!(!said.contains(body) && !said.contains("77, 73"), "{said}");
    }

    #[test]
    fn pem_round_trips_through_rustls_parsing() {
        use rustls_pki_types::CertificateDer;
        use rustls_pki_types::pem::PemObject;
        let der: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        let pem = encode("CERTIFICATE", &der);
        assert!(pem.lines().all(|l| l.len() <= 64));
        let back = CertificateDer::from_pem_slice(pem.as_bytes()).unwrap();
        assert_eq!(back.as_ref(), der.as_slice());
    }
}
