//! The player's Makapix behaviour, below the window: what plays, channels and
//! their paging, playsets, creators' playlists, likes, comments, the owner's
//! playsets, commands from the web and their acks, view events, and posts'
//! files. No egui and no I/O: each call takes what happened (a runtime event,
//! a user action, the time) with what the player looks like (`Seen`), and
//! appends what to do to `Effects`, which the window carries out in order.
//!
//! `Session` routes; each part owns one feature's state. Every request goes
//! through one registry (`pending`), which routes its answer by tag and gives
//! up on it once at its deadline.

pub mod channel;
mod channels;
pub mod commands;
pub mod comment_thread;
pub mod comments;
mod downloads;
pub mod effects;
pub mod likes;
pub mod owner_playsets;
pub mod pending;
mod playlists;
mod playsets;
mod queue_order;
mod reports;
mod seen;
mod views;

#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::time::Duration;

use crate::bridge::connection::{ConnectionAction, ConnectionState, RequestFailure};
use crate::player::playlist::Playlist;
use crate::player::{ArtworkSource, Engine, MakapixPost};
use crate::protocol::command::{
    CommandEnvelope, CommandError, PlayChannel, PlayPlayset, ShowArtwork,
};
use crate::protocol::response::Response;
use crate::storage::last_channel::LastChannel;

pub use channel::Channel;
pub use effects::{DisplayChange, Effect, Effects, EngineCommand, Notice};
pub use seen::Seen;

use channels::{Channels, PageOutcome, Wanted};
use commands::{Decision, Outcome, Refusal};
use comments::Comments;
use downloads::Downloads;
use likes::{LikeState, Likes};
use owner_playsets::{OwnerPlaysetView, OwnerPlaysets};
use pending::{Pending, Purpose};
use playlists::{PlaylistOutcome, Playlists};
use playsets::{MixOutcome, Playsets};
use queue_order::Growth;
use reports::Reports;
use views::Views;

pub struct Session {
    /// What plays.
    playing: Channel,
    /// The local files or folder last played: `sdcard` returns to them.
    last_local: Option<Channel>,
    /// Orders shuffling and random picks: one per run.
    seed: u64,
    /// A runtime carries requests (windows in tests may have none).
    online: bool,
    connection: ConnectionState,
    pending: Pending,
    channels: Channels,
    playsets: Playsets,
    playlists: Playlists,
    likes: Likes,
    comments: Comments,
    owner_playsets: OwnerPlaysets,
    views: Views,
    downloads: Downloads,
    /// `status` and the retained `state`, sent when they change.
    reports: Reports,
    /// The computer's IANA time zone, for view events.
    timezone: String,
    /// Something was chosen to play since start: the channel kept from the
    /// last session, read from disk later, gives way to it.
    chose: bool,
}

/// The sentence for a request given up on at its deadline.
const NO_ANSWER: &str = "Makapix Club did not answer in time; try again.";

impl Session {
    pub fn new(seed: u64, timezone: String) -> Self {
        Self {
            playing: Channel::Samples,
            last_local: None,
            seed,
            online: false,
            connection: ConnectionState::NotRegistered,
            pending: Pending::default(),
            channels: Channels::default(),
            playsets: Playsets::default(),
            playlists: Playlists::default(),
            likes: Likes::default(),
            comments: Comments::default(),
            owner_playsets: OwnerPlaysets::default(),
            views: Views::default(),
            downloads: Downloads::default(),
            reports: Reports::default(),
            timezone,
            chose: false,
        }
    }

    /// Requests can reach a runtime from now on.
    pub fn set_online(&mut self, online: bool) {
        self.online = online;
    }

    pub fn channel(&self) -> &Channel {
        &self.playing
    }

    pub fn connection(&self) -> ConnectionState {
        self.connection
    }

    /// Requests awaiting an answer.
    pub fn pending(&self) -> &Pending {
        &self.pending
    }

    // ----- what plays -----

