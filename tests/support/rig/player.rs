//! The player under test: the real runtime thread on the real bridge, with
//! short timings, read the way the window reads it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use makapix_player::bridge::channel::{WindowEnd, pair};
use makapix_player::bridge::connection::{
    Broker as BrokerAddr, ConnectionAction, ConnectionEvent, ConnectionState, Direction, Failure,
    KeyPem, SessionConfig, Tuning,
};
use makapix_player::bridge::transport::{HttpsApi, TokenError, TokenSource};
use makapix_player::bridge::{Action, RuntimeEvent};
use makapix_player::credentials::register::Api;
use makapix_player::credentials::register::HttpError;
use makapix_player::net;
use makapix_player::protocol::http::Secret;

use super::api::MakapixApi;
use super::broker::Broker;
use super::certs::Identity;

/// View delivery runs at a tenth of its real intervals (600 ms between views);
/// the test server's view rules are scaled alike (`views::SCALE`).
pub const VIEW_SCALE: f64 = 0.1;

/// Timings short enough for tests, long enough not to be a busy loop.
pub fn fast_tuning() -> Tuning {
    Tuning {
        backoff_start: Duration::from_millis(300),
        backoff_max: Duration::from_secs(2),
        // Short enough that a test of silence is quick, long enough that an answer
        // crossing the broker on a loaded two-core machine (CI) still counts.
        request_timeout: Duration::from_secs(4),
        heartbeat: Duration::from_secs(60),
        keep_alive: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(3),
        request_retries: 1,
        refusals_before_removed: 3,
        view_scale: VIEW_SCALE,
        stable_after: Duration::from_secs(5),
        takeover_wait: Duration::from_secs(3),
        // Longer than a test idles; tests of a ban that ends shorten it.
        recheck_after: Duration::from_secs(30),
        // The rig's API counts reads over a minute unless the test sets its window.
        rate_window: Duration::from_secs(60),
        // Short: tests of a token that cannot be had wait it out.
        token_wait: Duration::from_millis(500),
    }
}

pub fn config(
    broker: &Broker,
    player_key: &str,
    identity: &Identity,
    ca_pem: &str,
) -> SessionConfig {
    config_at(broker.tls_port, player_key, identity, ca_pem)
}

pub fn config_at(port: u16, player_key: &str, identity: &Identity, ca_pem: &str) -> SessionConfig {
    SessionConfig {
        player_key: player_key.to_owned(),
        broker: BrokerAddr::Tls {
            host: "127.0.0.1".into(),
            port,
        },
        ca_pem: ca_pem.to_owned(),
        cert_pem: identity.cert_pem.clone(),
        key_pem: KeyPem::new(identity.key_pem.clone()),
        tuning: fast_tuning(),
        https: None,
    }
}

/// The file in `dir` where views made as `cfg`'s player on its broker wait.
pub fn view_queue(dir: &std::path::Path, cfg: &SessionConfig) -> std::path::PathBuf {
    makapix_player::net::views::identity::queue_file(dir, &cfg.broker.to_string(), &cfg.player_key)
}

/// A player's bearer token as a player without a keyring would keep it: in
/// memory, made by `token/rotate` when missing or refused, counted.
pub struct RotatingTokens {
    api: Api,
    player_key: String,
    held: Mutex<Option<Secret>>,
    pub rotations: AtomicUsize,
}

impl TokenSource for RotatingTokens {
    fn token(&self) -> Result<Secret, TokenError> {
        let mut held = self.held.lock().unwrap();
        if let Some(t) = held.as_ref() {
            return Ok(t.clone());
        }
        let token = self.rotate_now(None)?;
        *held = Some(token.clone());
        Ok(token)
    }

    fn rotate(&self, refused: &Secret) -> Result<Secret, TokenError> {
        let token = self.rotate_now(Some(refused))?;
        *self.held.lock().unwrap() = Some(token.clone());
        Ok(token)
    }
}

impl RotatingTokens {
    fn rotate_now(&self, old: Option<&Secret>) -> Result<Secret, TokenError> {
        self.rotations.fetch_add(1, Ordering::SeqCst);
        self.api
            .rotate_token(&self.player_key, old)
            .map(|r| r.api_token)
            .map_err(|e| match e {
                HttpError::UnknownPlayer => TokenError::PlayerUnknown(e.to_string()),
                HttpError::Network(_) => TokenError::Unreachable(e.to_string()),
                other => TokenError::Failed(other.to_string()),
            })
    }
}

/// The test API's player endpoints for `player_key`, with its tokens.
/// The HTTPS API's rig with one player and no broker, that player's HTTPS
/// client, and a runtime to drive the client on this thread.
#[allow(dead_code)]
pub fn https_alone() -> (
    MakapixApi,
    makapix_player::net::https::HttpsClient,
    tokio::runtime::Runtime,
) {
    let mut ca = super::certs::Ca::new("Makapix Test CA");
    let api = MakapixApi::start(&ca.pem.clone(), 1);
    let key = super::certs::player_key();
    api.add_player(&key, ca.player(&key));
    let client =
        makapix_player::net::https::HttpsClient::new(&https_api(&api, &key).0, &fast_tuning());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    (api, client, rt)
}

pub fn https_api(api: &MakapixApi, player_key: &str) -> (HttpsApi, Arc<RotatingTokens>) {
    let tokens = Arc::new(RotatingTokens {
        api: Api::new(&api.base),
        player_key: player_key.to_owned(),
        held: Mutex::new(None),
        rotations: AtomicUsize::new(0),
    });
    let https = HttpsApi {
        base_url: api.base.clone(),
        tokens: Arc::clone(&tokens) as Arc<dyn TokenSource>,
    };
    (https, tokens)
}

