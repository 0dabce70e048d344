use super::*;
use crate::player::playlist::{PlaylistItem, PlaylistSource};
use std::time::Duration;

fn edits(folder: &Path) -> Recovered {
    Recovered {
        playlist: Playlist {
            title: "Spring".into(),
            items: vec![
                PlaylistItem {
                    source: PlaylistSource::Post { post_id: 7 },
                    dwell_ms: Some(4_000),
                },
                PlaylistItem {
                    source: PlaylistSource::File {
                        file: folder.join("art").join("frog.png"),
                    },
                    dwell_ms: None,
                },
            ],
        },
        original: Some(PathBuf::from("/home/me/Documents/Spring.makapix-playlist")),
        stamp: None,
        dwell_texts: Vec::new(),
    }
}

/// The look's answer, waited for.
fn looked(keeper: &Keeper) -> Option<Found> {
    let (tx, rx) = std::sync::mpsc::channel();
    keeper.look(move |found| {
        let _ = tx.send(found);
    });
    rx.recv_timeout(Duration::from_secs(10)).ok()
}

fn flushed(mut keeper: Keeper) {
    keeper.flush_by(crate::storage::background_writer::written_by());
}

#[test]
fn the_edits_and_their_file_come_back_as_they_were_kept() {
    let folder = Path::new("/data/player");
    for original in [
        Some(PathBuf::from("/home/me/Spring.makapix-playlist")),
        None,
    ] {
        let kept = Recovered {
            original,
            ..edits(folder)
        };
        let text = to_text(&kept, folder).unwrap();
        assert_eq!(from_text(&text, folder).unwrap(), kept);
    }
}

/// The file is a playlist as Save writes it: File › Open reads it too.
#[test]
fn the_kept_file_is_a_playlist_that_opens_as_any_other() {
    let dir = tempfile::tempdir().unwrap();
    let keeper = Keeper::new(dir.path());
    keeper.keep(edits(dir.path()));
    let path = keeper.path().to_path_buf();
    flushed(keeper);
    let opened = crate::app::local_files::read_playlist(&path).unwrap();
    assert_eq!(opened, edits(dir.path()).playlist);
}

#[test]
fn kept_edits_are_found_at_the_next_start_until_forgotten() {
    let dir = tempfile::tempdir().unwrap();
    let keeper = Keeper::new(dir.path());
    assert_eq!(looked(&keeper), None, "nothing kept yet");
    keeper.keep(edits(dir.path()));
    flushed(keeper);

    let keeper = Keeper::new(dir.path());
    assert_eq!(
        looked(&keeper),
        Some(Found::Recovered {
            edits: edits(dir.path()),
            changed: None
        }),
        "the next start finds them"
    );
    assert_eq!(
        looked(&keeper),
        Some(Found::Recovered {
            edits: edits(dir.path()),
            changed: None
        }),
        "looking does not remove them"
    );
    keeper.forget();
    let path = keeper.path().to_path_buf();
    flushed(keeper);
    assert!(!path.exists());
}

/// A damaged file is said in a sentence and moved aside, never deleted,
/// and the next start is not told again.
#[test]
fn a_file_that_cannot_be_read_is_moved_aside_with_a_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let keeper = Keeper::new(dir.path());
    std::fs::write(keeper.path(), "{\"format\": \"makapix-player-playl").unwrap();
    let Some(Found::Damaged(said)) = looked(&keeper) else {
        panic!("not reported as damaged");
    };
    let aside = dir.path().join(format!("{FILE_NAME}.bad"));
    assert!(said.contains("could not be read"), "{said}");
    assert!(said.contains(&aside.display().to_string()), "{said}");
    assert_eq!(
        std::fs::read_to_string(&aside).unwrap(),
        "{\"format\": \"makapix-player-playl"
    );
    assert!(!keeper.path().exists());
    assert_eq!(looked(&keeper), None);

    // Not a file at all: a folder in its place is moved aside too.
    std::fs::create_dir(keeper.path()).unwrap();
    assert!(matches!(looked(&keeper), Some(Found::Damaged(_))));
    assert!(dir.path().join(format!("{FILE_NAME}.bad.2")).is_dir());
}

