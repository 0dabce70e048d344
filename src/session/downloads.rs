//! Makapix posts' files: asked of the runtime's artwork cache once, then
//! decoded from the path it gives, or shown as a placeholder when they cannot
//! be had. The window never downloads; it only sees cache paths.

use std::collections::HashMap;
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

    /// Forgets posts no longer wanted (a failed one is tried again when it comes back).
    pub fn retain(&mut self, wanted: &[ArtworkSource]) {
        self.files.retain(|post, _| {
            wanted
                .iter()
                .any(|s| matches!(s, ArtworkSource::Makapix(p) if p == post))
        });
    }
}
