//! The playlist editor's commands: the path asked for where no file dialog
//! can open, a file picked for Open, ▶ Play, a save answered after the editor
//! changed. The fixtures the editor's other tests share (`drawn`, `spring`).

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

use super::*;
use crate::ui::actions::UserAction;
use crate::ui::playlist_pane::show;

/// The editor, drawn; what it asked of the window each pass.
pub(in crate::ui) fn drawn(
    editor: PlaylistEditor,
) -> Harness<'static, (PlaylistEditor, Vec<UserAction>)> {
    Harness::new_ui_state(
        |ui, (editor, actions): &mut (PlaylistEditor, Vec<UserAction>)| {
            show(ui, editor, actions);
        },
        (editor, Vec::new()),
    )
}

#[test]
fn where_no_dialog_opened_save_as_asks_for_the_path_and_saves_there() {
    let mut editor = PlaylistEditor::new(&Wake::default(), FileDialogs::default(), None);
    let wanted = PathBuf::from("/home/me/Documents/Launch.makapix-playlist");
    let no_dialog = FileDone::NoDialog {
        suggested: wanted.clone(),
        save: true,
    };
    assert!(
        editor
            .on_command(PlaylistCommand::File(no_dialog), None)
            .is_empty()
    );
    let mut h = drawn(editor);
    h.run();
    h.get_by_label("Save playlist");
    h.get_by_label("Save to this file").click();
    h.run();
    assert!(
        h.state()
            .1
            .contains(&UserAction::Playlist(PlaylistCommand::SaveTo(wanted))),
        "{:?}",
        h.state().1
    );
    assert!(
        h.query_by_label("Save playlist").is_none(),
        "the prompt closed"
    );
}

#[test]
fn where_no_dialog_opened_open_asks_for_the_playlist_s_path() {
    let mut editor = PlaylistEditor::new(&Wake::default(), FileDialogs::default(), None);
    let no_dialog = FileDone::NoDialog {
        suggested: "/home/me/Documents/".into(),
        save: false,
    };
    editor.on_command(PlaylistCommand::File(no_dialog), None);
    let mut h = drawn(editor);
    h.run();
    h.get_by_label("File").focus();
    h.get_by_label("File").type_text("mine.makapix-playlist");
    h.run();
    h.get_by_label("Open this file").click();
    h.run();
    let opened = h.state().1.iter().any(|a| {
        matches!(a, UserAction::Playlist(PlaylistCommand::OpenPath(p))
            if p.ends_with("mine.makapix-playlist"))
    });
    assert!(opened, "{:?}", h.state().1);
}

/// Open… asks about unsaved changes before its dialog opens: the file then
/// picked (by the dialog, or typed where none opened) is read without asking
/// a second time.
#[test]
fn a_playlist_picked_for_open_is_read_without_asking_again() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.makapix-playlist");
    std::fs::write(
        &other,
        r#"{"format": "makapix-player-playlist", "version": 1, "title": "Other", "items": [{"post_id": 5}]}"#,
    )
    .unwrap();
    for picked in [
        PlaylistCommand::File(FileDone::OpenPicked(other.clone())),
        PlaylistCommand::OpenPath(other.clone()),
    ] {
        let mut editor = PlaylistEditor::new(&Wake::default(), FileDialogs::default(), None);
        editor.edit.set_title("Mine");
        assert!(editor.edit.is_modified());
        editor.on_command(picked.clone(), None);
        assert!(editor.confirm.is_none(), "asked again after {picked:?}");
        let read = editor.done.recv_timeout(std::time::Duration::from_secs(5));
        assert!(
            matches!(
                &read,
                Ok(PlaylistCommand::File(FileDone::Loaded {
                    result: Ok(_),
                    ..
                }))
            ),
            "{read:?}"
        );
    }
}

/// ▶ Play leaves out what File › Open leaves out of a playlist: a file on a
/// network share (opening it would hand the user's Windows sign-in there).
#[test]
fn play_leaves_out_files_on_a_network_share() {
    use crate::player::playlist::{PlaylistItem, PlaylistSource};
    let mut editor = PlaylistEditor::new(&Wake::default(), FileDialogs::default(), None);
    let playlist = Playlist {
        title: "From a stranger".into(),
        items: vec![
            PlaylistItem {
                source: PlaylistSource::File {
                    file: PathBuf::from(r"\\host\share\x.png"),
                },
                dwell_ms: None,
            },
            PlaylistItem {
                source: PlaylistSource::Post { post_id: 5 },
                dwell_ms: None,
            },
        ],
    };
    let loaded = FileDone::Loaded {
        path: PathBuf::from("/tmp/stranger.makapix-playlist"),
        result: Ok(playlist),
        stamp: None,
    };
    editor.on_command(PlaylistCommand::File(loaded), None);
    let asked = editor.on_command(PlaylistCommand::Play, None);
    let told = asked.iter().any(
        |r| matches!(r, EditorRequest::Tell(n) if n.is_error && n.text.contains("network share")),
    );
    assert!(told, "{asked:?}");
    let played: Vec<_> = asked
        .iter()
        .filter_map(|r| match r {
            EditorRequest::Play { playlist, .. } => Some(playlist.items.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(played.len(), 1, "{asked:?}");
    assert_eq!(played[0].len(), 1);
    assert_eq!(played[0][0].source, PlaylistSource::Post { post_id: 5 });
}

/// The save runs off the window thread: what happens to the editor meanwhile
/// must survive its answer.
#[test]
fn a_save_that_ends_after_an_edit_or_another_playlist_keeps_what_is_unsaved() {
    let dir = tempfile::tempdir().expect("a folder");
    let path = dir.path().join("spring.makapix-playlist");
    let mut editor = PlaylistEditor::new(&Wake::default(), FileDialogs::default(), None);
    let wait = std::time::Duration::from_secs(10);
    let saved_after = |editor: &mut PlaylistEditor, meanwhile: fn(&mut PlaylistEditor)| {
        editor.on_command(PlaylistCommand::SaveTo(path.clone()), None);
        meanwhile(editor);
        let done = editor.done.recv_timeout(wait).expect("the save's answer");
        editor.on_command(done, None);
    };
    editor.edit.set_title("Spring");
    saved_after(&mut editor, |e| e.edit.set_title("Spring, edited"));
    assert!(
        editor.edit.is_modified(),
        "the edit made while saving is unsaved"
    );
    assert_eq!(editor.edit.path(), Some(path.as_path()));
    saved_after(&mut editor, |e| {
        // Asked about the unsaved edit, the user lets it go.
        e.on_command(PlaylistCommand::New, None);
        e.on_command(PlaylistCommand::Discard, None);
    });
    assert_eq!(
        editor.edit.path(),
        None,
        "the new playlist got the old one's file"
    );
    assert!(
        !editor.edit.is_modified(),
        "a new playlist is not an unsaved one"
    );
}

/// An editor on `path`'s folder with the playlist there opened, its title
/// then edited: unsaved edits to a file.
pub(in crate::ui) fn spring(path: &Path) -> PlaylistEditor {
    let mut editor = PlaylistEditor::new(
        &Wake::default(),
        FileDialogs::default(),
        Some(path.parent().unwrap()),
    );
    let playlist = Playlist {
        title: "Spring".into(),
        items: Vec::new(),
    };
    let loaded = FileDone::Loaded {
        path: path.to_owned(),
        result: Ok(playlist),
        stamp: crate::app::playlist_recovery::Stamp::of(path),
    };
    editor.on_command(PlaylistCommand::File(loaded), None);
    editor.edit.set_title("Spring, edited");
    editor
}
