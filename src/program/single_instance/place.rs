//! Where the single-instance socket lives, and who is on its other end.
//!
//! Linux's abstract socket names have no permissions: any local user could take
//! the name first and receive a launch's paths, or hold the launch up. So on
//! Unix the socket is a file in a folder only this user can enter: Linux's
//! `$XDG_RUNTIME_DIR` (made 0700 for the session by the system), else a 0700
//! folder of ours under the temporary folder (macOS's is already per-user).
//! Both ends still check the other's user id: a folder can be misconfigured.

#[cfg(unix)]
use std::io;
#[cfg(unix)]
use std::path::{Path, PathBuf};

use interprocess::local_socket::Stream;

/// The folder for the socket: `runtime_dir` when it is this user's private
/// folder, else `temp` when it is (macOS), else ours under `temp`, created
/// 0700 if missing. A folder that is
/// not ours, or that others may enter, is never used: another user could have
/// made it to squat the socket.
#[cfg(unix)]
pub(super) fn socket_dir(runtime_dir: Option<&Path>, temp: &Path) -> io::Result<PathBuf> {
    use std::os::unix::fs::DirBuilderExt as _;
    if let Some(dir) = runtime_dir.filter(|d| d.is_absolute())
        && is_private(dir).is_ok()
    {
        return Ok(dir.to_path_buf());
    }
    // macOS's temporary folder is already this user's own.
    if is_private(temp).is_ok() {
        return Ok(temp.to_path_buf());
    }
    let uid = euid();
    let mut last = None;
    // A second name when another user has taken the first.
    for name in [
        format!("makapix-player-{uid}"),
        format!("makapix-player-{uid}-1"),
    ] {
        let dir = temp.join(name);
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        match is_private(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no private folder")))
}

/// Whether `dir` is a real folder (not a link) owned by this user that no one
/// else may enter.
#[cfg(unix)]
pub(super) fn is_private(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::MetadataExt as _;
    let meta = std::fs::symlink_metadata(dir)?;
    if meta.is_dir() && meta.uid() == euid() && meta.mode() & 0o077 == 0 {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "{} is not a folder of this user's that only it may enter",
                dir.display()
            ),
        ))
    }
}

#[cfg(unix)]
fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Whether the other end of `stream` runs as this user: a window checks who
/// launched, a launch checks whom it reached before it says anything.
#[cfg(unix)]
pub(super) fn same_user(stream: &Stream) -> bool {
    use interprocess::local_socket::traits::StreamCommon as _;
    match stream.peer_creds() {
        Ok(creds) => creds.euid() == Some(euid()),
        Err(e) => {
            tracing::warn!("the player's local socket cannot tell who is on the other end: {e}");
            false
        }
    }
}

#[cfg(windows)]
pub(super) fn same_user(stream: &Stream) -> bool {
    super::windows::same_user(stream)
}

/// The socket file a window made, known by its inode: removed when the window
/// closes, unless a later window has replaced it meanwhile.
#[cfg(unix)]
pub(super) struct SocketFile {
    path: PathBuf,
    inode: (u64, u64),
}

#[cfg(unix)]
impl SocketFile {
    /// The file at `path` as it is now (`None`: not there).
    pub(super) fn made_at(path: PathBuf) -> Option<Self> {
        let inode = inode(&path)?;
        Some(Self { path, inode })
    }

    /// Removes the file if it is still the one made.
    pub(super) fn remove(&self) {
        if inode(&self.path) == Some(self.inode) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[cfg(unix)]
fn inode(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt as _;
    let meta = std::fs::symlink_metadata(path).ok()?;
    Some((meta.dev(), meta.ino()))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::{MetadataExt as _, PermissionsExt};

    #[test]
    fn a_private_runtime_folder_is_used_and_an_open_one_is_not() {
        let runtime = tempfile::tempdir().unwrap();
        let temp = tempfile::tempdir().unwrap();
        std::fs::set_permissions(runtime.path(), PermissionsExt::from_mode(0o700)).unwrap();
        let dir = socket_dir(Some(runtime.path()), temp.path()).unwrap();
        assert_eq!(dir, runtime.path());

        std::fs::set_permissions(runtime.path(), PermissionsExt::from_mode(0o755)).unwrap();
        let dir = socket_dir(Some(runtime.path()), temp.path()).unwrap();
        assert_eq!(dir, temp.path().join(format!("makapix-player-{}", euid())));
        let mode = std::fs::metadata(&dir).unwrap().mode() & 0o777;
        assert_eq!(mode, 0o700);
        assert_eq!(
            socket_dir(None, temp.path()).unwrap(),
            dir,
            "the same each time"
        );
        assert_eq!(
            socket_dir(Some(Path::new("relative")), temp.path()).unwrap(),
            dir
        );
    }

    #[test]
    fn a_fallback_folder_others_may_enter_is_passed_over() {
        let temp = tempfile::tempdir().unwrap();
        let taken = temp.path().join(format!("makapix-player-{}", euid()));
        std::fs::create_dir(&taken).unwrap();
        std::fs::set_permissions(&taken, PermissionsExt::from_mode(0o777)).unwrap();
        let dir = socket_dir(None, temp.path()).unwrap();
        assert_eq!(
            dir,
            temp.path().join(format!("makapix-player-{}-1", euid()))
        );
        std::os::unix::fs::symlink(&taken, temp.path().join("link")).unwrap();
        assert!(
            is_private(&temp.path().join("link")).is_err(),
            "a link is not a folder"
        );
    }
}
