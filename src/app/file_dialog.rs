//! Telling a file dialog that never opened from one the user cancelled: rfd
//! answers nothing for both. Without xdg-desktop-portal or zenity (a bare
//! window manager) it answers at once, and no person finds a dialog's Cancel
//! button that fast; the caller then asks another way instead of doing nothing.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

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
