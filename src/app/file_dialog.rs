//! Telling a file dialog that never opened from one the user cancelled: rfd
//! answers nothing for both. Without xdg-desktop-portal or zenity (a bare
//! window manager) it answers at once, and no person finds a dialog's Cancel
//! button that fast; the caller then asks another way instead of doing nothing.
//! Every dialog that picks or names a file comes through `FileDialogs`, which
//! tests replace.

use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::app::local_files::{IMAGE_EXTENSIONS, PLAYLIST_EXTENSION};
use crate::preview::encode::ExportFormat;

/// What File › Open offers by default: images and saved playlists.
const OPENABLE: [&str; 6] = [
    IMAGE_EXTENSIONS[0],
    IMAGE_EXTENSIONS[1],
    IMAGE_EXTENSIONS[2],
    IMAGE_EXTENSIONS[3],
    IMAGE_EXTENSIONS[4],
    PLAYLIST_EXTENSION,
];

/// What a sentence about a dialog that never opened starts with: what is
/// missing, and what would bring it (the caller goes on with what else to do).
const NO_DIALOG: &str =
    "No file dialog is available on this desktop (it needs xdg-desktop-portal or zenity).";

/// `NO_DIALOG` followed by what else to do.
pub(crate) fn no_dialog(instead: &str) -> String {
    format!("{NO_DIALOG} {instead}")
}

/// Sooner than this, an empty answer means no dialog was shown.
const NEVER_OPENED: Duration = Duration::from_millis(700);

/// What a file dialog came to.
#[derive(Debug, PartialEq)]
pub(crate) enum Outcome<T> {
    Chosen(T),
    Cancelled,
    /// Nothing, at once: no dialog could open.
    NeverOpened,
}

/// Waits for `dialog` (an rfd future) and tells what it came to. It blocks
/// until the user is done: call it on a thread of the dialog's own.
pub(crate) fn wait<T>(dialog: impl Future<Output = Option<T>>) -> Outcome<T> {
    let started = Instant::now();
    match pollster::block_on(dialog) {
        Some(chosen) => Outcome::Chosen(chosen),
        None if never_opened(started) => Outcome::NeverOpened,
        None => Outcome::Cancelled,
    }
}

/// True when a dialog started at `started` and answering nothing now never opened.
fn never_opened(started: Instant) -> bool {
    started.elapsed() < NEVER_OPENED
}

/// Which dialog the window asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DialogRequest {
    /// File › Open: pixel art and playlists.
    ArtFiles,
    /// File › Open folder.
    ArtFolder,
    /// Settings › Player › Import…, and the welcome card's import.
    Certificates,
    /// The playlist editor's Open….
    OpenPlaylist,
    /// The playlist editor's Save as…, suggesting the file `name`.
    SavePlaylist { name: String },
    /// File › Save preview image…, suggesting the file `name`.
    SavePreviewImage { name: String },
    /// File › Export preview as: the dialog's `title` names the device; it
    /// offers only `format`, chosen in the window, since the dialog does not
    /// say which of several the user picked.
    ExportPreview {
        title: String,
        name: String,
        format: ExportFormat,
    },
}

/// The paths a dialog came back with, or nothing (cancelled, or never opened).
pub type Answer = Pin<Box<dyn Future<Output = Option<Vec<PathBuf>>> + Send>>;

/// Opens the dialogs that pick or name files: the desktop's own unless a test
/// gives its own (a real dialog in a test would wait for a person).
#[derive(Clone)]
pub struct FileDialogs(Arc<dyn Fn(DialogRequest) -> Answer + Send + Sync>);

impl std::fmt::Debug for FileDialogs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FileDialogs")
    }
}

impl Default for FileDialogs {
    fn default() -> Self {
        Self::new(desktop)
    }
}

impl FileDialogs {
    pub fn new(open: impl Fn(DialogRequest) -> Answer + Send + Sync + 'static) -> Self {
        Self(Arc::new(open))
    }

