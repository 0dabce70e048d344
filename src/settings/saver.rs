//! Saves the settings off the window thread, only when they changed. A save
//! that fails (a full disk, a folder made read-only) is said once and tried
//! again every half minute, so a change is not lost because nothing else
//! changed after it.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{Settings, save};
use crate::storage::background_writer::BackgroundWriter;

/// How long after a failed save the same settings are written again.
const RETRY_AFTER: Duration = Duration::from_secs(30);

/// What the writer thread last came to.
#[derive(Debug, Default)]
struct Written {
    /// Saves finished, failed or not.
    done: u64,
    /// The sentence of the last save, if it failed.
    failing: Option<String>,
}

pub(crate) struct SettingsSaver {
    last: Settings,
    writer: BackgroundWriter<Settings>,
    written: Arc<Mutex<Written>>,
    /// The failure was said; said again only after a save succeeded.
    told: bool,
    retry_at: Option<Instant>,
}

impl SettingsSaver {
    /// `path` None: nothing is persisted (no home folder).
    pub fn new(path: Option<PathBuf>, initial: Settings) -> Self {
        let written = Arc::new(Mutex::new(Written::default()));
        let shared = Arc::clone(&written);
        let writer = match path {
            Some(path) => BackgroundWriter::spawn("settings-saver", move |settings: Settings| {
                let result = save(&path, &settings);
                if let Err(e) = &result {
                    tracing::warn!("{e}");
                }
                if let Ok(mut w) = shared.lock() {
                    w.done += 1;
                    w.failing = result.err().map(|e| e.to_string());
                }
            }),
            None => BackgroundWriter::disabled(),
        };
        Self {
            last: initial,
            writer,
            written,
            told: false,
            retry_at: None,
        }
    }

    /// Cheap when nothing changed: one comparison per frame. Returns the
    /// sentence of a failed save, once, for the window to show.
    pub(crate) fn save_if_changed(&mut self, settings: &Settings, now: Instant) -> Option<String> {
        let failing = self.written.lock().ok().and_then(|w| w.failing.clone());
        let mut said = None;
        match failing {
            Some(why) => {
                if !std::mem::replace(&mut self.told, true) {
                    said = Some(why);
                }
                self.retry_at.get_or_insert(now + RETRY_AFTER);
            }
            None => (self.told, self.retry_at) = (false, None),
        }
        let retry = self.retry_at.is_some_and(|at| now >= at);
        if *settings != self.last || retry {
            self.retry_at = None;
            self.last = settings.clone();
            self.writer.send(settings.clone());
        }
        said
    }

    /// Saves finished so far (tests wait on it).
    #[cfg(test)]
    fn saves_done(&self) -> u64 {
        self.written.lock().map_or(0, |w| w.done)
    }

    /// Waits for pending writes, which tests read next.
    #[cfg(test)]
    pub(crate) fn flush(&mut self) {
        self.writer
            .flush_by(crate::storage::background_writer::written_by());
    }

    /// Waits for pending writes until `deadline`, shared with other files written at quit.
    pub(crate) fn flush_by(&mut self, deadline: Instant) {
        self.writer.flush_by(deadline);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait_saves(saver: &SettingsSaver, n: u64) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while saver.saves_done() < n {
            assert!(Instant::now() < deadline, "save {n} never finished");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn a_failed_save_is_said_once_and_tried_again_until_it_works() {
        let dir = tempfile::tempdir().unwrap();
        // A file where the settings folder should be: no write can succeed
        // (a read-only folder would not stop root, who runs CI).
        let blocker = dir.path().join("config");
        std::fs::write(&blocker, b"").unwrap();
        let path = blocker.join("settings.json");
        let mut saver = SettingsSaver::new(Some(path.clone()), Settings::default());
        let changed = Settings {
            brightness: 42,
            ..Settings::default()
        };
        let t0 = Instant::now();
        assert_eq!(saver.save_if_changed(&changed, t0), None);
        wait_saves(&saver, 1);
        let said = saver.save_if_changed(&changed, t0 + Duration::from_secs(1));
        assert!(said.is_some_and(|s| s.contains("Could not save the settings")));
        assert_eq!(
            saver.save_if_changed(&changed, t0 + Duration::from_secs(2)),
            None
        );
        assert_eq!(saver.saves_done(), 1, "not tried again at once");

        std::fs::remove_file(&blocker).unwrap();
        let later = t0 + Duration::from_secs(1) + RETRY_AFTER;
        assert_eq!(saver.save_if_changed(&changed, later), None);
        wait_saves(&saver, 2);
        saver.flush();
        assert_eq!(super::super::load(&path).0.brightness, 42);
    }
}
