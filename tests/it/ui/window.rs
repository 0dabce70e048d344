//! The window driven headlessly with egui_kittest: real engine, real decoder
//! threads, real sample files; only the screen is simulated.

use crate::support;
use crate::support::screen::{
    STEP_TIMEOUT, file_on_screen as showing_file, harness, sample_shown as showing, step_until,
};

/// The size of the window in these tests, in points.
const WINDOW: [f32; 2] = [900.0, 640.0];
use crate::support::screen::harness_of;

use std::time::{Duration, Instant};

use eframe::egui;
use egui_kittest::kittest::Queryable;
use makapix_player::samples::SAMPLES;
use makapix_player::settings::Settings;
use makapix_player::ui::{PlayerApp, StartOptions};

#[test]
fn starts_with_the_sample_art_and_says_not_registered() {
    let mut h = harness(WINDOW, StartOptions::default());
    step_until(&mut h, "first sample on screen", |a| {
        showing(a, SAMPLES[0].name)
    });
    h.get_by_label("Not registered");
    h.get_by_label_contains(&format!("1 / {}", SAMPLES.len()));
}

#[test]
fn arrow_keys_move_through_the_queue_and_back() {
    let mut h = harness(WINDOW, StartOptions::default());
    step_until(&mut h, "first sample", |a| showing(a, SAMPLES[0].name));
    h.key_press(egui::Key::ArrowRight);
    step_until(&mut h, "second sample after →", |a| {
        showing(a, SAMPLES[1].name)
    });
    h.key_press(egui::Key::ArrowRight);
    step_until(&mut h, "third sample after →", |a| {
        showing(a, SAMPLES[2].name)
    });
    h.key_press(egui::Key::ArrowLeft);
    step_until(&mut h, "back to the second after ←", |a| {
        showing(a, SAMPLES[1].name)
    });
}

#[test]
fn the_settings_panel_opens_from_its_button_and_from_the_keyboard() {
    let mut h = harness(WINDOW, StartOptions::default());
    step_until(&mut h, "first sample", |a| showing(a, SAMPLES[0].name));
    assert!(h.query_by_label("Brightness").is_none());
    h.get_by_label("⚙ Settings").click();
    h.step();
    h.step();
    assert!(h.state().settings().show_settings);
    assert!(
        h.query_all_by_label("Brightness").count() > 0,
        "the panel shows"
    );
    h.get_by_label("Hide settings").click();
    h.step();
    h.step();
    assert!(h.query_by_label("Brightness").is_none());
    h.key_press(egui::Key::S);
    h.step();
    h.step();
    assert!(
        h.query_all_by_label("Brightness").count() > 0,
        "the panel shows"
    );
}

#[test]
fn space_pauses_and_the_status_bar_says_so() {
    let mut h = harness(WINDOW, StartOptions::default());
    step_until(&mut h, "first sample", |a| showing(a, SAMPLES[0].name));
    h.get_by_label("▶ Playing");
    h.key_press(egui::Key::Space);
    h.step();
    h.step();
    assert!(h.state().engine().is_paused());
    h.get_by_label("⏸ Paused");
}

#[test]
fn pin_and_info_and_fullscreen_keys() {
    let mut h = harness(WINDOW, StartOptions::default());
    step_until(&mut h, "first sample", |a| showing(a, SAMPLES[0].name));
    h.key_press(egui::Key::P);
    h.step();
    h.step();
    assert!(h.state().engine().is_pinned());
    h.get_by_label("📌 Pinned");

    h.key_press(egui::Key::I);
    h.step();
    h.step();
    assert!(h.state().settings().show_info);
    h.get_by_label_contains("256×256 px · PNG");

    h.key_press(egui::Key::F);
    h.step();
    h.step();
    assert!(h.state().is_fullscreen());
    assert!(
        h.query_by_label("Not registered").is_none(),
        "fullscreen shows only the canvas"
    );
    h.key_press(egui::Key::Escape);
    h.step();
    h.step();
    assert!(!h.state().is_fullscreen());
    h.get_by_label("Not registered");
}

