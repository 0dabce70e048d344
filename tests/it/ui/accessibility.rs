//! Every pane names all its controls (kittest's accessibility check, on for
//! each pane in turn), and the panes' actions work from the keyboard: the
//! playlist editor's rows and saving, the shortcuts window. The comments
//! panel's keys are driven against the test server in `ui_comments.rs`.

use crate::support;
use crate::support::dialogs::Dialogs;
use crate::support::screen::harness_of;
use crate::support::screen::step_until;

use std::path::Path;

use eframe::egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use makapix_player::bridge::channel::{RuntimeEnd, pair};
use makapix_player::player::ArtworkSource;
use makapix_player::player::playlist::{Playlist, PlaylistItem, PlaylistSource};
use makapix_player::settings::Settings;
use makapix_player::ui::{PlayerApp, StartOptions};

/// The window on a fake runtime (nobody answers), tall enough for the whole settings panel.
fn setup(options: StartOptions) -> (Harness<'static, PlayerApp>, RuntimeEnd) {
    let (window_end, runtime_end) = pair(std::sync::Arc::new(|| {}));
    let mut app = PlayerApp::new(options);
    app.attach_runtime(window_end);
    let mut h = harness_of(app, [1200.0, 1400.0], Some(0.05));
    h.run_steps(2);
    (h, runtime_end)
}

/// A key press, then two frames: the press acts in the first, the second draws the result.
fn press(h: &mut Harness<'static, PlayerApp>, modifiers: Modifiers, key: Key) {
    h.key_press_modifiers(modifiers, key);
    h.run_steps(2);
}

fn click(h: &mut Harness<'static, PlayerApp>, label: &str) {
    h.get_by_label(label).click();
    h.run_steps(2);
}

/// Opens the editor (E) and `list` in it through its Open… dialog.
fn open_in_editor(h: &mut Harness<'static, PlayerApp>, dialogs: &Dialogs, list: &Path) {
    press(h, Modifiers::NONE, Key::E);
    dialogs.will_pick_one(list);
    click(h, "Open…");
}

fn write_playlist(path: &Path, sources: Vec<PlaylistSource>) {
    let playlist = Playlist {
        title: "Keys".into(),
        items: sources
            .into_iter()
            .map(|source| PlaylistItem {
                source,
                dwell_ms: None,
            })
            .collect(),
    };
    let folder = path.parent().expect("a folder");
    std::fs::write(path, playlist.to_json(folder).unwrap()).expect("write the playlist");
}

fn posts(ids: &[i64]) -> Vec<PlaylistSource> {
    ids.iter()
        .map(|&post_id| PlaylistSource::Post { post_id })
        .collect()
}

#[test]
fn every_pane_names_all_its_controls() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("three.makapix-playlist");
    write_playlist(&list, posts(&[1, 2, 3]));
    let dialogs = Dialogs::default();
    let (mut h, _end) = setup(StartOptions {
        settings: Some(Settings {
            show_settings: true,
            ..Settings::default()
        }),
        file_dialogs: Some(dialogs.file_dialogs()),
        ..StartOptions::default()
    });

    // Settings, with the Player pane and its paste field open.
    h.get_by_label("Show each artwork for");
    h.get_by_label("Or type a file or folder path:");
    // egui calls every colour button "Color"; this one says which it is.
    let background = egui_kittest::kittest::By::new()
        .role(eframe::egui::accesskit::Role::ColorWell)
        .label("Background colour");
    h.get(background);
    click(&mut h, "Paste certificates");
    h.get_by_label("Certificates to import");
    h.check_accessibility();
    press(&mut h, Modifiers::NONE, Key::S);
    assert!(!h.state().settings().show_settings);

    // The playlist editor, with rows and their icon buttons.
    open_in_editor(&mut h, &dialogs, &list);
    step_until(&mut h, "the playlist read", |a| {
        !a.edited_playlist().is_empty()
    });
    h.run_steps(2);
    h.get_by_label("Move item 2 up");
    h.get_by_label("Remove item 3");
    h.get_by_label("Dwell of item 1");
    h.check_accessibility();
    press(&mut h, Modifiers::NONE, Key::E);

    // The comments panel (a sample is on screen: it says comments need a post).
    press(&mut h, Modifiers::NONE, Key::C);
    assert!(h.state().session().comments().is_open());
    h.get_by_label("Close comments");
    h.check_accessibility();
    click(&mut h, "Close comments");
    assert!(!h.state().session().comments().is_open());

    // Diagnostics.
    h.state_mut().open_diagnostics();
    h.run_steps(2);
    h.get_by_label("Test connection (MQTT)");
    h.check_accessibility();

    // The shortcuts window from its key; About from the Help menu, by keyboard
    // (the menu item focused, then Enter).
    press(&mut h, Modifiers::NONE, Key::F1);
    h.get_by_label_contains("Remove the selected row (playlist editor)");
    h.check_accessibility();
    click(&mut h, "Help");
    h.check_accessibility();
    h.get_by_label("About Makapix Player").focus();
    h.step();
    press(&mut h, Modifiers::NONE, Key::Enter);
    h.get_by_label_contains("A desktop player for Makapix Club");
    h.check_accessibility();
}

