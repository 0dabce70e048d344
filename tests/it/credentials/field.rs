//! Credentials against Makapix Club as it runs today (the rig's `api`
//! follows the server's current contract): a player imported from the web's
//! bundle (no API token) renews by itself, one whose certificate expired
//! years ago renews before the session tries it (and never replaces a newer
//! set of its player), a certificate issued "in the future" by a clock a few
//! minutes ahead imports, registration rides out a bad minute, and a set the
//! owner renewed from the web is adopted.
//! The keyring is the mock store; broker, TLS and HTTP are real.

use super::{api_alone, linked, pump, runtime};
use crate::support::rig;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use makapix_player::bridge::RuntimeEvent;
use makapix_player::bridge::channel::pair;
use makapix_player::bridge::connection::{ConnectionEvent, ConnectionState};
use makapix_player::bridge::credentials::{CredentialsAction, CredentialsEvent};
use makapix_player::credentials::bundle::Input;
use makapix_player::credentials::keyring_store::KeyringStore;
use makapix_player::credentials::renewal::PollTiming;
use makapix_player::credentials::server::Overrides;
use makapix_player::credentials::service::{CredError, Service};
use makapix_player::net::credentials_task::CredentialsTask;
use makapix_player::protocol::http::Secret;
use rig::api::MakapixApi;
use rig::certs::Identity;
use time::{Duration as Span, OffsetDateTime};

/// The credentials service over a mock keyring, talking to `api`.
fn service(dir: &std::path::Path, api: &str) -> Service {
    let store = KeyringStore::with_store(keyring_core::mock::Store::new().unwrap(), "test");
    let overrides = Overrides {
        api: Some(api.to_owned()),
        ..Overrides::default()
    };
    let mut service = Service::new(Ok(store), Some(dir.join("player.json")), overrides);
    service.timing = PollTiming {
        interval: Duration::from_millis(50),
        rate_limited: Duration::from_millis(300),
        backoff_max: Duration::from_millis(400),
    };
    service
}

fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

fn import(service: &Service, bundle: &str) -> Result<i64, CredError> {
    let input = Input {
        name: "player-certificates.json",
        bytes: bundle.as_bytes(),
    };
    service.import(&[input], now(), 7).map(|a| a.not_after)
}

/// A certificate of `key` from `ca` that ended 105 days ago, issued 1,200 days
/// ago: a bundle kept since the player was last used, years before.
fn long_expired(ca: &mut rig::certs::Ca, key: &str) -> Identity {
    let t = OffsetDateTime::now_utc();
    ca.player_valid(key, t - Span::days(1200), t - Span::days(105))
}

/// The expiry dates the window was shown, in order.
fn shown_expiries(events: &[RuntimeEvent]) -> Vec<i64> {
    events
        .iter()
        .filter_map(|e| match e {
            RuntimeEvent::Credentials(CredentialsEvent::Registered(s)) => Some(s.not_after),
            _ => None,
        })
        .collect()
}

