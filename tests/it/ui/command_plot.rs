//! The Diagnostics plot gets one point for each command whose artwork reached
//! the screen: `show_artwork` sent by the test server through the real broker,
//! downloaded from the rig's vault and drawn by the window.

use crate::support::rig;
use crate::support::screen::post_on_screen;

use std::time::{Duration, SystemTime};

use makapix_player::samples;
use makapix_player::ui::PlayerApp;
use rig::vault::Vault;
use rig::window::{start_with_vault, step_until};
use serde_json::json;

fn points(app: &PlayerApp) -> Vec<[f64; 2]> {
    app.connection_view().timeline.latencies(SystemTime::now())
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn the_plot_gets_a_point_for_each_command_shown() {
    let root = tempfile::tempdir().unwrap();
    let vault = Vault::start();
    let mut s = start_with_vault(root.path(), &vault);
    let png = samples::bytes("sun-64.png").unwrap().to_vec();
    assert!(points(s.h.state()).is_empty());
    for (n, post) in [51_i64, 52, 53].into_iter().enumerate() {
        let key = format!("key{post}");
        vault.put("8c/4f", &key, "png", png.clone());
        let ack = s.command(
            "show_artwork",
            json!({"post_id": post, "storage_key": key, "storage_shard": "8c/4f",
                   "native_format": "png", "width": 64, "height": 64}),
        );
        assert_eq!(ack["status"], "ok", "{ack}");
        step_until(&mut s.h, "the post on screen", |a| {
            post_on_screen(a) == Some((post, false))
        });
        // The frame that draws it records the point.
        s.h.step();
        let shown = points(s.h.state());
        assert_eq!(shown.len(), n + 1, "{shown:?}");
        let [ago, ms] = shown[n];
        assert!((-5.0..=0.0).contains(&ago), "{ago}");
        assert!(ms < Duration::from_secs(10).as_millis() as f64, "{ms}");
    }
    // A command that changes nothing on screen adds no point.
    let ack = s.command("set_brightness", json!({"value": 50}));
    assert_eq!(ack["status"], "ok", "{ack}");
    s.h.step();
    assert_eq!(points(s.h.state()).len(), 3);
}
