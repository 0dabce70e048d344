//! Which Makapix server this player talks to: Production (default),
//! Development, or Custom addresses (from the settings, a bundle's `broker`,
//! or the `--broker`, `--api`, `--vault` flags).

use serde::{Deserialize, Serialize};

use crate::address::{self, AddressError};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Environment {
    #[default]
    Production,
    Development,
    Custom,
}

impl Environment {
    pub(crate) const ALL: [Environment; 3] = [
        Environment::Production,
        Environment::Development,
        Environment::Custom,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Environment::Production => "Production (makapix.club)",
            Environment::Development => "Development",
            Environment::Custom => "Custom",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Server {
    pub environment: Environment,
    pub mqtt_host: String,
    pub mqtt_port: u16,
    /// e.g. `https://makapix.club/api`, no trailing slash.
    pub api_base: String,
    pub vault_base: String,
    /// `wss://HOST/mqtt`: MQTT over a WebSocket with the same client certificate,
    /// for a custom broker that offers one. `None`: MQTT over TLS to host:port.
    /// makapix.club has no WebSocket listener (removed in August 2026), so the
    /// Production and Development presets never use one.
    #[serde(default)]
    pub websocket: Option<String>,
}

impl Default for Server {
    fn default() -> Self {
        Self::production()
    }
}

impl Server {
    pub fn production() -> Self {
        Self {
            environment: Environment::Production,
            mqtt_host: "makapix.club".into(),
            mqtt_port: 8883,
            api_base: "https://makapix.club/api".into(),
            vault_base: "https://vault.makapix.club".into(),
            websocket: None,
        }
    }

    pub fn development() -> Self {
        Self {
            environment: Environment::Development,
            mqtt_host: "development.makapix.club".into(),
            mqtt_port: 8884,
            api_base: "https://development.makapix.club/api".into(),
            vault_base: "https://vault-dev.makapix.club".into(),
            websocket: None,
        }
    }

    /// The usual WebSocket address for this broker host (`wss://HOST/mqtt`),
    /// the starting point when a custom broker's WebSocket is switched on.
    pub(crate) fn websocket_url(&self) -> String {
        format!("wss://{}/mqtt", self.mqtt_host)
    }

    /// The WebSocket address only where one can exist: a preset saved with one
    /// (when makapix.club still had a listener) connects over TLS instead.
    pub(crate) fn sanitized(mut self) -> Self {
        if self.environment != Environment::Custom {
            self.websocket = None;
        }
        self
    }

    pub(crate) fn for_environment(environment: Environment, current: &Server) -> Self {
        match environment {
            Environment::Production => Self::production(),
            Environment::Development => Self::development(),
            Environment::Custom => Self {
                environment,
                ..current.clone()
            },
        }
    }

    /// One line for the user: "Production (makapix.club) · makapix.club:8883".
    pub(crate) fn describe(&self) -> String {
        match &self.websocket {
            Some(url) => format!("{} · {url}", self.environment.label()),
            None => format!(
                "{} · {}:{}",
                self.environment.label(),
                self.mqtt_host,
                self.mqtt_port
            ),
        }
    }

    /// A bundle's `broker` moves the player to that broker (Custom unless it is a known one).
    pub(crate) fn with_broker(&self, host: &str, port: u16) -> Self {
        if self.mqtt_host == host && self.mqtt_port == port {
            return self.clone();
        }
        for known in [Self::production(), Self::development()] {
            if known.mqtt_host == host && known.mqtt_port == port {
                return known;
            }
        }
        Self {
            environment: Environment::Custom,
            mqtt_host: host.to_owned(),
            mqtt_port: port,
            ..self.clone()
        }
    }

    /// The API and vault addresses pass `parse_http_url` (a server edited in
    /// the window is checked before it is saved).
    pub fn checked(mut self) -> Result<Self, ServerError> {
        self.api_base = parse_http_url(&self.api_base)?;
        self.vault_base = parse_http_url(&self.vault_base)?;
        Ok(self)
    }

    /// Applies the command-line flags; any flag makes the server Custom.
    pub fn with_overrides(&self, overrides: &Overrides) -> Result<Self, ServerError> {
        let mut server = self.clone();
        if let Some(broker) = &overrides.broker {
            if broker.starts_with("wss://") {
                server.websocket = Some(parse_websocket(broker)?);
            } else {
                let (host, port) = parse_broker(broker)?;
                server.mqtt_host = host;
                server.mqtt_port = port;
                server.websocket = None;
            }
            server.environment = Environment::Custom;
        }
        if let Some(api) = &overrides.api {
            server.api_base = parse_http_url(api)?;
            server.environment = Environment::Custom;
        }
        if let Some(vault) = &overrides.vault {
            server.vault_base = parse_http_url(vault)?;
            server.environment = Environment::Custom;
        }
        Ok(server)
    }
}

/// `--broker`, `--api`, `--vault` as given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overrides {
    pub broker: Option<String>,
    pub api: Option<String>,
    pub vault: Option<String>,
}

impl Overrides {
    pub fn is_empty(&self) -> bool {
        self.broker.is_none() && self.api.is_none() && self.vault.is_none()
    }
}

#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum ServerError {
    #[error("\"{0}\" is not a broker address; write it as mqtts://HOST:PORT or wss://HOST/mqtt.")]
    BadBroker(String),
    #[error(transparent)]
    Address(#[from] AddressError),
    #[error("{}", super::secret_text::REFUSED)]
    SecretPasted,
}

/// `mqtts://HOST:PORT` → (host, port), parsed as a URL: no user name or
/// password, no path beyond `/`.
pub(crate) fn parse_broker(text: &str) -> Result<(String, u16), ServerError> {
    let bad = || ServerError::BadBroker(text.to_owned());
    let url = url::Url::parse(text.trim()).map_err(|_| bad())?;
    let plain = url.username().is_empty()
        && url.password().is_none()
        && crate::address::written_plainly(text.trim(), &url)
        && matches!(url.path(), "" | "/")
        && url.query().is_none()
        && url.fragment().is_none();
    if url.scheme() != "mqtts" || !plain {
        return Err(bad());
    }
    let host = url.host_str().filter(|h| !h.is_empty()).ok_or_else(bad)?;
    let port = url.port().filter(|p| *p != 0).ok_or_else(bad)?;
    // An IPv6 host comes bracketed; the TLS name and socket want it bare.
    let host = host.trim_start_matches('[').trim_end_matches(']');
    Ok((host.to_owned(), port))
}

/// `wss://HOST[:PORT]/PATH` as given (trimmed), parsed as a URL: no user name or password.
pub(crate) fn parse_websocket(text: &str) -> Result<String, ServerError> {
    let trimmed = text.trim();
    let bad = || ServerError::BadBroker(text.to_owned());
    let url = url::Url::parse(trimmed).map_err(|_| bad())?;
    let plain = url.username().is_empty()
        && url.password().is_none()
        && crate::address::written_plainly(trimmed, &url);
    match url.host_str() {
        Some(host) if url.scheme() == "wss" && plain && !host.is_empty() => Ok(trimmed.to_owned()),
        _ => Err(bad()),
    }
}

/// An API or vault base URL: `https://`, or `http://` to this computer only
/// (tests, a local server), never with a user name or password
/// (`address::parse_base`); anything else could leak tokens or be tampered with.
pub(crate) fn parse_http_url(text: &str) -> Result<String, ServerError> {
    if super::secret_text::looks_secret(text) {
        return Err(ServerError::SecretPasted);
    }
    Ok(address::parse_base(text)?)
}

/// Where the HTTPS player API's address came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiOrigin {
    /// The `--api` flag: the user's choice for this run wins.
    Flag,
    /// The credentials' `https_api.base_url`.
    Credentials,
    /// The server's `api_base` (the preset, or the saved custom server).
    Server,
}

