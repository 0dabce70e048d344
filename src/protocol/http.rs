//! HTTPS bodies for provisioning, credentials, renewal and token rotation
//! (protocol reference, section 2). Secret fields are plain `String`s here only
//! inside `Debug`-redacting wrappers, so a stray `{:?}` never prints them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A string that must never be printed: a private key or a bearer token.
#[derive(Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(redacted)")
    }
}

/// Whether a 401's `detail` blames the owner's account rather than the token
/// (the server checks the token first, then the owner): a new token cannot
/// help then, on any bearer call, `renew-cert` included.
pub fn owner_blocked(detail: &str) -> bool {
    matches!(detail.trim(), "Account banned" | "Account deactivated")
}

/// Whether a 429's `detail` is the server's word for a refused bearer token
/// once an address made 60 failed authentications in an hour (protocol §13):
/// the token was refused, as with a 401; no request limit was reached.
pub fn too_many_failed_authentications(detail: &str) -> bool {
    detail
        .trim_start()
        .starts_with("Too many failed authentication attempts")
}

/// `POST {api}/player/provision` body.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub(crate) struct ProvisionRequest {
    pub device_model: String,
    pub firmware_version: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub struct Broker {
    pub host: String,
    pub port: u16,
}

/// The HTTPS player API the credentials name (`https_api`): where to send requests and views
/// when the broker cannot be reached. The runtime's own view of it is `bridge::transport::HttpsApi`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub struct AdvertisedHttpsApi {
    pub base_url: String,
    #[serde(default)]
    pub auth: Option<String>,
}

/// 201 answer to provisioning.
#[derive(Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct ProvisionResponse {
    pub player_key: String,
    pub registration_code: String,
    /// RFC 3339 time, about 15 minutes after provisioning.
    pub registration_code_expires_at: String,
    #[serde(default)]
    pub mqtt_broker: Option<Broker>,
    #[serde(default)]
    pub https_api: Option<AdvertisedHttpsApi>,
}

impl fmt::Debug for ProvisionResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProvisionResponse")
            .field("player_key", &super::DebugKey(&self.player_key))
            .field("registration_code", &self.registration_code)
            .field("expires_at", &self.registration_code_expires_at)
            .field("mqtt_broker", &self.mqtt_broker)
            .field("https_api", &self.https_api)
            .finish()
    }
}

/// 200 answer of `GET {api}/player/{player_key}/credentials`, and the shape of the
/// web's "Download Certificates" bundle. `api_token` comes only on the first fetch.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub(crate) struct CredentialsResponse {
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: Secret,
    #[serde(default)]
    pub broker: Option<Broker>,
    #[serde(default)]
    pub https_api: Option<AdvertisedHttpsApi>,
    #[serde(default)]
    pub api_token: Option<Secret>,
}

/// 200 answer of `POST {api}/player/renew-cert`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub struct RenewResponse {
    pub cert_pem: String,
    pub key_pem: Secret,
    pub ca_pem: String,
    #[serde(default)]
    pub cert_expires_at: Option<String>,
}

/// 200 answer of `POST {api}/player/{player_key}/token/rotate`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub struct RotateResponse {
    pub api_token: Secret,
    #[serde(default)]
    pub rotated_at: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_owner_s_account_in_a_401_spares_the_token() {
        assert!(owner_blocked("Account banned"));
        assert!(owner_blocked("Account deactivated"));
        assert!(!owner_blocked("Invalid or missing player token"));
        assert!(!owner_blocked(""));
    }

    #[test]
    fn credentials_parse_and_debug_hides_key_and_token() {
        let json = r#"{"ca_pem":"CA","cert_pem":"CERT","key_pem":"KEYDATA",
            "broker":{"host":"makapix.club","port":8883},"api_token":"tok-123"}"#;
        let parsed: CredentialsResponse = serde_json::from_str(json).unwrap();
        assert_eq!(parsed.broker.as_ref().unwrap().port, 8883);
        assert_eq!(parsed.api_token.as_ref().unwrap().expose(), "tok-123");
        let shown = format!("{parsed:?}");
        assert!(
            !shown.contains("KEYDATA") && !shown.contains("tok-123"),
            "{shown}"
        );
    }

    #[test]
    fn provision_answer_without_optional_parts_parses() {
        let json = r#"{"player_key":"k","registration_code":"ABC123",
            "registration_code_expires_at":"2026-01-01T00:15:00Z"}"#;
        let parsed: ProvisionResponse = serde_json::from_str(json).unwrap();
        assert_eq!(parsed.registration_code, "ABC123");
        assert!(parsed.mqtt_broker.is_none());
    }
}
