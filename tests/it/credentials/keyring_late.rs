//! The keyring may come late: a session autostarted before the desktop's
//! keyring finds `player.json` naming its player but no keyring answering. The
//! window is told to wait (never offered "Register this computer", which
//! would make a second player), the runtime tries again with back-off, and the
//! player connects as soon as the keyring answers. The broker and TLS are real;
//! the keyring is the mock store behind an opener that fails at first.

use super::runtime;
use crate::support::rig;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use makapix_player::bridge::RuntimeEvent;
use makapix_player::bridge::channel::pair;
use makapix_player::bridge::connection::{ConnectionEvent, ConnectionState};
use makapix_player::bridge::credentials::{CredentialsAction, CredentialsEvent};
use makapix_player::credentials::bundle::Input;
use makapix_player::credentials::keyring_store::{KeyringStore, StoreError};
use makapix_player::credentials::server::Overrides;
use makapix_player::credentials::service::{self, Service};
use makapix_player::net::connection_handle::ConnectionHandle;
use makapix_player::net::credentials_task::CredentialsTask;

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn a_keyring_that_fails_its_first_three_reads_still_connects() {
    let mut broker = rig::broker::Broker::start();
    let player_key = rig::certs::player_key();
    let identity = broker.ca.player(&player_key);
    let bundle = serde_json::json!({
        "ca_pem": broker.ca.pem,
        "cert_pem": identity.cert_pem,
        "key_pem": identity.key_pem,
        "broker": {"host": "127.0.0.1", "port": broker.tls_port},
        // On this computer: a session that turned to HTTPS would otherwise ask makapix.club.
        "https_api": {"base_url": crate::support::NO_API, "auth": "bearer"},
    })
    .to_string();
    let dir = tempfile::tempdir().unwrap();
    let facts = dir.path().join("player.json");
    let mock = keyring_core::mock::Store::new().unwrap();
    // An earlier session stored the identity.
    Service::new(
        Ok(KeyringStore::with_store(mock.clone(), "test")),
        Some(facts.clone()),
        Overrides::default(),
    )
    .import(
        &[Input {
            name: "bundle",
            bytes: bundle.as_bytes(),
        }],
        service::unix_now(),
        service::random_u64(),
    )
    .expect("stored");

    let tries = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&tries);
    let opener = Arc::new(move || {
        if counted.fetch_add(1, Ordering::SeqCst) < 3 {
            Err(StoreError::NoService)
        } else {
            Ok(KeyringStore::with_store(mock.clone(), "test"))
        }
    });

    makapix_player::net::tls::install_crypto_provider();
    let (window, runtime_end) = pair(Arc::new(|| {}));
    let rt = runtime();
    let mut events = Vec::new();
    rt.block_on(async {
        let connection = Arc::new(ConnectionHandle::start(runtime_end.sink.clone()));
        let mut task = CredentialsTask::with_store_opener(
            runtime_end.sink.clone(),
            Some(facts.clone()),
            opener,
            (Duration::from_millis(100), Duration::from_millis(400)),
        );
        let link = Arc::clone(&connection);
        task.link_session(Arc::new(move |action| link.handle(action)));
        task.handle(CredentialsAction::Load);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            while let Some(e) = window.try_recv() {
                events.push(e);
            }
            if events.iter().any(|e| {
                matches!(
                    e,
                    RuntimeEvent::Connection(ConnectionEvent::State(ConnectionState::Connected))
                )
            }) {
                break;
            }
            assert!(Instant::now() < deadline, "never connected: {events:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        connection.shutdown().await;
    });

    assert_eq!(
        tries.load(Ordering::SeqCst),
        4,
        "three failures, then the keyring"
    );
    // Without the keyring only the start of the key is known (player.json keeps no more).
    let waits = events
        .iter()
        .filter(|e| {
            matches!(e, RuntimeEvent::Credentials(CredentialsEvent::KeyringWaiting { player_key: k }) if k.reveal() == &player_key[..8])
        })
        .count();
    assert_eq!(
        waits, 3,
        "the window was told to wait each time: {events:?}"
    );
    assert!(
        !events.iter().any(|e| matches!(
            e,
            RuntimeEvent::Credentials(CredentialsEvent::NotRegistered)
        )),
        "the window was told the player is not registered (it would offer to register): {events:?}"
    );
    broker.stop();
}
