//! The saved settings read on a worker thread. The program starts the read
//! before it opens the window, so the file is read while the window and its
//! GL context are made, and the window thread only takes the result (it is
//! usually there by then). A damaged file gives the defaults and a sentence
//! for the status bar, as before.

use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, PoisonError};

use super::{self as settings, Settings};

/// The settings and, when the file could not be used, why.
type Read = (Settings, Option<String>);

/// A read of the saved settings, under way or done. Clones share the one read.
#[derive(Clone)]
pub struct SettingsRead(Arc<(Mutex<Option<Read>>, Condvar)>);

impl std::fmt::Debug for SettingsRead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SettingsRead")
    }
}

impl SettingsRead {
    /// Starts reading the settings saved at `path` on a thread of its own;
    /// `None` (nothing persisted) is the defaults at once.
    pub fn start(path: Option<PathBuf>) -> Self {
        let slot = Arc::new((Mutex::new(None), Condvar::new()));
        let Some(path) = path else {
            fill(&slot, (Settings::default(), None));
            return Self(slot);
        };
        let filled = Arc::clone(&slot);
        let read = move || fill(&filled, read_saved(path));
        let spawned = std::thread::Builder::new()
            .name("settings-read".into())
            .spawn(read);
        if let Err(e) = spawned {
            tracing::warn!("no thread to read the settings on ({e}); the defaults are used");
            fill(&slot, (Settings::default(), None));
        }
        Self(slot)
    }

    /// The settings read, waiting for the read if it is still under way.
    pub fn wait(&self) -> (Settings, Option<String>) {
        let (lock, ready) = &*self.0;
        let mut guard = lock.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(read) = guard.as_ref() {
                return read.clone();
            }
            guard = ready.wait(guard).unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// The saved file read, or the defaults with why if reading it failed in a way
/// it should not (a panic must not leave the window waiting).
fn read_saved(path: PathBuf) -> Read {
    std::panic::catch_unwind(|| settings::initial(None, Some(&path))).unwrap_or_else(|_| {
        let why = "The settings could not be read; the defaults are used until you change one.";
        (Settings::default(), Some(why.to_owned()))
    })
}

fn fill(slot: &(Mutex<Option<Read>>, Condvar), read: Read) {
    let (lock, ready) = slot;
    *lock.lock().unwrap_or_else(PoisonError::into_inner) = Some(read);
    ready.notify_all();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::SettingsSaver;

    #[test]
    fn saved_settings_come_back_from_the_worker() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("settings.json");
        let saved = Settings {
            brightness: 42,
            ..Settings::default()
        };
        let mut saver = SettingsSaver::new(Some(path.clone()), Settings::default());
        saver.save_if_changed(&saved, std::time::Instant::now());
        saver.flush();
        let read = SettingsRead::start(Some(path));
        let (settings, said) = read.wait();
        assert_eq!(settings.brightness, 42);
        assert_eq!(said, None);
        // A clone shares the read: the same answer, without reading again.
        assert_eq!(read.clone().wait().0.brightness, 42);
    }

    #[test]
    fn a_damaged_file_gives_the_defaults_and_says_so() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("settings.json");
        std::fs::write(&path, "{ not json").expect("the file written");
        let (settings, said) = SettingsRead::start(Some(path)).wait();
        assert_eq!(settings, Settings::default());
        let said = said.expect("a sentence for the status bar");
        assert!(said.contains("settings"), "{said}");
    }

    #[test]
    fn nothing_persisted_is_the_defaults_at_once() {
        let (settings, said) = SettingsRead::start(None).wait();
        assert_eq!((settings, said), (Settings::default(), None));
    }
}