/// A data folder that cannot be written (here a file stands where it
/// should be) loses the edits with a logged error, not a panic.
#[test]
fn a_data_folder_that_cannot_be_written_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let not_a_folder = dir.path().join("data");
    std::fs::write(&not_a_folder, "a file").unwrap();
    let path = not_a_folder.join(FILE_NAME);
    assert!(write(&path, &edits(dir.path())).is_err());
    let keeper = Keeper::new(&not_a_folder);
    keeper.keep(edits(dir.path()));
    flushed(keeper);
    assert_eq!(std::fs::read_to_string(&not_a_folder).unwrap(), "a file");
}

/// The recovery file may be written by any program the user runs: a file it
/// names that is not a playlist on this computer is not where Save writes.
#[test]
fn a_kept_file_naming_no_playlist_on_this_computer_leaves_save_to_ask() {
    let folder = Path::new("/data/player");
    let refused = [
        "Spring.makapix-playlist",
        "../Spring.makapix-playlist",
        "/home/me/.bashrc",
        "/home/me/Spring.makapix-playlist.sh",
        r"\\server\share\Spring.makapix-playlist",
        "/data/player/unsaved-playlist.makapix-playlist",
    ];
    for original in refused {
        let kept = Recovered {
            original: Some(PathBuf::from(original)),
            ..edits(folder)
        };
        let text = to_text(&kept, folder).unwrap();
        let back = from_text(&text, folder).unwrap();
        assert_eq!(back.original, None, "{original}");
        assert_eq!(
            back.playlist, kept.playlist,
            "{original}: the edits come back"
        );
    }
    let kept = edits(folder);
    let back = from_text(&to_text(&kept, folder).unwrap(), folder).unwrap();
    assert_eq!(back.original, kept.original, "a playlist's path is taken");
}

#[test]
fn the_recovery_sentence_says_where_save_writes() {
    let path = Path::new("/home/me/Spring.makapix-playlist");
    assert_eq!(
        recovered_sentence("Spring", Some(path), None),
        "Recovered the unsaved changes to “Spring” from when the player was last closed by the system. Save writes them to /home/me/Spring.makapix-playlist; or discard them."
    );
    assert!(recovered_sentence("Spring", None, None).contains("Save asks where to write them"));
    assert!(recovered_sentence("Spring", None, Some(path)).contains(
        "/home/me/Spring.makapix-playlist changed since it was opened or saved here, so Save asks where"
    ));
}

/// The file the edits were made to may change after the editor opened it
/// (saved by another program, say): Save must not write over that unasked.
#[test]
fn the_edits_file_changed_since_it_was_opened_is_no_longer_where_save_writes() {
    for change in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let original = dir.path().join("Spring.makapix-playlist");
        std::fs::write(&original, "as it was opened").unwrap();
        let kept = Recovered {
            original: Some(original.clone()),
            stamp: Stamp::of(&original),
            ..edits(dir.path())
        };
        let keeper = Keeper::new(dir.path());
        keeper.keep(kept.clone());
        flushed(keeper);
        if change {
            std::fs::write(&original, "as another program saved it").unwrap();
        }
        let found = looked(&Keeper::new(dir.path()));
        let expected = if change {
            Found::Recovered {
                edits: Recovered {
                    original: None,
                    stamp: None,
                    ..kept
                },
                changed: Some(original),
            }
        } else {
            Found::Recovered {
                edits: kept,
                changed: None,
            }
        };
        assert_eq!(found, Some(expected), "changed {change}");
    }
}

/// Keeping the edits at quit does not share the settings' 600 ms: a disk
/// slower than that still gets them written before the window goes.
#[test]
fn the_edits_kept_at_quit_have_a_budget_of_their_own() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    let file = path.clone();
    let slow_until = Instant::now() + crate::storage::background_writer::WRITES_AT_QUIT * 2;
    let mut keeper = Keeper {
        path: path.clone(),
        writer: BackgroundWriter::spawn("slow-disk", move |job| {
            std::thread::sleep(slow_until.saturating_duration_since(Instant::now()));
            // The sleep is the slow disk. No real sync on top: on a loaded
            // disk an fsync can outlast what is left of the budget.
            if let Job::Keep(_) = job {
                let _ = std::fs::write(&file, "kept");
            }
        }),
    };
    keeper.keep(edits(dir.path()));
    keeper.flush_at_quit();
    assert!(path.exists(), "the window went before the edits were kept");
}

