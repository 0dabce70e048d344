//! What the session does after an attempt fails: wait its back-off and try
//! again, or, when the broker keeps refusing this player's certificate
//! (revoked, "not authorized"), decide that the player was removed from its
//! Makapix account and stop knocking.
//!
//! The back-off starts afresh after a session that served a while: up
//! `stable_after` (60 s), whatever ended it, or a quarter of that (15 s) when
//! the broker or the network went away under it (a broker restarted, killed, a
//! network cut), so a broker restart costs the player seconds, not minutes. A
//! broker that accepts and drops at once keeps doubling the wait, so it is
//! never hammered.
//!
//! Another client with this player's identity makes the wait long, so two
//! programs with one identity do not knock each other off every second: the
//! broker says so (MQTT 5 reason 0x8E), or, for brokers that close the older
//! session without a word (mosquitto 2.0.11 sends no DISCONNECT), the session
//! is closed cleanly twice in a row and the second time soon after it opened.
//! A clean close after a session that served a while may be a broker stopping
//! as well as the other client's first connect, so it alone decides nothing;
//! a session that ends abruptly says nothing about another client.
//! Pure: time and the random part of a wait come in as values.

use std::time::{Duration, Instant};

use crate::bridge::connection::{FailureKind, Tuning};

use super::backoff::Backoff;

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Next {
    /// Try again after this wait.
    RetryAfter(Duration),
    /// Another client holds this identity (said by the broker, or seen in
    /// sessions dropped right after they opened): try again after this long wait.
    IdentityInUse(Duration),
    /// The player was removed: no more attempts until new credentials or
    /// "Reconnect now".
    Removed,
}

pub(super) struct Reconnect {
    backoff: Backoff,
    /// Refusals of the certificate in a row.
    refusals: u32,
    refusals_before_removed: u32,
    /// A session up this long earns a fresh back-off, however it ended; a
    /// clean close sooner counts towards another client.
    stable_after: Duration,
    /// A session up this long that the broker or the network lost earns a
    /// fresh back-off too; a clean close sooner is a kick.
    served_after: Duration,
    /// The least wait after another client took the identity.
    takeover_wait: Duration,
    /// When the current session came up, if it did.
    up_since: Option<Instant>,
    /// Clean closes in a row of sessions up less than `stable_after`.
    short_drops: u32,
}

/// Clean closes in a row that mean another client holds the identity (each of
/// its connects closes ours), the last of them soon after the session opened.
const SHORT_DROPS_FOR_TAKEOVER: u32 = 2;

/// `served_after` as a part of `stable_after`: 15 s in production, well under
/// the 30 s between broker restarts of the soak, well over a takeover's kicks
/// (the other client comes back within its first back-off steps, 1 to 2 s).
const SERVED_PART: u32 = 4;

/// How a session ended, as far as the back-off is concerned.
#[derive(Debug, PartialEq)]
enum End {
    /// No session came up: an attempt failed.
    NoSession,
    /// Up long enough that whatever ended it was not this player's doing.
    Stable,
    /// Lost by the broker or the network after serving a while.
    Lost,
    /// Closed cleanly after serving a while: a broker stopping, or another
    /// client's first connect.
    ClosedLate,
    /// Closed cleanly soon after it opened: another client's connect, again.
    Kicked,
    /// Any other end soon after opening (or a takeover the broker named).
    Short,
}

impl Reconnect {
    pub(super) fn new(tuning: &Tuning) -> Self {
        Self {
            backoff: Backoff::new(tuning.backoff_start, tuning.backoff_max),
            refusals: 0,
            refusals_before_removed: tuning.refusals_before_removed.max(1),
            stable_after: tuning.stable_after,
            served_after: tuning.stable_after / SERVED_PART,
            takeover_wait: tuning.takeover_wait,
            up_since: None,
            short_drops: 0,
        }
    }

    /// The session is up (connected and subscribed) at `now`: the certificate
    /// works, but the back-off waits until the session has served a while.
    pub(super) fn connected(&mut self, now: Instant) {
        self.refusals = 0;
        self.up_since = Some(now);
    }

