//! A player removed from its Makapix account: the server does not cut the
//! live session, but its requests fail with `authentication_failed`, and after
//! a reconnect the broker refuses the revoked certificate. Both end in one
//! Removed state that stops knocking until new credentials or "Reconnect now".

use crate::support::rig;

use std::time::{Duration, Instant};

use makapix_player::bridge::connection::{
    ConnectionAction, ConnectionEvent, ConnectionState, FailureKind, Verdict,
};
use makapix_player::protocol::request::RequestBody;
use makapix_player::protocol::response::ErrorCode;
use makapix_player::protocol::view::ViewEvent;
use rig::broker::Broker;
use rig::certs::player_key;
use rig::player::{Player, config};
use rig::server::TestServer;

const SOON: Duration = Duration::from_secs(10);

fn attempts_since(player: &Player, since: Instant) -> usize {
    player.attempts().iter().filter(|t| **t >= since).count()
}

/// A view of post `post_id`, as the window makes one.
fn view(post_id: i64) -> ViewEvent {
    serde_json::from_value(serde_json::json!({"post_id": post_id,
        "timestamp": "2026-01-01T00:00:00Z", "timezone": "", "intent": "channel",
        "play_order": 0, "channel": "all"}))
    .unwrap()
}

/// A player of `key` connected to `broker` that checks a refusal again every
/// second (an hour in production).
fn rechecking_player(broker: &mut Broker, key: &str) -> Player {
    let me = broker.ca.player(key);
    let mut player = Player::start();
    let mut cfg = config(broker, key, &me, &broker.ca.pem);
    cfg.tuning.recheck_after = Duration::from_secs(1);
    player.connect(cfg);
    player.wait_state(ConnectionState::Connected, SOON);
    player
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn an_authentication_failed_answer_ends_in_removed_and_stops_knocking() {
    let mut broker = Broker::start();
    let server = TestServer::start(&broker);
    let key = player_key();
    let me = broker.ca.player(&key);
    let mut player = Player::start();
    player.connect(config(&broker, &key, &me, &broker.ca.pem));
    player.wait_state(ConnectionState::Connected, SOON);

    server.remove_player(&key);
    player.send(ConnectionAction::Request {
        tag: 1,
        body: Box::new(RequestBody::Echo {
            echo_data: "still there?".into(),
        }),
    });
    let answer = player.wait("the answer", SOON, |e| match e {
        ConnectionEvent::Answered { tag: 1, result } => Some(result.clone()),
        _ => None,
    });
    assert!(
        answer.is_err_and(|f| f.is(&ErrorCode::AuthenticationFailed)),
        "the request learns why"
    );
    player.wait_state(ConnectionState::Removed, SOON);
    let removed_at = Instant::now();
    let failure = player.last_failure().expect("a sentence");
    assert_eq!(failure.kind, FailureKind::Revoked);
    assert!(
        failure.message.contains("removed from its Makapix account"),
        "{}",
        failure.message
    );
    // It said goodbye, and knocks no more.
    server.wait_published("status", SOON, |r| {
        r.json()["status"] == "offline" && r.json()["player_key"] == key.as_str()
    });
    player.idle(Duration::from_secs(3));
    assert_eq!(attempts_since(&player, removed_at), 0);
    assert!(player.states().ends_with(&[ConnectionState::Removed]));

    // "Reconnect now" is the user's explicit wish: one more try, which asks the
    // server whether it still refuses the player before showing it connected.
    let asked_at = Instant::now();
    player.send(ConnectionAction::ReconnectNow);
    server.wait_published("", SOON, |r| {
        r.topic.contains(&format!("{key}/request/"))
            && r.json()["echo_data"] == "makapix-player standing check"
    });
    player.wait_note("removed from its Makapix account", SOON);
    assert_eq!(attempts_since(&player, asked_at), 1);
    assert!(
        !player
            .states()
            .iter()
            .skip_while(|s| **s != ConnectionState::Removed)
            .any(|s| *s == ConnectionState::Connected),
        "never shown connected while refused: {:?}",
        player.states()
    );
    assert_eq!(player.states().last(), Some(&ConnectionState::Removed));
    player.shutdown();
    broker.stop();
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn a_revoked_certificate_ends_in_removed_after_a_few_attempts() {
    let mut broker = Broker::start();
    let _server = TestServer::start(&broker);
    let key = player_key();
    let me = broker.ca.player(&key);
    let mut player = Player::start();
    let mut cfg = config(&broker, &key, &me, &broker.ca.pem);
    // Production's back-off (1 s doubling), to count attempts as the field would see them.
    cfg.tuning.backoff_start = Duration::from_secs(1);
    cfg.tuning.backoff_max = Duration::from_secs(300);
    player.connect(cfg);
    player.wait_state(ConnectionState::Connected, SOON);

    // The owner removes the player: its certificate goes on the revocation list.
    broker.ca.revoke(&me);
    broker.write_crl();
    let cut = Instant::now();
    broker.restart();
    player.wait_state(ConnectionState::Removed, Duration::from_secs(20));
    let decided = cut.elapsed();
    let failure = player.last_failure().expect("a sentence");
    assert_eq!(failure.kind, FailureKind::Revoked, "{}", failure.message);
    let tries = attempts_since(&player, cut);
    assert!(
        (3..=4).contains(&tries),
        "{tries} attempts before deciding (one may meet the restarting broker)"
    );
    assert!(
        decided < Duration::from_secs(15),
        "decided in {decided:?}: a few attempts, not a minute of them"
    );
    let removed_at = Instant::now();
    player.idle(Duration::from_secs(4));
    assert_eq!(attempts_since(&player, removed_at), 0, "no more knocking");
    assert!(
        !player
            .states()
            .iter()
            .skip_while(|s| **s != ConnectionState::Removed)
            .any(|s| *s == ConnectionState::Connected)
    );

    // New credentials (a fresh certificate) connect at once.
    let fresh = broker.ca.player(&key);
    player.connect(config(&broker, &key, &fresh, &broker.ca.pem));
    player.wait_state(ConnectionState::Connected, SOON);
    player.shutdown();
    broker.stop();
}

/// Removal leaves the MQTT session up and the player may send nothing but
/// views: the server's `player_not_registered` answer to a view is then the
/// only sign, and it ends in the same Removed state.
#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn a_view_answered_player_not_registered_ends_in_removed() {
    let mut broker = Broker::start();
    let server = TestServer::start(&broker);
    let key = player_key();
    let me = broker.ca.player(&key);
    let mut player = Player::start();
    player.connect(config(&broker, &key, &me, &broker.ca.pem));
    player.wait_state(ConnectionState::Connected, SOON);

    server.remove_player(&key);
    for post in [7, 8] {
        player.send(ConnectionAction::View(view(post)));
    }
    // The view behind it will never be accepted either: dropped, and said so.
    player.wait_note("1 waiting view(s) of this player dropped", SOON);
    player.wait_state(ConnectionState::Removed, SOON);
    let removed_at = Instant::now();
    assert_eq!(
        server.views_seen().last().and_then(|v| v.answer.clone()),
        Some("player_not_registered".into())
    );
    let failure = player.last_failure().expect("a sentence");
    assert_eq!(failure.kind, FailureKind::Revoked);
    assert!(
        failure.message.contains("removed from its Makapix account"),
        "{}",
        failure.message
    );
    player.idle(Duration::from_secs(2));
    assert_eq!(attempts_since(&player, removed_at), 0, "no more knocking");
    player.shutdown();
    broker.stop();
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn a_temporary_ban_ends_in_removed_then_the_player_is_back_when_it_ends() {
    let mut broker = Broker::start();
    let server = TestServer::start(&broker);
    let key = player_key();
    let mut player = rechecking_player(&mut broker, &key);

    // The owner is banned for a few seconds (`banned_until`): over MQTT the
    // server answers `authentication_failed`, as for a removed player.
    let ban = Duration::from_secs(3);
    server.ban_owner(&key, ban);
    let banned_at = Instant::now();
    player.send(ConnectionAction::Request {
        tag: 1,
        body: Box::new(RequestBody::Echo {
            echo_data: "still there?".into(),
        }),
    });
    player.wait_state(ConnectionState::Removed, SOON);
    let failure = player.last_failure().expect("a sentence");
    assert!(
        failure.message.contains("checks again every 1 s"),
        "it says it will check again: {}",
        failure.message
    );

    // Not latched for ever: once the ban is over, a recheck connects and stays.
    player.wait_state(ConnectionState::Connected, ban + SOON);
    let back = banned_at.elapsed();
    assert!(back >= ban, "back after {back:?}, before the ban ended");
    player.send(ConnectionAction::Request {
        tag: 2,
        body: Box::new(RequestBody::Echo {
            echo_data: "back".into(),
        }),
    });
    let answer = player.wait("the answer", SOON, |e| match e {
        ConnectionEvent::Answered { tag: 2, result } => Some(result.clone()),
        _ => None,
    });
    assert!(answer.is_ok(), "{answer:?}");
    let tries = attempts_since(&player, banned_at);
    assert!(
        tries <= 6,
        "{tries} attempts in {back:?}: one per recheck, not a busy loop"
    );
    assert_eq!(player.states().last(), Some(&ConnectionState::Connected));
    player.shutdown();
    broker.stop();
}

/// A banned owner's player that asks nothing (a long dwell, local art) hears
/// of the ban only from its views' answers: `owner_not_permitted`. The view
/// is kept, the window says banned (not removed) even when the recheck's
/// `authentication_failed` cannot tell the two apart, and once the ban ends
/// the view is delivered.
#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn a_banned_owners_view_is_kept_and_the_player_says_banned_until_it_ends() {
    let mut broker = Broker::start();
    let server = TestServer::start(&broker);
    let key = player_key();
    let mut player = rechecking_player(&mut broker, &key);

    // Long enough for two rechecks on a loaded machine.
    let ban = Duration::from_secs(15);
    server.ban_owner(&key, ban);
    let banned_at = Instant::now();
    player.send(ConnectionAction::View(view(7)));
    player.wait_state(ConnectionState::Banned, SOON);
    let failure = player.last_failure().expect("a sentence");
    assert_eq!(failure.kind, FailureKind::Banned, "{}", failure.message);

    // Rechecks where only the echo's `authentication_failed` answers.
    server.view_rules(|r| r.mute = true);
    let shown_at = Instant::now();
    while attempts_since(&player, shown_at) < 2 {
        assert!(shown_at.elapsed() < SOON, "no recheck");
        player.idle(Duration::from_millis(50));
    }
    player.idle(Duration::from_millis(500));
    assert!(banned_at.elapsed() < ban, "the rechecks came after the ban");
    server.view_rules(|r| r.mute = false);
    player.wait_state(ConnectionState::Connected, ban + SOON);
    assert!(banned_at.elapsed() >= ban, "back before the ban ended");
    assert!(
        !player.states().contains(&ConnectionState::Removed),
        "never shown as removed: {:?}",
        player.states()
    );
    let deadline = Instant::now() + SOON;
    while server.views_seen().last().and_then(|v| v.answer.clone()) != Some("success".into()) {
        assert!(Instant::now() < deadline, "{:#?}", server.views_seen());
        player.idle(Duration::from_millis(100));
    }
    let answers: Vec<_> = server
        .views_seen()
        .into_iter()
        .map(|v| (v.post_id, v.answer))
        .collect();
    assert_eq!(
        answers.first(),
        Some(&(7, Some("owner_not_permitted".into())))
    );
    assert_eq!(answers.last(), Some(&(7, Some("success".into()))));
    player.shutdown();
    broker.stop();
}

/// `authentication_failed` over MQTT is removal or a ban; the renewal tried
/// then asks the HTTPS API, whose answer says which: the window shows it,
/// and a deletion for sure stops the rechecks.
#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn what_a_renewal_hears_tells_a_ban_from_a_removal() {
    let mut broker = Broker::start();
    let server = TestServer::start(&broker);
    let key = player_key();
    let mut player = rechecking_player(&mut broker, &key);
    // Ignored while the player is not refused.
    player.send(ConnectionAction::Standing(Verdict::PlayerDeleted));
    server.ban_owner(&key, Duration::from_secs(3600));
    player.send(ConnectionAction::Request {
        tag: 1,
        body: Box::new(RequestBody::Echo {
            echo_data: "still there?".into(),
        }),
    });
    player.wait_state(ConnectionState::Removed, SOON);

    player.send(ConnectionAction::Standing(Verdict::OwnerBanned));
    player.wait_state(ConnectionState::Banned, SOON);
    let failure = player.last_failure().expect("a sentence");
    assert_eq!(failure.kind, FailureKind::Banned, "{}", failure.message);

    player.send(ConnectionAction::Standing(Verdict::PlayerDeleted));
    player.wait_state(ConnectionState::Removed, SOON);
    let deleted_at = Instant::now();
    let failure = player.last_failure().expect("a sentence");
    assert!(
        failure.message.contains("does not know this player"),
        "{}",
        failure.message
    );
    player.idle(Duration::from_secs(3));
    assert_eq!(attempts_since(&player, deleted_at), 0, "no more rechecks");
    player.shutdown();
    broker.stop();
}