#[test]
fn a_broken_file_shows_a_placeholder_with_the_reason_then_playback_moves_on() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a-broken.png"),
        b"\x89PNG\r\n\x1a\n this is not really a png",
    )
    .unwrap();
    support::write_sample_png(&dir.path().join("b-good.png"));
    let mut h = harness(
        WINDOW,
        StartOptions {
            paths: vec![dir.path().to_path_buf()],
            ..StartOptions::default()
        },
    );
    step_until(&mut h, "placeholder for the broken file", |a| {
        showing_file(a, "a-broken.png") == Some(true)
    });
    let reason = h.state().placeholder_reason().unwrap().to_owned();
    assert!(reason.ends_with('.'), "a sentence: {reason}");
    h.get_by_label_contains("Cannot show a-broken.png");
    step_until(&mut h, "the next file after the placeholder", |a| {
        showing_file(a, "b-good.png") == Some(false)
    });
}

/// Start-up: the art named at launch is in the window's very first pass, not a
/// pass or two after a "Loading…" one (which, on software OpenGL, also compiles
/// shaders the art does not need). One pass exactly, so no harness here: it
/// runs passes until the window asks for no more. The pass waits 25 ms for
/// the read in use, then 8 ms for the art's first frame; here longer, so that
/// a loaded machine's scheduling does not fail it, while a pass that does not
/// wait still misses the playlist: the worker starts reading only when the
/// pass asks it to.
#[cfg(unix)]
#[test]
fn a_playlist_named_at_launch_is_shown_by_the_first_pass() {
    use std::io::Write;

    let dir = tempfile::tempdir().unwrap();
    // A playlist that arrives a moment after it is opened, as from a slow disk:
    // a pass that does not wait for the worker reading it goes on without it.
    let (list, text) = support::slow_playlist(dir.path(), "first.png");
    let fifo = list.clone();
    let writer = std::thread::spawn(move || {
        // Opening blocks until the player's worker opens the playlist to read it.
        let mut f = std::fs::OpenOptions::new().write(true).open(fifo)?;
        std::thread::sleep(Duration::from_millis(3));
        f.write_all(text.as_bytes())
    });
    let mut app = PlayerApp::new(StartOptions {
        paths: vec![list],
        settings: Some(Settings::default()),
        first_read_wait: Some(Duration::from_secs(10)),
        new_art_wait: Some(Duration::from_secs(10)),
        ..StartOptions::default()
    });
    let ctx = egui::Context::default();
    let mut output = ctx.run_ui(egui::RawInput::default(), |ui| app.show(ui));
    output.textures_delta.clear();
    writer.join().unwrap().unwrap();
    assert_eq!(
        showing_file(&app, "first.png"),
        Some(false),
        "the first pass did not show the playlist named at launch"
    );
}

/// egui makes its font atlas as wide as the largest texture the GL takes
/// (16384 on software OpenGL); the window's textures need 4096 at most.
#[test]
fn the_font_atlas_is_no_wider_than_the_window_needs() {
    use eframe::App;

    let mut app = PlayerApp::new(StartOptions {
        settings: Some(Settings::default()),
        ..StartOptions::default()
    });
    let ctx = egui::Context::default();
    let mut raw = egui::RawInput {
        max_texture_side: Some(16384),
        ..egui::RawInput::default()
    };
    app.raw_input_hook(&ctx, &mut raw);
    let mut output = ctx.run_ui(raw, |ui| app.show(ui));
    let atlas = output
        .textures_delta
        .set
        .iter()
        .find(|(id, _)| **id == egui::TextureId::default())
        .and_then(|(_, deltas)| deltas.first())
        .map(|delta| delta.image.size());
    output.textures_delta.clear();
    let [width, _] = atlas.expect("the first pass uploads the font atlas");
    assert!(width <= 4096, "font atlas {width} wide");
}

