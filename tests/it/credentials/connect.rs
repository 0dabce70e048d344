//! Stored credentials drive the MQTT session: importing a set connects the
//! player to a broker set up like Makapix's, removing it says goodbye. The
//! keyring is the mock store; the broker, TLS and the test back end are real.

use super::{linked, pump, runtime};
use crate::support::rig;

use std::sync::Arc;
use std::time::Duration;

use makapix_player::bridge::RuntimeEvent;
use makapix_player::bridge::channel::pair;
use makapix_player::bridge::connection::{ConnectionEvent, ConnectionState};
use makapix_player::bridge::credentials::{CredentialsAction, CredentialsEvent};
use makapix_player::credentials::keyring_store::KeyringStore;
use makapix_player::credentials::server::Overrides;
use makapix_player::credentials::server::Server;
use makapix_player::credentials::service::Service;
use makapix_player::protocol::http::Secret;

/// The bundle the web would give for `identity`, naming the broker at 127.0.0.1:`port`.
fn bundle(broker: &rig::broker::Broker, identity: &rig::certs::Identity, port: u16) -> String {
    serde_json::json!({
        "ca_pem": broker.ca.pem,
        "cert_pem": identity.cert_pem,
        "key_pem": identity.key_pem,
        "broker": {"host": "127.0.0.1", "port": port},
    })
    .to_string()
}

/// The credentials service over the mock keyring, its facts in `dir`. Its
/// HTTPS API is on this computer: while the broker's port is closed the
/// session turns to HTTPS, which would otherwise be makapix.club.
fn service(dir: &std::path::Path) -> Service {
    let store = KeyringStore::with_store(keyring_core::mock::Store::new().unwrap(), "test");
    let overrides = Overrides {
        api: Some(crate::support::NO_API.into()),
        ..Overrides::default()
    };
    Service::new(Ok(store), Some(dir.join("player.json")), overrides)
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn imported_credentials_connect_the_player_and_removing_them_disconnects() {
    let mut broker = rig::broker::Broker::start();
    let server = rig::server::TestServer::start(&broker);
    let player_key = rig::certs::player_key();
    let identity = broker.ca.player(&player_key);
    let bundle = bundle(&broker, &identity, broker.tls_port);
    let dir = tempfile::tempdir().unwrap();
    let service = service(dir.path());
    let (window, runtime_end) = pair(Arc::new(|| {}));
    let rt = runtime();
    let mut events: Vec<RuntimeEvent> = Vec::new();
    rt.block_on(async {
        let (mut task, connection) = linked(service, &runtime_end.sink);

        task.handle(CredentialsAction::ImportText(Secret::new(bundle)));
        let connected = |e: &RuntimeEvent| {
            matches!(
                e,
                RuntimeEvent::Connection(ConnectionEvent::State(ConnectionState::Connected))
            )
        };
        pump(&window, &mut events, "connected after the import", connected).await;
        // Connected with the key read from the keyring: the file never held it.
        let facts = std::fs::read_to_string(dir.path().join("player.json")).unwrap();
        assert!(!facts.contains(&player_key), "player.json: {facts}");

        task.handle(CredentialsAction::Remove);
        let removed = |e: &RuntimeEvent| {
            matches!(
                e,
                RuntimeEvent::Credentials(CredentialsEvent::Done(text)) if text.starts_with("Credentials removed")
            )
        };
        pump(&window, &mut events, "removal", removed).await;
        connection.shutdown().await;
    });

    let online = server.wait_published("status", Duration::from_secs(5), |r| {
        r.json()["status"] == "online" && r.json()["player_key"] == player_key.as_str()
    });
    assert!(online.topic.contains(&player_key));
    server.wait_published("status", Duration::from_secs(5), |r| {
        r.json()["status"] == "offline" && r.json()["player_key"] == player_key.as_str()
    });
    for e in &events {
        let shown = format!("{e:?}");
        assert!(
            !shown.contains("PRIVATE KEY"),
            "a secret in an event: {shown}"
        );
    }
    broker.stop();
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn choosing_the_websocket_transport_moves_the_session_there() {
    let mut broker = rig::broker::Broker::start();
    let server = rig::server::TestServer::start(&broker);
    let player_key = rig::certs::player_key();
    let identity = broker.ca.player(&player_key);
    // The bundle names a port where nothing listens: only the WebSocket can connect.
    let closed_port = rig::free_port();
    let bundle = bundle(&broker, &identity, closed_port);
    let dir = tempfile::tempdir().unwrap();
    let service = service(dir.path());
    let (window, runtime_end) = pair(Arc::new(|| {}));
    let rt = runtime();
    let mut events: Vec<RuntimeEvent> = Vec::new();
    rt.block_on(async {
        let (mut task, connection) = linked(service, &runtime_end.sink);
        task.handle(CredentialsAction::ImportText(Secret::new(bundle)));
        let mut current: Option<Server> = None;
        pump(&window, &mut events, "the import", |e| {
            matches!(e, RuntimeEvent::Credentials(CredentialsEvent::Done(_)))
        })
        .await;
        for e in &events {
            if let RuntimeEvent::Credentials(CredentialsEvent::Server(s)) = e {
                current = Some(s.clone());
            }
        }
        let mut server_choice = current.expect("the import reports the server");
        server_choice.websocket = Some(format!("wss://127.0.0.1:{}/mqtt", broker.wss_port));
        task.handle(CredentialsAction::SetServer(server_choice));
        // Connected over MQTT (requests may go over HTTPS before, while the port is closed).
        pump(&window, &mut events, "connected over the WebSocket", |e| {
            matches!(
                e,
                RuntimeEvent::Connection(ConnectionEvent::Info(i)) if i.connected_since.is_some()
            )
        })
        .await;
        connection.shutdown().await;
    });
    server.wait_published("status", Duration::from_secs(5), |r| {
        r.json()["status"] == "online" && r.json()["player_key"] == player_key.as_str()
    });
    broker.stop();
}
