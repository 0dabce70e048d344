//! The player's own files hold its key (`player.json`, the views queue), its
//! server and its logs: on Unix they are the owner's alone, files 0600 in
//! folders 0700, whatever the umask. Folders and files made by an older version
//! are tightened at start-up. Elsewhere the per-user folders are private already.

use std::fs::OpenOptions;
use std::path::Path;

use crate::storage::paths::AppPaths;

/// A file's permissions: read and write for the owner only.
pub const FILE_MODE: u32 = 0o600;
/// A folder's permissions: the owner only.
pub const DIR_MODE: u32 = 0o700;

/// Creates `dir` and its missing parents, each new one private (an existing
/// folder keeps its mode: it may be the user's own).
pub fn create_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIR_MODE);
    builder.create(dir)
}

/// Makes `options` create a file readable by its owner only.
pub(crate) fn owner_only(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(options, FILE_MODE);
    options
}

/// Tightens the config, data and cache folders and everything in them; what
/// cannot be changed is logged and skipped (the program still runs).
pub fn tighten(paths: &AppPaths) {
    for root in [&paths.config, &paths.data, &paths.cache] {
        tighten_tree(root);
    }
}

#[cfg(unix)]
fn tighten_tree(root: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mut stack = vec![root.to_path_buf()];
    while let Some(path) = stack.pop() {
        // Never through a symlink: its target is not ours to change.
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        let wanted = if meta.is_dir() {
            DIR_MODE
        } else if meta.is_file() {
            FILE_MODE
        } else {
            continue;
        };
        let mode = meta.permissions().mode() & 0o777;
        if mode & !wanted != 0
            && let Err(e) =
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode & wanted))
        {
            tracing::warn!("could not make {} private: {e}", path.display());
        }
        if meta.is_dir()
            && let Ok(entries) = std::fs::read_dir(&path)
        {
            stack.extend(entries.flatten().map(|e| e.path()));
        }
    }
}

#[cfg(not(unix))]
fn tighten_tree(_root: &Path) {}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::symlink_metadata(path)
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    }

    #[test]
    fn open_folders_and_files_are_tightened_and_symlinks_left_alone() {
        let root = tempfile::tempdir().unwrap();
        let paths = AppPaths::under(root.path());
        let queue = paths.data.join("views");
        std::fs::create_dir_all(&queue).unwrap();
        std::fs::create_dir_all(&paths.config).unwrap();
        let facts = paths.config.join("player.json");
        std::fs::write(&facts, "{}").unwrap();
        let journal = queue.join("queue.jsonl");
        std::fs::write(&journal, "").unwrap();
        for p in [&paths.data, &queue, &paths.config] {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        for p in [&facts, &journal] {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        let outside = tempfile::NamedTempFile::new().unwrap();
        std::fs::set_permissions(outside.path(), std::fs::Permissions::from_mode(0o644)).unwrap();
        std::os::unix::fs::symlink(outside.path(), paths.config.join("link")).unwrap();

        tighten(&paths);

        for p in [&paths.data, &queue, &paths.config] {
            assert_eq!(mode(p), 0o700, "{}", p.display());
        }
        for p in [&facts, &journal] {
            assert_eq!(mode(p), 0o600, "{}", p.display());
        }
        assert_eq!(
            mode(outside.path()),
            0o644,
            "a symlink's target is not ours"
        );
    }

    #[test]
    fn new_folders_and_files_are_private_whatever_the_umask() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/b");
        create_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&root.path().join("a")), 0o700);
        let file = dir.join("f");
        owner_only(OpenOptions::new().create(true).append(true))
            .open(&file)
            .unwrap();
        assert_eq!(mode(&file), 0o600);
    }
}
