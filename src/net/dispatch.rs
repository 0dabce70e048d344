//! The window's requests, each answered once, over the transport the router
//! picked when it arrived. A request MQTT could not carry (not connected, or
//! the session ended while it waited) goes over HTTPS when Automatic allows.

use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::bridge::RuntimeEvent;
use crate::bridge::channel::EventSink;
use crate::bridge::connection::{ConnectionEvent, ConnectionState, SessionConfig, SessionInfo};
use crate::bridge::transport::{TransportChoice, Via};
use crate::protocol::request::RequestBody;
use crate::protocol::response::Response;

use super::backoff::{Backoff, random_jitter};
use super::https::HttpsClient;
use super::requests::{RequestClient, RequestError};
use super::route::Router;
use super::standing::Refusal;

/// The ways a request may take, fixed when it arrives.
pub(super) struct Routes {
    pub via: Option<Via>,
    pub may_fall_back: bool,
    pub mqtt: Option<RequestClient>,
    pub https: Option<HttpsClient>,
    /// Told why, when HTTPS could not be used (unreachable, token refused).
    lost: mpsc::UnboundedSender<String>,
}

impl Routes {
    async fn over_https(
        &self,
        https: &HttpsClient,
        body: RequestBody,
    ) -> Result<Response, RequestError> {
        let result = https.send(body).await;
        if let Err(RequestError::Https(why)) = &result {
            let _ = self.lost.send(why.clone());
        }
        result
    }

