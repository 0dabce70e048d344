//! The Makapix channel last played, kept in the data folder so that a restart
//! comes back to it. Offline, its artworks then play from the disk cache; once
//! connected, the channel is fetched afresh.
//!
//! Written off the window thread, atomically, newest state only.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::protocol::request::QueryPosts;
use crate::protocol::response::PostEntry;
use crate::storage::background_writer::BackgroundWriter;

pub const FILE_NAME: &str = "last-channel.json";
/// Posts kept: a few pages, enough for hours of playback offline.
pub(crate) const MAX_POSTS: usize = 200;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LastChannel {
    pub label: String,
    /// The first page's request: channel, sort and filters, no cursor.
    pub query: QueryPosts,
    pub posts: Vec<PostEntry>,
}

/// The kept channel, or `None` when there is none or it cannot be read (a
/// damaged file is logged and ignored: the player then starts as if new).
pub fn load(path: &Path) -> Option<LastChannel> {
    let text = match std::fs::read(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            tracing::warn!(
                "{}: the last channel could not be read: {e}",
                path.display()
            );
            return None;
        }
    };
    match serde_json::from_slice::<LastChannel>(&text) {
        Ok(mut last) => {
            last.query.cursor = None;
            last.posts.truncate(MAX_POSTS);
            Some(last)
        }
        Err(e) => {
            tracing::warn!(
                "{}: the last channel is damaged and is ignored: {e}",
                path.display()
            );
            None
        }
    }
}

/// Keeps the file in step with what plays: `keep` a Makapix channel, `forget`
/// when something else plays.
pub(crate) struct Keeper {
    writer: BackgroundWriter<Option<LastChannel>>,
}

impl Keeper {
    /// `path` None: nothing is kept (no data folder).
    pub fn new(path: Option<PathBuf>) -> Self {
        let writer = match path {
            Some(path) => {
                BackgroundWriter::spawn("last-channel", move |next: Option<LastChannel>| {
                    if let Err(e) = write(&path, next.as_ref()) {
                        tracing::warn!("{}: the last channel was not kept: {e}", path.display());
                    }
                })
            }
            None => BackgroundWriter::disabled(),
        };
        Self { writer }
    }

    pub fn keep(&self, mut last: LastChannel) {
        last.query.cursor = None;
        last.posts.truncate(MAX_POSTS);
        self.writer.send(Some(last));
    }

    pub(crate) fn forget(&self) {
        self.writer.send(None);
    }

    /// Writes what is pending, until `deadline` at most (quitting).
    pub(crate) fn flush_by(&mut self, deadline: std::time::Instant) {
        self.writer.flush_by(deadline);
    }
}

impl Default for Keeper {
    fn default() -> Self {
        Self::new(None)
    }
}

fn write(path: &Path, last: Option<&LastChannel>) -> std::io::Result<()> {
    match last {
        Some(last) => {
            let json = serde_json::to_vec(last).map_err(std::io::Error::other)?;
            crate::storage::atomic_file::write(path, &json)
        }
        None => match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::response::{ArtworkPost, Post};

    /// The keeper's writes waited for, as a test must (`written_by`).
    fn flushed(mut keeper: Keeper) {
        keeper.flush_by(crate::storage::background_writer::written_by());
    }

    fn channel(posts: usize) -> LastChannel {
        let art = |n: i64| {
            let v = serde_json::json!({"post_id": n, "kind": "artwork", "storage_key": format!("k{n}"),
                "storage_shard": "ab/cd", "native_format": "png", "created_at": "2026-01-01T00:00:00Z"});
            PostEntry::Known(Post::Artwork(
                serde_json::from_value::<ArtworkPost>(v).unwrap(),
            ))
        };
        LastChannel {
            label: "Makapix: #cats".into(),
            query: QueryPosts {
                channel: Some("hashtag".into()),
                hashtag: Some("cats".into()),
                cursor: Some("page-3".into()),
                ..QueryPosts::default()
            },
            posts: (0..posts as i64).map(art).collect(),
        }
    }

    #[test]
    fn a_kept_channel_comes_back_without_its_cursor_and_capped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let keeper = Keeper::new(Some(path.clone()));
        keeper.keep(channel(MAX_POSTS + 5));
        flushed(keeper);
        let back = load(&path).expect("kept");
        assert_eq!(back.label, "Makapix: #cats");
        assert_eq!(back.query.hashtag.as_deref(), Some("cats"));
        assert_eq!(back.query.cursor, None, "an old cursor may be stale");
        assert_eq!(back.posts.len(), MAX_POSTS);
        assert_eq!(back.posts, channel(MAX_POSTS).posts);
    }

    #[test]
    fn forgetting_removes_the_file_and_the_newest_wish_wins() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let keeper = Keeper::new(Some(path.clone()));
        keeper.keep(channel(2));
        keeper.forget();
        flushed(keeper);
        assert!(!path.exists());
        let keeper = Keeper::new(Some(path.clone()));
        keeper.forget();
        keeper.keep(channel(3));
        flushed(keeper);
        assert_eq!(load(&path).map(|c| c.posts.len()), Some(3));
    }

    #[test]
    fn a_damaged_or_missing_file_is_no_channel() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        assert_eq!(load(&path), None);
        std::fs::write(&path, b"{\"label\": 3, garbage").unwrap();
        assert_eq!(load(&path), None);
        std::fs::write(&path, [0xff, 0x00, 0x13]).unwrap();
        assert_eq!(load(&path), None);
    }
}
