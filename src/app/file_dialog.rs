//! Telling a file dialog that never opened from one the user cancelled: rfd
//! answers nothing for both. Without xdg-desktop-portal or zenity (a bare
//! window manager) it answers at once, and no person finds a dialog's Cancel
//! button that fast; the caller then asks another way instead of doing nothing.

use std::time::{Duration, Instant};

/// Sooner than this, an empty answer means no dialog was shown.
const NEVER_OPENED: Duration = Duration::from_millis(700);

/// True when a dialog started at `started` and answering nothing now never opened.
pub(crate) fn never_opened(started: Instant) -> bool {
    started.elapsed() < NEVER_OPENED
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
}
