//! The connection handler: one task that owns the session with the broker.
//! It connects, announces the player, keeps it alive, passes requests and
//! commands through, and after a failure waits its own back-off (rumqttc would
//! otherwise retry at once, in a busy loop) before trying again. One attempt
//! (connect, subscribe, serve the session) is in `connection_attempt.rs`.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rumqttc::v5::AsyncClient;
use rumqttc::v5::mqttbytes::QoS;
use tokio::sync::{mpsc, oneshot};

use crate::bridge::RuntimeEvent;
use crate::bridge::channel::EventSink;
use crate::bridge::connection::{
    ConnectionAction, ConnectionEvent, ConnectionState, Direction, Failure, SessionConfig,
    SessionInfo,
};
use crate::protocol::capabilities::PlayerState;
use crate::protocol::status::Presence;
use crate::protocol::topics::Topics;

use super::artwork::Fetcher;
use super::backoff::random_jitter;
use super::connection_handle::{Control, Inbox};
use super::connection_wait::Waited;
use super::diagnostics::{Diagnostics, summarize};
use super::dispatch::{self, Transports};
use super::reconnect::{Next, Reconnect};
use super::requests::{AwaitedResponses, Outbound, RequestClient};
use super::standing::Refusal;
use super::views::ViewOutbox;
use super::views::https_sink::HttpsViews;
use super::{failure, mqtt};

/// How many recent command ids are remembered to drop QoS 1 duplicates.
pub(super) const SEEN_COMMANDS: usize = 64;
/// How long the goodbye (offline status, DISCONNECT) may take at quit: the
/// window closes within 2 s whatever the network does (`channel::EXIT_BUDGET`).
pub(super) const GOODBYE: Duration = Duration::from_millis(800);

/// Why an attempt (or a wait) ended other than by failure.
pub(super) enum Stop {
    Shutdown(oneshot::Sender<()>),
    Disconnect,
    Replace(Box<SessionConfig>),
    ReconnectNow,
    /// An HTTPS answer told how Makapix Club refuses the player.
    Refused(Refusal),
}

pub(super) enum Ended {
    Failed(Failure),
    /// The credentials themselves are unusable: trying again cannot help, so
    /// the task waits for new ones (or "Reconnect now").
    Unusable(Failure),
    /// A request was answered `authentication_failed`: the player was
    /// removed, or its owner banned.
    Removed(Refusal),
    Stop(Stop),
}

pub(super) struct Task {
    /// Views posted over HTTPS, and their answers.
    pub(super) https_views: HttpsViews,
    pub(super) sink: EventSink,
    pub(super) diag: Diagnostics,
    pub(super) pending: Arc<AwaitedResponses>,
    pub(super) outbound_tx: mpsc::UnboundedSender<Outbound>,
    pub(super) config: Option<SessionConfig>,
    pub(super) reconnect: Reconnect,
    pub(super) state: PlayerState,
    pub(super) current_post: Option<i64>,
    pub(super) info: SessionInfo,
    pub(super) conn_state: ConnectionState,
    /// Connected at least once with the current configuration: a loss then
    /// shows as "reconnecting" rather than "disconnected".
    pub(super) ever_connected: bool,
    pub(super) seen_commands: VecDeque<String>,
    pub(super) views: ViewOutbox,
    /// Which way requests go (MQTT, or HTTPS while MQTT is blocked).
    pub(super) ways: Transports,
    /// Makapix Club refused the player before this session: an `echo` right
    /// after connecting asks whether it still does (a ban may have ended).
    pub(super) ask_standing: bool,
    /// How Makapix Club refuses the player in this outage, as clearly as it said.
    pub(super) refused_as: Option<Refusal>,
    /// Where a `show_artwork`'s file is looked for before the window hears of it.
    pub(super) files: Option<Fetcher>,
}

/// The live session an action may use.
pub(super) struct Live<'a> {
    pub(super) client: &'a AsyncClient,
    pub(super) topics: &'a Topics,
    pub(super) player_key: &'a str,
}

impl Task {
    pub(super) fn new(
        sink: EventSink,
        diag: Diagnostics,
        outbound_tx: mpsc::UnboundedSender<Outbound>,
    ) -> Self {
        Task {
            sink,
            diag: diag.clone(),
            pending: Arc::new(AwaitedResponses::default()),
            outbound_tx,
            config: None,
            reconnect: Reconnect::new(&Default::default()),
            state: PlayerState::default(),
            current_post: None,
            info: SessionInfo::default(),
            conn_state: ConnectionState::NotRegistered,
            ever_connected: false,
            seen_commands: VecDeque::new(),
            views: ViewOutbox::new(diag),
            ways: Transports::default(),
            ask_standing: false,
            refused_as: None,
            https_views: HttpsViews::default(),
            files: None,
        }
    }

