//! Pure timing rules: when to renew, how healthy a certificate is, and the
//! registration polling rhythm. Time comes in as Unix seconds or durations.

use std::time::Duration;

pub const DAY: i64 = 86_400;
/// The server allows renewal from 90 days before expiry.
pub(crate) const RENEW_WINDOW: i64 = 90 * DAY;
/// The seed's rule: warn from 30 days before expiry.
pub(crate) const WARN_BEFORE: i64 = 30 * DAY;

/// When this player renews: somewhere in the first two thirds of the window
/// (days 90 to 30 before expiry), picked by `random` so players spread out.
pub fn renew_at(not_before: i64, not_after: i64, random: u64) -> i64 {
    let open = (not_after - RENEW_WINDOW).max(not_before);
    let spread = ((not_after - open) * 2 / 3).max(1) as u64;
    open + (random % spread) as i64
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Health {
    Valid {
        days_left: i64,
    },
    /// Inside the last 30 days: show a warning banner.
    ExpiringSoon {
        days_left: i64,
    },
    Expired,
}

pub(crate) fn health(not_after: i64, now: i64) -> Health {
    if now >= not_after {
        return Health::Expired;
    }
    let days_left = (not_after - now) / DAY;
    if not_after - now <= WARN_BEFORE {
        Health::ExpiringSoon { days_left }
    } else {
        Health::Valid { days_left }
    }
}

/// How long a registration code lives at the server.
pub(crate) const CODE_LIFE: i64 = 15 * 60;

/// When, by this computer's clock, a code the server says runs out at
/// `expires_at` (by its clock) runs out. On a clock a code's life or more
/// fast, every code would arrive expired and new ones would be asked for
/// until the server's limit of 10 an hour; on one that slow, a dead code
/// would be polled for hours. A deadline outside the next two lives is
/// taken as the code's usual life from now.
pub(crate) fn code_deadline(expires_at: Option<i64>, now: i64) -> i64 {
    match expires_at {
        Some(at) if at > now && at <= now + 2 * CODE_LIFE => at,
        _ => now + CODE_LIFE,
    }
}

/// The registration rhythm; tests shorten it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PollTiming {
    pub interval: Duration,
    pub rate_limited: Duration,
    /// The longest wait after failures in a row (5xx, network), doubling from `interval`.
    pub backoff_max: Duration,
}

impl Default for PollTiming {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(5),
            rate_limited: Duration::from_secs(60),
            backoff_max: Duration::from_secs(60),
        }
    }
}

/// What one poll of the credentials endpoint said.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PollOutcome {
    /// 404: the owner has not entered the code yet.
    Pending,
    /// 429: too many requests from this address.
    RateLimited,
    /// The network or the server failed (transport error, 5xx) `failures` times
    /// in a row; keep trying, slower each time, until the code expires.
    Unreachable { failures: u32 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NextPoll {
    After(Duration),
    /// The code ran out: ask for a new one.
    CodeExpired,
}

/// After `outcome` at `now`, when to poll again (times in seconds since any origin).
pub(crate) fn next_poll(
    outcome: PollOutcome,
    now: Duration,
    expires: Duration,
    timing: PollTiming,
) -> NextPoll {
    if now >= expires {
        return NextPoll::CodeExpired;
    }
    let wait = match outcome {
        PollOutcome::RateLimited => timing.rate_limited,
        PollOutcome::Pending => timing.interval,
        PollOutcome::Unreachable { failures } => {
            let cap = timing.backoff_max.max(timing.interval);
            crate::doubling::wait_after(failures, timing.interval, cap)
        }
    };
    // One last poll right at expiry, in case the owner typed the code in the final seconds.
    NextPoll::After(wait.min(expires - now))
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPIRY: i64 = 2_000_000_000;

    #[test]
    fn a_codes_deadline_is_the_servers_unless_the_clocks_disagree() {
        let now = EXPIRY;
        assert_eq!(code_deadline(Some(now + 900), now), now + 900);
        assert_eq!(code_deadline(Some(now + 1), now), now + 1);
        // This clock 20 minutes fast: the code would arrive expired.
        assert_eq!(code_deadline(Some(now - 300), now), now + CODE_LIFE);
        // Two hours slow: the code would be polled long after it died.
        assert_eq!(code_deadline(Some(now + 7200 + 900), now), now + CODE_LIFE);
        assert_eq!(code_deadline(None, now), now + CODE_LIFE);
    }

    #[test]
    fn renewal_falls_inside_the_window_and_spreads() {
        let issued = EXPIRY - 1095 * DAY;
        let earliest = renew_at(issued, EXPIRY, 0);
        assert_eq!(earliest, EXPIRY - 90 * DAY);
        let latest = renew_at(issued, EXPIRY, u64::MAX);
        assert!(latest < EXPIRY - 30 * DAY && latest > EXPIRY - 90 * DAY);
        assert_ne!(
            renew_at(issued, EXPIRY, 12345),
            renew_at(issued, EXPIRY, 9_876_543)
        );
    }

    #[test]
    fn short_certificates_renew_after_issue() {
        let issued = EXPIRY - 10 * DAY;
        let at = renew_at(issued, EXPIRY, 7);
        assert!(at >= issued && at < EXPIRY);
    }

    #[test]
    fn health_warns_from_30_days() {
        assert_eq!(
            health(EXPIRY, EXPIRY - 31 * DAY),
            Health::Valid { days_left: 31 }
        );
        assert_eq!(
            health(EXPIRY, EXPIRY - 30 * DAY),
            Health::ExpiringSoon { days_left: 30 }
        );
        assert_eq!(health(EXPIRY, EXPIRY), Health::Expired);
    }

    #[test]
    fn polling_rhythm() {
        let t = PollTiming::default();
        let s = Duration::from_secs;
        assert_eq!(
            next_poll(PollOutcome::Pending, s(0), s(900), t),
            NextPoll::After(s(5))
        );
        assert_eq!(
            next_poll(PollOutcome::RateLimited, s(0), s(900), t),
            NextPoll::After(s(60))
        );
        assert_eq!(
            next_poll(PollOutcome::RateLimited, s(880), s(900), t),
            NextPoll::After(s(20))
        );
        assert_eq!(
            next_poll(PollOutcome::Pending, s(900), s(900), t),
            NextPoll::CodeExpired
        );
    }

    #[test]
    fn failures_in_a_row_back_off_to_a_minute_within_the_code() {
        let t = PollTiming::default();
        let s = Duration::from_secs;
        let waits: Vec<NextPoll> = (1..=6)
            .map(|failures| next_poll(PollOutcome::Unreachable { failures }, s(0), s(900), t))
            .collect();
        let expected = [5, 10, 20, 40, 60, 60].map(|n| NextPoll::After(s(n)));
        assert_eq!(waits, expected);
        assert_eq!(
            next_poll(PollOutcome::Unreachable { failures: 9 }, s(890), s(900), t),
            NextPoll::After(s(10)),
            "never past the code's expiry"
        );
    }
}
