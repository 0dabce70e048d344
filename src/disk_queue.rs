//! A small first-in first-out queue kept in a file, for what must reach the
//! server even across a restart (view events made while offline).
//!
//! The file is rewritten atomically on every change, so a crash leaves either
//! the old queue or the new one. It is bounded: past `capacity` the oldest
//! entries are dropped (the server would refuse views that old anyway), and a
//! damaged line is skipped and logged, never fatal.

use std::collections::VecDeque;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

#[derive(Debug, thiserror::Error)]
#[error("The queue file {path} could not be saved: {source}. Check that the folder is writable.")]
pub struct QueueError {
    path: PathBuf,
    source: std::io::Error,
}

pub struct DiskQueue<T> {
    path: PathBuf,
    capacity: usize,
    /// Kept as JSON text: what was read is written back unchanged.
    lines: VecDeque<String>,
    _items: PhantomData<T>,
}

impl<T: Serialize + DeserializeOwned> DiskQueue<T> {
    /// Opens the queue at `path` (empty when the file does not exist yet).
    pub fn open(path: &Path, capacity: usize) -> Self {
        let mut lines = VecDeque::new();
        match std::fs::read_to_string(path) {
            Ok(text) => {
                for (n, line) in text.lines().enumerate() {
                    if line.trim().is_empty() {
                        continue;
                    }
                    if serde_json::from_str::<T>(line).is_ok() {
                        lines.push_back(line.to_owned());
                    } else {
                        tracing::warn!("skipping damaged line {} of {}", n + 1, path.display());
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!("cannot read {}: {e}; starting empty", path.display()),
        }
        while lines.len() > capacity {
            lines.pop_front();
        }
        Self {
            path: path.to_path_buf(),
            capacity,
            lines,
            _items: PhantomData,
        }
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The oldest entry, without removing it (removed once the server has it).
    pub fn front(&self) -> Option<T> {
        self.lines
            .front()
            .and_then(|l| serde_json::from_str(l).ok())
    }

    pub fn push(&mut self, item: &T) -> Result<(), QueueError> {
        let line = serde_json::to_string(item).map_err(|e| QueueError {
            path: self.path.clone(),
            source: std::io::Error::other(e),
        })?;
        self.lines.push_back(line);
        while self.lines.len() > self.capacity {
            self.lines.pop_front();
        }
        self.save()
    }

    /// Removes the oldest entry (after it was delivered).
    pub fn pop(&mut self) -> Result<Option<T>, QueueError> {
        let Some(line) = self.lines.pop_front() else {
            return Ok(None);
        };
        self.save()?;
        Ok(serde_json::from_str(&line).ok())
    }

    fn save(&self) -> Result<(), QueueError> {
        let mut text = String::new();
        for line in &self.lines {
            text.push_str(line);
            text.push('\n');
        }
        crate::atomic_file::write(&self.path, text.as_bytes()).map_err(|source| QueueError {
            path: self.path.clone(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct View {
        post_id: i64,
    }

    #[test]
    fn entries_survive_a_restart_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("views.jsonl");
        let mut q = DiskQueue::<View>::open(&path, 100);
        q.push(&View { post_id: 1 }).unwrap();
        q.push(&View { post_id: 2 }).unwrap();
        drop(q);
        let mut q = DiskQueue::<View>::open(&path, 100);
        assert_eq!(q.len(), 2);
        assert_eq!(q.front(), Some(View { post_id: 1 }));
        assert_eq!(q.pop().unwrap(), Some(View { post_id: 1 }));
        drop(q);
        let mut q = DiskQueue::<View>::open(&path, 100);
        assert_eq!(q.pop().unwrap(), Some(View { post_id: 2 }));
        assert_eq!(q.pop().unwrap(), None);
    }

    #[test]
    fn the_oldest_entries_go_when_full() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("views.jsonl");
        let mut q = DiskQueue::<View>::open(&path, 2);
        for post_id in 1..=3 {
            q.push(&View { post_id }).unwrap();
        }
        assert_eq!(q.len(), 2);
        assert_eq!(q.front(), Some(View { post_id: 2 }));
    }

    #[test]
    fn damaged_lines_are_skipped_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("views.jsonl");
        std::fs::write(&path, "{\"post_id\": 5}\n{garbage\n\n{\"post_id\": 6}\n").unwrap();
        let q = DiskQueue::<View>::open(&path, 10);
        assert_eq!(q.len(), 2);
        assert_eq!(q.front(), Some(View { post_id: 5 }));
    }
}