    /// `channel` replaces what plays.
    pub fn play(&mut self, channel: Channel, seen: &Seen, fx: &mut Effects) {
        // The samples play when nothing else does (at start, or when nothing
        // opened could play): no choice gives way to them.
        if channel != Channel::Samples {
            self.chosen(fx);
        }
        if matches!(channel, Channel::Local { .. }) {
            self.last_local = Some(channel.clone());
        }
        if !self.channels.pages(&channel) {
            // Something else plays now: the next start begins with it, not the old channel.
            fx.push(Effect::KeepChannel(None));
            self.channels.played_over(fx);
            self.reports.new_choice();
        }
        let items = queue_order::ordered(channel.items(), &[], seen.settings, self.seed);
        self.playing = channel;
        fx.engine(EngineCommand::Play(items));
    }

    /// The same channel with more items (`queue_order::extended`).
    fn extend(&mut self, channel: Channel, growth: Growth, seen: &Seen, fx: &mut Effects) {
        let (engine, settings) = (seen.engine, seen.settings);
        let items = queue_order::extended(&channel, engine, growth, settings, self.seed);
        self.playing = channel;
        let dropped = growth.dropped();
        fx.engine(EngineCommand::Reorder { items, dropped });
    }

    /// What plays was chosen: what was chosen before and is still being
    /// fetched will not replace it (the last choice wins).
    fn chosen(&mut self, fx: &mut Effects) {
        self.chose = true;
        self.channels.give_way(fx);
        self.playsets.give_way(fx);
        self.playlists.give_way();
    }

    /// Shuffle or the channels' order changed: the queue is ordered anew, and
    /// a channel asked in another order is asked for again.
    pub(crate) fn reorder(&mut self, seen: &Seen, fx: &mut Effects) {
        let (loops, settings) = (self.channels.loops(&self.playing), seen.settings);
        let items = queue_order::reordered(&self.playing, seen.engine, loops, settings, self.seed);
        fx.engine(EngineCommand::Reorder { items, dropped: 0 });
        self.channels.order_changed(seen, &mut self.pending, fx);
    }

    /// At start: the Makapix channel of the last session plays, from the disk
    /// cache until connected. Returns whether it could. The file is read while
    /// commands may already come in: a choice made meanwhile is newer and wins.
    pub(crate) fn resume(&mut self, last: LastChannel, seen: &Seen, fx: &mut Effects) -> bool {
        if self.chose {
            tracing::info!("{}: not resumed, a newer choice plays", last.label);
            return false;
        }
        let Some(channel) = self.channels.resume(last) else {
            return false;
        };
        self.play(channel, seen, fx);
        true
    }

    // ----- from the runtime -----

    pub(crate) fn on_connection(&mut self, state: ConnectionState, seen: &Seen, fx: &mut Effects) {
        self.connection = state;
        if state == ConnectionState::Connected {
            self.channels
                .refresh_resumed(&mut self.pending, seen.now, fx);
            self.downloads.reconnected(seen.now);
        }
    }

    /// A command from the web: carried out, and acknowledged now or once its
    /// outcome is known.
    pub fn on_command(&mut self, envelope: &CommandEnvelope, seen: &Seen, fx: &mut Effects) {
        let outcome = match envelope.command() {
            Ok(command) => {
                self.carry_out(commands::decide(command), &envelope.command_id, seen, fx)
            }
            // The runtime answers these itself; a second reading cannot differ,
            // but an answer is still owed if it does: `unsupported` for a type
            // this player does not know (§6), `error` for an unreadable payload.
            Err(CommandError::Unsupported(_)) => Outcome::Unsupported(commands::UNKNOWN_COMMAND),
            Err(e) => Outcome::Refused(Refusal::Payload(e.to_string())),
        };
        if let Some(ack) = commands::ack(envelope, outcome) {
            fx.connection(ConnectionAction::Ack(ack));
        }
    }

