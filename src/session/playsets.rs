//! `play_playset`: the first page of each of the playset's channels (the local
//! files for `sdcard`) is fetched, then mixed into one queue by the playset's
//! exposure and pick modes (`player::playset_run`). The command is answered when
//! every channel has answered (failed channels included) and the mix starts.
//! While it plays, the queue moves on with the screen (`Mix::advance`), each
//! channel's next page is fetched as that channel runs low, every channel
//! looks at its first page again each hour for posts published since, and
//! views name the channel of each artwork. A playset may name
//! hundreds of channels (the artists one follows): at most
//! `MAX_PAGES_IN_FLIGHT` of their pages are asked for at once, the rest wait
//! their turn.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use crate::bridge::connection::{ConnectionAction, RequestFailure};
use crate::player::QueueItem;
use crate::player::playset::{ExposureMode, PickMode};
use crate::player::playset_run::{PlaysetRun, RunChannel, ViewChannel};
use crate::protocol::command::PlayPlayset;
use crate::protocol::request::{QueryPosts, RequestBody};
use crate::protocol::response::{PlaysetChannel, Response};

use super::channel::Channel;
use super::channels::REPLACED;
use super::commands::{Refusal, late_ack};
use super::effects::{Effects, Notice};
use super::pending::{Pending, Purpose, request};
use super::seen::Seen;

/// Channel pages of one playset asked for at once.
pub(crate) const MAX_PAGES_IN_FLIGHT: usize = 4;

/// The most channels a playset may name. Makapix's server sets no number of its
/// own: its one playset, `followed_artists`, names every artist the owner
/// follows, and follows are not capped. This is far above any real list, and
/// keeps a hostile command's thousands of channels from costing memory and
/// requests.
pub(crate) const MAX_CHANNELS: usize = 1000;

/// What an answer does to the queue.
#[derive(Debug, PartialEq)]
pub(crate) enum MixOutcome {
    Nothing,
    /// Every channel has answered: the mix plays.
    Play(Channel),
    /// The mix moved on: more picks, and without its first so many, played
    /// long ago; what is on screen stays.
    Extend(Channel, usize),
}

/// A playset being fetched (its first pages), then played and paged.
struct Mixing {
    name: String,
    label: String,
    run: PlaysetRun,
    /// Tags of the answers still awaited, and whether each is a fresh look.
    waiting: Vec<(u64, Ask)>,
    /// Pages to ask for once fewer are awaited, by channel index, oldest first.
    queued: VecDeque<(usize, QueryPosts)>,
    /// Fresh looks to ask for once no page is queued, oldest first.
    looks: VecDeque<(usize, QueryPosts)>,
    /// The `play_playset` command to answer; `None` when the window asked.
    ack: Option<String>,
    /// The first pages are in and the mix is playing.
    started: bool,
    /// The queue position last moved on from; `None` after a page came.
    looked: Option<Option<usize>>,
}

/// What a channel's page is asked for.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Ask {
    /// The next page (or the first).
    Page,
    /// The first page looked at again for posts published since.
    Fresh,
}

#[derive(Default)]
pub(crate) struct Playsets {
    mixing: Option<Mixing>,
}

fn query_for(channel: &PlaysetChannel) -> Result<QueryPosts, String> {
    let identifier = channel.identifier.clone().or(channel.name.clone());
    let mut q = QueryPosts::default();
    match channel.kind.as_str() {
        "named" => q.channel = Some(channel.name.clone().unwrap_or_else(|| "all".into())),
        "user" => {
            q.channel = Some("by_user".into());
            q.user_sqid = Some(identifier.ok_or("a `user` channel needs an `identifier`")?);
        }
        "hashtag" => {
            q.channel = Some("hashtag".into());
            let tag = identifier.ok_or("a `hashtag` channel needs an `identifier`")?;
            q.hashtag = Some(tag.trim_start_matches('#').to_owned());
        }
        other => {
            return Err(format!(
                "`{other}` is not a playset channel type this player knows"
            ));
        }
    }
    q.limit = Some(crate::player::feed::PAGE_SIZE);
    // Like a single channel's: without them an artwork's own dwell is unknown.
    q.include_fields = super::channels::include_fields();
    Ok(q)
}

/// The playset's exposure and pick modes, `equal` and `recency` when unsaid.
fn modes(cmd: &PlayPlayset) -> Result<(ExposureMode, PickMode), Refusal> {
    let exposure = match cmd.exposure_mode.as_deref().unwrap_or("equal") {
        "equal" => ExposureMode::Equal,
        "manual" => ExposureMode::Manual,
        "proportional" => ExposureMode::Proportional,
        other => {
            return Err(refuse(format!(
                "exposure mode `{other}` is not one of equal, manual, proportional"
            )));
        }
    };
    let pick = match cmd.pick_mode.as_deref().unwrap_or("recency") {
        "recency" => PickMode::Recency,
        "random" => PickMode::Random,
        other => {
            return Err(refuse(format!(
                "pick mode `{other}` is not one of recency, random"
            )));
        }
    };
    Ok((exposure, pick))
}

