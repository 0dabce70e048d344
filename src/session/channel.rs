//! What plays: samples, local files, a creator's playlist, or Makapix posts.

use crate::player::{ArtworkSource, MakapixPost, QueueItem};
use crate::samples;

/// What is being played.
#[derive(Clone, Debug, PartialEq)]
pub enum Channel {
    Samples,
    /// A local channel (p3a's `sdcard`): files sorted by name, or a saved playlist.
    Local {
        items: Vec<QueueItem>,
        label: String,
    },
    /// One Makapix post chosen from the web (`show_artwork`).
    Post(MakapixPost),
    /// A creator's playlist: its files and the posts known so far, in its order.
    Playlist {
        label: String,
        items: Vec<QueueItem>,
    },
    /// A Makapix channel (`play_channel`): the posts of the pages read so far.
    Makapix {
        label: String,
        items: Vec<QueueItem>,
    },
}

impl Channel {
    pub fn label(&self) -> String {
        match self {
            Channel::Samples => "Sample art".to_owned(),
            Channel::Local { label, .. } => label.clone(),
            // The status bar names the artwork beside this; no need to say it twice.
            Channel::Post(_) => "Makapix".to_owned(),
            Channel::Makapix { label, .. } | Channel::Playlist { label, .. } => label.clone(),
        }
    }

    pub fn items(&self) -> Vec<QueueItem> {
        match self {
            Channel::Samples => samples::SAMPLES
                .iter()
                .map(|s| QueueItem::new(ArtworkSource::Embedded(s.name)))
                .collect(),
            Channel::Local { items, .. } => items.clone(),
            Channel::Post(post) => vec![QueueItem::new(ArtworkSource::Makapix(post.clone()))],
            Channel::Makapix { items, .. } | Channel::Playlist { items, .. } => items.clone(),
        }
    }
}
