//! View events on `view` (protocol section 8).

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

/// Seconds since 1970 as `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian, UTC).
pub fn utc_timestamp(unix_secs: u64) -> String {
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
    }
}
