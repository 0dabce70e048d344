//! Notices when a file the player shows or is about to show changes on disk,
//! so an artist can keep the player open while editing. Polls each file's size
//! and modification time on its own thread (a stat call twice a second costs
//! nothing, needs no OS notification API and works on network drives), never
//! on the window thread.
//!
//! A file is compared with the version its decode read (`ReadStamps`), not
//! with what the watcher first saw: an artwork decoded ahead of its turn and
//! edited before it shows is reloaded too.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

pub(crate) const POLL_INTERVAL: Duration = Duration::from_millis(400);
/// Reads of files not watched yet kept for the watch that follows them.
const MAX_EARLY_READS: usize = 64;

pub(crate) type OnChange = Arc<dyn Fn(PathBuf) + Send + Sync>;

/// A version of a file: what the watcher compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
}

impl Stamp {
    pub(crate) fn of(meta: &std::fs::Metadata) -> Self {
        Self {
            len: meta.len(),
            modified: meta.modified().ok(),
        }
    }
}

fn stamp(path: &Path) -> Option<Stamp> {
    std::fs::metadata(path).ok().map(|meta| Stamp::of(&meta))
}

enum Message {
    Watch(Vec<PathBuf>),
    Read(PathBuf, Stamp),
    Stop,
}

/// How a decode says which version of a file it read.
#[derive(Clone)]
pub(crate) struct ReadStamps(Option<mpsc::Sender<Message>>);

impl ReadStamps {
    pub fn read(&self, path: &Path, meta: &std::fs::Metadata) {
        if let Some(tx) = &self.0 {
            let _ = tx.send(Message::Read(path.to_path_buf(), Stamp::of(meta)));
        }
    }
}

pub(crate) struct FileWatcher {
    target: Option<mpsc::Sender<Message>>,
    current: Mutex<Vec<PathBuf>>,
    worker: Option<JoinHandle<()>>,
}

impl FileWatcher {
    pub fn new(on_change: OnChange) -> Self {
        Self::with_probe(on_change, None)
    }

    /// `stamped` hears each time the worker has taken in a message, so a
    /// test can wait for that instead of guessing how long it takes.
    fn with_probe(on_change: OnChange, stamped: Option<mpsc::Sender<()>>) -> Self {
        let (tx, rx) = mpsc::channel::<Message>();
        let worker = std::thread::Builder::new()
            .name("file-watcher".into())
            .spawn(move || Watched::default().run(&rx, &on_change, stamped.as_ref()))
            .map_err(|e| tracing::error!("cannot start the file watcher: {e}"))
            .ok();
        Self {
            target: Some(tx),
            current: Mutex::new(Vec::new()),
            worker,
        }
    }

    /// Watches these files from now on, each against the version its last
    /// decode read (`ReadStamps`), else the version seen now.
    pub fn watch(&self, paths: Vec<PathBuf>) {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if *current == paths {
            return;
        }
        current.clone_from(&paths);
        if let Some(tx) = &self.target {
            let _ = tx.send(Message::Watch(paths));
        }
    }

    /// The handle a decode job tells which version of a file it read.
    pub fn read_stamps(&self) -> ReadStamps {
        ReadStamps(self.target.clone())
    }
}

/// The worker's state: each watched file with the version last known.
#[derive(Default)]
struct Watched {
    files: HashMap<PathBuf, Option<Stamp>>,
    /// Versions read of files before they were watched.
    early: HashMap<PathBuf, Stamp>,
}

