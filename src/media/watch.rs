//! Notices when the file on screen changes on disk, so an artist can keep the
//! player open while editing. Polls the file's size and modification time on
//! its own thread (a stat call twice a second costs nothing, needs no OS
//! notification API and works on network drives), never on the window thread.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

pub(crate) const POLL_INTERVAL: Duration = Duration::from_millis(400);

pub(crate) type OnChange = Arc<dyn Fn(PathBuf) + Send + Sync>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
}

fn stamp(path: &Path) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok()?;
    Some(Stamp {
        len: meta.len(),
        modified: meta.modified().ok(),
    })
}

pub(crate) struct FileWatcher {
    /// The file to watch, sent to the worker; dropping the sender stops it.
    target: Option<mpsc::Sender<Option<PathBuf>>>,
    current: Mutex<Option<PathBuf>>,
    worker: Option<JoinHandle<()>>,
}

impl FileWatcher {
    pub fn new(on_change: OnChange) -> Self {
        Self::with_probe(on_change, None)
    }

    /// `stamped` hears each time the worker has taken in a new target, so a
    /// test can wait for that instead of guessing how long it takes.
    fn with_probe(on_change: OnChange, stamped: Option<mpsc::Sender<()>>) -> Self {
        let (tx, rx) = mpsc::channel::<Option<PathBuf>>();
        let worker = std::thread::Builder::new()
            .name("file-watcher".into())
            .spawn(move || {
                let mut watched: Option<(PathBuf, Option<Stamp>)> = None;
                loop {
                    // The wait doubles as the poll interval; a new target is stamped at once,
                    // so an edit made right after it appears on screen is not missed.
                    match rx.recv_timeout(POLL_INTERVAL) {
                        Ok(target) => {
                            watched = target.map(|p| {
                                let s = stamp(&p);
                                (p, s)
                            });
                            if let Some(stamped) = &stamped {
                                let _ = stamped.send(());
                            }
                            continue;
                        }
                        Err(mpsc::RecvTimeoutError::Disconnected) => return,
                        Err(mpsc::RecvTimeoutError::Timeout) => {}
                    }
                    let Some((path, before)) = &mut watched else {
                        continue;
                    };
                    let now = stamp(path);
                    // A file that vanished mid-save is reported when it is back.
                    if now.is_some() && now != *before {
                        on_change(path.clone());
                    }
                    *before = now;
                }
            })
            .map_err(|e| tracing::error!("cannot start the file watcher: {e}"))
            .ok();
        Self {
            target: Some(tx),
            current: Mutex::new(None),
            worker,
        }
    }

    /// Watches this file from now on (`None`: nothing). Changes made before the call are not reported.
    pub fn watch(&self, path: Option<&Path>) {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if current.as_deref() == path {
            return;
        }
        *current = path.map(Path::to_path_buf);
        if let Some(tx) = &self.target {
            let _ = tx.send(current.clone());
        }
    }
}

impl Drop for FileWatcher {
    fn drop(&mut self) {
        self.target = None;
        if let Some(worker) = self.worker.take() {
            crate::bounded_join::join_within(worker, std::time::Duration::from_millis(100));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A watcher reporting changes on one channel and new targets taken in on another.
    fn probed() -> (FileWatcher, mpsc::Receiver<PathBuf>, mpsc::Receiver<()>) {
        let (tx, changes) = mpsc::channel();
        let tx = Mutex::new(tx);
        let (stamped_tx, stamped) = mpsc::channel();
        let watcher = FileWatcher::with_probe(
            Arc::new(move |p| {
                let _ = tx.lock().unwrap().send(p);
            }),
            Some(stamped_tx),
        );
        (watcher, changes, stamped)
    }

    #[test]
    fn a_change_to_the_watched_file_is_reported_within_a_second() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("art.png");
        std::fs::write(&file, b"one").unwrap();
        let (watcher, changes, stamped) = probed();
        watcher.watch(Some(&file));
        // An edit right after the file appears must not be missed.
        stamped.recv_timeout(Duration::from_secs(5)).unwrap();
        assert!(changes.try_recv().is_err(), "no change yet");
        std::fs::write(&file, b"two, longer").unwrap();
        let got = changes.recv_timeout(Duration::from_secs(1)).unwrap();
        assert_eq!(got, file);
    }

    #[test]
    fn other_files_are_not_reported() {
        let dir = tempfile::tempdir().unwrap();
        let watched = dir.path().join("a.png");
        let other = dir.path().join("b.png");
        std::fs::write(&watched, b"a").unwrap();
        std::fs::write(&other, b"b").unwrap();
        let (watcher, changes, stamped) = probed();
        watcher.watch(Some(&watched));
        stamped.recv_timeout(Duration::from_secs(5)).unwrap();
        std::fs::write(&other, b"bbbbbb").unwrap();
        assert!(changes.recv_timeout(POLL_INTERVAL * 3).is_err());
        // The watcher was alive all along: its own file is still reported.
        std::fs::write(&watched, b"aaaaaa").unwrap();
        let got = changes.recv_timeout(Duration::from_secs(1)).unwrap();
        assert_eq!(got, watched);
    }
}