/// Dwell fields as typed are a side note the playlist format ignores; a
/// note out of place (any program may write the file) is left out, and
/// the edits still come back.
#[test]
fn dwell_fields_as_typed_come_back_and_notes_out_of_place_are_left_out() {
    let folder = Path::new("/data/player");
    let kept = Recovered {
        dwell_texts: vec![(1, "7 min".into())],
        ..edits(folder)
    };
    let text = to_text(&kept, folder).unwrap();
    assert_eq!(from_text(&text, folder).unwrap(), kept);
    assert_eq!(
        Playlist::from_json(&text, folder).unwrap(),
        kept.playlist,
        "a playlist as any other"
    );
    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value[DWELL_TEXTS] = serde_json::json!([
        {"item": 0, "text": "1"},
        {"item": 3, "text": "1"},
        {"item": 1, "text": "1".repeat(MAX_DWELL_TEXT + 1)},
        {"item": 1, "text": 5},
        "2",
        {"item": 1, "text": "not a dwell"},
        {"item": 2, "text": "1 MIN 30 s"},
    ]);
    let back = from_text(&value.to_string(), folder).unwrap();
    assert_eq!(back.dwell_texts, [(1, "1 MIN 30 s".to_owned())]);
    value[DWELL_TEXTS] = serde_json::json!("not a list");
    let back = from_text(&value.to_string(), folder).unwrap();
    assert_eq!(back.playlist, kept.playlist);
    assert!(back.dwell_texts.is_empty());
}

/// The kept file is plain text in the data folder: a player key (the
/// window's "Copy key" puts one on the clipboard), an API token or a PEM
/// pasted into a dwell field by mistake must not reach it. What reads as a
/// dwell typed in is kept.
#[test]
fn a_secret_pasted_into_a_dwell_field_is_kept_nowhere() {
    let player_key = "3f2b8c1e-9d4a-4e7b-b6c5-0a1d2e3f4a5b";
    let token = format!("mpx_live_{}", "Zq8rT2vLm5Kx9Wc3Hn7Yb1Pd4Fs6Gj0Ua8Ee2Ri5OoX");
    assert_eq!(token.len(), "mpx_live_".len() + 43);
    let pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0B\n-----END PRIVATE KEY-----";
    let typed = ["7 min", "1:30", "2,5 sec", "90S"];
    let item = |post_id| PlaylistItem {
        source: PlaylistSource::Post { post_id },
        dwell_ms: None,
    };
    let playlist = Playlist {
        title: "Spring".into(),
        items: (1..=7).map(item).collect(),
    };
    let mut edit =
        PlaylistEdit::opened(playlist, PathBuf::from("/home/me/Spring.makapix-playlist"));
    for (i, text) in [player_key, &token, pem]
        .into_iter()
        .chain(typed)
        .enumerate()
    {
        let _ = edit.set_dwell_text(i, text);
    }
    let dir = tempfile::tempdir().unwrap();
    let keeper = Keeper::new(dir.path());
    keeper.keep(Recovered::of(&edit, None));
    let path = keeper.path().to_path_buf();
    flushed(keeper);
    let bytes = std::fs::read(&path).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    for secret in [
        player_key,
        &token,
        "PRIVATE KEY",
        "MIIEvQIBADANBgkqhkiG9w0B",
    ] {
        assert!(
            !text.contains(secret),
            "{secret} is in the kept file: {text}"
        );
    }
    let back = from_text(&text, dir.path()).unwrap().dwell_texts;
    let expected: Vec<_> = (typed.iter().enumerate())
        .map(|(i, t)| (i + 3, (*t).to_owned()))
        .collect();
    assert_eq!(back, expected, "dwells as typed are kept");
}
