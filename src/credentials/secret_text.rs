//! Recognising secrets typed or pasted where they do not belong (a path
//! field, a URL field), so the text is dropped instead of logged, saved or
//! echoed in an error sentence. Pure.

/// What the window says instead of the text.
pub(crate) const REFUSED: &str = "That text looks like a private key or a certificate, not a path or an address: it was removed from the field and kept nowhere. Import credentials under Settings › Player › Import… or Paste certificates.";

/// True for text holding a PEM block (`-----BEGIN …`), a bare key header,
/// or a credentials bundle (its `key_pem` or `api_token` field).
pub(crate) fn looks_secret(text: &str) -> bool {
    let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let upper = squeezed.to_ascii_uppercase();
    upper.contains("-----BEGIN")
        || upper.contains("PRIVATEKEY-----")
        || squeezed.contains("\"key_pem\"")
        || squeezed.contains("\"api_token\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_certificates_and_bundles_are_recognised_paths_and_urls_are_not() {
        assert!(looks_secret(
            "-----BEGIN PRIVATE KEY-----\nMIIEv...\n-----END PRIVATE KEY-----"
        ));
        assert!(looks_secret("  -----BEGIN RSA PRIVATE KEY----- MIIB"));
        assert!(looks_secret("MIIB...\n-----END EC PRIVATE KEY-----"));
        assert!(looks_secret(r#"{"ca_pem":"x","key_pem":"y"}"#));
        assert!(looks_secret(r#"{ "api_token" : "mpx" }"#));
        assert!(!looks_secret("/home/me/pixel-art"));
        assert!(!looks_secret("C:\\Users\\me\\art\\key.png"));
        assert!(!looks_secret("https://makapix.club/api"));
    }
}
