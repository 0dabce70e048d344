//! The wait that doubles after each failure in a row, up to a cap: the one
//! rule behind the player's retries that keep no state of their own (a
//! download, a channel's page, a renewal or registration poll, a panel's host
//! name, the views' sending, the HTTPS rate-limit gate). Pure, no clock:
//! each caller counts its own failures and adds the wait to its own "now".

use std::time::Duration;

/// The wait after the `nth` failure in a row (from 1; 0 counts as 1):
/// `first`, twice that after the second, four times after the third, and
/// never more than `cap`. No overflow, however long the run of failures.
pub fn wait_after(nth: u32, first: Duration, cap: Duration) -> Duration {
    // 2^31 times any wait worth having is past every cap, and still a `u32`.
    let doublings = nth.saturating_sub(1).min(31);
    first.saturating_mul(1 << doublings).min(cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn the_first_wait_then_twice_the_one_before() {
        let waits: Vec<_> = (1..=5).map(|n| wait_after(n, 3 * S, 1000 * S)).collect();
        assert_eq!(waits, [3 * S, 6 * S, 12 * S, 24 * S, 48 * S]);
    }

    #[test]
    fn no_failure_yet_waits_as_the_first() {
        assert_eq!(wait_after(0, 3 * S, 1000 * S), 3 * S);
    }

    #[test]
    fn the_cap_holds_from_the_failure_that_would_pass_it() {
        assert_eq!(wait_after(4, 2 * S, 30 * S), 16 * S);
        assert_eq!(wait_after(5, 2 * S, 30 * S), 30 * S);
        assert_eq!(wait_after(6, 2 * S, 30 * S), 30 * S);
    }

    #[test]
    fn a_first_wait_over_the_cap_is_cut_to_it() {
        assert_eq!(wait_after(1, 60 * S, 30 * S), 30 * S);
    }

    #[test]
    fn endless_failures_neither_overflow_nor_pass_the_cap() {
        let huge = Duration::from_secs(u64::MAX / 2);
        assert_eq!(wait_after(u32::MAX, huge, Duration::MAX), Duration::MAX);
        assert_eq!(wait_after(40, Duration::from_millis(1), 30 * S), 30 * S);
        // The doublings stop where a `u32` factor would wrap, not at zero.
        let tiny = Duration::from_nanos(1);
        assert_eq!(wait_after(40, tiny, Duration::MAX), tiny * (1 << 31));
    }
}
