//! The playlist editor's unsaved edits at a close: asked about at the close
//! button; kept at a quit signal and brought back at the next start, their
//! kept file gone once they are saved, discarded or replaced.

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

use super::tests::{drawn, spring};
use super::*;
use crate::storage::background_writer::written_by;
use crate::ui::actions::UserAction;
use crate::ui::playlist_pane::show;

/// The window closed with `editor` in it, as a quit signal (`by_system`) or
/// its close button closes it, in a pass eframe runs while the window is
/// minimised or covered: its logic only, nothing drawn. Whether the close was
/// held.
fn closed(mut editor: PlaylistEditor, by_system: bool) -> (PlaylistEditor, bool) {
    let held = close(&mut editor, by_system);
    editor.flush_by(written_by());
    (editor, held)
}

/// As `closed`, the process not yet ending: the editor takes more in.
fn close(editor: &mut PlaylistEditor, by_system: bool) -> bool {
    let ctx = egui::Context::default();
    if by_system {
        crate::ui::system_close::ask(&ctx);
    }
    let mut hidden = egui::RawInput::default();
    let root = hidden.viewports.entry(egui::ViewportId::ROOT).or_default();
    root.minimized = Some(true);
    root.events.push(egui::ViewportEvent::Close);
    let out = ctx.run_logic(&hidden, |ctx| {
        editor.close_requested(ctx);
    });
    out.viewport_commands
        .get(&egui::ViewportId::ROOT)
        .is_some_and(|c| c.contains(&egui::ViewportCommand::CancelClose))
}

/// An editor on `data`, with what the look for kept edits found taken in.
fn started(data: &Path) -> (PlaylistEditor, Vec<EditorRequest>) {
    let mut editor = PlaylistEditor::new(&Wake::default(), FileDialogs::default(), Some(data));
    let found = editor.done.recv_timeout(std::time::Duration::from_secs(10));
    let told = editor.on_command(found.expect("the kept edits found"), None);
    (editor, told)
}

/// A quit signal closes the window at once: nobody would answer "Discard?".
/// The edits come back at the next start, unsaved, going to their own file.
#[test]
fn edits_unsaved_at_a_quit_signal_come_back_at_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("spring.makapix-playlist");
    let (_, held) = closed(spring(&list), true);
    assert!(
        !held,
        "a close the system asked for must not wait for an answer"
    );
    let (editor, told) = started(dir.path());
    assert_eq!(editor.edit.playlist().title, "Spring, edited");
    assert!(editor.edit.is_modified());
    assert_eq!(
        editor.edit.path(),
        Some(list.as_path()),
        "Save writes there"
    );
    assert!(editor.is_open());
    let said = format!(
        "Recovered the unsaved changes to “Spring, edited” from when the player was last closed by the system. Save writes them to {}; or discard them.",
        list.display()
    );
    assert!(
        matches!(&told[..], [EditorRequest::Tell(n)] if n.text == said && !n.is_error),
        "{told:?}"
    );
    let kept = dir.path().join(crate::app::playlist_recovery::FILE_NAME);
    assert!(kept.exists(), "kept until saved, discarded or replaced");
}

/// The edits are kept as the system's close is taken, not only as the
/// window goes: a process that dies between (the X server gone at logout, a
/// panic while drawing) still leaves them for the next start.
#[test]
fn edits_are_kept_as_the_system_s_close_is_taken() {
    let dir = tempfile::tempdir().unwrap();
    let mut editor = spring(&dir.path().join("spring.makapix-playlist"));
    assert!(!close(&mut editor, true));
    // The window's `flush_at_quit` never runs: only the writer settles.
    editor.recovery.flush_by(written_by());
    let kept = dir.path().join(crate::app::playlist_recovery::FILE_NAME);
    assert_eq!(
        crate::app::local_files::read_playlist(&kept).map(|p| p.title),
        Ok("Spring, edited".to_owned())
    );
}

