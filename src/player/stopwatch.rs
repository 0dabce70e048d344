//! Elapsed time that can be stopped and resumed, against a caller's clock.

use std::time::Duration;

#[derive(Clone, Copy, Debug)]
pub(super) struct Stopwatch {
    pub(super) base: Duration,
    /// Some while running: when it was (re)started.
    pub(super) since: Option<Duration>,
}

impl Stopwatch {
    pub(super) fn started(now: Duration, running: bool) -> Self {
        Self {
            base: Duration::ZERO,
            since: running.then_some(now),
        }
    }

    pub(super) fn elapsed(&self, now: Duration) -> Duration {
        // saturating: a caller's clock going backwards must not panic.
        self.base + self.since.map_or(Duration::ZERO, |s| now.saturating_sub(s))
    }

    pub(super) fn set_running(&mut self, running: bool, now: Duration) {
        match (self.since, running) {
            (Some(_), false) => {
                self.base = self.elapsed(now);
                self.since = None;
            }
            (None, true) => self.since = Some(now),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: u64) -> Duration {
        Duration::from_secs(secs)
    }

    #[test]
    fn counts_only_running_time() {
        let mut w = Stopwatch::started(s(10), true);
        assert_eq!(w.elapsed(s(13)), s(3));
        w.set_running(false, s(13));
        assert_eq!(w.elapsed(s(100)), s(3));
        w.set_running(true, s(100));
        assert_eq!(w.elapsed(s(102)), s(5));
    }

    #[test]
    fn repeated_state_changes_are_idempotent() {
        let mut w = Stopwatch::started(s(0), false);
        w.set_running(false, s(5));
        assert_eq!(w.elapsed(s(9)), Duration::ZERO);
        w.set_running(true, s(5));
        w.set_running(true, s(8));
        assert_eq!(w.elapsed(s(9)), s(4), "the second start does not reset");
    }

    #[test]
    fn a_clock_going_backwards_does_not_panic() {
        let w = Stopwatch::started(s(10), true);
        assert_eq!(w.elapsed(s(5)), Duration::ZERO);
    }
}
