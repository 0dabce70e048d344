//! The connection handler: one task that owns the session with the broker.
//! It connects, announces the player, keeps it alive, passes requests and
//! commands through, and after a failure waits its own back-off (rumqttc would
//! otherwise retry at once, in a busy loop) before trying again.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use rumqttc::Outgoing;
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::mqttbytes::v5::{Packet, Publish, SubAck, SubscribeReasonCode};
use rumqttc::v5::{AsyncClient, Event};
use tokio::sync::{mpsc, oneshot};

use crate::bridge::RuntimeEvent;
use crate::bridge::channel::EventSink;
use crate::bridge::connection::{
    ConnectionAction, ConnectionEvent, ConnectionState, Direction, Failure, FailureKind,
    SessionConfig, SessionInfo,
};
use crate::protocol::capabilities::PlayerState;
use crate::protocol::response::{self, ErrorCode};
use crate::protocol::status::Presence;
use crate::protocol::topics::{Incoming, Topics};

use super::artwork::Fetcher;
use super::backoff::random_jitter;
use super::connection_handle::{Control, Inbox};
use super::connection_wait::Waited;
use super::diagnostics::{Diagnostics, summarize};
use super::dispatch::{self, Transports};
use super::reconnect::{Next, Reconnect};
use super::requests::{AwaitedResponses, Outbound, RequestClient, RequestError, ResponseHandoff};
use super::standing::Refusal;
use super::views::ViewOutbox;
use super::views::delivery::Pace;
use super::views::https_sink::HttpsViews;
use super::views::sink::MqttSink;
use super::{failure, mqtt, tls};

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
}

enum Ended {
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
    /// Where a `show_artwork`'s file is looked for before the window hears of it.
    pub(super) files: Option<Fetcher>,
}

/// The live session an action may use.
pub(super) struct Live<'a> {
    pub(super) client: &'a AsyncClient,
    pub(super) topics: &'a Topics,
    player_key: &'a str,
}

