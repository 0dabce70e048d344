//! Makapix posts in the window: asking the runtime for their files, turning
//! the answers into loads or placeholders, and telling the runtime which post
//! is on screen. The window never downloads; it only sees cache paths.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::bridge::Action as RuntimeAction;
use crate::bridge::artwork::{ArtworkAction, ArtworkConfig};
use crate::bridge::connection::ConnectionAction;
use crate::paths::AppPaths;
use crate::player::{ArtworkSource, LoadOutcome, MakapixPost};
use crate::protocol::command::ShowArtwork;

use super::app::{Channel, PlayerApp};
use crate::media::decode::DecodeLimits;
use crate::media::frame_store;

use super::library::{Entry, PreparedArt};
use super::remote::{Outcome, Refusal};

/// Where a post's file is.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Download {
    Requested,
    Ready(PathBuf),
    Failed(String),
}

/// The posts' files the window knows about.
#[derive(Default)]
pub(crate) struct Downloads {
    files: HashMap<MakapixPost, Download>,
}

impl Downloads {
    pub(crate) fn get(&self, post: &MakapixPost) -> Option<&Download> {
        self.files.get(post)
    }

    /// Forgets posts no longer wanted (a failed one is tried again when it comes back).
    pub(crate) fn retain(&mut self, wanted: &[ArtworkSource]) {
        self.files.retain(|post, _| {
            wanted
                .iter()
                .any(|s| matches!(s, ArtworkSource::Makapix(p) if p == post))
        });
    }
}

/// The artwork fetcher's settings for this window: the per-user cache folder
/// (a temporary one when there is no home folder) and the vault.
pub(crate) fn artwork_config(paths: Option<&AppPaths>, vault: Option<&str>) -> ArtworkConfig {
    let dir = paths.map_or_else(
        || std::env::temp_dir().join("makapix-player-artworks"),
        |p| p.cache.join("artworks"),
    );
    let mut config = ArtworkConfig::new(dir);
    if let Some(vault) = vault {
        config.vault_base = vault.to_owned();
    }
    config
}

impl PlayerApp {
    /// `show_artwork`: the post becomes the whole queue, shown as soon as its
    /// file is in (what was on screen stays until then).
    pub(crate) fn show_post(&mut self, show: ShowArtwork, now: Duration) -> Outcome {
        let has_url = show.art_url.as_deref().is_some_and(|u| !u.is_empty());
        if !has_url && (show.storage_key.is_empty() || show.native_format.is_empty()) {
            return Outcome::Refused(Refusal::Payload(
                "`storage_key` and `native_format` are needed when there is no `art_url`".into(),
            ));
        }
        let post = MakapixPost {
            post_id: show.post_id,
            title: show.title,
            storage_key: show.storage_key,
            storage_shard: show.storage_shard,
            native_format: show.native_format,
            art_url: show.art_url,
        };
        self.play(Channel::Post(post), now);
        Outcome::Done
    }

    /// One wanted post with nothing decoded yet: ask for its file, decode it
    /// once it is there, or show the placeholder when it cannot be had.
    pub(crate) fn load_post(&mut self, source: &ArtworkSource, post: &MakapixPost, now: Duration) {
        match self.downloads.get(post).cloned() {
            None => {
                self.downloads
                    .files
                    .insert(post.clone(), Download::Requested);
                self.send_to_runtime(RuntimeAction::Artwork(ArtworkAction::Fetch(post.clone())));
            }
            Some(Download::Requested) => {}
            Some(Download::Ready(path)) => self.request_load_file(source, path),
            Some(Download::Failed(reason)) => {
                self.library
                    .insert(source.clone(), Entry::Failed(reason.clone()));
                self.engine.on_loaded(source, LoadOutcome::Failed, now);
            }
        }
    }

    /// Decodes a fetched file on the decoder thread, on behalf of `source`.
    fn request_load_file(&mut self, source: &ArtworkSource, path: PathBuf) {
        let generation = self.library.start_load(source);
        self.loader.request(
            source.clone(),
            generation,
            Box::new(move || {
                frame_store::decode_file(&path, &DecodeLimits::default())
                    .map(PreparedArt::from_artwork)
            }),
        );
    }

    pub(crate) fn on_fetched(&mut self, post: MakapixPost, result: Result<PathBuf, String>) {
        let download = match result {
            Ok(path) => Download::Ready(path),
            Err(reason) => Download::Failed(format!("Makapix post {}: {reason}", post.post_id)),
        };
        // An answer for a post no longer wanted is dropped: it was forgotten on purpose.
        if let Some(slot) = self.downloads.files.get_mut(&post) {
            *slot = download;
        }
    }

    /// Sends `status`'s `current_post_id` when what is on screen changes.
    pub(crate) fn sync_current_post(&mut self) {
        let post = self.engine.current().and_then(ArtworkSource::post_id);
        if self.sent_post != Some(post) {
            self.sent_post = Some(post);
            self.send_to_runtime(RuntimeAction::Connection(ConnectionAction::SetCurrentPost(
                post,
            )));
        }
    }
}
