//! Turns what the user gives us into one certificate set: the web's JSON
//! bundle, the three PEM files picked together (recognised by content, not by
//! name), all four files the web offers at once (the PEM files then repeat
//! what the bundle holds), or pasted text. Only parsing here; `validate`
//! decides if it is good.

use x509_parser::prelude::{FromDer, X509Certificate};

use crate::protocol::http::{AdvertisedHttpsApi, Broker, CredentialsResponse, Secret};

/// Larger inputs are refused before parsing: a real bundle is about 6 KB.
pub(crate) const MAX_INPUT_BYTES: usize = 1024 * 1024;

/// CA, client certificate and private key, plus what a bundle may add.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PemSet {
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: Secret,
    pub broker: Option<Broker>,
    /// Where the HTTPS player API is, as the server named it (not checked yet).
    pub https_api: Option<AdvertisedHttpsApi>,
    pub api_token: Option<Secret>,
}

impl From<CredentialsResponse> for PemSet {
    fn from(r: CredentialsResponse) -> Self {
        Self {
            ca_pem: r.ca_pem,
            cert_pem: r.cert_pem,
            key_pem: r.key_pem,
            broker: r.broker,
            https_api: r.https_api,
            api_token: r.api_token,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BundleError {
    #[error("{name} is larger than 1 MB, so it cannot be a Makapix certificate file.")]
    TooLarge { name: String },
    #[error(
        "{name} is not a text file. Choose the certificate bundle (.json) or the PEM files (.pem) from makapix.club."
    )]
    Binary { name: String },
    #[error("{name} is not a valid certificate bundle: {reason}")]
    BadJson { name: String, reason: String },
    #[error("The certificate bundle has no \"{0}\" field; download it again from makapix.club.")]
    MissingField(&'static str),
    #[error(
        "A PEM block starting with \"{0}\" has no END line: the file is cut short. Download it again."
    )]
    Truncated(String),
    #[error(
        "No private key was found. Pick the key file (key.pem) together with the two certificates."
    )]
    NoKey,
    #[error("More than one private key was given; pick exactly one key file.")]
    SeveralKeys,
    #[error(
        "The private key is encrypted with a passphrase. Use the unencrypted key from makapix.club."
    )]
    EncryptedKey,
    #[error(
        "Expected two certificates (the Makapix CA and this player's certificate) but found {0}."
    )]
    CertificateCount(usize),
    #[error("A certificate could not be read: {0}")]
    UnreadableCertificate(String),
    #[error("Could not tell which certificate is the CA: neither one issued the other.")]
    NoCa,
    #[error("More than one certificate bundle (.json) was given; pick one player's files.")]
    SeveralBundles,
    #[error(
        "{name} does not match the certificate bundle picked with it: the files are of different players. Pick one player's files, or the bundle (.json) alone."
    )]
    PemNotInBundle { name: String },
    #[error("Nothing to import: no certificate bundle or PEM text was found.")]
    Empty,
    #[error("Could not read {name}: {reason}")]
    Unreadable { name: String, reason: String },
}

/// Reads picked files, refusing big ones before reading them whole.
pub(crate) fn read_files(
    paths: &[std::path::PathBuf],
) -> Result<Vec<(String, Vec<u8>)>, BundleError> {
    use std::io::Read;
    let mut out = Vec::with_capacity(paths.len());
    for path in paths {
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let unreadable = |e: std::io::Error| BundleError::Unreadable {
            name: name.clone(),
            reason: e.to_string(),
        };
        let file = std::fs::File::open(path).map_err(unreadable)?;
        let mut bytes = Vec::new();
        // One byte over the limit is enough to refuse.
        file.take(MAX_INPUT_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(unreadable)?;
        out.push((name, bytes));
    }
    Ok(out)
}

/// Parses what `read_files` returned.
pub(crate) fn parse_files(files: &[(String, Vec<u8>)]) -> Result<PemSet, BundleError> {
    let inputs: Vec<Input<'_>> = files
        .iter()
        .map(|(name, bytes)| Input { name, bytes })
        .collect();
    parse(&inputs)
}

/// One named input: a file's name (or "pasted text") and its bytes.
pub struct Input<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
}

