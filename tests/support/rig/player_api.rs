//! The HTTPS player API as the server runs it today (`api/app/routers/player_rpc.py`
//! in fabkury/makapix), behind the bearer check of `api.rs`:
//! - `POST /player/rpc`: `request_type` dispatch to the same answers as the
//!   MQTT test back end (`server::catalogue`, or the test's responder), the
//!   envelope plus an HTTP status by `error_code`; a body `player_key` that is
//!   not the token's is 403; reads (60) and reactions (30) are limited per
//!   player and window (`Limits`: 429 `rate_limited` without `Retry-After`),
//!   checked before the body; a body its request model refuses is 400
//!   `invalid_request`; `echo` is limited in its handler, after the body (10
//!   a window: 429 `rate_limit_exceeded`);
//! - `POST /player/events/view` (`services/player_views.py`), in the server's
//!   order: 200 duplicate (same post and timestamp within 60 s; the key is set
//!   before the rate check, so a view refused for the rate and sent again is a
//!   duplicate), then 429 with `Retry-After` when views come closer than 5 s
//!   for one player (the 5 s key is set here, for an unknown post too), then
//!   404 for an unknown post (id 404), else 202 accepted.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::http_server::Reply;
use super::server::Responder;

/// The server's limit: one view per 5 s per player.
pub const VIEW_GAP: Duration = Duration::from_secs(5);
/// The server's read limit: 60 a minute per player.
pub const READS_PER_WINDOW: u32 = 60;
/// Reactions: 30 a minute per player.
pub const REACTIONS_PER_WINDOW: u32 = 30;
/// Echoes: 10 a minute per player.
pub const ECHOES_PER_WINDOW: u32 = 10;

const REQUEST_TYPES: [&str; 7] = [
    "query_posts",
    "get_post",
    "submit_reaction",
    "revoke_reaction",
    "get_comments",
    "get_playset",
    "echo",
];

/// What the view endpoint remembers.
pub struct Views {
    pub gap: Duration,
    /// How long a view's duplicate key lives (60 s on the server).
    pub dedup_life: Duration,
    last: HashMap<String, Instant>,
    seen: HashMap<(String, i64, String), Instant>,
    /// Every view body received, with the status it was answered.
    pub log: Vec<(Value, u16)>,
}

impl Default for Views {
    fn default() -> Self {
        Self {
            gap: VIEW_GAP,
            dedup_life: Duration::from_secs(60),
            last: HashMap::new(),
            seen: HashMap::new(),
            log: Vec::new(),
        }
    }
}

/// The per-player RPC limits, as `check_rate_limit` keeps them in Redis: a
/// counter per player and bucket that each accepted request increments and
/// whose life (`window`) each accepted request restarts; a refused request
/// changes nothing.
pub struct Limits {
    /// 60 s on the server; tests shorten it.
    pub window: Duration,
    counters: HashMap<(String, &'static str), (u32, Instant)>,
    /// Reads and reactions answered 429 so far.
    pub refused: u32,
    /// Echoes answered 429 so far.
    pub echoes_refused: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            window: Duration::from_secs(60),
            counters: HashMap::new(),
            refused: 0,
            echoes_refused: 0,
        }
    }
}

impl Limits {
    /// Whether `player_key` may make a `request_type` request now (and counts it).
    fn allow(&mut self, player_key: &str, request_type: &str) -> bool {
        let (bucket, limit) = match request_type {
            "query_posts" | "get_post" | "get_comments" | "get_playset" => {
                ("read", READS_PER_WINDOW)
            }
            "submit_reaction" | "revoke_reaction" => ("react", REACTIONS_PER_WINDOW),
            // echo is limited inside its handler (`allow_echo`).
            _ => return true,
        };
        let allowed = self.count(player_key, bucket, limit);
        self.refused += u32::from(!allowed);
        allowed
    }

    /// Whether `player_key` may echo now (and counts it), as the handler does.
    fn allow_echo(&mut self, player_key: &str) -> bool {
        let allowed = self.count(player_key, "echo", ECHOES_PER_WINDOW);
        self.echoes_refused += u32::from(!allowed);
        allowed
    }

    fn count(&mut self, player_key: &str, bucket: &'static str, limit: u32) -> bool {
        let now = Instant::now();
        let key = (player_key.to_owned(), bucket);
        let count = match self.counters.get(&key) {
            Some((count, expires)) if *expires > now => *count,
            _ => 0,
        };
        if count >= limit {
            return false;
        }
        self.counters.insert(key, (count + 1, now + self.window));
        true
    }
}

