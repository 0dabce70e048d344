//! What the session does after an attempt fails: wait its back-off and try
//! again, or, when the broker keeps refusing this player's certificate
//! (revoked, "not authorized"), decide that the player was removed from its
//! Makapix account and stop knocking. Pure: the random part of a wait comes in
//! as a number.

use std::time::Duration;

use crate::bridge::connection::{FailureKind, Tuning};

use super::backoff::Backoff;

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Next {
    /// Try again after this wait.
    RetryAfter(Duration),
    /// The player was removed: no more attempts until new credentials or
    /// "Reconnect now".
    Removed,
}

pub(super) struct Reconnect {
    backoff: Backoff,
    /// Refusals of the certificate in a row.
    refusals: u32,
    refusals_before_removed: u32,
}

impl Reconnect {
    pub(super) fn new(tuning: &Tuning) -> Self {
        Self {
            backoff: Backoff::new(tuning.backoff_start, tuning.backoff_max),
            refusals: 0,
            refusals_before_removed: tuning.refusals_before_removed.max(1),
        }
    }

    /// After a failed attempt of `kind`; `jitter` in `[0, 1)`. One refusal may be
    /// a broker's bad moment, so a few (spaced by the back-off) decide.
    pub(super) fn after_failure(
        &mut self,
        kind: FailureKind,
        was_connected: bool,
        jitter: f64,
    ) -> Next {
        if was_connected {
            self.backoff.reset();
        }
        if kind == FailureKind::Revoked {
            self.refusals += 1;
            if self.refusals >= self.refusals_before_removed {
                return Next::Removed;
            }
        } else {
            self.refusals = 0;
        }
        Next::RetryAfter(self.backoff.next_wait(jitter))
    }

    /// Connected (and subscribed), or the user asked to try again now.
    pub(super) fn reset(&mut self) {
        self.backoff.reset();
        self.refusals = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tuning() -> Tuning {
        Tuning {
            backoff_start: Duration::from_secs(1),
            backoff_max: Duration::from_secs(300),
            ..Tuning::default()
        }
    }

    #[test]
    fn three_refusals_in_a_row_mean_removed_within_seconds() {
        let mut r = Reconnect::new(&tuning());
        let s = Duration::from_secs;
        assert_eq!(
            r.after_failure(FailureKind::Revoked, false, 0.0),
            Next::RetryAfter(s(1))
        );
        assert_eq!(
            r.after_failure(FailureKind::Revoked, false, 0.0),
            Next::RetryAfter(s(2))
        );
        assert_eq!(
            r.after_failure(FailureKind::Revoked, false, 0.0),
            Next::Removed
        );
    }

    #[test]
    fn other_failures_break_the_run_and_keep_backing_off() {
        let mut r = Reconnect::new(&tuning());
        r.after_failure(FailureKind::Revoked, false, 0.0);
        r.after_failure(FailureKind::Revoked, false, 0.0);
        assert!(matches!(
            r.after_failure(FailureKind::Timeout, false, 0.0),
            Next::RetryAfter(_)
        ));
        assert!(matches!(
            r.after_failure(FailureKind::Revoked, false, 0.0),
            Next::RetryAfter(_)
        ));
        let waits: Vec<Next> = (0..9)
            .map(|_| r.after_failure(FailureKind::Refused, false, 0.0))
            .collect();
        assert_eq!(
            waits.last(),
            Some(&Next::RetryAfter(Duration::from_secs(300)))
        );
    }

    #[test]
    fn reset_gives_the_full_count_again() {
        let mut r = Reconnect::new(&tuning());
        r.after_failure(FailureKind::Revoked, false, 0.0);
        r.after_failure(FailureKind::Revoked, false, 0.0);
        r.reset();
        assert_eq!(
            r.after_failure(FailureKind::Revoked, false, 0.0),
            Next::RetryAfter(Duration::from_secs(1))
        );
    }
}
