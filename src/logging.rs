//! Logs go to stderr and to a file in the per-user data folder, so a user can
//! send the file when something went wrong. Secrets are never logged. The
//! folder holds at most `LogBudget::DEFAULT` (`rotating.rs`), and what outside
//! parties put into it is cut short and throttled (`limits.rs`).

mod limits;
mod rotating;

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use std::io::Write;
use tracing::Level;

use tracing_subscriber::fmt::writer::{MakeWriter, MakeWriterExt};

pub use limits::{CLIP_CHARS, SENTENCE_CHARS, Throttle, clip, clip_to};
pub use rotating::{LogBudget, RotatingFile};

pub(crate) const LOG_FILE_NAME: &str = "makapix-player.log";

/// Moves a large log aside (`name.log` → `name.log.1` → `name.log.2` …), dropping the
/// oldest, so logs never fill a disk while the last runs stay available for support.
pub fn rotate(path: &Path, limit: u64, keep: usize) -> std::io::Result<bool> {
    let big = std::fs::metadata(path).is_ok_and(|m| m.len() > limit);
    if !big || keep == 0 {
        return Ok(false);
    }
    let numbered = |n: usize| {
        let mut name = path.as_os_str().to_owned();
        name.push(format!(".{n}"));
        PathBuf::from(name)
    };
    let _ = std::fs::remove_file(numbered(keep));
    for n in (1..keep).rev() {
        let from = numbered(n);
        if from.exists() {
            std::fs::rename(&from, numbered(n + 1))?;
        }
    }
    std::fs::rename(path, numbered(1))?;
    Ok(true)
}

/// Opens the log file to add to it (at start-up, and after each rotation).
fn open_log(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    // The log may name the player's server and errors: the owner's eyes only.
    crate::storage::private_files::owner_only(&mut options);
    options.open(path)
}

/// Starts logging. Returns the log file in use, or `None` when it could not be
/// opened (logging then goes to stderr only; the program still runs).
pub fn init(log_dir: Option<&Path>, verbose: bool) -> Option<PathBuf> {
    let level = if verbose { Level::DEBUG } else { Level::INFO };
    let file = log_dir.and_then(|dir| {
        crate::storage::private_files::create_dir(dir).ok()?;
        let path = dir.join(LOG_FILE_NAME);
        match RotatingFile::new(path.clone(), LogBudget::DEFAULT, open_log) {
            Ok(file) => Some((path, file)),
            Err(e) => {
                eprintln!("the log {} could not be opened: {e}", path.display());
                None
            }
        }
    });
    let builder = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_target(false);
    match file {
        Some((path, file)) => {
            let writer = Redacting(std::io::stderr.and(Mutex::new(file)));
            // A second init (tests) is harmless: keep the first subscriber.
            let _ = builder.with_ansi(false).with_writer(writer).try_init();
            Some(path)
        }
        None => {
            let _ = builder.with_writer(Redacting(std::io::stderr)).try_init();
            None
        }
    }
}

/// Makes writers that shorten every player key the process knows (see
/// `player_key::redact`) before a line reaches stderr or the file: a key in a
/// message built by a crate or a format string we missed stays out of the log.
struct Redacting<M>(M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for Redacting<M> {
    type Writer = RedactingWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter(self.0.make_writer())
    }

    fn make_writer_for(&'a self, meta: &tracing::Metadata<'_>) -> Self::Writer {
        RedactingWriter(self.0.make_writer_for(meta))
    }
}

struct RedactingWriter<W>(W);

impl<W: Write> Write for RedactingWriter<W> {
    /// The formatter hands over each event whole, so a key is never split between calls.
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match std::str::from_utf8(buf) {
            Ok(text) => self
                .0
                .write_all(crate::player_key::redact(text).as_bytes())?,
            Err(_) => self.0.write_all(buf)?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_log_is_rotated_and_the_oldest_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join(LOG_FILE_NAME);
        let name = |n: usize| dir.path().join(format!("{LOG_FILE_NAME}.{n}"));
        std::fs::write(&log, b"current, too big").unwrap();
        std::fs::write(name(1), b"one").unwrap();
        std::fs::write(name(2), b"two").unwrap();
        assert!(rotate(&log, 4, 2).unwrap());
        assert!(!log.exists());
        assert_eq!(std::fs::read(name(1)).unwrap(), b"current, too big");
        assert_eq!(std::fs::read(name(2)).unwrap(), b"one");
        assert!(!name(3).exists(), "only two rotated logs are kept");
    }

    #[test]
    fn a_known_player_key_is_shortened_on_its_way_to_the_log() {
        let key = "7e57ab1e-0000-4000-8000-00000000c0de";
        crate::player_key::remember(key);
        let mut out = RedactingWriter(Vec::new());
        let line = format!("polling /player/{key}/credentials\n");
        out.write_all(line.as_bytes()).unwrap();
        assert_eq!(
            String::from_utf8(out.0).unwrap(),
            "polling /player/7e57ab1e…/credentials\n"
        );
    }

    #[test]
    fn a_small_log_stays() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join(LOG_FILE_NAME);
        std::fs::write(&log, b"small").unwrap();
        assert!(!rotate(&log, 1024, 3).unwrap());
        assert!(log.exists());
    }
}