#[test]
fn a_folder_given_at_start_plays_sorted_by_name() {
    let dir = tempfile::tempdir().unwrap();
    support::write_sample_png(&dir.path().join("img10.png"));
    support::write_sample_png(&dir.path().join("img2.png"));
    let mut h = harness(
        WINDOW,
        StartOptions {
            paths: vec![dir.path().to_path_buf()],
            ..StartOptions::default()
        },
    );
    step_until(&mut h, "img2 first", |a| {
        showing_file(a, "img2.png") == Some(false)
    });
    h.key_press(egui::Key::ArrowRight);
    step_until(&mut h, "img10 second", |a| {
        showing_file(a, "img10.png") == Some(false)
    });
}

#[test]
fn a_still_artwork_changes_after_its_dwell() {
    let settings = Settings {
        dwell_secs: 2,
        ..Settings::default()
    };
    let mut h = harness(
        WINDOW,
        StartOptions {
            settings: Some(settings),
            ..StartOptions::default()
        },
    );
    step_until(&mut h, "first sample", |a| showing(a, SAMPLES[0].name));
    // 2 s of app time is 40 steps; the second sample is preloaded so it appears on time.
    for _ in 0..30 {
        h.step();
    }
    assert!(
        showing(h.state(), SAMPLES[0].name),
        "still within the dwell"
    );
    step_until(&mut h, "second sample after the dwell", |a| {
        showing(a, SAMPLES[1].name)
    });
}

#[test]
fn a_file_edited_on_disk_is_reloaded() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("wip.png");
    support::write_png(&file, 8, 8, [255, 0, 0, 255]);
    let mut h = harness(
        WINDOW,
        StartOptions {
            paths: vec![file.clone()],
            ..StartOptions::default()
        },
    );
    step_until(&mut h, "the file on screen", |a| {
        showing_file(a, "wip.png") == Some(false)
    });
    h.key_press(egui::Key::I);
    h.step();
    h.step();
    h.get_by_label_contains("8×8 px");
    support::write_png(&file, 16, 16, [0, 0, 255, 255]);
    // The watcher's poll, then a decode: threads a loaded machine can hold
    // for seconds. Waited for as it comes; the limit only stops a hang.
    let deadline = Instant::now() + STEP_TIMEOUT;
    loop {
        h.step();
        if h.query_by_label_contains("16×16 px").is_some() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the edited file was not reloaded"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn every_kind_of_bad_file_gets_a_placeholder_and_playback_reaches_the_good_one() {
    let dir = tempfile::tempdir().unwrap();
    let bad = support::write_bad_files(dir.path());
    support::write_sample_png(&dir.path().join("good.png"));
    let mut h = harness(
        WINDOW,
        StartOptions {
            paths: vec![dir.path().to_path_buf()],
            ..StartOptions::default()
        },
    );
    for name in bad {
        step_until(&mut h, &format!("placeholder for {name}"), |a| {
            showing_file(a, name) == Some(true)
        });
        let reason = h.state().placeholder_reason().unwrap().to_owned();
        assert!(
            reason.ends_with('.') && reason.chars().next().is_some_and(char::is_uppercase),
            "{name}: the reason is a sentence: {reason}"
        );
        h.get_by_label_contains(&format!("Cannot show {name}"));
    }
    step_until(&mut h, "the good file after all the bad ones", |a| {
        showing_file(a, "good.png") == Some(false)
    });
}

#[derive(Debug)]
struct Dropped(std::path::PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &std::path::Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

#[test]
fn files_dropped_on_the_window_play_as_a_local_channel() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dropped.png");
    support::write_sample_png(&file);
    let mut h = harness(WINDOW, StartOptions::default());
    step_until(&mut h, "first sample", |a| showing(a, SAMPLES[0].name));
    h.input_mut()
        .dropped_files
        .push(std::sync::Arc::new(Dropped(file.clone())));
    step_until(&mut h, "the dropped file", |a| {
        showing_file(a, "dropped.png") == Some(false)
    });
    h.get_by_label_contains("Local files");
}

