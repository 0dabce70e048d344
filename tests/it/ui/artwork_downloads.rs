//! Artwork downloads under pressure, end to end (window, real runtime, broker,
//! test vault): a burst of `show_artwork` costs at most 4 downloads at a
//! time and what nobody waits for is cancelled; nothing is fetched before
//! the configured vault is known; a cached file that does not decode is
//! fetched once more, and only once.

use crate::support::rig;
use crate::support::screen::post_on_screen;

use std::time::Duration;

use makapix_player::credentials::server::Overrides;
use makapix_player::samples;
use makapix_player::storage::paths::AppPaths;
use makapix_player::ui::StartOptions;
use rig::vault::Vault;
use rig::window::{SOON, start_slowed, start_with_vault, step_until};
use serde_json::json;

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn two_hundred_show_artwork_commands_against_a_slow_vault_never_open_more_than_4_downloads() {
    let root = tempfile::tempdir().unwrap();
    let vault = Vault::start();
    let png = samples::bytes("heart-8.png").unwrap().to_vec();
    for n in 0..200 {
        vault.put("bu/rst", &format!("k{n}"), "png", png.clone());
    }
    vault.set_delay(Duration::from_millis(400));
    let mut s = start_with_vault(root.path(), &vault);
    // One command a frame: each one's download starts before the next replaces it.
    for n in 0..200 {
        let ack = s.command(
            "show_artwork",
            json!({"post_id": 1000 + n, "storage_key": format!("k{n}"), "storage_shard": "bu/rst",
                   "native_format": "png"}),
        );
        assert_eq!(ack["status"], "ok", "{ack}");
    }
    step_until(&mut s.h, "the last post on screen", |a| {
        post_on_screen(a) == Some((1199, false))
    });
    let asked = vault.asked().len();
    assert!(vault.most_open() >= 1);
    assert!(
        vault.most_open() <= 4,
        "{} downloads were open at once",
        vault.most_open()
    );
    assert!(
        asked < 200,
        "downloads nobody waited for were cancelled, yet {asked} were made"
    );
    // Nothing cancelled starts later: once the runtime has ended, the vault
    // was asked for nothing more.
    s.shut_down();
    assert_eq!(
        vault.asked().len(),
        asked,
        "no download after the last post"
    );
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn with_the_window_slowed_a_show_artwork_right_after_connecting_is_fetched_from_the_configured_vault()
 {
    let root = tempfile::tempdir().unwrap();
    let vault = Vault::start();
    let url_path = "/sl/ow/first.png";
    vault.put(
        "sl/ow",
        "first",
        "png",
        samples::bytes("sun-64.png").unwrap().to_vec(),
    );
    // The vault comes as the production binary's `--vault` does: with the
    // server's settings, which the runtime reports after start.
    let mut s = start_slowed(StartOptions {
        app_paths: Some(AppPaths::under(root.path())),
        server_overrides: Overrides {
            vault: Some(vault.base.clone()),
            ..Overrides::default()
        },
        vault: None,
        ..StartOptions::default()
    });
    // The window has not looked at anything the runtime said since its first frame.
    let id = s.server.send_command(
        &s.key,
        "show_artwork",
        json!({"post_id": 77, "storage_key": "first", "storage_shard": "sl/ow",
               "native_format": "png"}),
    );
    rig::wait_for("the command to reach the window", SOON, || {
        (s.tap.commands_passed() == 1).then_some(())
    });
    step_until(&mut s.h, "post 77 shown", |a| {
        post_on_screen(a).is_some_and(|(p, _)| p == 77)
    });
    step_until(&mut s.h, "post 77 decoded", |a| {
        post_on_screen(a) == Some((77, false))
    });
    assert_eq!(
        vault.asked(),
        [url_path],
        "fetched from the configured vault"
    );
    s.server.wait_published("/command/ack", SOON, |r| {
        r.json()["command_id"] == id && r.json()["status"] == "ok"
    });
    s.h.state_mut().shutdown();
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn a_cached_file_that_does_not_decode_is_fetched_again_once() {
    let root = tempfile::tempdir().unwrap();
    let vault = Vault::start();
    let good = samples::bytes("sun-64.png").unwrap().to_vec();
    vault.put("co/rr", "good", "png", good.clone());
    vault.put("co/rr", "bad", "png", b"still not a PNG".to_vec());
    // A damaged copy already in the cache (a disk fault, a crash mid-write elsewhere).
    let cache = root.path().join("cache").join("artworks");
    std::fs::create_dir_all(&cache).unwrap();
    let cached = makapix_player::storage::cache::file_name("co/rr", "good", "png");
    std::fs::write(cache.join(&cached), b"\x89PNG\r\n\x1a\ntruncated").unwrap();
    let mut s = start_with_vault(root.path(), &vault);

    let ack = s.command(
        "show_artwork",
        json!({"post_id": 5, "storage_key": "good", "storage_shard": "co/rr", "native_format": "png"}),
    );
    assert_eq!(ack["status"], "ok");
    step_until(&mut s.h, "post 5 shown from a fresh copy", |a| {
        post_on_screen(a) == Some((5, false))
    });
    assert_eq!(
        vault.asked(),
        ["/co/rr/good.png"],
        "downloaded once, instead of the bad copy"
    );
    assert_eq!(std::fs::read(cache.join(&cached)).unwrap(), good);

    // A file that is bad on the server too: one more try, then the placeholder.
    let ack = s.command(
        "show_artwork",
        json!({"post_id": 6, "storage_key": "bad", "storage_shard": "co/rr", "native_format": "png"}),
    );
    assert_eq!(ack["status"], "ok");
    step_until(&mut s.h, "post 6 placeholder", |a| {
        post_on_screen(a) == Some((6, true))
    });
    // Once the runtime has ended, no third try can still come.
    s.shut_down();
    let bad: Vec<_> = vault
        .asked()
        .into_iter()
        .filter(|p| p == "/co/rr/bad.png")
        .collect();
    assert_eq!(bad.len(), 2, "fetched, then fetched once more: {bad:?}");
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn a_download_under_way_shows_in_the_status_bar_until_it_ends() {
    use egui_kittest::kittest::Queryable;
    let root = tempfile::tempdir().unwrap();
    let vault = Vault::start();
    let png = samples::bytes("sun-64.png").unwrap().to_vec();
    vault.put("sl/ow", "slow", "png", png);
    vault.set_delay(Duration::from_millis(1500));
    let mut s = start_with_vault(root.path(), &vault);
    assert_eq!(s.h.state().downloads().in_flight, 0);
    let ack = s.command(
        "show_artwork",
        json!({"post_id": 77, "storage_key": "slow", "storage_shard": "sl/ow",
               "native_format": "png"}),
    );
    assert_eq!(ack["status"], "ok", "{ack}");
    step_until(&mut s.h, "the download counted", |a| {
        a.downloads().in_flight == 1
    });
    s.h.step();
    s.h.get_by_label_contains("⬇ 1 download · ");
    step_until(&mut s.h, "post 77 on screen", |a| {
        post_on_screen(a) == Some((77, false))
    });
    step_until(&mut s.h, "the download no longer counted", |a| {
        a.downloads().in_flight == 0
    });
    s.h.step();
    assert!(s.h.query_by_label_contains("⬇").is_none());
}