/// Whether the request model accepts the body (pydantic's checks the player can
/// get wrong: ids, page sizes, emoji lengths).
fn valid(req: &Value) -> bool {
    let post_id = req["post_id"].is_i64();
    let limit_ok = |max: u64| {
        req.get("limit")
            .is_none_or(|l| l.is_null() || l.as_u64().is_some_and(|n| (1..=max).contains(&n)))
    };
    match req["request_type"].as_str().unwrap_or("") {
        "query_posts" => limit_ok(50),
        "get_post" => post_id,
        "get_comments" => post_id && limit_ok(200),
        "submit_reaction" | "revoke_reaction" => {
            post_id
                && req["emoji"]
                    .as_str()
                    .is_some_and(|e| (1..=20).contains(&e.chars().count()))
        }
        _ => true,
    }
}

/// The server's `_ERROR_STATUS`; anything unmapped is a 400.
fn status_for(code: &str) -> u16 {
    match code {
        "player_key_mismatch" | "not_visible" | "not_available" | "content_not_approved" => 403,
        "not_found" | "deleted" | "user_not_found" | "playset_not_found" => 404,
        "unsupported_kind" => 422,
        "reaction_limit_exceeded" => 409,
        "rate_limited" | "rate_limit_exceeded" => 429,
        "internal_error" => 500,
        _ => 400,
    }
}

fn error(request_id: &Value, message: &str, code: &str, status: u16) -> Reply {
    Reply::new(
        status,
        json!({"request_id": request_id, "success": false, "error": message, "error_code": code})
            .to_string(),
    )
}

/// `POST /player/rpc` for the player `player_key` (the token's).
pub fn rpc(player_key: &str, responder: &Responder, limits: &mut Limits, body: &str) -> Reply {
    let Ok(mut req) = serde_json::from_str::<Value>(body) else {
        return error(&Value::Null, "Invalid JSON", "invalid_json", 400);
    };
    let request_id = req.get("request_id").cloned().unwrap_or(Value::Null);
    let kind = req["request_type"].as_str().unwrap_or("").to_owned();
    if !REQUEST_TYPES.contains(&kind.as_str()) {
        let message = format!("Unknown request type: {kind}");
        return error(&request_id, &message, "unknown_request_type", 400);
    }
    if req
        .get("player_key")
        .is_some_and(|k| k.as_str() != Some(player_key))
    {
        let message = "player_key does not match the authenticated player";
        return error(&request_id, message, "player_key_mismatch", 403);
    }
    if !limits.allow(player_key, &kind) {
        return error(&request_id, "Rate limit exceeded", "rate_limited", 429);
    }
    if !valid(&req) {
        return error(
            &request_id,
            "Invalid request payload",
            "invalid_request",
            400,
        );
    }
    if kind == "echo" && !limits.allow_echo(player_key) {
        let message = "Rate limit exceeded for echo requests";
        return error(&request_id, message, "rate_limit_exceeded", 429);
    }
    req["player_key"] = json!(player_key);
    req["request_id"] = json!(request_id.as_str().unwrap_or(""));
    let Some(mut answer) = responder(&req) else {
        return error(&request_id, "Internal error", "internal_error", 500);
    };
    answer["request_id"] = request_id;
    let status = match answer["success"].as_bool() {
        Some(true) => 200,
        _ => status_for(answer["error_code"].as_str().unwrap_or("")),
    };
    Reply::new(status, answer.to_string())
}

/// `POST /player/events/view` for the player `player_key`.
pub fn view(player_key: &str, views: &mut Views, body: &str) -> Reply {
    let event: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let (Some(post_id), Some(timestamp)) = (event["post_id"].as_i64(), event["timestamp"].as_str())
    else {
        return invalid_view(views, event);
    };
    if !super::views::is_view_event(&event, false) {
        return invalid_view(views, event);
    }
    let key = (player_key.to_owned(), post_id, timestamp.to_owned());
    let life = views.dedup_life;
    views.seen.retain(|_, at| at.elapsed() < life);
    let reply = if views.seen.insert(key, Instant::now()).is_some() {
        // The server sets the duplicate key before its rate check: a view
        // refused `rate_limited` and sent again within its life is a duplicate.
        Reply::new(
            200,
            json!({"success": true, "deduplicated": true}).to_string(),
        )
    } else if let Some(wait) = views
        .last
        .get(player_key)
        .map(|at| views.gap.saturating_sub(at.elapsed()))
        .filter(|w| !w.is_zero())
    {
        let mut reply = error(&Value::Null, "Rate limited", "rate_limited", 429);
        reply
            .headers
            .push(("Retry-After".into(), (wait.as_secs() + 1).to_string()));
        reply
    } else {
        // The 5 s key is set before the post is looked up.
        views.last.insert(player_key.to_owned(), Instant::now());
        if post_id == 404 {
            error(&Value::Null, "Post not found", "not_found", 404)
        } else {
            Reply::new(202, json!({"success": true}).to_string())
        }
    };
    views.log.push((event, reply.status));
    reply
}

/// The server's answer to a view its schema refuses (`player_rpc.py`).
fn invalid_view(views: &mut Views, event: Value) -> Reply {
    views.log.push((event, 400));
    error(
        &Value::Null,
        "Invalid view event payload",
        "invalid_request",
        400,
    )
}
