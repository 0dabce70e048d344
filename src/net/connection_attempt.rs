//! One attempt of the connection task: connect, subscribe, announce, then
//! serve the session (commands and responses in, requests, acks, views and the
//! heartbeat out) until it fails or an action stops it.

use std::time::{Instant, SystemTime};

use rumqttc::Outgoing;
use rumqttc::v5::mqttbytes::v5::{Packet, Publish, SubAck, SubscribeReasonCode};
use rumqttc::v5::{AsyncClient, ConnectionError, Event};
use tokio::sync::oneshot;
use tokio::time::Interval;

use crate::bridge::connection::{ConnectionState, Direction, Failure, FailureKind, SessionConfig};
use crate::protocol::response::{self, ErrorCode};
use crate::protocol::status::Presence;
use crate::protocol::topics::{Incoming, Topics};

use super::connection_handle::{Control, Inbox};
use super::connection_task::{Ended, GOODBYE, Live, Stop, Task};
use super::diagnostics::summarize;
use super::requests::{Outbound, RequestError, ResponseHandoff};
use super::standing::Refusal;
use super::views::delivery::Pace;
use super::views::sink::MqttSink;
use super::{failure, mqtt, tls};

/// One attempt's client, event pump and timers.
struct Session {
    client: AsyncClient,
    topics: Topics,
    events: mqtt::EventPump,
    player_key: String,
    /// `host:port`, for messages.
    broker: String,
    connect_timeout_secs: u64,
    /// Subscribed and announced: requests, views and the heartbeat may go.
    connected: bool,
    /// Asks whether Makapix Club accepts the player again after a refusal.
    standing: Option<oneshot::Receiver<()>>,
    heartbeat: Interval,
    view_tick: Interval,
}

impl Session {
    fn live(&self) -> Live<'_> {
        Live {
            client: &self.client,
            topics: &self.topics,
            player_key: &self.player_key,
        }
    }

    /// The live session and the pump, to wait for what it sends.
    fn split(&mut self) -> (Live<'_>, &mut mqtt::EventPump) {
        let live = Live {
            client: &self.client,
            topics: &self.topics,
            player_key: &self.player_key,
        };
        (live, &mut self.events)
    }
}

/// The server's word on a standing check; never, without one.
async fn heard(check: &mut Option<oneshot::Receiver<()>>) -> Result<(), oneshot::error::RecvError> {
    match check.as_mut() {
        Some(rx) => rx.await,
        None => std::future::pending().await,
    }
}

impl Task {
    pub(super) async fn attempt(&mut self, config: &SessionConfig, inbox: &mut Inbox) -> Ended {
        let mut session = match self.open(config) {
            Ok(session) => session,
            Err(failure) => return Ended::Unusable(failure),
        };
        loop {
            let ended = tokio::select! {
                event = session.events.recv() => self.on_event(event, &mut session).await,
                Some(out) = inbox.outbound.recv() => {
                    self.send_request(&session, out).await;
                    None
                }
                ctl = inbox.controls.recv() => self.on_session_control(ctl, &mut session).await,
                _ = session.view_tick.tick(), if session.connected => {
                    let live = session.live();
                    let mut sink = MqttSink { client: live.client, topic: live.topics.view(), player_key: live.player_key, diag: &self.diag };
                    self.views.poll(Instant::now(), &mut sink);
                    None
                }
                heard = heard(&mut session.standing) => {
                    session.standing = None;
                    // Refused again: the answer itself ends the session (`on_publish`).
                    if heard.is_ok() {
                        self.refused_as = None;
                        self.set_state(ConnectionState::Connected);
                    }
                    None
                }
                _ = session.heartbeat.tick(), if session.connected => {
                    let status = mqtt::status(&session.player_key, Presence::Online, self.current_post);
                    self.publish(&session.client, session.topics.status(), false, status).await;
                    None
                }
            };
            if let Some(ended) = ended {
                return ended;
            }
        }
    }

