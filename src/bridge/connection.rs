//! Messages about the MQTT session with the Makapix broker.

use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use crate::protocol::capabilities::PlayerState;
use crate::protocol::command::{CommandAck, CommandEnvelope};
use crate::protocol::request::RequestBody;
use crate::protocol::response::{ErrorCode, Response};
use crate::protocol::view::ViewEvent;

use super::artwork::CachedFile;
use super::transport::{HttpsApi, TransportChoice, Via};

/// Why Makapix Club refuses the player, as an HTTPS answer told it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// 401 "Account banned": the owner's account is banned or deactivated.
    OwnerBanned,
    /// `token/rotate` answered 404: the player was deleted.
    PlayerDeleted,
}

/// Window → runtime.
#[derive(Debug)]
pub enum ConnectionAction {
    /// Start (or restart, with new credentials) the session; replaces any current one.
    Connect(Box<SessionConfig>),
    /// Say goodbye to the broker and stay offline until the next `Connect`.
    Disconnect,
    /// Drop any back-off wait and connect now.
    ReconnectNow,
    /// The computer woke from sleep: a session that seems up is most likely
    /// dead (the broker drops a client silent for 90 s, and keep-alive would
    /// take up to two minutes to notice), so it ends and a new one starts now.
    Woke,
    /// What a renewal heard of the player's standing while Makapix Club
    /// refuses it: the MQTT refusal alone says only "removed or banned".
    Standing(Verdict),
    /// Send a request; the answer comes back as `ConnectionEvent::Answered` with the same `tag`.
    Request { tag: u64, body: Box<RequestBody> },
    /// Send `echo` and report the round-trip time (`ConnectionEvent::TestResult`).
    TestConnection,
    /// The player's full state (pause, brightness, rotation, mirror); the runtime
    /// publishes what changed, and all of it after each connect.
    SetState(PlayerState),
    /// The Makapix post on screen (`None` for local files): sent in `status`.
    SetCurrentPost(Option<i64>),
    /// The answer to a `ConnectionEvent::Command`, published on `command/ack`.
    /// The window sends it because only the window knows whether the change applied.
    Ack(CommandAck),
    /// A view to report; kept on disk until sent, sent at the allowed rate.
    View(ViewEvent),
    /// The folder where views wait while offline (the per-user data folder):
    /// one file per server and player key.
    SetViewFolder(PathBuf),
    /// Which way requests go (Settings › Player › Transport, `--transport`).
    SetTransport(TransportChoice),
}

/// Where the broker is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Broker {
    /// MQTT over TLS, e.g. `makapix.club:8883`. `host` is also the name checked
    /// against the server certificate.
    Tls { host: String, port: u16 },
    /// MQTT over a WebSocket in TLS, e.g. `wss://makapix.club/mqtt`, with the
    /// same client certificate: for networks that block port 8883.
    WebSocket { url: String },
}

impl fmt::Display for Broker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Broker::Tls { host, port } => write!(f, "{host}:{port}"),
            Broker::WebSocket { url } => f.write_str(url),
        }
    }
}

/// A PEM private key. Its `Debug` never shows the key.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyPem(String);

impl KeyPem {
    pub fn new(pem: impl Into<String>) -> Self {
        Self(pem.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for KeyPem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyPem(<redacted>)")
    }
}

/// Everything a session needs: identity, broker and the three PEMs.
#[derive(Clone)]
pub struct SessionConfig {
    /// The player's UUID: client id and user name (the certificate's CN must match).
    pub player_key: String,
    pub broker: Broker,
    /// The Makapix CA: the only certificate the broker's is checked against.
    pub ca_pem: String,
    pub cert_pem: String,
    /// PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`), unencrypted.
    pub key_pem: KeyPem,
    pub tuning: Tuning,
    /// The HTTPS player API, for requests and views while MQTT cannot connect
    /// (`None`: MQTT only).
    pub https: Option<HttpsApi>,
}

/// The key in its short form and no PEM: a config may end up in a log or a panic.
impl std::fmt::Debug for SessionConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionConfig")
            .field("player_key", &crate::player_key::short(&self.player_key))
            .field("broker", &self.broker)
            .field("key_pem", &self.key_pem)
            .field("tuning", &self.tuning)
            .field("https", &self.https)
            .finish_non_exhaustive()
    }
}

