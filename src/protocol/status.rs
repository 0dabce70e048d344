//! The `status` message (protocol section 5): presence, heartbeat and Last Will.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Online,
    Offline,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// Required: the server ignores a status without it.
    pub player_key: String,
    pub status: Presence,
    /// The Makapix post on screen, `null` when none (local files, sample art).
    #[serde(default)]
    pub current_post_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firmware_version: Option<String>,
}

impl std::fmt::Debug for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Status")
            .field("player_key", &super::DebugKey(&self.player_key))
            .field("status", &self.status)
            .field("current_post_id", &self.current_post_id)
            .field("firmware_version", &self.firmware_version)
            .finish()
    }
}

impl Status {
    pub fn new(player_key: &str, status: Presence, firmware_version: &str) -> Self {
        Self {
            player_key: player_key.to_owned(),
            status,
            current_post_id: None,
            firmware_version: Some(firmware_version.to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn online_status_carries_the_key_and_version() {
        let mut s = Status::new("k1", Presence::Online, "0.1.0");
        s.current_post_id = Some(42);
        assert_eq!(
            serde_json::to_value(&s).unwrap(),
            json!({"player_key": "k1", "status": "online", "current_post_id": 42, "firmware_version": "0.1.0"})
        );
        let back: Status =
            serde_json::from_value(json!({"player_key": "k1", "status": "offline"})).unwrap();
        assert_eq!(back.status, Presence::Offline);
        assert_eq!(back.current_post_id, None);
    }
}
