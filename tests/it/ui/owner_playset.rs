//! Settings › Makapix channels › Play followed artists: `get_playset` is sent,
//! the answer plays through the `play_playset` path, what it holds is shown,
//! and `playset_not_found` is a sentence, not an error.

use crate::support::rig;

use egui_kittest::kittest::Queryable;
use makapix_player::player::ArtworkSource;
use makapix_player::samples;
use makapix_player::session::Channel;
use makapix_player::session::owner_playsets::OwnerPlaysetView;
use makapix_player::settings::Settings;
use rig::vault::Vault;
use rig::window::{SOON, start_with_settings, step_until};
use serde_json::{Value, json};

fn answers(req: &Value) -> Option<Value> {
    let id = req["request_id"].as_str().unwrap_or("");
    match req["request_type"].as_str()? {
        "get_playset" => Some(json!({"request_id": id, "success": true,
            "playset_name": "followed_artists", "exposure_mode": "equal", "pick_mode": "recency",
            "channels": [
                {"type": "user", "identifier": "u1", "display_name": "Ann", "weight": 1},
                {"type": "user", "identifier": "u2", "display_name": "Bob", "weight": 1}]})),
        "query_posts" => {
            let ids: Vec<i64> = match req["user_sqid"].as_str() {
                Some("u1") => vec![11, 12],
                Some("u2") => vec![21],
                _ => vec![],
            };
            Some(rig::server::posts_answer(req, &ids, Value::Null))
        }
        _ => rig::server::catalogue(req),
    }
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn followed_artists_is_fetched_and_played_and_not_found_is_a_sentence() {
    let root = tempfile::tempdir().unwrap();
    let vault = Vault::start();
    let png = samples::bytes("heart-8.png").unwrap();
    for id in [11, 12, 21] {
        vault.put("ab/cd", &format!("key{id}"), "png", png.to_vec());
    }
    let settings = Settings {
        show_settings: true,
        ..Settings::default()
    };
    let mut s = start_with_settings(root.path(), &vault, settings);
    s.server.set_responder(answers);
    s.h.run_steps(2);
    s.h.get_by_label("Play followed artists").click_accesskit();
    step_until(&mut s.h, "get_playset asked", |a| {
        a.session().owner_playset() != OwnerPlaysetView::Idle
    });
    let asked = s
        .server
        .wait_published("", SOON, |r| r.json()["request_type"] == "get_playset");
    assert_eq!(asked.json()["playset_name"], "followed_artists");
    step_until(&mut s.h, "a followed artist's post", |a| {
        matches!(a.on_screen(), Some((ArtworkSource::Makapix(_), false)))
    });
    let app = s.h.state();
    assert!(
        matches!(app.channel(), Channel::Makapix { label, .. } if label.contains("followed_artists"))
    );
    let ids: Vec<i64> = app
        .engine()
        .items()
        .iter()
        .take(4)
        .filter_map(|i| i.source.post_id())
        .collect();
    assert_eq!(ids, vec![11, 21, 12, 21], "both channels, equal exposure");
    assert_eq!(
        app.session().owner_playset(),
        OwnerPlaysetView::Playing(vec!["Ann".into(), "Bob".into()])
    );
    s.h.run_steps(2);
    s.h.get_by_label_contains("Playing 2 channels: Ann, Bob");

    // No followed artists: the server says playset_not_found.
    s.server.set_responder(|req: &Value| {
        let id = req["request_id"].as_str().unwrap_or("");
        Some(
            json!({"request_id": id, "success": false, "error": "Playset not found",
                    "error_code": "playset_not_found"}),
        )
    });
    s.h.get_by_label("Play followed artists").click_accesskit();
    step_until(&mut s.h, "the sentence", |a| {
        matches!(a.session().owner_playset(), OwnerPlaysetView::Said(_))
    });
    let OwnerPlaysetView::Said(said) = s.h.state().session().owner_playset() else {
        unreachable!()
    };
    assert!(said.contains("follow no artists"), "{said}");
    assert!(s.h.state().notice().is_none(), "not an error");
    s.h.state_mut().shutdown();
}
