//! The window's requests, each answered once, over the transport the router
//! picked when it arrived. A request MQTT could not carry (not connected, or
//! the session ended while it waited) goes over HTTPS when Automatic allows.

use std::time::Instant;

use tokio::task::JoinHandle;

use crate::bridge::RuntimeEvent;
use crate::bridge::channel::EventSink;
use crate::bridge::connection::{ConnectionEvent, ConnectionState, SessionConfig, SessionInfo};
use crate::bridge::transport::{TransportChoice, Via};
use crate::protocol::request::RequestBody;
use crate::protocol::response::Response;

use super::https::HttpsClient;
use super::requests::{RequestClient, RequestError};
use super::route::Router;

/// The ways a request may take, fixed when it arrives.
pub(super) struct Routes {
    pub via: Option<Via>,
    pub may_fall_back: bool,
    pub mqtt: Option<RequestClient>,
    pub https: Option<HttpsClient>,
}

impl Routes {
    async fn send(&self, body: RequestBody) -> Result<Response, RequestError> {
        let https = self.https.as_ref();
        match (self.via, &self.mqtt, https) {
            (Some(Via::Https), _, Some(https)) => https.send(body).await,
            (Some(Via::Mqtt), Some(mqtt), _) => {
                let result = mqtt.send(body.clone()).await;
                match (result, https) {
                    (
                        Err(RequestError::NotConnected | RequestError::ConnectionLost),
                        Some(https),
                    ) if self.may_fall_back => {
                        tracing::info!("request sent over HTTPS: MQTT could not carry it");
                        https.send(body).await
                    }
                    (other, _) => other,
                }
            }
            _ => Err(RequestError::NotConnected),
        }
    }
}

/// Answers the window's request `tag` from its own task: one answer, whichever way.
pub(super) fn answer_in_background(sink: EventSink, routes: Routes, tag: u64, body: RequestBody) {
    tokio::spawn(async move {
        let result = routes.send(body).await;
        sink.send(RuntimeEvent::Connection(ConnectionEvent::Answered {
            tag,
            result: result.map_err(|e| e.to_failure()),
        }));
    });
}

/// "Test connection": the round-trip time of an `echo`, or why it failed.
pub(super) fn test_in_background(sink: EventSink, routes: Routes) {
    tokio::spawn(async move {
        let started = Instant::now();
        let body = RequestBody::Echo {
            echo_data: "makapix-player connection test".into(),
        };
        let result = match routes.send(body).await {
            Ok(Response::Echo(_)) => Ok(started.elapsed()),
            Ok(_) => Err(RequestError::Unexpected.to_string()),
            Err(e) => Err(e.to_string()),
        };
        sink.send(RuntimeEvent::Connection(ConnectionEvent::TestResult(
            result,
        )));
    });
}

/// What "is HTTPS there?" sends (an `echo`: the server allows 10 a minute).
const PROBE: &str = "makapix-player transport check";

/// The router and the HTTPS client of the session in force.
#[derive(Default)]
pub(super) struct Transports {
    pub router: Router,
    https: Option<HttpsClient>,
    /// An `echo` under way, checking HTTPS before it is shown as the way.
    probe: Option<JoinHandle<bool>>,
}

impl Transports {
    /// A new session configuration (or none); returns the HTTPS API's address.
    pub fn configure(&mut self, config: Option<&SessionConfig>) -> Option<String> {
        if let Some(probe) = self.probe.take() {
            probe.abort();
        }
        self.https = config.and_then(|c| {
            let api = c.https.as_ref()?;
            Some(HttpsClient::new(api, &c.tuning))
        });
        self.router.configured(self.https.is_some());
        self.https.as_ref().map(|h| h.base().to_owned())
    }

    /// What the window is shown for MQTT's `state`; `info` learns the way requests go.
    pub fn show(&self, state: ConnectionState, info: &mut SessionInfo) -> ConnectionState {
        let via = self.router.via();
        info.via = via.unwrap_or_default();
        info.mqtt_state = (via == Some(Via::Https)).then_some(state);
        self.router.shown(state)
    }

    /// Takes the user's choice; true when it starts or ends the MQTT session.
    pub fn choose(&mut self, choice: TransportChoice) -> bool {
        let held = self.router.mqtt_wanted();
        self.router.set_choice(choice);
        held != self.router.mqtt_wanted()
    }

    /// The check of HTTPS under way, or a new one when the router needs it.
    pub fn probe(&mut self) -> Option<JoinHandle<bool>> {
        if !self.router.needs_check() {
            return None;
        }
        if let Some(probe) = self.probe.take() {
            return Some(probe);
        }
        let https = self.https.clone()?;
        let body = RequestBody::Echo {
            echo_data: PROBE.into(),
        };
        Some(tokio::spawn(async move {
            matches!(https.send(body).await, Ok(Response::Echo(_)))
        }))
    }

    /// A check not finished yet goes on (its answer is taken at the next wait).
    pub fn keep_probe(&mut self, probe: Option<JoinHandle<bool>>) {
        self.probe = probe;
    }

    /// The check's outcome once it is known; never, without a check.
    pub async fn checked(probe: &mut Option<JoinHandle<bool>>) -> bool {
        let Some(handle) = probe.as_mut() else {
            return std::future::pending().await;
        };
        let ok = handle.await.unwrap_or(false);
        *probe = None;
        ok
    }

    /// The HTTPS client while views go that way (requests do too).
    pub fn https_for_views(&self) -> Option<&HttpsClient> {
        self.https
            .as_ref()
            .filter(|_| self.router.via() == Some(Via::Https))
    }

    /// The ways a request arriving now may take (`mqtt`: the session's client, if any).
    pub fn routes(&self, mqtt: Option<RequestClient>) -> Routes {
        Routes {
            via: self.router.via(),
            may_fall_back: self.router.may_fall_back(),
            mqtt: mqtt.filter(|_| self.router.mqtt_wanted()),
            https: self.https.clone(),
        }
    }
}
