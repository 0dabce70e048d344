//! Artwork files kept on disk, so the player keeps playing offline and does not
//! download the same file twice.
//!
//! - File names are the SHA-256 of the server's strings: no server string
//!   (`storage_shard` is opaque and may hold `..`) can steer a write out of the
//!   cache folder or onto another artwork's file.
//! - Writes go to a temporary file that is renamed into place, so a crash never
//!   leaves half a file under a real name.
//! - A size cap (1 GiB unless set) is kept by evicting the least recently used files.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

pub(crate) const DEFAULT_CAP_BYTES: u64 = 1024 * 1024 * 1024;
const TEMP_PREFIX: &str = ".partial-";

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("The artwork cache folder {dir} cannot be used: {source}. Check that it is writable.")]
    Folder {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "An artwork could not be saved in the cache: {0}. Check the free disk space and that the cache folder is writable."
    )]
    Write(std::io::Error),
    #[error("The artwork is larger ({size} bytes) than the whole cache ({cap} bytes).")]
    TooLarge { size: u64, cap: u64 },
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    size: u64,
    /// Larger is more recent; starts from the files' modification times.
    used: u128,
}

pub struct ArtCache {
    dir: PathBuf,
    cap: u64,
    entries: HashMap<String, Entry>,
    total: u64,
    clock: u128,
}

/// The cache file name for an artwork: the SHA-256 of the server's two strings,
/// each preceded by its length (so `("a~b", "c")` and `("a", "b~c")` differ), in
/// hex, and the caller's own format name as the extension, never the server's
/// text. No server string can steer a write out of the folder or pick a name
/// that another artwork's strings give. Files named the older way are never
/// asked for again: misses, evicted like any file.
pub fn file_name(storage_shard: &str, storage_key: &str, extension: &str) -> String {
    let mut context = ring::digest::Context::new(&ring::digest::SHA256);
    for part in [storage_shard, storage_key] {
        context.update(&(part.len() as u64).to_be_bytes());
        context.update(part.as_bytes());
    }
    let mut name = String::with_capacity(64 + 9);
    for byte in context.finish().as_ref() {
        name.push_str(&format!("{byte:02x}"));
    }
    let ext: String = extension
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(8)
        .collect();
    format!("{name}.{ext}")
}

fn is_safe(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '~' | '%' | '.'))
}

