//! Logs go to stderr and to a file in the per-user data folder, so a user can
//! send the file when something went wrong. Secrets are never logged.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tracing::Level;
use tracing_subscriber::fmt::writer::MakeWriterExt;

pub const LOG_FILE_NAME: &str = "makapix-player.log";

/// Starts logging. Returns the log file in use, or `None` when it could not be
/// opened (logging then goes to stderr only; the program still runs).
pub fn init(log_dir: Option<&Path>, verbose: bool) -> Option<PathBuf> {
    let level = if verbose { Level::DEBUG } else { Level::INFO };
    let file = log_dir.and_then(|dir| {
        std::fs::create_dir_all(dir).ok()?;
        let path = dir.join(LOG_FILE_NAME);
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .ok()?;
        Some((path, file))
    });
    let builder = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_target(false);
    match file {
        Some((path, file)) => {
            let writer = std::io::stderr.and(Mutex::new(file));
            // A second init (tests) is harmless: keep the first subscriber.
            let _ = builder.with_ansi(false).with_writer(writer).try_init();
            Some(path)
        }
        None => {
            let _ = builder.with_writer(std::io::stderr).try_init();
            None
        }
    }
}
