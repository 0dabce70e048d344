//! `play_channel`: a Makapix channel read through `query_posts`, page by page.
//! The paging rules are the pure `player::feed`; this part sends its requests,
//! takes in the answers, answers the command once the first page is in, and
//! says what the queue becomes.

use std::time::Duration;

use crate::bridge::connection::{ConnectionAction, RequestFailure};
use crate::player::ArtworkSource;
use crate::player::feed::{EMPTY_PAGE_WAIT, FRESH_LOOK_EVERY, Feed};
use crate::player::playset_run::ViewChannel;
use crate::protocol::channel_name;
use crate::protocol::command::PlayChannel;
use crate::protocol::request::{QueryPosts, RequestBody, SERVER_ORDER};
use crate::protocol::response::{PostEntry, PostsPage, Response};
use crate::settings::{ChannelOrder, Settings};
use crate::storage::last_channel::{LastChannel, MAX_POSTS};

use super::channel::Channel;
use super::commands::{Outcome, Refusal, late_ack};
use super::effects::{Effect, Effects, Notice};
use super::pending::{Pending, Purpose, request};
use super::queue_order::Growth;
use super::seen::Seen;

/// What the player asks the server to add to each post: its size, frames and
/// own dwell time (used as the artwork's dwell), owner and transparency. The
/// server sends none of them unless asked, in playsets too.
const INCLUDE_FIELDS: [&str; 6] = [
    "width",
    "height",
    "frame_count",
    "dwell_time_ms",
    "owner_handle",
    "transparency_actual",
];

/// Why a channel none of whose pages has anything playable is refused.
const NOTHING_PLAYABLE: &str = "the channel has no artworks this player can show";

/// Why a channel or playset replaced before it could play is answered `error`.
pub const REPLACED: &str = "something else was chosen before it could play";

/// Why `pinned` is acknowledged `unsupported`.
pub(crate) const PINNED_UNSUPPORTED: &str = "pinned lists are kept on the player that pinned them, \
and Makapix Club offers no request to fetch them; this desktop player has no pinned lists of its own";

/// `include_fields` for every `query_posts` of a channel or a playset's channel.
pub fn include_fields() -> Vec<String> {
    INCLUDE_FIELDS.iter().map(|f| (*f).to_owned()).collect()
}

/// What a `play_channel` asks for.
pub(crate) enum Wanted {
    /// A Makapix channel: its name in the status bar and its first query.
    Makapix {
        label: String,
        query: Box<QueryPosts>,
    },
    /// `sdcard`: the local files last opened.
    Local,
}

/// Asks `query` in the order chosen in the settings, where the channel has one.
fn in_order(query: &mut QueryPosts, settings: &Settings) {
    if query.server_order_only() {
        query.sort = Some(SERVER_ORDER.to_owned());
    } else {
        let order = settings.channel_order;
        query.sort = order.sort().map(str::to_owned);
        query.random_seed = (order == ChannelOrder::Random).then_some(settings.channel_seed);
    }
}

