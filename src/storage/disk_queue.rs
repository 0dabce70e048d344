//! A queue kept in a file, for what must reach the server even across a
//! restart (view events made while offline).
//!
//! The file is a journal of JSON lines, appended to: `{"id":N,"item":{…}}` adds
//! an entry, `{"done":N}` removes it; the writer rewrites it whole (atomically)
//! only now and then, when removals outweigh what is still queued. All file work
//! happens on the queue's own thread (`writer`), never on the caller's.
//!
//! Reading is bounded: a file over `MAX_BYTES`, or one with a damaged line, is
//! kept aside as `<name>.bad` for inspection and the queue starts empty (an
//! unfinished last line, left by a crash in the middle of an append, is only
//! skipped). Lines of the older format, one bare item per line, are read as adds.

mod writer;

use std::path::Path;

use serde::Deserialize;
use serde::de::DeserializeOwned;

pub use writer::Journal;

/// Far above what a full queue needs (500 views of about 300 bytes, plus removals).
pub(crate) const MAX_BYTES: u64 = 4 * 1024 * 1024;

/// An entry's identity in the file.
pub(crate) type EntryId = u64;

/// What a queue file held.
#[derive(Debug)]
pub struct Loaded<T> {
    /// Live entries, oldest first.
    pub items: Vec<(EntryId, T)>,
    /// A sentence for the log when something was skipped or kept aside.
    pub note: Option<String>,
    /// The file should be rewritten (older format, or removals to drop).
    pub compact: bool,
}

impl<T> Default for Loaded<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            note: None,
            compact: false,
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Record<T> {
    Add { id: EntryId, item: T },
    Done { done: EntryId },
    Bare(T),
}

/// Reads the journal text: the live entries, or why the text is damaged.
/// `fresh_id` names entries of the older format, which have no id.
pub fn parse<T: DeserializeOwned>(
    text: &str,
    mut fresh_id: impl FnMut() -> EntryId,
) -> Result<Loaded<T>, String> {
    let mut loaded = Loaded::default();
    let complete = text.ends_with('\n');
    let lines: Vec<&str> = text.lines().collect();
    let mut records = 0;
    for (n, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        records += 1;
        match serde_json::from_str::<Record<T>>(line) {
            Ok(Record::Add { id, item }) => {
                loaded.items.retain(|(other, _)| *other != id);
                loaded.items.push((id, item));
            }
            Ok(Record::Done { done }) => loaded.items.retain(|(id, _)| *id != done),
            Ok(Record::Bare(item)) => {
                loaded.items.push((fresh_id(), item));
                loaded.compact = true;
            }
            Err(_) if n + 1 == lines.len() && !complete => {
                loaded.note = Some(format!(
                    "the last line of the queue file was cut short (the program stopped while writing it); {} entr(ies) kept",
                    loaded.items.len()
                ));
                loaded.compact = true;
            }
            Err(e) => return Err(format!("line {} is damaged ({e})", n + 1)),
        }
    }
    if records > loaded.items.len() {
        loaded.compact = true;
    }
    Ok(loaded)
}

/// Reads the queue at `path` (blocking: call it on a worker thread). A
/// missing file is an empty queue; a damaged or oversized one is kept aside.
pub fn load<T: DeserializeOwned>(path: &Path, fresh_id: impl FnMut() -> EntryId) -> Loaded<T> {
    let text = match read_capped(path) {
        Ok(Some(text)) => text,
        Ok(None) => return Loaded::default(),
        Err(Unreadable::TooLarge(size)) => {
            let why = format!("it is {size} bytes, more than a queue can hold");
            return set_aside(path, &why);
        }
        Err(Unreadable::NotText) => return set_aside(path, "it is not text"),
        Err(Unreadable::Io(e)) => {
            return Loaded {
                note: Some(format!(
                    "The queue file {} could not be read ({e}); the queue starts empty.",
                    path.display()
                )),
                ..Loaded::default()
            };
        }
    };
    match parse(&text, fresh_id) {
        Ok(loaded) => loaded,
        Err(why) => set_aside(path, &why),
    }
}

enum Unreadable {
    TooLarge(u64),
    NotText,
    Io(std::io::Error),
}

fn read_capped(path: &Path) -> Result<Option<String>, Unreadable> {
    use std::io::Read;
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Unreadable::Io(e)),
    };
    // Read at most one byte past the cap: the size on disk may change meanwhile.
    let mut bytes = Vec::new();
    file.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(Unreadable::Io)?;
    if bytes.len() as u64 > MAX_BYTES {
        let size = std::fs::metadata(path).map_or(bytes.len() as u64, |m| m.len());
        return Err(Unreadable::TooLarge(size));
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| Unreadable::NotText)
}

fn set_aside<T>(path: &Path, why: &str) -> Loaded<T> {
    let kept = super::paths::bad_path(path);
    let note = match std::fs::rename(path, &kept) {
        Ok(()) => format!(
            "The queue file {} could not be used: {why}. It was kept as {} and the queue starts empty.",
            path.display(),
            kept.display()
        ),
        Err(e) => format!(
            "The queue file {} could not be used: {why}, and could not be kept aside ({e}); the queue starts empty and will replace it.",
            path.display()
        ),
    };
    Loaded {
        note: Some(note),
        compact: true,
        ..Loaded::default()
    }
}

#[cfg(test)]
#[path = "disk_queue_tests.rs"]
mod tests;