    fn end(&mut self, kind: FailureKind, now: Instant) -> End {
        let Some(since) = self.up_since.take() else {
            return End::NoSession;
        };
        let up = now.saturating_duration_since(since);
        match kind {
            _ if up >= self.stable_after => End::Stable,
            FailureKind::Closed if up >= self.served_after => End::ClosedLate,
            FailureKind::Closed => End::Kicked,
            FailureKind::TakenOver => End::Short,
            _ if up >= self.served_after => End::Lost,
            _ => End::Short,
        }
    }

    /// After a failed attempt (or a lost session) of `kind` at `now`; `jitter`
    /// in `[0, 1)`. One refusal may be a broker's bad moment, so a few (spaced
    /// by the back-off) decide.
    pub(super) fn after_failure(&mut self, kind: FailureKind, now: Instant, jitter: f64) -> Next {
        match self.end(kind, now) {
            End::Stable | End::Lost => {
                self.backoff.reset();
                self.short_drops = 0;
            }
            End::ClosedLate => {
                // Back soon, as after a restart; a quick second close means another client.
                self.backoff.reset();
                self.short_drops = 1;
            }
            End::Kicked => self.short_drops += 1,
            End::NoSession | End::Short => self.short_drops = 0,
        }
        if kind == FailureKind::Revoked {
            self.refusals += 1;
            if self.refusals >= self.refusals_before_removed {
                return Next::Removed;
            }
        } else {
            self.refusals = 0;
        }
        let wait = self.backoff.next_wait(jitter);
        if kind == FailureKind::TakenOver || self.short_drops >= SHORT_DROPS_FOR_TAKEOVER {
            // Between one and two takeover waits, so two clients drift apart.
            let long = self.takeover_wait + self.takeover_wait.mul_f64(jitter.clamp(0.0, 1.0));
            return Next::IdentityInUse(wait.max(long));
        }
        Next::RetryAfter(wait)
    }

