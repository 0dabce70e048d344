//! The window on the real runtime, connected to a real broker, driven by the
//! test server: for tests of commands and what they put on screen.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use makapix_player::bridge::channel::{ACTION_QUEUE, RuntimeEnd, WindowEnd, pair};
use makapix_player::bridge::connection::{ConnectionAction, ConnectionEvent, ConnectionState};
use makapix_player::bridge::{Action as RuntimeAction, RuntimeEvent};
use makapix_player::net;
use makapix_player::ui::{PlayerApp, StartOptions};
use serde_json::Value;

use super::broker::Broker;
use super::certs::player_key;
use super::server::TestServer;
use crate::support::screen::timed_out;

pub const SOON: Duration = Duration::from_secs(10);

pub struct Session {
    pub broker: Broker,
    pub server: TestServer,
    pub key: String,
    pub h: Harness<'static, PlayerApp>,
    pub tap: Arc<Tap>,
    /// What the window's file dialogs pick (unless the options gave dialogs of their own).
    pub dialogs: crate::support::dialogs::Dialogs,
}

/// A session whose window keeps its files under `root` and fetches artworks from `vault`.
pub fn start_with_vault(root: &std::path::Path, vault: &super::vault::Vault) -> Session {
    start_with_settings(root, vault, makapix_player::settings::Settings::default())
}

/// The same, starting from `settings`.
pub fn start_with_settings(
    root: &std::path::Path,
    vault: &super::vault::Vault,
    settings: makapix_player::settings::Settings,
) -> Session {
    start(StartOptions {
        settings: Some(settings),
        app_paths: Some(makapix_player::storage::paths::AppPaths::under(root)),
        vault: Some(vault.base.clone()),
        ..StartOptions::default()
    })
}

pub fn start(options: StartOptions) -> Session {
    start_serving(options, super::server::catalogue)
}

/// `start`, with the test server answering requests by `responder` from the
/// first one (requests the window sends as soon as it is connected included).
pub fn start_serving(
    options: StartOptions,
    responder: impl Fn(&Value) -> Option<Value> + Send + Sync + 'static,
) -> Session {
    let mut s = launch(options, responder);
    step_until(&mut s.h, "connected", |a| {
        a.connection() == ConnectionState::Connected
    });
    s
}

/// A window that has drawn its first frame only (it sent the runtime its first
/// actions) while the runtime connects: a slowed window thread. Returns once
/// the broker has the player's online status; nothing the runtime reported
/// since has been taken in.
pub fn start_slowed(options: StartOptions) -> Session {
    let s = launch(options, super::server::catalogue);
    s.server
        .wait_published("/status", SOON, |r| r.json()["status"] == "online");
    s
}

fn launch(
    mut options: StartOptions,
    responder: impl Fn(&Value) -> Option<Value> + Send + Sync + 'static,
) -> Session {
    net::tls::install_crypto_provider();
    let dialogs = crate::support::dialogs::Dialogs::default();
    if options.file_dialogs.is_none() {
        options.file_dialogs = Some(dialogs.file_dialogs());
    }
    let mut broker = Broker::start();
    let server = TestServer::start(&broker);
    server.set_responder(responder);
    let key = player_key();
    let me = broker.ca.player(&key);
    let config = super::player::config(&broker, &key, &me, &broker.ca.pem);
    let (mut window_end, runtime_end, tap) = tapped_pair();
    window_end.attach(net::runtime::start(runtime_end).unwrap());
    let mut app = PlayerApp::new(options);
    app.attach_runtime(window_end);
    let mut h = crate::support::screen::harness_of(app, [640.0, 480.0], None);
    h.step();
    h.state_mut()
        .send_to_runtime(RuntimeAction::Connection(ConnectionAction::Connect(
            Box::new(config),
        )));
    Session {
        broker,
        server,
        key,
        h,
        tap,
        dialogs,
    }
}

/// What passed between window and runtime, counted on the way.
#[derive(Default)]
pub struct Tap {
    commands: AtomicUsize,
    views: AtomicUsize,
    runtime_ended: AtomicBool,
}