/// Timings; production values by default, shorter in tests.
#[derive(Clone, Debug, PartialEq)]
pub struct Tuning {
    /// First back-off wait; doubles after each failure up to `backoff_max`.
    pub backoff_start: Duration,
    pub backoff_max: Duration,
    pub request_timeout: Duration,
    pub heartbeat: Duration,
    pub keep_alive: Duration,
    /// TCP + TLS + CONNACK must finish within this.
    pub connect_timeout: Duration,
    /// How often `internal_error` answers are retried before giving up (the
    /// server answers a malformed request that way too, so once is enough).
    pub request_retries: u32,
    /// Refusals of the certificate in a row (`FailureKind::Revoked`) before the
    /// session decides the player was removed and stops trying.
    pub refusals_before_removed: u32,
    /// Multiplies every interval of view delivery (6 s between views, the
    /// waits before a view goes again): 1.0 in production; tests shrink it so
    /// the same rules run in seconds (their test server scales its limits alike).
    pub view_scale: f64,
    /// A session up at least this long resets the back-off, whatever ended it;
    /// a quarter of it is enough when the broker or the network ended it
    /// (`net/reconnect.rs`).
    pub stable_after: Duration,
    /// After another client took this player's identity (MQTT 5 reason 0x8E),
    /// the next attempt waits between one and two of these.
    pub takeover_wait: Duration,
    /// While Makapix Club refuses the player for what may end by itself (a
    /// banned owner), how long until it checks again: an hour in production.
    pub recheck_after: Duration,
    /// The HTTPS API's rate-limit window (its reads: 60 per minute): a request
    /// answered 429 waits at most this long before it goes again.
    pub rate_window: Duration,
    /// After the HTTPS transport could not get a bearer token (`token/rotate`
    /// failed), how long before it asks again; doubles up to 20 times this
    /// while it keeps failing. Makapix Club counts failed rotations too.
    pub token_wait: Duration,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            backoff_start: Duration::from_secs(1),
            backoff_max: Duration::from_secs(300),
            request_timeout: Duration::from_secs(30),
            heartbeat: Duration::from_secs(60),
            keep_alive: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(15),
            request_retries: 1,
            refusals_before_removed: 3,
            view_scale: 1.0,
            stable_after: Duration::from_secs(60),
            takeover_wait: Duration::from_secs(300),
            recheck_after: Duration::from_secs(3600),
            rate_window: Duration::from_secs(60),
            token_wait: Duration::from_secs(30),
        }
    }
}

/// Runtime → window.
#[derive(Debug)]
pub enum ConnectionEvent {
    /// The session's state changed.
    State(ConnectionState),
    /// Facts for the indicator's tooltip; sent with every state change.
    Info(SessionInfo),
    /// One line for the diagnostics log.
    Logged(LogEntry),
    /// The round-trip time of "Test connection", or why it failed.
    TestResult(Result<Duration, String>),
    /// The answer to `ConnectionAction::Request { tag, .. }`.
    Answered {
        tag: u64,
        result: Result<Response, RequestFailure>,
    },
    /// A command from the server, already de-duplicated by `command_id`, of a
    /// known type and with a readable payload (the runtime acknowledges the
    /// others itself). The window answers with `ConnectionAction::Ack`. A
    /// `show_artwork` comes with its post's file when that is in the artwork cache.
    Command(CommandEnvelope, Option<CachedFile>),
    /// What became of a view event (for the Diagnostics plot).
    ViewFate(ViewFate),
}

