//! Credentials: import, validation, registration, renewal, the keyring and
//! connecting with what was stored, against the rig and a local HTTP server.

use crate::support::rig;

use std::sync::Arc;
use std::time::{Duration, Instant};

use makapix_player::bridge::RuntimeEvent;
use makapix_player::bridge::channel::{EventSink, WindowEnd};
use makapix_player::credentials::service::Service;
use makapix_player::net::connection_handle::ConnectionHandle;
use makapix_player::net::credentials_task::CredentialsTask;
use rig::api::MakapixApi;

mod connect;
mod field;
mod flow;
mod keyring_late;
mod lock;
mod names;
mod renewal;
mod runtime;
mod trust;
mod validate;

/// Waits (30 s at most) for an event `done` accepts, keeping every event seen in `events`.
async fn pump(
    window: &WindowEnd,
    events: &mut Vec<RuntimeEvent>,
    what: &str,
    done: impl Fn(&RuntimeEvent) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        while let Some(e) = window.try_recv() {
            let finished = done(&e);
            events.push(e);
            if finished {
                return;
            }
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {events:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The rig's Makapix API with no broker behind it (the port it names is never
/// dialled), its CA, and a new player's key.
fn api_alone() -> (rig::certs::Ca, MakapixApi, String) {
    let ca = rig::certs::Ca::new("Makapix Test CA");
    let api = MakapixApi::start(&ca.pem, 8883);
    (ca, api, rig::certs::player_key())
}

/// A runtime on the test's thread, with its clock and sockets.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The credentials task and the MQTT session on one runtime, linked as in the app.
fn linked(service: Service, sink: &EventSink) -> (CredentialsTask, Arc<ConnectionHandle>) {
    makapix_player::net::tls::install_crypto_provider();
    let connection = Arc::new(ConnectionHandle::start(sink.clone()));
    let mut task = CredentialsTask::with_service(sink.clone(), service);
    let link = Arc::clone(&connection);
    task.link_session(Arc::new(move |action| link.handle(action)));
    (task, connection)
}
