//! Files replaced whole: readers see either the old or the new contents, never
//! half of them, whatever a crash or a full disk does in between.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `contents` to `path` through a hidden file beside it (same folder, so
/// the rename is atomic; no clash with another file of the same stem). Missing
/// folders are created private (see `private_files`).
pub fn write(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    write_beside(path, contents, Access::OwnerOnly)
}

/// Like `write`, for a file the user asked for where they chose (an export, a
/// saved playlist): it gets the mode any new file of theirs gets (0666 less
/// the umask) and missing folders theirs too, so it can be shared like the
/// rest of their files. The temporary file is made as safely as `write`'s.
pub fn write_document(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    write_beside(path, contents, Access::Umask)
}

/// Who may read a file written, and the folders made for it.
#[derive(Clone, Copy)]
enum Access {
    /// The owner alone, whatever the umask (the player's own files).
    OwnerOnly,
    /// What the umask allows (the user's documents).
    Umask,
}

/// At most this much of a file's name starts its temporary file's name: with
/// the rest (38 bytes) it stays far within the 255 bytes a name may have, so
/// any name the file system takes can be written.
const NAME_IN_TEMP: usize = 32;

/// `path`'s missing folders made for `access`, then `contents` written
/// through a hidden temporary file: "." + the start of the file's name + ".",
/// whose random rest clashes with no other file's temporary name.
fn write_beside(path: &Path, contents: &[u8], access: Access) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        match access {
            Access::OwnerOnly => crate::storage::private_files::create_dir(parent)?,
            Access::Umask => std::fs::create_dir_all(parent)?,
        }
    }
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let mut end = name.len().min(NAME_IN_TEMP);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    write_as(&format!(".{}.", &name[..end]), path, contents, access)
}

/// Writes `contents` to a new temporary file beside `path` whose name starts
/// with `prefix`, flushes it to disk and renames it over `path`; the temporary
/// file is removed again when any step fails. For callers that sweep their own
/// leftovers by name (the artwork cache).
///
/// The temporary name has a random part and is created new (`O_EXCL`), owner
/// only, never through a symlink: someone who can write in the folder cannot
/// plant a file or link under the name and have the contents go there.
pub(crate) fn write_with_prefix(prefix: &str, path: &Path, contents: &[u8]) -> std::io::Result<()> {
    write_as(prefix, path, contents, Access::OwnerOnly)
}

fn write_as(prefix: &str, path: &Path, contents: &[u8], access: Access) -> std::io::Result<()> {
    let (temp, mut file) = create_temp(prefix, path, access)?;
    let written = (|| {
        file.write_all(contents)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// A new file beside `path`, `prefix` + 32 random hex digits + `.tmp`.
fn create_temp(prefix: &str, path: &Path, access: Access) -> std::io::Result<(PathBuf, File)> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    match access {
        Access::OwnerOnly => {
            crate::storage::private_files::owner_only(&mut options);
        }
        // The kernel takes the umask off (the standard library's default mode).
        Access::Umask => {}
    }
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW);
    let mut tries = 0;
    loop {
        let name = format!("{prefix}{}.tmp", uuid::Uuid::new_v4().simple());
        let temp = path.with_file_name(name);
        match options.open(&temp) {
            Ok(file) => return Ok((temp, file)),
            // 128 random bits: a clash means someone planted the name; pick another.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && tries < 3 => tries += 1,
            Err(e) => return Err(e),
        }
    }
}

/// Removes the temporary files a crash or a power cut left in `dir` and the
/// folders under it (down to `depth`), older than `age` (a younger one may
/// be another process's write under way); returns how many went. Only this
/// module's names are touched: "." + the start of a name + "." + 32 hex
/// digits + ".tmp", regular files, never through a link.
pub fn sweep_leftovers(dir: &Path, age: std::time::Duration, depth: usize) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() && depth > 0 {
            removed += sweep_leftovers(&entry.path(), age, depth - 1);
        }
        let stale = || {
            let modified = entry.metadata().and_then(|m| m.modified());
            modified.is_ok_and(|t| t.elapsed().is_ok_and(|e| e > age))
        };
        let name = entry.file_name();
        if kind.is_file() && name.to_str().is_some_and(is_leftover) && stale() {
            removed += usize::from(std::fs::remove_file(entry.path()).is_ok());
        }
    }
    removed
}

