//! Decides whether a certificate set may be stored. Pure: no I/O, the time is
//! passed in, so every rule is a plain unit test.

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::bundle::PemSet;

/// What a valid set tells about the player; its key shown short in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Identity {
    /// The certificate's Common Name: the player's UUID.
    pub player_key: String,
    /// Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    /// Who signed the certificate (the CA's name).
    pub issuer: String,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("player_key", &crate::player_key::short(&self.player_key))
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .field("issuer", &self.issuer)
            .finish()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ValidationError {
    #[error("The player certificate is not a readable PEM certificate ({0}).")]
    BadCertificate(String),
    #[error("The CA certificate is not a readable PEM certificate ({0}).")]
    BadCa(String),
    #[error("The private key is not a readable PEM key ({0}).")]
    BadKey(String),
    #[error("This kind of private key is not supported; Makapix uses RSA keys.")]
    UnsupportedKey,
    #[error(
        "The private key does not belong to this certificate. Pick the key downloaded with it."
    )]
    KeyMismatch,
    #[error(
        "The certificate was not issued by the given CA. Use the CA that came with the certificate."
    )]
    WrongCa,
    #[error(
        "The certificate's name (\"{0}\") is not a player key. Is this a Makapix player certificate?"
    )]
    NotAPlayerKey(String),
    #[error("The certificate expired on {0}. Renew it or register the player again.")]
    Expired(String),
    #[error(
        "This computer's clock is {behind} behind: the certificate is valid from {from} (UTC). Set the date and time right (automatic time), then try again."
    )]
    ClockBehind { behind: String, from: String },
}

/// How far ahead of this computer's clock a certificate may start. The server
/// issues certificates valid from the instant of issue, so a clock a few
/// minutes slow would otherwise refuse a fresh one (and a registration's
/// one-time token would be spent for nothing).
pub(crate) const CLOCK_SKEW: i64 = 15 * 60;

/// Checks the set at time `now` (Unix seconds), its validity period included.
pub fn validate(set: &PemSet, now: i64) -> Result<Identity, ValidationError> {
    let identity = checked(set)?;
    check_dates(identity.not_before, identity.not_after, now)?;
    Ok(identity)
}

/// As `validate`, except that an expired certificate passes: whoever holds an
/// imported set can still renew it (`token/rotate` with its player key, then
/// `renew-cert`, which the server allows after expiry), so an old bundle from
/// the web is a way back rather than a dead end.
pub fn validate_import(set: &PemSet, now: i64) -> Result<Identity, ValidationError> {
    let identity = checked(set)?;
    check_started(identity.not_before, now)?;
    Ok(identity)
}

/// Every check but the dates'.
fn checked(set: &PemSet) -> Result<Identity, ValidationError> {
    let cert_der = CertificateDer::from_pem_slice(set.cert_pem.as_bytes())
        .map_err(|e| ValidationError::BadCertificate(super::pem::problem(&e)))?;
    let ca_der = CertificateDer::from_pem_slice(set.ca_pem.as_bytes())
        .map_err(|e| ValidationError::BadCa(super::pem::problem(&e)))?;
    let cert = X509Certificate::from_der(&cert_der)
        .map(|(_, c)| c)
        .map_err(|e| ValidationError::BadCertificate(e.to_string()))?;
    let ca = X509Certificate::from_der(&ca_der)
        .map(|(_, c)| c)
        .map_err(|e| ValidationError::BadCa(e.to_string()))?;
    let key = PrivateKeyDer::from_pem_slice(set.key_pem.expose().as_bytes())
        .map_err(|e| ValidationError::BadKey(super::pem::problem(&e)))?;

    let signing = rustls::crypto::ring::sign::any_supported_type(&key)
        .map_err(|_| ValidationError::UnsupportedKey)?;
    let key_spki = signing
        .public_key()
        .ok_or(ValidationError::UnsupportedKey)?;
    if key_spki.as_ref() != cert.public_key().raw {
        return Err(ValidationError::KeyMismatch);
    }

    if cert.issuer() != ca.subject() || cert.verify_signature(Some(ca.public_key())).is_err() {
        return Err(ValidationError::WrongCa);
    }

    let cn = common_name(&cert);
    if !is_uuid(&cn) {
        return Err(ValidationError::NotAPlayerKey(cn));
    }

    let validity = cert.validity();
    let not_before = validity.not_before.timestamp();
    let not_after = validity.not_after.timestamp();
    let issuer = {
        let name = common_name_of(cert.issuer());
        if name.is_empty() {
            cert.issuer().to_string()
        } else {
            name
        }
    };
    Ok(Identity {
        player_key: cn.to_ascii_lowercase(),
        not_before,
        not_after,
        issuer,
    })
}

/// The validity period at `now`, tolerating a clock up to `CLOCK_SKEW` slow.
pub(crate) fn check_dates(
    not_before: i64,
    not_after: i64,
    now: i64,
) -> Result<(), ValidationError> {
    if now > not_after {
        return Err(ValidationError::Expired(format_date(not_after)));
    }
    check_started(not_before, now)
}

