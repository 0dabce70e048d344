//! Creators' playlists end to end: built in the window's editor from a Makapix
//! post on screen and a local file, saved, reopened in a fresh window (with an
//! empty artwork cache), and played: the post is fetched with `get_post` and
//! the vault, the file is read from disk, in the playlist's order; a post the
//! server no longer has is skipped with a sentence.

use crate::support::dialogs::Dialogs;
use crate::support::rig;
use crate::support::screen::{STEP_TIMEOUT, harness_of};
use crate::support::screen::{file_shown, post_shown};

use std::path::Path;

use eframe::egui;
use egui_kittest::kittest::Queryable;
use makapix_player::app::file_dialog::DialogRequest;
use makapix_player::samples;
use makapix_player::session::Channel;
use makapix_player::ui::PlayerApp;
use rig::server::TestServer;
use rig::vault::Vault;
use rig::window::{SOON, Session, start_with_vault, step_until};
use serde_json::{Value, json};

/// `get_post` as Makapix answers it; 404 is gone.
fn posts(req: &Value) -> Option<Value> {
    let id = req["request_id"].as_str().unwrap_or("");
    if req["request_type"] != "get_post" {
        return rig::server::catalogue(req);
    }
    let post_id = req["post_id"].as_i64()?;
    if post_id == 404 {
        return Some(json!({"request_id": id, "success": false,
            "error": "Post not found", "error_code": "not_found"}));
    }
    Some(json!({"request_id": id, "success": true, "post": {
        "post_id": post_id, "kind": "artwork", "created_at": "2026-01-01T00:00:00Z",
        "storage_key": format!("key{post_id}"), "storage_shard": "ab/cd", "native_format": "png"}}))
}