impl Watched {
    fn run(
        mut self,
        rx: &mpsc::Receiver<Message>,
        on_change: &OnChange,
        stamped: Option<&mpsc::Sender<()>>,
    ) {
        let mut next_poll = Instant::now() + POLL_INTERVAL;
        loop {
            match rx.recv_timeout(next_poll.saturating_duration_since(Instant::now())) {
                Ok(Message::Watch(paths)) => self.watch(paths),
                Ok(Message::Read(path, read)) => self.read(path, read),
                Ok(Message::Stop) | Err(mpsc::RecvTimeoutError::Disconnected) => return,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    self.poll(on_change);
                    next_poll = Instant::now() + POLL_INTERVAL;
                    continue;
                }
            }
            if let Some(stamped) = stamped {
                let _ = stamped.send(());
            }
        }
    }

    fn watch(&mut self, paths: Vec<PathBuf>) {
        let mut files = HashMap::with_capacity(paths.len());
        for path in paths {
            let known = match self.files.remove(&path) {
                Some(known) => known,
                None => self.early.remove(&path).or_else(|| stamp(&path)),
            };
            files.insert(path, known);
        }
        self.files = files;
        self.early.clear();
    }

    fn read(&mut self, path: PathBuf, read: Stamp) {
        if let Some(known) = self.files.get_mut(&path) {
            *known = Some(read);
        } else {
            if self.early.len() >= MAX_EARLY_READS {
                self.early.clear();
            }
            self.early.insert(path, read);
        }
    }

    fn poll(&mut self, on_change: &OnChange) {
        for (path, before) in &mut self.files {
            let now = stamp(path);
            // A file that vanished mid-save is reported when it is back.
            if now.is_some() && now != *before {
                on_change(path.clone());
            }
            *before = now;
        }
    }
}

impl Drop for FileWatcher {
    fn drop(&mut self) {
        // Decode jobs may still hold senders: say stop rather than wait for the last.
        if let Some(tx) = self.target.take() {
            let _ = tx.send(Message::Stop);
        }
        if let Some(worker) = self.worker.take() {
            crate::bounded_join::join_within(worker, std::time::Duration::from_millis(100));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How long a test waits for the worker: a poll is due every
    /// `POLL_INTERVAL`, but a loaded machine can hold its thread for longer
    /// than a second. Waited for as it comes; the limit only stops a hang.
    const HEARD: Duration = Duration::from_secs(20);

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
    fn a_change_to_the_watched_file_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("art.png");
        std::fs::write(&file, b"one").unwrap();
        let (watcher, changes, stamped) = probed();
        watcher.watch(vec![file.clone()]);
        // An edit right after the file appears must not be missed.
        stamped.recv_timeout(HEARD).unwrap();
        assert!(changes.try_recv().is_err(), "no change yet");
        std::fs::write(&file, b"two, longer").unwrap();
        let got = changes.recv_timeout(HEARD).unwrap();
        assert_eq!(got, file);
    }

    #[test]
    fn a_file_edited_after_its_decode_read_it_is_reported_once_watched() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("next.png");
        std::fs::write(&file, b"one").unwrap();
        let (watcher, changes, stamped) = probed();
        // Decoded ahead of its turn, then edited before it shows.
        let read = std::fs::metadata(&file).unwrap();
        watcher.read_stamps().read(&file, &read);
        stamped.recv_timeout(HEARD).unwrap();
        std::fs::write(&file, b"two, longer").unwrap();
        watcher.watch(vec![file.clone()]);
        stamped.recv_timeout(HEARD).unwrap();
        let got = changes.recv_timeout(HEARD).unwrap();
        assert_eq!(got, file);
        // The new version is the one known now: nothing more to report.
        assert!(changes.recv_timeout(POLL_INTERVAL * 2).is_err());
    }

    #[test]
    fn every_watched_file_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.png"), dir.path().join("b.png"));
        std::fs::write(&a, b"a").unwrap();
        std::fs::write(&b, b"b").unwrap();
        let (watcher, changes, stamped) = probed();
        watcher.watch(vec![a.clone(), b.clone()]);
        stamped.recv_timeout(HEARD).unwrap();
        std::fs::write(&b, b"bbbbbb").unwrap();
        assert_eq!(changes.recv_timeout(HEARD).unwrap(), b);
    }

    #[test]
    fn other_files_are_not_reported() {
        let dir = tempfile::tempdir().unwrap();
        let watched = dir.path().join("a.png");
        let other = dir.path().join("b.png");
        std::fs::write(&watched, b"a").unwrap();
        std::fs::write(&other, b"b").unwrap();
        let (watcher, changes, stamped) = probed();
        watcher.watch(vec![watched.clone()]);
        stamped.recv_timeout(HEARD).unwrap();
        std::fs::write(&other, b"bbbbbb").unwrap();
        assert!(changes.recv_timeout(POLL_INTERVAL * 3).is_err());
        // The watcher was alive all along: its own file is still reported.
        std::fs::write(&watched, b"aaaaaa").unwrap();
        let got = changes.recv_timeout(HEARD).unwrap();
        assert_eq!(got, watched);
    }
}