    fn carry_out(
        &mut self,
        decision: Decision,
        command_id: &str,
        seen: &Seen,
        fx: &mut Effects,
    ) -> Outcome {
        match decision {
            Decision::Engine(command) => fx.engine(command),
            Decision::Display(change) => fx.push(Effect::Display(change)),
            Decision::ShowArtwork(show) => return self.show_post(show, seen, fx),
            Decision::PlayChannel(cmd) => {
                return self.play_channel(cmd, Some(command_id), seen, fx);
            }
            Decision::PlayPlayset(cmd) => {
                return self.play_playset(cmd, Some(command_id), seen, fx);
            }
            Decision::Refused(why) => return Outcome::Refused(why),
        }
        Outcome::Done
    }

    /// A request's answer, routed by what it was for.
    pub(crate) fn on_answer(
        &mut self,
        tag: u64,
        result: Result<Response, RequestFailure>,
        seen: &Seen,
        fx: &mut Effects,
    ) {
        if let Ok(response) = &result {
            self.reports.confirm(response);
        }
        match self.pending.close(tag) {
            Some(purpose) => self.route(tag, purpose, result, seen, fx),
            None => tracing::debug!("answer {tag} dropped: no longer awaited"),
        }
    }

    fn route(
        &mut self,
        tag: u64,
        purpose: Purpose,
        result: Result<Response, RequestFailure>,
        seen: &Seen,
        fx: &mut Effects,
    ) {
        match purpose {
            Purpose::ChannelPage => match self.channels.on_page(tag, result, seen, fx) {
                PageOutcome::Play(channel) => self.play(channel, seen, fx),
                PageOutcome::Extend(ch, growth) => self.extend(ch, growth, seen, fx),
                PageOutcome::Nothing => {}
            },
            Purpose::PlaysetPage { channel } => {
                let pending = &mut self.pending;
                let outcome = self
                    .playsets
                    .on_page(tag, channel, result, pending, seen.now, fx);
                self.on_mix(outcome, seen, fx);
            }
            Purpose::Like { post_id, likes } => self.likes.on_answer(post_id, likes, result, fx),
            Purpose::Comments { .. } => self.comments.on_answer(tag, result),
            Purpose::OwnerPlayset { name } => {
                if let Some(cmd) = self.owner_playsets.on_answer(tag, &name, result, fx) {
                    let why = match self.play_playset(cmd, None, seen, fx) {
                        Outcome::Refused(why) => why.to_string(),
                        Outcome::Unsupported(why) => why.to_owned(),
                        Outcome::Done | Outcome::Pending => return,
                    };
                    let text = format!("The playset cannot be played: {why}.");
                    self.owner_playsets.say(text, fx);
                }
            }
            Purpose::PlaylistPost { post_id } => self.playlists.on_post(post_id, result, fx),
        }
    }

    /// The runtime's answer about a post's file, come at `now`.
    pub(crate) fn on_fetched(
        &mut self,
        post: &MakapixPost,
        result: Result<PathBuf, String>,
        now: Duration,
    ) {
        self.downloads.on_fetched(post, result, now);
    }

    // ----- posts' files -----

    /// The engine wants `post` and nothing is decoded for it yet.
    pub(crate) fn want_post(
        &mut self,
        source: &ArtworkSource,
        post: &MakapixPost,
        seen: &Seen,
        fx: &mut Effects,
    ) {
        self.downloads.want(source, post, seen.now, fx);
    }

    /// Forgets the files of posts the engine no longer wants.
    pub(crate) fn keep_posts(&mut self, wanted: &[ArtworkSource], fx: &mut Effects) {
        self.downloads.retain(wanted, fx);
    }

    /// A post's file did not decode: fetched once more, then the placeholder.
    pub(crate) fn unreadable_post(
        &mut self,
        source: &ArtworkSource,
        reason: String,
        fx: &mut Effects,
    ) {
        if let ArtworkSource::Makapix(post) = source {
            self.downloads.unreadable(source, post, reason, fx);
        }
    }

    // ----- what the user or the web asks for -----

    /// `show_artwork`: the post becomes the whole queue, shown as soon as its
    /// file is in (what was on screen stays until then).
    fn show_post(&mut self, show: ShowArtwork, seen: &Seen, fx: &mut Effects) -> Outcome {
        let Some(post) = MakapixPost::from_show(&show) else {
            return Outcome::Refused(Refusal::Payload(
                "`storage_key` and `native_format` are needed when there is no `art_url`".into(),
            ));
        };
        // The server sent it: it knows this post.
        self.reports.confirm_post(show.post_id);
        self.play(Channel::Post(post), seen, fx);
        Outcome::Done
    }

