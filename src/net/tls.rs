//! The TLS side of the session: rustls with the ring provider, the Makapix CA
//! as the only trust anchor (no system roots, no switch to skip checks), and the
//! player's certificate and key for mutual TLS.

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ClientConfig, RootCertStore};

use crate::bridge::connection::{Failure, FailureKind, SessionConfig};

#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error(
        "The Makapix CA certificate in the credentials could not be read ({0}). Re-import the credentials bundle."
    )]
    Ca(String),
    #[error(
        "The player certificate in the credentials could not be read ({0}). Re-import the credentials bundle or renew the certificate."
    )]
    Certificate(String),
    #[error(
        "The private key is encrypted with a passphrase; the player needs the unencrypted key from the Makapix credentials bundle. Re-import the bundle."
    )]
    EncryptedKey,
    #[error(
        "The private key in the credentials could not be read ({0}). Re-import the credentials bundle; check that its line breaks were kept."
    )]
    Key(String),
    #[error(
        "The private key does not belong to the player certificate, or is of an unsupported type ({0}). Re-import the credentials bundle."
    )]
    Mismatch(String),
}

/// Builds the rustls configuration for one session.
pub fn client_config(
    ca_pem: &str,
    cert_pem: &str,
    key_pem: &str,
) -> Result<Arc<ClientConfig>, CredentialError> {
    let mut roots = RootCertStore::empty();
    let cas = CertificateDer::pem_slice_iter(ca_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| CredentialError::Ca(crate::credentials::pem::problem(&e)))?;
    if cas.is_empty() {
        return Err(CredentialError::Ca("no certificate found".into()));
    }
    for ca in cas {
        roots
            .add(ca)
            .map_err(|e| CredentialError::Ca(e.to_string()))?;
    }
    let chain = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| CredentialError::Certificate(crate::credentials::pem::problem(&e)))?;
    if chain.is_empty() {
        return Err(CredentialError::Certificate("no certificate found".into()));
    }
    if key_pem.contains("ENCRYPTED") {
        return Err(CredentialError::EncryptedKey);
    }
    // Accepts PKCS#8 (`BEGIN PRIVATE KEY`), PKCS#1 (`BEGIN RSA PRIVATE KEY`) and SEC1.
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
        .map_err(|e| CredentialError::Key(crate::credentials::pem::problem(&e)))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| CredentialError::Mismatch(e.to_string()))?
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .map_err(|e| CredentialError::Mismatch(e.to_string()))?;
    Ok(Arc::new(config))
}

/// Installs ring as the process's rustls provider (call once at start-up).
/// A second call is harmless.
/// The TLS configuration of a session, or why its credentials cannot work at
/// all (so trying again is pointless): an unreadable set, or a certificate
/// issued for another player, which the broker would give none of this
/// player's topics.
pub(crate) fn session_config(config: &SessionConfig) -> Result<Arc<ClientConfig>, Failure> {
    let tls =
        client_config(&config.ca_pem, &config.cert_pem, config.key_pem.expose()).map_err(|e| {
            Failure {
                kind: FailureKind::BadCertificate,
                message: e.to_string(),
            }
        })?;
    match super::cert_name::common_name(&config.cert_pem) {
        Some(cn) if cn != config.player_key => Err(Failure {
            kind: FailureKind::WrongPlayer,
            message: format!(
                "The certificate was issued for another player ({}) than this one ({}); the broker would give it none of this player's topics. Re-import the credentials that belong to this player.",
                crate::player_key::short(&cn),
                crate::player_key::short(&config.player_key)
            ),
        }),
        _ => Ok(tls),
    }
}

pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_pems_give_sentences_that_say_what_to_do() {
        let err = client_config("", "", "").unwrap_err();
        assert!(matches!(err, CredentialError::Ca(_)));
        assert!(err.to_string().contains("Re-import"));
        let err = client_config(
            "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n",
            "",
            "",
        )
        .unwrap_err();
        assert!(matches!(err, CredentialError::Ca(_)), "{err}");
    }
}
