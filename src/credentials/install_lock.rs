//! One install at a time across processes: the command line
//! (`makapix-player credentials import`) and a running window both read
//! `player.json`, write a new slot in the keyring, switch the file to it and
//! delete the old slot. Two at once would both take the same "old" set and
//! leave one new set orphaned in the keyring. A lock on a file beside
//! `player.json` (std's `File::lock`: `flock` on Unix, `LockFileEx` on
//! Windows) makes the second wait; the OS drops it if a process dies.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

/// The lock file's name, in the folder of `player.json`.
pub const FILE_NAME: &str = "credentials.lock";

#[derive(Debug, thiserror::Error)]
#[error(
    "The credentials could not be changed: the lock file {path} could not be used ({source}). Check that the config folder is writable, then try again."
)]
pub struct LockError {
    path: String,
    source: std::io::Error,
}

/// Held while credentials change; released when dropped (or the process ends).
#[derive(Debug)]
pub(crate) struct InstallLock {
    _file: File,
}

/// Waits until no other process (or `Service`) changes credentials, then holds the lock.
pub(crate) fn acquire(facts_path: &Path) -> Result<InstallLock, LockError> {
    let path = lock_path(facts_path);
    let fail = |source| LockError {
        path: path.display().to_string(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(fail)?;
    file.lock().map_err(fail)?;
    Ok(InstallLock { _file: file })
}

fn lock_path(facts_path: &Path) -> PathBuf {
    facts_path.with_file_name(FILE_NAME)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_waits_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let facts = dir.path().join("config").join("player.json");
        let first = acquire(&facts).unwrap();
        let file = File::open(lock_path(&facts)).unwrap();
        assert!(file.try_lock().is_err(), "the lock is held");
        drop(first);
        assert!(file.try_lock().is_ok(), "released when dropped");
    }
}
