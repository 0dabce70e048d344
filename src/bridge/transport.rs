//! Which way requests go: MQTT (the session with the broker, port 8883) or
//! Makapix Club's HTTPS player API (for networks that block 8883). Shared by
//! the settings, the command line, the window and the runtime.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::protocol::http::Secret;

/// Settings › Player › Transport, and `--transport`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportChoice {
    /// MQTT while it connects; HTTPS for requests and views while it cannot.
    #[default]
    Automatic,
    MqttOnly,
    /// No MQTT session: requests and views over HTTPS, no commands from the web.
    HttpsOnly,
}

impl TransportChoice {
    pub(crate) const ALL: [TransportChoice; 3] = [
        TransportChoice::Automatic,
        TransportChoice::MqttOnly,
        TransportChoice::HttpsOnly,
    ];

    pub fn label(self) -> &'static str {
        match self {
            TransportChoice::Automatic => "Automatic",
            TransportChoice::MqttOnly => "MQTT only",
            TransportChoice::HttpsOnly => "HTTPS only",
        }
    }

    /// `auto`, `mqtt`, `https` (the command line's words).
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "auto" | "automatic" => Ok(TransportChoice::Automatic),
            "mqtt" => Ok(TransportChoice::MqttOnly),
            "https" => Ok(TransportChoice::HttpsOnly),
            other => Err(format!(
                "\"{other}\" is not a transport; use auto, mqtt or https."
            )),
        }
    }
}

/// The transport a request or view went over.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Via {
    #[default]
    Mqtt,
    Https,
}

impl Via {
    pub fn name(self) -> &'static str {
        match self {
            Via::Mqtt => "MQTT",
            Via::Https => "HTTPS",
        }
    }
}

/// Why no token could be had.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenError {
    /// `token/rotate` answered 404: the server has no registered player with
    /// this key any more (deleted from its account). The sentence says what to do.
    PlayerUnknown(String),
    /// The server was not reached (offline, refused connection, its
    /// certificate): nothing counted against its limits, so the next request
    /// may try again at once.
    Unreachable(String),
    /// Anything else (the server's error, its rate limit, the keyring): the sentence says what.
    Failed(String),
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::PlayerUnknown(s) | TokenError::Unreachable(s) | TokenError::Failed(s) => {
                f.write_str(s)
            }
        }
    }
}

/// Where the player's bearer token comes from. Blocking (keyring, HTTPS):
/// called on blocking workers only. Never logs or shows the token.
pub trait TokenSource: Send + Sync {
    /// The stored token; when none is stored, a new one (`token/rotate`).
    fn token(&self) -> Result<Secret, TokenError>;
    /// A new token after `refused` was answered 401; stored before it is returned.
    fn rotate(&self, refused: &Secret) -> Result<Secret, TokenError>;
}

/// Makapix Club's HTTPS player API for this player.
#[derive(Clone)]
pub struct HttpsApi {
    /// e.g. `https://makapix.club/api`, no trailing slash.
    pub base_url: String,
    pub tokens: Arc<dyn TokenSource>,
}

impl fmt::Debug for HttpsApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpsApi")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_words_parse_and_others_say_what_to_write() {
        assert_eq!(
            TransportChoice::parse("auto"),
            Ok(TransportChoice::Automatic)
        );
        assert_eq!(
            TransportChoice::parse("MQTT"),
            Ok(TransportChoice::MqttOnly)
        );
        assert_eq!(
            TransportChoice::parse("https"),
            Ok(TransportChoice::HttpsOnly)
        );
        let err = TransportChoice::parse("ws").unwrap_err();
        assert!(err.contains("auto, mqtt or https"), "{err}");
        assert_eq!(
            serde_json::to_string(&TransportChoice::HttpsOnly).unwrap(),
            "\"https_only\""
        );
    }
}