fn connected(e: &RuntimeEvent) -> bool {
    matches!(
        e,
        RuntimeEvent::Connection(ConnectionEvent::State(ConnectionState::Connected))
    )
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn a_bundle_without_a_token_that_expires_in_a_day_renews_by_itself() {
    let mut broker = rig::broker::Broker::start();
    let api = MakapixApi::start(&broker.ca.pem, broker.tls_port);
    let key = rig::certs::player_key();
    let t = OffsetDateTime::now_utc();
    // Issued almost three years ago, as the first production certificates were.
    let old = broker
        .ca
        .player_valid(&key, t - Span::days(1094), t + Span::days(1));
    let new = broker.ca.player_valid(&key, t, t + Span::days(1095));
    api.add_player(&key, old.clone());
    api.next_certificate(&key, new.clone());
    let bundle = api.bundle(&key);
    assert!(
        !bundle.contains("api_token"),
        "the web's bundle has no token"
    );

    let dir = tempfile::tempdir().unwrap();
    let (window, runtime_end) = pair(Arc::new(|| {}));
    let rt = runtime();
    let mut events: Vec<RuntimeEvent> = Vec::new();
    rt.block_on(async {
        let (mut task, connection) = linked(service(dir.path(), &api.base), &runtime_end.sink);
        task.handle(CredentialsAction::ImportText(Secret::new(bundle)));
        pump(&window, &mut events, "the automatic renewal", |e| {
            matches!(e, RuntimeEvent::Credentials(CredentialsEvent::Done(t)) if t.starts_with("Certificate renewed automatically"))
        })
        .await;
        assert_eq!(
            shown_expiries(&events),
            [old.not_after.unix_timestamp(), new.not_after.unix_timestamp()],
            "the old expiry, then the new one, is shown"
        );
        pump(&window, &mut events, "connected with the renewed set", connected).await;

        // Only the new certificate can get in once the old one is revoked.
        broker.ca.revoke(&old);
        broker.write_crl();
        broker.restart();
        let after_restart = events.len();
        pump(&window, &mut events, "reconnected after the revocation", connected).await;
        assert!(
            !events[after_restart..].iter().any(|e| matches!(
                e,
                RuntimeEvent::Connection(ConnectionEvent::State(ConnectionState::Removed))
            )),
            "{events:?}"
        );
        connection.shutdown().await;
    });

    let log = api.log();
    let rotate = log.iter().position(|(_, p)| p.ends_with("/token/rotate"));
    let renew = log.iter().position(|(_, p)| p.ends_with("/renew-cert"));
    assert!(
        matches!((rotate, renew), (Some(a), Some(b)) if a < b),
        "a token first, then the renewal: {log:?}"
    );
    let renew_request = &api.http.requests.lock().unwrap()[renew.unwrap_or(0)];
    assert_eq!(
        renew_request.authorization,
        api.token(&key).map(|t| format!("Bearer {t}"))
    );
    for e in &events {
        let shown = format!("{e:?}");
        assert!(
            !shown.contains("PRIVATE KEY") && !shown.contains("mpx_live_"),
            "a secret in an event: {shown}"
        );
    }
    broker.stop();
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn a_bundle_whose_certificate_expired_renews_before_the_session_tries_it() {
    let mut broker = rig::broker::Broker::start();
    let api = MakapixApi::start(&broker.ca.pem, broker.tls_port);
    let key = rig::certs::player_key();
    let t = OffsetDateTime::now_utc();
    let old = long_expired(&mut broker.ca, &key);
    let new = broker.ca.player_valid(&key, t, t + Span::days(1095));
    api.add_player(&key, old);
    api.next_certificate(&key, new.clone());

    let dir = tempfile::tempdir().unwrap();
    let (window, runtime_end) = pair(Arc::new(|| {}));
    let rt = runtime();
    let mut events: Vec<RuntimeEvent> = Vec::new();
    rt.block_on(async {
        let (mut task, connection) = linked(service(dir.path(), &api.base), &runtime_end.sink);
        task.handle(CredentialsAction::ImportText(Secret::new(api.bundle(&key))));
        pump(&window, &mut events, "connected", connected).await;
        connection.shutdown().await;
    });

    assert_eq!(
        shown_expiries(&events),
        [new.not_after.unix_timestamp()],
        "only the renewed set is handed to the session: {events:?}"
    );
    let said: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            RuntimeEvent::Credentials(
                CredentialsEvent::Working(t)
                | CredentialsEvent::Done(t)
                | CredentialsEvent::Failed(t),
            ) => Some(t.as_str()),
            _ => None,
        })
        .collect();
    assert!(
        said.iter()
            .any(|t| t.contains("expired on") && t.ends_with("renewing it…")),
        "{said:?}"
    );
    assert!(
        said.last()
            .is_some_and(|t| t.starts_with("Credentials imported and renewed")),
        "{said:?}"
    );
    assert_eq!(api.count("/renew-cert"), 1, "{:?}", api.log());
    assert_eq!(
        api.count("/token/rotate"),
        1,
        "the web's bundle has no token"
    );
    broker.stop();
}

