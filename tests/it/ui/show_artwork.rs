//! `show_artwork` end to end: the test server sends the command, the runtime
//! downloads the file from the rig's vault into the per-user cache, and the
//! window shows it; bad files give the placeholder; a hostile shard never
//! leaves the cache folder; an `art_url` off the vault is refused.

use crate::support::rig;
use crate::support::screen::post_on_screen;

use std::path::{Path, PathBuf};

use makapix_player::samples;
use rig::vault::Vault;
use rig::window::{SOON, Session, start_with_vault, step_until};
use serde_json::{Value, json};

struct Fixture {
    s: Session,
    vault: Vault,
    root: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let root = tempfile::tempdir().unwrap();
    let vault = Vault::start();
    let s = start_with_vault(root.path(), &vault);
    Fixture { s, vault, root }
}

/// Every file below `dir`.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn show(f: &mut Fixture, payload: Value) -> Value {
    let ack = f.s.command("show_artwork", payload);
    assert_eq!(ack["status"], "ok", "{ack}");
    ack
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn show_artwork_puts_the_post_on_the_canvas() {
    let mut f = fixture();
    let png = samples::bytes("sun-64.png").unwrap().to_vec();
    f.vault.put("8c/4f", "sunkey", "png", png.clone());
    show(
        &mut f,
        json!({"post_id": 41, "storage_key": "sunkey", "storage_shard": "8c/4f",
               "native_format": "png", "width": 64, "height": 64, "title": "Sunny day"}),
    );
    step_until(&mut f.s.h, "post 41 on screen", |a| {
        post_on_screen(a) == Some((41, false))
    });
    let app = f.s.h.state();
    assert_eq!(
        app.on_screen().map(|(s, _)| s.display_name()),
        Some("Sunny day".to_owned()),
        "the title is what the info overlay shows"
    );
    // The file is in the per-user cache folder, byte for byte.
    let cached = files(&f.root.path().join("cache"));
    assert_eq!(cached.len(), 1, "{cached:?}");
    assert_eq!(std::fs::read(&cached[0]).unwrap(), png);
    // `status` names the post on screen.
    f.s.server
        .wait_published("/status", SOON, |r| r.json()["current_post_id"] == 41);
    f.s.h.state_mut().shutdown();
}