    /// A client and its event pump (which connects), and the session's timers.
    fn open(&mut self, config: &SessionConfig) -> Result<Session, Failure> {
        let tls = tls::session_config(config)?;
        let topics = Topics::new(&config.player_key);
        let (client, eventloop) = AsyncClient::new(mqtt::options(config, tls, &topics), 64);
        let events = mqtt::EventPump::start(eventloop, &config.broker);
        let broker = config.broker.to_string();
        self.diag.note(format!("connecting to {broker}"));
        let beat = config.tuning.heartbeat;
        let pace = Pace::scaled(config.tuning.view_scale);
        self.views.session_started(pace);
        Ok(Session {
            client,
            topics,
            events,
            player_key: config.player_key.clone(),
            broker,
            connect_timeout_secs: config.tuning.connect_timeout.as_secs().max(1),
            connected: false,
            standing: None,
            heartbeat: tokio::time::interval_at(tokio::time::Instant::now() + beat, beat),
            view_tick: tokio::time::interval(pace.tick()),
        })
    }

    /// What the event pump said; `Some` when the session is over.
    async fn on_event(
        &mut self,
        event: Option<Result<Event, ConnectionError>>,
        session: &mut Session,
    ) -> Option<Ended> {
        let packet = match event {
            Some(Ok(Event::Incoming(packet))) => packet,
            Some(Ok(Event::Outgoing(Outgoing::Publish(pkid)))) => {
                self.views.publish_went_out(pkid);
                return None;
            }
            Some(Ok(Event::Outgoing(_))) => return None,
            Some(Err(e)) => {
                let failure = failure::classify(&e, &session.broker, session.connect_timeout_secs);
                return Some(Ended::Failed(failure));
            }
            None => {
                return Some(Ended::Failed(Failure {
                    kind: FailureKind::Other,
                    message: "The connection stopped unexpectedly; the player will try again."
                        .into(),
                }));
            }
        };
        self.on_packet(packet, session).await
    }

    /// A packet from the broker; `Some` when the session is over.
    async fn on_packet(&mut self, packet: Packet, session: &mut Session) -> Option<Ended> {
        match packet {
            Packet::ConnAck(_) => {
                self.diag
                    .record(Direction::In, "", 0, "CONNACK: accepted".into());
                if let Err(e) = mqtt::subscribe(&session.client, &session.topics).await {
                    self.diag.note(format!("subscribe not queued: {e}"));
                }
            }
            Packet::SubAck(ack) => {
                let up = self
                    .subscribed(&ack, &session.live(), &session.broker)
                    .await;
                match up {
                    Ok(check) => {
                        session.connected = true;
                        session.standing = check;
                    }
                    Err(failure) => return Some(Ended::Failed(failure)),
                }
            }
            Packet::Publish(publish) => {
                if let Some(removed) = self.on_publish(&session.live(), publish).await {
                    self.goodbye(session).await;
                    return Some(Ended::Removed(removed));
                }
            }
            Packet::PubAck(ack) => self.views.puback(&ack, Instant::now()),
            Packet::Disconnect(d) => {
                let reason = format!("DISCONNECT from broker: {:?}", d.reason_code);
                self.diag.record(Direction::In, "", 0, reason);
            }
            _ => {}
        }
        None
    }

    /// A request the window (or the runtime) sends: published once subscribed.
    async fn send_request(&self, session: &Session, out: Outbound) {
        if session.connected {
            let topic = session.topics.request(&out.request_id);
            self.publish(&session.client, topic, false, out.payload)
                .await;
            let _ = out.sent.send(Ok(()));
        } else {
            let _ = out.sent.send(Err(RequestError::NotConnected));
        }
    }

    /// An action while the session is open; `Some` when it stops the session
    /// (after the goodbye, on a connected one).
    async fn on_session_control(
        &mut self,
        ctl: Option<Control>,
        session: &mut Session,
    ) -> Option<Ended> {
        let stop = match ctl {
            Some(ctl) => {
                let live = session.live();
                self.on_control(ctl, session.connected.then_some(&live))
                    .await
            }
            None => Some(Stop::Disconnect),
        }?;
        if session.connected {
            self.goodbye(session).await;
        }
        Some(Ended::Stop(stop))
    }

    /// The broker answered the subscriptions: the session is up unless it
    /// refused them. Announces the player; after a refusal, the receiver hears
    /// when the server accepts it again (shown connected only then).
    pub(super) async fn subscribed(
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
    async fn goodbye(&self, session: &mut Session) {
        let (live, events) = session.split();
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
