//! Renewal that happens, against the rig's broker and its Makapix API (which
//! keeps the server's 10 renewals a day per player): a player started with a
//! due certificate renews at once, with no import in that run; after a sleep
//! (the wall clock jumps ahead); at the planned minute of a running session;
//! an expired certificate renews before the session connects; the broker's
//! refusals get one renewal before the player is given up as removed; the
//! command line's import renews a due or expired set; failures back off under
//! the limit.
//! Time moves by an offset on the runtime's wall clock, never by sleeping.

use super::{api_alone, pump, runtime};
use crate::support::rig;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use makapix_player::bridge::RuntimeEvent;
use makapix_player::bridge::channel::{EventSink, WindowEnd, pair};
use makapix_player::bridge::connection::{ConnectionEvent, ConnectionState};
use makapix_player::bridge::credentials::{CredentialsAction, CredentialsEvent};
use makapix_player::credentials::bundle::Input;
use makapix_player::credentials::keyring_store::KeyringStore;
use makapix_player::credentials::server::Overrides;
use makapix_player::credentials::service::{Service, unix_now};
use makapix_player::net::connection_handle::ConnectionHandle;
use makapix_player::net::credentials_task::{CredentialsTask, RenewalClock};
use rig::api::MakapixApi;
use rig::certs::Identity;
use time::{Duration as Span, OffsetDateTime};

const DAY: i64 = 86_400;

fn service(dir: &std::path::Path, api: &str) -> Service {
    let store = KeyringStore::with_store(keyring_core::mock::Store::new().unwrap(), "test");
    let overrides = Overrides {
        api: Some(api.to_owned()),
        ..Overrides::default()
    };
    Service::new(Ok(store), Some(dir.join("player.json")), overrides)
}

/// The runtime's wall clock, `offset` seconds ahead of the real one; a short tick.
struct Clock {
    offset: Arc<AtomicI64>,
    ticks: Arc<AtomicU64>,
}

impl Clock {
    fn new() -> (Clock, RenewalClock) {
        let offset = Arc::new(AtomicI64::new(0));
        let ticks = Arc::new(AtomicU64::new(0));
        let read = Arc::clone(&offset);
        let clock = RenewalClock {
            wall: Arc::new(move || unix_now() + read.load(Ordering::SeqCst)),
            tick: Duration::from_millis(40),
            ticks: Arc::clone(&ticks),
        };
        (Clock { offset, ticks }, clock)
    }