/// The window is not stepped once the post is on screen: its `status` must
/// already be on its way from the pass that showed it, whether the art came
/// at the start of that pass or during its short wait for a first frame.
#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn each_post_s_status_goes_out_from_the_pass_that_shows_it() {
    let mut f = fixture();
    for post in 41..=48 {
        let key = format!("key{post}");
        f.vault.put_sample("8c/4f", &key, "heart-8.png");
        show(
            &mut f,
            json!({"post_id": post, "storage_key": key, "storage_shard": "8c/4f",
                   "native_format": "png"}),
        );
        step_until(&mut f.s.h, &format!("post {post} on screen"), |a| {
            post_on_screen(a) == Some((post, false))
        });
        f.s.server
            .wait_published("/status", SOON, |r| r.json()["current_post_id"] == post);
    }
    f.s.h.state_mut().shutdown();
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn going_back_to_a_post_just_shown_neither_reads_nor_fetches_its_file_again() {
    let mut f = fixture();
    let sun = samples::bytes("sun-64.png").unwrap().to_vec();
    let slime = samples::bytes("slime-32.gif").unwrap().to_vec();
    f.vault.put("8c/4f", "sunkey", "png", sun);
    f.vault.put("8c/50", "slimekey", "gif", slime);
    let sun_post = json!({"post_id": 41, "storage_key": "sunkey", "storage_shard": "8c/4f",
                          "native_format": "png", "width": 64, "height": 64});
    let slime_post = json!({"post_id": 42, "storage_key": "slimekey", "storage_shard": "8c/50",
                            "native_format": "gif", "width": 32, "height": 32});
    show(&mut f, sun_post.clone());
    step_until(&mut f.s.h, "post 41 on screen", |a| {
        post_on_screen(a) == Some((41, false))
    });
    show(&mut f, slime_post);
    step_until(&mut f.s.h, "post 42 on screen", |a| {
        post_on_screen(a) == Some((42, false))
    });
    // Cached files that no longer decode: reading one again would show an
    // error, not the art, and a new download would replace it.
    let cached = files(&f.root.path().join("cache"));
    for file in &cached {
        std::fs::write(file, b"not an image").unwrap();
    }
    let asked = f.vault.asked().len();
    show(&mut f, sun_post);
    step_until(&mut f.s.h, "post 41 back on screen", |a| {
        post_on_screen(a) == Some((41, false)) && a.frames_on_screen().is_some()
    });
    assert_eq!(f.vault.asked().len(), asked, "{:?}", f.vault.asked());
    for file in &cached {
        assert_eq!(
            std::fs::read(file).unwrap(),
            b"not an image",
            "nothing was downloaded again"
        );
    }
    f.s.h.state_mut().shutdown();
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn a_hostile_shard_never_leaves_the_cache_folder() {
    let mut f = fixture();
    let png = samples::bytes("heart-8.png").unwrap().to_vec();
    // Served at a plain URL; the shard only names the cache file.
    let url = f.vault.put("ok/ok", "heart", "png", png.clone());
    show(
        &mut f,
        json!({"post_id": 7, "storage_key": "../../../passwd", "storage_shard": "../../etc",
               "native_format": "../png", "art_url": url}),
    );
    step_until(&mut f.s.h, "post 7 on screen", |a| {
        post_on_screen(a) == Some((7, false))
    });
    // And with the vault URL built from that shard (the vault has nothing there).
    show(
        &mut f,
        json!({"post_id": 8, "storage_key": "x", "storage_shard": "../../etc",
               "native_format": "png"}),
    );
    step_until(&mut f.s.h, "post 8 placeholder", |a| {
        post_on_screen(a) == Some((8, true))
    });
    let all = files(f.root.path());
    let cache = f.root.path().join("cache").join("artworks");
    assert!(
        all.iter()
            .all(|p| p.starts_with(&cache) || p.starts_with(f.root.path().join("config"))),
        "{all:?}"
    );
    let cached: Vec<_> = files(&cache);
    assert_eq!(cached.len(), 1, "{cached:?}");
    assert_eq!(std::fs::read(&cached[0]).unwrap(), png);
    assert!(!f.root.path().join("etc").exists());
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn missing_truncated_or_garbage_files_give_the_placeholder() {
    let mut f = fixture();
    let png = samples::bytes("mountains-256.png").unwrap();
    f.vault
        .put("aa/bb", "truncated", "png", png[..png.len() / 2].to_vec());
    f.vault.put(
        "aa/bb",
        "garbage",
        "gif",
        b"this is not a GIF at all".to_vec(),
    );
    for (id, key, format) in [
        (404, "missing", "png"),
        (405, "truncated", "png"),
        (406, "garbage", "gif"),
    ] {
        show(
            &mut f,
            json!({"post_id": id, "storage_key": key, "storage_shard": "aa/bb",
                   "native_format": format}),
        );
        step_until(&mut f.s.h, &format!("placeholder for {key}"), |a| {
            post_on_screen(a) == Some((id, true))
        });
        let reason = f.s.h.state().placeholder_reason().unwrap_or_default();
        assert!(!reason.is_empty());
        if id == 404 {
            assert!(reason.contains("404"), "{reason}");
        }
    }
    // Playback goes on: a good post after the bad ones is shown.
    f.vault.put("aa/bb", "good", "png", png.to_vec());
    show(
        &mut f,
        json!({"post_id": 407, "storage_key": "good", "storage_shard": "aa/bb",
               "native_format": "png"}),
    );
    step_until(&mut f.s.h, "the good post", |a| {
        post_on_screen(a) == Some((407, false))
    });
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn an_art_url_on_another_port_than_the_vault_is_refused_and_playback_goes_on() {
    let mut f = fixture();
    // Another server on this computer: same host as the vault, another port.
    let elsewhere = Vault::start();
    let heart = samples::bytes("heart-8.png").unwrap().to_vec();
    let url = elsewhere.put("ab/cd", "heart", "png", heart.clone());
    show(
        &mut f,
        json!({"post_id": 51, "storage_key": "heart", "storage_shard": "ab/cd",
               "native_format": "png", "art_url": url}),
    );
    step_until(&mut f.s.h, "post 51 refused", |a| {
        post_on_screen(a) == Some((51, true))
    });
    let reason = f.s.h.state().placeholder_reason().unwrap_or_default();
    assert!(reason.contains("not on the artwork vault"), "{reason}");
    assert!(elsewhere.asked().is_empty(), "{:?}", elsewhere.asked());

    // The player goes on: an artwork on the vault itself plays.
    let url = f.vault.put("ab/cd", "heart", "png", heart);
    show(
        &mut f,
        json!({"post_id": 52, "storage_key": "heart", "storage_shard": "ab/cd",
               "native_format": "png", "art_url": url}),
    );
    step_until(&mut f.s.h, "post 52 on screen", |a| {
        post_on_screen(a) == Some((52, false))
    });
}
