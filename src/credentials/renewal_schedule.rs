//! When the runtime looks at the certificate and when it calls `renew-cert`.
//! Pure: the wall clock (Unix seconds) and the monotonic clock come in as
//! values. "Due" is decided from the wall clock only: a monotonic timer stops
//! while a laptop sleeps, and a session shorter than the timer never fires.
//!
//! A check happens at start-up (once the credentials load), after every
//! (re)connect, after a wake (the wall clock ran ahead of the monotonic one),
//! at the planned renewal time, and at least hourly. Failed attempts back off,
//! and automatic attempts stay under the server's 10 renewals a day per player
//! (it answers 429 past that, counting refused-as-too-early calls too).

use std::collections::VecDeque;
use std::time::Duration;

use super::renewal::{DAY, RENEW_WINDOW};

/// The longest time between two checks while the player runs.
pub(crate) const CHECK_EVERY: i64 = 3600;
/// The first wait after a failed attempt; it doubles with each failure in a row.
pub(crate) const FIRST_RETRY: i64 = 15 * 60;
/// The longest wait between failed attempts.
pub(crate) const RETRY_MAX: i64 = 6 * 3600;
/// Automatic attempts allowed in any 24 hours: the server allows 10 a day per
/// player, and the user's own "Renew now" and the command line count there too.
pub(crate) const DAILY_BUDGET: usize = 6;
/// The last check later than now by more than this: the wall clock was set back.
const CLOCK_SLACK: i64 = 60;
/// The wall clock ahead of the monotonic one by more than this: the computer slept.
pub(crate) const WAKE_JUMP: i64 = 120;

/// Why the runtime looks now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Trigger {
    /// The stored credentials loaded (start-up, or a change made elsewhere).
    Loaded,
    /// A new set was imported or registered.
    Installed,
    /// The session with the broker came up.
    Connected,
    /// The computer woke from sleep.
    Woke,
    /// The planned time of the next check came.
    Timer,
    /// The broker refused the certificate again and again: before the player
    /// is given up as removed, one renewal (an expired or replaced
    /// certificate looks the same at the broker), as the p3a firmware does.
    Refused,
}

/// What one call of `renew-cert` came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Renewed,
    /// 400: the server does not renew yet (its window is its own to configure).
    TooEarly,
    /// 429: the daily limit is used up.
    RateLimited,
    /// The server, or a refused token.
    Failed,
    /// Never reached the server (the network is down, the keyring is
    /// locked): the server did not count it, so neither does the daily
    /// budget, and the wait is short and ends when the network comes back.
    NotSent,
}

/// The facts of the stored set the schedule needs (Unix seconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cert {
    pub not_after: i64,
    /// The jittered time this player renews from (`None` in facts saved before it existed).
    pub renew_at: Option<i64>,
}

impl Cert {
    /// From when an automatic renewal is due: the planned time, and never later than expiry.
    pub(crate) fn due_at(&self) -> i64 {
        self.renew_at
            .unwrap_or(self.not_after - RENEW_WINDOW)
            .min(self.not_after)
    }

    pub fn expired(&self, now: i64) -> bool {
        now >= self.not_after
    }
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Schedule {
    /// Wall times of the attempts made in the last 24 hours, oldest first.
    attempts: VecDeque<i64>,
    /// Failed attempts in a row.
    failures: u32,
    /// No automatic attempt before this wall time (a back-off, or "not yet" from the server).
    hold_until: Option<i64>,
    /// When the last check happened.
    last_check: Option<i64>,
    /// The one renewal tried after the broker's refusals is spent until a session comes up.
    refusal_renewal_spent: bool,
    /// The hold is a wait after attempts that never reached the server.
    held_unsent: bool,
}

impl Schedule {
    /// Whether to call `renew-cert` now, for `trigger`, with the stored set `cert`.
    /// Also records the check.
    pub fn check(&mut self, trigger: Trigger, cert: Option<Cert>, now: i64) -> bool {
        if self.last_check.is_some_and(|last| last > now + CLOCK_SLACK) {
            self.clock_went_back();
        }
        self.last_check = Some(now);
        self.forget_old(now);
        if trigger == Trigger::Connected {
            self.refusal_renewal_spent = false;
        }
        if self.held_unsent && matches!(trigger, Trigger::Connected | Trigger::Woke) {
            self.hold_until = None;
        }
        let Some(cert) = cert else {
            return false;
        };
        if self.attempts.len() >= DAILY_BUDGET {
            return false;
        }
        if trigger == Trigger::Refused {
            // Once per outage, whatever the back-off says: the alternative is giving up.
            return !std::mem::replace(&mut self.refusal_renewal_spent, true);
        }
        now >= cert.due_at() && self.hold_until.is_none_or(|at| now >= at)
    }

