//! What to play of what the user opened (files, a folder, a playlist), and
//! the sentence about what could not be.

use crate::app::local_files;
use crate::player::playlist::Playlist;
use crate::session::{Channel, Notice};

/// What to play of what was opened.
pub enum ToPlay {
    Playlist {
        playlist: Playlist,
        label: String,
    },
    Channel(Channel),
    /// Nothing playable: the samples, if nothing plays yet.
    Fallback,
}

/// What was opened: what to play, and the sentence about what could not be.
pub fn to_play(opened: local_files::Opened) -> (ToPlay, Option<Notice>) {
    for problem in &opened.problems {
        tracing::warn!("{problem}");
    }
    let notice = opened.problems.first().map(|first| {
        let more = opened.problems.len() - 1;
        Notice::error(if more > 0 {
            format!("{first} ({more} more problems in the log.)")
        } else {
            first.clone()
        })
    });
    let play = match opened.playlist {
        Some(playlist) if !playlist.items.is_empty() => ToPlay::Playlist {
            playlist,
            label: opened.label,
        },
        Some(_) => ToPlay::Fallback,
        None if !opened.items.is_empty() => ToPlay::Channel(Channel::Local {
            items: opened.items,
            label: opened.label,
        }),
        None => ToPlay::Fallback,
    };
    (play, notice)
}
