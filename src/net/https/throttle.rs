//! The HTTPS API's per-player limits (reads 60 a minute, reactions 30), kept
//! from the player's side, pure (time and the random part come in as values).
//! The server answers 429 `rate_limited` with no `Retry-After`; its counter
//! lives until one window after the last request it accepted, so a request
//! refused now is sure to pass one window later. After a 429 the gate closes
//! for everyone of that kind: an eighth of the window at first, doubling with
//! each refusal in a row, never more than the window; a request it lets
//! through reopens the count.

use std::time::{Duration, Instant};

#[derive(Clone, Debug)]
pub struct Throttle {
    window: Duration,
    /// 429s in a row, each after the gate had reopened.
    refusals: u32,
    /// Requests of this kind wait until then.
    open_at: Option<Instant>,
}

impl Throttle {
    pub fn new(window: Duration) -> Self {
        Self {
            window: window.max(Duration::from_millis(8)),
            refusals: 0,
            open_at: None,
        }
    }

    /// How long a request must wait at `now` before it may go.
    pub fn wait(&self, now: Instant) -> Duration {
        self.open_at
            .map_or(Duration::ZERO, |at| at.saturating_duration_since(now))
    }

    /// A 429 came at `now` (`jitter` in `[0, 1)`): the gate closes. Refusals of
    /// requests sent before it closed do not close it further.
    pub fn refused(&mut self, now: Instant, jitter: f64) {
        if self.wait(now) > Duration::ZERO {
            return;
        }
        let nth = self.refusals.saturating_add(1);
        let bound = crate::doubling::wait_after(nth, self.window / 8, self.window);
        let wait = if bound >= self.window {
            // A whole window is sure to clear the server's counter.
            self.window
        } else {
            bound.mul_f64(0.75 + 0.25 * jitter.clamp(0.0, 1.0))
        };
        self.refusals += 1;
        self.open_at = Some(now + wait);
    }

    /// A request of this kind was let through: the next 429 starts short again.
    pub fn accepted(&mut self) {
        self.refusals = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    fn s(secs: f64) -> Duration {
        Duration::from_secs_f64(secs)
    }

    #[test]
    fn refusals_in_a_row_wait_longer_up_to_one_window() {
        let mut t = Throttle::new(MINUTE);
        let t0 = Instant::now();
        assert_eq!(t.wait(t0), Duration::ZERO);
        t.refused(t0, 0.0);
        assert_eq!(t.wait(t0), s(7.5 * 0.75));
        let mut now = t0 + t.wait(t0);
        let mut waits = Vec::new();
        for _ in 0..5 {
            t.refused(now, 0.999_999);
            let w = t.wait(now);
            waits.push(w.as_secs_f64().round() as u64);
            now += w;
        }
        assert_eq!(waits, [15, 30, 60, 60, 60], "never more than the window");
    }

    #[test]
    fn requests_refused_together_close_the_gate_once() {
        let mut t = Throttle::new(MINUTE);
        let t0 = Instant::now();
        t.refused(t0, 0.0);
        let first = t.wait(t0);
        // Three more sent before the gate closed come back 429 too.
        for ms in [1, 2, 3] {
            t.refused(t0 + Duration::from_millis(ms), 0.0);
        }
        assert_eq!(t.wait(t0), first, "one step, not four");
        // Once reopened, the next refusal is the second step.
        t.refused(t0 + first, 0.0);
        assert_eq!(t.wait(t0 + first), s(15.0 * 0.75));
    }

    #[test]
    fn an_accepted_request_starts_the_count_again() {
        let mut t = Throttle::new(MINUTE);
        let t0 = Instant::now();
        for i in 0..4 {
            t.refused(t0 + MINUTE * i, 0.0);
        }
        t.accepted();
        let later = t0 + MINUTE * 10;
        t.refused(later, 0.0);
        assert_eq!(t.wait(later), s(7.5 * 0.75));
        assert_eq!(t.wait(later + MINUTE), Duration::ZERO, "open again");
    }

    #[test]
    fn a_short_window_scales_every_wait() {
        let mut t = Throttle::new(Duration::from_secs(2));
        let t0 = Instant::now();
        t.refused(t0, 0.999_999);
        assert!(t.wait(t0) <= Duration::from_millis(250));
        assert!(t.wait(t0) > Duration::from_millis(240));
    }
}
