//! Commands from the web and their acks (protocol §6), and what the session
//! tells the runtime to publish: `status`'s post (§5) and the retained `state`.

use serde_json::json;

use super::fixture::*;
use crate::preview::{Mirror, Rotation};
use crate::protocol::command::AckStatus;
use crate::protocol::response::Response;
use crate::session::{Channel, DisplayChange, Effect, EngineCommand};

#[test]
fn swaps_and_pause_drive_the_engine_and_are_acked_ok() {
    let mut p = Player::connected();
    p.tick(true);
    for (kind, payload, expected) in [
        ("swap_next", json!({}), EngineCommand::Next),
        ("swap_back", json!({}), EngineCommand::Previous),
        (
            "set_paused",
            json!({"paused": true}),
            EngineCommand::SetPaused(true),
        ),
    ] {
        let out = p.command(kind, kind, payload);
        assert_eq!(out.engine(), [expected], "{kind}");
        let ack = out.only_ack();
        assert_eq!(ack.command_id, kind);
        assert_ok(&ack);
    }
    assert!(p.engine.is_paused());
}

#[test]
fn display_commands_within_the_capabilities_change_the_display() {
    let mut p = Player::connected();
    let cases = [
        (
            "set_brightness",
            json!({"value": 0}),
            DisplayChange::Brightness(0),
        ),
        (
            "set_rotation",
            json!({"value": 90}),
            DisplayChange::Rotation(Rotation::R90),
        ),
        (
            "set_mirror",
            json!({"value": "vertical"}),
            DisplayChange::Mirror(Mirror::Vertical),
        ),
        (
            "set_background_color",
            json!({"r": 1, "g": 2, "b": 3}),
            DisplayChange::Background([1, 2, 3]),
        ),
    ];
    for (kind, payload, change) in cases {
        let out = p.command(kind, kind, payload);
        let changes: Vec<_> = out
            .0
            .iter()
            .filter_map(|e| match e {
                Effect::Display(c) => Some(*c),
                _ => None,
            })
            .collect();
        assert_eq!(changes, [change], "{kind}");
        assert_ok(&out.only_ack());
    }
}

#[test]
fn values_outside_the_capabilities_are_refused_and_change_nothing() {
    let mut p = Player::connected();
    let cases = [
        ("set_brightness", json!({"value": 101}), "outside 0..100"),
        ("set_rotation", json!({"value": 45}), "0, 90, 180, 270"),
        (
            "set_mirror",
            json!({"value": "diagonal"}),
            "none, horizontal, vertical",
        ),
        ("set_paused", json!({"paused": "yes"}), "could not be read"),
        (
            "show_artwork",
            json!({"post_id": 3, "storage_key": "", "storage_shard": "",
                                "native_format": ""}),
            "`storage_key` and `native_format`",
        ),
    ];
    for (kind, payload, words) in cases {
        let out = p.command(kind, kind, payload);
        assert_refused(&out.only_ack(), words);
        assert!(
            out.engine().is_empty() && out.requests().is_empty(),
            "{kind}"
        );
        assert!(
            !out.0.iter().any(|e| matches!(e, Effect::Display(_))),
            "{kind}"
        );
    }
    assert_eq!(p.settings.brightness, 100);
}

#[test]
fn show_artwork_plays_the_post_alone_and_is_acked_at_once() {
    let mut p = Player::connected();
    let out = p.command("s", "show_artwork", show(77));
    assert_ok(&out.only_ack());
    assert!(matches!(p.session.channel(), Channel::Post(post) if post.post_id == 77));
    p.tick(true);
    assert_eq!(p.playing_ids(), [77]);
    assert_eq!(p.on_screen(), Some(77));
}

#[test]
fn status_names_the_post_on_screen_once_per_change() {
    let mut p = Player::connected();
    assert_eq!(p.tick(true).current_posts(), [None], "a sample");
    assert!(
        p.tick(true).current_posts().is_empty(),
        "no change, nothing sent"
    );
    p.command("s", "show_artwork", show(5));
    assert_eq!(p.tick(true).current_posts(), [Some(5)]);
    p.command("t", "show_artwork", show(6));
    assert_eq!(p.tick(true).current_posts(), [Some(6)]);
    assert!(p.tick(true).current_posts().is_empty());
}

#[test]
fn status_names_a_post_only_once_the_server_has_confirmed_it() {
    let mut p = Player::connected();
    let Ok(Response::Posts(kept)) = last(5..=6) else {
        unreachable!()
    };
    let last_channel = crate::storage::last_channel::LastChannel {
        label: "Makapix: recent".into(),
        query: Default::default(),
        posts: kept.posts,
    };
    p.act(|s, seen, fx| {
        s.resume(last_channel, seen, fx);
    });
    assert_eq!(p.tick(true).current_posts(), [None], "maybe deleted since");
    let (tag, _) = p
        .command("c", "play_channel", json!({"channel_name": "all"}))
        .only_request();
    p.answer(tag, last(5..=6));
    assert_eq!(p.tick(true).current_posts(), [Some(5)], "in a fresh page");
}

#[test]
fn the_state_is_sent_when_online_and_again_only_when_it_changes() {
    let mut p = Player::offline();
    assert!(p.tick(true).states().is_empty(), "no runtime");

    let mut p = Player::connected();
    let states = p.tick(true).states();
    assert_eq!(states.len(), 1);
    let s = &states[0];
    assert_eq!(
        (s.is_paused, s.brightness, s.rotation, s.mirror.as_deref()),
        (Some(false), Some(100), Some(0), Some("none"))
    );
    assert!(p.tick(true).states().is_empty(), "unchanged");

    p.command("b", "set_brightness", json!({"value": 40}));
    p.command("p", "set_paused", json!({"paused": true}));
    let states = p.tick(true).states();
    assert_eq!(states.len(), 1, "{states:?}");
    assert_eq!(
        (states[0].brightness, states[0].is_paused),
        (Some(40), Some(true))
    );

    // A change made in the window goes out too.
    p.settings.mirror = Mirror::Horizontal;
    let states = p.act(|s, seen, fx| s.sync_state(seen, fx)).states();
    assert_eq!(states[0].mirror.as_deref(), Some("horizontal"));
}

#[test]
fn an_unknown_command_is_answered_unsupported() {
    let mut p = Player::connected();
    let out = p.command("x", "self_destruct", json!({}));
    let ack = out.only_ack();
    assert_eq!(ack.status, AckStatus::Unsupported, "§6: {ack:?}");
    assert!(ack.error.is_some_and(|e| e.contains("does not know")));
    assert!(out.engine().is_empty() && out.requests().is_empty());
}