    /// An attempt (automatic or asked for) was made at `now` and came to `outcome`.
    pub(crate) fn attempted(&mut self, outcome: Outcome, now: i64) {
        self.forget_old(now);
        self.held_unsent = outcome == Outcome::NotSent;
        // The server counted it only if it reached the server.
        if outcome != Outcome::NotSent {
            self.attempts.push_back(now);
        }
        self.hold_until = match outcome {
            Outcome::Renewed => {
                self.failures = 0;
                None
            }
            // The server's renewal window may be narrower than ours: ask again tomorrow.
            Outcome::TooEarly => {
                self.failures = 0;
                Some(now + DAY)
            }
            Outcome::RateLimited => {
                self.failures += 1;
                Some(now + RETRY_MAX)
            }
            Outcome::Failed => {
                self.failures += 1;
                Some(now + self.retry_wait())
            }
            Outcome::NotSent => {
                self.failures += 1;
                Some(now + self.retry_wait().min(CHECK_EVERY))
            }
        };
    }

    /// The wait after `failures` failed attempts in a row.
    fn retry_wait(&self) -> i64 {
        // Both constants are positive, and the wait is never over the second.
        let (first, cap) = (FIRST_RETRY as u64, RETRY_MAX as u64);
        let wait = crate::doubling::wait_after(
            self.failures,
            Duration::from_secs(first),
            Duration::from_secs(cap),
        );
        wait.as_secs() as i64
    }

    /// The wall clock was set back (or had run ahead and was corrected):
    /// attempts and holds dated in its "future" would block renewal until
    /// the clock caught up with them, months perhaps.
    fn clock_went_back(&mut self) {
        tracing::info!("the wall clock went back; renewal's waits start afresh");
        self.attempts.clear();
        self.hold_until = None;
        self.failures = 0;
    }

    /// The wall time of the next check: the planned renewal, the end of a
    /// back-off, or an hour after the last check, whichever comes first.
    pub(crate) fn next_check(&self, cert: Option<Cert>, now: i64) -> i64 {
        let hourly = self.last_check.unwrap_or(now) + CHECK_EVERY;
        match self.planned(cert, now) {
            Some(at) if at > now => at.min(hourly),
            _ => hourly,
        }
    }

    /// When the next automatic renewal is planned (`None` without a stored set).
    pub fn planned(&self, cert: Option<Cert>, now: i64) -> Option<i64> {
        let cert = cert?;
        let mut at = cert.due_at().max(self.hold_until.unwrap_or(i64::MIN));
        let recent: Vec<i64> = self
            .attempts
            .iter()
            .copied()
            .filter(|t| *t > now - DAY)
            .collect();
        if recent.len() >= DAILY_BUDGET {
            // The budget frees up when the oldest attempt of the window is a day old.
            at = at.max(recent[recent.len() - DAILY_BUDGET] + DAY);
        }
        Some(at)
    }

    fn forget_old(&mut self, now: i64) {
        while self.attempts.front().is_some_and(|t| *t <= now - DAY) {
            self.attempts.pop_front();
        }
    }
}

/// A wall-clock reading and a monotonic one, taken together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Reading {
    pub wall: i64,
    pub mono: Duration,
}

/// The computer slept between `before` and `after`: the wall clock moved
/// further than the monotonic clock, which stands still during a suspend.
pub(crate) fn woke(before: Reading, after: Reading) -> bool {
    let wall = after.wall - before.wall;
    let mono = after.mono.saturating_sub(before.mono).as_secs() as i64;
    wall - mono > WAKE_JUMP
}

