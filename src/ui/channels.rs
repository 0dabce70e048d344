//! `play_channel`: a Makapix channel played through `query_posts`, page by
//! page, or the local folder (`sdcard`). The paging rules are the pure
//! `player::feed`; this file sends its requests and takes in the answers.

use crate::bridge::connection::RequestFailure;
use std::time::Duration;

use crate::bridge::Action as RuntimeAction;
use crate::bridge::connection::ConnectionAction;
use crate::player::feed::Feed;
use crate::protocol::command::{AckStatus, CommandAck, PlayChannel};
use crate::protocol::request::{QueryPosts, RequestBody};
use crate::protocol::response::{PostEntry, Response};

use crate::settings::ChannelOrder;

use super::app::{Channel, Notice, PlayerApp};

/// What the player asks the server to add to each post: its size, frames and
/// own dwell time (used as the artwork's dwell), owner and transparency.
const INCLUDE_FIELDS: [&str; 6] = [
    "width",
    "height",
    "frame_count",
    "dwell_time_ms",
    "owner_handle",
    "transparency_actual",
];
use super::remote::{Outcome, Refusal};

/// Why `pinned` is acknowledged `unsupported`.
const PINNED_UNSUPPORTED: &str = "pinned lists are kept on the player that pinned them, \
and Makapix Club offers no request to fetch them; this desktop player has no pinned lists of its own";

/// The Makapix channel being played (or asked for).
pub(crate) struct Playing {
    feed: Feed,
    label: String,
    /// The request whose answer is awaited.
    tag: u64,
    /// The `play_channel` command answered when the first page arrives.
    ack: Option<String>,
    /// The posts of the pages so far, kept for the next start.
    posts: Vec<PostEntry>,
}

impl Playing {
    pub(crate) fn label(&self) -> &str {
        &self.label
    }
}

impl PlayerApp {
    /// A channel picked in the window: no command to acknowledge, so what goes
    /// wrong is told in the status bar.
    pub(crate) fn play_channel_from_window(&mut self, cmd: PlayChannel, now: Duration) {
        let text = match self.play_channel(cmd, None, now) {
            Outcome::Refused(why) => why.to_string(),
            Outcome::Unsupported(why) => why.to_owned(),
            _ => return,
        };
        self.notice = Some(Notice {
            text: format!("That channel cannot be played: {text}."),
            is_error: true,
        });
    }

    /// `command_id`: the `play_channel` command to acknowledge once the first page arrives.
    pub(crate) fn play_channel(
        &mut self,
        cmd: PlayChannel,
        command_id: Option<&str>,
        now: Duration,
    ) -> Outcome {
        let name = cmd.channel_name.as_str();
        let user = |what: &str| match (&cmd.user_sqid, &cmd.user_handle) {
            (None, None) => Err(Outcome::Refused(Refusal::Payload(format!(
                "the `{what}` channel needs `user_sqid` or `user_handle`"
            )))),
            (sqid, handle) => Ok((sqid.clone(), handle.clone())),
        };
        let order = self.settings.channel_order;
        let mut query = QueryPosts {
            channel: Some(name.to_owned()),
            sort: order.sort().map(str::to_owned),
            random_seed: (order == ChannelOrder::Random).then_some(self.settings.channel_seed),
            include_fields: INCLUDE_FIELDS.iter().map(|f| (*f).to_owned()).collect(),
            ..QueryPosts::default()
        };
        let label = match name {
            "all" => "Makapix: recent".to_owned(),
            "promoted" => "Makapix: promoted".to_owned(),
            "user" => "Makapix: my artworks".to_owned(),
            "by_user" | "reactions" => {
                let (sqid, handle) = match user(name) {
                    Ok(u) => u,
                    Err(refused) => return refused,
                };
                let who = handle.clone().or(sqid.clone()).unwrap_or_default();
                query.user_sqid = sqid;
                query.user_handle = handle;
                if name == "by_user" {
                    format!("Makapix: by {who}")
                } else {
                    format!("Makapix: liked by {who}")
                }
            }
            "hashtag" => {
                let tag = cmd.hashtag.as_deref().unwrap_or("").trim_start_matches('#');
                if tag.is_empty() {
                    return Outcome::Refused(Refusal::Payload(
                        "the `hashtag` channel needs a `hashtag`".into(),
                    ));
                }
                query.hashtag = Some(tag.to_owned());
                format!("Makapix: #{tag}")
            }
            "sdcard" => return self.play_local_channel(now),
            // On p3a, pinned lists are artworks the device itself saved to its SD card
            // (one list per slug); Makapix Club keeps no copy and no request returns them.
            "pinned" => return Outcome::Unsupported(PINNED_UNSUPPORTED),
            other => {
                return Outcome::Refused(Refusal::Payload(format!(
                    "`{other}` is not a channel this player knows"
                )));
            }
        };
        let mut feed = Feed::new(query);
        let first = feed.first_request();
        let tag = self.send_query(first);
        self.makapix = Some(Playing {
            feed,
            label,
            tag,
            ack: command_id.map(str::to_owned),
            posts: Vec::new(),
        });
        Outcome::Pending
    }

