//! The secrets in the OS keyring: one entry per secret (private key,
//! certificate, CA, API token), each stored as DER bytes so it fits Windows'
//! 2,560-byte limit. Every call blocks (D-Bus, Keychain): run it off the
//! window thread. There is no file fallback, on purpose.

use std::fmt;
use std::sync::Arc;

use keyring_core::{CredentialStore, Entry};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use super::bundle::PemSet;
use crate::protocol::http::Secret;

/// The keyring "service" every entry of this program lives under.
pub const SERVICE: &str = "club.makapix.player";

/// Bytes that must never be printed (a DER private key).
#[derive(Clone, PartialEq, Eq)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes({} bytes, redacted)", self.0.len())
    }
}

/// Which stored set: a random id and a generation. A replacement is written
/// under the next generation, so the old set stays whole until the switch.
/// The id names the keyring entries, which other programs can list without
/// unlocking the keyring: so it is random, never the player key (which works
/// as a password). Sets stored by earlier versions used the whole key as the
/// id (their `player.json` says `player_key`); see `migrate`.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Slot {
    #[serde(alias = "player_key")]
    pub id: String,
    pub generation: u32,
}

/// The id in its short form: a legacy id is the whole player key.
impl fmt::Debug for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Slot")
            .field("id", &crate::player_key::short(&self.id))
            .field("generation", &self.generation)
            .finish()
    }
}

impl Slot {
    fn user(&self, part: Part) -> String {
        format!("{}#{}/{}", self.id, self.generation, part.name())
    }

    /// A slot under a new random id (16 hex digits).
    pub(crate) fn random(generation: u32) -> Result<Self, StoreError> {
        use ring::rand::SecureRandom;
        let mut bytes = [0u8; 8];
        ring::rand::SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| StoreError::Other("the system gave no random numbers".into()))?;
        let id = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Ok(Self { id, generation })
    }

    /// Where the set replacing `old` goes: the next generation of the same id,
    /// or a new random id when there is none yet (or it is a legacy one).
    pub(crate) fn after(old: Option<&Slot>) -> Result<Self, StoreError> {
        match old {
            Some(old) if !old.is_legacy() => Ok(Self {
                id: old.id.clone(),
                generation: old.generation.wrapping_add(1),
            }),
            Some(old) => Self::random(old.generation.wrapping_add(1)),
            None => Self::random(1),
        }
    }

    /// Stored by an earlier version: the id is the whole player key.
    pub fn is_legacy(&self) -> bool {
        super::validate::is_uuid(&self.id)
    }
}

#[derive(Clone, Copy, Debug)]
enum Part {
    Key,
    Cert,
    Ca,
    Token,
}

impl Part {
    const ALL: [Part; 4] = [Part::Key, Part::Cert, Part::Ca, Part::Token];

    fn name(self) -> &'static str {
        match self {
            Part::Key => "private-key",
            Part::Cert => "certificate",
            Part::Ca => "ca",
            Part::Token => "api-token",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Part::Key => "private key",
            Part::Cert => "certificate",
            Part::Ca => "CA certificate",
            Part::Token => "API token",
        }
    }
}

/// The secrets of one set in the form they are stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Secrets {
    /// First byte says the key's format (`1` PKCS#1, `8` PKCS#8, `e` SEC1), then DER.
    pub key: SecretBytes,
    pub cert_der: Vec<u8>,
    pub ca_der: Vec<u8>,
    pub api_token: Option<Secret>,
}

impl Secrets {
    /// From a set that `validate` accepted (so the PEM parses).
    pub fn from_pem(set: &PemSet) -> Result<Self, StoreError> {
        let unreadable = |what: &str| StoreError::Other(format!("the {what} could not be read"));
        let cert = CertificateDer::from_pem_slice(set.cert_pem.as_bytes())
            .map_err(|_| unreadable("certificate"))?;
        let ca = CertificateDer::from_pem_slice(set.ca_pem.as_bytes())
            .map_err(|_| unreadable("CA certificate"))?;
        let key = PrivateKeyDer::from_pem_slice(set.key_pem.expose().as_bytes())
            .map_err(|_| unreadable("private key"))?;
        let (tag, der) = match &key {
            PrivateKeyDer::Pkcs1(k) => (b'1', k.secret_pkcs1_der()),
            PrivateKeyDer::Pkcs8(k) => (b'8', k.secret_pkcs8_der()),
            PrivateKeyDer::Sec1(k) => (b'e', k.secret_sec1_der()),
            _ => return Err(unreadable("private key")),
        };
        let mut key_bytes = Vec::with_capacity(der.len() + 1);
        key_bytes.push(tag);
        key_bytes.extend_from_slice(der);
        Ok(Self {
            key: SecretBytes(key_bytes),
            cert_der: cert.to_vec(),
            ca_der: ca.to_vec(),
            api_token: set.api_token.clone(),
        })
    }