/// Parses one or more inputs (files picked together, or pasted text) into a set.
pub fn parse(inputs: &[Input<'_>]) -> Result<PemSet, BundleError> {
    let mut texts = Vec::with_capacity(inputs.len());
    for input in inputs {
        texts.push((input.name, text_of(input)?));
    }
    let (bundles, pems): (Vec<_>, Vec<_>) = texts
        .iter()
        .partition(|(_, text)| text.trim_start().starts_with('{'));
    match bundles.as_slice() {
        [] => {
            let mut blocks = Vec::new();
            for (_, text) in &pems {
                blocks.extend(pem_blocks(text)?);
            }
            from_blocks(blocks)
        }
        [(name, text)] => {
            let set = parse_json(name, text)?;
            for (name, text) in &pems {
                repeats_bundle(name, text, &set)?;
            }
            Ok(set)
        }
        _ => Err(BundleError::SeveralBundles),
    }
}

/// The web offers the bundle's three PEMs as files of their own too: picked
/// with the bundle, each block must be one the bundle holds, so nothing of
/// another player slips in unseen.
fn repeats_bundle(name: &str, text: &str, set: &PemSet) -> Result<(), BundleError> {
    let held = [
        squeeze(&set.ca_pem),
        squeeze(&set.cert_pem),
        squeeze(set.key_pem.expose()),
    ];
    let blocks = pem_blocks(text)?;
    let known = |b: &Block| held.contains(&squeeze(&b.text));
    if blocks.is_empty() || !blocks.iter().all(known) {
        return Err(BundleError::PemNotInBundle {
            name: name.to_owned(),
        });
    }
    Ok(())
}

/// PEM text without its whitespace (line ends and wrapping differ between copies).
fn squeeze(pem: &str) -> String {
    pem.chars().filter(|c| !c.is_whitespace()).collect()
}

fn text_of<'a>(input: &Input<'a>) -> Result<&'a str, BundleError> {
    if input.bytes.len() > MAX_INPUT_BYTES {
        return Err(BundleError::TooLarge {
            name: input.name.to_owned(),
        });
    }
    let binary = || BundleError::Binary {
        name: input.name.to_owned(),
    };
    let text = std::str::from_utf8(input.bytes).map_err(|_| binary())?;
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(binary());
    }
    Ok(text)
}

fn parse_json(name: &str, text: &str) -> Result<PemSet, BundleError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| BundleError::BadJson {
            name: name.to_owned(),
            reason: e.to_string(),
        })?;
    for field in ["ca_pem", "cert_pem", "key_pem"] {
        if !value.get(field).is_some_and(serde_json::Value::is_string) {
            return Err(BundleError::MissingField(field));
        }
    }
    let parsed: CredentialsResponse =
        serde_json::from_value(value).map_err(|e| BundleError::BadJson {
            name: name.to_owned(),
            // serde's message names the field, never its value.
            reason: e.to_string(),
        })?;
    Ok(parsed.into())
}

/// A PEM block: its label ("CERTIFICATE", "PRIVATE KEY"…) and its full text.
struct Block {
    label: String,
    text: String,
}

fn pem_blocks(text: &str) -> Result<Vec<Block>, BundleError> {
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + "-----BEGIN ".len()..];
        let label = match after.find("-----") {
            Some(end) if is_label(&after[..end]) => after[..end].to_owned(),
            // Never quoted whole: with its line breaks lost, what follows
            // BEGIN up to the next dashes is a private key.
            _ => return Err(BundleError::Truncated("-----BEGIN".into())),
        };
        let end_marker = format!("-----END {label}-----");
        let Some(end) = rest[start..].find(&end_marker) else {
            return Err(BundleError::Truncated(format!("-----BEGIN {label}-----")));
        };
        let stop = start + end + end_marker.len();
        blocks.push(Block {
            label,
            text: format!("{}\n", &rest[start..stop]),
        });
        rest = &rest[stop..];
    }
    Ok(blocks)
}

/// "CERTIFICATE", "RSA PRIVATE KEY"…: capitals and spaces on one line.
fn is_label(text: &str) -> bool {
    text.len() <= 40 && text.chars().all(|c| c.is_ascii_uppercase() || c == ' ')
}

fn from_blocks(blocks: Vec<Block>) -> Result<PemSet, BundleError> {
    if blocks.is_empty() {
        return Err(BundleError::Empty);
    }
    let mut keys = Vec::new();
    let mut certs = Vec::new();
    for block in blocks {
        match block.label.as_str() {
            "CERTIFICATE" => certs.push(block.text),
            "ENCRYPTED PRIVATE KEY" => return Err(BundleError::EncryptedKey),
            l if l.ends_with("PRIVATE KEY") => {
                if block.text.contains("Proc-Type: 4,ENCRYPTED") {
                    return Err(BundleError::EncryptedKey);
                }
                keys.push(block.text);
            }
            // Parameters and other blocks (e.g. "EC PARAMETERS") are not ours to judge.
            _ => {}
        }
    }
    let key = match keys.len() {
        0 => return Err(BundleError::NoKey),
        1 => keys.remove(0),
        _ => return Err(BundleError::SeveralKeys),
    };
    if certs.len() != 2 {
        return Err(BundleError::CertificateCount(certs.len()));
    }
    let (ca, cert) = pick_ca(&certs[0], &certs[1])?;
    Ok(PemSet {
        ca_pem: ca.to_owned(),
        cert_pem: cert.to_owned(),
        key_pem: Secret::new(key),
        broker: None,
        https_api: None,
        api_token: None,
    })
}