impl Tap {
    /// Commands the runtime has handed on to the window (waiting in its queue or read).
    pub fn commands_passed(&self) -> usize {
        self.commands.load(Ordering::SeqCst)
    }

    /// View events the window has asked the runtime to publish.
    pub fn views_sent(&self) -> usize {
        self.views.load(Ordering::SeqCst)
    }

    /// Whether the runtime and everything it started have ended: the last of
    /// its ways back to the window is gone.
    pub fn runtime_ended(&self) -> bool {
        self.runtime_ended.load(Ordering::SeqCst)
    }
}

/// The window's and the runtime's ends, joined by two relay threads that count
/// what passes, so a test can wait for a burst to reach the window or see that
/// the window reported nothing. Each relay ends with the side it listens to.
fn tapped_pair() -> (WindowEnd, RuntimeEnd, Arc<Tap>) {
    let tap = Arc::new(Tap::default());
    let (window_end, to_window) = pair(Arc::new(|| {}));
    let (doorbell, rung) = std::sync::mpsc::channel::<()>();
    let (from_runtime, runtime_side) = pair(Arc::new(move || {
        let _ = doorbell.send(());
    }));
    let counted = Arc::clone(&tap);
    std::thread::spawn(move || {
        while rung.recv().is_ok() {
            while let Some(event) = from_runtime.try_recv() {
                if matches!(
                    event,
                    RuntimeEvent::Connection(ConnectionEvent::Command(..))
                ) {
                    counted.commands.fetch_add(1, Ordering::SeqCst);
                }
                to_window.sink.send(event);
            }
        }
        counted.runtime_ended.store(true, Ordering::SeqCst);
    });
    let (actions_tx, actions) = tokio::sync::mpsc::channel(ACTION_QUEUE);
    let mut from_window = to_window.actions;
    let counted = Arc::clone(&tap);
    std::thread::spawn(move || {
        while let Some(action) = from_window.blocking_recv() {
            if matches!(action, RuntimeAction::Connection(ConnectionAction::View(_))) {
                counted.views.fetch_add(1, Ordering::SeqCst);
            }
            if actions_tx.blocking_send(action).is_err() {
                return;
            }
        }
    });
    let runtime_end = RuntimeEnd {
        actions,
        // Quitting goes straight through, as it does without the tap.
        stop: to_window.stop,
        sink: runtime_side.sink,
    };
    (window_end, runtime_end, tap)
}

/// The one wait of the support tree (saves a screenshot on a timeout).
pub use crate::support::screen::step_until;

impl Session {
    /// Quits as the window does, then waits until the runtime has ended: after
    /// that nothing of the player can ask the network for more.
    pub fn shut_down(&mut self) {
        self.h.state_mut().shutdown();
        super::wait_for("the runtime to end", SOON, || {
            self.tap.runtime_ended().then_some(())
        });
    }

    /// Sends a command and steps the window until its ack arrives; returns the ack.
    pub fn command(&mut self, kind: &str, payload: Value) -> Value {
        let id = self.server.send_command(&self.key, kind, payload);
        let deadline = Instant::now() + SOON;
        loop {
            self.h.step();
            if let Some(ack) = self
                .server
                .published()
                .into_iter()
                .find(|r| r.topic.ends_with("/command/ack") && r.json()["command_id"] == id)
            {
                return ack.json();
            }
            if Instant::now() >= deadline {
                timed_out(&self.h, &format!("the ack for {kind}"));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn retained_state(&self) -> Value {
        TestServer::retained(&self.broker, &format!("makapix/player/{}/state", self.key))
            .expect("state is retained")
            .json()
    }

    /// Waits until the retained state shows `field` = `value` (state changes
    /// are published right after the frame that applied them).
    pub fn wait_state(&mut self, field: &str, value: Value) {
        let deadline = Instant::now() + SOON;
        loop {
            self.h.step();
            let published = self
                .server
                .published()
                .into_iter()
                .any(|r| r.topic.ends_with("/state") && r.json()[field] == value);
            if published && self.retained_state()[field] == value {
                return;
            }
            if Instant::now() >= deadline {
                timed_out(&self.h, &format!("the state to show {field} = {value}"));
            }
        }
    }
}
