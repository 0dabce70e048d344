//! `play_playset` end to end: each channel's first page is fetched from the
//! test server and the queue mixes them by the playset's exposure mode.

#[path = "support/rig/mod.rs"]
mod rig;

use makapix_player::player::ArtworkSource;
use makapix_player::samples;
use makapix_player::ui::Channel;
use rig::vault::Vault;
use rig::window::{start_with_vault, step_until};
use serde_json::{Value, json};

#[test]
fn a_playset_mixes_its_channels_by_exposure() {
    let root = tempfile::tempdir().unwrap();
    let vault = Vault::start();
    let png = samples::bytes("heart-8.png").unwrap();
    for id in [1, 2, 11, 12] {
        vault.put("ab/cd", &format!("key{id}"), "png", png.to_vec());
    }
    let mut s = start_with_vault(root.path(), &vault);
    s.server.set_responder(|req: &Value| {
        let id = req["request_id"].as_str().unwrap_or("");
        let ids: Vec<i64> = match (req["channel"].as_str(), req["hashtag"].as_str()) {
            (Some("hashtag"), Some("cats")) => vec![1, 2],
            (Some("by_user"), _) if req["user_sqid"] == "u1" => vec![11, 12],
            _ => vec![],
        };
        let posts: Vec<Value> = ids
            .iter()
            .map(|n| {
                json!({"post_id": n, "kind": "artwork", "storage_key": format!("key{n}"),
                            "storage_shard": "ab/cd", "native_format": "png"})
            })
            .collect();
        Some(json!({"request_id": id, "success": true, "posts": posts,
                    "next_cursor": null, "has_more": false}))
    });
    let ack = s.command(
        "play_playset",
        json!({"playset_name": "mine", "exposure_mode": "manual", "pick_mode": "recency",
               "channels": [
                   {"type": "hashtag", "identifier": "cats", "weight": 3},
                   {"type": "user", "identifier": "u1", "display_name": "Ann", "weight": 1}]}),
    );
    assert_eq!(ack["status"], "ok", "{ack}");
    step_until(&mut s.h, "a playset post", |a| {
        matches!(a.on_screen(), Some((ArtworkSource::Makapix(_), false)))
    });
    let app = s.h.state();
    assert!(matches!(app.channel(), Channel::Makapix { label, .. } if label.contains("mine")));
    let ids: Vec<i64> = app
        .engine()
        .items()
        .iter()
        .filter_map(|i| i.source.post_id())
        .collect();
    let cats = ids.iter().filter(|id| **id < 10).count();
    assert_eq!((cats, ids.len() - cats), (375, 125));
    assert_eq!(
        &ids[..4],
        &[1, 2, 11, 1],
        "recency within each channel, 3:1 spread"
    );

    let ack = s.command(
        "play_playset",
        json!({"playset_name": "x", "exposure_mode": "loudest", "channels": [{"type": "named", "name": "all"}]}),
    );
    assert_eq!(ack["status"], "error", "{ack}");
    let ack = s.command(
        "play_playset",
        json!({"playset_name": "empty", "channels": [{"type": "hashtag", "identifier": "nothing"}]}),
    );
    assert_eq!(ack["status"], "error", "{ack}");
    s.h.state_mut().shutdown();
}
