//! Who is first, decided under an exclusive lock on a file beside the socket.
//!
//! Binding a Unix socket over a file already there means unlinking it, and
//! nothing tells a crashed window's file from one a launch bound a moment ago:
//! two launches that both found no socket would each replace the other's and
//! open two windows with one identity. So the window holds this lock for as
//! long as it listens (the system lets it go when the process ends, also on a
//! crash), and a launch binds, or replaces a socket nobody answers on, only
//! while it holds the lock itself.
//!
//! The lock file is left in place: removing it would let a launch lock a file
//! that a second launch is about to replace.

use std::io;

use super::InstanceName;

/// The lock, held: this process is the one that may listen.
pub(super) struct FirstLock {
    #[cfg(unix)]
    _file: std::fs::File,
}

impl FirstLock {
    /// The lock when no other process holds it; `None` when a window (or a
    /// launch deciding) does.
    #[cfg(unix)]
    pub(super) fn try_take(name: &InstanceName) -> io::Result<Option<Self>> {
        use std::os::unix::fs::OpenOptionsExt as _;
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            // The folder is this user's alone; a link there is still not followed.
            .custom_flags(libc::O_NOFOLLOW)
            .open(name.lock_path()?)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(Self { _file: file })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(e),
        }
    }

    /// Windows: a pipe is gone with its process and cannot be replaced while
    /// it exists, so creating it decides alone.
    #[cfg(not(unix))]
    pub(super) fn try_take(_name: &InstanceName) -> io::Result<Option<Self>> {
        Ok(Some(Self {}))
    }
}