    /// The user asked to try again now, or the configuration changed.
    pub(super) fn reset(&mut self) {
        self.backoff.reset();
        self.refusals = 0;
        self.up_since = None;
        self.short_drops = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOP: f64 = 0.999_999;

    fn tuning() -> Tuning {
        Tuning {
            backoff_start: Duration::from_secs(1),
            backoff_max: Duration::from_secs(300),
            ..Tuning::default()
        }
    }

    fn s(secs: u64) -> Duration {
        Duration::from_secs(secs)
    }

    fn wait(next: Next) -> Duration {
        match next {
            Next::RetryAfter(wait) => wait,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn three_refusals_in_a_row_mean_removed_within_seconds() {
        let mut r = Reconnect::new(&tuning());
        let t = Instant::now();
        assert!(wait(r.after_failure(FailureKind::Revoked, t, TOP)) < s(1));
        assert!(wait(r.after_failure(FailureKind::Revoked, t, TOP)) < s(2));
        assert_eq!(r.after_failure(FailureKind::Revoked, t, TOP), Next::Removed);
    }

    #[test]
    fn other_failures_break_the_run_and_keep_backing_off() {
        let mut r = Reconnect::new(&tuning());
        let t = Instant::now();
        r.after_failure(FailureKind::Revoked, t, 0.0);
        r.after_failure(FailureKind::Revoked, t, 0.0);
        assert!(matches!(
            r.after_failure(FailureKind::Timeout, t, 0.0),
            Next::RetryAfter(_)
        ));
        assert!(matches!(
            r.after_failure(FailureKind::Revoked, t, 0.0),
            Next::RetryAfter(_)
        ));
        let last = (0..9)
            .map(|_| r.after_failure(FailureKind::Refused, t, 0.5))
            .last();
        assert_eq!(last, Some(Next::RetryAfter(s(150))));
    }

    #[test]
    fn a_session_lost_before_15_s_keeps_the_back_off_growing_and_60_s_resets_it() {
        let mut r = Reconnect::new(&tuning());
        let t0 = Instant::now();
        for _ in 0..5 {
            r.after_failure(FailureKind::Refused, t0, 0.5);
        }
        // A broker that accepts and drops at once: the bound keeps growing.
        r.connected(t0);
        assert_eq!(
            wait(r.after_failure(FailureKind::Other, t0 + s(14), 0.5)),
            s(16)
        );
        r.connected(t0 + s(60));
        assert_eq!(
            wait(r.after_failure(FailureKind::Closed, t0 + s(120), 0.5)),
            Duration::from_millis(500),
            "a minute up earns the first step again, however it ended"
        );
    }

    #[test]
    fn the_wait_is_drawn_anywhere_between_zero_and_the_bound() {
        let mut r = Reconnect::new(&tuning());
        let t = Instant::now();
        assert_eq!(wait(r.after_failure(FailureKind::Refused, t, 0.0)), s(0));
        assert_eq!(wait(r.after_failure(FailureKind::Refused, t, 0.5)), s(1));
        assert_eq!(wait(r.after_failure(FailureKind::Refused, t, 0.25)), s(1));
    }

    #[test]
    fn a_session_taken_over_waits_long_even_after_a_stable_session() {
        let mut r = Reconnect::new(&tuning());
        let t = Instant::now();
        r.connected(t);
        let long = Tuning::default().takeover_wait;
        let first = r.after_failure(FailureKind::TakenOver, t + s(600), 0.0);
        assert_eq!(first, Next::IdentityInUse(long));
        let jittered = r.after_failure(FailureKind::TakenOver, t + s(600), 0.5);
        assert_eq!(jittered, Next::IdentityInUse(long.mul_f64(1.5)));
    }

    #[test]
    fn sessions_dropped_right_after_opening_twice_in_a_row_mean_the_identity_is_in_use() {
        let mut r = Reconnect::new(&tuning());
        let t = Instant::now();
        r.connected(t);
        assert!(matches!(
            r.after_failure(FailureKind::Closed, t + s(2), 0.5),
            Next::RetryAfter(_)
        ));
        r.connected(t + s(3));
        assert!(matches!(
            r.after_failure(FailureKind::Closed, t + s(4), 0.5),
            Next::IdentityInUse(w) if w >= Tuning::default().takeover_wait
        ));
        // A broker restart (refused while down) or a stable session starts the count again.
        let mut r = Reconnect::new(&tuning());
        r.connected(t);
        r.after_failure(FailureKind::Closed, t + s(2), 0.5);
        r.after_failure(FailureKind::Refused, t + s(3), 0.5);
        r.connected(t + s(4));
        assert!(matches!(
            r.after_failure(FailureKind::Closed, t + s(5), 0.5),
            Next::RetryAfter(_)
        ));
    }

    #[test]
    fn sessions_that_end_abruptly_never_mean_the_identity_is_in_use() {
        // A broker killed and restarted twice within a minute (the soak of issue 15):
        // each session ends without the TLS close, and the player only backs off.
        let mut r = Reconnect::new(&tuning());
        let t = Instant::now();
        for i in 0..4 {
            r.connected(t + s(30 * i));
            assert!(matches!(
                r.after_failure(FailureKind::Other, t + s(30 * i + 29), 0.5),
                Next::RetryAfter(_)
            ));
        }
        // An abrupt end between two clean closes breaks the run too.
        r.connected(t + s(200));
        r.after_failure(FailureKind::Closed, t + s(201), 0.5);
        r.connected(t + s(202));
        r.after_failure(FailureKind::Other, t + s(203), 0.5);
        r.connected(t + s(204));
        assert!(matches!(
            r.after_failure(FailureKind::Closed, t + s(205), 0.5),
            Next::RetryAfter(_)
        ));
    }

    #[test]
    fn reset_gives_the_full_count_again() {
        let mut r = Reconnect::new(&tuning());
        let t = Instant::now();
        r.after_failure(FailureKind::Revoked, t, 0.0);
        r.after_failure(FailureKind::Revoked, t, 0.0);
        r.reset();
        assert_eq!(
            r.after_failure(FailureKind::Revoked, t, 0.5),
            Next::RetryAfter(Duration::from_millis(500))
        );
    }
}

#[cfg(test)]
#[path = "reconnect_tests.rs"]
mod restart_tests;