    /// At start: plays the Makapix channel of the last session, if one was
    /// kept. Its artworks come from the disk cache when offline; once connected
    /// the channel is fetched anew. Returns whether one was.
    pub(crate) fn resume_last_channel(&mut self, now: Duration) -> bool {
        let Some(path) = self
            .data_dir
            .as_ref()
            .map(|d| d.join(crate::last_channel::FILE_NAME))
        else {
            return false;
        };
        let Some(last) = crate::last_channel::load(&path) else {
            return false;
        };
        let feed = Feed::resumed(last.query, &last.posts);
        if feed.items().is_empty() {
            return false;
        }
        tracing::info!(
            "{}: resumed with {} artworks from the last session",
            last.label,
            feed.items().len()
        );
        let channel = Channel::Makapix {
            label: last.label.clone(),
            items: feed.items().to_vec(),
        };
        self.makapix = Some(Playing {
            feed,
            label: last.label,
            tag: 0,
            ack: None,
            posts: last.posts,
        });
        self.play(channel, now);
        self.resumed = true;
        true
    }

    /// Connected with a channel from the last session still playing: asks for
    /// its first page; the fresh page replaces the old list when it arrives.
    pub(crate) fn refresh_resumed_channel(&mut self) {
        if !std::mem::take(&mut self.resumed) {
            return;
        }
        let Some(playing) = self.makapix.as_mut() else {
            return;
        };
        let mut feed = Feed::new(playing.feed.query().clone());
        let first = feed.first_request();
        playing.feed = feed;
        playing.posts.clear();
        let tag = self.send_query(first);
        if let Some(p) = self.makapix.as_mut() {
            p.tag = tag;
        }
    }

    /// `sdcard`: the files or folder last opened on this computer.
    fn play_local_channel(&mut self, now: Duration) -> Outcome {
        match self.last_local.clone() {
            Some(local) => {
                self.makapix = None;
                self.play(local, now);
                Outcome::Done
            }
            None => Outcome::Refused(Refusal::Payload(
                "no local files or folder are open on this player".into(),
            )),
        }
    }

    pub(crate) fn send_query(&mut self, query: QueryPosts) -> u64 {
        self.request_tag += 1;
        let tag = self.request_tag;
        self.send_to_runtime(RuntimeAction::Connection(ConnectionAction::Request {
            tag,
            body: Box::new(RequestBody::QueryPosts(query)),
        }));
        tag
    }

