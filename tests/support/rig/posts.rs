//! Posts as Makapix's `query_posts` builds them (`services/player_rpc.py`):
//! optional fields only when `include_fields` asks for them, and the
//! `reactions` channel paged by reaction time whatever the sort.

use serde_json::{Value, json};

/// Liked posts of the `reactions` fixture: ids `REACTIONS_FIRST..` in the
/// order they were liked, newest like first; a page holds at most 50, so
/// paging through takes two pages.
pub const REACTIONS: i64 = 52;
pub const REACTIONS_FIRST: i64 = 1001;
/// The dwell each liked artwork has on the server.
pub const REACTION_DWELL_MS: u64 = 30_000;

/// `post` with those of `optional` (name, value) that `request` asked for in
/// `include_fields`; the server leaves the others out.
pub fn with_asked_fields(request: &Value, mut post: Value, optional: &[(&str, Value)]) -> Value {
    let asked = request["include_fields"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if let Value::Object(map) = &mut post {
        for (name, value) in optional {
            if asked.iter().any(|f| f == name) {
                map.insert((*name).to_owned(), value.clone());
            }
        }
    }
    post
}

/// An artwork post the vault holds as `ab/cd/key{id}.png`, its dwell given
/// only when asked.
pub fn artwork(request: &Value, id: i64, created_minute: i64, dwell_ms: u64) -> Value {
    let post = json!({"post_id": id, "kind": "artwork",
        "created_at": minute(created_minute), "storage_key": format!("key{id}"),
        "storage_shard": "ab/cd", "native_format": "png"});
    with_asked_fields(
        request,
        post,
        &[
            ("dwell_time_ms", json!(dwell_ms)),
            ("frame_count", json!(1)),
            ("width", json!(8)),
            ("height", json!(8)),
        ],
    )
}

/// A time `m` minutes into 2026, as the server writes it.
fn minute(m: i64) -> String {
    format!(
        "2026-01-{:02}T{:02}:{:02}:00Z",
        1 + m / 1440,
        (m / 60) % 24,
        m % 60
    )
}

/// One liked post: (post id, minute it was liked, minute it was made). The
/// k-th newest like is of an artwork made in a shuffled order.
fn liked(k: i64) -> (i64, i64, i64) {
    (REACTIONS_FIRST + k, 10_000 - k, (k * 37) % REACTIONS)
}

/// The answer to a `reactions` query: the posts liked before the cursor's
/// like time, ordered by the sort (by like time only for `server_order` and
/// `reacted_at`), the first `limit` of them; the cursor is the like time of
/// the page's last row, as the server makes it whatever the order.
pub fn reactions(request: &Value) -> Value {
    let id = &request["request_id"];
    let limit = request["limit"].as_u64().unwrap_or(50).clamp(1, 50) as usize;
    let before = request["cursor"]
        .as_str()
        .and_then(|c| c.strip_prefix("liked:"))
        .and_then(|m| m.parse::<i64>().ok());
    let mut rows: Vec<(i64, i64, i64)> = (0..REACTIONS)
        .map(liked)
        .filter(|(_, at, _)| before.is_none_or(|b| *at < b))
        .collect();
    match request["sort"].as_str().unwrap_or("server_order") {
        "server_order" | "reacted_at" => rows.sort_by_key(|(_, at, _)| -at),
        "created_at" => rows.sort_by_key(|(_, _, made)| -made),
        "random" => {
            let seed = request["random_seed"].as_i64().unwrap_or(0);
            rows.sort_by_key(|(post, _, _)| (post * 7919 + seed) % 101);
        }
        _ => rows.sort_by_key(|(post, _, _)| -post),
    }
    let has_more = rows.len() > limit;
    rows.truncate(limit);
    let next = match rows.last() {
        Some((_, at, _)) if has_more => json!(format!("liked:{at}")),
        _ => Value::Null,
    };
    let posts: Vec<Value> = rows
        .iter()
        .map(|(post, _, made)| artwork(request, *post, *made, REACTION_DWELL_MS))
        .collect();
    json!({"request_id": id, "success": true, "posts": posts,
           "next_cursor": next, "has_more": has_more})
}

/// The liked posts in the order the server's own order gives them.
pub fn reactions_in_server_order() -> Vec<i64> {
    (0..REACTIONS).map(|k| liked(k).0).collect()
}
