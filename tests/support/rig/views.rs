//! The test server's view handling, as Makapix's does it today
//! (`api/app/mqtt/player_views.py`, `services/player_views.py`): the player key
//! must match the topic; a removed player's views are `player_not_registered`
//! (the broker keeps its session); the duplicate check (player, post, timestamp; 60 s
//! memory) comes before the rate check, and marks the view even when the rate
//! check then refuses it; one view per 5 s per player, counted from the last
//! accepted one, with no tolerance; unknown posts are `post_not_found`. A body
//! the server's schema refuses (an `intent` other than `artwork` or `channel`…)
//! is dropped without an ack.
//! Intervals are the server's times `scale`, to match a player whose
//! `Tuning::view_scale` is the same.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The scale of the rig's players (`player::fast_tuning`).
pub const SCALE: f64 = super::player::VIEW_SCALE;

/// One view the server saw, and what it answered (`None`: no answer asked or sent).
#[derive(Clone, Debug)]
pub struct ViewSeen {
    pub player_key: String,
    pub post_id: i64,
    pub timestamp: String,
    pub at: Instant,
    pub answer: Option<String>,
}

pub struct ViewRules {
    pub scale: f64,
    /// Posts the server does not have.
    pub missing_posts: HashSet<i64>,
    /// Answers given instead of the rules' to the next views, in order
    /// (`"processing_error"`, `"owner_not_permitted"`…). `"silence"` applies
    /// the rules but loses the answer on the way (recorded as `lost:<code>`).
    pub scripted: VecDeque<String>,
    /// Every answer is lost on the way while set (as `"silence"` does for one).
    pub mute: bool,
    dedup: HashMap<(String, i64, String), Instant>,
    last_accepted: HashMap<String, Instant>,
    /// Another device with the same identity keeps the rate key alive until then.
    busy_until: HashMap<String, Instant>,
    /// Players removed from their account: their views are `player_not_registered`.
    pub removed: HashSet<String>,
    /// Players whose owner is banned, until when: their views are
    /// `owner_not_permitted`, as the server answers a banned or deactivated owner.
    pub banned_until: HashMap<String, Instant>,
    pub seen: Vec<ViewSeen>,
}

impl Default for ViewRules {
    fn default() -> Self {
        Self {
            scale: SCALE,
            missing_posts: HashSet::from([404]),
            scripted: VecDeque::new(),
            mute: false,
            dedup: HashMap::new(),
            last_accepted: HashMap::new(),
            busy_until: HashMap::new(),
            removed: HashSet::new(),
            banned_until: HashMap::new(),
            seen: Vec::new(),
        }
    }
}

impl ViewRules {
    fn window(&self) -> Duration {
        Duration::from_secs(5).mul_f64(self.scale)
    }

    fn dedup_life(&self) -> Duration {
        Duration::from_secs(60).mul_f64(self.scale)
    }

    /// Another device with `player_key`'s identity sends views until `until`:
    /// the rate key stays alive, and this player's views are refused meanwhile.
    pub fn busy_until(&mut self, player_key: &str, until: Instant) {
        self.busy_until.insert(player_key.to_owned(), until);
    }

    /// The answers given to the views of `post_id`, in order.
    pub fn answers_for(&self, post_id: i64) -> Vec<String> {
        self.seen
            .iter()
            .filter(|v| v.post_id == post_id)
            .map(|v| v.answer.clone().unwrap_or_else(|| "none".into()))
            .collect()
    }

    /// The answer to a view published on `topic` (`None`: none is sent).
    pub fn answer(&mut self, topic: &str, body: &Value, at: Instant) -> Option<Value> {
        let topic_key = topic.split('/').nth(2).unwrap_or("").to_owned();
        let post_id = body["post_id"].as_i64().unwrap_or(0);
        let timestamp = body["timestamp"].as_str().unwrap_or("").to_owned();
        if !is_view_event(body, true) {
            // The server logs a body its schema refuses and drops it: no ack,
            // even when one was asked, and no rule (nor scripted answer) applies.
            self.seen.push(ViewSeen {
                player_key: topic_key,
                post_id,
                timestamp,
                at,
                answer: None,
            });
            return None;
        }
        let scripted = self.scripted.pop_front();
        let lost = self.mute || scripted.as_deref() == Some("silence");
        let code = match scripted {
            Some(code) if !lost => Some(code),
            _ => self.judge(&topic_key, body, post_id, &timestamp, at),
        };
        let wants_ack = body["request_ack"] == true;
        let answer = match code.as_deref() {
            _ if !wants_ack => None,
            Some(code) => Some(
                json!({"success": false, "error": format!("rig says {code}"), "error_code": code}),
            ),
            None => Some(json!({"success": true})),
        };
        let said = answer
            .as_ref()
            .map(|a| a["error_code"].as_str().unwrap_or("success").to_owned());
        self.seen.push(ViewSeen {
            player_key: topic_key,
            post_id,
            timestamp,
            at,
            answer: said.map(|c| if lost { format!("lost:{c}") } else { c }),
        });
        if lost { None } else { answer }
    }

    fn judge(
        &mut self,
        key: &str,
        body: &Value,
        post: i64,
        stamp: &str,
        at: Instant,
    ) -> Option<String> {
        if body["player_key"].as_str() != Some(key) {
            return Some("player_key_mismatch".into());
        }
        if self.removed.contains(key) {
            return Some("player_not_registered".into());
        }
        if self.banned_until.get(key).is_some_and(|until| at < *until) {
            return Some("owner_not_permitted".into());
        }
        let life = self.dedup_life();
        self.dedup.retain(|_, t| at.duration_since(*t) < life);
        let dedup_key = (key.to_owned(), post, stamp.to_owned());
        if self.dedup.contains_key(&dedup_key) {
            return Some("duplicate".into());
        }
        self.dedup.insert(dedup_key, at);
        let window = self.window();
        let busy = self.busy_until.get(key).is_some_and(|t| at < *t);
        if busy
            || self
                .last_accepted
                .get(key)
                .is_some_and(|t| at.duration_since(*t) < window)
        {
            return Some("rate_limited".into());
        }
        self.last_accepted.insert(key.to_owned(), at);
        if self.missing_posts.contains(&post) {
            return Some("post_not_found".into());
        }
        None
    }
}

/// Whether `body` passes the server's schema for a view (`P3AViewEvent` in
/// `api/app/player_protocol/schemas.py`): `intent` is `artwork` or `channel`,
/// `play_order` 0 to 2, and every field of its type. Over HTTPS the server
/// takes `player_key` from the token, so the body need not carry it.
pub fn is_view_event(body: &Value, over_mqtt: bool) -> bool {
    let text = |field: &str| body[field].is_string();
    let text_or_null = |field: &str| body[field].is_null() || body[field].is_string();
    body["post_id"].is_i64()
        && text("timestamp")
        && text("timezone")
        && matches!(body["intent"].as_str(), Some("artwork" | "channel"))
        && body["play_order"].as_u64().is_some_and(|o| o <= 2)
        && text("channel")
        && (!over_mqtt || text("player_key"))
        && text_or_null("channel_user_sqid")
        && text_or_null("channel_hashtag")
        && (body["request_ack"].is_null() || body["request_ack"].is_boolean())
}
