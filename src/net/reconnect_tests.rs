//! The back-off across broker restarts and takeovers (issue 27): a broker
//! restarted every 30 s must cost the player seconds, while two programs with
//! one identity still wait long. Times are passed in; production tuning.

use std::time::{Duration, Instant};

use crate::bridge::connection::{FailureKind, Tuning};

use super::{Next, Reconnect};

fn s(secs: u64) -> Duration {
    Duration::from_secs(secs)
}

fn retry(next: Next) -> Duration {
    match next {
        Next::RetryAfter(wait) => wait,
        other => panic!("expected a retry, got {other:?}"),
    }
}

/// The broker of the soak: up 30 s, then gone. The player is up `up_for` of
/// each cycle, sees the session end with `end`, is refused once while the
/// broker starts again, then connects. Returns the longest time a restart
/// kept it waiting (each wait drawn at the top of its bound), of ten.
fn ten_restarts(end: FailureKind, up_for: u64) -> Duration {
    let mut r = Reconnect::new(&Tuning::default());
    let mut now = Instant::now();
    let mut longest = Duration::ZERO;
    for _ in 0..10 {
        r.connected(now);
        now += s(up_for);
        let waited = retry(r.after_failure(end, now, 0.999))
            + retry(r.after_failure(FailureKind::Refused, now, 0.999));
        longest = longest.max(waited);
        now += s(30 - up_for);
    }
    longest
}

#[test]
fn a_broker_killed_every_30_s_costs_under_3_s_a_restart() {
    // Killed (no TLS close): an I/O error, or no ping answer on a cut network.
    for end in [
        FailureKind::Other,
        FailureKind::Timeout,
        FailureKind::Unavailable,
    ] {
        let longest = ten_restarts(end, 28);
        assert!(longest < s(3), "{end:?}: waited up to {longest:?}");
    }
}

#[test]
fn a_broker_stopped_cleanly_every_30_s_costs_seconds_and_is_not_another_client() {
    // mosquitto 2.0.11 stopping closes TLS without a DISCONNECT, as a takeover does.
    let longest = ten_restarts(FailureKind::Closed, 28);
    assert!(longest < s(3), "waited up to {longest:?}");
}

#[test]
fn a_broker_that_drops_every_session_after_a_few_seconds_is_not_hammered() {
    let mut r = Reconnect::new(&Tuning::default());
    let mut now = Instant::now();
    let mut bounds = Vec::new();
    for _ in 0..8 {
        r.connected(now);
        now += s(5);
        let wait = retry(r.after_failure(FailureKind::Other, now, 0.999));
        bounds.push(wait.as_secs_f64().round() as u64);
        now += wait;
    }
    assert_eq!(bounds, [1, 2, 4, 8, 16, 32, 64, 128]);
}

#[test]
fn a_second_clean_close_soon_after_connecting_means_another_client() {
    // The other program's first connect closes a long session (it may as well
    // have been a broker stopping); coming back, this player closes the other
    // one, which is back within its first steps and closes this one again.
    let mut r = Reconnect::new(&Tuning::default());
    let t = Instant::now();
    r.connected(t);
    let first = retry(r.after_failure(FailureKind::Closed, t + s(40), 0.999));
    assert!(
        first < s(1),
        "back at once after the first close: {first:?}"
    );
    r.connected(t + s(41));
    let long = Tuning::default().takeover_wait;
    assert!(matches!(
        r.after_failure(FailureKind::Closed, t + s(43), 0.0),
        Next::IdentityInUse(w) if w >= long
    ));
}

#[test]
fn clean_closes_soon_after_connecting_mean_another_client_from_the_first_session() {
    let mut r = Reconnect::new(&Tuning::default());
    let t = Instant::now();
    r.connected(t);
    retry(r.after_failure(FailureKind::Closed, t + s(3), 0.5));
    r.connected(t + s(4));
    assert!(matches!(
        r.after_failure(FailureKind::Closed, t + s(14), 0.5),
        Next::IdentityInUse(_)
    ));
}

#[test]
fn a_takeover_named_by_the_broker_waits_long_after_a_session_of_any_length() {
    for up in [1, 20, 600] {
        let mut r = Reconnect::new(&Tuning::default());
        let t = Instant::now();
        r.connected(t);
        assert_eq!(
            r.after_failure(FailureKind::TakenOver, t + s(up), 0.0),
            Next::IdentityInUse(Tuning::default().takeover_wait),
            "after {up} s up"
        );
    }
}