impl ArtCache {
    /// Opens (creating) the cache folder, forgets half-written files from an
    /// earlier crash, and trims it to `cap`.
    pub fn open(dir: &Path, cap: u64) -> Result<Self, CacheError> {
        let folder_error = |source| CacheError::Folder {
            dir: dir.to_path_buf(),
            source,
        };
        crate::storage::private_files::create_dir(dir).map_err(folder_error)?;
        let mut entries = HashMap::new();
        let mut total = 0;
        for entry in fs::read_dir(dir).map_err(folder_error)?.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(meta) = entry.metadata() else { continue };
            if name.starts_with(TEMP_PREFIX) {
                let _ = fs::remove_file(entry.path());
                continue;
            }
            if !meta.is_file() || !is_safe(&name) {
                continue;
            }
            let used = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            total += meta.len();
            entries.insert(
                name,
                Entry {
                    size: meta.len(),
                    used,
                },
            );
        }
        let clock = entries.values().map(|e| e.used).max().unwrap_or(0);
        let mut cache = Self {
            dir: dir.to_path_buf(),
            cap,
            entries,
            total,
            clock,
        };
        cache.evict(None);
        Ok(cache)
    }

    pub fn total_bytes(&self) -> u64 {
        self.total
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The file for `name` if cached; counts as a use.
    pub fn get(&mut self, name: &str) -> Option<PathBuf> {
        self.clock += 1;
        let clock = self.clock;
        let entry = self.entries.get_mut(name)?;
        entry.used = clock;
        let path = self.dir.join(name);
        // The modification time carries recency across restarts.
        match fs::File::options().write(true).open(&path) {
            Ok(file) => {
                let _ = file.set_modified(SystemTime::now());
            }
            // Removed behind our back (a disk cleaner): a miss, so it is downloaded again.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                self.forget(name);
                return None;
            }
            Err(_) => {}
        }
        Some(path)
    }

    fn forget(&mut self, name: &str) {
        if let Some(entry) = self.entries.remove(name) {
            self.total -= entry.size;
        }
    }

    /// Forgets `name` and removes its file (it would not decode).
    pub fn remove(&mut self, name: &str) {
        if let Some(entry) = self.entries.remove(name) {
            self.total -= entry.size;
            if let Err(e) = fs::remove_file(self.dir.join(name)) {
                tracing::warn!("could not remove {name} from the artwork cache: {e}");
            }
        }
    }

    /// Stores `bytes` under `name` (from [`file_name`]) and returns its path.
    /// On a full disk the least recently used artworks make room, once.
    pub fn put(&mut self, name: &str, bytes: &[u8]) -> Result<PathBuf, CacheError> {
        self.put_with(name, bytes, |path, bytes| {
            crate::storage::atomic_file::write_with_prefix(TEMP_PREFIX, path, bytes)
        })
    }

    fn put_with(
        &mut self,
        name: &str,
        bytes: &[u8],
        write: impl Fn(&Path, &[u8]) -> std::io::Result<()>,
    ) -> Result<PathBuf, CacheError> {
        if !is_safe(name) {
            return Err(CacheError::Write(std::io::Error::other(format!(
                "'{name}' is not a cache file name"
            ))));
        }
        let size = bytes.len() as u64;
        if size > self.cap {
            return Err(CacheError::TooLarge {
                size,
                cap: self.cap,
            });
        }
        let path = self.dir.join(name);
        let mut written = write(&path, bytes);
        if written
            .as_ref()
            .is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
        {
            written = self.make_folder_again().and_then(|()| write(&path, bytes));
        }
        if written.as_ref().is_err_and(is_disk_full) && self.make_room(size, name) {
            tracing::warn!("the disk is full: older artworks in the cache made room");
            written = write(&path, bytes);
        }
        written.map_err(CacheError::Write)?;
        self.clock += 1;
        if let Some(old) = self.entries.insert(
            name.to_owned(),
            Entry {
                size,
                used: self.clock,
            },
        ) {
            self.total -= old.size;
        }
        self.total += size;
        self.evict(Some(name));
        Ok(path)
    }

    /// The folder went away while the player ran (a disk cleaner, or
    /// systemd-tmpfiles for a cache under /tmp): it is made again, empty.
    fn make_folder_again(&mut self) -> std::io::Result<()> {
        tracing::warn!(
            "the artwork cache folder {} was removed; it is made again",
            self.dir.display()
        );
        crate::storage::private_files::create_dir(&self.dir)?;
        self.entries.clear();
        self.total = 0;
        Ok(())
    }

    /// Removes least recently used files (never `keep`) until `needed` bytes
    /// are freed; returns whether any were.
    fn make_room(&mut self, needed: u64, keep: &str) -> bool {
        let target = self.total.saturating_sub(needed);
        let (cap, total) = (self.cap, self.total);
        self.cap = target;
        self.evict(Some(keep));
        self.cap = cap;
        self.total < total
    }

    /// Removes least recently used files until the cache fits its cap; `keep` is never removed.
    fn evict(&mut self, keep: Option<&str>) {
        while self.total > self.cap {
            let oldest = self
                .entries
                .iter()
                .filter(|(name, _)| Some(name.as_str()) != keep)
                .min_by_key(|(_, e)| e.used)
                .map(|(name, _)| name.clone());
            let Some(name) = oldest else { break };
            if let Some(entry) = self.entries.remove(&name) {
                self.total -= entry.size;
            }
            if let Err(e) = fs::remove_file(self.dir.join(&name)) {
                tracing::warn!("could not remove {name} from the artwork cache: {e}");
            }
        }
    }
}