    /// A channel picked in the window: no command to acknowledge, so what goes
    /// wrong is told in the status bar.
    pub(crate) fn play_channel_from_window(
        &mut self,
        cmd: PlayChannel,
        seen: &Seen,
        fx: &mut Effects,
    ) {
        let text = match self.play_channel(cmd, None, seen, fx) {
            Outcome::Refused(why) => why.to_string(),
            Outcome::Unsupported(why) => why.to_owned(),
            Outcome::Done | Outcome::Pending => return,
        };
        fx.notice(Notice::error(format!(
            "That channel cannot be played: {text}."
        )));
    }

    /// `command_id`: the `play_channel` command to acknowledge once the first page arrives.
    fn play_channel(
        &mut self,
        cmd: PlayChannel,
        command_id: Option<&str>,
        seen: &Seen,
        fx: &mut Effects,
    ) -> Outcome {
        match channels::wanted(&cmd, seen.settings) {
            Err(outcome) => outcome,
            Ok(Wanted::Local) => match self.last_local.clone() {
                Some(local) => {
                    self.channels.stop(fx);
                    self.play(local, seen, fx);
                    Outcome::Done
                }
                None => Outcome::Refused(Refusal::Payload(
                    "no local files or folder are open on this player".into(),
                )),
            },
            Ok(Wanted::Makapix { label, query }) => {
                self.chosen(fx);
                self.channels
                    .start(label, *query, command_id, &mut self.pending, seen.now, fx);
                Outcome::Pending
            }
        }
    }

    fn play_playset(
        &mut self,
        cmd: PlayPlayset,
        command_id: Option<&str>,
        seen: &Seen,
        fx: &mut Effects,
    ) -> Outcome {
        let local = self
            .last_local
            .as_ref()
            .map(Channel::items)
            .unwrap_or_default();
        let started = self.playsets.start(
            cmd,
            command_id,
            local,
            self.seed,
            &mut self.pending,
            seen.now,
            fx,
        );
        match started {
            Ok(outcome) => {
                self.chose = true;
                self.channels.give_way(fx);
                self.playlists.give_way();
                self.on_mix(outcome, seen, fx);
                // Answered by the mix once every channel has answered.
                Outcome::Pending
            }
            Err(why) => Outcome::Refused(why),
        }
    }

    fn on_mix(&mut self, outcome: MixOutcome, seen: &Seen, fx: &mut Effects) {
        match outcome {
            MixOutcome::Play(channel) => {
                self.channels.stop(fx);
                self.play(channel, seen, fx);
            }
            MixOutcome::Extend(channel, dropped) => {
                self.extend(channel, Growth::More { dropped }, seen, fx)
            }
            MixOutcome::Nothing => {}
        }
    }

    /// Plays a creator's playlist, named `label` in the status bar.
    pub(crate) fn play_playlist(
        &mut self,
        playlist: &Playlist,
        label: String,
        seen: &Seen,
        fx: &mut Effects,
    ) {
        self.chosen(fx);
        self.playlists.play(playlist, label, &self.playing);
        self.playlist_ahead(seen, fx);
    }

    /// A post whose artwork came in on screen: a playlist needs no `get_post` for it.
    pub(crate) fn remember_post(&mut self, post: &MakapixPost) {
        self.playlists.remember(post);
    }

    pub fn like_state(&self, engine: &Engine) -> LikeState {
        let post = engine.current().and_then(ArtworkSource::post_id);
        self.likes.state(post, &self.pending)
    }

    pub(crate) fn toggle_like(&mut self, seen: &Seen, fx: &mut Effects) {
        self.likes
            .toggle(seen.post_on_screen(), &mut self.pending, seen.now, fx);
    }

    pub fn comments(&self) -> &Comments {
        &self.comments
    }