    /// The active Makapix channel for view events: name, user, hashtag.
    /// A post shown on its own counts under the channel last played (`all` if none).
    pub(crate) fn view_channel(&self) -> (String, Option<String>, Option<String>) {
        if let Some(v) = self.playset_view_channel() {
            return (v.channel, v.user_sqid, v.hashtag);
        }
        if matches!(self.channel, Channel::Playlist { .. }) {
            // A creator's playlist is no Makapix channel and has no name the server
            // knows; it is a list kept on this computer, which is what the protocol's
            // device-local channel, `sdcard`, stands for (p3a plays its playlists there).
            return ("sdcard".to_owned(), None, None);
        }
        match &self.makapix {
            Some(p) => {
                let q = p.feed.query();
                let name = q.channel.clone().unwrap_or_else(|| "all".to_owned());
                let user = q
                    .user_sqid
                    .clone()
                    .filter(|_| name == "by_user" || name == "reactions");
                let tag = q.hashtag.clone().filter(|_| name == "hashtag");
                (name, user, tag)
            }
            None => ("all".to_owned(), None, None),
        }
    }

    /// Whether the answer with `tag` is the channel's.
    pub(crate) fn awaits(&self, tag: u64) -> bool {
        self.makapix.as_ref().is_some_and(|p| p.tag == tag)
    }

    pub(crate) fn on_page_answer(
        &mut self,
        result: Result<Response, RequestFailure>,
        now: Duration,
    ) {
        let Some(mut playing) = self.makapix.take() else {
            return;
        };
        let first = playing.feed.pages() == 0;
        let outcome = match result {
            Ok(Response::Posts(page)) => {
                let room = crate::last_channel::MAX_POSTS.saturating_sub(playing.posts.len());
                playing.posts.extend(page.posts.iter().take(room).cloned());
                let added = playing.feed.on_page(page);
                tracing::info!(
                    "{}: page {} brought {added} artworks",
                    playing.label,
                    playing.feed.pages()
                );
                if playing.feed.items().is_empty() && !playing.feed.is_waiting() {
                    Err("the channel has no artworks this player can show".to_owned())
                } else {
                    Ok(())
                }
            }
            Ok(other) => Err(format!(
                "the server answered with {other:?} instead of posts"
            )),
            Err(failure) => Err(failure.sentence),
        };
        if let Err(reason) = &outcome {
            tracing::warn!("{}: {reason}", playing.label);
            playing.feed.on_failure();
            if !first || playing.ack.is_none() {
                self.notice = Some(Notice {
                    text: format!(
                        "{}: the next page could not be loaded: {reason}",
                        playing.label
                    ),
                    is_error: true,
                });
            }
        }
        if let Some(command_id) = playing.ack.take() {
            let (status, error) = match &outcome {
                Ok(()) => (AckStatus::Ok, None),
                Err(reason) => (AckStatus::Error, Some(reason.clone())),
            };
            self.send_to_runtime(RuntimeAction::Connection(ConnectionAction::Ack(
                CommandAck {
                    command_id,
                    status,
                    error,
                },
            )));
        }
        if first && outcome.is_err() {
            // What was playing goes on.
            return;
        }
        let channel = Channel::Makapix {
            label: playing.label.clone(),
            items: playing.feed.items().to_vec(),
        };
        if first {
            self.play(channel, now);
        } else {
            self.extend_channel(channel);
        }
        self.last_channel.keep(crate::last_channel::LastChannel {
            label: playing.label.clone(),
            query: playing.feed.query().clone(),
            posts: playing.posts.clone(),
        });
        self.makapix = Some(playing);
    }

    /// Each frame: asks for the next page when the artwork on screen nears the
    /// end of what is known.
    pub(crate) fn page_ahead(&mut self) {
        self.playset_page_ahead();
        if !matches!(self.channel, Channel::Makapix { .. }) {
            return;
        }
        let position = self.engine.current_index();
        let Some(next) = self
            .makapix
            .as_mut()
            .and_then(|p| p.feed.wants_more(position))
        else {
            return;
        };
        let tag = self.send_query(next);
        if let Some(p) = self.makapix.as_mut() {
            p.tag = tag;
        }
    }
}
