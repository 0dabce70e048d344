//! Makapix's messages (MQTT topics and bodies, HTTPS bodies) as serde types.
//! Pure data: imports nothing else of this program, does no I/O.

pub mod capabilities;
pub mod channel_name;
pub mod command;
pub mod http;
pub mod request;
pub mod response;
pub mod status;
pub mod topics;
pub mod view;

/// A player key in `Debug` output: its first 8 characters, as wherever a key
/// is shown unasked (`player_key::short`, which this layer does not import).
/// The key works as a password at Makapix, so a stray `{:?}` must not print it.
pub(crate) struct DebugKey<'a>(pub &'a str);

impl std::fmt::Debug for DebugKey<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown: String = self.0.chars().take(8).collect();
        write!(f, "\"{shown}…\"")
    }
}

#[cfg(test)]
mod tests {
    /// A stray `{:?}` of a message that carries the player key prints it short.
    #[test]
    fn messages_that_carry_the_player_key_debug_print_it_short() {
        let key = "3f2b8c1e-7d4a-4e6b-9a15-2c8d0e7f6a91";
        let view = super::view::ViewEvent {
            post_id: 1,
            timestamp: String::new(),
            timezone: String::new(),
            intent: "channel".into(),
            play_order: 0,
            channel: "all".into(),
            player_key: key.into(),
            channel_user_sqid: None,
            channel_hashtag: None,
        };
        let status = super::status::Status::new(key, super::status::Presence::Online, "1.0");
        let provision: super::http::ProvisionResponse = serde_json::from_value(serde_json::json!({
            "player_key": key, "registration_code": "K7Q2XM",
            "registration_code_expires_at": "2026-12-07T12:00:00Z"
        }))
        .expect("a provisioning answer");
        for printed in [
            format!("{view:?}"),
            format!("{status:?}"),
            format!("{provision:?}"),
        ] {
            assert!(!printed.contains(key), "{printed}");
            assert!(printed.contains("\"3f2b8c1e…\""), "{printed}");
        }
    }
}