/// Checks a `play_channel` and builds its query in the order chosen in the settings.
pub fn wanted(cmd: &PlayChannel, settings: &Settings) -> Result<Wanted, Outcome> {
    let name = cmd.channel_name.as_str();
    let mut query = QueryPosts {
        channel: Some(name.to_owned()),
        include_fields: include_fields(),
        ..QueryPosts::default()
    };
    in_order(&mut query, settings);
    let label = match name {
        channel_name::ALL => "Makapix: recent".to_owned(),
        channel_name::PROMOTED => "Makapix: promoted".to_owned(),
        channel_name::USER => "Makapix: my artworks".to_owned(),
        channel_name::BY_USER | channel_name::REACTIONS => {
            if cmd.user_sqid.is_none() && cmd.user_handle.is_none() {
                return Err(refuse(format!(
                    "the `{name}` channel needs `user_sqid` or `user_handle`"
                )));
            }
            let who = cmd
                .user_handle
                .clone()
                .or(cmd.user_sqid.clone())
                .unwrap_or_default();
            query.user_sqid = cmd.user_sqid.clone();
            query.user_handle = cmd.user_handle.clone();
            if name == channel_name::BY_USER {
                format!("Makapix: by {who}")
            } else {
                format!("Makapix: liked by {who}")
            }
        }
        channel_name::HASHTAG => {
            let tag = cmd.hashtag.as_deref().unwrap_or("").trim_start_matches('#');
            if tag.is_empty() {
                return Err(refuse("the `hashtag` channel needs a `hashtag`".into()));
            }
            query.hashtag = Some(tag.to_owned());
            format!("Makapix: #{tag}")
        }
        channel_name::SDCARD => return Ok(Wanted::Local),
        // On p3a, pinned lists are artworks the device itself saved to its SD card
        // (one list per slug); Makapix Club keeps no copy and no request returns them.
        channel_name::PINNED => return Err(Outcome::Unsupported(PINNED_UNSUPPORTED)),
        other => {
            return Err(refuse(format!(
                "`{other}` is not a channel this player knows"
            )));
        }
    };
    Ok(Wanted::Makapix {
        label,
        query: Box::new(query),
    })
}

fn refuse(why: String) -> Outcome {
    Outcome::Refused(Refusal::Payload(why))
}

/// What a page's answer does to the queue.
#[derive(Debug, PartialEq)]
pub(crate) enum PageOutcome {
    /// Not this channel's answer, or what was playing goes on.
    Nothing,
    /// The first page: the channel replaces what plays.
    Play(Channel),
    /// A later page or the hourly look's: the same channel with more
    /// artworks (a page's without the queue's first so many, `Feed::trim`).
    Extend(Channel, Growth),
}

/// The Makapix channel being paged through.
struct Paging {
    feed: Feed,
    label: String,
    /// The request whose answer is awaited.
    tag: u64,
    /// The `play_channel` command answered when the first page arrives.
    ack: Option<String>,
    /// The posts of the pages so far, kept for the next start.
    posts: Vec<PostEntry>,
    /// The next look at the first page for posts published since, and the
    /// look in flight.
    fresh_at: Duration,
    fresh: Option<u64>,
}

#[derive(Default)]
pub(crate) struct Channels {
    paging: Option<Paging>,
    /// Brought back from the last session: fetched anew once connected.
    resumed: bool,
}

impl Channels {
    /// Starts paging through a channel; `command_id` is answered with its first page.
    pub fn start(
        &mut self,
        label: String,
        query: QueryPosts,
        command_id: Option<&str>,
        pending: &mut Pending,
        now: Duration,
        fx: &mut Effects,
    ) {
        self.stop(fx);
        let mut feed = Feed::new(query);
        let tag = send(pending, feed.first_request(), now, fx);
        self.paging = Some(Paging {
            feed,
            label,
            tag,
            ack: command_id.map(str::to_owned),
            posts: Vec::new(),
            fresh_at: now + FRESH_LOOK_EVERY,
            fresh: None,
        });
        self.resumed = false;
    }