/// Kept as the close is taken, the edits then saved in that same pass (a
/// save that began before): nothing is left unsaved, so nothing is kept.
#[test]
fn edits_saved_in_the_pass_the_system_closes_the_window_are_not_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut editor = spring(&dir.path().join("spring.makapix-playlist"));
    editor.on_command(PlaylistCommand::Save, None);
    let saved = editor.done.recv_timeout(std::time::Duration::from_secs(10));
    assert!(!close(&mut editor, true));
    editor.on_command(saved.expect("the save's answer"), None);
    assert!(!editor.edit.is_modified());
    editor.flush_by(written_by());
    let kept = dir.path().join(crate::app::playlist_recovery::FILE_NAME);
    assert!(!kept.exists(), "saved edits come back as unsaved ones");
}

/// The close button still asks, and keeps nothing.
#[test]
fn the_close_button_asks_about_unsaved_edits_and_keeps_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (editor, held) = closed(spring(&dir.path().join("spring.makapix-playlist")), false);
    assert!(held, "the window stays open for the answer");
    assert_eq!(editor.confirm, Some(Replace::Quit));
    let kept = dir.path().join(crate::app::playlist_recovery::FILE_NAME);
    assert!(!kept.exists());
}

/// The kept edits' file goes once the user saves, discards or replaces them.
#[test]
fn kept_edits_go_once_saved_discarded_or_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("spring.makapix-playlist");
    let kept = dir.path().join(crate::app::playlist_recovery::FILE_NAME);
    let ways: [fn(&mut PlaylistEditor); 3] = [
        |e| {
            e.on_command(PlaylistCommand::Save, None);
            let done = e.done.recv_timeout(std::time::Duration::from_secs(10));
            e.on_command(done.expect("the save's answer"), None);
        },
        |e| {
            e.confirm = Some(Replace::Quit);
            e.on_command(PlaylistCommand::Discard, None);
        },
        |e| {
            e.on_command(PlaylistCommand::New, None);
            e.on_command(PlaylistCommand::Discard, None);
        },
    ];
    for (n, way) in ways.into_iter().enumerate() {
        closed(spring(&list), true);
        let (mut editor, _) = started(dir.path());
        assert!(editor.recovery.is_recovered(), "way {n}");
        // Opening another, then cancelling its dialog, replaces nothing.
        editor.on_command(PlaylistCommand::Open, None);
        assert!(editor.confirm.is_some());
        editor.on_command(PlaylistCommand::KeepEditing, None);
        assert!(
            editor.recovery.is_recovered(),
            "way {n}: forgotten before it was saved"
        );
        way(&mut editor);
        editor.flush_by(written_by());
        assert!(!kept.exists(), "way {n}: the kept file stays");
    }
    assert_eq!(
        crate::app::local_files::read_playlist(&list).map(|p| p.title),
        Ok("Spring, edited".to_owned()),
        "saved where it was opened from"
    );
}

/// A save of the recovered edits that ends in the pass a quit signal closes
/// the window, after edits made since it began: the close keeps them first,
/// and the save's answer must not then remove what was just kept. The
/// window's keep as it goes would write them again, so the process here
/// dies before that: the kept file alone must hold them.
#[test]
fn a_save_ending_as_the_system_closes_keeps_the_edits_made_since() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("spring.makapix-playlist");
    closed(spring(&list), true);
    let (mut editor, _) = started(dir.path());
    editor.on_command(PlaylistCommand::Save, None);
    editor.edit.set_title("Spring, edited again");
    let saved = editor.done.recv_timeout(std::time::Duration::from_secs(10));
    // One pass: the window's logic takes the close, then the saved answer.
    assert!(!close(&mut editor, true));
    editor.on_command(saved.expect("the save's answer"), None);
    // Only the writer settles: the window's `flush_at_quit` never runs.
    editor.recovery.flush_by(written_by());
    let kept = dir.path().join(crate::app::playlist_recovery::FILE_NAME);
    assert_eq!(
        crate::app::local_files::read_playlist(&kept).map(|p| p.title),
        Ok("Spring, edited again".to_owned()),
        "the edits made since the save began are kept"
    );
}

