//! `play_playset` end to end: each channel's first page is fetched from the
//! test server and the queue mixes them by the playset's exposure mode.

use crate::support::rig;
use crate::support::screen::post_shown;

use makapix_player::player::ArtworkSource;
use makapix_player::samples;
use rig::vault::Vault;
use rig::window::{start_with_vault, step_until};
use serde_json::{Value, json};

fn view_of(s: &mut rig::window::Session, post: i64) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        if let Some(v) = s
            .server
            .published()
            .iter()
            .filter(|r| r.topic.ends_with("/view"))
            .map(|r| r.json())
            .find(|v| v["post_id"] == post)
        {
            return v;
        }
        assert!(std::time::Instant::now() < deadline, "no view of {post}");
        s.h.step();
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn a_channel_running_low_fetches_its_next_page_and_views_name_their_channel() {
    let root = tempfile::tempdir().unwrap();
    let vault = Vault::start();
    let png = samples::bytes("heart-8.png").unwrap();
    for id in [1, 2, 11, 12, 13, 14] {
        vault.put("ab/cd", &format!("key{id}"), "png", png.to_vec());
    }
    let mut s = start_with_vault(root.path(), &vault);
    s.server.set_responder(|req: &Value| {
        let (ids, next): (&[i64], Value) = match (req["channel"].as_str(), req["cursor"].as_str()) {
            (Some("hashtag"), _) => (&[1, 2], Value::Null),
            (Some("by_user"), None) => (&[11, 12], json!("u1-p2")),
            (Some("by_user"), Some("u1-p2")) => (&[13, 14], Value::Null),
            _ => (&[], Value::Null),
        };
        Some(rig::server::posts_answer(req, ids, next))
    });
    let ack = s.command(
        "play_playset",
        json!({"playset_name": "pages", "exposure_mode": "equal", "pick_mode": "recency",
               "channels": [
                   {"type": "hashtag", "identifier": "cats"},
                   {"type": "user", "identifier": "u1", "display_name": "Ann"}]}),
    );
    assert_eq!(ack["status"], "ok", "{ack}");
    step_until(&mut s.h, "the first artwork", |a| post_shown(a) == Some(1));
    let view = view_of(&mut s, 1);
    assert_eq!(
        (&view["channel"], &view["channel_hashtag"]),
        (&json!("hashtag"), &json!("cats")),
        "{view}"
    );
    assert!(view.get("channel_user_sqid").is_none(), "{view}");
    assert_eq!(view["play_order"], 0, "recency keeps the server's order");

    // u1's first page holds two: showing one leaves it low, so its next page is asked for.
    s.h.key_press(eframe::egui::Key::ArrowRight);
    step_until(&mut s.h, "u1's first artwork", |a| {
        post_shown(a) == Some(11)
    });
    s.server.wait_published("", rig::window::SOON, |r| {
        r.json()["cursor"] == "u1-p2" && r.json()["user_sqid"] == "u1"
    });
    step_until(&mut s.h, "u1's second page in the queue", |a| {
        a.engine()
            .items()
            .iter()
            .any(|i| i.source.post_id() == Some(13))
    });
    assert_eq!(post_shown(s.h.state()), Some(11), "what is on screen stays");
    let pages: Vec<Value> = s
        .server
        .published()
        .iter()
        .map(|r| r.json())
        .filter(|j| j["request_type"] == "query_posts" && j["channel"] == "hashtag")
        .collect();
    assert_eq!(pages.len(), 1, "cats has no next page: asked once");

    let view = view_of(&mut s, 11);
    assert_eq!(
        (&view["channel"], &view["channel_user_sqid"]),
        (&json!("by_user"), &json!("u1")),
        "{view}"
    );
    assert!(view.get("channel_hashtag").is_none(), "{view}");
    s.h.state_mut().shutdown();
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn a_playset_artwork_plays_for_its_own_dwell_time() {
    let root = tempfile::tempdir().unwrap();
    let vault = Vault::start();
    for id in [21, 22] {
        vault.put_sample("ab/cd", &format!("key{id}"), "heart-8.png");
    }
    let mut s = start_with_vault(root.path(), &vault);
    s.server.set_responder(|req: &Value| {
        if req["request_type"] != "query_posts" {
            return rig::server::catalogue(req);
        }
        let posts = vec![
            rig::posts::artwork(req, 21, 1, 4_000),
            rig::posts::artwork(req, 22, 2, 7_000),
        ];
        Some(
            json!({"request_id": req["request_id"], "success": true, "posts": posts,
                    "next_cursor": null, "has_more": false}),
        )
    });
    let ack = s.command(
        "play_playset",
        json!({"playset_name": "slow", "channels": [{"type": "user", "identifier": "u1"}]}),
    );
    assert_eq!(ack["status"], "ok", "{ack}");
    step_until(&mut s.h, "a playset post", |a| {
        matches!(a.on_screen(), Some((ArtworkSource::Makapix(_), false)))
    });
    let dwells: Vec<(i64, Option<std::time::Duration>)> =
        s.h.state()
            .engine()
            .items()
            .iter()
            .filter_map(|i| Some((i.source.post_id()?, i.dwell)))
            .take(2)
            .collect();
    assert_eq!(
        dwells,
        vec![
            (21, Some(std::time::Duration::from_millis(4_000))),
            (22, Some(std::time::Duration::from_millis(7_000)))
        ]
    );
    s.h.state_mut().shutdown();
}