    async fn send(&self, body: RequestBody) -> Result<Response, RequestError> {
        let https = self.https.as_ref();
        match (self.via, &self.mqtt, https) {
            (Some(Via::Https), _, Some(https)) => self.over_https(https, body).await,
            (Some(Via::Mqtt), Some(mqtt), _) => {
                let result = mqtt.send(body.clone()).await;
                match (result, https) {
                    (
                        Err(RequestError::NotConnected | RequestError::ConnectionLost),
                        Some(https),
                    ) if self.may_fall_back => {
                        tracing::info!("request sent over HTTPS: MQTT could not carry it");
                        self.over_https(https, body).await
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

/// A check of HTTPS: `Err` says why it failed.
pub(super) type Check = JoinHandle<Result<(), String>>;

/// What went wrong with HTTPS outside a check.
pub(super) enum Lost {
    /// A request could not use it; the sentence says why.
    Unusable(String),
    /// Makapix Club refuses the player (a request, a view or a check learnt it).
    Refused(Refusal),
}

/// The router and the HTTPS client of the session in force.
pub(super) struct Transports {
    pub router: Router,
    https: Option<HttpsClient>,
    /// An `echo` under way, checking HTTPS before it is shown as the way.
    probe: Option<Check>,
    /// The waits between failed checks, and when the next one is due.
    check_waits: Option<Backoff>,
    next_check: Option<tokio::time::Instant>,
    /// Requests that found HTTPS unusable say why here.
    lost: (
        mpsc::UnboundedSender<String>,
        mpsc::UnboundedReceiver<String>,
    ),
    /// The HTTPS client's word on whether Makapix Club refuses the player.
    standing: Option<watch::Receiver<Option<Refusal>>>,
    /// Makapix Club refuses the player: no checks, no views, until `recheck`.
    refused: Option<Refusal>,
}

impl Default for Transports {
    fn default() -> Self {
        Self {
            router: Router::default(),
            https: None,
            probe: None,
            check_waits: None,
            next_check: None,
            lost: mpsc::unbounded_channel(),
            standing: None,
            refused: None,
        }
    }
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
        self.check_waits =
            config.map(|c| Backoff::new(c.tuning.backoff_start, c.tuning.backoff_max));
        self.next_check = None;
        self.standing = self.https.as_ref().map(HttpsClient::standing);
        self.refused = None;
        self.router.configured(self.https.is_some());
        self.https.as_ref().map(|h| h.base().to_owned())
    }

    /// What the window is shown for MQTT's `state`; `info` learns the way requests go.
    pub fn show(&self, state: ConnectionState, info: &mut SessionInfo) -> ConnectionState {
        let via = self.router.via();
        info.via = via.unwrap_or_default();
        info.mqtt_state = (via == Some(Via::Https)).then_some(state);
        info.https_error = self.router.https_error().map(str::to_owned);
        if self.router.choice() == TransportChoice::HttpsOnly {
            // No MQTT session to wait for: the wait shown is the next check's.
            info.retry_in = self
                .next_check
                .filter(|_| self.router.needs_check())
                .map(|at| at.saturating_duration_since(tokio::time::Instant::now()));
        }
        if matches!(state, ConnectionState::Removed | ConnectionState::Banned) {
            // Whichever way said it, the refusal is what the window shows.
            return state;
        }
        self.router.shown(state)
    }

    /// Takes the user's choice; true when it starts or ends the MQTT session.
    pub(crate) fn choose(&mut self, choice: TransportChoice) -> bool {
        let held = self.router.mqtt_wanted();
        self.router.set_choice(choice);
        held != self.router.mqtt_wanted()
    }

    /// The check of HTTPS under way, or a new one when the router needs it
    /// and the back-off after a failed one has passed.
    pub(crate) fn probe(&mut self) -> Option<Check> {
        if !self.router.needs_check() || self.refused.is_some() {
            return None;
        }
        if let Some(probe) = self.probe.take() {
            return Some(probe);
        }
        if self
            .next_check
            .is_some_and(|at| at > tokio::time::Instant::now())
        {
            return None;
        }
        let https = self.https.clone()?;
        let body = RequestBody::Echo {
            echo_data: PROBE.into(),
        };
        Some(tokio::spawn(async move {
            match https.send(body).await {
                Ok(Response::Echo(_)) => Ok(()),
                Ok(_) => Err(RequestError::Unexpected.to_string()),
                Err(e) => Err(e.to_string()),
            }
        }))
    }

    /// A check not finished yet goes on (its answer is taken at the next wait).
    pub(crate) fn keep_probe(&mut self, probe: Option<Check>) {
        if probe.is_some() {
            self.probe = probe;
        }
    }

    /// The check's outcome once it is known; never, without a check.
    pub async fn checked(probe: &mut Option<Check>) -> Result<(), String> {
        let Some(handle) = probe.as_mut() else {
            return std::future::pending().await;
        };
        let outcome = handle
            .await
            .unwrap_or_else(|_| Err(RequestError::Stopped.to_string()));
        *probe = None;
        outcome
    }

    /// Takes a check's outcome: after a failure the next check waits its back-off.
    pub(crate) fn take_check(&mut self, outcome: Result<(), String>) {
        match &outcome {
            Ok(()) => {
                self.next_check = None;
                if let Some(waits) = self.check_waits.as_mut() {
                    waits.reset();
                }
            }
            Err(why) => {
                let wait = self
                    .check_waits
                    .as_mut()
                    .map_or(Duration::from_secs(1), |w| {
                        // Half the bound at least: the server allows ten echoes a minute.
                        w.next_wait(0.5 + random_jitter() / 2.0)
                    });
                // While no token is asked for, a check would be answered
                // without the network: the next one is due when that ends,
                // and the sentence already says when.
                match self.https.as_ref().and_then(HttpsClient::token_wait) {
                    Some(held) => {
                        tracing::warn!("HTTPS API: {why}");
                        self.next_check = Some(tokio::time::Instant::now() + held.max(wait));
                    }
                    None => {
                        let secs = wait.as_secs_f64();
                        tracing::warn!("HTTPS API: {why} — next check in {secs:.1} s");
                        self.next_check = Some(tokio::time::Instant::now() + wait);
                    }
                }
            }
        }
        self.router.https_checked(outcome);
    }

    /// Why a request found HTTPS unusable, or that Makapix Club refuses the
    /// player, when either happens (never ends otherwise: this holds a sender).
    pub async fn lost(&mut self) -> Lost {
        let refusal = async {
            let Some(standing) = self.standing.as_mut() else {
                return std::future::pending().await;
            };
            loop {
                if standing.changed().await.is_err() {
                    return std::future::pending().await;
                }
                if let Some(refusal) = *standing.borrow_and_update() {
                    return refusal;
                }
            }
        };
        tokio::select! {
            refusal = refusal => Lost::Refused(refusal),
            why = self.lost.1.recv() => Lost::Unusable(why.unwrap_or_default()),
        }
    }

    /// Makapix Club refuses the player: HTTPS is neither checked nor used for
    /// views, and its requests are answered so, until `recheck`.
    pub(crate) fn refuse(&mut self, refusal: Refusal) {
        self.refused = Some(refusal);
        // A check under way would only repeat the refusal when it is over.
        if let Some(probe) = self.probe.take() {
            probe.abort();
        }
        self.router.https_unchecked();
        if let Some(https) = self.https.as_ref() {
            https.refuse(refusal);
        }
    }

    pub fn refused(&self) -> Option<Refusal> {
        self.refused
    }

    /// Time to ask again whether Makapix Club accepts the player: HTTPS is
    /// checked at once (when it is the way).
    pub fn recheck(&mut self) {
        self.refused = None;
        if let Some(https) = self.https.as_ref() {
            https.clear_refusal();
        }
        self.router.https_unchecked();
        self.check_now();
    }

    /// A request found HTTPS unusable while it was the way and had answered:
    /// shown failing, and checked again after the back-off.
    pub(crate) fn https_lost(&mut self, why: String) {
        if self.router.via() == Some(Via::Https) && !self.router.needs_check() {
            self.take_check(Err(why));
        }
    }

    /// When the next check is due, while one is wanted and none is under way.
    pub(crate) fn next_check(&self) -> Option<tokio::time::Instant> {
        self.next_check.filter(|_| self.router.needs_check())
    }

    /// "Reconnect now": HTTPS is checked again at once.
    pub(crate) fn check_now(&mut self) {
        self.next_check = None;
        if let Some(waits) = self.check_waits.as_mut() {
            waits.reset();
        }
    }

    /// The HTTPS client while views go that way (requests do too) and its
    /// last check answered: a view sent while it fails would only wait again.
    pub(crate) fn https_for_views(&self) -> Option<&HttpsClient> {
        self.https.as_ref().filter(|_| {
            self.router.via() == Some(Via::Https)
                && !self.router.needs_check()
                && self.refused.is_none()
        })
    }

    /// The ways a request arriving now may take (`mqtt`: the session's client, if any).
    pub fn routes(&self, mqtt: Option<RequestClient>) -> Routes {
        Routes {
            via: self.router.via(),
            may_fall_back: self.router.may_fall_back(),
            mqtt: mqtt.filter(|_| self.router.mqtt_wanted()),
            https: self.https.clone(),
            lost: self.lost.0.clone(),
        }
    }
}
