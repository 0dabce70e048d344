//! Creators' playlists: local files play at once, Makapix posts once
//! `get_post` has said where their artwork is (then fetched like
//! `show_artwork`'s). The ordering and look-ahead rules are the pure
//! `player::playlist_feed`; this part sends its requests and takes the answers.

use std::collections::HashMap;
use std::time::Duration;

use crate::bridge::connection::RequestFailure;
use crate::player::feed::items_of;
use crate::player::playlist::Playlist;
use crate::player::playlist_feed::PlaylistFeed;
use crate::player::{ArtworkSource, MakapixPost};
use crate::protocol::request::RequestBody;
use crate::protocol::response::Response;

use super::channel::Channel;
use super::effects::{Effect, Effects, Notice};
use super::pending::{Pending, Purpose, request};

/// What the playlist does to the queue.
#[derive(Debug, PartialEq)]
pub(crate) enum PlaylistOutcome {
    Nothing,
    /// Its first items are known: it replaces what plays.
    Play(Channel),
    /// More of its items are known.
    Extend(Channel),
}

struct Playing {
    feed: PlaylistFeed,
    label: String,
    /// The queue has been handed over (what played before stays until the
    /// first item is known).
    started: bool,
    /// A post came in or was skipped since the queue was last handed over.
    changed: bool,
    /// What played when the playlist was asked for: if the user picks something
    /// else before its first item is known, the playlist gives way.
    replaces: String,
}

/// The playlist playing, and what this session learnt of posts.
#[derive(Default)]
pub(crate) struct Playlists {
    playing: Option<Playing>,
    /// Posts whose artwork is known (answers, and posts added from the screen),
    /// with the post's own dwell. Kept for the session so a playlist played
    /// again asks nothing, and plays offline from the artwork cache.
    known: HashMap<i64, (MakapixPost, Option<Duration>)>,
}

impl Playlists {
    /// Plays `playlist` (named `label`) once its first item is known; `playing`
    /// is what plays until then.
    pub fn play(&mut self, playlist: &Playlist, label: String, playing: &Channel) {
        let known = &self.known;
        let feed = PlaylistFeed::new(playlist, |id| known.get(&id).map(|(p, _)| p.clone()));
        self.playing = Some(Playing {
            feed,
            label,
            started: false,
            changed: true,
            replaces: playing.label(),
        });
    }

    /// Something else was chosen: a playlist none of whose items is known
    /// yet will not play (the last choice wins).
    pub fn give_way(&mut self) {
        if self.playing.as_ref().is_some_and(|p| !p.started) {
            self.playing = None;
        }
    }

    /// A post seen on screen (added to a playlist): no need to ask for it again.
    pub(crate) fn remember(&mut self, post: &MakapixPost) {
        self.known
            .entry(post.post_id)
            .or_insert_with(|| (post.clone(), None));
    }

    /// Asks for the posts just ahead of `position`, lets go of a playlist the
    /// user has left for something else, and hands over what is new.
    /// `online`: requests can reach a runtime (else posts not known are skipped).
    pub fn ahead(
        &mut self,
        playing: &Channel,
        position: Option<usize>,
        online: bool,
        pending: &mut Pending,
        now: Duration,
        fx: &mut Effects,
    ) -> PlaylistOutcome {
        let Some(p) = self.playing.as_mut() else {
            return PlaylistOutcome::Nothing;
        };
        let left = if p.started {
            !matches!(playing, Channel::Playlist { .. })
        } else {
            playing.label() != p.replaces
        };
        if left {
            self.playing = None;
            return PlaylistOutcome::Nothing;
        }
        let position = if p.started { position } else { None };
        for post_id in p.feed.wants(position) {
            if online {
                let tag = pending.open(Purpose::PlaylistPost { post_id }, now);
                let body = RequestBody::GetPost {
                    post_id,
                    include_fields: vec!["dwell_time_ms".to_owned()],
                };
                fx.connection(request(tag, body));
            } else {
                self.skip(post_id, "this window has no connection to Makapix Club", fx);
            }
        }
        self.refresh(fx)
    }

    /// A `get_post` answer.
    pub(crate) fn on_post(
        &mut self,
        post_id: i64,
        result: Result<Response, RequestFailure>,
        fx: &mut Effects,
    ) {
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
                if let Some(p) = self.playing.as_mut() {
                    p.feed.on_post(&post, dwell);
                    p.changed = true;
                }
                self.known.insert(post_id, (post, dwell));
            }
            Err(reason) => self.skip(post_id, &reason, fx),
        }
        // The queue is brought up to date by the next `ahead`.
    }

    fn skip(&mut self, post_id: i64, reason: &str, fx: &mut Effects) {
        let Some(p) = self.playing.as_mut() else {
            return;
        };
        p.feed.on_failure(post_id);
        p.changed = true;
        let reason = reason.trim_end_matches('.');
        let text = format!("Post {post_id} of the playlist is skipped: {reason}.");
        tracing::warn!("{text}");
        fx.notice(Notice::error(text));
    }

    /// The items known so far, when there are new ones.
    fn refresh(&mut self, fx: &mut Effects) -> PlaylistOutcome {
        let Some(p) = self.playing.as_mut() else {
            return PlaylistOutcome::Nothing;
        };
        if !std::mem::take(&mut p.changed) {
            return PlaylistOutcome::Nothing;
        }
        let channel = Channel::Playlist {
            label: p.label.clone(),
            items: p.feed.items(),
        };
        if p.started {
            return PlaylistOutcome::Extend(channel);
        }
        if channel.items().is_empty() {
            if p.feed.is_settled() {
                // A skipped post's sentence, if one is shown, says more.
                fx.push(Effect::NoticeUnlessShown(Notice::error(format!(
                    "{} has nothing this player can show.",
                    p.label
                ))));
                self.playing = None;
            }
            return PlaylistOutcome::Nothing;
        }
        p.started = true;
        PlaylistOutcome::Play(channel)
    }
}