    /// Moves the wall clock to `offset` seconds ahead and waits until the
    /// renewal loop has read it and finished what it did about it.
    async fn jump_to(&self, offset: i64) {
        self.offset.store(offset, Ordering::SeqCst);
        let seen = self.ticks.load(Ordering::SeqCst) + 3;
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.ticks.load(Ordering::SeqCst) < seen {
            assert!(
                Instant::now() < deadline,
                "the renewal loop stopped ticking"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// The credentials task and the MQTT session on one runtime, linked as in the app.
fn linked(
    service: Service,
    sink: &EventSink,
    clock: RenewalClock,
) -> (CredentialsTask, Arc<ConnectionHandle>) {
    makapix_player::net::tls::install_crypto_provider();
    let mut task = CredentialsTask::with_service(sink.clone(), service);
    task.set_renewal_clock(clock);
    let connection = Arc::new(ConnectionHandle::start(
        sink.observed(task.session_observer()),
    ));
    let link = Arc::clone(&connection);
    task.link_session(Arc::new(move |action| link.handle(action)));
    (task, connection)
}

fn renewed(e: &RuntimeEvent) -> bool {
    matches!(e, RuntimeEvent::Credentials(CredentialsEvent::Done(t)) if t.starts_with("Certificate renewed automatically"))
}

fn state(e: &RuntimeEvent, wanted: ConnectionState) -> bool {
    matches!(e, RuntimeEvent::Connection(ConnectionEvent::State(s)) if *s == wanted)
}

fn planned(e: &RuntimeEvent) -> Option<Option<i64>> {
    match e {
        RuntimeEvent::Credentials(CredentialsEvent::RenewalPlanned(at)) => Some(*at),
        _ => None,
    }
}

/// A player the API knows holding `current` (renewed to `next`), stored as
/// the web's bundle imported at `imported` with jitter `random`, before this run.
struct Stored {
    broker: rig::broker::Broker,
    api: MakapixApi,
    dir: tempfile::TempDir,
    /// Over a mock keyring of its own: the one the task is started with.
    service: std::cell::Cell<Option<Service>>,
    key: String,
    old: Identity,
    next: Identity,
}

/// `renews`: the API renews it (else every renewal fails with a 500).
fn stored(
    current: impl FnOnce(&mut rig::certs::Ca, &str) -> Identity,
    random: u64,
    renews: bool,
) -> Stored {
    stored_with_token(current, random, renews, None)
}

/// `stored`, the bundle imported with `token` (the web's bundle has none).
fn stored_with_token(
    current: impl FnOnce(&mut rig::certs::Ca, &str) -> Identity,
    random: u64,
    renews: bool,
    token: Option<String>,
) -> Stored {
    let mut broker = rig::broker::Broker::start();
    let api = MakapixApi::start(&broker.ca.pem, broker.tls_port);
    let key = rig::certs::player_key();
    let t = OffsetDateTime::now_utc();
    let old = current(&mut broker.ca, &key);
    let next = broker.ca.player_valid(&key, t, t + Span::days(1095));
    api.add_player(&key, old.clone());
    if renews {
        api.next_certificate(&key, next.clone());
    }
    let dir = tempfile::tempdir().unwrap();
    let mut bundle: serde_json::Value = serde_json::from_str(&api.bundle(&key)).unwrap();
    bundle["api_token"] = token.into();
    let bundle = bundle.to_string();
    let input = Input {
        name: "player-certificates.json",
        bytes: bundle.as_bytes(),
    };
    // Imported while it was still valid: a player stored long ago (an expired
    // bundle imported today renews at once, `field.rs`).
    let imported = unix_now().min(old.not_after.unix_timestamp() - DAY);
    let service = service(dir.path(), &api.base);
    service
        .import(&[input], imported, random)
        .expect("the bundle imports");
    Stored {
        broker,
        api,
        dir,
        service: std::cell::Cell::new(Some(service)),
        key,
        old,
        next,
    }
}

/// Runs `body` with the task started on the stored set (a `Load`, as at start-up).
fn run<F: std::future::Future<Output = Vec<RuntimeEvent>>>(
    s: &Stored,
    body: impl FnOnce(WindowEnd, CredentialsTask, Arc<ConnectionHandle>, Clock) -> F,
) -> Vec<RuntimeEvent> {
    let (window, runtime_end) = pair(Arc::new(|| {}));
    let rt = runtime();
    rt.block_on(async {
        let (clock, renewal_clock) = Clock::new();
        let service = s.service.take().expect("one run per stored set");
        let (mut task, connection) = linked(service, &runtime_end.sink, renewal_clock);
        task.handle(CredentialsAction::Load);
        let events = body(window, task, Arc::clone(&connection), clock).await;
        connection.shutdown().await;
        events
    })
}

fn issued_long_ago(days_left: i64) -> impl FnOnce(&mut rig::certs::Ca, &str) -> Identity {
    move |ca, key| {
        let t = OffsetDateTime::now_utc();
        ca.player_valid(
            key,
            t - Span::days(1095 - days_left),
            t + Span::days(days_left),
        )
    }
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn a_player_started_with_a_due_certificate_renews_within_a_minute() {
    // 10 days left: due since day 90 before expiry (jitter 0).
    let s = stored(issued_long_ago(10), 0, true);
    let started = Instant::now();
    let events = run(&s, |window, _task, _c, _clock| async move {
        let mut events = Vec::new();
        pump(&window, &mut events, "the renewal", renewed).await;
        pump(&window, &mut events, "connected with the new set", |e| {
            state(e, ConnectionState::Connected)
        })
        .await;
        events
    });
    assert!(started.elapsed() < Duration::from_secs(60));
    assert_eq!(s.api.count("/renew-cert"), 1, "{:?}", s.api.log());
    let plan = events.iter().rev().find_map(planned).flatten();
    let next_renewal = s.next.not_after.unix_timestamp() - 90 * DAY;
    assert!(
        plan.is_some_and(|at| at >= next_renewal),
        "the next renewal is planned for the new certificate: {plan:?}"
    );
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn a_player_stored_before_renewal_times_were_kept_renews_at_start_inside_the_window() {
    let s = stored(issued_long_ago(10), 0, true);
    // player.json as an earlier version wrote it: no planned renewal time.
    let facts = s.dir.path().join("player.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&facts).unwrap()).unwrap();
    json["active"]
        .as_object_mut()
        .unwrap()
        .remove("renew_at")
        .expect("a planned time was kept");
    std::fs::write(&facts, json.to_string()).unwrap();
    run(&s, |window, _task, _c, _clock| async move {
        let mut events = Vec::new();
        pump(&window, &mut events, "the renewal", renewed).await;
        events
    });
    assert_eq!(s.api.count("/renew-cert"), 1);
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn a_player_that_slept_past_its_renewal_time_renews_on_waking() {
    // 80 days left, inside the server's window; this player's jitter plans it a day from now.
    let random = (11 * DAY) as u64;
    let s = stored(issued_long_ago(80), random, true);
    let api = &s.api;
    let events = run(&s, |window, _task, _c, clock| async move {
        let mut events = Vec::new();
        pump(&window, &mut events, "connected", |e| {
            state(e, ConnectionState::Connected)
        })
        .await;
        assert!(events.iter().any(|e| planned(e).is_some()), "{events:?}");
        clock.jump_to(60).await;
        assert_eq!(api.count("/renew-cert"), 0, "not due before the sleep");
        // The lid closes for two days: the wall clock runs on, the monotonic one does not.
        clock.jump_to(2 * DAY).await;
        pump(&window, &mut events, "the renewal on waking", renewed).await;
        events
    });
    let plan = events.iter().filter_map(planned).find_map(|p| p);
    let tomorrow = unix_now() + DAY;
    assert!(
        plan.is_some_and(|at| (at - tomorrow).abs() < 3600),
        "the Player pane is told: tomorrow ({plan:?})"
    );
    assert_eq!(s.api.count("/renew-cert"), 1);
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn a_session_up_when_the_computer_slept_starts_again_on_waking() {
    // Far from due: waking renews nothing. But the broker dropped the silent
    // client long ago, and keep-alive would take up to two minutes to notice.
    let s = stored(issued_long_ago(300), 0, true);
    let events = run(&s, |window, _task, _c, clock| async move {
        let mut events = Vec::new();
        pump(&window, &mut events, "connected", |e| {
            state(e, ConnectionState::Connected)
        })
        .await;
        clock.jump_to(2 * 3600).await;
        pump(&window, &mut events, "a new session on waking", |e| {
            state(e, ConnectionState::Reconnecting)
        })
        .await;
        pump(&window, &mut events, "connected again", |e| {
            state(e, ConnectionState::Connected)
        })
        .await;
        events
    });
    assert_eq!(s.api.count("/renew-cert"), 0, "{:?}", s.api.log());
    let shown: Vec<_> = events.iter().filter(|e| renewed(e)).collect();
    assert!(shown.is_empty(), "{shown:?}");
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn a_renewal_due_at_minute_3_of_a_10_minute_session_happens_at_minute_3_or_4() {
    // A short certificate (issued an hour ago, 10 days long): renewal planned 3 minutes from now.
    let issued = OffsetDateTime::now_utc() - Span::hours(1);
    let random = (Span::minutes(63).whole_seconds() + 1) as u64;
    let s = stored(
        move |ca, key| ca.player_valid(key, issued, issued + Span::days(10)),
        random,
        true,
    );
    let renewed_at = run(&s, |window, _task, _c, clock| async move {
        let mut events = Vec::new();
        pump(&window, &mut events, "connected", |e| {
            state(e, ConnectionState::Connected)
        })
        .await;
        for minute in 1..=10 {
            clock.jump_to(minute * 60).await;
            while let Some(e) = window.try_recv() {
                if renewed(&e) {
                    return vec![RuntimeEvent::Credentials(CredentialsEvent::Done(
                        minute.to_string(),
                    ))];
                }
            }
        }
        Vec::new()
    });
    let minute = match renewed_at.first() {
        Some(RuntimeEvent::Credentials(CredentialsEvent::Done(m))) => m.parse::<i64>().unwrap(),
        _ => panic!("no renewal in 10 minutes: {:?}", s.api.log()),
    };
    assert!((3..=4).contains(&minute), "renewed at minute {minute}");
    assert_eq!(s.api.count("/renew-cert"), 1);
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn an_expired_certificate_renews_before_the_session_connects() {
    let s = stored(
        |ca, key| {
            let t = OffsetDateTime::now_utc();
            ca.player_valid(key, t - Span::days(1095), t - Span::hours(2))
        },
        0,
        true,
    );
    let events = run(&s, |window, _task, _c, _clock| async move {
        let mut events = Vec::new();
        pump(&window, &mut events, "connected", |e| {
            state(e, ConnectionState::Connected)
        })
        .await;
        events
    });
    // The session's first attempt is made with the renewed certificate.
    let first_shown = events.iter().find_map(|e| match e {
        RuntimeEvent::Credentials(CredentialsEvent::Registered(p)) => Some(p.not_after),
        _ => None,
    });
    let shown_at = events.iter().position(|e| {
        matches!(
            e,
            RuntimeEvent::Credentials(CredentialsEvent::Registered(_))
        )
    });
    let first_attempt = events
        .iter()
        .position(|e| state(e, ConnectionState::Connecting));
    assert_eq!(
        first_shown,
        Some(s.next.not_after.unix_timestamp()),
        "{events:?}"
    );
    assert!(
        matches!((shown_at, first_attempt), (Some(r), Some(c)) if r < c),
        "renewed, then connected: {events:?}"
    );
    assert!(events.iter().any(renewed));
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn refusals_at_the_broker_get_one_renewal_before_the_player_is_given_up() {
    // 80 days left, not due for this player yet (jitter near the end of the window).
    let random = (59 * DAY) as u64;
    let mut s = stored(issued_long_ago(80), random, true);
    // The broker refuses it (revoked, as when it was replaced elsewhere).
    s.broker.ca.revoke(&s.old);
    s.broker.write_crl();
    s.broker.restart();
    let events = run(&s, |window, _task, _c, _clock| async move {
        let mut events = Vec::new();
        pump(&window, &mut events, "given up", |e| {
            state(e, ConnectionState::Removed)
        })
        .await;
        pump(&window, &mut events, "the renewal", renewed).await;
        pump(&window, &mut events, "connected with the new set", |e| {
            state(e, ConnectionState::Connected)
        })
        .await;
        events
    });
    assert_eq!(s.api.count("/renew-cert"), 1, "{events:?}");
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn a_banned_owners_due_certificate_says_so_and_rotates_no_token() {
    // Due at start-up, and the owner is banned: `renew-cert` answers 401
    // "Account banned" whatever the token.
    let s = stored(issued_long_ago(10), 0, true);
    s.api.ban_owner(&s.key, None);
    let events = run(&s, |window, _task, _c, _clock| async move {
        let mut events = Vec::new();
        pump(&window, &mut events, "the failed renewal", |e| {
            matches!(e, RuntimeEvent::Credentials(CredentialsEvent::Failed(t)) if t.starts_with("Automatic renewal failed"))
        })
        .await;
        events
    });
    let Some(RuntimeEvent::Credentials(CredentialsEvent::Failed(said))) = events.last() else {
        unreachable!("pump stops at the failure");
    };
    assert!(said.contains("banned"), "it says why: {said}");
    assert!(!said.contains("new token"), "{said}");
    // The web's bundle holds no token: one rotation gets it. None more: a new
    // token cannot lift a ban, and each rotation spends the server's limits.
    assert_eq!(s.api.count("/token/rotate"), 1, "{:?}", s.api.log());
    assert_eq!(s.api.count("/renew-cert"), 1, "{:?}", s.api.log());
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn a_stale_token_answered_429_for_failed_logins_is_rotated_and_renews() {
    // A token the server no longer takes (made again on the web), behind an
    // address past 60 failed checks this hour: `renew-cert` answers 429.
    let stale = crate::support::minted_token();
    let s = stored_with_token(issued_long_ago(10), 0, true, Some(stale));
    s.api
        .failed_authentications(rig::api::FAILED_AUTHS_PER_HOUR);
    run(&s, |window, _task, _c, _clock| async move {
        let mut events = Vec::new();
        pump(&window, &mut events, "the renewal", renewed).await;
        events
    });
    assert_eq!(s.api.count("/token/rotate"), 1, "{:?}", s.api.log());
    assert_eq!(s.api.count("/renew-cert"), 2, "{:?}", s.api.log());
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn repeated_failures_back_off_and_stay_under_the_servers_limit() {
    // The server fails every renewal (it has no next certificate: a 500).
    let s = stored(issued_long_ago(10), 0, false);
    let api = &s.api;
    let calls = run(&s, |window, _task, _c, clock| async move {
        let mut events = Vec::new();
        pump(&window, &mut events, "the first failure", |e| {
            matches!(e, RuntimeEvent::Credentials(CredentialsEvent::Failed(t)) if t.starts_with("Automatic renewal failed"))
        })
        .await;
        let mut calls = Vec::new();
        // 30 hours of a running player, an hour at a time (each jump also looks like a wake).
        for hour in 1..=30 {
            clock.jump_to(hour * 3600).await;
            calls.push(api.count("/renew-cert"));
            while window.try_recv().is_some() {}
        }
        vec![RuntimeEvent::Credentials(CredentialsEvent::Done(format!(
            "{calls:?}"
        )))]
    });
    let calls: Vec<usize> = match calls.first() {
        Some(RuntimeEvent::Credentials(CredentialsEvent::Done(c))) => {
            serde_json::from_str(c).unwrap()
        }
        _ => unreachable!(),
    };
    assert!(
        calls[1] >= 2 && calls[5] > calls[1],
        "it retries: {calls:?}"
    );
    assert!(calls[22] <= 6, "at most 6 in the first day: {calls:?}");
    assert!(calls[29] <= 9, "{calls:?}");
    assert_eq!(
        s.api.renewals_refused(),
        0,
        "never past the server's 10 a day"
    );
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn the_command_lines_import_of_a_due_set_renews_at_once() {
    use makapix_player::program::cli::{Command, run_with};
    let mut broker = rig::broker::Broker::start();
    let api = MakapixApi::start(&broker.ca.pem, broker.tls_port);
    let key = rig::certs::player_key();
    let t = OffsetDateTime::now_utc();
    let old = broker
        .ca
        .player_valid(&key, t - Span::days(1085), t + Span::days(10));
    let next = broker.ca.player_valid(&key, t, t + Span::days(1095));
    api.add_player(&key, old);
    api.next_certificate(&key, next.clone());
    let dir = tempfile::tempdir().unwrap();
    let (service, bundle) = imported_from_the_command_line(&api, &key, dir.path());
    assert_eq!(api.count("/renew-cert"), 1, "{:?}", api.log());
    let active = service.load().unwrap().unwrap();
    assert_eq!(active.not_after, next.not_after.unix_timestamp());
    assert!(
        active.has_token,
        "the token fetched for the renewal is kept"
    );

    // A set that is not due is imported as it is.
    let fresh = broker.ca.player_valid(&key, t, t + Span::days(1095));
    api.owner_renews(&key, fresh.clone());
    std::fs::write(&bundle, api.bundle(&key)).unwrap();
    let import = Command::Import {
        files: vec![bundle],
    };
    run_with(&service, &import, unix_now()).expect("the import");
    assert_eq!(api.count("/renew-cert"), 1);
    let active = service.load().unwrap().unwrap();
    assert_eq!(active.not_after, fresh.not_after.unix_timestamp());
}

#[test]
fn the_command_lines_import_of_an_expired_bundle_renews_it() {
    let (mut ca, api, key) = api_alone();
    let t = OffsetDateTime::now_utc();
    let old = ca.player_valid(&key, t - Span::days(1200), t - Span::days(105));
    api.add_player(&key, old);
    let next = ca.player_valid(&key, t, t + Span::days(1095));
    api.next_certificate(&key, next.clone());
    let dir = tempfile::tempdir().unwrap();
    let (service, _) = imported_from_the_command_line(&api, &key, dir.path());
    assert_eq!(api.count("/renew-cert"), 1, "{:?}", api.log());
    let active = service.load().unwrap().unwrap();
    assert_eq!(active.not_after, next.not_after.unix_timestamp());
}

/// `makapix-player import` of the bundle the web offers for `key`, saved in
/// `dir` as a browser would: the service it went into, and the bundle's path.
fn imported_from_the_command_line(
    api: &MakapixApi,
    key: &str,
    dir: &std::path::Path,
) -> (Service, std::path::PathBuf) {
    use makapix_player::program::cli::{Command, run_with};
    let bundle = dir.join("player-certificates.json");
    std::fs::write(&bundle, api.bundle(key)).unwrap();
    let service = service(dir, &api.base);
    let import = Command::Import {
        files: vec![bundle.clone()],
    };
    run_with(&service, &import, unix_now()).expect("the import");
    (service, bundle)
}
