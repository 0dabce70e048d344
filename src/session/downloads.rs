//! Makapix posts' files: asked of the runtime's artwork cache once, then
//! decoded from the path it gives, or shown as a placeholder when they cannot
//! be had. The window never downloads; it only sees cache paths. A post
//! nobody wants any more is forgotten and its download cancelled; a cached
//! file that does not decode is fetched once more before the placeholder.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use crate::bridge::Action as RuntimeAction;
use crate::bridge::artwork::ArtworkAction;
use crate::player::{ArtworkSource, MakapixPost};

use super::effects::{Effect, Effects};

/// Where a post's file is.
#[derive(Clone, Debug, PartialEq)]
enum Download {
    Requested,
    Ready(PathBuf),
    Failed(String),
}

#[derive(Default)]
pub struct Downloads {
    files: HashMap<MakapixPost, Download>,
    /// Posts whose cached file was fetched again because it did not decode.
    refetched: HashSet<MakapixPost>,
}

impl Downloads {
    /// The engine wants `post` (as `source`) and nothing is decoded for it yet.
    pub fn want(&mut self, source: &ArtworkSource, post: &MakapixPost, fx: &mut Effects) {
        match self.files.get(post) {
            None => {
                self.files.insert(post.clone(), Download::Requested);
                fx.push(Effect::Runtime(RuntimeAction::Artwork(
                    ArtworkAction::Fetch(post.clone()),
                )));
            }
            Some(Download::Requested) => {}
            Some(Download::Ready(path)) => fx.push(Effect::Decode {
                source: source.clone(),
                path: path.clone(),
            }),
            Some(Download::Failed(reason)) => fx.push(Effect::LoadFailed {
                source: source.clone(),
                reason: reason.clone(),
            }),
        }
    }

    /// The runtime's answer. One for a post no longer wanted is dropped: it was
    /// forgotten on purpose.
    pub fn on_fetched(&mut self, post: &MakapixPost, result: Result<PathBuf, String>) {
        if let Some(slot) = self.files.get_mut(post) {
            *slot = match result {
                Ok(path) => Download::Ready(path),
                Err(reason) => Download::Failed(format!("Makapix post {}: {reason}", post.post_id)),
            };
        }
    }

    /// Forgets posts no longer wanted (a failed one is tried again when it
    /// comes back); the downloads still under way for them are cancelled.
    pub fn retain(&mut self, wanted: &[ArtworkSource], fx: &mut Effects) {
        let is_wanted = |post: &MakapixPost| {
            wanted
                .iter()
                .any(|s| matches!(s, ArtworkSource::Makapix(p) if p == post))
        };
        let mut cancelled = Vec::new();
        self.files.retain(|post, state| {
            let keep = is_wanted(post);
            if !keep && *state == Download::Requested {
                cancelled.push(post.clone());
            }
            keep
        });
        self.refetched.retain(is_wanted);
        if !cancelled.is_empty() {
            fx.push(Effect::Runtime(RuntimeAction::Artwork(
                ArtworkAction::Cancel(cancelled),
            )));
        }
    }

    /// The post's file did not decode. The first time, the cached copy is
    /// replaced by a fresh download; after that the placeholder says `reason`.
    pub fn unreadable(
        &mut self,
        source: &ArtworkSource,
        post: &MakapixPost,
        reason: String,
        fx: &mut Effects,
    ) {
        if !self.files.contains_key(post) {
            return;
        }
        if self.refetched.insert(post.clone()) {
            tracing::info!("post {}: {reason}; fetching it again", post.post_id);
            self.files.insert(post.clone(), Download::Requested);
            fx.push(Effect::Runtime(RuntimeAction::Artwork(
                ArtworkAction::Refetch(post.clone()),
            )));
        } else {
            self.files
                .insert(post.clone(), Download::Failed(reason.clone()));
            fx.push(Effect::LoadFailed {
                source: source.clone(),
                reason,
            });
        }
    }
}