    pub(super) async fn run(mut self, mut inbox: Inbox) {
        loop {
            let waited = self.round(&mut inbox).await;
            let ended = match waited {
                Waited::Over => false,
                Waited::End => true,
                Waited::Refused(refusal) => self.refused(refusal, &mut inbox).await,
            };
            if ended {
                return;
            }
        }
    }

    /// One MQTT attempt and the wait after it, or (HTTPS only) one wait.
    async fn round(&mut self, inbox: &mut Inbox) -> Waited {
        // "HTTPS only" holds no MQTT session: requests still go, over HTTPS.
        let Some(config) = self
            .config
            .clone()
            .filter(|_| self.ways.router.mqtt_wanted())
        else {
            if self.config.is_some() && self.conn_state != ConnectionState::Disconnected {
                // The MQTT session of before is over; the state shown is HTTPS's.
                self.info.connected_since = None;
                self.set_state(ConnectionState::Disconnected);
            }
            // HTTPS is checked, views go, actions are taken, until one ends the wait.
            return self.wait(None, inbox).await;
        };
        let attempt_state = if self.ever_connected {
            ConnectionState::Reconnecting
        } else {
            ConnectionState::Connecting
        };
        self.info.retry_in = None;
        if !self.ask_standing {
            // A recheck after a refusal keeps showing it until the server answers.
            self.set_state(attempt_state);
        }
        match self.attempt(&config, inbox).await {
            Ended::Stop(Stop::Refused(refusal)) => {
                self.pending.fail_all();
                self.ways.router.mqtt_stopped();
                Waited::Refused(refusal)
            }
            Ended::Stop(stop) => {
                self.pending.fail_all();
                self.ways.router.mqtt_stopped();
                Waited::ended(self.apply(stop))
            }
            Ended::Failed(failure) => {
                // Requests waiting on the lost session are answered another way now.
                self.pending.fail_all();
                self.ways.router.mqtt_failed(failure.kind);
                let next =
                    self.reconnect
                        .after_failure(failure.kind, Instant::now(), random_jitter());
                let (state, wait) = match next {
                    Next::RetryAfter(wait) | Next::IdentityInUse(wait) if self.ever_connected => {
                        (ConnectionState::Reconnecting, Some(wait))
                    }
                    Next::RetryAfter(wait) | Next::IdentityInUse(wait) => {
                        (ConnectionState::Disconnected, Some(wait))
                    }
                    Next::Removed => (ConnectionState::Removed, None),
                };
                let failure = match next {
                    Next::IdentityInUse(_) => failure::identity_in_use(failure),
                    _ => failure,
                };
                self.rest(failure, state, wait, inbox).await
            }
            Ended::Unusable(failure) => {
                self.ways.router.mqtt_stopped();
                self.rest(failure, ConnectionState::Disconnected, None, inbox)
                    .await
            }
            Ended::Removed(refusal) => Waited::Refused(refusal),
        }
    }

    /// Carries out a stop; true when the task must end.
    pub(super) fn apply(&mut self, stop: Stop) -> bool {
        match stop {
            Stop::Shutdown(done) => {
                // Answered once the views queue is on disk.
                self.views.close_then(done);
                true
            }
            Stop::Disconnect => {
                self.config = None;
                self.ways.configure(None);
                self.info = SessionInfo::default();
                self.set_state(ConnectionState::Disconnected);
                false
            }
            Stop::Replace(config) => {
                self.views.set_identity(&config);
                self.reconnect = Reconnect::new(&config.tuning);
                self.ever_connected = false;
                self.ask_standing = false;
                self.refused_as = None;
                self.info = SessionInfo {
                    broker: Some(config.broker.to_string()),
                    https_api: self.ways.configure(Some(&config)),
                    ..SessionInfo::default()
                };
                self.config = Some(*config);
                if !self.ways.router.mqtt_wanted() {
                    self.set_state(ConnectionState::Disconnected);
                }
                false
            }
            // Rested on by the caller (`Waited::Refused`).
            Stop::Refused(_) => false,
            Stop::ReconnectNow => {
                self.reconnect.reset();
                self.ways.check_now();
                false
            }
        }
    }