    /// Opens the dialog for `request` and hands what it came to to `deliver`,
    /// on a thread named `name`: the dialog's future is made here, on the
    /// window's thread, and waited for there, so the window never blocks.
    pub(crate) fn open(
        &self,
        request: DialogRequest,
        name: &str,
        deliver: impl FnOnce(Outcome<Vec<PathBuf>>) + Send + 'static,
    ) -> std::io::Result<()> {
        let answer = (self.0)(request);
        std::thread::Builder::new()
            .name(name.into())
            .spawn(move || deliver(wait(answer)))
            .map(drop)
    }
}

/// The desktop's dialogs (xdg-desktop-portal or zenity on Linux).
fn desktop(request: DialogRequest) -> Answer {
    let dialog = rfd::AsyncFileDialog::new();
    let playlists = ("Makapix Player playlists", &[PLAYLIST_EXTENSION][..]);
    match request {
        DialogRequest::ArtFolder => one(dialog.set_title("Play artworks").pick_folder()),
        DialogRequest::ArtFiles => many(
            dialog
                .set_title("Play artworks")
                .add_filter("Pixel art and playlists", &OPENABLE)
                .add_filter("Pixel art", &IMAGE_EXTENSIONS)
                .add_filter(playlists.0, playlists.1),
        ),
        DialogRequest::Certificates => many(
            dialog
                .set_title("Import player certificates")
                .add_filter("Certificates", &["json", "pem", "crt", "key", "txt"]),
        ),
        DialogRequest::OpenPlaylist => one(dialog
            .set_title("Open playlist")
            .add_filter(playlists.0, playlists.1)
            .pick_file()),
        DialogRequest::SavePlaylist { name } => one(dialog
            .set_title("Save playlist")
            .add_filter(playlists.0, playlists.1)
            .set_file_name(name)
            .save_file()),
        DialogRequest::SavePreviewImage { name } => one(dialog
            .set_title("Save preview image")
            .add_filter("PNG image", &["png"])
            .set_file_name(name)
            .save_file()),
        DialogRequest::ExportPreview {
            title,
            name,
            format,
        } => one(dialog
            .set_title(title)
            .add_filter(format.name(true), &[format.extension()])
            .set_file_name(name)
            .save_file()),
    }
}

/// A dialog that picks many files.
fn many(dialog: rfd::AsyncFileDialog) -> Answer {
    let picked = dialog.pick_files();
    Box::pin(async move {
        let handles = picked.await?;
        Some(handles.iter().map(|h| h.path().to_path_buf()).collect())
    })
}

/// A dialog that picks or names one file or folder.
fn one(picked: impl Future<Output = Option<rfd::FileHandle>> + Send + 'static) -> Answer {
    Box::pin(async move { picked.await.map(|h| vec![h.path().to_path_buf()]) })
}

/// Where to suggest saving an image: the Pictures folder, else the home
/// folder. Reads the XDG user-dirs file: call it off the window thread.
pub(crate) fn pictures() -> PathBuf {
    user_folder(directories::UserDirs::picture_dir)
}

/// Where to suggest a playlist: the Documents folder, else the home folder.
/// Reads the XDG user-dirs file: call it off the window thread.
pub(crate) fn documents() -> PathBuf {
    user_folder(directories::UserDirs::document_dir)
}

fn user_folder(pick: fn(&directories::UserDirs) -> Option<&Path>) -> PathBuf {
    let user = directories::UserDirs::new();
    user.as_ref()
        .and_then(|u| pick(u).map(Path::to_path_buf))
        .or_else(|| user.as_ref().map(|u| u.home_dir().to_path_buf()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_at_once_never_opened_and_a_late_one_was_cancelled() {
        assert!(never_opened(Instant::now()));
        let long_ago = Instant::now().checked_sub(Duration::from_secs(2));
        assert!(long_ago.is_none_or(|at| !never_opened(at)));
    }

    #[test]
    fn a_dialog_s_answer_is_chosen_cancelled_or_never_opened() {
        let after = |wait: Duration, answer: Option<u8>| {
            super::wait(async move {
                std::thread::sleep(wait);
                answer
            })
        };
        assert_eq!(after(Duration::ZERO, Some(7)), Outcome::Chosen(7));
        assert_eq!(after(Duration::ZERO, None), Outcome::NeverOpened);
        assert_eq!(after(Duration::from_millis(800), None), Outcome::Cancelled);
    }
}
