//! Creators' playlists: an ordered list of Makapix posts and local files, each
//! with an optional dwell time, saved as a small JSON file.
//!
//! Pure: turning text into a playlist and back; reading and writing the file
//! is the caller's.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What a saved playlist says it is, so other JSON files are refused clearly.
pub(crate) const FORMAT: &str = "makapix-player-playlist";
pub const VERSION: u32 = 1;
/// A playlist longer than this is refused: it is not something a person built.
pub(crate) const MAX_ITEMS: usize = 10_000;
/// Dwell times outside this range are refused (1 s to 24 h).
const DWELL_RANGE_MS: std::ops::RangeInclusive<u64> = 1_000..=86_400_000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PlaylistSource {
    Post { post_id: i64 },
    File { file: PathBuf },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaylistItem {
    #[serde(flatten)]
    pub source: PlaylistSource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dwell_ms: Option<u64>,
}

impl PlaylistItem {
    pub fn dwell(&self) -> Option<Duration> {
        self.dwell_ms.map(Duration::from_millis)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Playlist {
    pub title: String,
    pub items: Vec<PlaylistItem>,
}

#[derive(Serialize, Deserialize)]
struct Saved {
    format: String,
    version: u32,
    #[serde(flatten)]
    playlist: Playlist,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum PlaylistError {
    #[error("This file is not a Makapix Player playlist ({0}).")]
    NotAPlaylist(String),
    #[error(
        "This playlist was saved by a newer Makapix Player (format version {0}); update the player to open it."
    )]
    NewerVersion(u32),
    #[error("The playlist has {0} items; at most {MAX_ITEMS} are supported.")]
    TooLong(usize),
    #[error("Item {index} has a dwell time of {ms} ms; use between 1 second and 24 hours.")]
    BadDwell { index: usize, ms: u64 },
    #[error("Item {0} names an empty file path.")]
    EmptyPath(usize),
}

impl Playlist {
    /// Moves the item at `from` to `to` (both clamped to the list).
    pub fn move_item(&mut self, from: usize, to: usize) {
        if from >= self.items.len() {
            return;
        }
        let item = self.items.remove(from);
        let to = to.min(self.items.len());
        self.items.insert(to, item);
    }

    /// The Makapix post ids in order, one per line, for pasting on the web.
    pub fn post_ids_text(&self) -> String {
        self.items
            .iter()
            .filter_map(|i| match i.source {
                PlaylistSource::Post { post_id } => Some(post_id.to_string()),
                PlaylistSource::File { .. } => None,
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The file's text. Local files are written relative to `folder` (where the
    /// playlist is saved) when inside it, so a folder of art and its playlist move together.
    /// A file name that is not Unicode cannot be written in JSON: the sentence says which.
    pub fn to_json(&self, folder: &Path) -> Result<String, String> {
        if let Some((n, file)) =
            self.items
                .iter()
                .enumerate()
                .find_map(|(n, item)| match &item.source {
                    PlaylistSource::File { file } if file.to_str().is_none() => Some((n + 1, file)),
                    _ => None,
                })
        {
            return Err(format!(
                "item {n}'s file name, {}, is not valid Unicode, which a playlist file cannot hold (rename the file or remove the item; the file on disk was not changed)",
                file.display()
            ));
        }
        let mut playlist = self.clone();
        for item in &mut playlist.items {
            if let PlaylistSource::File { file } = &mut item.source
                && let Ok(relative) = file.strip_prefix(folder)
            {
                // Written with `/`, which every system reads (Windows too).
                let parts: Vec<_> = relative.iter().map(|p| p.to_string_lossy()).collect();
                *file = PathBuf::from(parts.join("/"));
            }
        }
        let saved = Saved {
            format: FORMAT.to_owned(),
            version: VERSION,
            playlist,
        };
        serde_json::to_string_pretty(&saved).map_err(|e| {
            format!("it could not be written out ({e}); the file on disk was not changed")
        })
    }

    /// Reads a saved playlist; relative file paths are taken from `folder`.
    pub(crate) fn from_json(text: &str, folder: &Path) -> Result<Self, PlaylistError> {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| PlaylistError::NotAPlaylist(format!("not JSON: {e}")))?;
        let format = value.get("format").and_then(|f| f.as_str());
        if format != Some(FORMAT) {
            return Err(PlaylistError::NotAPlaylist(
                "its \"format\" is not makapix-player-playlist".into(),
            ));
        }
        let version = value
            .get("version")
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0);
        if version > u64::from(VERSION) {
            return Err(PlaylistError::NewerVersion(
                u32::try_from(version).unwrap_or(u32::MAX),
            ));
        }
        let saved: Saved = serde_json::from_value(value)
            .map_err(|e| PlaylistError::NotAPlaylist(e.to_string()))?;
        let mut playlist = saved.playlist;
        if playlist.items.len() > MAX_ITEMS {
            return Err(PlaylistError::TooLong(playlist.items.len()));
        }
        for (n, item) in playlist.items.iter_mut().enumerate() {
            let index = n + 1;
            if let Some(ms) = item.dwell_ms
                && !DWELL_RANGE_MS.contains(&ms)
            {
                return Err(PlaylistError::BadDwell { index, ms });
            }
            if let PlaylistSource::File { file } = &mut item.source {
                if file.as_os_str().is_empty() {
                    return Err(PlaylistError::EmptyPath(index));
                }
                // A network path stays as written, for the player to recognise and refuse.
                if file.is_relative() && !is_network_path(file) {
                    *file = folder.join(portable(file));
                }
            }
        }
        Ok(playlist)
    }
}

/// A relative path as this system names it: one written on Windows by an
/// older version (`art\sun.png`) has its `\` read as `/` elsewhere, where a
/// `\` would otherwise be part of one file's name.
fn portable(relative: &Path) -> PathBuf {
    match relative.to_str() {
        Some(text) if cfg!(not(windows)) && text.contains('\\') => {
            PathBuf::from(text.replace('\\', "/"))
        }
        _ => relative.to_path_buf(),
    }
}

/// A Windows network or device path (`\\host\share`, `\\?\UNC\…`,
/// `\\.\pipe`): opening one reaches another computer (and hands it this
/// user's Windows credentials) or a device. Told by its text, before any
/// file system call.
pub(crate) fn is_network_path(path: &Path) -> bool {
    let text = path.to_string_lossy();
    text.starts_with("\\\\") || (cfg!(windows) && text.starts_with("//"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(folder: &Path) -> Playlist {
        Playlist {
            title: "Spring drop".into(),
            items: vec![
                PlaylistItem {
                    source: PlaylistSource::Post { post_id: 101 },
                    dwell_ms: Some(5_000),
                },
                PlaylistItem {
                    source: PlaylistSource::File {
                        file: folder.join("wip/frog.gif"),
                    },
                    dwell_ms: None,
                },
                PlaylistItem {
                    source: PlaylistSource::Post { post_id: 7 },
                    dwell_ms: None,
                },
            ],
        }
    }

    #[test]
    fn a_playlist_survives_saving_and_opening() {
        let folder = Path::new("/home/artist/art");
        let list = sample(folder);
        let text = list.to_json(folder).unwrap();
        assert!(text.contains("\"format\": \"makapix-player-playlist\""));
        assert!(
            text.contains("\"file\": \"wip/frog.gif\""),
            "relative inside its folder: {text}"
        );
        assert_eq!(Playlist::from_json(&text, folder).unwrap(), list);
    }

    #[cfg(unix)]
    #[test]
    fn a_playlist_saved_on_windows_names_its_files_here_too() {
        let folder = Path::new("/home/artist/art");
        let text = sample(folder).to_json(folder).unwrap();
        // As an older version wrote it on Windows.
        let windows = text.replace("wip/frog.gif", "wip\\\\frog.gif");
        assert!(windows.contains(r#""wip\\frog.gif""#), "{windows}");
        let read = Playlist::from_json(&windows, folder).unwrap();
        assert_eq!(
            read,
            sample(folder),
            "one file in wip, not a file named wip\\frog.gif"
        );
    }

    #[test]
    fn a_moved_folder_keeps_its_files() {
        let text = sample(Path::new("/old"))
            .to_json(Path::new("/old"))
            .unwrap();
        let opened = Playlist::from_json(&text, Path::new("/new")).unwrap();
        assert_eq!(
            opened.items[1].source,
            PlaylistSource::File {
                file: PathBuf::from("/new/wip/frog.gif")
            }
        );
    }

    #[test]
    fn post_ids_are_listed_in_order_for_the_web() {
        assert_eq!(sample(Path::new("/a")).post_ids_text(), "101\n7");
    }

    #[test]
    fn items_can_be_reordered_and_bad_indexes_are_ignored() {
        let mut list = sample(Path::new("/a"));
        list.move_item(0, 99);
        assert_eq!(list.post_ids_text(), "7\n101");
        list.move_item(42, 0);
        assert_eq!(list.items.len(), 3);
    }

    #[test]
    fn other_files_and_bad_values_are_refused_with_sentences() {
        let folder = Path::new("/a");
        let cases = [
            ("not json", "not a Makapix Player playlist"),
            (r#"{"items": []}"#, "not a Makapix Player playlist"),
            (
                r#"{"format": "makapix-player-playlist", "version": 9, "title": "", "items": []}"#,
                "newer",
            ),
            (
                r#"{"format": "makapix-player-playlist", "version": 1, "title": "", "items": [{"post_id": 1, "dwell_ms": 5}]}"#,
                "between 1 second and 24 hours",
            ),
            (
                r#"{"format": "makapix-player-playlist", "version": 1, "title": "", "items": [{"file": ""}]}"#,
                "empty file path",
            ),
            (
                r#"{"format": "makapix-player-playlist", "version": 1, "title": "", "items": [{"post_id": "x"}]}"#,
                "not a Makapix Player playlist",
            ),
        ];
        for (text, expected) in cases {
            let err = Playlist::from_json(text, folder).unwrap_err().to_string();
            assert!(err.contains(expected), "{text}: {err}");
            assert!(err.ends_with('.'), "{err}");
        }
    }
}