    /// The channel of the last session, played from what was kept; `None` when
    /// nothing playable was kept.
    pub(crate) fn resume(&mut self, last: LastChannel) -> Option<Channel> {
        let feed = Feed::resumed(last.query, &last.posts);
        if feed.items().is_empty() {
            return None;
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
        self.paging = Some(Paging {
            feed,
            label: last.label,
            tag: 0,
            ack: None,
            posts: last.posts,
            // Fetched anew once connected (`refresh_resumed`), which sets it.
            fresh_at: Duration::MAX,
            fresh: None,
        });
        self.resumed = true;
        Some(channel)
    }

    /// Connected with a channel of the last session still playing: asks for its
    /// first page; the fresh page replaces the old list when it arrives.
    pub(crate) fn refresh_resumed(
        &mut self,
        pending: &mut Pending,
        now: Duration,
        fx: &mut Effects,
    ) {
        if !std::mem::take(&mut self.resumed) {
            return;
        }
        let Some(paging) = self.paging.as_mut() else {
            return;
        };
        let query = paging.feed.query().clone();
        paging.ask_from_start(query, pending, now, fx);
    }

    /// The order chosen in the settings changed: a channel asked in another
    /// order is asked for again from its first page, which replaces what plays.
    pub(crate) fn order_changed(&mut self, seen: &Seen, pending: &mut Pending, fx: &mut Effects) {
        let Some(paging) = self.paging.as_mut() else {
            return;
        };
        let mut query = paging.feed.query().clone();
        in_order(&mut query, seen.settings);
        if query == *paging.feed.query() {
            return;
        }
        tracing::info!("{}: asked for again in the new order", paging.label);
        paging.ask_from_start(query, pending, seen.now, fx);
        self.resumed = false;
    }

    /// Something else plays: paging stops, and a command still waiting for
    /// the first page is answered.
    pub fn stop(&mut self, fx: &mut Effects) {
        if let Some(command_id) = self.paging.take().and_then(|p| p.ack) {
            let ack = late_ack(command_id, Err(REPLACED.to_owned()));
            fx.connection(ConnectionAction::Ack(ack));
        }
        self.resumed = false;
    }

    /// Something else was chosen: a channel whose first page has not come
    /// will not play (the last choice wins).
    pub fn give_way(&mut self, fx: &mut Effects) {
        if self
            .paging
            .as_ref()
            .is_some_and(|p| p.feed.items().is_empty())
        {
            self.stop(fx);
        }
    }

    /// Something else plays: a channel that played stops paging, or a page
    /// of it still on its way (or its failure) would put it back over the
    /// new choice (the last choice wins). One still waiting for its first
    /// artworks is `give_way`'s: the samples, played as a fallback, leave it.
    pub(crate) fn played_over(&mut self, fx: &mut Effects) {
        if self
            .paging
            .as_ref()
            .is_some_and(|p| !p.feed.items().is_empty())
        {
            self.stop(fx);
        }
        self.resumed = false;
    }

    /// The feed of the channel being paged.
    #[cfg(test)]
    pub(crate) fn feed(&self) -> Option<&Feed> {
        self.paging.as_ref().map(|p| &p.feed)
    }

    pub fn label(&self) -> Option<&str> {
        self.paging.as_ref().map(|p| p.label.as_str())
    }

    /// Whether `channel` is the Makapix channel being paged.
    pub(crate) fn pages(&self, channel: &Channel) -> bool {
        matches!(channel, Channel::Makapix { label, .. } if Some(label.as_str()) == self.label())
    }

    /// Whether `playing` is the channel paged and it loops over what it
    /// holds: its last page came and nothing was dropped, or paging stopped.
    pub(crate) fn loops(&self, playing: &Channel) -> bool {
        self.pages(playing) && self.paging.as_ref().is_some_and(|p| !p.feed.has_more())
    }

    /// The view event's `play_order`: the order the channel was asked in.
    pub fn play_order(&self) -> Option<u8> {
        Some(self.paging.as_ref()?.feed.query().play_order())
    }

    /// The channel's name, user and hashtag for view events.
    pub(crate) fn view_channel(&self) -> Option<ViewChannel> {
        Some(ViewChannel::of(self.paging.as_ref()?.feed.query()))
    }

    /// A page's answer. Only the page last asked for counts.
    pub(crate) fn on_page(
        &mut self,
        tag: u64,
        result: Result<Response, RequestFailure>,
        seen: &Seen,
        fx: &mut Effects,
    ) -> PageOutcome {
        let now = seen.now;
        if self.paging.as_ref().is_some_and(|p| p.fresh == Some(tag)) {
            // Posts published since follow the artwork on screen now.
            return self.on_fresh_page(result, seen.on_screen(), fx);
        }
        let Some(paging) = self.paging.as_mut().filter(|p| p.tag == tag) else {
            return PageOutcome::Nothing;
        };
        // Nothing of this channel plays yet: the page that brings artworks
        // (not always the first, see `take_page`) replaces what plays.
        let first = paging.feed.items().is_empty();
        let outcome = match result {
            Ok(Response::Posts(page)) => paging.take_page(page, now),
            Ok(other) => Err(format!(
                "the server answered with {other:?} instead of posts"
            )),
            Err(failure) => Err(failure.sentence),
        };
        let outcome = match outcome {
            // Nothing playable yet, more to ask for: the command waits for it.
            Ok(false) => return PageOutcome::Nothing,
            Ok(true) => Ok(()),
            Err(reason) => Err(reason),
        };
        if let Err(reason) = &outcome {
            tracing::warn!("{}: {reason}", paging.label);
            // A later page is asked for again: said once, not at every try.
            let in_a_row = paging.feed.on_failure(now);
            if (!first && in_a_row == 1) || (first && paging.ack.is_none()) {
                fx.notice(Notice::error(failure_text(&paging.label, reason, first)));
            }
        }
        if let Some(command_id) = paging.ack.take() {
            fx.connection(ConnectionAction::Ack(late_ack(command_id, outcome.clone())));
        }
        if outcome.is_err() {
            // What was playing goes on; a channel that played pages on later.
            if first {
                self.paging = None;
            }
            return PageOutcome::Nothing;
        }
        if first {
            return PageOutcome::Play(paging.kept(fx));
        }
        let dropped = paging
            .feed
            .trim(seen.engine.items(), seen.engine.current_index());
        PageOutcome::Extend(paging.kept(fx), Growth::More { dropped })
    }

    /// A channel whose pages so far brought nothing playable, with more to
    /// ask for: its next page is asked for without it playing.
    pub(crate) fn awaits_artworks(&self) -> bool {
        self.paging
            .as_ref()
            .is_some_and(|p| p.feed.pages() > 0 && p.feed.items().is_empty())
    }

    /// When to look again for the next page: for a channel with nothing
    /// playable yet, its wait after an empty page (`Feed`'s back-off) is a
    /// few of these at most; a page that failed, when it is due again; the
    /// hourly look at the first page, so that a window with nothing else to
    /// wake it (one artwork, paused, hidden) still looks.
    pub(crate) fn next_look(&self, now: Duration) -> Option<Duration> {
        let paging = self.paging.as_ref()?;
        let idle = !paging.feed.is_waiting();
        let empty = (idle && self.awaits_artworks()).then_some(now + EMPTY_PAGE_WAIT);
        // A resumed channel's look waits for the connection (`Duration::MAX`).
        let playing = !paging.feed.items().is_empty() && paging.fresh.is_none();
        let fresh = (playing && paging.fresh_at != Duration::MAX).then(|| paging.fresh_at.max(now));
        [empty, fresh, paging.feed.retry_at(now)]
            .into_iter()
            .flatten()
            .min()
    }

    /// Asks for the next page when the artwork at `position` nears the end of
    /// what is known, and for the first page again when a fresh look is due.
    pub(crate) fn page_ahead(
        &mut self,
        position: Option<usize>,
        pending: &mut Pending,
        now: Duration,
        fx: &mut Effects,
    ) {
        let Some(paging) = self.paging.as_mut() else {
            return;
        };
        if let Some(next) = paging.feed.wants_more(position, now) {
            paging.tag = send(pending, next, now, fx);
        }
        let playing = !paging.feed.items().is_empty();
        if playing && paging.fresh.is_none() && now >= paging.fresh_at {
            let tag = send(pending, paging.feed.fresh_request(), now, fx);
            paging.fresh = Some(tag);
            paging.fresh_at = now + FRESH_LOOK_EVERY;
        }
    }

    /// The fresh look's answer: posts published since play next. A failure
    /// waits for the next look; the channel plays on as it was.
    fn on_fresh_page(
        &mut self,
        result: Result<Response, RequestFailure>,
        shown: Option<&ArtworkSource>,
        fx: &mut Effects,
    ) -> PageOutcome {
        let Some(paging) = self.paging.as_mut() else {
            return PageOutcome::Nothing;
        };
        paging.fresh = None;
        let page = match result {
            Ok(Response::Posts(page)) => page,
            Ok(_) => return PageOutcome::Nothing,
            Err(failure) => {
                tracing::info!(
                    "{}: no fresh look this hour: {}",
                    paging.label,
                    failure.sentence
                );
                return PageOutcome::Nothing;
            }
        };
        let added = paging.feed.on_fresh_page(&page, shown);
        tracing::info!("{}: {added} artworks published since", paging.label);
        if added == 0 {
            return PageOutcome::Nothing;
        }
        let kept: std::collections::HashSet<i64> = paging
            .posts
            .iter()
            .flat_map(PostEntry::artwork_ids)
            .collect();
        let room = MAX_POSTS.saturating_sub(paging.posts.len());
        let new = page.posts.into_iter().filter(|entry| {
            let ids = entry.artwork_ids();
            !ids.is_empty() && ids.iter().all(|id| !kept.contains(id))
        });
        paging.posts.extend(new.take(room));
        PageOutcome::Extend(paging.kept(fx), Growth::Fresh)
    }
}

impl Paging {
    /// Asks for `query`'s first page anew; that page replaces what plays.
    fn ask_from_start(
        &mut self,
        query: QueryPosts,
        pending: &mut Pending,
        now: Duration,
        fx: &mut Effects,
    ) {
        self.feed = Feed::new(query);
        self.posts.clear();
        self.fresh = None;
        self.fresh_at = now + FRESH_LOOK_EVERY;
        self.tag = send(pending, self.feed.first_request(), now, fx);
    }