#[test]
fn an_expired_bundle_that_cannot_renew_is_kept_and_the_sentence_says_why() {
    let (mut ca, api, key) = api_alone();
    let old = long_expired(&mut ca, &key);
    api.add_player(&key, old.clone());
    let bundle = api.bundle(&key);
    api.remove_player(&key);

    let dir = tempfile::tempdir().unwrap();
    let (window, runtime_end) = pair(Arc::new(|| {}));
    let mut task =
        CredentialsTask::with_service(runtime_end.sink.clone(), service(dir.path(), &api.base));
    let rt = runtime();
    let mut events: Vec<RuntimeEvent> = Vec::new();
    rt.block_on(async {
        task.handle(CredentialsAction::ImportText(Secret::new(bundle)));
        pump(&window, &mut events, "the failure", |e| {
            matches!(e, RuntimeEvent::Credentials(CredentialsEvent::Failed(_)))
        })
        .await;
    });
    let Some(RuntimeEvent::Credentials(CredentialsEvent::Failed(said))) = events.last() else {
        unreachable!()
    };
    assert!(
        said.starts_with("Credentials imported, but the certificate expired on"),
        "{said}"
    );
    assert!(said.contains("removed from its account"), "{said}");
    assert!(
        events.iter().any(|e| matches!(e,
            RuntimeEvent::Credentials(CredentialsEvent::Registered(s)) if s.not_after == old.not_after.unix_timestamp())),
        "the imported player is shown: {events:?}"
    );
    // player.json names it (its secrets are in the task's own mock keyring).
    let facts = service(dir.path(), &api.base).facts().unwrap();
    let kept = facts.active.expect("the imported set stays stored");
    assert_eq!(kept.not_after, old.not_after.unix_timestamp());
    assert_eq!(api.count("/renew-cert"), 0);
}

#[test]
fn an_old_expired_bundle_never_replaces_a_newer_certificate_of_its_player() {
    let (mut ca, api, key) = api_alone();
    let t = OffsetDateTime::now_utc();
    api.add_player(&key, long_expired(&mut ca, &key));
    let old_bundle = api.bundle(&key);
    let fresh = ca.player_valid(&key, t, t + Span::days(1095));
    api.owner_renews(&key, fresh.clone());
    let dir = tempfile::tempdir().unwrap();
    let service = service(dir.path(), &api.base);
    import(&service, &api.bundle(&key)).unwrap();

    let err = import(&service, &old_bundle).unwrap_err();
    assert!(matches!(err, CredError::OlderThanStored { .. }), "{err}");
    assert!(err.to_string().ends_with("Nothing was changed."), "{err}");
    let active = service.load().unwrap().unwrap();
    assert_eq!(active.not_after, fresh.not_after.unix_timestamp());

    // Another player's expired bundle is a choice the user made: it is stored.
    let other = rig::certs::player_key();
    api.add_player(&other, long_expired(&mut ca, &other));
    import(&service, &api.bundle(&other)).expect("another player's set");
    assert_eq!(service.player_key().unwrap(), other);
}

#[test]
fn a_certificate_issued_5_minutes_in_the_future_imports() {
    let (mut ca, api, key) = api_alone();
    let t = OffsetDateTime::now_utc();
    // The server's clock is 5 minutes ahead of this computer's.
    api.add_player(
        &key,
        ca.player_valid(&key, t + Span::minutes(5), t + Span::days(1095)),
    );
    let dir = tempfile::tempdir().unwrap();
    let service = service(dir.path(), &api.base);
    import(&service, &api.bundle(&key)).unwrap();
    assert_eq!(service.player_key().unwrap(), key);

    // An hour ahead is no clock drift: the sentence says the clock is wrong, by how much.
    api.add_player(
        &key,
        ca.player_valid(&key, t + Span::minutes(61), t + Span::days(1095)),
    );
    let err = import(&service, &api.bundle(&key)).unwrap_err().to_string();
    assert!(err.contains("clock is 1 hour"), "{err}");
}

