//! File › Open and Open folder through the window's dialogs, answered for the
//! user: what is picked plays, a cancelled dialog changes nothing, and a
//! dialog that never opened says what else to do.

use crate::support;
use crate::support::dialogs::Dialogs;
use crate::support::screen::{file_shown, harness, sample_shown, step_until};
use eframe::egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use makapix_player::app::file_dialog::DialogRequest;
use makapix_player::samples::SAMPLES;
use makapix_player::ui::{PlayerApp, StartOptions};

const WINDOW: [f32; 2] = [900.0, 640.0];

/// The window, its dialogs answered by `dialogs`, once the samples play.
fn started(dialogs: &Dialogs) -> Harness<'static, PlayerApp> {
    let mut h = harness(
        WINDOW,
        StartOptions {
            file_dialogs: Some(dialogs.file_dialogs()),
            ..StartOptions::default()
        },
    );
    step_until(&mut h, "the first sample", |a| {
        sample_shown(a, SAMPLES[0].name)
    });
    h
}

#[test]
fn ctrl_o_plays_the_files_picked() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("picked.png");
    support::write_sample_png(&file);
    let dialogs = Dialogs::picking(vec![file]);
    let mut h = started(&dialogs);
    h.key_press_modifiers(Modifiers::COMMAND, Key::O);
    step_until(&mut h, "the picked file", |a| {
        file_shown(a).as_deref() == Some("picked.png")
    });
    assert_eq!(dialogs.asked(), [DialogRequest::ArtFiles]);
}

#[test]
fn open_folder_asks_for_a_folder_and_plays_it() {
    let dir = tempfile::tempdir().unwrap();
    support::write_sample_png(&dir.path().join("in-folder.png"));
    let dialogs = Dialogs::picking(vec![dir.path().to_path_buf()]);
    let mut h = started(&dialogs);
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::O);
    step_until(&mut h, "the folder's file", |a| {
        file_shown(a).as_deref() == Some("in-folder.png")
    });
    assert_eq!(dialogs.asked(), [DialogRequest::ArtFolder]);
}

#[test]
fn a_dialog_that_never_opened_says_what_else_to_do() {
    let dialogs = Dialogs::default();
    let mut h = started(&dialogs);
    h.key_press_modifiers(Modifiers::COMMAND, Key::O);
    step_until(&mut h, "the sentence", |a| {
        a.notice()
            .is_some_and(|n| n.is_error && n.text.contains("Drop files onto the window"))
    });
    // It names what would bring the dialog.
    let said = h
        .state()
        .notice()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(said.contains("xdg-desktop-portal or zenity"), "{said}");
    assert_eq!(dialogs.asked(), [DialogRequest::ArtFiles]);
    assert!(sample_shown(h.state(), SAMPLES[0].name), "the art plays on");
}

/// A sentence longer than the status bar's room ends in "…" inside the
/// window, and is whole for a screen reader (and on hover).
#[test]
fn a_notice_longer_than_the_status_bar_stays_inside_the_window() {
    let dialogs = Dialogs::default();
    let mut h = started(&dialogs);
    h.key_press_modifiers(Modifiers::COMMAND, Key::O);
    step_until(&mut h, "the sentence", |a| {
        a.notice()
            .is_some_and(|n| n.text.contains("xdg-desktop-portal"))
    });
    h.run_steps(2);
    let said = h
        .state()
        .notice()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    let shown = h.get_by_label(&said).rect();
    assert!(
        shown.right() <= WINDOW[0],
        "the notice ends at x = {} in a window {} wide",
        shown.right(),
        WINDOW[0]
    );
}