    /// The player key: the certificate's Common Name, checked to be one when
    /// the set was stored (`validate`). Kept nowhere else, so no entry name and
    /// no file needs to hold it.
    pub fn player_key(&self) -> Result<String, StoreError> {
        super::validate::player_key_of(&self.cert_der).ok_or(StoreError::Missing("player key"))
    }

    /// The client certificate, for the MQTT session's TLS configuration.
    pub fn certificate(&self) -> CertificateDer<'static> {
        CertificateDer::from(self.cert_der.clone())
    }

    /// The CA the broker's certificate must chain to.
    pub fn ca(&self) -> CertificateDer<'static> {
        CertificateDer::from(self.ca_der.clone())
    }

    /// The set as PEM text for the MQTT session: (CA, certificate, private key).
    /// `None` when the stored key's format tag is unknown (a damaged entry).
    pub(crate) fn session_pems(&self) -> Option<(String, String, String)> {
        let (tag, der) = self.key.0.split_first()?;
        let label = match tag {
            b'1' => "RSA PRIVATE KEY",
            b'8' => "PRIVATE KEY",
            b'e' => "EC PRIVATE KEY",
            _ => return None,
        };
        Some((
            super::pem::encode("CERTIFICATE", &self.ca_der),
            super::pem::encode("CERTIFICATE", &self.cert_der),
            super::pem::encode(label, der),
        ))
    }

    /// The private key as rustls wants it (for the MQTT session).
    pub fn private_key(&self) -> Option<PrivateKeyDer<'static>> {
        let (tag, der) = self.key.0.split_first()?;
        let der = der.to_vec();
        match tag {
            b'1' => Some(PrivateKeyDer::Pkcs1(der.into())),
            b'8' => Some(PrivateKeyDer::Pkcs8(der.into())),
            b'e' => Some(PrivateKeyDer::Sec1(der.into())),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum StoreError {
    #[error(
        "No keyring service is running, so credentials cannot be kept safely. On Linux start GNOME Keyring or KWallet (Secret Service); the player keeps playing local art meanwhile."
    )]
    NoService,
    #[error("The keyring is locked or refused access; unlock it and try again.")]
    Locked,
    #[error(
        "The stored credentials are incomplete (the {0} is missing); import or register again."
    )]
    Missing(&'static str),
    #[error("The keyring refused the {0}: it is too long for this system's keyring.")]
    TooLong(&'static str),
    #[error("The keyring failed: {0}")]
    Other(String),
}

impl StoreError {
    fn from_keyring(e: keyring_core::Error, part: Part) -> Self {
        match e {
            keyring_core::Error::PlatformFailure(_) | keyring_core::Error::NoDefaultStore => {
                StoreError::NoService
            }
            keyring_core::Error::NoStorageAccess(_) => StoreError::Locked,
            keyring_core::Error::NoEntry => StoreError::Missing(part.label()),
            keyring_core::Error::TooLong(..) => StoreError::TooLong(part.label()),
            // Other variants describe the store, not the secret: safe to show.
            other => StoreError::Other(other.to_string()),
        }
    }
}

/// The keyring, through any keyring-core store (native, or the mock in tests).
#[derive(Clone)]
pub struct KeyringStore {
    store: Arc<CredentialStore>,
    service: String,
}

impl KeyringStore {
    /// This OS's keyring: Secret Service (pure Rust D-Bus), Keychain or Credential Manager.
    pub(crate) fn native() -> Result<Self, StoreError> {
        Self::native_with_service(SERVICE)
    }

    /// The OS keyring under another service name (tests keep apart from real use).
    pub fn native_with_service(service: &str) -> Result<Self, StoreError> {
        Ok(Self::with_store(native_store()?, service))
    }

    pub fn with_store(store: Arc<CredentialStore>, service: &str) -> Self {
        Self {
            store,
            service: service.to_owned(),
        }
    }

    fn entry(&self, slot: &Slot, part: Part) -> Result<Entry, StoreError> {
        Entry::new_in_store(&self.store, &self.service, &slot.user(part))
            .map_err(|e| StoreError::from_keyring(e, part))
    }

    /// Writes every secret of `slot`; when one fails, removes what was written,
    /// so a half-written set never remains.
    pub fn write(&self, slot: &Slot, secrets: &Secrets) -> Result<(), StoreError> {
        let result = self.write_all(slot, secrets);
        if result.is_err() {
            let _ = self.delete(slot);
        }
        result
    }

    fn write_all(&self, slot: &Slot, secrets: &Secrets) -> Result<(), StoreError> {
        let parts: [(Part, Option<&[u8]>); 4] = [
            (Part::Key, Some(secrets.key.expose())),
            (Part::Cert, Some(&secrets.cert_der)),
            (Part::Ca, Some(&secrets.ca_der)),
            (
                Part::Token,
                secrets.api_token.as_ref().map(|t| t.expose().as_bytes()),
            ),
        ];
        for (part, bytes) in parts {
            let entry = self.entry(slot, part)?;
            match bytes {
                Some(bytes) => entry
                    .set_secret(bytes)
                    .map_err(|e| StoreError::from_keyring(e, part))?,
                None => ignore_missing(entry.delete_credential(), part)?,
            }
        }
        Ok(())
    }

    pub fn read(&self, slot: &Slot) -> Result<Secrets, StoreError> {
        let get = |part: Part| {
            self.entry(slot, part)?
                .get_secret()
                .map_err(|e| StoreError::from_keyring(e, part))
        };
        let key = SecretBytes(get(Part::Key)?);
        let cert_der = get(Part::Cert)?;
        let ca_der = get(Part::Ca)?;
        let api_token = match get(Part::Token) {
            Ok(bytes) => Some(Secret::new(
                String::from_utf8(bytes).map_err(|_| StoreError::Missing("API token"))?,
            )),
            Err(StoreError::Missing(_)) => None,
            Err(e) => return Err(e),
        };
        Ok(Secrets {
            key,
            cert_der,
            ca_der,
            api_token,
        })
    }

    /// Stores a new API token in an existing slot (after a rotation).
    pub(crate) fn write_token(&self, slot: &Slot, token: &Secret) -> Result<(), StoreError> {
        self.entry(slot, Part::Token)?
            .set_secret(token.expose().as_bytes())
            .map_err(|e| StoreError::from_keyring(e, Part::Token))
    }

    /// Deletes every secret of `slot`; already-missing entries are fine.
    pub fn delete(&self, slot: &Slot) -> Result<(), StoreError> {
        let mut first_error = None;
        for part in Part::ALL {
            let result = self
                .entry(slot, part)
                .and_then(|entry| ignore_missing(entry.delete_credential(), part));
            if let Err(e) = result {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Deletes `slot` and up to `earlier` generations before it; those are
    /// left-overs of clean-ups that failed at the time, removed best effort.
    pub(crate) fn delete_with_earlier(&self, slot: &Slot, earlier: u32) -> Result<(), StoreError> {
        for back in 1..=earlier {
            let Some(generation) = slot.generation.checked_sub(back) else {
                break;
            };
            let old = Slot {
                generation,
                ..slot.clone()
            };
            if let Err(e) = self.delete(&old) {
                tracing::warn!("an older credential set could not be removed: {e}");
            }
        }
        self.delete(slot)
    }
}

fn ignore_missing(result: keyring_core::Result<()>, part: Part) -> Result<(), StoreError> {
    match result {
        Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
        Err(e) => Err(StoreError::from_keyring(e, part)),
    }
}

#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
fn native_store() -> Result<Arc<CredentialStore>, StoreError> {
    let store = zbus_secret_service_keyring_store::Store::new().map_err(|e| {
        tracing::warn!("Secret Service unavailable: {e}");
        StoreError::NoService
    })?;
    Ok(store)
}

#[cfg(target_os = "macos")]
fn native_store() -> Result<Arc<CredentialStore>, StoreError> {
    let store = apple_native_keyring_store::keychain::Store::new().map_err(|e| {
        tracing::warn!("Keychain unavailable: {e}");
        StoreError::NoService
    })?;
    Ok(store)
}

#[cfg(target_os = "windows")]
fn native_store() -> Result<Arc<CredentialStore>, StoreError> {
    let store = windows_native_keyring_store::Store::new().map_err(|e| {
        tracing::warn!("Credential Manager unavailable: {e}");
        StoreError::NoService
    })?;
    Ok(store)
}

#[cfg(not(any(
    target_os = "macos",
    target_os = "windows",
    all(unix, not(any(target_os = "ios", target_os = "android")))
)))]
fn native_store() -> Result<Arc<CredentialStore>, StoreError> {
    Err(StoreError::NoService)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mock() -> KeyringStore {
        KeyringStore::with_store(keyring_core::mock::Store::new().unwrap(), "test")
    }

    fn secrets(token: Option<&str>) -> Secrets {
        Secrets {
            key: SecretBytes(vec![b'8', 1, 2, 3]),
            cert_der: vec![4, 5],
            ca_der: vec![6],
            api_token: token.map(Secret::new),
        }
    }

    fn slot(generation: u32) -> Slot {
        Slot {
            id: "5c2f0e9a7b1d4e63".into(),
            generation,
        }
    }

    #[test]
    fn write_read_replace_delete() {
        let store = mock();
        store.write(&slot(1), &secrets(Some("tok"))).unwrap();
        assert_eq!(store.read(&slot(1)).unwrap(), secrets(Some("tok")));
        // A second generation stands beside the first until the first is deleted.
        store.write(&slot(2), &secrets(None)).unwrap();
        assert_eq!(store.read(&slot(1)).unwrap(), secrets(Some("tok")));
        assert_eq!(store.read(&slot(2)).unwrap().api_token, None);
        store.delete(&slot(1)).unwrap();
        assert_eq!(
            store.read(&slot(1)),
            Err(StoreError::Missing("private key"))
        );
        assert!(store.read(&slot(2)).is_ok());
        store.delete(&slot(2)).unwrap();
        store.delete(&slot(2)).unwrap();
    }

    #[test]
    fn a_failed_write_leaves_nothing_half_stored() {
        let store = mock();
        let slot = slot(1);
        // Make the third secret (the CA) fail the way a locked keyring does.
        let ca = store.entry(&slot, Part::Ca).unwrap();
        let cred: &keyring_core::mock::Cred = ca.as_any().downcast_ref().unwrap();
        cred.set_error(keyring_core::Error::NoStorageAccess(Box::new(
            std::io::Error::other("locked"),
        )));
        assert_eq!(
            store.write(&slot, &secrets(Some("t"))),
            Err(StoreError::Locked)
        );
        assert_eq!(store.read(&slot), Err(StoreError::Missing("private key")));
        let cert = store.entry(&slot, Part::Cert).unwrap();
        assert!(matches!(
            cert.get_secret(),
            Err(keyring_core::Error::NoEntry)
        ));
    }

    #[test]
    fn no_service_is_said_plainly() {
        let e = StoreError::from_keyring(
            keyring_core::Error::PlatformFailure(Box::new(std::io::Error::other("no bus"))),
            Part::Key,
        );
        assert_eq!(e, StoreError::NoService);
        assert!(e.to_string().starts_with("No keyring service is running"));
    }

    #[test]
    fn debug_never_shows_key_bytes() {
        let shown = format!("{:?}", secrets(Some("mpx_test_token")));
        assert!(!shown.contains("[56, 1, 2, 3]") && !shown.contains("mpx_test_token"));
    }

    #[test]
    fn private_key_comes_back_in_its_format() {
        let s = secrets(None);
        assert!(matches!(s.private_key(), Some(PrivateKeyDer::Pkcs8(_))));
    }
}
