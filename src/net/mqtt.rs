//! The rumqttc v5 side of a session: connection options, and the messages a
//! player publishes. rumqttc's own reconnect is never used: each attempt gets a
//! fresh client and event loop, dropped at the first error, so the back-off in
//! `connection_task` alone decides when to try again.

use std::sync::Arc;
use std::time::Duration;

use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::mqttbytes::v5::{Filter, LastWill, Packet};
use rumqttc::v5::{AsyncClient, ClientError, ConnectionError, Event, EventLoop, MqttOptions};
use rumqttc::{NetworkOptions, TlsConfiguration, Transport};

use tokio::sync::mpsc;

use crate::bridge::connection::{Broker, SessionConfig};
use crate::protocol::capabilities::{Capabilities, PlayerState};
use crate::protocol::status::{Presence, Status};
use crate::protocol::topics::Topics;

use super::quickack::{self, QuickAck};

/// Largest packet accepted from the broker. The server trims responses to
/// 128 KiB; the rest is room for the topic and properties. (rumqttc's default is
/// 10 KiB, and a bigger packet would end the session; `None` does not lift it.)
pub(crate) const MAX_INCOMING_PACKET: u32 = 256 * 1024;

/// rumqttc refuses keep-alives under 5 s.
const MIN_KEEP_ALIVE: Duration = Duration::from_secs(5);

pub fn options(
    config: &SessionConfig,
    tls: Arc<rustls::ClientConfig>,
    topics: &Topics,
) -> MqttOptions {
    let tls = TlsConfiguration::Rustls(tls);
    let (mut options, transport) = match &config.broker {
        Broker::Tls { host, port } => (
            MqttOptions::new(config.player_key.clone(), host.clone(), *port),
            Transport::tls_with_config(tls),
        ),
        // rumqttc reads host and port from the URL itself for WebSockets.
        Broker::WebSocket { url } => (
            MqttOptions::new(config.player_key.clone(), url.clone(), 443),
            Transport::wss_with_config(tls),
        ),
    };
    // The broker takes the user name from the certificate's CN
    // (`use_identity_as_username`); it must equal the player key.
    options.set_credentials(config.player_key.clone(), "");
    options.set_keep_alive(config.tuning.keep_alive.max(MIN_KEEP_ALIVE));
    options.set_clean_start(true);
    options.set_connection_timeout(config.tuning.connect_timeout.as_secs().max(1));
    options.set_max_packet_size(Some(MAX_INCOMING_PACKET));
    options.set_transport(transport);
    // Without TCP_NODELAY, a publish right after another (an ack, then the
    // state, then the status) waits for the broker's ACK of the first: a round
    // trip each, over a real network.
    let mut network = NetworkOptions::new();
    network.set_tcp_nodelay(true);
    options.set_network_options(network);
    // Published by the broker at once when the connection drops without a
    // goodbye. No will delay: a delay would also need a session expiry at least
    // as long, and clean-start sessions expire at once.
    let will = status(&config.player_key, Presence::Offline, None);
    options.set_last_will(LastWill::new(
        topics.status(),
        will,
        QoS::AtLeastOnce,
        false,
        None,
    ));
    options
}

pub fn status(player_key: &str, presence: Presence, current_post_id: Option<i64>) -> Vec<u8> {
    let mut status = Status::new(player_key, presence, crate::VERSION);
    status.current_post_id = current_post_id;
    serde_json::to_vec(&status).unwrap_or_default()
}

pub async fn subscribe(client: &AsyncClient, topics: &Topics) -> Result<(), ClientError> {
    let filters = topics
        .subscriptions()
        .into_iter()
        .map(|t| Filter::new(t, QoS::AtLeastOnce));
    client.subscribe_many(filters).await
}

/// The messages published after every connect: online status, then the
/// retained capabilities and the full retained state.
pub(crate) fn announcements(
    player_key: &str,
    topics: &Topics,
    state: &PlayerState,
    current_post_id: Option<i64>,
) -> Vec<(String, bool, Vec<u8>)> {
    let caps = serde_json::to_vec(&Capabilities::desktop(crate::VERSION)).unwrap_or_default();
    let state = serde_json::to_vec(state).unwrap_or_default();
    vec![
        (
            topics.status(),
            false,
            status(player_key, Presence::Online, current_post_id),
        ),
        (topics.capabilities(), true, caps),
        (topics.state(), true, state),
    ]
}

/// The event loop of one attempt, polled in a task of its own that stops at
/// the first error, so it never reconnects on its own; receiving from the pump
/// in a `select!` never cancels a poll midway. The polling task ends when the
/// pump is dropped.
pub(crate) struct EventPump {
    events: mpsc::UnboundedReceiver<Result<Event, ConnectionError>>,
    poller: tokio::task::JoinHandle<()>,
}

impl EventPump {
    /// Polls `eventloop`, connected to `broker`. Over TLS, quick-ACK mode is set
    /// on its socket after every packet (see `quickack`); a WebSocket shares its
    /// port with HTTPS, so its socket is not looked for.
    pub fn start(mut eventloop: EventLoop, broker: &Broker) -> Self {
        // Unbounded on purpose: the session may wait in `publish` for room in the
        // client's queue, which only `poll` makes; a bounded channel here would let a
        // burst of commands block both sides for good (acks lost, the session dropped).
        let (events_tx, events) = mpsc::unbounded_channel();
        // Before the first poll, which connects: sockets already there are not ours.
        let mut quick = match broker {
            Broker::Tls { port, .. } if quickack::wanted() => Some(QuickAck::new(*port)),
            _ => None,
        };
        let poller = tokio::spawn(async move {
            loop {
                let event = eventloop.poll().await;
                if let Some(quick) = &mut quick {
                    if matches!(event, Ok(Event::Incoming(Packet::ConnAck(_)))) && !quick.find() {
                        tracing::debug!("MQTT: the broker's socket was not found for TCP_QUICKACK");
                    }
                    quick.arm();
                }
                let failed = event.is_err();
                if events_tx.send(event).is_err() || failed {
                    break;
                }
            }
        });
        Self { events, poller }
    }

    /// The next event; `None` once the polling task has stopped.
    pub async fn recv(&mut self) -> Option<Result<Event, ConnectionError>> {
        self.events.recv().await
    }

    /// Sends DISCONNECT and waits (at most `within`) until it is out; false
    /// when it could not even be queued.
    pub(crate) async fn disconnect(&mut self, client: &AsyncClient, within: Duration) -> bool {
        if client.disconnect().await.is_err() {
            return false;
        }
        let _ = tokio::time::timeout(within, async {
            while let Some(Ok(event)) = self.recv().await {
                if matches!(event, Event::Outgoing(rumqttc::Outgoing::Disconnect)) {
                    break;
                }
            }
        })
        .await;
        true
    }
}

impl Drop for EventPump {
    fn drop(&mut self) {
        self.poller.abort();
    }
}