/// A view event queued, taken by the server, or refused for good.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViewFate {
    Queued,
    Delivered,
    Refused,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectionState {
    /// No credentials, or nothing to connect to.
    NotRegistered,
    Disconnected,
    Connecting,
    /// Connected and subscribed.
    Connected,
    Reconnecting,
    /// Makapix Club refuses this player for good: a request was answered
    /// `authentication_failed`, or the broker kept refusing the certificate
    /// (revoked, CONNACK "not authorized" / "bad user name or password").
    /// Removed from its account, or its owner banned. When the server could
    /// not say which (MQTT answers both `authentication_failed`), the player
    /// checks again hourly, since a ban ends by itself; when it is sure (its
    /// certificate revoked, `token/rotate` answering 404, a fresh token
    /// refused) it waits for new credentials or "Reconnect now".
    Removed,
    /// The owner's Makapix account is banned or deactivated (the HTTPS API
    /// answered 401 "Account banned"): the player checks again hourly.
    Banned,
}

/// What went wrong, by what the user can do about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// The certificate or key is unusable, or the broker rejected the certificate.
    BadCertificate,
    /// The certificate has expired, or the broker refused it without saying why.
    NotAuthorized,
    /// The broker refuses this identity: the certificate is revoked, or CONNACK
    /// said "not authorized" / "bad user name or password" (player removed).
    Revoked,
    /// The broker accepted the certificate but not this player's topics.
    WrongPlayer,
    /// Makapix Club refuses the player because its owner's account is banned
    /// or deactivated.
    Banned,
    /// The broker's certificate is not signed by the Makapix CA, or the handshake failed.
    Handshake,
    /// Nothing listens at that host and port.
    Refused,
    /// Another client connected with this player's identity and the broker
    /// closed this session for it (MQTT 5 reason 0x8E).
    TakenOver,
    /// No answer in time (often a blocked port).
    Timeout,
    /// The broker is there but not serving.
    Unavailable,
    /// The broker ended the session cleanly without a reason: what mosquitto
    /// 2.0 does to the older of two sessions with one identity (no DISCONNECT
    /// 0x8E). A broker killed or a network cut ends it abruptly (`Other`).
    Closed,
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailureKind,
    /// A sentence for the user, with what to do.
    pub message: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionInfo {
    /// `host:port`, `None` when no session is configured.
    pub broker: Option<String>,
    pub connected_since: Option<SystemTime>,
    pub last_error: Option<Failure>,
    /// When in back-off: how long until the next attempt.
    pub retry_in: Option<Duration>,
    /// Which way requests go now.
    pub via: Via,
    /// The MQTT session's own state, when requests go over HTTPS (the state
    /// shown is then the HTTPS API's).
    pub mqtt_state: Option<ConnectionState>,
    /// The HTTPS API's address, when one is configured.
    pub https_api: Option<String>,
    /// Why the HTTPS API did not answer its last check, while requests would go that way.
    pub https_error: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    In,
    Out,
    /// Connection events (connect, failure, back-off).
    Note,
}

/// One diagnostics line. Never holds a secret: topics, sizes and a short summary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    pub at: SystemTime,
    pub direction: Direction,
    pub topic: String,
    pub size: usize,
    pub summary: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_never_shows_in_debug_output() {
        let config = SessionConfig {
            player_key: "k".into(),
            broker: Broker::Tls {
                host: "h".into(),
                port: 1,
            },
            ca_pem: String::new(),
            cert_pem: String::new(),
            key_pem: KeyPem::new("-----BEGIN PRIVATE KEY-----\nSECRETSECRET"),
            tuning: Tuning::default(),
            https: None,
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("SECRETSECRET"), "{shown}");
        assert!(shown.contains("redacted"));
    }
}

/// Why a request got no usable answer: a sentence for the user, and the server's
/// `error_code` when it gave one, so the window can react to a code (a playset that
/// does not exist, a rate limit) without reading the sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestFailure {
    pub code: Option<ErrorCode>,
    pub sentence: String,
}

impl RequestFailure {
    pub fn is(&self, code: &ErrorCode) -> bool {
        self.code.as_ref() == Some(code)
    }
}

impl fmt::Display for RequestFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sentence)
    }
}