#[test]
fn a_pasted_path_plays_and_pasted_prose_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    support::write_sample_png(&dir.path().join("pasted.png"));
    let mut h = harness(WINDOW, StartOptions::default());
    step_until(&mut h, "first sample", |a| showing(a, SAMPLES[0].name));
    h.event(egui::Event::Paste("hello, not a path".into()));
    for _ in 0..5 {
        h.step();
    }
    assert!(showing(h.state(), SAMPLES[0].name));
    h.event(egui::Event::Paste(dir.path().display().to_string()));
    step_until(&mut h, "the pasted folder", |a| {
        showing_file(a, "pasted.png") == Some(false)
    });
    // A path that is not there (moved, mistyped) is answered, not ignored.
    let missing = dir.path().join("moved.png");
    h.event(egui::Event::Paste(missing.display().to_string()));
    step_until(&mut h, "a sentence about the missing file", |a| {
        a.notice()
            .is_some_and(|n| n.text.contains("moved.png") && n.text.contains("does not exist"))
    });
    assert_eq!(
        showing_file(h.state(), "pasted.png"),
        Some(false),
        "still playing"
    );
}

#[test]
fn settings_changed_in_the_window_survive_a_restart() {
    let root = tempfile::tempdir().unwrap();
    let paths = makapix_player::storage::paths::AppPaths::under(root.path());
    let start = || StartOptions {
        app_paths: Some(paths.clone()),
        ..StartOptions::default()
    };
    let mut h = harness_of(PlayerApp::new(start()), WINDOW, None);
    h.key_press(egui::Key::I);
    h.step();
    h.step();
    assert!(h.state().settings().show_info);
    h.state_mut().shutdown();
    drop(h);
    // The quit gives its writers 600 ms; a loaded disk's fsync can take
    // longer, and the writer then finishes on its own.
    support::rig::wait_for("the info overlay setting saved", STEP_TIMEOUT, || {
        let (saved, _) = makapix_player::settings::load(&paths.settings_file());
        saved.show_info.then_some(())
    });
    let reopened = PlayerApp::new(start());
    assert!(
        reopened.settings().show_info,
        "the info overlay setting was not kept"
    );
    assert!(paths.settings_file().exists());
}

#[test]
fn the_connection_indicator_follows_the_runtime() {
    use makapix_player::bridge::RuntimeEvent;
    use makapix_player::bridge::channel::pair;
    use makapix_player::bridge::connection::{ConnectionEvent, ConnectionState};

    let (window_end, runtime_end) = pair(std::sync::Arc::new(|| {}));
    let mut app = PlayerApp::new(StartOptions {
        settings: Some(Settings::default()),
        ..StartOptions::default()
    });
    app.attach_runtime(window_end);
    let mut h = harness_of(app, [900.0, 640.0], None);
    h.step();
    h.get_by_label("Not registered");
    for (state, word) in [
        (ConnectionState::Connecting, "Connecting…"),
        (ConnectionState::Connected, "Connected"),
        (ConnectionState::Reconnecting, "Reconnecting…"),
        (ConnectionState::Disconnected, "Disconnected"),
    ] {
        runtime_end
            .sink
            .send(RuntimeEvent::Connection(ConnectionEvent::State(state)));
        h.step();
        assert_eq!(h.state().connection(), state);
        h.get_by_label(word);
    }
}

