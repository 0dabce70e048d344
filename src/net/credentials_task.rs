//! The runtime's side of credentials: each action runs the blocking
//! `credentials::service` call (keyring IPC, HTTPS) inside `spawn_blocking`
//! and reports back as events — never a secret, only facts and sentences.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use std::ops::Deref;

use crate::bridge::RuntimeEvent;
use crate::bridge::channel::EventSink;
use crate::bridge::connection::{
    Broker, ConnectionAction, ConnectionEvent, ConnectionState, KeyPem, SessionConfig, Tuning,
};
use crate::bridge::credentials::{
    CredentialsAction, CredentialsEvent, PlayerSummary, RegistrationStatus,
};
use crate::bridge::transport::HttpsApi;
use crate::credentials::bundle::Input;
use crate::credentials::facts::ActiveSet;
use crate::credentials::keyring_store::{KeyringStore, Secrets, StoreError};
use crate::credentials::renewal_schedule::Trigger;
use crate::credentials::server::Overrides;
use crate::credentials::service::{self, CredError, Progress, Service};
use crate::credentials::validate::format_date;

mod import;
mod keyring_tokens;
mod renewal;

use renewal::Renewals;
pub use renewal::{RenewalClock, WallClock};

/// Opens the keyring (the OS's in the app; tests pass their own).
pub(crate) type StoreOpener = Arc<dyn Fn() -> Result<KeyringStore, StoreError> + Send + Sync>;

/// While the keyring is not up: the first wait, and the longest.
const KEYRING_RETRY: (Duration, Duration) = (Duration::from_secs(2), Duration::from_secs(60));

/// The service, built on first use inside a blocking task (opening the keyring is IPC).
struct Shared {
    facts_path: Option<PathBuf>,
    overrides: Overrides,
    open_store: StoreOpener,
    service: Mutex<Option<Arc<Service>>>,
    /// One change at a time: import, registration's install, renewal and removal must not interleave.
    busy: Mutex<()>,
}

impl Shared {
    fn new(facts_path: Option<PathBuf>, overrides: Overrides, open_store: StoreOpener) -> Self {
        Self {
            facts_path,
            overrides,
            open_store,
            service: Mutex::new(None),
            busy: Mutex::new(()),
        }
    }

    /// The service; opened again while the keyring is missing, so a keyring
    /// started after the player is found without a restart.
    fn service(&self) -> Arc<Service> {
        let mut slot = self.service.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(svc) = slot.as_ref().filter(|s| s.keyring_available()) {
            return Arc::clone(svc);
        }
        let svc = Arc::new(Service::new(
            (self.open_store)(),
            self.facts_path.clone(),
            self.overrides.clone(),
        ));
        *slot = Some(Arc::clone(&svc));
        svc
    }

