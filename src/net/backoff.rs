//! Reconnect (and retry) waits: exponential from a start value, capped, with
//! jitter so that many players cut off at once do not all return at once.
//! Pure: the random part comes in as a number in `[0, 1)`.

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

    /// The wait before the next attempt: the current step less up to 20 % of it
    /// (`jitter` = 0 waits the full step), so it never exceeds the cap. The step
    /// then doubles, up to the cap.
    pub fn next_wait(&mut self, jitter: f64) -> Duration {
        let step = self.next;
        self.next = (self.next * 2).min(self.max);
        step.mul_f64(1.0 - 0.2 * jitter.clamp(0.0, 1.0))
    }

    /// After a successful connect the next failure waits the start value again.
    pub fn reset(&mut self) {
        self.next = self.start;
    }
}

/// A jitter value in `[0, 1)` from the operating system's randomness.
pub fn random_jitter() -> f64 {
    let bits = uuid::Uuid::new_v4().as_u128() as u64;
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_from_one_second_to_five_minutes_then_resets() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(300));
        let waits: Vec<u64> = (0..11).map(|_| b.next_wait(0.0).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
        b.reset();
        assert_eq!(b.next_wait(0.0), Duration::from_secs(1));
    }

    #[test]
    fn jitter_shortens_by_at_most_a_fifth_and_never_passes_the_cap() {
        let mut b = Backoff::new(Duration::from_secs(10), Duration::from_secs(10));
        assert_eq!(b.next_wait(1.0), Duration::from_secs(8));
        assert_eq!(b.next_wait(0.5), Duration::from_secs(9));
        assert_eq!(
            b.next_wait(7.0),
            Duration::from_secs(8),
            "out-of-range jitter is clamped"
        );
        for _ in 0..100 {
            let j = random_jitter();
            assert!((0.0..1.0).contains(&j));
        }
    }
}
