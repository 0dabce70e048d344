//! Per-user folders (config, cache, data) in the places each OS expects.

use std::path::{Path, PathBuf};

use directories::ProjectDirs;

/// Where the program keeps its files. Tests point these at temporary folders
/// through the usual environment (`HOME`, `XDG_*` on Linux).
#[derive(Clone, Debug)]
pub struct AppPaths {
    pub config: PathBuf,
    pub cache: PathBuf,
    pub data: PathBuf,
}

impl AppPaths {
    /// `None` when the OS reports no home folder (then nothing is persisted).
    pub fn from_os() -> Option<Self> {
        let dirs = ProjectDirs::from("club", "Makapix", "Makapix Player")?;
        Some(Self {
            config: dirs.config_dir().to_path_buf(),
            cache: dirs.cache_dir().to_path_buf(),
            data: dirs.data_dir().to_path_buf(),
        })
    }

    /// All three folders below one root, for tests and portable set-ups.
    pub fn under(root: &Path) -> Self {
        Self {
            config: root.join("config"),
            cache: root.join("cache"),
            data: root.join("data"),
        }
    }

    pub fn settings_file(&self) -> PathBuf {
        self.config.join("settings.json")
    }

    /// Removes, on a thread of its own, the temporary files a crash left in
    /// the player's folders (the artwork cache sweeps its own when it opens).
    pub fn sweep_leftovers(&self) {
        const AGE: std::time::Duration = std::time::Duration::from_secs(3600);
        let dirs = [self.config.clone(), self.data.clone()];
        let spawned = std::thread::Builder::new()
            .name("sweep-leftovers".into())
            .spawn(move || {
                for dir in dirs {
                    let swept = super::atomic_file::sweep_leftovers(&dir, AGE, 3);
                    if swept > 0 {
                        tracing::info!(
                            "removed {swept} temporary files left by a crash in {}",
                            dir.display()
                        );
                    }
                }
            });
        if let Err(e) = spawned {
            tracing::warn!("cannot look for files a crash left: {e}");
        }
    }

    pub fn log_dir(&self) -> PathBuf {
        self.data.join("logs")
    }
}

/// Where a file this version cannot read is kept, beside it: the first of
/// `name.bad`, `name.bad.2` … `name.bad.9` not taken, so a second damaged
/// file does not replace the first; once all are, the last is replaced.
/// Looks at the folder: call it off the window thread, as its callers do.
pub fn bad_path(path: &Path) -> PathBuf {
    let name = path.file_name().unwrap_or_default().to_os_string();
    let numbered = |n: u32| {
        let mut kept = name.clone();
        kept.push(if n == 1 {
            ".bad".to_owned()
        } else {
            format!(".bad.{n}")
        });
        path.with_file_name(kept)
    };
    (1..MAX_KEPT)
        .map(numbered)
        .find(|kept| std::fs::symlink_metadata(kept).is_err())
        .unwrap_or_else(|| numbered(MAX_KEPT))
}

/// Unreadable versions of one file kept at most.
const MAX_KEPT: u32 = 9;

#[cfg(test)]
mod tests {
    #[test]
    fn each_unreadable_version_is_kept_beside_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        let mut kept = Vec::new();
        for _ in 0..10 {
            let next = super::bad_path(&path);
            std::fs::write(&next, kept.len().to_string()).unwrap();
            kept.push(next);
        }
        assert_eq!(kept[0], dir.path().join("settings.json.bad"));
        assert_eq!(kept[1], dir.path().join("settings.json.bad.2"));
        assert_eq!(kept[8], dir.path().join("settings.json.bad.9"));
        assert_eq!(kept[9], kept[8], "the last is replaced once all are taken");
        let first = std::fs::read_to_string(&kept[0]).unwrap();
        assert_eq!(first, "0", "the first is never replaced");
    }
}