/// The planned renewal in words: "now", "in 12 minutes (14:05 UTC)",
/// "tomorrow at 09:30 UTC", "on 2027-03-03 at 14:05 UTC (in 87 days)".
pub(crate) fn describe(at: i64, now: i64) -> String {
    let Ok(when) = time::OffsetDateTime::from_unix_timestamp(at) else {
        return at.to_string();
    };
    let clock = format!("{:02}:{:02} UTC", when.hour(), when.minute());
    let left = at - now;
    let day = |t: i64| t.div_euclid(DAY);
    if left <= 60 {
        "now".to_owned()
    } else if left < 3600 {
        format!("in {} minutes ({clock})", (left + 59) / 60)
    } else if day(at) == day(now) {
        format!("today at {clock} (in {} hours)", left / 3600)
    } else if day(at) == day(now) + 1 {
        format!("tomorrow at {clock}")
    } else {
        format!(
            "on {} at {clock} (in {} days)",
            super::validate::format_date(at),
            left / DAY
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 2_000_000_000;
    const MIN: i64 = 60;
    const HOUR: i64 = 3600;

    fn cert(renew_at: i64) -> Option<Cert> {
        Some(Cert {
            not_after: renew_at + 30 * DAY,
            renew_at: Some(renew_at),
        })
    }

    /// Runs the runtime's loop over simulated wall time: a tick each minute,
    /// a check whenever one is planned; `renew` answers each attempt.
    fn run(
        s: &mut Schedule,
        c: Option<Cert>,
        start: i64,
        minutes: i64,
        renew: impl Fn(i64) -> Outcome,
    ) -> Vec<i64> {
        let mut attempts = Vec::new();
        let mut next = start;
        for m in 0..=minutes {
            let now = start + m * MIN;
            let trigger = if m == 0 {
                Trigger::Loaded
            } else {
                Trigger::Timer
            };
            if now < next {
                continue;
            }
            if s.check(trigger, c, now) {
                attempts.push(now);
                s.attempted(renew(now), now);
            }
            next = s.next_check(c, now);
        }
        attempts
    }

    #[test]
    fn a_due_certificate_renews_at_start() {
        let mut s = Schedule::default();
        assert_eq!(
            run(&mut s, cert(T0 - DAY), T0, 10, |_| Outcome::Renewed),
            [T0]
        );
    }

    #[test]
    fn due_at_minute_3_of_a_10_minute_session_renews_at_minute_3() {
        let mut s = Schedule::default();
        let at = run(&mut s, cert(T0 + 3 * MIN), T0, 10, |_| Outcome::Renewed);
        assert_eq!(at, [T0 + 3 * MIN]);
        // Due at 2 min 30 s: the minute's tick after it.
        let mut s = Schedule::default();
        let at = run(&mut s, cert(T0 + 150), T0, 10, |_| Outcome::Renewed);
        assert_eq!(at, [T0 + 3 * MIN]);
    }

    #[test]
    fn not_due_checks_hourly_and_never_attempts() {
        let mut s = Schedule::default();
        assert!(run(&mut s, cert(T0 + 10 * DAY), T0, 600, |_| Outcome::Renewed).is_empty());
        assert!(!s.check(Trigger::Woke, cert(T0 + 10 * DAY), T0));
        assert_eq!(s.next_check(cert(T0 + 10 * DAY), T0), T0 + HOUR);
        // A renewal due in 20 minutes is checked then, not an hour later.
        assert_eq!(s.next_check(cert(T0 + 20 * MIN), T0), T0 + 20 * MIN);
    }

    #[test]
    fn an_expired_certificate_is_due_even_without_a_planned_time() {
        let mut s = Schedule::default();
        let expired = Cert {
            not_after: T0 - 1,
            renew_at: None,
        };
        assert!(expired.expired(T0));
        assert!(s.check(Trigger::Loaded, Some(expired), T0));
        assert!(!s.check(Trigger::Loaded, None, T0));
    }

    #[test]
    fn a_wake_is_the_wall_clock_running_ahead_of_the_monotonic_one() {
        let r = |wall, mono| Reading {
            wall,
            mono: Duration::from_secs(mono),
        };
        assert!(!woke(r(T0, 100), r(T0 + 60, 160)));
        assert!(!woke(r(T0, 100), r(T0 + 90, 101)), "a clock stepped by NTP");
        assert!(woke(r(T0, 100), r(T0 + 8 * HOUR, 160)));
        assert!(!woke(r(T0, 100), r(T0 - HOUR, 160)), "a clock set back");
    }

    #[test]
    fn failures_back_off_and_stay_under_the_servers_10_a_day() {
        let mut s = Schedule::default();
        let c = cert(T0 - DAY);
        let at = run(&mut s, c, T0, 3 * 24 * 60, |_| Outcome::Failed);
        let gaps: Vec<i64> = at.windows(2).map(|w| (w[1] - w[0]) / MIN).collect();
        assert_eq!(&gaps[..5], [15, 30, 60, 120, 240], "{gaps:?}");
        for (i, first) in at.iter().enumerate() {
            let in_a_day = at[i..].iter().filter(|t| **t < first + DAY).count();
            assert!(in_a_day <= DAILY_BUDGET, "{in_a_day} attempts from {first}");
        }
        assert!(
            at.len() >= 14,
            "it keeps trying, every 6 hours at least: {at:?}"
        );
        // Wakes and reconnects in a storm do not add attempts.
        let mut s = Schedule::default();
        let mut made = 0;
        for m in 0..24 * 60 {
            let now = T0 + m * MIN;
            for trigger in [Trigger::Connected, Trigger::Woke, Trigger::Timer] {
                if s.check(trigger, c, now) {
                    made += 1;
                    s.attempted(Outcome::Failed, now);
                }
            }
        }
        assert!(made <= DAILY_BUDGET, "{made}");
    }

    #[test]
    fn the_server_saying_not_yet_waits_a_day_and_429_waits_hours() {
        let mut s = Schedule::default();
        let c = cert(T0);
        assert!(s.check(Trigger::Loaded, c, T0));
        s.attempted(Outcome::TooEarly, T0);
        assert!(!s.check(Trigger::Woke, c, T0 + 23 * HOUR));
        assert!(s.check(Trigger::Timer, c, T0 + DAY));
        s.attempted(Outcome::RateLimited, T0 + DAY);
        assert_eq!(s.planned(c, T0 + DAY), Some(T0 + DAY + RETRY_MAX));
        s.attempted(Outcome::Renewed, T0 + DAY + RETRY_MAX);
        assert_eq!(s.planned(cert(T0 + 900 * DAY), T0), Some(T0 + 900 * DAY));
    }

    #[test]
    fn a_clock_set_back_a_year_does_not_hold_renewal_for_a_year() {
        let mut s = Schedule::default();
        let ahead = T0 + 365 * DAY;
        let c = cert(T0 - DAY);
        assert!(s.check(Trigger::Timer, c, ahead));
        for _ in 0..DAILY_BUDGET {
            s.attempted(Outcome::TooEarly, ahead);
        }
        assert!(s.check(Trigger::Timer, c, T0), "the clock corrected");
        assert!(s.next_check(c, T0) <= T0 + CHECK_EVERY);
        s.attempted(Outcome::TooEarly, T0);
        assert!(!s.check(Trigger::Timer, c, T0 + HOUR), "held a day again");
    }

    #[test]
    fn attempts_that_never_reached_the_server_keep_the_budget_and_wait_less() {
        let mut s = Schedule::default();
        let c = cert(T0 - DAY);
        let at = run(&mut s, c, T0, 24 * 60, |_| Outcome::NotSent);
        let gaps: Vec<i64> = at.windows(2).map(|w| (w[1] - w[0]) / MIN).collect();
        assert_eq!(&gaps[..4], [15, 30, 60, 60], "{gaps:?}");
        assert!(at.len() > 20, "tried hourly all day: {at:?}");
        // Back on the network: no wait.
        s.attempted(Outcome::NotSent, T0 + DAY);
        assert!(!s.check(Trigger::Timer, c, T0 + DAY + MIN));
        assert!(s.check(Trigger::Connected, c, T0 + DAY + MIN));
        s.attempted(Outcome::Failed, T0 + DAY + MIN);
        assert!(
            !s.check(Trigger::Connected, c, T0 + DAY + 2 * MIN),
            "a real failure waits"
        );
    }

    #[test]
    fn refusals_get_one_renewal_per_outage() {
        let mut s = Schedule::default();
        let c = cert(T0 + 500 * DAY);
        assert!(s.check(Trigger::Refused, c, T0), "even when not due");
        s.attempted(Outcome::Failed, T0);
        assert!(!s.check(Trigger::Refused, c, T0 + HOUR));
        s.check(Trigger::Connected, c, T0 + 2 * HOUR);
        assert!(s.check(Trigger::Refused, c, T0 + 3 * HOUR));
    }

    #[test]
    fn the_plan_in_words() {
        let noon = 1_798_718_400; // 2026-12-31 12:00 UTC
        assert_eq!(describe(noon, noon), "now");
        assert_eq!(describe(noon + 12 * MIN, noon), "in 12 minutes (12:12 UTC)");
        assert_eq!(
            describe(noon + 3 * HOUR, noon),
            "today at 15:00 UTC (in 3 hours)"
        );
        assert_eq!(
            describe(noon + DAY - 150 * MIN, noon),
            "tomorrow at 09:30 UTC"
        );
        assert_eq!(
            describe(noon + 62 * DAY + 5 * MIN, noon),
            "on 2027-03-03 at 12:05 UTC (in 62 days)"
        );
    }
}