#[derive(Debug)]
struct Dropped(std::path::PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

/// What is on screen, loaded: "post 41" or a file's name (a sample: nothing).
fn on_screen(app: &PlayerApp) -> Option<String> {
    post_shown(app)
        .map(|id| format!("post {id}"))
        .or_else(|| file_shown(app))
}

fn session(root: &Path, vault: &Vault) -> Session {
    let s = start_with_vault(root, vault);
    s.server.set_responder(posts);
    s
}

fn click(s: &mut Session, label: &str) {
    s.h.get_by_label(label).click();
    s.h.step();
    s.h.step();
}

fn type_into(s: &mut Session, label: &str, text: &str) {
    s.h.get_by_label(label).focus();
    s.h.step();
    s.h.get_by_label(label).type_text(text);
    s.h.step();
    s.h.step();
}

fn labels(app: &PlayerApp) -> Vec<String> {
    app.edited_playlist()
        .playlist()
        .items
        .iter()
        .map(makapix_player::player::playlist_edit::item_label)
        .collect()
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn a_playlist_built_in_the_window_is_saved_reopened_and_played_in_order() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::create_dir(folder.path().join("art")).unwrap();
    let frog = folder.path().join("art").join("frog.png");
    std::fs::write(&frog, samples::bytes("heart-8.png").unwrap()).unwrap();
    let vault = Vault::start();
    vault.put_sample("ab/cd", "key41", "sun-64.png");

    // Build: the post shown from the web, a post that will be gone, a local file.
    let root = tempfile::tempdir().unwrap();
    let mut s = session(root.path(), &vault);
    s.h.key_press(egui::Key::E);
    s.h.step();
    s.h.get_by_label("➕ Add current artwork");
    let ack = s.command(
        "show_artwork",
        json!({"post_id": 41, "storage_key": "key41", "storage_shard": "ab/cd", "native_format": "png"}),
    );
    assert_eq!(ack["status"], "ok", "{ack}");
    step_until(&mut s.h, "post 41", |a| {
        on_screen(a).as_deref() == Some("post 41")
    });
    click(&mut s, "➕ Add current artwork");

    s.h.input_mut()
        .dropped_files
        .push(std::sync::Arc::new(Dropped(frog.clone())));
    step_until(&mut s.h, "frog.png", |a| {
        on_screen(a).as_deref() == Some("frog.png")
    });
    click(&mut s, "➕ Add current artwork");

    // A post shown once, since deleted: on screen as a placeholder, still addable.
    s.command(
        "show_artwork",
        json!({"post_id": 404, "storage_key": "gone", "storage_shard": "ab/cd", "native_format": "png"}),
    );
    step_until(&mut s.h, "post 404 placeholder", |a| {
        a.on_screen().and_then(|(s, _)| s.post_id()) == Some(404)
    });
    click(&mut s, "➕ Add current artwork");
    assert_eq!(labels(s.h.state()), ["Post 41", "frog.png", "Post 404"]);

    click(&mut s, "Move item 3 up");
    assert_eq!(labels(s.h.state()), ["Post 41", "Post 404", "frog.png"]);
    // Long enough for a view event (5 s of window time).
    type_into(&mut s, "Dwell of item 1", "6");
    type_into(&mut s, "Dwell of item 3", "2");
    type_into(&mut s, "Title", "Launch");
    s.h.get_by_label("Launch *");

    let path = folder.path().join("launch.makapix-playlist");
    s.dialogs.will_pick_one(&path);
    click(&mut s, "Save As…");
    // Written off the window thread: the title loses its mark when it is done.
    step_until(&mut s.h, "the playlist saved", |a| {
        !a.edited_playlist().is_modified()
    });
    s.h.get_by_label("Launch");
    assert_eq!(
        s.dialogs.asked(),
        [DialogRequest::SavePlaylist {
            name: "Launch.makapix-playlist".into()
        }],
        "Save As… suggested a name from the title"
    );
    let saved = std::fs::read_to_string(&path).unwrap();
    let saved: Value = serde_json::from_str(&saved).unwrap();
    assert_eq!(
        saved["items"],
        json!([{"post_id": 41, "dwell_ms": 6000}, {"post_id": 404},
               {"file": "art/frog.png", "dwell_ms": 2000}]),
        "in its order, the file relative to the playlist's folder"
    );

    click(&mut s, "Copy post ids");
    let notice =
        s.h.state()
            .notice()
            .map(|n| n.text.clone())
            .unwrap_or_default();
    assert!(notice.contains("41, 404"), "{notice}");

    // Played in this window: post 41 came in when it was added, so only 404 is asked about.
    click(&mut s, "▶ Play");
    step_until(&mut s.h, "the playlist plays", |a| {
        matches!(a.channel(), Channel::Playlist { .. })
            && on_screen(a).as_deref() == Some("post 41")
    });
    // Asked in the pass that starts the playlist, and out through the runtime
    // after it: waited for, then nothing else was asked with it.
    let server = &s.server;
    step_until(&mut s.h, "post 404 asked about", |_| {
        !get_posts(server).is_empty()
    });
    assert_eq!(get_posts(&s.server), [404]);
    s.h.state_mut().shutdown();
    drop(s);

    // Reopen in a fresh window whose artwork cache is empty, and play.
    let root = tempfile::tempdir().unwrap();
    let mut s = session(root.path(), &vault);
    s.h.key_press(egui::Key::E);
    s.h.step();
    s.dialogs.will_pick_one(&path);
    click(&mut s, "Open…");
    step_until(&mut s.h, "the playlist read", |a| labels(a).len() == 3);
    assert_eq!(
        s.dialogs.asked(),
        [DialogRequest::OpenPlaylist],
        "the editor's Open… asked for a playlist"
    );
    assert_eq!(labels(s.h.state()), ["Post 41", "Post 404", "frog.png"]);
    click(&mut s, "▶ Play");
    let seen = std::cell::RefCell::new(Vec::new());
    step_until(&mut s.h, "post 41 then frog.png", |a| {
        let mut seen = seen.borrow_mut();
        if let Some(now) = on_screen(a)
            && seen.last() != Some(&now)
        {
            seen.push(now);
        }
        seen.ends_with(&["frog.png".to_owned()])
    });
    let seen = seen.into_inner();
    assert_eq!(seen[..2], ["post 41", "frog.png"], "{seen:?}");
    assert!(matches!(s.h.state().channel(), Channel::Playlist { label, .. } if label == "Launch"));
    let notice =
        s.h.state()
            .notice()
            .map(|n| n.text.clone())
            .unwrap_or_default();
    assert!(
        notice.contains("Post 404 of the playlist is skipped") && notice.contains("not found"),
        "{notice}"
    );
    assert_eq!(get_posts(&s.server), [41, 404], "each post asked for once");
    s.server
        .wait_published("/status", SOON, |r| r.json()["current_post_id"] == 41);
    // Automatic playback of a list kept on this computer: intent `channel`, channel `sdcard`.
    let view = s
        .server
        .wait_published("/view", SOON, |r| r.json()["post_id"] == 41)
        .json();
    assert_eq!(view["intent"], "channel", "{view}");
    assert_eq!(view["channel"], "sdcard", "{view}");
    assert_eq!(view["play_order"], 0, "{view}");
    s.h.state_mut().shutdown();
}

fn get_posts(server: &TestServer) -> Vec<i64> {
    server
        .published()
        .iter()
        .map(|r| r.json())
        .filter(|j| j["request_type"] == "get_post")
        .filter_map(|j| j["post_id"].as_i64())
        .collect()
}

/// A window without the network: what the editor refuses, and unsaved changes.
#[test]
fn samples_are_not_added_and_unsaved_changes_are_asked_about() {
    use makapix_player::ui::StartOptions;

    let dir = tempfile::tempdir().unwrap();
    let frog = dir.path().join("frog.png");
    std::fs::write(&frog, samples::bytes("heart-8.png").unwrap()).unwrap();
    let dialogs = Dialogs::default();
    let app = PlayerApp::new(StartOptions {
        settings: Some(Default::default()),
        file_dialogs: Some(dialogs.file_dialogs()),
        ..StartOptions::default()
    });
    let mut h = harness_of(app, [900.0, 640.0], Some(0.05));
    step_until(&mut h, "a sample", |a| a.on_screen().is_some());
    h.key_press(egui::Key::E);
    h.step();
    h.get_by_label("➕ Add current artwork").click();
    h.step();
    h.step();
    assert!(labels(h.state()).is_empty());
    let notice = h
        .state()
        .notice()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(notice.contains("built into the player"), "{notice}");

    h.input_mut()
        .dropped_files
        .push(std::sync::Arc::new(Dropped(frog)));
    step_until(&mut h, "frog.png", |a| {
        on_screen(a).as_deref() == Some("frog.png")
    });
    h.get_by_label("➕ Add current artwork").click();
    h.step();
    h.step();
    h.get_by_label("Untitled *");

    // Closing the window asks first, and the window stays open.
    h.input_mut()
        .viewports
        .entry(egui::ViewportId::ROOT)
        .or_default()
        .events
        .push(egui::ViewportEvent::Close);
    h.step();
    let cancelled = h.output().viewport_output[&egui::ViewportId::ROOT]
        .commands
        .contains(&egui::ViewportCommand::CancelClose);
    assert!(cancelled, "the window must not close with unsaved changes");
    h.step();
    h.get_by_label_contains("Discard them before quitting?");
    h.get_by_label("Keep editing").click();
    h.step();
    h.step();
    // New asks first; keeping the changes keeps the list.
    h.get_by_label("New").click();
    h.step();
    h.step();
    h.get_by_label("Keep editing").click();
    h.step();
    h.step();
    assert_eq!(labels(h.state()), ["frog.png"]);
    // Opening another asks too; discarding opens it.
    let other = dir.path().join("other.makapix-playlist");
    std::fs::write(
        &other,
        r#"{"format": "makapix-player-playlist", "version": 1, "title": "Other", "items": [{"post_id": 5}]}"#,
    )
    .unwrap();
    h.get_by_label("Open…").click();
    h.step();
    h.step();
    assert_eq!(
        labels(h.state()),
        ["frog.png"],
        "not replaced before the answer"
    );
    assert!(dialogs.asked().is_empty(), "asked before the dialog");
    dialogs.will_pick_one(&other);
    h.get_by_label("Discard changes").click();
    step_until(&mut h, "the other playlist read", |a| {
        labels(a) == ["Post 5"]
    });
    h.get_by_label("Other");
    // Played with no connection, the post is skipped with a sentence and what played stays.
    h.get_by_label("▶ Play").click();
    h.step();
    h.step();
    h.step();
    let notice = h
        .state()
        .notice()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(
        notice.contains("Post 5 of the playlist is skipped"),
        "{notice}"
    );
    assert_eq!(on_screen(h.state()).as_deref(), Some("frog.png"));
}

/// A minimised or covered window is not drawn: eframe runs only its logic
/// (`egui::Context::run_logic`, no ui pass). A close asked of it then still
/// keeps unsaved edits when the system asked, and brings the window back to
/// ask about them when its close button did.
#[test]
fn a_hidden_window_closing_keeps_or_asks_about_unsaved_edits() {
    for by_system in [true, false] {
        let root = tempfile::tempdir().unwrap();
        let paths = makapix_player::storage::paths::AppPaths::under(root.path());
        let kept = paths.data.join("unsaved-playlist.makapix-playlist");
        let app = PlayerApp::new(makapix_player::ui::StartOptions {
            settings: Some(Default::default()),
            file_dialogs: Some(Dialogs::default().file_dialogs()),
            app_paths: Some(paths),
            ..Default::default()
        });
        let mut h = harness_of(app, [900.0, 640.0], Some(0.05));
        h.step();
        h.key_press(egui::Key::E);
        h.step();
        h.get_by_label("Title").focus();
        h.step();
        h.get_by_label("Title").type_text("Spring");
        h.step();
        assert!(h.state().edited_playlist().is_modified());

        let ctx = h.ctx.clone();
        if by_system {
            makapix_player::ui::system_close::ask(&ctx);
        }
        let mut hidden = egui::RawInput::default();
        let root_viewport = hidden.viewports.entry(egui::ViewportId::ROOT).or_default();
        root_viewport.minimized = Some(true);
        root_viewport.events.push(egui::ViewportEvent::Close);
        let mut frame = eframe::Frame::_new_kittest();
        let out = ctx.run_logic(&hidden, |ctx| {
            eframe::App::logic(h.state_mut(), ctx, &mut frame);
        });
        let commands = out
            .viewport_commands
            .get(&egui::ViewportId::ROOT)
            .cloned()
            .unwrap_or_default();
        let held = commands.contains(&egui::ViewportCommand::CancelClose);
        h.state_mut().shutdown();
        if by_system {
            assert!(!held, "nobody is there to answer");
            // The quit gives the edits 3 s; a loaded disk's fsync can take
            // longer, and the writer then finishes on its own.
            let text = rig::wait_for("the edits kept", STEP_TIMEOUT, || {
                let text = std::fs::read_to_string(&kept).ok()?;
                text.contains("Spring").then_some(text)
            });
            assert!(text.contains("Spring"), "the edits were not kept: {text:?}");
        } else {
            assert!(held, "the window closed over unsaved edits");
            for shown in [
                egui::ViewportCommand::Minimized(false),
                egui::ViewportCommand::Focus,
            ] {
                assert!(commands.contains(&shown), "{shown:?} in {commands:?}");
            }
            assert!(!kept.exists(), "the user answers: nothing is kept");
        }
    }
}