impl ApiOrigin {
    pub fn label(self) -> &'static str {
        match self {
            ApiOrigin::Flag => "from --api",
            ApiOrigin::Credentials => "named by the credentials",
            ApiOrigin::Server => "the server's",
        }
    }
}

/// The HTTPS player API's base URL (`player/rpc`, `player/events/view`) and
/// where it came from; `refused` says why the credentials' address was not used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlayerApi {
    pub base_url: String,
    pub origin: ApiOrigin,
    pub refused: Option<ServerError>,
}

/// The credentials' `https_api.base_url` when it passes `parse_http_url`,
/// else the server's `api_base`; `--api` (`api_flag`) overrides both.
pub fn player_api(server: &Server, api_flag: bool, credentials: Option<&str>) -> PlayerApi {
    let from_server = |origin, refused| PlayerApi {
        base_url: server.api_base.clone(),
        origin,
        refused,
    };
    if api_flag {
        return from_server(ApiOrigin::Flag, None);
    }
    match credentials.map(parse_http_url) {
        Some(Ok(base_url)) => PlayerApi {
            base_url,
            origin: ApiOrigin::Credentials,
            refused: None,
        },
        Some(Err(e)) => from_server(ApiOrigin::Server, Some(e)),
        None => from_server(ApiOrigin::Server, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_and_vault_urls_must_be_https_except_on_this_computer() {
        assert_eq!(
            parse_http_url("https://makapix.club/api/"),
            Ok("https://makapix.club/api".into())
        );
        for local in [
            "http://127.0.0.1:8080",
            "http://localhost/api",
            "http://[::1]:9000/vault",
        ] {
            assert!(parse_http_url(local).is_ok(), "{local}");
        }
        let e = parse_http_url("http://makapix.club/api").unwrap_err();
        assert!(matches!(e, ServerError::Address(AddressError::NotHttps(_))));
        assert!(e.to_string().contains("must start with https://"));
        let e = parse_http_url("http://localhost:1@evil.example").unwrap_err();
        assert!(matches!(e, ServerError::Address(AddressError::UserInfo(_))));
        assert!(parse_http_url("http://127.0.0.1.evil.example/").is_err());
        assert!(parse_http_url("ftp://x").is_err());
        let key = "-----BEGIN PRIVATE KEY-----\nSECRETBYTES\n-----END PRIVATE KEY-----";
        let e = parse_http_url(key).unwrap_err();
        assert_eq!(e, ServerError::SecretPasted);
        assert!(!e.to_string().contains("SECRETBYTES"));
        let mut server = Server::production();
        server.vault_base = "http://vault.example".into();
        assert!(server.checked().is_err());
    }

    #[test]
    fn broker_flag_parses_and_refuses_junk() {
        assert_eq!(
            parse_broker("mqtts://broker.example:8884"),
            Ok(("broker.example".into(), 8884))
        );
        assert!(parse_broker("broker.example:8884").is_err());
        assert!(parse_broker("mqtts://broker.example").is_err());
        assert!(parse_broker("mqtts://:1").is_err());
        assert!(parse_broker("mqtts://localhost:1@evil.example:8883").is_err());
        assert!(parse_broker("mqtts://broker.example:8883/path").is_err());
        assert!(parse_websocket("wss://user@proxy.example/mqtt").is_err());
    }

    #[test]
    fn a_websocket_broker_flag_selects_the_websocket_transport() {
        let overrides = Overrides {
            broker: Some("wss://proxy.example/mqtt".into()),
            ..Default::default()
        };
        let s = Server::production().with_overrides(&overrides).unwrap();
        assert_eq!(s.websocket.as_deref(), Some("wss://proxy.example/mqtt"));
        assert_eq!(s.environment, Environment::Custom);
        assert!(s.describe().ends_with("wss://proxy.example/mqtt"));
        assert!(parse_websocket("wss:///mqtt").is_err());
        assert!(parse_websocket("ws://plain.example/mqtt").is_err());
        let custom = Server::production().with_broker("broker.example", 8883);
        assert_eq!(custom.websocket_url(), "wss://broker.example/mqtt");
    }

    #[test]
    fn presets_never_keep_a_websocket_and_development_has_its_own_vault() {
        let mut saved = Server::production();
        saved.websocket = Some("wss://makapix.club/mqtt".into());
        assert_eq!(saved.sanitized(), Server::production());
        let mut custom = Server::production().with_broker("broker.example", 8883);
        custom.websocket = Some("wss://broker.example/mqtt".into());
        assert_eq!(custom.clone().sanitized(), custom);
        assert_eq!(
            Server::development().vault_base,
            "https://vault-dev.makapix.club"
        );
    }

    #[test]
    fn facts_saved_before_the_websocket_option_still_load() {
        let old = r#"{"environment":"Production","mqtt_host":"makapix.club","mqtt_port":8883,"api_base":"https://makapix.club/api","vault_base":"https://vault.makapix.club"}"#;
        let s: Server = serde_json::from_str(old).unwrap();
        assert_eq!(s, Server::production());
    }

    #[test]
    fn flags_make_the_server_custom() {
        let overrides = Overrides {
            api: Some("http://127.0.0.1:9/api/".into()),
            ..Default::default()
        };
        let s = Server::production().with_overrides(&overrides).unwrap();
        assert_eq!(s.environment, Environment::Custom);
        assert_eq!(s.api_base, "http://127.0.0.1:9/api");
        assert_eq!(s.mqtt_host, "makapix.club");
    }

    #[test]
    fn a_bundle_broker_picks_the_known_environment() {
        let s = Server::production().with_broker("development.makapix.club", 8884);
        assert_eq!(s, Server::development());
        let c = Server::production().with_broker("my.host", 1883);
        assert_eq!(c.environment, Environment::Custom);
        assert_eq!(c.api_base, Server::production().api_base);
    }

    #[test]
    fn the_player_api_is_the_credentials_address_when_usable_else_the_servers() {
        let server = Server::development();
        let named = player_api(&server, false, Some("https://api.example/v2/"));
        assert_eq!(named.base_url, "https://api.example/v2");
        assert_eq!(named.origin, ApiOrigin::Credentials);
        assert_eq!(named.refused, None);
        let local = player_api(&server, false, Some("http://127.0.0.1:8080/api"));
        assert_eq!(local.origin, ApiOrigin::Credentials);
        let none = player_api(&server, false, None);
        assert_eq!(none.base_url, "https://development.makapix.club/api");
        assert_eq!((none.origin, none.refused), (ApiOrigin::Server, None));
        for bad in ["", "   ", "http://api.example/api", "ftp://api.example"] {
            let fallback = player_api(&server, false, Some(bad));
            assert_eq!(fallback.base_url, server.api_base, "{bad:?}");
            assert_eq!(fallback.origin, ApiOrigin::Server, "{bad:?}");
            assert!(fallback.refused.is_some(), "{bad:?}");
        }
        let flagged = player_api(&server, true, Some("https://api.example"));
        assert_eq!(flagged.base_url, server.api_base);
        assert_eq!(flagged.origin, ApiOrigin::Flag);
    }
}
