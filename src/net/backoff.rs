//! Reconnect (and retry) waits: a bound that doubles from a start value up to
//! a cap, and a wait drawn anywhere between 0 and that bound ("full jitter"),
//! so that many players cut off at once spread out instead of returning
//! together. Pure: the random part comes in as a number in `[0, 1)`.

use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Backoff {
    start: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    pub fn new(start: Duration, max: Duration) -> Self {
        let start = start.min(max);
        Self {
            start,
            max,
            next: start,
        }
    }

    /// The wait before the next attempt: `jitter` (in `[0, 1)`) of the current
    /// bound, so never more than the cap. The bound then doubles, up to the cap.
    pub(crate) fn next_wait(&mut self, jitter: f64) -> Duration {
        let bound = self.next;
        self.next = (self.next * 2).min(self.max);
        bound.mul_f64(jitter.clamp(0.0, 1.0))
    }

    /// The bound the next wait is drawn under.
    pub fn bound(&self) -> Duration {
        self.next
    }

    /// After a session that stayed up, the next failure is drawn under the start value again.
    pub fn reset(&mut self) {
        self.next = self.start;
    }
}

/// A jitter value in `[0, 1)` from the operating system's randomness.
pub(crate) fn random_jitter() -> f64 {
    let bits = uuid::Uuid::new_v4().as_u128() as u64;
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bound_doubles_from_one_second_to_five_minutes_then_resets() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(300));
        let bounds: Vec<u64> = (0..11)
            .map(|_| {
                let bound = b.bound();
                assert_eq!(b.next_wait(0.999_999), bound.mul_f64(0.999_999));
                bound.as_secs()
            })
            .collect();
        assert_eq!(bounds, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
        b.reset();
        assert_eq!(b.bound(), Duration::from_secs(1));
    }

    #[test]
    fn full_jitter_waits_anywhere_from_zero_to_the_bound() {
        let mut b = Backoff::new(Duration::from_secs(10), Duration::from_secs(10));
        assert_eq!(b.next_wait(0.0), Duration::ZERO);
        assert_eq!(b.next_wait(0.5), Duration::from_secs(5));
        assert_eq!(
            b.next_wait(7.0),
            Duration::from_secs(10),
            "out-of-range jitter is clamped"
        );
        for _ in 0..100 {
            let j = random_jitter();
            assert!((0.0..1.0).contains(&j));
        }
    }
}