/// Kept edits found while the editor held others are left in their file;
/// opened from there by hand, they are the recovered edits still: unsaved,
/// and the file goes once they are saved, discarded or replaced, rather
/// than coming back at every start.
#[test]
fn kept_edits_opened_by_hand_go_once_discarded() {
    let dir = tempfile::tempdir().unwrap();
    closed(spring(&dir.path().join("spring.makapix-playlist")), true);
    let kept = dir.path().join(crate::app::playlist_recovery::FILE_NAME);
    let wait = std::time::Duration::from_secs(10);
    let mut editor =
        PlaylistEditor::new(&Wake::default(), FileDialogs::default(), Some(dir.path()));
    editor.edit.set_title("Other work");
    let found = editor
        .done
        .recv_timeout(wait)
        .expect("the kept edits found");
    editor.on_command(found, None);
    assert_eq!(editor.edit.playlist().title, "Other work", "not replaced");

    editor.on_command(PlaylistCommand::OpenPath(kept.clone()), None);
    let loaded = editor.done.recv_timeout(wait).expect("the kept file read");
    editor.on_command(loaded, None);
    assert_eq!(editor.edit.playlist().title, "Spring, edited");
    assert!(editor.edit.is_modified(), "the kept edits are unsaved");
    assert_eq!(editor.edit.path(), None, "Save asks where");
    editor.on_command(PlaylistCommand::New, None);
    editor.on_command(PlaylistCommand::Discard, None);
    editor.flush_by(written_by());
    assert!(
        !kept.exists(),
        "the discarded edits come back at every start"
    );
}

/// The quit signal's close and the user's last keys in one pass: the
/// window's logic takes the close before the editor's field takes the
/// keys. What was typed is kept all the same.
#[test]
fn what_is_typed_in_the_pass_a_quit_signal_closes_the_window_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("spring.makapix-playlist");
    let mut h = Harness::new_ui_state(
        |ui, (editor, actions): &mut (PlaylistEditor, Vec<UserAction>)| {
            // A pass as eframe runs the window's: its logic, then what is drawn.
            editor.close_requested(ui.ctx());
            show(ui, editor, actions);
        },
        (spring(&list), Vec::new()),
    );
    h.run();
    h.get_by_label("Title").focus();
    h.run();
    crate::ui::system_close::ask(&h.ctx);
    let input = h.input_mut();
    input.events.push(egui::Event::Text("!".into()));
    let root = input.viewports.entry(egui::ViewportId::ROOT).or_default();
    root.events.push(egui::ViewportEvent::Close);
    h.step();
    let (mut editor, _) = h.into_state();
    assert_eq!(editor.edit.playlist().title, "Spring, edited!", "typed");
    editor.flush_by(written_by());
    let (editor, _) = started(dir.path());
    assert_eq!(editor.edit.playlist().title, "Spring, edited!");
}

/// The file the edits were made to, changed by another program after the
/// editor opened or saved it and before a quit signal: Save must not write
/// over that change at the next start. Unchanged, Save writes there.
#[test]
fn a_file_changed_after_it_was_opened_or_saved_is_not_where_save_writes() {
    let wait = std::time::Duration::from_secs(10);
    for (saved, changed) in [(false, false), (false, true), (true, false), (true, true)] {
        let dir = tempfile::tempdir().unwrap();
        let list = dir.path().join("spring.makapix-playlist");
        let text = r#"{"format": "makapix-player-playlist", "version": 1, "title": "Spring", "items": []}"#;
        std::fs::write(&list, text).unwrap();
        let mut editor =
            PlaylistEditor::new(&Wake::default(), FileDialogs::default(), Some(dir.path()));
        editor.on_command(PlaylistCommand::OpenPath(list.clone()), None);
        let loaded = editor.done.recv_timeout(wait).expect("the playlist read");
        editor.on_command(loaded, None);
        if saved {
            editor.edit.set_title("Spring, saved");
            editor.on_command(PlaylistCommand::Save, None);
            let done = editor.done.recv_timeout(wait).expect("the save's answer");
            editor.on_command(done, None);
        }
        editor.edit.set_title("Spring, edited");
        if changed {
            std::fs::write(&list, text.replace("Spring", "Spring, by another program")).unwrap();
        }
        closed(editor, true);
        let (editor, told) = started(dir.path());
        let case = format!("saved {saved}, changed {changed}");
        assert_eq!(editor.edit.playlist().title, "Spring, edited", "{case}");
        let expected = (!changed).then_some(list.as_path());
        assert_eq!(editor.edit.path(), expected, "{case}: where Save writes");
        let said = matches!(&told[..], [EditorRequest::Tell(n)] if n.text.contains("changed since it was opened or saved here"));
        assert_eq!(said, changed, "{case}: {told:?}");
    }
}