fn refuse(why: impl Into<String>) -> Refusal {
    Refusal::Payload(why.into())
}

impl Playsets {
    /// Checks the playset and asks for each channel's first page. `local`: the
    /// local files an `sdcard` channel brings; `seed` orders random picks.
    #[allow(clippy::too_many_arguments)]
    pub fn start(
        &mut self,
        cmd: PlayPlayset,
        command_id: Option<&str>,
        local: Vec<QueueItem>,
        seed: u64,
        pending: &mut Pending,
        now: Duration,
        fx: &mut Effects,
    ) -> Result<MixOutcome, Refusal> {
        let (exposure, pick) = modes(&cmd)?;
        if cmd.channels.is_empty() {
            return Err(refuse("the playset has no channels"));
        }
        if cmd.channels.len() > MAX_CHANNELS {
            return Err(refuse(format!(
                "the playset names {} channels, more than the {MAX_CHANNELS} this player plays",
                cmd.channels.len()
            )));
        }
        if cmd.channels.iter().filter(|c| c.kind == "sdcard").count() > 1 {
            return Err(refuse(
                "the playset names the local files (`sdcard`) more than once",
            ));
        }
        // One list for the one local channel, shared rather than copied.
        let local: Arc<[QueueItem]> = local.into();
        let mut channels = Vec::with_capacity(cmd.channels.len());
        for channel in &cmd.channels {
            let weight = channel
                .weight
                .map_or(1, |w| w.clamp(0.0, 1e6).round() as u32);
            if channel.kind == "sdcard" {
                channels.push(RunChannel::local(weight, Arc::clone(&local)));
            } else {
                channels.push(RunChannel::makapix(
                    weight,
                    query_for(channel).map_err(refuse)?,
                ));
            }
        }
        let mut run = PlaysetRun::new(exposure, pick, seed, channels);
        let queued = run.first_requests(now).into();
        let mut mixing = Mixing {
            label: format!("Playset: {}", cmd.playset_name),
            name: cmd.playset_name,
            run,
            waiting: Vec::new(),
            queued,
            looks: VecDeque::new(),
            ack: command_id.map(str::to_owned),
            started: false,
            looked: None,
        };
        self.give_way(fx);
        mixing.ask(pending, now, fx);
        self.mixing = Some(mixing);
        // Only local channels: nothing to wait for.
        Ok(self.finish(fx))
    }

    /// One channel's page, come at `now`.
    pub(crate) fn on_page(
        &mut self,
        tag: u64,
        index: usize,
        result: Result<Response, RequestFailure>,
        pending: &mut Pending,
        now: Duration,
        fx: &mut Effects,
    ) -> MixOutcome {
        let Some(mixing) = self.mixing.as_mut() else {
            return MixOutcome::Nothing;
        };
        let Some(pos) = mixing.waiting.iter().position(|(t, _)| *t == tag) else {
            return MixOutcome::Nothing;
        };
        let (_, ask) = mixing.waiting.remove(pos);
        mixing.looked = None;
        if ask == Ask::Fresh {
            mixing.on_fresh_page(index, result, now);
            mixing.ask(pending, now, fx);
            return MixOutcome::Nothing;
        }
        match result {
            Ok(Response::Posts(page)) => {
                let added = mixing.run.on_page(index, page, now);
                tracing::info!(
                    "playset {}: channel {index} brought {added} artworks",
                    mixing.name
                );
            }
            // One channel failing leaves the others to play.
            Ok(_) => {
                tracing::warn!("playset {}: channel {index} answered oddly", mixing.name);
                mixing.run.on_failure(index, now);
            }
            Err(e) => {
                tracing::warn!("playset {}: channel {index}: {e}", mixing.name);
                mixing.run.on_failure(index, now);
            }
        }
        mixing.ask(pending, now, fx);
        if !mixing.started {
            return self.finish(fx);
        }
        // The mix takes the page in as the screen moves on (`page_ahead`).
        MixOutcome::Nothing
    }

    /// Something else was chosen: a playset whose channels have not all
    /// answered will not play (the last choice wins), and its command is answered.
    pub fn give_way(&mut self, fx: &mut Effects) {
        if self.mixing.as_ref().is_some_and(|m| m.started) {
            return;
        }
        if let Some(command_id) = self.mixing.take().and_then(|m| m.ack) {
            let ack = late_ack(command_id, Err(REPLACED.to_owned()));
            fx.connection(ConnectionAction::Ack(ack));
        }
    }

    /// Whether the queue playing is the playset's.
    pub(crate) fn is_playing(&self, playing: &Channel) -> bool {
        self.mixing.as_ref().is_some_and(|m| {
            m.started && matches!(playing, Channel::Makapix { label, .. } if *label == m.label)
        })
    }

    /// The view event's `play_order` while the playset plays: its channels are
    /// asked for in server order, and `random` picking shuffles them.
    pub fn play_order(&self, playing: &Channel) -> Option<u8> {
        if !self.is_playing(playing) {
            return None;
        }
        Some(match self.mixing.as_ref()?.run.pick() {
            PickMode::Random => 2,
            PickMode::Recency => 0,
        })
    }