/// A player the test API knows, and its session configuration for a broker
/// at `mqtt_port` and the API over HTTPS.
pub fn https_player_of(
    api: &MakapixApi,
    ca: &mut super::certs::Ca,
    ca_pem: &str,
    mqtt_port: u16,
) -> (String, SessionConfig) {
    let key = super::certs::player_key();
    let me = ca.player(&key);
    api.add_player(&key, me.clone());
    let mut config = config_at(mqtt_port, &key, &me, ca_pem);
    config.https = Some(https_api(api, &key).0);
    (key, config)
}

pub struct Player {
    window: WindowEnd,
    /// Every connection event so far, with when it arrived.
    pub events: Vec<(Instant, ConnectionEvent)>,
    cursor: usize,
}

impl Player {
    pub fn start() -> Player {
        net::tls::install_crypto_provider();
        let (mut window, runtime) = pair(Arc::new(|| {}));
        window.attach(net::runtime::start(runtime).expect("runtime thread"));
        Player {
            window,
            events: Vec::new(),
            cursor: 0,
        }
    }

    pub fn send(&self, action: ConnectionAction) {
        self.window
            .send(Action::Connection(action))
            .expect("runtime takes actions");
    }

    pub fn connect(&self, config: SessionConfig) {
        self.send(ConnectionAction::Connect(Box::new(config)));
    }

    fn pump(&mut self) {
        while let Some(event) = self.window.try_recv() {
            if let RuntimeEvent::Connection(e) = event {
                self.events.push((Instant::now(), e));
            }
        }
    }

    /// Waits for an event (after the previous match) for which `f` gives `Some`.
    pub fn wait<T>(
        &mut self,
        what: &str,
        timeout: Duration,
        mut f: impl FnMut(&ConnectionEvent) -> Option<T>,
    ) -> T {
        let deadline = Instant::now() + timeout;
        loop {
            self.pump();
            while self.cursor < self.events.len() {
                let found = f(&self.events[self.cursor].1);
                self.cursor += 1;
                if let Some(v) = found {
                    return v;
                }
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; events: {:#?}",
                self.summary()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn wait_state(&mut self, state: ConnectionState, timeout: Duration) {
        self.wait(&format!("state {state:?}"), timeout, |e| {
            matches!(e, ConnectionEvent::State(s) if *s == state).then_some(())
        });
    }

    /// Lets events arrive for `d` without waiting for any in particular.
    pub fn idle(&mut self, d: Duration) {
        let end = Instant::now() + d;
        while Instant::now() < end {
            self.pump();
            std::thread::sleep(Duration::from_millis(10));
        }
        self.pump();
    }

    pub fn states(&self) -> Vec<ConnectionState> {
        self.events
            .iter()
            .filter_map(|(_, e)| match e {
                ConnectionEvent::State(s) => Some(*s),
                _ => None,
            })
            .collect()
    }

    /// When each connection attempt started.
    pub fn attempts(&self) -> Vec<Instant> {
        self.events
            .iter()
            .filter_map(|(at, e)| match e {
                ConnectionEvent::Logged(l)
                    if l.direction == Direction::Note && l.summary.starts_with("connecting to") =>
                {
                    Some(*at)
                }
                _ => None,
            })
            .collect()
    }

    pub fn last_failure(&self) -> Option<Failure> {
        self.events.iter().rev().find_map(|(_, e)| match e {
            ConnectionEvent::Info(i) => i.last_error.clone(),
            _ => None,
        })
    }

    /// Why HTTPS did not answer, as the latest facts say.
    pub fn last_info_error(&self) -> Option<String> {
        self.events.iter().rev().find_map(|(_, e)| match e {
            ConnectionEvent::Info(i) => Some(i.https_error.clone()),
            _ => None,
        })?
    }

    pub fn log_lines(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|(_, e)| match e {
                ConnectionEvent::Logged(l) => {
                    Some(format!("{:?} {} {}", l.direction, l.topic, l.summary))
                }
                _ => None,
            })
            .collect()
    }

    /// When the runtime published on topics ending with `suffix` (its own clock).
    pub fn published_at(&self, suffix: &str) -> Vec<std::time::SystemTime> {
        self.events
            .iter()
            .filter_map(|(_, e)| match e {
                ConnectionEvent::Logged(l)
                    if l.direction == Direction::Out && l.topic.ends_with(suffix) =>
                {
                    Some(l.at)
                }
                _ => None,
            })
            .collect()
    }

    /// Waits for a diagnostics note containing `text`; returns it.
    pub fn wait_note(&mut self, text: &str, timeout: Duration) -> String {
        self.wait(&format!("a note with {text:?}"), timeout, |e| match e {
            ConnectionEvent::Logged(l) if l.summary.contains(text) => Some(l.summary.clone()),
            _ => None,
        })
    }

    fn summary(&self) -> Vec<String> {
        self.events
            .iter()
            .map(|(_, e)| match e {
                ConnectionEvent::Logged(l) => {
                    format!("log {:?} {} {}", l.direction, l.topic, l.summary)
                }
                other => format!("{other:?}").chars().take(300).collect(),
            })
            .collect()
    }

    /// Quits the way the window does (offline status, then the thread ends).
    pub fn shutdown(mut self) {
        self.window.shutdown();
    }
}