    pub(crate) fn toggle_comments(&mut self) {
        self.comments.toggle();
    }

    pub(crate) fn more_comments(&mut self, seen: &Seen, fx: &mut Effects) {
        self.comments.load_more(&mut self.pending, seen.now, fx);
    }

    pub fn owner_playset(&self) -> OwnerPlaysetView {
        self.owner_playsets.view()
    }

    pub(crate) fn request_owner_playset(&mut self, name: String, seen: &Seen, fx: &mut Effects) {
        self.owner_playsets
            .request(name, &mut self.pending, seen.now, fx);
    }

    // ----- each frame -----

    /// Keeps every feature in step with what is on screen: `status`, the next
    /// pages, comments, the playlist's posts, views, requests given up on, and
    /// failed downloads tried again.
    /// `visible`: the artwork on screen is loaded, playing and not covered.
    /// Returns when to look again (a view or a request's deadline is due).
    pub fn tick(&mut self, seen: &Seen, visible: bool, fx: &mut Effects) -> Option<Duration> {
        let post = seen.post_on_screen();
        self.reports.post_on_screen(post, fx);
        self.sync_state(seen, fx);
        self.page_ahead(seen, fx);
        let connected = self.connection == ConnectionState::Connected;
        self.comments
            .follow(post, connected, &mut self.pending, seen.now, fx);
        self.playlist_ahead(seen, fx);
        for (tag, purpose) in self.pending.expire(seen.now) {
            tracing::warn!("request {tag} ({purpose:?}) had no answer in time");
            let failure = RequestFailure {
                code: None,
                sentence: NO_ANSWER.to_owned(),
            };
            self.route(tag, purpose, Err(failure), seen, fx);
        }
        let chosen = matches!(self.playing, Channel::Post(_));
        let (playing, channels, playsets) = (&self.playing, &self.channels, &self.playsets);
        let view_due = self.views.report(
            seen.on_screen(),
            chosen,
            visible,
            || views::context(playing, channels, playsets, seen),
            &self.timezone,
            seen.unix_secs,
            seen.now,
            fx,
        );
        let page_due = self.channels.next_look(seen.now);
        let mix_due = self.playsets.next_look(&self.playing, seen.now);
        let retry_due = self.downloads.retry_due(seen.now, fx);
        [view_due, self.pending.next_deadline(), page_due, retry_due]
            .into_iter()
            .chain([mix_due])
            .flatten()
            .min()
    }

    /// Pause, brightness, rotation and mirror, whichever way they changed, go
    /// to the broker's retained `state`.
    pub(crate) fn sync_state(&mut self, seen: &Seen, fx: &mut Effects) {
        let state = commands::player_state(seen.settings, seen.engine.is_paused());
        if self.online {
            self.reports.state(state, fx);
        }
    }

    fn page_ahead(&mut self, seen: &Seen, fx: &mut Effects) {
        let (playing, pending) = (&self.playing, &mut self.pending);
        let outcome = self.playsets.page_ahead(playing, seen, pending, fx);
        self.on_mix(outcome, seen, fx);
        let paging_this = self.channels.pages(&self.playing);
        // A channel whose first pages had nothing playable pages on before it plays.
        if paging_this || self.channels.awaits_artworks() {
            let position = seen.engine.current_index().filter(|_| paging_this);
            self.channels
                .page_ahead(position, &mut self.pending, seen.now, fx);
        }
    }

    fn playlist_ahead(&mut self, seen: &Seen, fx: &mut Effects) {
        let position = seen.engine.current_index();
        let outcome = self.playlists.ahead(
            &self.playing,
            position,
            self.online,
            &mut self.pending,
            seen.now,
            fx,
        );
        match outcome {
            PlaylistOutcome::Play(channel) => {
                // The playlist is the channel now; a Makapix channel stops paging.
                self.channels.stop(fx);
                self.play(channel, seen, fx);
            }
            PlaylistOutcome::Extend(channel) => {
                self.extend(channel, Growth::More { dropped: 0 }, seen, fx)
            }
            PlaylistOutcome::Nothing => {}
        }
    }
}