    /// The channel the artwork on screen came from, for view events.
    pub(crate) fn view_channel(
        &self,
        playing: &Channel,
        on_screen: Option<i64>,
    ) -> Option<ViewChannel> {
        if !self.is_playing(playing) {
            return None;
        }
        self.mixing.as_ref()?.run.channel_of(on_screen?)
    }

    /// Moves the mix on with the screen, asks for the next page of each
    /// channel that runs low, and for each channel's first page when the
    /// hourly look is due.
    pub(crate) fn page_ahead(
        &mut self,
        playing: &Channel,
        seen: &Seen,
        pending: &mut Pending,
        fx: &mut Effects,
    ) -> MixOutcome {
        if !self.is_playing(playing) {
            return MixOutcome::Nothing;
        }
        let Some(m) = self.mixing.as_mut() else {
            return MixOutcome::Nothing;
        };
        let now = seen.now;
        m.looks.extend(m.run.fresh_due(now));
        let position = seen.engine.current_index();
        let mut outcome = MixOutcome::Nothing;
        if m.looked != Some(position) {
            m.looked = Some(position);
            if let Some(dropped) = m.run.advance(seen.engine.items(), position) {
                let items = m.run.items();
                outcome = MixOutcome::Extend(m.channel(items), dropped);
            }
        }
        // Every frame, not only when the screen moves: a page that failed
        // is due again after its wait, whatever is on screen.
        m.queued.extend(m.run.wants_more(now));
        m.ask(pending, now, fx);
        outcome
    }

    /// When the playing mix next has a look or a failed page's retry due.
    pub(crate) fn next_look(&self, playing: &Channel, now: Duration) -> Option<Duration> {
        let m = self.mixing.as_ref().filter(|_| self.is_playing(playing))?;
        m.run.next_look(now)
    }

    /// Once every channel has answered: the command is answered and the mix plays.
    fn finish(&mut self, fx: &mut Effects) -> MixOutcome {
        let Some(m) = self.mixing.as_mut() else {
            return MixOutcome::Nothing;
        };
        if m.started || !m.waiting.is_empty() || !m.queued.is_empty() {
            return MixOutcome::Nothing;
        }
        m.run.advance(&[], None);
        let items = m.run.items();
        let outcome = if items.is_empty() {
            Err("none of the playset's channels has artworks this player can show".to_owned())
        } else {
            Ok(())
        };
        match (m.ack.take(), &outcome) {
            (Some(command_id), _) => {
                fx.connection(ConnectionAction::Ack(late_ack(command_id, outcome.clone())));
            }
            (None, Err(error)) => fx.notice(Notice::error(format!(
                "The playset {} cannot be played: {error}.",
                m.name
            ))),
            (None, Ok(())) => {}
        }
        if items.is_empty() {
            self.mixing = None;
            return MixOutcome::Nothing;
        }
        m.started = true;
        MixOutcome::Play(m.channel(items))
    }
}

impl Mixing {
    /// Asks for queued pages while fewer than `MAX_PAGES_IN_FLIGHT` are
    /// awaited: next pages first, as a channel waiting for one plays less
    /// meanwhile, and fresh looks after them.
    fn ask(&mut self, pending: &mut Pending, now: Duration, fx: &mut Effects) {
        while self.waiting.len() < MAX_PAGES_IN_FLIGHT {
            let page = self.queued.pop_front().map(|(i, q)| (i, q, Ask::Page));
            let look = || self.looks.pop_front().map(|(i, q)| (i, q, Ask::Fresh));
            let Some((index, query, ask)) = page.or_else(look) else {
                break;
            };
            self.waiting
                .push((send(pending, index, query, now, fx), ask));
        }
    }

    fn channel(&self, items: Vec<QueueItem>) -> Channel {
        Channel::Makapix {
            label: self.label.clone(),
            items,
        }
    }

    /// A fresh look's answer: posts published since are the channel's next
    /// picks. A failure is tried again after a wait; the channel plays on.
    fn on_fresh_page(
        &mut self,
        index: usize,
        result: Result<Response, RequestFailure>,
        now: Duration,
    ) {
        let page = match result {
            Ok(Response::Posts(page)) => Some(page),
            Ok(_) => None,
            Err(e) => {
                tracing::info!("playset {}: channel {index}: no fresh look: {e}", self.name);
                None
            }
        };
        let added = self.run.on_fresh_page(index, page.as_ref(), now);
        tracing::info!(
            "playset {}: channel {index}: {added} artworks published since",
            self.name
        );
    }
}

fn send(
    pending: &mut Pending,
    channel: usize,
    query: QueryPosts,
    now: Duration,
    fx: &mut Effects,
) -> u64 {
    let tag = pending.open(Purpose::PlaysetPage { channel }, now);
    fx.connection(request(tag, RequestBody::QueryPosts(query)));
    tag
}