    /// `state` is the MQTT session's; the window is shown what the router makes of it.
    pub(super) fn set_state(&mut self, state: ConnectionState) {
        self.conn_state = state;
        let shown = self.ways.show(state, &mut self.info);
        self.sink
            .send(RuntimeEvent::Connection(ConnectionEvent::State(shown)));
        self.sink
            .send(RuntimeEvent::Connection(ConnectionEvent::Info(
                self.info.clone(),
            )));
    }

    pub(super) fn requests(&self) -> Option<RequestClient> {
        let config = self.config.as_ref()?;
        Some(RequestClient::new(config, &self.outbound_tx, &self.pending))
    }

    /// Handles an action; returns a stop when the current attempt or wait must end.
    pub(super) async fn on_control(
        &mut self,
        ctl: Control,
        live: Option<&Live<'_>>,
    ) -> Option<Stop> {
        let action = match ctl {
            Control::Shutdown(done) => return Some(Stop::Shutdown(done)),
            Control::Action(action) => action,
        };
        match action {
            ConnectionAction::Connect(config) => Some(Stop::Replace(config)),
            ConnectionAction::Disconnect => Some(Stop::Disconnect),
            // Only while refused: a renewal's answer then says how.
            ConnectionAction::Standing(verdict) => {
                self.refused_as.map(|_| Stop::Refused(verdict.into()))
            }
            ConnectionAction::Woke => {
                tracing::info!("the computer woke; starting the session again");
                self.config.is_some().then_some(Stop::ReconnectNow)
            }
            ConnectionAction::ReconnectNow => {
                if live.is_none() && self.config.is_some() {
                    Some(Stop::ReconnectNow)
                } else {
                    // Already connected (or connecting), or nothing to connect to.
                    self.set_state(self.conn_state);
                    None
                }
            }
            ConnectionAction::Request { tag, body } => {
                dispatch::answer_in_background(
                    self.sink.clone(),
                    self.ways.routes(self.requests()),
                    tag,
                    *body,
                );
                None
            }
            ConnectionAction::TestConnection => {
                dispatch::test_in_background(self.sink.clone(), self.ways.routes(self.requests()));
                None
            }
            ConnectionAction::SetTransport(choice) => {
                // Into or out of "HTTPS only": the MQTT session starts or ends.
                let restart = self.ways.choose(choice) && self.config.is_some();
                self.set_state(self.conn_state);
                restart.then_some(Stop::ReconnectNow)
            }
            ConnectionAction::SetState(state) => {
                self.set_retained_state(state, live).await;
                None
            }
            ConnectionAction::Ack(ack) => {
                match live {
                    Some(live) => self.send_ack(live, &ack).await,
                    // The server sees no ack and the web shows the command as unanswered;
                    // a late ack after reconnecting would answer a command long given up.
                    None => self
                        .diag
                        .note(format!("ack for {} dropped: offline", ack.command_id)),
                }
                None
            }
            ConnectionAction::View(view) => {
                // Queued first, so a view survives a restart until it is out.
                self.views.push(view);
                None
            }
            ConnectionAction::SetViewFolder(dir) => {
                self.views.open_dir(&dir);
                None
            }
            ConnectionAction::SetCurrentPost(post) => {
                self.set_current_post(post, live).await;
                None
            }
        }
    }

    /// The player's `state` changed: kept for the next connect, and its
    /// changes published (retained) on a live session.
    async fn set_retained_state(&mut self, state: PlayerState, live: Option<&Live<'_>>) {
        let change = state.changes_since(&self.state);
        self.state = state;
        if let Some(live) = live
            && !change.is_empty()
        {
            let payload = serde_json::to_vec(&change).unwrap_or_default();
            self.publish(live.client, live.topics.state(), true, payload)
                .await;
        }
    }

    /// The post on screen changed: a live session says so in an online status.
    async fn set_current_post(&mut self, post: Option<i64>, live: Option<&Live<'_>>) {
        let changed = post != self.current_post;
        self.current_post = post;
        if let Some(live) = live
            && changed
        {
            let status = mqtt::status(live.player_key, Presence::Online, post);
            self.publish(live.client, live.topics.status(), false, status)
                .await;
        }
    }

    pub(super) async fn publish(
        &self,
        client: &AsyncClient,
        topic: String,
        retain: bool,
        payload: Vec<u8>,
    ) {
        self.diag
            .record(Direction::Out, &topic, payload.len(), summarize(&payload));
        match client
            .publish(topic, QoS::AtLeastOnce, retain, payload)
            .await
        {
            // Counted so a view's packet id can be told among the publishes.
            Ok(()) => self.views.publish_queued(),
            Err(e) => self.diag.note(format!("publish not queued: {e}")),
        }
    }
}