fn is_leftover(name: &str) -> bool {
    let Some(stem) = name.strip_prefix('.').and_then(|n| n.strip_suffix(".tmp")) else {
        return false;
    };
    stem.rsplit_once('.').is_some_and(|(_, random)| {
        random.len() == 32 && random.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crash_s_old_temporary_files_are_swept_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("views");
        std::fs::create_dir(&sub).unwrap();
        let random = "0123456789abcdef0123456789abcdef";
        let left = |at: &Path, name: &str, hours: u64| {
            let path = at.join(name);
            let file = File::create(&path).unwrap();
            let then = std::time::SystemTime::now() - std::time::Duration::from_secs(hours * 3600);
            file.set_modified(then).unwrap();
            path
        };
        let old = left(dir.path(), &format!(".settings.json.{random}.tmp"), 2);
        let nested = left(&sub, &format!(".views.jsonl.{random}.tmp"), 2);
        let young = left(dir.path(), &format!(".player.json.{random}.tmp"), 0);
        let theirs = left(dir.path(), "notes.tmp", 2);
        let hidden = left(dir.path(), ".cache.tmp", 2);
        let swept = sweep_leftovers(dir.path(), std::time::Duration::from_secs(3600), 1);
        assert_eq!(swept, 2);
        assert!(!old.exists() && !nested.exists());
        assert!(young.exists(), "maybe a write under way");
        assert!(
            theirs.exists() && hidden.exists(),
            "not this module's names"
        );
    }

    #[test]
    fn a_file_is_replaced_whole_and_no_temporary_file_stays() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.makapix-playlist");
        std::fs::write(&path, "old").unwrap();
        write(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn a_failed_rename_leaves_the_old_file_and_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        // A folder cannot be replaced by a file: the rename fails.
        let path = dir.path().join("taken");
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("inside"), "kept").unwrap();
        assert!(write(&path, b"new").is_err());
        assert_eq!(
            std::fs::read_to_string(path.join("inside")).unwrap(),
            "kept"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    /// Someone who can write in the folder links the temporary name to a file
    /// of the user's: the write must not go through the link.
    #[cfg(unix)]
    #[test]
    fn a_link_planted_at_the_temporary_name_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "the user's").unwrap();
        let path = dir.path().join("player.json");
        for planted in [".player.json.tmp", ".player.json."] {
            std::os::unix::fs::symlink(&victim, dir.path().join(planted)).unwrap();
        }
        write(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "the user's");
        assert!(!std::fs::symlink_metadata(&path).unwrap().is_symlink());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_the_owners_alone_whatever_the_umask() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new/settings.json");
        write(&path, b"{}").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        // Replacing a file the user opened up gives the owner-only mode again.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        write(&path, b"{}").unwrap();
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn a_name_as_long_as_the_file_system_takes_is_written() {
        let dir = tempfile::tempdir().unwrap();
        // 255 bytes, the most a name may have on common file systems, and one
        // that cuts a character where its temporary name's part ends.
        for name in ["a".repeat(251) + ".gif", "é".repeat(125) + ".webp"] {
            let path = dir.path().join(&name);
            write_document(&path, b"GIF89a").unwrap();
            assert_eq!(std::fs::read(&path).unwrap(), b"GIF89a");
            write(&path, b"GIF89b").unwrap();
            assert_eq!(std::fs::read(&path).unwrap(), b"GIF89b");
        }
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 2, "no temporary file stays");
    }

    /// This process's umask, read without changing it (Linux).
    #[cfg(target_os = "linux")]
    fn umask() -> u32 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let line = status.lines().find(|l| l.starts_with("Umask:")).unwrap();
        u32::from_str_radix(line["Umask:".len()..].trim(), 8).unwrap()
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_document_gets_the_users_usual_mode_and_replaces_a_file_whole() {
        use std::os::unix::fs::PermissionsExt;
        // Under the usual 022 this is 0644, where `write` gives 0600.
        let umask = umask();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("exports/art.gif");
        write_document(&path, b"GIF89a").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o666 & !umask);
        assert_eq!(mode(path.parent().unwrap()), 0o777 & !umask);
        write_document(&path, b"GIF89b").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"GIF89b");
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file stays");
    }
}