/// A dwell typed but not yet a number of seconds is kept as typed: the
/// next start puts it back in its field, with the line saying what to fix,
/// and the kept file still opens as a playlist.
#[test]
fn a_dwell_typed_but_not_valid_comes_back_in_its_field() {
    use crate::player::playlist::{PlaylistItem, PlaylistSource};
    let dir = tempfile::tempdir().unwrap();
    let mut editor = spring(&dir.path().join("spring.makapix-playlist"));
    for post_id in [5, 6] {
        let post = crate::player::MakapixPost::for_test(post_id);
        editor
            .edit
            .add(Some(&ArtworkSource::Makapix(post)))
            .unwrap();
    }
    editor.edit.set_dwell_text(0, "7").unwrap();
    assert!(editor.edit.set_dwell_text(0, "7 min").is_err());
    editor.edit.set_dwell_text(1, "2,5").unwrap();
    editor
        .edit
        .add(Some(&ArtworkSource::File("/art/a.png".into())))
        .unwrap();
    let key = "-----BEGIN PRIVATE KEY-----\nMIIEv\n-----END PRIVATE KEY-----";
    assert!(editor.edit.set_dwell_text(2, key).is_err());
    closed(editor, true);
    let (editor, told) = started(dir.path());
    assert_eq!(editor.edit.dwell_text(0), "7 min", "as typed");
    assert_eq!(editor.edit.dwell_text(1), "2,5", "as typed");
    let dwells: Vec<_> = (editor.edit.playlist().items.iter())
        .map(|i| i.dwell_ms)
        .collect();
    assert_eq!(
        dwells,
        [Some(7_000), Some(2_500), None],
        "the last good dwells"
    );
    assert_eq!(
        editor.edit.dwell_text(2),
        "",
        "a key pasted there is kept nowhere"
    );
    let problem = "Item 1: \"7 min\" is not a number of seconds.";
    assert!(
        matches!(&told[..], [EditorRequest::Tell(n)] if n.text.ends_with(problem)),
        "{told:?}"
    );
    let mut h = drawn(editor);
    h.run();
    assert_eq!(
        h.get_by_label("Dwell of item 1").value().as_deref(),
        Some("7 min")
    );
    h.get_by_label(problem);
    let kept = dir.path().join(crate::app::playlist_recovery::FILE_NAME);
    let opened = crate::app::local_files::read_playlist(&kept).map(|p| p.items);
    let mut items = [(5, 7_000), (6, 2_500)]
        .map(|(post_id, ms)| PlaylistItem {
            source: PlaylistSource::Post { post_id },
            dwell_ms: Some(ms),
        })
        .to_vec();
    items.push(PlaylistItem {
        source: PlaylistSource::File {
            file: "/art/a.png".into(),
        },
        dwell_ms: None,
    });
    assert_eq!(opened, Ok(items), "a playlist other programs read");
    let text = std::fs::read_to_string(&kept).unwrap();
    assert!(!text.contains("PRIVATE KEY"), "{text}");
}