/// Returns (CA, client certificate): the CA is the one that issued the other,
/// or failing that the one marked as a CA.
fn pick_ca<'a>(a: &'a str, b: &'a str) -> Result<(&'a str, &'a str), BundleError> {
    let da = pem_der(a)?;
    let db = pem_der(b)?;
    let ca = parse_cert(&da)?;
    let cb = parse_cert(&db)?;
    let a_issued_b = cb.issuer() == ca.subject();
    let b_issued_a = ca.issuer() == cb.subject();
    match (a_issued_b, b_issued_a) {
        (true, false) => Ok((a, b)),
        (false, true) => Ok((b, a)),
        _ if ca.is_ca() && !cb.is_ca() => Ok((a, b)),
        _ if cb.is_ca() && !ca.is_ca() => Ok((b, a)),
        _ => Err(BundleError::NoCa),
    }
}

fn pem_der(text: &str) -> Result<Vec<u8>, BundleError> {
    use rustls_pki_types::pem::PemObject;
    rustls_pki_types::CertificateDer::from_pem_slice(text.as_bytes())
        .map(|c| c.to_vec())
        .map_err(|e| BundleError::UnreadableCertificate(super::pem::problem(&e)))
}

fn parse_cert(der: &[u8]) -> Result<X509Certificate<'_>, BundleError> {
    X509Certificate::from_der(der)
        .map(|(_, c)| c)
        .map_err(|e| BundleError::UnreadableCertificate(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(name: &str, bytes: &[u8]) -> Result<PemSet, BundleError> {
        parse(&[Input { name, bytes }])
    }

    #[test]
    fn bundle_missing_key_field_names_it() {
        let json = br#"{"ca_pem":"x","cert_pem":"y"}"#;
        assert_eq!(
            one("b.json", json),
            Err(BundleError::MissingField("key_pem"))
        );
    }

    #[test]
    fn bundle_with_broker_and_token_keeps_them() {
        let json = br#"{"ca_pem":"a","cert_pem":"b","key_pem":"c","api_token":"t",
            "broker":{"host":"h.example","port":8884}}"#;
        let set = one("b.json", json).unwrap();
        assert_eq!(set.broker.unwrap().port, 8884);
        assert!(set.https_api.is_none());
        assert_eq!(set.api_token.unwrap().expose(), "t");
    }

    #[test]
    fn big_binary_empty_and_truncated_inputs_are_refused() {
        let big = vec![b'a'; 5 * 1024 * 1024];
        assert!(matches!(
            one("big.pem", &big),
            Err(BundleError::TooLarge { .. })
        ));
        assert!(matches!(
            one("junk.bin", &[0, 159, 146, 150, 1, 2]),
            Err(BundleError::Binary { .. })
        ));
        assert_eq!(one("empty.txt", b"hello"), Err(BundleError::Empty));
        let cut = b"-----BEGIN CERTIFICATE-----\nMIIB\n";
        assert!(matches!(one("c.pem", cut), Err(BundleError::Truncated(_))));
    }

    #[test]
    fn a_key_whose_begin_line_is_damaged_is_never_quoted() {
        let body = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7";
        for text in [
            format!("-----BEGIN PRIVATE KEY\n{body}\n-----END PRIVATE KEY-----\n"),
            format!("-----BEGIN PRIVATE KEY {body} -----END PRIVATE KEY"),
        ] {
            let e = one("k.pem", text.as_bytes()).unwrap_err();
            assert!(matches!(e, BundleError::Truncated(_)), "{e:?}");
            assert!(!e.to_string().contains(&body[..12]), "{e}");
        }
    }

    #[test]
    fn two_bundles_at_once_are_refused() {
        let json = br#"{"ca_pem":"a","cert_pem":"b","key_pem":"c"}"#;
        let inputs = [
            Input {
                name: "a.json",
                bytes: json,
            },
            Input {
                name: "b.json",
                bytes: json,
            },
        ];
        assert_eq!(parse(&inputs), Err(BundleError::SeveralBundles));
    }

    #[test]
    fn encrypted_key_is_explained() {
        let text =
            b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
        assert_eq!(one("k.pem", text), Err(BundleError::EncryptedKey));
    }
}
