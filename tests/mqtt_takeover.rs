//! Two programs with one player identity (two computers importing the same
//! bundle, or a copied config): the broker closes the older session each time
//! the other connects (with MQTT 5 reason 0x8E, or, as the rig's mosquitto
//! 2.0.11 does, without a word). Each side then waits long
//! instead of knocking the other off every second, and says why.
//!
//! The production rule is 60 s of uptime before the back-off resets and 5 to
//! 10 minutes after a takeover; here every timing is a tenth of it (6 s of
//! test stand for the 60 s), the rule is the same.

#[path = "support/rig/mod.rs"]
mod rig;

use std::time::{Duration, Instant};

use makapix_player::bridge::connection::{ConnectionState, FailureKind, Tuning};
use rig::broker::Broker;
use rig::certs::player_key;
use rig::player::{Player, config};

fn tenth_of_production() -> Tuning {
    let production = Tuning::default();
    Tuning {
        backoff_start: production.backoff_start / 10,
        backoff_max: production.backoff_max / 10,
        stable_after: production.stable_after / 10,
        takeover_wait: production.takeover_wait / 10,
        ..rig::player::fast_tuning()
    }
}

#[test]
fn two_clients_with_one_identity_for_60_s_make_at_most_8_connects_each() {
    let mut broker = Broker::start();
    let key = player_key();
    let me = broker.ca.player(&key);
    let mut cfg = config(&broker, &key, &me, &broker.ca.pem);
    cfg.tuning = tenth_of_production();
    let window = cfg.tuning.stable_after;

    let mut a = Player::start();
    a.connect(cfg.clone());
    a.wait_state(ConnectionState::Connected, Duration::from_secs(10));
    let started = Instant::now();
    let mut b = Player::start();
    b.connect(cfg);
    b.wait_state(ConnectionState::Connected, Duration::from_secs(10));

    while started.elapsed() < window {
        a.idle(Duration::from_millis(50));
        b.idle(Duration::from_millis(50));
    }
    let (tries_a, tries_b) = (a.attempts().len(), b.attempts().len());
    assert!(
        tries_a <= 8 && tries_b <= 8,
        "connects in the test's minute: {tries_a} and {tries_b}"
    );
    // The first client was pushed out and says so, in words about the identity.
    let failure = a
        .last_failure()
        .expect("the broker closed the first session");
    assert_eq!(failure.kind, FailureKind::TakenOver, "{}", failure.message);
    assert!(
        failure.message.contains("Another device or program")
            && failure.message.contains("this player's identity"),
        "{}",
        failure.message
    );
    a.shutdown();
    b.shutdown();
}

/// The broker killed and restarted three times, each time soon after the
/// player connected (the soak of issue 15 restarts it every 30 s): the sessions
/// end abruptly, without the TLS close a takeover ends with, so the player
/// reconnects each time and never says another client holds its identity.
#[test]
fn a_broker_restarted_again_and_again_is_not_taken_for_another_client() {
    let mut broker = Broker::start();
    let key = player_key();
    let me = broker.ca.player(&key);
    let mut cfg = config(&broker, &key, &me, &broker.ca.pem);
    cfg.tuning = Tuning {
        // Long enough that a takeover's wait would miss every deadline below.
        takeover_wait: Duration::from_secs(120),
        ..tenth_of_production()
    };
    let mut p = Player::start();
    p.connect(cfg);
    p.wait_state(ConnectionState::Connected, Duration::from_secs(10));
    for _ in 0..3 {
        p.idle(Duration::from_millis(500));
        broker.restart();
        p.wait_state(ConnectionState::Connected, Duration::from_secs(15));
    }
    let notes = p.log_lines();
    assert!(!notes.iter().any(|l| l.contains("identity")), "{notes:#?}");
    assert_ne!(
        p.last_failure().map(|f| f.kind),
        Some(FailureKind::TakenOver)
    );
    p.shutdown();
}