fn is_disk_full(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A disk with room for `room` bytes of artworks: writes past it fail as a
    /// full disk does, the cache's own files counted as they are now.
    fn disk_of(dir: &Path, room: u64) -> impl Fn(&Path, &[u8]) -> std::io::Result<()> {
        let dir = dir.to_path_buf();
        move |path: &Path, bytes: &[u8]| {
            let used: u64 = fs::read_dir(&dir)?
                .flatten()
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum();
            if used + bytes.len() as u64 > room {
                return Err(std::io::ErrorKind::StorageFull.into());
            }
            fs::write(path, bytes)
        }
    }

    #[test]
    fn on_a_full_disk_the_oldest_artworks_make_room_for_the_new_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = ArtCache::open(dir.path(), 1_000).unwrap();
        for name in ["a.png", "b.png", "c.png"] {
            cache.put(name, &[0; 10]).unwrap();
        }
        assert!(cache.get("a.png").is_some()); // b is now the oldest, then c
        let disk = disk_of(dir.path(), 35);
        let put = cache.put_with("d.png", &[0; 15], &disk);
        assert!(put.is_ok(), "{put:?}");
        assert!(cache.get("b.png").is_none() && !dir.path().join("b.png").exists());
        assert!(cache.get("c.png").is_none(), "15 bytes needed two files");
        assert!(cache.get("a.png").is_some() && cache.get("d.png").is_some());
        assert_eq!(cache.total_bytes(), 25);
        // Nothing left to give: the error is the disk's.
        let err = cache.put_with("e.png", &[0; 40], disk_of(dir.path(), 20));
        assert!(matches!(err, Err(CacheError::Write(_))), "{err:?}");
    }

    #[test]
    fn hostile_server_strings_stay_inside_the_cache_folder() {
        for (shard, key) in [
            ("../../etc", "passwd"),
            ("a/b/c", "../../../x"),
            ("..", ".."),
            ("C:\\Windows", "system32"),
            ("\u{0}", "\u{202e}gnp.exe"),
        ] {
            let name = file_name(shard, key, "png");
            assert!(is_safe(&name), "{name}");
            assert!(
                !name.contains('/') && !name.contains('\\') && !name.starts_with('.'),
                "{name}"
            );
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join(&name);
            assert_eq!(path.parent(), Some(dir.path()), "{name} is one component");
        }
        assert!(
            file_name("s", "k", "../png").ends_with(".png"),
            "the extension cannot escape either"
        );
    }

    #[test]
    fn distinct_keys_get_distinct_names_even_when_long() {
        let a = file_name(&"x".repeat(400), "1", "png");
        let b = file_name(&"x".repeat(400), "2", "png");
        assert_ne!(a, b);
        assert_eq!(a.len(), 64 + 4);
    }

    /// Where the shard ends and the key begins is part of the name: a server
    /// string holding the old separator cannot name another artwork's file.
    #[test]
    fn the_split_between_shard_and_key_is_part_of_the_name() {
        assert_ne!(file_name("a~b", "c", "png"), file_name("a", "b~c", "png"));
        assert_ne!(file_name("ab", "c", "png"), file_name("a", "bc", "png"));
        assert_ne!(file_name("a%7E", "b", "png"), file_name("a~", "b", "png"));
        // SHA-256 of u64 2, "ab", u64 1, "c" (big-endian): the same name on every platform.
        assert_eq!(
            file_name("ab", "c", "png"),
            "601d5476e2ccfe2c87a2bba7a322659734a05749d5b5aa781f513e4912db0d5f.png"
        );
    }

    /// A cache written by an older version: its files are misses, not errors,
    /// and go the way of any least recently used file.
    #[test]
    fn files_named_the_old_way_are_misses_and_evicted_in_turn() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("ab%2Fcd~k-1.gif"), [0; 10]).unwrap();
        let mut cache = ArtCache::open(dir.path(), 15).unwrap();
        let name = file_name("ab/cd", "k-1", "gif");
        assert_ne!(name, "ab%2Fcd~k-1.gif");
        assert!(cache.get(&name).is_none());
        cache.put(&name, &[1; 10]).unwrap();
        assert_eq!(cache.get(&name), Some(dir.path().join(&name)));
        assert!(!dir.path().join("ab%2Fcd~k-1.gif").exists());
    }

    #[test]
    fn a_cache_folder_removed_while_running_is_made_again() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("art");
        let mut cache = ArtCache::open(&dir, 1 << 20).unwrap();
        cache.put("a.png", b"aaaa").unwrap();
        fs::remove_dir_all(&dir).unwrap();

        assert_eq!(cache.get("a.png"), None, "a removed file is a miss");
        assert_eq!(cache.total_bytes(), 0);
        let b = cache.put("b.png", b"bb").unwrap();
        assert_eq!(fs::read(&b).unwrap(), b"bb");
        assert_eq!((cache.len(), cache.total_bytes()), (1, 2));
        assert_eq!(cache.get("b.png"), Some(b));
    }

    #[test]
    fn put_then_get_and_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = ArtCache::open(dir.path(), 1_000).unwrap();
        let name = file_name("ab/cd", "key", "png");
        let path = cache.put(&name, b"pixels").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"pixels");
        assert_eq!(cache.get(&name), Some(path.clone()));
        drop(cache);
        let mut again = ArtCache::open(dir.path(), 1_000).unwrap();
        assert_eq!(again.get(&name), Some(path));
        assert_eq!(again.total_bytes(), 6);
    }

    #[test]
    fn the_least_recently_used_files_go_first_when_over_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = ArtCache::open(dir.path(), 25).unwrap();
        cache.put("a.png", &[0; 10]).unwrap();
        cache.put("b.png", &[0; 10]).unwrap();
        assert!(cache.get("a.png").is_some()); // a is now more recent than b
        cache.put("c.png", &[0; 10]).unwrap();
        assert!(cache.get("b.png").is_none(), "b was least recently used");
        assert!(!dir.path().join("b.png").exists());
        assert!(cache.get("a.png").is_some() && cache.get("c.png").is_some());
        assert_eq!(cache.total_bytes(), 20);
    }

    #[test]
    fn half_written_files_from_a_crash_are_cleared_and_never_served() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(format!("{TEMP_PREFIX}123-x.png")), b"half").unwrap();
        let mut cache = ArtCache::open(dir.path(), 100).unwrap();
        assert!(cache.is_empty());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
        assert!(cache.get(&format!("{TEMP_PREFIX}123-x.png")).is_none());
    }

    #[test]
    fn a_file_larger_than_the_cache_is_refused_with_a_sentence() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = ArtCache::open(dir.path(), 4).unwrap();
        let err = cache.put("big.png", b"12345").unwrap_err();
        assert!(
            err.to_string().starts_with("The artwork is larger"),
            "{err}"
        );
        assert!(cache.put("../evil.png", b"1").is_err());
    }

    #[test]
    fn opening_trims_a_cache_that_is_over_a_smaller_cap() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = ArtCache::open(dir.path(), 100).unwrap();
        for n in 0..5 {
            cache.put(&format!("f{n}.png"), &[0; 10]).unwrap();
        }
        drop(cache);
        let cache = ArtCache::open(dir.path(), 25).unwrap();
        assert!(cache.total_bytes() <= 25);
        assert_eq!(cache.len(), 2);
    }
}
