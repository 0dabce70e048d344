//! The queue file's own thread: it reads the file once, then appends adds and
//! removals as they come (one `fsync` per batch), and rewrites the file whole
//! when removals outweigh the live entries. Callers only send it messages.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::oneshot;

use super::{EntryId, Loaded, load};

/// Rewrite when the file holds this many more records than live entries.
pub(super) const SLACK: usize = 64;

enum Op {
    Add(EntryId, String),
    Done(EntryId),
    /// Answered once everything before it is on disk.
    Flush(oneshot::Sender<()>),
}

/// The handle on a queue file. Dropping it lets the thread finish what was
/// sent, then end.
pub struct Journal {
    ops: mpsc::Sender<Op>,
    path: PathBuf,
}

impl Journal {
    /// Starts the thread, which first reads `path`; what it held arrives on
    /// the receiver, and `report` hears at once what went wrong reading it (a
    /// file kept aside), even if nobody takes the entries yet. `fresh_id` names
    /// entries of the older file format.
    pub fn open<T>(
        path: &Path,
        fresh_id: fn() -> EntryId,
        report: impl FnOnce(String) + Send + 'static,
    ) -> std::io::Result<(Journal, oneshot::Receiver<Loaded<T>>)>
    where
        T: Serialize + DeserializeOwned + Send + 'static,
    {
        let (ops, rx) = mpsc::channel();
        let (loaded_tx, loaded_rx) = oneshot::channel();
        let file = path.to_path_buf();
        std::thread::Builder::new()
            .name("queue-file".into())
            .spawn(move || {
                let mut loaded = load::<T>(&file, fresh_id);
                if let Some(note) = loaded.note.take() {
                    report(note);
                }
                let mut state = Writer::new(file, &loaded);
                if loaded.compact {
                    state.rewrite();
                }
                let _ = loaded_tx.send(loaded);
                state.serve(&rx);
            })?;
        Ok((
            Journal {
                ops,
                path: path.to_path_buf(),
            },
            loaded_rx,
        ))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn add<T: Serialize>(&self, id: EntryId, item: &T) {
        match serde_json::to_string(item) {
            Ok(json) => {
                let _ = self.ops.send(Op::Add(id, json));
            }
            Err(e) => tracing::warn!("a queue entry could not be written: {e}"),
        }
    }

    pub fn done(&self, id: EntryId) {
        let _ = self.ops.send(Op::Done(id));
    }

    /// `done` receives `()` once everything sent before is on disk (or the
    /// thread is gone). Never waits itself.
    pub(crate) fn flush_then(&self, done: oneshot::Sender<()>) {
        if let Err(mpsc::SendError(Op::Flush(done))) = self.ops.send(Op::Flush(done)) {
            let _ = done.send(());
        }
    }
}

struct Writer {
    path: PathBuf,
    file: Option<File>,
    /// Live entries as their journal lines, in queue order.
    live: Vec<(EntryId, String)>,
    /// Records in the file now (adds and removals).
    records: usize,
    /// The last write failed, perhaps halfway through a line: it is logged
    /// once, and the next write replaces the whole file rather than append
    /// after a torn line.
    failing: bool,
}

impl Writer {
    fn new<T: Serialize>(path: PathBuf, loaded: &Loaded<T>) -> Self {
        let live: Vec<_> = loaded
            .items
            .iter()
            .filter_map(|(id, item)| Some((*id, add_line(*id, &serde_json::to_string(item).ok()?))))
            .collect();
        let records = live.len();
        Self {
            path,
            file: None,
            live,
            records,
            failing: false,
        }
    }

    fn serve(&mut self, rx: &mpsc::Receiver<Op>) {
        while let Ok(first) = rx.recv() {
            let mut flushed = Vec::new();
            let mut lines = String::new();
            let mut op = Some(first);
            // Everything already waiting goes out in one write and one fsync.
            while let Some(next) = op.take().or_else(|| rx.try_recv().ok()) {
                match next {
                    Op::Add(id, json) => {
                        let line = add_line(id, &json);
                        lines.push_str(&line);
                        lines.push('\n');
                        self.live.push((id, line));
                    }
                    Op::Done(id) => {
                        if let Some(at) = self.live.iter().position(|(i, _)| *i == id) {
                            self.live.remove(at);
                            lines.push_str(&format!("{{\"done\":{id}}}\n"));
                        }
                    }
                    Op::Flush(done) => flushed.push(done),
                }
            }
            if !lines.is_empty() {
                self.records += lines.matches('\n').count();
                if self.failing || self.records > self.live.len() * 2 + SLACK {
                    self.rewrite();
                } else {
                    self.append(&lines);
                }
            }
            for done in flushed {
                let _ = done.send(());
            }
        }
    }

    fn append(&mut self, lines: &str) {
        let result = (|| {
            if self.file.is_none() {
                if let Some(parent) = self.path.parent() {
                    crate::storage::private_files::create_dir(parent)?;
                }
                // Each line names this player: the owner's eyes only.
                let file = crate::storage::private_files::owner_only(
                    File::options().create(true).append(true),
                )
                .open(&self.path)?;
                self.file = Some(file);
            }
            let file = self.file.as_mut().ok_or(std::io::ErrorKind::NotFound)?;
            file.write_all(lines.as_bytes())?;
            file.sync_data()
        })();
        self.report(result);
    }

    /// Replaces the file with just the live entries.
    fn rewrite(&mut self) {
        let mut text = String::new();
        for (_, line) in &self.live {
            text.push_str(line);
            text.push('\n');
        }
        // The old handle points at the file being replaced.
        self.file = None;
        let result = crate::storage::atomic_file::write(&self.path, text.as_bytes());
        if result.is_ok() {
            self.records = self.live.len();
        }
        self.report(result);
    }

    fn report(&mut self, result: std::io::Result<()>) {
        match result {
            Ok(()) => self.failing = false,
            Err(e) => {
                // A handle in a bad state is reopened at the next write.
                self.file = None;
                if !self.failing {
                    tracing::warn!(
                        "The queue file {} could not be written: {e}. Check that the folder is writable; queued views are kept in memory meanwhile.",
                        self.path.display()
                    );
                }
                self.failing = true;
            }
        }
    }
}

fn add_line(id: EntryId, json: &str) -> String {
    format!("{{\"id\":{id},\"item\":{json}}}")
}
