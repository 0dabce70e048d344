//! The Makapix channel playing when the player closes comes back at the next
//! start: offline from the disk cache, and fetched anew once connected.

use crate::support::rig;
use crate::support::screen::STEP_TIMEOUT;
use crate::support::screen::harness_of;
use crate::support::screen::post_on_screen;

use std::sync::Arc;
use std::time::{Duration, Instant};

use makapix_player::bridge::channel::pair;
use makapix_player::net;
use makapix_player::session::Channel;
use makapix_player::ui::{PlayerApp, StartOptions};
use rig::vault::Vault;
use rig::window::{start_serving, step_until};
use serde_json::{Value, json};

/// A server whose channels hold the artworks `ids`.
fn posts(ids: &'static [i64]) -> impl Fn(&Value) -> Option<Value> + Send + Sync + 'static {
    move |req: &Value| {
        (req["request_type"] == "query_posts")
            .then(|| rig::server::posts_answer(req, ids, Value::Null))
    }
}

fn start_at(root: &std::path::Path, vault: &Vault, ids: &'static [i64]) -> rig::window::Session {
    start_serving(
        StartOptions {
            app_paths: Some(makapix_player::storage::paths::AppPaths::under(root)),
            vault: Some(vault.base.clone()),
            ..StartOptions::default()
        },
        posts(ids),
    )
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn the_last_channel_plays_offline_from_the_cache_and_is_fetched_anew_once_connected() {
    let root = tempfile::tempdir().unwrap();
    let kept = root.path().join("data/last-channel.json");
    {
        let vault = Vault::start();
        for id in [1, 2] {
            vault.put_sample("ab/cd", &format!("key{id}"), "heart-8.png");
        }
        let mut s = start_at(root.path(), &vault, &[1, 2]);
        let ack = s.command(
            "play_channel",
            json!({"channel_name": "hashtag", "hashtag": "cats"}),
        );
        assert_eq!(ack["status"], "ok", "{ack}");
        step_until(&mut s.h, "post 1 on screen", |a| {
            post_on_screen(a) == Some((1, false))
        });
        // The next artwork is preloaded, so both are in the cache.
        s.h.key_press(eframe::egui::Key::ArrowRight);
        step_until(&mut s.h, "post 2 on screen", |a| {
            post_on_screen(a) == Some((2, false))
        });
        s.h.state_mut().shutdown();
    }
    // The quit gives its writers 600 ms; a loaded disk's fsync can take
    // longer, and the writer then finishes on its own.
    rig::wait_for("the channel kept in the data folder", STEP_TIMEOUT, || {
        kept.exists().then_some(())
    });

    // Offline: no broker, and the vault is gone.
    net::tls::install_crypto_provider();
    let (window_end, runtime_end) = pair(Arc::new(|| {}));
    let mut window_end = window_end;
    window_end.attach(net::runtime::start(runtime_end).unwrap());
    let mut app = PlayerApp::new(StartOptions {
        app_paths: Some(makapix_player::storage::paths::AppPaths::under(root.path())),
        vault: Some("http://127.0.0.1:9".into()),
        ..StartOptions::default()
    });
    app.attach_runtime(window_end);
    let mut h = harness_of(app, [640.0, 480.0], None);
    step_until(&mut h, "post 1 from the cache", |a| {
        post_on_screen(a) == Some((1, false))
    });
    assert!(
        matches!(h.state().channel(), Channel::Makapix { label, items } if label == "Makapix: #cats" && items.len() == 2),
        "{:?}",
        h.state().channel()
    );
    h.state_mut().shutdown();
    drop(h);

    // Connected again: the channel is asked for from its first page, unprompted.
    let vault = Vault::start();
    for id in [1, 2, 3] {
        vault.put_sample("ab/cd", &format!("key{id}"), "heart-8.png");
    }
    let mut s = start_at(root.path(), &vault, &[3, 1, 2]);
    let asked = s.server.wait_published("", rig::window::SOON, |r| {
        r.json()["request_type"] == "query_posts" && r.json()["hashtag"] == "cats"
    });
    assert!(asked.json()["cursor"].is_null(), "{}", asked.json());
    step_until(&mut s.h, "the fresh first page on screen", |a| {
        post_on_screen(a) == Some((3, false))
    });
    s.h.state_mut().shutdown();
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn playing_something_else_forgets_the_channel() {
    let root = tempfile::tempdir().unwrap();
    let kept = root.path().join("data/last-channel.json");
    let vault = Vault::start();
    vault.put_sample("ab/cd", "key1", "heart-8.png");
    let mut s = start_at(root.path(), &vault, &[1]);
    let ack = s.command("play_channel", json!({"channel_name": "all"}));
    assert_eq!(ack["status"], "ok", "{ack}");
    step_until(&mut s.h, "post 1 on screen", |a| {
        post_on_screen(a) == Some((1, false))
    });
    let deadline = Instant::now() + STEP_TIMEOUT;
    while !kept.exists() {
        assert!(Instant::now() < deadline, "the channel is kept");
        std::thread::sleep(Duration::from_millis(10));
    }
    // The web switches the player to a playset.
    let ack = s.command(
        "play_playset",
        json!({"playset_name": "mine", "exposure_mode": "equal", "pick_mode": "recency",
               "channels": [{"type": "hashtag", "identifier": "dogs"}]}),
    );
    assert_eq!(ack["status"], "ok", "{ack}");
    let deadline = Instant::now() + STEP_TIMEOUT;
    while kept.exists() {
        assert!(Instant::now() < deadline, "the kept channel is forgotten");
        s.h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    s.h.state_mut().shutdown();
}