#[test]
fn a_saved_playlist_plays_in_its_own_order_and_says_what_it_skipped() {
    use makapix_player::player::playlist::{Playlist, PlaylistItem, PlaylistSource};
    let dir = tempfile::tempdir().unwrap();
    support::write_sample_png(&dir.path().join("a.png"));
    support::write_sample_png(&dir.path().join("z.png"));
    let list = Playlist {
        title: "Launch day".into(),
        items: vec![
            PlaylistItem {
                source: PlaylistSource::File {
                    file: dir.path().join("z.png"),
                },
                dwell_ms: Some(2_000),
            },
            PlaylistItem {
                source: PlaylistSource::Post { post_id: 77 },
                dwell_ms: None,
            },
            PlaylistItem {
                source: PlaylistSource::File {
                    file: dir.path().join("a.png"),
                },
                dwell_ms: None,
            },
        ],
    };
    let path = dir.path().join("launch.makapix-playlist");
    std::fs::write(&path, list.to_json(dir.path()).unwrap()).unwrap();
    let mut h = harness(
        WINDOW,
        StartOptions {
            paths: vec![path],
            ..StartOptions::default()
        },
    );
    step_until(&mut h, "z.png first, as the playlist says", |a| {
        showing_file(a, "z.png") == Some(false)
    });
    h.get_by_label_contains("Launch day");
    assert!(
        h.state()
            .notice()
            .is_some_and(|n| n.text.contains("Post 77")),
        "the skipped post is explained"
    );
    // Its own dwell of 2 s (40 steps of 0.05 s), not the default 30 s.
    let mut steps = 0;
    while showing_file(h.state(), "a.png") != Some(false) {
        h.step();
        steps += 1;
        assert!(steps <= 80, "a.png did not follow z.png's 2 s dwell");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(
        steps >= 30,
        "z.png stayed its 2 s, not less ({steps} steps)"
    );
}

#[test]
fn the_random_channel_seed_is_picked_once_and_kept() {
    let root = tempfile::tempdir().unwrap();
    let paths = makapix_player::storage::paths::AppPaths::under(root.path());
    let start = || StartOptions {
        app_paths: Some(paths.clone()),
        ..StartOptions::default()
    };
    let mut h = harness_of(PlayerApp::new(start()), WINDOW, None);
    h.step();
    let seed = h.state().settings().channel_seed;
    assert_ne!(seed, 0, "a seed is picked at first start");
    h.state_mut().shutdown();
    drop(h);
    let again = PlayerApp::new(start());
    assert_eq!(
        again.settings().channel_seed,
        seed,
        "and kept across a restart"
    );
}

/// A GIF of `frames` frames of 160×160, a global 4-colour palette, every pixel
/// changing each frame: long enough that decoding it whole takes a while.
fn long_gif(frames: usize) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let palette = [0u8, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255];
        let mut encoder = gif::Encoder::new(&mut out, 160, 160, &palette).unwrap();
        encoder.set_repeat(gif::Repeat::Infinite).unwrap();
        for i in 0..frames {
            let pixels: Vec<u8> = (0..160 * 160).map(|p| ((p + i) % 4) as u8).collect();
            let mut frame = gif::Frame::from_indexed_pixels(160, 160, pixels, None);
            frame.delay = 5;
            encoder.write_frame(&frame).unwrap();
        }
    }
    out
}

#[test]
fn an_animation_shows_its_first_frame_while_the_rest_decode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.gif");
    std::fs::write(&path, long_gif(400)).unwrap();
    let mut h = harness(
        WINDOW,
        StartOptions {
            paths: vec![path],
            ..StartOptions::default()
        },
    );
    step_until(&mut h, "the GIF on screen", |a| {
        a.frames_on_screen().is_some()
    });
    assert_eq!(
        h.state().frames_on_screen(),
        Some(1),
        "the first look is frame 0 alone, before the other 399 are decoded"
    );
    assert_eq!(showing_file(h.state(), "long.gif"), Some(false));
    // The status bar says the rest is on its way, and stops saying it once it is here.
    assert!(h.state().decoding_on_screen());
    h.step();
    if h.state().frames_on_screen() == Some(1) {
        h.get_by_label("Decoding the animation…");
    }
    step_until(&mut h, "the whole animation", |a| {
        a.frames_on_screen() == Some(400)
    });
    assert!(!h.state().decoding_on_screen());
    h.step();
    assert!(h.query_by_label("Decoding the animation…").is_none());
}