    /// The channel as it plays now, kept for the next start.
    fn kept(&self, fx: &mut Effects) -> Channel {
        fx.push(Effect::KeepChannel(Some(Box::new(LastChannel {
            label: self.label.clone(),
            query: self.feed.query().clone(),
            posts: self.posts.clone(),
        }))));
        Channel::Makapix {
            label: self.label.clone(),
            items: self.feed.items().to_vec(),
        }
    }

    /// Takes in a page of posts: whether the channel has artworks to play,
    /// `Ok(false)` when it has none yet but more pages to ask for, an error
    /// when it never will.
    fn take_page(&mut self, page: PostsPage, now: Duration) -> Result<bool, String> {
        let room = MAX_POSTS.saturating_sub(self.posts.len());
        self.posts.extend(page.posts.iter().take(room).cloned());
        let added = self.feed.on_page(page, now);
        tracing::info!(
            "{}: page {} brought {added} artworks",
            self.label,
            self.feed.pages()
        );
        if !self.feed.items().is_empty() {
            Ok(true)
        } else if self.feed.has_more() {
            Ok(false)
        } else {
            Err(NOTHING_PLAYABLE.to_owned())
        }
    }
}

/// The status-bar sentence for a page that failed; `first`: nothing of the
/// channel plays yet, so it is the channel, not a page, that failed.
fn failure_text(label: &str, reason: &str, first: bool) -> String {
    if !first {
        let reason = reason.trim_end_matches('.');
        format!(
            "{label}: the next page could not be loaded ({reason}); it will be asked for again."
        )
    } else if reason == NOTHING_PLAYABLE {
        format!("The channel \"{label}\" has no artworks this player can show; pick another one.")
    } else {
        let reason = reason.trim_end_matches('.');
        format!(
            "The channel \"{label}\" could not be loaded: {reason}. \
             Check the connection and pick it again."
        )
    }
}

fn send(pending: &mut Pending, query: QueryPosts, now: Duration, fx: &mut Effects) -> u64 {
    let tag = pending.open(Purpose::ChannelPage, now);
    fx.connection(request(tag, RequestBody::QueryPosts(query)));
    tag
}