#[test]
fn registration_polling_rides_out_two_502s() {
    let (mut ca, api, key) = api_alone();
    api.provision_as(&key, ca.player(&key));
    // The owner enters the code at once, but the API is restarting behind its proxy.
    api.enter_code(&key);
    api.fail_next_polls(2);
    let dir = tempfile::tempdir().unwrap();
    let service = service(dir.path(), &api.base);
    let active = service
        .register(&AtomicBool::new(false), false, &mut |_| {})
        .expect("registration survives the bad minute");
    assert_eq!(service.player_key().unwrap(), key);
    assert!(
        active.has_token,
        "the one-time token of the first good poll"
    );
    assert_eq!(api.count("/credentials"), 3, "two 502s, then the set");
    let (_, secrets) = service.secrets().unwrap();
    assert_eq!(
        secrets.api_token.map(|t| t.expose().to_owned()),
        api.token(&key)
    );
}

#[test]
fn when_the_owner_renewed_from_the_web_the_new_set_is_installed() {
    let (mut ca, api, key) = api_alone();
    let t = OffsetDateTime::now_utc();
    api.add_player(
        &key,
        ca.player_valid(&key, t - Span::days(10), t + Span::days(1085)),
    );
    let dir = tempfile::tempdir().unwrap();
    let service = service(dir.path(), &api.base);
    // Registered normally: the first fetch gave the token.
    let first = reqwest_like_get(&format!("{}/player/{key}/credentials", api.base));
    import(&service, &first).unwrap();
    let before = service.load().unwrap().unwrap();
    assert!(before.has_token);

    // Not yet in the window, and nothing new: 400, the certificate stays.
    let err = service.renew(now(), 3).unwrap_err();
    assert!(matches!(err, CredError::TooEarly), "{err}");
    assert_eq!(service.load().unwrap().unwrap(), before);

    // The owner renews from the web: renew-cert still says 400, the credentials endpoint has it.
    let web = ca.player_valid(&key, t, t + Span::days(1095));
    api.owner_renews(&key, web.clone());
    let after = service.renew(now(), 3).unwrap();
    assert_eq!(after.not_after, web.not_after.unix_timestamp());
    let (_, secrets) = service.secrets().unwrap();
    assert_eq!(
        secrets.api_token.map(|s| s.expose().to_owned()),
        api.token(&key),
        "the token survives: the endpoint's api_token is null now"
    );
    assert_eq!(api.count("/token/rotate"), 0);
}

/// A plain HTTP GET of `url` on 127.0.0.1, as the web would fetch the first set.
fn reqwest_like_get(url: &str) -> String {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    agent
        .get(url)
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap()
}

#[test]
fn a_removed_player_without_a_token_is_told_so_when_it_renews() {
    let (mut ca, api, key) = api_alone();
    let t = OffsetDateTime::now_utc();
    api.add_player(
        &key,
        ca.player_valid(&key, t - Span::days(1094), t + Span::days(1)),
    );
    let dir = tempfile::tempdir().unwrap();
    let service = service(dir.path(), &api.base);
    import(&service, &api.bundle(&key)).unwrap();
    api.remove_player(&key);
    let err = service.renew(now(), 1).unwrap_err().to_string();
    assert!(err.contains("removed from its account"), "{err}");
    assert_eq!(api.count("/renew-cert"), 0);
}

#[test]
fn a_player_whose_certificate_failed_stops_polling_with_its_own_sentence() {
    let (mut ca, api, key) = api_alone();
    api.provision_as(&key, ca.player(&key));
    // The owner entered the code, but the server could not make the certificate.
    api.enter_code_certificate_fails(&key);
    let dir = tempfile::tempdir().unwrap();
    let service = service(dir.path(), &api.base);
    let (done, result) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let outcome = service.register(&AtomicBool::new(false), false, &mut |_| {});
        let _ = done.send(outcome.map(|a| a.shown_key));
    });
    let err = result
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("registration ends instead of polling until the code expires")
        .unwrap_err()
        .to_string();
    assert!(err.contains("could not make its certificate"), "{err}");
    assert!(err.contains("register this computer again"), "{err}");
    assert_eq!(api.count("/credentials"), 1, "no poll after that answer");
}