    /// The keyring opened but did not answer: open it afresh next time.
    fn forget_service(&self) {
        *self.service.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

fn native_store() -> StoreOpener {
    Arc::new(KeyringStore::native)
}

/// How the credentials task steers the MQTT session: every change of identity
/// (loaded, imported, registered, renewed, removed) reconnects or disconnects it.
pub(crate) type SessionLink = Arc<dyn Fn(ConnectionAction) + Send + Sync>;

/// Where credential work reports: the window (through `Deref` to the sink) and the session.
#[derive(Clone)]
struct Reporter {
    sink: EventSink,
    session: Option<SessionLink>,
    shared: Arc<Shared>,
    renewals: Arc<Renewals>,
}

impl Deref for Reporter {
    type Target = EventSink;

    fn deref(&self) -> &EventSink {
        &self.sink
    }
}

impl Reporter {
    fn session(&self, action: ConnectionAction) {
        if let Some(link) = &self.session {
            link(action);
        }
    }
}

struct Registration {
    cancel: AtomicBool,
    done: AtomicBool,
}

pub struct CredentialsTask {
    sink: EventSink,
    session: Option<SessionLink>,
    shared: Arc<Shared>,
    registration: Option<Arc<Registration>>,
    renewals: Arc<Renewals>,
    renewal_started: bool,
    /// Bumped by every `Load`: an older wait for the keyring then gives up.
    loads: Arc<std::sync::atomic::AtomicU64>,
    keyring_retry: (Duration, Duration),
}

impl CredentialsTask {
    pub fn new(sink: EventSink) -> Self {
        Self {
            sink,
            session: None,
            shared: Arc::new(Shared::new(None, Overrides::default(), native_store())),
            registration: None,
            renewals: Arc::new(Renewals::new(RenewalClock::default())),
            renewal_started: false,
            loads: Arc::default(),
            keyring_retry: KEYRING_RETRY,
        }
    }

    /// With its own keyring (tests: one that is not up at first), and the
    /// waits between tries while it is not.
    pub fn with_store_opener(
        sink: EventSink,
        facts_path: Option<PathBuf>,
        open_store: StoreOpener,
        keyring_retry: (Duration, Duration),
    ) -> Self {
        let mut task = Self::new(sink);
        task.shared = Arc::new(Shared::new(facts_path, Overrides::default(), open_store));
        task.keyring_retry = keyring_retry;
        task
    }

    /// With a ready-made service (tests use one over the mock keyring store).
    pub fn with_service(sink: EventSink, service: Service) -> Self {
        let mut task = Self::new(sink);
        let shared = Shared::new(None, Overrides::default(), native_store());
        *shared.service.lock().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(service));
        task.shared = Arc::new(shared);
        task
    }

    /// Lets stored credentials drive the MQTT session.
    pub fn link_session(&mut self, link: SessionLink) {
        self.session = Some(link);
    }

    /// Renewal reads this clock (tests: a wall clock moved ahead, a short tick). Before `Load`.
    pub fn set_renewal_clock(&mut self, clock: RenewalClock) {
        if !self.renewal_started {
            self.renewals = Arc::new(Renewals::new(clock));
        }
    }

    /// Give this to the MQTT session's sink (`EventSink::observed`): renewal
    /// is checked after each connect, and tried once when the broker keeps
    /// refusing the certificate, before the player is given up as removed.
    pub fn session_observer(&self) -> crate::bridge::channel::Observer {
        self.renewals.session_observer()
    }

    fn reporter(&self) -> Reporter {
        Reporter {
            sink: self.sink.clone(),
            session: self.session.clone(),
            shared: Arc::clone(&self.shared),
            renewals: Arc::clone(&self.renewals),
        }
    }

    /// Stops a registration in progress: the runtime is closing.
    pub fn shutdown(&mut self) {
        if let Some(r) = &self.registration {
            r.cancel.store(true, Ordering::Relaxed);
        }
    }

    pub fn handle(&mut self, action: CredentialsAction) {
        match action {
            CredentialsAction::Configure {
                facts_path,
                overrides,
            } => {
                let opener = Arc::clone(&self.shared.open_store);
                self.shared = Arc::new(Shared::new(facts_path, overrides, opener));
                self.blocking(|svc, sink| match svc.server() {
                    Ok(server) => sink.send(credentials(CredentialsEvent::Server(server))),
                    Err(e) => sink.send(failed(&e)),
                });
            }
            CredentialsAction::Load => {
                self.start_renewal();
                self.load_until_keyring();
            }
            CredentialsAction::ImportFiles(paths) => self.blocking(move |svc, sink| {
                sink.send(working("Checking the certificates…"));
                let result = svc.import_files(&paths, service::unix_now(), service::random_u64());
                import::report(svc, sink, result);
            }),
            CredentialsAction::ImportText(text) => self.blocking(move |svc, sink| {
                sink.send(working("Checking the certificates…"));
                let input = Input {
                    name: "The pasted text",
                    bytes: text.expose().as_bytes(),
                };
                let result = svc.import(&[input], service::unix_now(), service::random_u64());
                import::report(svc, sink, result);
            }),
            CredentialsAction::Register => self.register(),
            CredentialsAction::CancelRegistration => {
                if let Some(r) = &self.registration {
                    r.cancel.store(true, Ordering::Relaxed);
                }
            }
            CredentialsAction::Remove => self.blocking(|svc, sink| match svc.remove() {
                Ok(_) => {
                    sink.session(ConnectionAction::Disconnect);
                    sink.send(credentials(CredentialsEvent::NotRegistered));
                    sink.send(connection(ConnectionState::NotRegistered));
                    sink.send(credentials(CredentialsEvent::Done(
                        "Credentials removed: nothing of this player is left in the keyring."
                            .into(),
                    )));
                }
                Err(e) => sink.send(failed(&e)),
            }),
            CredentialsAction::RenewNow => self.blocking(|svc, sink| {
                sink.send(working("Renewing the certificate…"));
                let result = svc.renew(sink.renewals.now(), service::random_u64());
                sink.renewals.record(&result);
                report_change(svc, sink, result, "Certificate renewed");
                renewal::check(svc, sink, Trigger::Installed);
            }),
            CredentialsAction::SetServer(server) => self.blocking(move |svc, sink| {
                let changed = match svc.set_server(server) {
                    Ok(()) => true,
                    Err(e) => {
                        sink.send(failed(&e));
                        false
                    }
                };
                if let Ok(server) = svc.server() {
                    sink.send(credentials(CredentialsEvent::Server(server)));
                }
                // Another broker or transport: the session moves there at once.
                if changed && sink.session.is_some() && matches!(svc.load(), Ok(Some(_))) {
                    registered(svc, sink);
                }
            }),
        }
    }

    /// Loads the stored identity; while the keyring is not up (a session
    /// autostarted before the desktop's keyring), tries again with back-off
    /// and connects as soon as it answers.
    fn load_until_keyring(&self) {
        let generation = self.loads.fetch_add(1, Ordering::SeqCst) + 1;
        let loads = Arc::clone(&self.loads);
        let shared = Arc::clone(&self.shared);
        let sink = self.reporter();
        let (start, max) = self.keyring_retry;
        tokio::spawn(async move {
            let mut backoff = super::backoff::Backoff::new(start, max);
            loop {
                let (shared2, sink2) = (Arc::clone(&shared), sink.clone());
                let waiting = tokio::task::spawn_blocking(move || {
                    let _turn = shared2.busy.lock().unwrap_or_else(|p| p.into_inner());
                    let svc = shared2.service();
                    let waiting = report_load(&svc, &sink2);
                    if waiting {
                        shared2.forget_service();
                    } else {
                        renewal::check(&svc, &sink2, Trigger::Loaded);
                    }
                    waiting
                })
                .await
                .unwrap_or(false);
                if !waiting || loads.load(Ordering::SeqCst) != generation {
                    return;
                }
                // Half the bound at least: the keyring is asked over IPC, not in a busy loop.
                let wait = backoff.next_wait(0.5 + super::backoff::random_jitter() / 2.0);
                let secs = wait.as_secs_f64();
                tracing::info!("the keyring is not up yet; trying again in {secs:.1} s");
                tokio::time::sleep(wait).await;
            }
        });
    }

    fn blocking(&self, job: impl FnOnce(&Service, &Reporter) + Send + 'static) {
        let shared = Arc::clone(&self.shared);
        let sink = self.reporter();
        tokio::task::spawn_blocking(move || {
            let _turn = shared.busy.lock().unwrap_or_else(|p| p.into_inner());
            job(&shared.service(), &sink);
        });
    }

    fn register(&mut self) {
        if self
            .registration
            .as_ref()
            .is_some_and(|r| !r.done.load(Ordering::Relaxed))
        {
            return;
        }
        let registration = Arc::new(Registration {
            cancel: AtomicBool::new(false),
            done: AtomicBool::new(false),
        });
        self.registration = Some(Arc::clone(&registration));
        let shared = Arc::clone(&self.shared);
        let sink = self.reporter();
        sink.send(registration_event(RegistrationStatus::Starting));
        // Not under `busy`: polling lasts minutes and must not hold up other actions.
        tokio::task::spawn_blocking(move || {
            let svc = shared.service();
            let svc = svc.as_ref();
            let mut shown = (String::new(), 0);
            let entered = svc.await_registration(&registration.cancel, false, &mut |p| {
                let status = match p {
                    Progress::Code { code, expires_at } => {
                        shown = (code.clone(), expires_at);
                        RegistrationStatus::Code { code, expires_at }
                    }
                    Progress::RateLimited { .. } => RegistrationStatus::RateLimited {
                        code: shown.0.clone(),
                        expires_at: shown.1,
                    },
                    Progress::Storing => RegistrationStatus::Storing,
                };
                sink.send(registration_event(status));
            });
            // Stored under the same lock as imports, renewals and removals.
            let result = entered.and_then(|set| {
                let _turn = shared.busy.lock().unwrap_or_else(|p| p.into_inner());
                svc.install(set, service::unix_now(), service::random_u64())
            });
            registration.done.store(true, Ordering::Relaxed);
            match result {
                Err(CredError::CodeExpired) => {
                    sink.send(registration_event(RegistrationStatus::CodeExpired));
                }
                Err(CredError::Cancelled) => {
                    sink.send(credentials(CredentialsEvent::RegistrationEnded));
                }
                other => {
                    sink.send(credentials(CredentialsEvent::RegistrationEnded));
                    let installed = other.is_ok();
                    report_change(svc, &sink, other, "This computer is registered");
                    if installed {
                        let _turn = shared.busy.lock().unwrap_or_else(|p| p.into_inner());
                        renewal::check(svc, &sink, Trigger::Installed);
                    }
                }
            }
        });
    }

    /// Starts the renewal loop, once.
    fn start_renewal(&mut self) {
        if !std::mem::replace(&mut self.renewal_started, true) {
            renewal::start_loop(Arc::clone(&self.shared), self.reporter());
        }
    }
}

/// Reports what is stored; true when `player.json` names a player but the
/// keyring is not up (or locked) yet, so the load must be tried again.
fn report_load(svc: &Service, sink: &Reporter) -> bool {
    let keyring_down = |e: &CredError| {
        matches!(
            e,
            CredError::Store(StoreError::NoService | StoreError::Locked)
        )
    };
    match svc.load() {
        Ok(Some(active)) => {
            // An expired certificate cannot connect, but the bearer token still
            // renews it: renew first, then connect (with the old one if that failed).
            let expired = sink.renewals.now() >= active.not_after;
            if !(expired && renewal::check(svc, sink, Trigger::Loaded)) {
                registered(svc, sink);
            }
        }
        Ok(None) => sink.send(credentials(CredentialsEvent::NotRegistered)),
        Err(e)
            if keyring_down(&e)
                && let Ok(Some(active)) = svc.facts().map(|f| f.active) =>
        {
            tracing::warn!("stored credentials wait for the keyring: {e}");
            sink.send(credentials(CredentialsEvent::KeyringWaiting {
                player_key: crate::player_key::Key::new(active.shown_key),
            }));
            sink.send(connection(ConnectionState::Disconnected));
            return true;
        }
        Err(e) => {
            tracing::warn!("stored credentials unavailable: {e}");
            sink.send(credentials(CredentialsEvent::NotRegistered));
            sink.send(failed(&e));
        }
    }
    false
}

fn report_change(svc: &Service, sink: &Reporter, result: Result<ActiveSet, CredError>, what: &str) {
    match result {
        Ok(active) => {
            if let Ok(server) = svc.server() {
                sink.send(credentials(CredentialsEvent::Server(server)));
            }
            registered(svc, sink);
            sink.send(credentials(CredentialsEvent::Done(format!(
                "{what}: player {}, valid until {}.",
                crate::player_key::short(&active.shown_key),
                format_date(active.not_after)
            ))));
        }
        Err(e) => {
            tracing::warn!("{e}");
            sink.send(failed(&e));
        }
    }
}

fn registered(svc: &Service, sink: &Reporter) {
    // The whole key is only in the keyring (the stored certificate names it).
    let stored = svc
        .secrets()
        .and_then(|(active, secrets)| Ok((active, secrets.player_key()?, secrets)));
    let (active, player_key, secrets) = match stored {
        Ok(stored) => stored,
        Err(e) => {
            tracing::warn!("stored credentials unavailable: {e}");
            sink.send(connection(ConnectionState::Disconnected));
            sink.send(failed(&e));
            return;
        }
    };
    sink.send(credentials(CredentialsEvent::Registered(PlayerSummary {
        player_key: player_key.clone(),
        not_after: active.not_after,
        issuer: active.issuer.clone(),
        has_token: active.has_token,
    })));
    if sink.session.is_none() {
        // Nothing to connect (tests of the credentials task alone).
        sink.send(connection(ConnectionState::Disconnected));
        return;
    }
    // A new or renewed identity replaces the session at once (make-before-break:
    // the old certificate stays valid on the server until then).
    match session_config(svc, &sink.shared, player_key, &secrets) {
        Ok(config) => sink.session(ConnectionAction::Connect(Box::new(config))),
        Err(reason) => {
            tracing::warn!("cannot start the MQTT session: {reason}");
            sink.send(connection(ConnectionState::Disconnected));
            sink.send(credentials(CredentialsEvent::Failed(reason)));
        }
    }
}

/// The stored identity and server as a session configuration.
fn session_config(
    svc: &Service,
    shared: &Arc<Shared>,
    player_key: String,
    secrets: &Secrets,
) -> Result<SessionConfig, String> {
    let server = svc.server().map_err(|e| e.to_string())?;
    let api = svc.player_api().map_err(|e| e.to_string())?;
    let (ca_pem, cert_pem, key_pem) = secrets.session_pems().ok_or_else(|| {
        "The stored private key is damaged; import the credentials again.".to_owned()
    })?;
    Ok(SessionConfig {
        player_key,
        broker: match server.websocket {
            Some(url) => Broker::WebSocket { url },
            None => Broker::Tls {
                host: server.mqtt_host,
                port: server.mqtt_port,
            },
        },
        ca_pem,
        cert_pem,
        key_pem: KeyPem::new(key_pem),
        tuning: Tuning::default(),
        https: Some(HttpsApi {
            base_url: api.base_url,
            tokens: Arc::new(keyring_tokens::KeyringTokens::new(Arc::clone(shared))),
        }),
    })
}

fn credentials(event: CredentialsEvent) -> RuntimeEvent {
    RuntimeEvent::Credentials(event)
}

fn registration_event(status: RegistrationStatus) -> RuntimeEvent {
    credentials(CredentialsEvent::Registration(status))
}

fn connection(state: ConnectionState) -> RuntimeEvent {
    RuntimeEvent::Connection(ConnectionEvent::State(state))
}

fn working(text: &str) -> RuntimeEvent {
    credentials(CredentialsEvent::Working(text.into()))
}

fn failed(e: &CredError) -> RuntimeEvent {
    // A keyring's or a crate's message may name the key (entry names, URLs).
    credentials(CredentialsEvent::Failed(
        crate::player_key::redact(&e.to_string()).into_owned(),
    ))
}
