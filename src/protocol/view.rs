//! View events on `view`, and the server's answers on `view/ack` (protocol section 8).

use std::time::Duration;

use serde::{Deserialize, Serialize};

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewEvent {
    pub post_id: i64,
    /// ISO 8601 UTC, e.g. `2026-01-01T12:00:00Z`.
    pub timestamp: String,
    /// Always empty: the server then goes by the UTC timestamp.
    pub timezone: String,
    /// `artwork` (chosen by a person or `show_artwork`) or `channel` (automatic playback).
    pub intent: String,
    /// 0 server order, 1 created_at, 2 random.
    pub play_order: u8,
    /// The active channel's name.
    pub channel: String,
    /// Filled in by the runtime at sending time: it must equal the topic's.
    #[serde(default)]
    pub player_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_user_sqid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_hashtag: Option<String>,
}

impl std::fmt::Debug for ViewEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ViewEvent")
            .field("post_id", &self.post_id)
            .field("timestamp", &self.timestamp)
            .field("intent", &self.intent)
            .field("play_order", &self.play_order)
            .field("channel", &self.channel)
            .field("player_key", &super::DebugKey(&self.player_key))
            .field("channel_user_sqid", &self.channel_user_sqid)
            .field("channel_hashtag", &self.channel_hashtag)
            .finish_non_exhaustive()
    }
}

/// A view as it goes out on MQTT: the event, asking the server to answer on `view/ack`.
#[derive(Serialize)]
pub(crate) struct ViewMessage<'a> {
    #[serde(flatten)]
    pub view: &'a ViewEvent,
    pub request_ack: bool,
}

/// What the server said about one view, whichever transport carried it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ViewOutcome {
    /// Recorded (or deliberately not counted, as a view of the owner's own post).
    Accepted,
    /// The server already has this view (same post and timestamp), or has counted
    /// this artwork for the owner today: nothing more to do.
    Duplicate,
    /// Another view came less than 5 s before this one; this one was not counted.
    RateLimited { retry_after: Option<Duration> },
    /// Refused for good (`post_not_found`, `owner_not_permitted`, …): sending it
    /// again cannot help. The code is the server's.
    Refused(String),
    /// The server failed on its side (`processing_error`, or a code this
    /// player does not know): worth a few more tries.
    Failed(String),
}

/// Codes after which a view is dropped: the same view can never be accepted.
const PERMANENT: [&str; 5] = [
    "post_not_found",
    "owner_not_permitted",
    "player_key_mismatch",
    "player_not_registered",
    "player_no_owner",
];

#[derive(Deserialize)]
struct AckBody {
    success: bool,
    #[serde(default)]
    error_code: Option<String>,
}

impl ViewOutcome {
    /// Reads a `view/ack` payload: `{"success": true}` or
    /// `{"success": false, "error": …, "error_code": …}`.
    pub(crate) fn from_ack(payload: &[u8]) -> Result<Self, String> {
        let body: AckBody = serde_json::from_slice(payload).map_err(|e| e.to_string())?;
        if body.success {
            return Ok(Self::Accepted);
        }
        let code = body.error_code.unwrap_or_default();
        Ok(match code.as_str() {
            "duplicate" => Self::Duplicate,
            "rate_limited" => Self::RateLimited { retry_after: None },
            c if PERMANENT.contains(&c) => Self::Refused(code),
            _ => Self::Failed(code),
        })
    }

    /// Reads the answer of `POST {api}/player/events/view` (protocol section 10),
    /// for the HTTPS transport: 202 accepted, 200 duplicate, 404 no such post,
    /// 429 too soon (with its `Retry-After`), 401/403 not this player's to send.
    pub fn from_http(status: u16, retry_after: Option<Duration>) -> Self {
        match status {
            202 | 201 | 204 => Self::Accepted,
            200 => Self::Duplicate,
            404 => Self::Refused("post_not_found".into()),
            429 => Self::RateLimited { retry_after },
            401 | 403 => Self::Refused("owner_not_permitted".into()),
            other => Self::Failed(format!("http_{other}")),
        }
    }

