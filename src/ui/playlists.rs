//! Creators' playlists played in the window: local files at once, Makapix
//! posts once `get_post` has said where their artwork is (then fetched like
//! `show_artwork`). The ordering and look-ahead rules are the pure
//! `player::playlist_feed`; this file sends its requests and takes the answers.

use crate::bridge::connection::RequestFailure;
use std::collections::HashMap;
use std::time::Duration;

use crate::bridge::Action as RuntimeAction;
use crate::bridge::connection::ConnectionAction;
use crate::player::feed::items_of;
use crate::player::playlist::Playlist;
use crate::player::playlist_feed::PlaylistFeed;
use crate::player::{ArtworkSource, MakapixPost};
use crate::protocol::request::RequestBody;
use crate::protocol::response::Response;

use super::app::{Channel, Notice, PlayerApp};

/// Playlists' posts: the one playing and what this session learnt of posts.
#[derive(Default)]
pub(crate) struct Playlists {
    playing: Option<Playing>,
    /// Posts whose artwork is known (answers, and posts added from the screen),
    /// with the post's own dwell. Kept for the session so a playlist played
    /// again asks nothing, and plays offline from the artwork cache.
    known: HashMap<i64, (MakapixPost, Option<Duration>)>,
    /// Request tag → post id.
    waiting: HashMap<u64, i64>,
}

struct Playing {
    feed: PlaylistFeed,
    label: String,
    /// The queue has been handed to the engine (what played before stays
    /// until the first item is known).
    started: bool,
    /// A post came in or was skipped since the queue was last handed over.
    changed: bool,
    /// What played when the playlist was asked for: if the user picks something
    /// else before its first item is known, the playlist gives way.
    replaces: String,
}

impl PlayerApp {
    /// Plays `playlist`; `label` names it in the status bar.
    pub(crate) fn play_playlist(&mut self, playlist: &Playlist, label: String, now: Duration) {
        let known = &self.playlists.known;
        let feed = PlaylistFeed::new(playlist, |id| known.get(&id).map(|(p, _)| p.clone()));
        self.playlists.playing = Some(Playing {
            feed,
            label,
            started: false,
            changed: true,
            replaces: self.channel.label(),
        });
        self.playlist_ahead(now);
    }

    /// A post seen on screen (added to a playlist): no need to ask for it again.
    pub(crate) fn remember_post(&mut self, post: &MakapixPost) {
        self.playlists
            .known
            .entry(post.post_id)
            .or_insert_with(|| (post.clone(), None));
    }

    /// Each frame: asks for the posts just ahead of what is on screen, and
    /// lets go of a playlist the user has left for something else.
    pub(crate) fn playlist_ahead(&mut self, now: Duration) {
        let Some(playing) = self.playlists.playing.as_mut() else {
            return;
        };
        let left = if playing.started {
            !matches!(self.channel, Channel::Playlist { .. })
        } else {
            self.channel.label() != playing.replaces
        };
        if left {
            self.playlists.playing = None;
            return;
        }
        let position = if playing.started {
            self.engine.current_index()
        } else {
            None
        };
        let wanted = playing.feed.wants(position);
        for post_id in wanted {
            if self.has_runtime() {
                self.request_tag += 1;
                let tag = self.request_tag;
                self.playlists.waiting.insert(tag, post_id);
                let body = RequestBody::GetPost {
                    post_id,
                    include_fields: vec!["dwell_time_ms".to_owned()],
                };
                self.send_to_runtime(RuntimeAction::Connection(ConnectionAction::Request {
                    tag,
                    body: Box::new(body),
                }));
            } else {
                self.skip_post(post_id, "this window has no connection to Makapix Club");
            }
        }
        self.refresh_playlist(now);
    }

    pub(crate) fn awaits_post(&self, tag: u64) -> bool {
        self.playlists.waiting.contains_key(&tag)
    }

    pub(crate) fn on_post_answer(&mut self, tag: u64, result: Result<Response, RequestFailure>) {
        let Some(post_id) = self.playlists.waiting.remove(&tag) else {
            return;
        };
        let found = match result {
            Ok(Response::Post(entry)) => items_of(std::slice::from_ref(&entry))
                .into_iter()
                .find_map(|item| match item.source {
                    ArtworkSource::Makapix(post) if post.post_id == post_id => {
                        Some((post, item.dwell))
                    }
                    _ => None,
                })
                .ok_or_else(|| "it is not an artwork this player can show".to_owned()),
            Ok(other) => Err(format!("the server answered with {other:?}")),
            Err(failure) => Err(failure.sentence),
        };
        match found {
            Ok((post, dwell)) => {
                if let Some(playing) = self.playlists.playing.as_mut() {
                    playing.feed.on_post(&post, dwell);
                    playing.changed = true;
                }
                self.playlists.known.insert(post_id, (post, dwell));
            }
            Err(reason) => self.skip_post(post_id, &reason),
        }
        // The queue is brought up to date by `playlist_ahead` in this frame.
    }

    fn skip_post(&mut self, post_id: i64, reason: &str) {
        let Some(playing) = self.playlists.playing.as_mut() else {
            return;
        };
        playing.feed.on_failure(post_id);
        playing.changed = true;
        let reason = reason.trim_end_matches('.');
        let text = format!("Post {post_id} of the playlist is skipped: {reason}.");
        tracing::warn!("{text}");
        self.notice = Some(Notice {
            text,
            is_error: true,
        });
    }

    /// Hands the items known so far to the engine, when there are new ones.
    fn refresh_playlist(&mut self, now: Duration) {
        let Some(playing) = self.playlists.playing.as_mut() else {
            return;
        };
        if !std::mem::take(&mut playing.changed) {
            return;
        }
        let items = playing.feed.items();
        let channel = Channel::Playlist {
            label: playing.label.clone(),
            items,
        };
        if playing.started {
            self.extend_channel(channel);
            return;
        }
        if channel.items().is_empty() {
            if playing.feed.is_settled() {
                let text = format!("{} has nothing this player can show.", playing.label);
                self.playlists.playing = None;
                if self.notice.is_none() {
                    self.notice = Some(Notice {
                        text,
                        is_error: true,
                    });
                }
            }
            return;
        }
        playing.started = true;
        // The playlist is the channel now; a Makapix channel stops paging.
        self.makapix = None;
        self.play(channel, now);
    }
}