/// The server's word on a standing check; never, without one.
async fn heard(check: &mut Option<oneshot::Receiver<()>>) -> Result<(), oneshot::error::RecvError> {
    match check.as_mut() {
        Some(rx) => rx.await,
        None => std::future::pending().await,
    }
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

    async fn attempt(&mut self, config: &SessionConfig, inbox: &mut Inbox) -> Ended {
        let broker = config.broker.to_string();
        let tls = match tls::session_config(config) {
            Ok(tls) => tls,
            Err(failure) => return Ended::Unusable(failure),
        };
        let topics = Topics::new(&config.player_key);
        let (client, eventloop) = AsyncClient::new(mqtt::options(config, tls, &topics), 64);
        let mut events = mqtt::EventPump::start(eventloop);
        self.diag.note(format!("connecting to {broker}"));
        let live = Live {
            client: &client,
            topics: &topics,
            player_key: &config.player_key,
        };
        let mut connected = false;
        let mut standing: Option<oneshot::Receiver<()>> = None;
        let beat = config.tuning.heartbeat;
        let mut heartbeat = tokio::time::interval_at(tokio::time::Instant::now() + beat, beat);
        let pace = Pace::scaled(config.tuning.view_scale);
        self.views.session_started(pace);
        let mut view_tick = tokio::time::interval(pace.tick());
        let timeout_secs = config.tuning.connect_timeout.as_secs().max(1);
        loop {
            tokio::select! {
                event = events.recv() => {
                    let packet = match event {
                        Some(Ok(Event::Incoming(packet))) => packet,
                        Some(Ok(Event::Outgoing(Outgoing::Publish(pkid)))) => {
                            self.views.publish_went_out(pkid);
                            continue;
                        }
                        Some(Ok(Event::Outgoing(_))) => continue,
                        Some(Err(e)) => {
                            return Ended::Failed(failure::classify(&e, &broker, timeout_secs));
                        }
                        None => {
                            return Ended::Failed(Failure { kind: FailureKind::Other, message: "The connection stopped unexpectedly; the player will try again.".into() });
                        }
                    };
                    match packet {
                        Packet::ConnAck(_) => {
                            self.diag.record(Direction::In, "", 0, "CONNACK: accepted".into());
                            if let Err(e) = mqtt::subscribe(&client, &topics).await {
                                self.diag.note(format!("subscribe not queued: {e}"));
                            }
                        }
                        Packet::SubAck(ack) => match self.subscribed(&ack, &live, &broker).await {
                            Ok(check) => {
                                connected = true;
                                standing = check;
                            }
                            Err(failure) => return Ended::Failed(failure),
                        },
                        Packet::Publish(publish) => {
                            if let Some(removed) = self.on_publish(&live, publish).await {
                                self.goodbye(&live, &mut events).await;
                                return Ended::Removed(removed);
                            }
                        }
                        Packet::PubAck(ack) => self.views.puback(&ack, Instant::now()),
                        Packet::Disconnect(d) => {
                            self.diag.record(Direction::In, "", 0, format!("DISCONNECT from broker: {:?}", d.reason_code));
                        }
                        _ => {}
                    }
                }
                Some(out) = inbox.outbound.recv() => {
                    if connected {
                        let topic = topics.request(&out.request_id);
                        self.publish(&client, topic, false, out.payload).await;
                        let _ = out.sent.send(Ok(()));
                    } else {
                        let _ = out.sent.send(Err(RequestError::NotConnected));
                    }
                }
                ctl = inbox.controls.recv() => {
                    let stop = match ctl {
                        Some(ctl) => self.on_control(ctl, connected.then_some(&live)).await,
                        None => Some(Stop::Disconnect),
                    };
                    if let Some(stop) = stop {
                        if connected {
                            self.goodbye(&live, &mut events).await;
                        }
                        return Ended::Stop(stop);
                    }
                }
                _ = view_tick.tick(), if connected => {
                    let mut sink = MqttSink { client: &client, topic: topics.view(), player_key: &config.player_key, diag: &self.diag };
                    self.views.poll(Instant::now(), &mut sink);
                }
                heard = heard(&mut standing) => {
                    standing = None;
                    // Refused again: the answer itself ends the session (`on_publish`).
                    if heard.is_ok() {
                        self.set_state(ConnectionState::Connected);
                    }
                }
                _ = heartbeat.tick(), if connected => {
                    let status = mqtt::status(&config.player_key, Presence::Online, self.current_post);
                    self.publish(&client, topics.status(), false, status).await;
                }
            }
        }
    }

    /// The broker answered the subscriptions: the session is up unless it
    /// refused them. Announces the player; after a refusal, the receiver hears
    /// when the server accepts it again (shown connected only then).
    async fn subscribed(
        &mut self,
        ack: &SubAck,
        live: &Live<'_>,
        broker: &str,
    ) -> Result<Option<oneshot::Receiver<()>>, Failure> {
        let refused = ack
            .return_codes
            .iter()
            .any(|c| !matches!(c, SubscribeReasonCode::Success(_)));
        self.diag.record(
            Direction::In,
            "",
            0,
            format!("SUBACK: {:?}", ack.return_codes),
        );
        if refused {
            return Err(Failure {
                kind: FailureKind::WrongPlayer,
                message: format!(
                    "The broker {broker} accepted the certificate but refused this player's topics: the certificate was issued for another player than {}. Re-import the credentials that belong to this player.",
                    crate::player_key::short(live.player_key)
                ),
            });
        }
        for (topic, retain, payload) in
            mqtt::announcements(live.player_key, live.topics, &self.state, self.current_post)
        {
            self.publish(live.client, topic, retain, payload).await;
        }
        self.ever_connected = true;
        // Reset the back-off only once the session proves stable.
        self.reconnect.connected(Instant::now());
        self.ways.router.mqtt_connected();
        self.info.connected_since = Some(SystemTime::now());
        self.info.retry_in = None;
        tracing::info!("MQTT: connected to {broker}");
        let standing = self.recheck_standing();
        if standing.is_none() {
            self.set_state(ConnectionState::Connected);
        }
        Ok(standing)
    }

    /// Offline status, then DISCONNECT; waits (briefly) until both are out.
    async fn goodbye(&self, live: &Live<'_>, events: &mut mqtt::EventPump) {
        let offline = mqtt::status(live.player_key, Presence::Offline, None);
        self.publish(live.client, live.topics.status(), false, offline)
            .await;
        if events.disconnect(live.client, GOODBYE).await {
            self.diag.note("disconnected (offline status sent)".into());
        }
    }

    /// Passes on what came in; `Some` when an answer says the server no
    /// longer accepts this player (removed from its account, owner banned).
    async fn on_publish(&mut self, live: &Live<'_>, publish: Publish) -> Option<Refusal> {
        let topic = String::from_utf8_lossy(&publish.topic).into_owned();
        let payload = publish.payload.to_vec();
        self.diag
            .record(Direction::In, &topic, payload.len(), summarize(&payload));
        match live.topics.classify(&topic) {
            Incoming::Response(id) => match response::header(&payload) {
                Ok(head) if head.request_id == id => {
                    if self.pending.deliver(id, payload) == ResponseHandoff::Unknown {
                        self.diag
                            .note(format!("response {id} answers no waiting request; dropped"));
                    }
                    if head.error_code == Some(ErrorCode::AuthenticationFailed) {
                        return Some(Refusal::RemovedOrBanned);
                    }
                }
                Ok(_) => self
                    .diag
                    .note(format!("response {id} names another request id; dropped")),
                Err(e) => self
                    .diag
                    .note(format!("malformed response {id} dropped: {e}")),
            },
            Incoming::Command => self.on_command(live, &payload).await,
            Incoming::ViewAck => return self.views.ack(&payload, Instant::now()),
            Incoming::Other => self.diag.note(format!(
                "unexpected topic {}; ignored",
                crate::player_key::topic(&topic)
            )),
        }
        None
    }
}