#[test]
fn the_playlist_editor_works_from_the_keyboard() {
    let dir = tempfile::tempdir().unwrap();
    let art = dir.path().join("a.png");
    support::write_sample_png(&art);
    let list = dir.path().join("keys.makapix-playlist");
    write_playlist(&list, posts(&[1, 2, 3]));
    let dialogs = Dialogs::default();
    let (mut h, _end) = setup(StartOptions {
        paths: vec![art.clone()],
        file_dialogs: Some(dialogs.file_dialogs()),
        ..StartOptions::default()
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !matches!(h.state().on_screen(), Some((ArtworkSource::File(p), false)) if *p == art) {
        assert!(std::time::Instant::now() < deadline, "a.png never showed");
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    open_in_editor(&mut h, &dialogs, &list);
    step_until(&mut h, "the playlist read", |a| {
        !a.edited_playlist().is_empty()
    });
    h.run_steps(2);
    let order = |h: &Harness<'static, PlayerApp>| -> Vec<PlaylistSource> {
        h.state()
            .edited_playlist()
            .playlist()
            .items
            .iter()
            .map(|item| item.source.clone())
            .collect()
    };

    // A adds what is on screen, at the end.
    press(&mut h, Modifiers::NONE, Key::A);
    let file = PlaylistSource::File { file: art.clone() };
    let mut expected = posts(&[1, 2, 3]);
    expected.push(file.clone());
    assert_eq!(order(&h), expected);

    // Up from no selection picks the last row; Alt+Up carries it to the top.
    press(&mut h, Modifiers::NONE, Key::ArrowUp);
    for _ in 0..3 {
        press(&mut h, Modifiers::ALT, Key::ArrowUp);
    }
    let mut expected = vec![file.clone()];
    expected.extend(posts(&[1, 2, 3]));
    assert_eq!(order(&h), expected);
    press(&mut h, Modifiers::ALT, Key::ArrowUp);
    assert_eq!(order(&h), expected, "the top row stays on top");

    // Down selects post 1, Alt+Down moves it down one, Delete removes it.
    press(&mut h, Modifiers::NONE, Key::ArrowDown);
    press(&mut h, Modifiers::ALT, Key::ArrowDown);
    let mut expected = vec![file.clone()];
    expected.extend(posts(&[2, 1, 3]));
    assert_eq!(order(&h), expected);
    press(&mut h, Modifiers::NONE, Key::Delete);
    let mut expected = vec![file.clone()];
    expected.extend(posts(&[2, 3]));
    assert_eq!(order(&h), expected);
    assert!(h.state().edited_playlist().is_modified());

    // Ctrl+S saves where the playlist came from.
    press(&mut h, Modifiers::COMMAND, Key::S);
    step_until(&mut h, "the playlist saved", |a| {
        !a.edited_playlist().is_modified()
    });
    let saved = makapix_player::app::local_files::read_playlist(&list).expect("the saved playlist");
    let sources: Vec<PlaylistSource> = saved.items.into_iter().map(|i| i.source).collect();
    assert_eq!(sources, expected);
    h.check_accessibility();
}
