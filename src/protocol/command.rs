//! Commands from the server on `command`, and their acknowledgement on
//! `command/ack` (protocol section 6).

use serde::{Deserialize, Serialize};

use super::response::PlaysetChannel;

/// The envelope every command arrives in. QoS 1 may deliver it twice: the
/// same `command_id` must not act twice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommandEnvelope {
    pub command_id: String,
    pub command_type: String,
    #[serde(default = "empty_object")]
    pub payload: serde_json::Value,
    #[serde(default)]
    pub timestamp: Option<String>,
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(serde_json::Map::new())
}

/// A command this version knows, with its payload read.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "command_type", content = "payload", rename_all = "snake_case")]
pub enum Command {
    SwapNext,
    SwapBack,
    ShowArtwork(ShowArtwork),
    PlayChannel(PlayChannel),
    PlayPlayset(PlayPlayset),
    SetPaused { paused: bool },
    SetBrightness { value: i64 },
    SetRotation { value: i64 },
    SetMirror { value: String },
    SetBackgroundColor { r: u8, g: u8, b: u8 },
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ShowArtwork {
    pub post_id: i64,
    pub storage_key: String,
    pub storage_shard: String,
    pub native_format: String,
    #[serde(default)]
    pub width: Option<u32>,
    #[serde(default)]
    pub height: Option<u32>,
    #[serde(default)]
    pub title: Option<String>,
    /// Where to download the file; the vault URL is built when absent.
    #[serde(default)]
    pub art_url: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct PlayChannel {
    pub channel_name: String,
    #[serde(default)]
    pub user_sqid: Option<String>,
    #[serde(default)]
    pub user_handle: Option<String>,
    #[serde(default)]
    pub hashtag: Option<String>,
    #[serde(default)]
    pub slug: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct PlayPlayset {
    pub playset_name: String,
    #[serde(default)]
    pub channels: Vec<PlaysetChannel>,
    #[serde(default)]
    pub exposure_mode: Option<String>,
    #[serde(default)]
    pub pick_mode: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("unknown command type `{0}`")]
    Unsupported(String),
    #[error("the `{kind}` command's payload could not be read: {source}")]
    BadPayload {
        kind: String,
        source: serde_json::Error,
    },
}

const KNOWN: [&str; 10] = [
    "swap_next",
    "swap_back",
    "show_artwork",
    "play_channel",
    "play_playset",
    "set_paused",
    "set_brightness",
    "set_rotation",
    "set_mirror",
    "set_background_color",
];

impl CommandEnvelope {
    /// The command inside; an unknown type is answered `unsupported`, a known
    /// type with a bad payload `error`.
    pub fn command(&self) -> Result<Command, CommandError> {
        if !KNOWN.contains(&self.command_type.as_str()) {
            return Err(CommandError::Unsupported(self.command_type.clone()));
        }
        // Unit variants take no content; others read the payload.
        let tagged = match self.command_type.as_str() {
            "swap_next" | "swap_back" => serde_json::json!({"command_type": self.command_type}),
            _ => serde_json::json!({"command_type": self.command_type, "payload": self.payload}),
        };
        serde_json::from_value(tagged).map_err(|source| CommandError::BadPayload {
            kind: self.command_type.clone(),
            source,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AckStatus {
    Ok,
    Error,
    Unsupported,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandAck {
    pub command_id: String,
    pub status: AckStatus,
    pub error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn envelope(kind: &str, payload: serde_json::Value) -> CommandEnvelope {
        serde_json::from_value(json!({
            "command_id": "c1", "command_type": kind, "payload": payload,
            "timestamp": "2025-01-01T00:00:00Z"
        }))
        .unwrap()
    }

    #[test]
    fn known_commands_read_their_payloads() {
        assert_eq!(
            envelope("swap_next", json!({})).command().unwrap(),
            Command::SwapNext
        );
        assert_eq!(
            envelope("set_rotation", json!({"value": 90}))
                .command()
                .unwrap(),
            Command::SetRotation { value: 90 }
        );
        let show = envelope(
            "show_artwork",
            json!({"post_id": 9, "storage_key": "k", "storage_shard": "ab/cd", "native_format": "gif", "width": 64, "height": 64}),
        );
        assert!(matches!(show.command().unwrap(), Command::ShowArtwork(s) if s.post_id == 9));
        let channel = envelope(
            "play_channel",
            json!({"channel_name": "hashtag", "hashtag": "cats"}),
        );
        assert!(
            matches!(channel.command().unwrap(), Command::PlayChannel(c) if c.hashtag.as_deref() == Some("cats"))
        );
    }

    #[test]
    fn unknown_types_and_bad_payloads_are_told_apart() {
        assert!(matches!(
            envelope("launch_rocket", json!({})).command(),
            Err(CommandError::Unsupported(_))
        ));
        assert!(matches!(
            envelope("set_paused", json!({"paused": "yes"})).command(),
            Err(CommandError::BadPayload { .. })
        ));
        // A missing payload counts as `{}`.
        let bare: CommandEnvelope =
            serde_json::from_value(json!({"command_id": "c", "command_type": "swap_back"}))
                .unwrap();
        assert_eq!(bare.command().unwrap(), Command::SwapBack);
    }

    #[test]
    fn acks_serialise_as_the_server_records_them() {
        let ack = CommandAck {
            command_id: "c1".into(),
            status: AckStatus::Unsupported,
            error: None,
        };
        assert_eq!(
            serde_json::to_value(ack).unwrap(),
            json!({"command_id": "c1", "status": "unsupported", "error": null})
        );
    }
}
