//! Commands from the test server drive the real window on the real runtime and
//! broker: each one changes what the app model shows, is acknowledged on
//! `command/ack`, and pause/brightness/rotation/mirror reach the retained `state`.

use crate::support::rig;

use makapix_player::preview::{Mirror, Rotation};
use makapix_player::settings::Settings;
use makapix_player::ui::StartOptions;
use rig::window::{Session, start, step_until};
use serde_json::{Value, json};

fn ok(ack: &Value) {
    assert_eq!(ack["status"], "ok", "{ack}");
    assert_eq!(ack["error"], Value::Null, "{ack}");
}

fn refused(ack: &Value, words: &str) {
    assert_eq!(ack["status"], "error", "{ack}");
    let reason = ack["error"].as_str().unwrap_or_default();
    assert!(reason.contains(words), "{ack}");
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn each_optional_command_changes_the_player_is_acknowledged_and_published() {
    let mut s = start(StartOptions {
        settings: Some(Settings::default()),
        ..StartOptions::default()
    });

    ok(&s.command("set_paused", json!({"paused": true})));
    assert!(s.h.state().engine().is_paused());
    s.wait_state("is_paused", json!(true));
    ok(&s.command("set_paused", json!({"paused": false})));
    assert!(!s.h.state().engine().is_paused());
    s.wait_state("is_paused", json!(false));

    ok(&s.command("set_brightness", json!({"value": 35})));
    assert_eq!(s.h.state().settings().brightness, 35);
    s.wait_state("brightness", json!(35));

    ok(&s.command("set_rotation", json!({"value": 270})));
    assert_eq!(s.h.state().settings().rotation, Rotation::R270);
    s.wait_state("rotation", json!(270));

    ok(&s.command("set_mirror", json!({"value": "vertical"})));
    assert_eq!(s.h.state().settings().mirror, Mirror::Vertical);
    s.wait_state("mirror", json!("vertical"));

    ok(&s.command("set_background_color", json!({"r": 18, "g": 171, "b": 52})));
    assert_eq!(s.h.state().settings().background, [18, 171, 52]);

    // Out of range or malformed: `error` with a reason, and nothing changes.
    let before = s.h.state().settings().clone();
    let states = |s: &Session| {
        s.server
            .published()
            .iter()
            .filter(|r| r.topic.ends_with("/state"))
            .count()
    };
    let published_before = states(&s);
    refused(&s.command("set_brightness", json!({"value": 101})), "101");
    refused(&s.command("set_brightness", json!({"value": -1})), "-1");
    refused(&s.command("set_rotation", json!({"value": 45})), "45");
    refused(
        &s.command("set_mirror", json!({"value": "diagonal"})),
        "diagonal",
    );
    refused(
        &s.command("set_background_color", json!({"r": 300, "g": 0, "b": 0})),
        "payload",
    );
    refused(
        &s.command("set_paused", json!({"paused": "yes"})),
        "payload",
    );
    refused(&s.command("set_brightness", json!({})), "payload");
    assert_eq!(s.h.state().settings(), &before);
    assert!(!s.h.state().engine().is_paused());
    for _ in 0..5 {
        s.h.step();
    }
    assert_eq!(states(&s), published_before, "a refusal publishes no state");
    // Changes go out as the changed field only (protocol section 6), so the
    // retained message is the last change.
    assert_eq!(s.retained_state(), json!({"mirror": "vertical"}));

    // Next and back walk the queue (the samples here).
    let first = s.h.state().engine().current_index();
    ok(&s.command("swap_next", json!({})));
    step_until(&mut s.h, "the next artwork", |a| {
        a.engine().current_index() != first
    });
    ok(&s.command("swap_back", json!({})));
    step_until(&mut s.h, "the previous artwork", |a| {
        a.engine().current_index() == first
    });

    let ack = s.command("launch_rocket", json!({}));
    assert_eq!(ack["status"], "unsupported", "{ack}");
    s.h.state_mut().shutdown();
}
