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
pub(crate) struct Downloads {
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

    /// The runtime's answer. A failure for a post not asked for is dropped (it
    /// was forgotten on purpose). A file not asked for is kept: a `show_artwork`
    /// brings its post's cached file along, before the engine wants the post;
    /// the next `retain` forgets it if the engine never does.
    pub(crate) fn on_fetched(&mut self, post: &MakapixPost, result: Result<PathBuf, String>) {
        match (self.files.get_mut(post), result) {
            (Some(slot), Ok(path)) => *slot = Download::Ready(path),
            (Some(slot), Err(reason)) => {
                *slot = Download::Failed(format!("Makapix post {}: {reason}", post.post_id));
            }
            (None, Ok(path)) => {
                self.files.insert(post.clone(), Download::Ready(path));
            }
            (None, Err(_)) => {}
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

#[cfg(test)]
mod tests {
    use super::*;

    fn post(post_id: i64) -> (ArtworkSource, MakapixPost) {
        let post = MakapixPost {
            post_id,
            title: None,
            storage_key: format!("k{post_id}"),
            storage_shard: "8c/4f".into(),
            native_format: "png".into(),
            art_url: None,
        };
        (ArtworkSource::Makapix(post.clone()), post)
    }

    fn wanted(
        downloads: &mut Downloads,
        source: &ArtworkSource,
        post: &MakapixPost,
    ) -> Vec<Effect> {
        let mut fx = Effects::default();
        downloads.want(source, post, &mut fx);
        fx.take()
    }

    #[test]
    fn a_file_brought_with_a_command_is_decoded_without_asking_for_it() {
        let mut downloads = Downloads::default();
        let (source, shown) = post(5);
        downloads.on_fetched(&shown, Ok(PathBuf::from("/cache/k5")));
        let effects = wanted(&mut downloads, &source, &shown);
        assert!(
            matches!(effects.as_slice(), [Effect::Decode { source: s, path }]
                if *s == source && path == &PathBuf::from("/cache/k5")),
            "{effects:?}"
        );
    }

    #[test]
    fn what_was_not_asked_for_and_is_not_wanted_is_forgotten() {
        let mut downloads = Downloads::default();
        // A failure nobody asked for says nothing about the next try.
        let (failed_source, failed) = post(6);
        downloads.on_fetched(&failed, Err("HTTP 500".into()));
        // A file the engine never came to want is dropped at the next retain.
        let (unwanted_source, unwanted) = post(7);
        downloads.on_fetched(&unwanted, Ok(PathBuf::from("/cache/k7")));
        downloads.retain(&[], &mut Effects::default());
        for (source, post) in [(failed_source, failed), (unwanted_source, unwanted)] {
            let effects = wanted(&mut downloads, &source, &post);
            assert!(
                matches!(effects.as_slice(),
                    [Effect::Runtime(RuntimeAction::Artwork(ArtworkAction::Fetch(p)))] if *p == post),
                "post {}: {effects:?}",
                post.post_id
            );
        }
    }
}
