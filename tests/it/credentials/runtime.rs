//! The runtime's credentials handler through the real bridge: actions in,
//! events out, secrets never in an event. The keyring is the mock store.

use crate::support::certs;

use std::time::{Duration, Instant};

use makapix_player::bridge::RuntimeEvent;
use makapix_player::bridge::channel::pair;
use makapix_player::bridge::connection::{ConnectionEvent, ConnectionState};
use makapix_player::bridge::credentials::{CredentialsAction, CredentialsEvent};
use makapix_player::credentials::keyring_store::KeyringStore;
use makapix_player::credentials::server::Overrides;
use makapix_player::credentials::service::Service;
use makapix_player::net::credentials_task::CredentialsTask;
use makapix_player::protocol::http::Secret;

/// Feeds `actions` to the handler on a tokio runtime, each after the previous one's outcome.
fn run(actions: Vec<CredentialsAction>) -> Vec<RuntimeEvent> {
    let dir = tempfile::tempdir().unwrap();
    let store = KeyringStore::with_store(keyring_core::mock::Store::new().unwrap(), "test");
    let service = Service::new(
        Ok(store),
        Some(dir.path().join("player.json")),
        Overrides::default(),
    );
    let (window, runtime_end) = pair(std::sync::Arc::new(|| {}));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let mut events = Vec::new();
    rt.block_on(async {
        let mut task = CredentialsTask::with_service(runtime_end.sink.clone(), service);
        let deadline = Instant::now() + Duration::from_secs(20);
        for action in actions {
            let before = events.iter().filter(|e| is_final(e)).count();
            task.handle(action);
            // Wait for this action's outcome (Done or Failed), as a user would before clicking on.
            while events.iter().filter(|e| is_final(e)).count() == before {
                tokio::time::sleep(Duration::from_millis(10)).await;
                while let Some(e) = window.try_recv() {
                    events.push(e);
                }
                assert!(Instant::now() < deadline, "no answer: {events:?}");
            }
        }
    });
    events
}

fn is_final(e: &RuntimeEvent) -> bool {
    matches!(
        e,
        RuntimeEvent::Credentials(CredentialsEvent::Done(_) | CredentialsEvent::Failed(_))
    )
}

#[test]
fn pasted_bundle_is_imported_then_removed_and_no_event_carries_a_secret() {
    let m = certs::valid_set();
    let json = certs::bundle_json(&m, Some("tok-runtime-test"));
    let events = run(vec![
        CredentialsAction::ImportText(Secret::new(json)),
        CredentialsAction::Remove,
    ]);
    let mut registered = false;
    let mut disconnected = false;
    let mut removed = false;
    for e in &events {
        let shown = format!("{e:?}");
        assert!(
            !shown.contains("PRIVATE KEY") && !shown.contains("tok-runtime-test"),
            "{shown}"
        );
        match e {
            RuntimeEvent::Credentials(CredentialsEvent::Registered(s)) => {
                registered = s.player_key == certs::PLAYER_KEY && s.has_token;
            }
            RuntimeEvent::Connection(ConnectionEvent::State(ConnectionState::Disconnected)) => {
                disconnected = true;
            }
            RuntimeEvent::Credentials(CredentialsEvent::NotRegistered) => removed = true,
            _ => {}
        }
    }
    assert!(registered && disconnected && removed, "{events:?}");
}

#[test]
fn a_bad_paste_fails_with_a_sentence() {
    let events = run(vec![CredentialsAction::ImportText(Secret::new("hello"))]);
    assert!(events.iter().any(|e| matches!(
        e,
        RuntimeEvent::Credentials(CredentialsEvent::Failed(text)) if text.contains("Nothing to import")
    )), "{events:?}");
}
