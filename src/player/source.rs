//! What can be played: where an artwork comes from, and a queue entry.

use std::path::PathBuf;
use std::time::Duration;

use crate::protocol::command::ShowArtwork;

/// Where an artwork comes from. The engine only compares and hashes sources,
/// it never matches on the variant, so adding variants (Makapix posts) only
/// touches `display_name` and the loaders.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ArtworkSource {
    /// A sample shipped in the binary, by file name.
    Embedded(&'static str),
    File(PathBuf),
    /// A Makapix post's artwork; its file is fetched into the cache first.
    Makapix(MakapixPost),
}

/// What identifies a Makapix artwork and where its file is.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MakapixPost {
    pub post_id: i64,
    pub title: Option<String>,
    pub storage_key: String,
    /// Opaque relative path on the vault: used verbatim in URLs, never as a local path.
    pub storage_shard: String,
    pub native_format: String,
    pub art_url: Option<String>,
}

impl MakapixPost {
    /// A PNG post without a title, stored under `k{post_id}` (tests).
    #[cfg(test)]
    pub(crate) fn for_test(post_id: i64) -> Self {
        MakapixPost {
            post_id,
            title: None,
            storage_key: format!("k{post_id}"),
            storage_shard: "ab/cd".into(),
            native_format: "png".into(),
            art_url: None,
        }
    }

    /// The post a `show_artwork` names; `None` when it names no file (neither
    /// an `art_url` nor a storage key and format).
    pub(crate) fn from_show(show: &ShowArtwork) -> Option<MakapixPost> {
        let has_url = show.art_url.as_deref().is_some_and(|u| !u.is_empty());
        if !has_url && (show.storage_key.is_empty() || show.native_format.is_empty()) {
            return None;
        }
        Some(MakapixPost {
            post_id: show.post_id,
            title: show.title.clone(),
            storage_key: show.storage_key.clone(),
            storage_shard: show.storage_shard.clone(),
            native_format: show.native_format.clone(),
            art_url: show.art_url.clone(),
        })
    }
}

impl ArtworkSource {
    pub fn display_name(&self) -> String {
        match self {
            Self::Embedded(name) => (*name).to_owned(),
            // A path without a file name ("/", "..") still needs a visible label.
            Self::File(path) => path
                .file_name()
                .unwrap_or(path.as_os_str())
                .to_string_lossy()
                .into_owned(),
            Self::Makapix(post) => match &post.title {
                Some(title) if !title.trim().is_empty() => title.clone(),
                _ => format!("Makapix post {}", post.post_id),
            },
        }
    }

    /// The Makapix post id, `None` for local files and samples.
    pub fn post_id(&self) -> Option<i64> {
        match self {
            Self::Makapix(post) => Some(post.post_id),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct QueueItem {
    pub source: ArtworkSource,
    /// Per-item override of the engine dwell (playlists set it).
    pub dwell: Option<Duration>,
}

impl QueueItem {
    pub fn new(source: ArtworkSource) -> Self {
        Self {
            source,
            dwell: None,
        }
    }

    /// The artwork this item plays: what a new order matches items by,
    /// whatever their dwell.
    pub fn source(&self) -> &ArtworkSource {
        &self.source
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_name_of_file_is_its_file_name() {
        let source = ArtworkSource::File(PathBuf::from("/art/sub/cat walk.gif"));
        assert_eq!(source.display_name(), "cat walk.gif");
    }

    #[test]
    fn display_name_of_embedded_is_its_name() {
        assert_eq!(
            ArtworkSource::Embedded("sample.png").display_name(),
            "sample.png"
        );
    }

    #[test]
    fn display_name_of_path_without_file_name_is_the_path() {
        assert_eq!(ArtworkSource::File(PathBuf::from("/")).display_name(), "/");
    }

    #[test]
    fn new_item_has_no_dwell_override() {
        let item = QueueItem::new(ArtworkSource::Embedded("a.png"));
        assert_eq!(item.dwell, None);
        assert_eq!(item.source, ArtworkSource::Embedded("a.png"));
    }
}