    /// The server no longer knows the player (removed from its account; the
    /// broker keeps a live session, so this answer may be the only sign).
    pub(crate) fn says_player_removed(&self) -> bool {
        matches!(self, Self::Refused(code) if code == "player_not_registered")
    }

    /// The server no longer serves the player's owner (banned or deactivated,
    /// which may end): over MQTT, the only sign a ban gives while nothing else
    /// is asked.
    pub(crate) fn says_owner_banned(&self) -> bool {
        matches!(self, Self::Refused(code) if code == "owner_not_permitted")
    }

    /// Whether the view is done with (delivered, or never deliverable).
    pub fn settles(&self) -> bool {
        matches!(self, Self::Accepted | Self::Duplicate | Self::Refused(_))
    }
}

/// Seconds since 1970 as `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian, UTC).
pub(crate) fn utc_timestamp(unix_secs: u64) -> String {
    let days = i64::try_from(unix_secs / 86_400).unwrap_or(0);
    let rest = unix_secs % 86_400;
    // Days to a civil date (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        (rest % 3600) / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_iso_8601_utc() {
        assert_eq!(utc_timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_timestamp(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc_timestamp(1_767_225_599), "2025-12-31T23:59:59Z");
        assert_eq!(utc_timestamp(1_798_761_600 + 3_723), "2027-01-01T01:02:03Z");
    }

    #[test]
    fn optional_channel_fields_are_left_out_when_absent() {
        let view = ViewEvent {
            post_id: 1,
            timestamp: utc_timestamp(0),
            timezone: String::new(),
            intent: "channel".into(),
            play_order: 0,
            channel: "all".into(),
            player_key: "k".into(),
            channel_user_sqid: None,
            channel_hashtag: None,
        };
        let json = serde_json::to_value(&view).unwrap();
        assert!(json.get("channel_hashtag").is_none());
        assert_eq!(json["timezone"], "");
        let sent = ViewMessage {
            view: &view,
            request_ack: true,
        };
        let json = serde_json::to_value(&sent).unwrap();
        assert_eq!(json["request_ack"], true);
        assert_eq!(json["post_id"], 1);
        assert_eq!(json["player_key"], "k");
    }

    #[test]
    fn acks_are_read_into_outcomes() {
        let read = |s: &str| ViewOutcome::from_ack(s.as_bytes()).unwrap();
        assert_eq!(read(r#"{"success": true}"#), ViewOutcome::Accepted);
        let fail = |code: &str| {
            read(&format!(
                r#"{{"success": false, "error": "x", "error_code": "{code}"}}"#
            ))
        };
        assert_eq!(fail("duplicate"), ViewOutcome::Duplicate);
        assert_eq!(
            fail("rate_limited"),
            ViewOutcome::RateLimited { retry_after: None }
        );
        for code in PERMANENT {
            assert_eq!(fail(code), ViewOutcome::Refused(code.into()));
            assert!(fail(code).settles());
        }
        assert_eq!(
            fail("processing_error"),
            ViewOutcome::Failed("processing_error".into())
        );
        assert_eq!(
            fail("something_new"),
            ViewOutcome::Failed("something_new".into())
        );
        assert!(!fail("rate_limited").settles());
        assert!(ViewOutcome::from_ack(b"{oops").is_err());
    }

    #[test]
    fn http_answers_are_read_into_the_same_outcomes() {
        let wait = Some(Duration::from_secs(3));
        assert_eq!(ViewOutcome::from_http(202, None), ViewOutcome::Accepted);
        assert_eq!(ViewOutcome::from_http(200, None), ViewOutcome::Duplicate);
        assert_eq!(
            ViewOutcome::from_http(404, None),
            ViewOutcome::Refused("post_not_found".into())
        );
        assert_eq!(
            ViewOutcome::from_http(429, wait),
            ViewOutcome::RateLimited { retry_after: wait }
        );
        assert_eq!(
            ViewOutcome::from_http(503, None),
            ViewOutcome::Failed("http_503".into())
        );
    }
}