/// A certificate starting after `now` by more than `CLOCK_SKEW` means a clock behind.
fn check_started(not_before: i64, now: i64) -> Result<(), ValidationError> {
    if not_before - now > CLOCK_SKEW {
        return Err(ValidationError::ClockBehind {
            behind: span(not_before - now),
            from: format_date_time(not_before),
        });
    }
    Ok(())
}

/// A duration as people say it: "3 hours 20 minutes", "2 days 4 hours".
fn span(secs: i64) -> String {
    let minutes = secs.div_euclid(60).max(1);
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let unit = |n: i64, one: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {one}s")
        }
    };
    match (days, hours, mins) {
        (0, 0, m) => unit(m, "minute"),
        (0, h, 0) => unit(h, "hour"),
        (0, h, m) => format!("{} {}", unit(h, "hour"), unit(m, "minute")),
        (d, 0, _) => unit(d, "day"),
        (d, h, _) => format!("{} {}", unit(d, "day"), unit(h, "hour")),
    }
}

fn common_name(cert: &X509Certificate<'_>) -> String {
    common_name_of(cert.subject())
}

fn common_name_of(name: &x509_parser::x509::X509Name<'_>) -> String {
    name.iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The player key a stored certificate names: its Common Name, as `validate`
/// read it when the set was stored.
pub(crate) fn player_key_of(cert_der: &[u8]) -> Option<String> {
    let (_, cert) = X509Certificate::from_der(cert_der).ok()?;
    let cn = common_name(&cert);
    is_uuid(&cn).then(|| cn.to_ascii_lowercase())
}

/// 8-4-4-4-12 hexadecimal digits, the shape of every `player_key`.
pub(crate) fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A day in the form users read everywhere: 2026-11-25.
pub(crate) fn format_date(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .map(|t| format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day()))
        .unwrap_or_else(|_| unix.to_string())
}

/// A moment to the minute: 2026-11-25 14:05.
pub(crate) fn format_date_time(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .map(|t| format!("{} {:02}:{:02}", format_date(unix), t.hour(), t.minute()))
        .unwrap_or_else(|_| unix.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_identity_debug_prints_its_key_short() {
        let key = "3f2b8c1e-7d4a-4e6b-9a15-2c8d0e7f6a91";
        let identity = Identity {
            player_key: key.into(),
            not_before: 0,
            not_after: 1,
            issuer: "Makapix CA".into(),
        };
        let printed = format!("{identity:?}");
        assert!(
            !printed.contains(key) && printed.contains("3f2b8c1e…"),
            "{printed}"
        );
    }

    const NOW: i64 = 1_798_675_200;

    #[test]
    fn a_certificate_starting_up_to_15_minutes_ahead_is_accepted() {
        let year = 365 * 86_400;
        assert_eq!(check_dates(NOW, NOW + year, NOW), Ok(()));
        assert_eq!(check_dates(NOW + 5 * 60, NOW + year, NOW), Ok(()));
        assert_eq!(check_dates(NOW + CLOCK_SKEW, NOW + year, NOW), Ok(()));
    }

    #[test]
    fn beyond_15_minutes_the_clock_is_named_wrong_and_by_how_much() {
        let year = 365 * 86_400;
        let err = check_dates(NOW + CLOCK_SKEW + 60, NOW + year, NOW).unwrap_err();
        assert_eq!(
            err,
            ValidationError::ClockBehind {
                behind: "16 minutes".into(),
                from: "2026-12-31 00:16".into()
            }
        );
        let text = err.to_string();
        assert!(text.contains("clock is 16 minutes behind"), "{text}");
        let err = check_dates(NOW + 3 * 3600 + 20 * 60, NOW + year, NOW).unwrap_err();
        assert!(
            err.to_string().contains("3 hours 20 minutes behind"),
            "{err}"
        );
        let err = check_dates(NOW + 2 * 86_400 + 3600, NOW + year, NOW).unwrap_err();
        assert!(err.to_string().contains("2 days 1 hour behind"), "{err}");
    }

    #[test]
    fn expiry_is_checked_first() {
        assert_eq!(
            check_dates(NOW - 10, NOW - 1, NOW),
            Err(ValidationError::Expired("2026-12-30".into()))
        );
    }

    #[test]
    fn uuid_shape() {
        assert!(is_uuid("0f8fad5b-d9cb-469f-a165-70867728950e"));
        assert!(!is_uuid("0f8fad5b-d9cb-469f-a165-70867728950"));
        assert!(!is_uuid("player-one"));
        assert!(!is_uuid("0f8fad5b-d9cb-469f-a165-70867728950g"));
    }

    #[test]
    fn dates_are_plain() {
        assert_eq!(format_date(0), "1970-01-01");
        assert_eq!(format_date(1_798_675_200), "2026-12-31");
    }
}
