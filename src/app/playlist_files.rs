//! The playlist editor's files: Open and Save As dialogs, reading a playlist,
//! and atomic saving, each on a thread of its own so the window never waits
//! on a disk or a dialog. Each hands what it did to `done`.

use std::path::{Path, PathBuf};

use crate::app::file_dialog::{self, DialogRequest, FileDialogs, Outcome};
use crate::app::local_files::{self, PLAYLIST_EXTENSION};
use crate::app::playlist_recovery::Stamp;
use crate::player::playlist::Playlist;
use crate::player::playlist_edit::PlaylistEdit;

/// What a file thread did.
#[derive(Clone, Debug, PartialEq)]
pub enum FileDone {
    /// A playlist was read, or the sentence saying why not.
    Loaded {
        path: PathBuf,
        result: Result<Playlist, String>,
        /// How the file was just before it was read.
        stamp: Option<Stamp>,
    },
    /// A playlist was written (the path with its extension), or why not.
    Saved {
        path: PathBuf,
        result: Result<(), String>,
        /// What was written: the editor may have changed since.
        written: Playlist,
        /// How the file was just after it was written.
        stamp: Option<Stamp>,
    },
    /// The Open dialog picked this file.
    OpenPicked(PathBuf),
    /// The Save As dialog picked this file.
    SavePicked(PathBuf),
    /// No dialog could open (`file_dialog`): ask for a path, starting from
    /// `suggested`, to save to (`save`) or open.
    NoDialog { suggested: PathBuf, save: bool },
}

/// Where a file thread reports.
pub type Done = Box<dyn FnOnce(FileDone) + Send>;

fn spawn(name: &str, done: Done, job: impl FnOnce() -> Option<FileDone> + Send + 'static) {
    let spawned = std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            if let Some(result) = job() {
                done(result);
            }
        });
    if let Err(e) = spawned {
        tracing::error!("cannot start the {name} thread: {e}");
    }
}

/// Reads a playlist; `Loaded` brings it, or the sentence saying what is wrong.
pub fn read(path: PathBuf, done: Done) {
    spawn("playlist-read", done, move || {
        // Before the read: a change made while it reads shows as one made since.
        let stamp = Stamp::of(&path);
        let result = local_files::read_playlist(&path);
        Some(FileDone::Loaded {
            path,
            result,
            stamp,
        })
    });
}

/// Saves a playlist under `path` (with the playlist extension added); `Saved`
/// says how it went.
pub fn save(path: PathBuf, playlist: Playlist, done: Done) {
    spawn("playlist-save", done, move || {
        let path = with_playlist_extension(path);
        let folder = path.parent().unwrap_or(Path::new("."));
        // Replaced whole, so a crash or a full disk never leaves half a playlist
        // where the old one was; nothing is written when the text cannot be made.
        let result = playlist.to_json(folder).and_then(|text| {
            crate::storage::atomic_file::write_document(&path, text.as_bytes())
                .map_err(|e| e.to_string())
        });
        let stamp = result.is_ok().then(|| Stamp::of(&path)).flatten();
        Some(FileDone::Saved {
            path,
            result,
            written: playlist,
            stamp,
        })
    });
}

/// Open (`save_as` is `None`) or Save As with a suggested file name; the
/// picked path comes back as `OpenPicked` or `SavePicked`, a dialog that
/// could not open as `NoDialog`.
pub(crate) fn dialog(dialogs: &FileDialogs, save_as: Option<String>, done: Done) {
    let name = save_as.map(|stem| format!("{stem}.{PLAYLIST_EXTENSION}"));
    let save = name.is_some();
    let request = match &name {
        Some(name) => DialogRequest::SavePlaylist { name: name.clone() },
        None => DialogRequest::OpenPlaylist,
    };
    let opened = dialogs.open(request, "playlist-dialog", move |outcome| {
        let path = match outcome {
            Outcome::Chosen(paths) => paths.into_iter().next(),
            Outcome::NeverOpened => {
                // The Documents folder is found on the dialog's thread (a file read).
                let suggested = file_dialog::documents().join(name.unwrap_or_default());
                return done(FileDone::NoDialog { suggested, save });
            }
            Outcome::Cancelled => None,
        };
        match path {
            Some(path) if save => done(FileDone::SavePicked(path)),
            Some(path) => done(FileDone::OpenPicked(path)),
            None => {}
        }
    });
    if let Err(e) = opened {
        tracing::error!("cannot start the playlist-dialog thread: {e}");
    }
}

pub(crate) fn file_stem(edit: &PlaylistEdit) -> String {
    let title = edit.heading().trim_end_matches(" *").to_owned();
    let clean: String = title
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == ' ' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    clean.trim().to_owned()
}

fn with_playlist_extension(path: PathBuf) -> PathBuf {
    if local_files::is_playlist(&path) {
        return path;
    }
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{PLAYLIST_EXTENSION}"));
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file name Linux allows and JSON cannot hold: the save fails with a
    /// sentence and the playlist already on disk stays as it was.
    #[cfg(unix)]
    #[test]
    fn a_file_name_that_is_not_unicode_fails_the_save_and_keeps_the_old_file() {
        use crate::player::playlist::{PlaylistItem, PlaylistSource};
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("show.makapix-playlist");
        std::fs::write(&path, "the playlist saved yesterday").unwrap();
        let odd = dir
            .path()
            .join(std::ffi::OsStr::from_bytes(b"frog-\xff.png"));
        let playlist = Playlist {
            title: "Show".into(),
            items: vec![PlaylistItem {
                source: PlaylistSource::File { file: odd },
                dwell_ms: None,
            }],
        };
        let (tx, rx) = std::sync::mpsc::channel();
        save(
            path.clone(),
            playlist,
            Box::new(move |done| tx.send(done).unwrap()),
        );
        let done = rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
        let FileDone::Saved {
            result: Err(said), ..
        } = done
        else {
            panic!("saved, or something else: {done:?}");
        };
        assert!(
            said.contains("item 1") && said.contains("not valid Unicode"),
            "{said}"
        );
        let kept = std::fs::read_to_string(&path).unwrap();
        assert_eq!(kept, "the playlist saved yesterday");
    }

    #[test]
    fn a_saved_playlist_gets_its_extension() {
        assert_eq!(
            with_playlist_extension("/a/show".into()),
            PathBuf::from("/a/show.makapix-playlist")
        );
        assert_eq!(
            with_playlist_extension("/a/show.makapix-playlist".into()),
            PathBuf::from("/a/show.makapix-playlist")
        );
    }
}
