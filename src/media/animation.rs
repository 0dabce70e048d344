//! The frame clock: which frame shows at a given time since playback began.
//!
//! The position is always derived from the total elapsed time, never by
//! adding up per-frame ticks, so rounding and late repaints cannot make the
//! animation drift from its schedule.

use std::time::Duration;

#[derive(Clone, Debug)]
pub struct FrameClock {
    /// `ends[i]` is when frame `i` stops showing, measured from loop start.
    ends: Vec<Duration>,
    loop_duration: Duration,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FramePosition {
    pub index: usize,
    /// Time until the shown frame changes; `None` when it never does (a
    /// still image, or an animation whose delays are all zero).
    pub until_next: Option<Duration>,
}

impl FrameClock {
    pub fn new(delays: Vec<Duration>) -> Self {
        let mut total = Duration::ZERO;
        let ends = delays
            .iter()
            .map(|delay| {
                total = total.saturating_add(*delay);
                total
            })
            .collect();
        Self {
            ends,
            loop_duration: total,
        }
    }

    pub fn loop_duration(&self) -> Duration {
        self.loop_duration
    }

    pub fn frame_count(&self) -> usize {
        self.ends.len()
    }

    /// The frame showing `elapsed` after playback started, looping forever.
    /// With no frames at all this reports index 0; callers have nothing to
    /// draw in that case anyway.
    pub(crate) fn frame_at(&self, elapsed: Duration) -> FramePosition {
        const STILL: FramePosition = FramePosition {
            index: 0,
            until_next: None,
        };
        if self.ends.len() < 2 || self.loop_duration.is_zero() {
            return STILL;
        }
        let position = duration_rem(elapsed, self.loop_duration);
        // First frame that has not yet ended; zero-length frames share their
        // end with the previous frame and are skipped, as they never show.
        let index = self.ends.partition_point(|end| *end <= position);
        match self.ends.get(index) {
            Some(end) => FramePosition {
                index,
                until_next: Some(*end - position),
            },
            // Unreachable since position < loop_duration == last end, but a
            // wrong frame is better than a panic in the paint loop.
            None => STILL,
        }
    }
}

fn duration_rem(value: Duration, modulus: Duration) -> Duration {
    let nanos = value.as_nanos() % modulus.as_nanos();
    const NANOS_PER_SEC: u128 = 1_000_000_000;
    let secs = u64::try_from(nanos / NANOS_PER_SEC).unwrap_or(u64::MAX);
    // The remainder of a division by 10^9 always fits in u32.
    let subsec = (nanos % NANOS_PER_SEC) as u32;
    Duration::new(secs, subsec)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn at(clock: &FrameClock, elapsed_ms: u64) -> (usize, Option<u64>) {
        let pos = clock.frame_at(ms(elapsed_ms));
        (pos.index, pos.until_next.map(|d| d.as_millis() as u64))
    }

    #[test]
    fn walks_through_frames_by_their_delays() {
        let clock = FrameClock::new(vec![ms(100), ms(50), ms(200)]);
        assert_eq!(clock.frame_count(), 3);
        assert_eq!(clock.loop_duration(), ms(350));
        assert_eq!(at(&clock, 0), (0, Some(100)));
        assert_eq!(at(&clock, 99), (0, Some(1)));
        assert_eq!(at(&clock, 100), (1, Some(50)));
        assert_eq!(at(&clock, 149), (1, Some(1)));
        assert_eq!(at(&clock, 150), (2, Some(200)));
        assert_eq!(at(&clock, 349), (2, Some(1)));
    }

    #[test]
    fn loops_forever() {
        let clock = FrameClock::new(vec![ms(100), ms(50), ms(200)]);
        assert_eq!(at(&clock, 350), (0, Some(100)));
        assert_eq!(at(&clock, 350 + 120), (1, Some(30)));
        assert_eq!(at(&clock, 3500 + 160), (2, Some(190)));
    }

    #[test]
    fn never_drifts_over_long_playback() {
        let clock = FrameClock::new(vec![ms(33), ms(34), ms(33)]);
        // A week of playback lands exactly where the schedule says.
        let week = Duration::from_secs(7 * 24 * 3600);
        let loops = week.as_millis() as u64 / 100;
        for offset in [0, 32, 33, 66, 67, 99] {
            let far = clock.frame_at(ms(loops * 100 + offset));
            assert_eq!(far, clock.frame_at(ms(offset)), "offset {offset}");
        }
        let sub_ms = clock.frame_at(week + Duration::from_nanos(33_000_001));
        assert_eq!(sub_ms.index, 1);
        assert_eq!(sub_ms.until_next, Some(Duration::from_nanos(33_999_999)));
    }

    #[test]
    fn still_images_never_tick() {
        let one = FrameClock::new(vec![Duration::ZERO]);
        assert_eq!(one.frame_count(), 1);
        assert_eq!(one.loop_duration(), Duration::ZERO);
        assert_eq!(at(&one, 12345), (0, None));

        // A lone frame with a delay is still a still image.
        let timed = FrameClock::new(vec![ms(500)]);
        assert_eq!(at(&timed, 700), (0, None));
    }

    #[test]
    fn empty_and_all_zero_delays_do_not_panic() {
        let empty = FrameClock::new(Vec::new());
        assert_eq!(empty.frame_count(), 0);
        assert_eq!(empty.loop_duration(), Duration::ZERO);
        assert_eq!(at(&empty, 0), (0, None));
        assert_eq!(at(&empty, 1000), (0, None));

        let zeros = FrameClock::new(vec![Duration::ZERO; 4]);
        assert_eq!(zeros.frame_count(), 4);
        assert_eq!(at(&zeros, 0), (0, None));
        assert_eq!(at(&zeros, 999), (0, None));
    }

    #[test]
    fn zero_length_frames_are_skipped() {
        let clock = FrameClock::new(vec![ms(100), Duration::ZERO, ms(100)]);
        assert_eq!(at(&clock, 99), (0, Some(1)));
        assert_eq!(at(&clock, 100), (2, Some(100)));
    }

    #[test]
    fn huge_animations_stay_cheap_and_exact() {
        let delays: Vec<Duration> = (0..1000).map(|i| ms(10 + i % 7)).collect();
        let clock = FrameClock::new(delays.clone());
        let mut start = Duration::ZERO;
        for (i, delay) in delays.iter().enumerate() {
            assert_eq!(clock.frame_at(start).index, i);
            assert_eq!(clock.frame_at(start).until_next, Some(*delay));
            start += *delay;
        }
        assert_eq!(start, clock.loop_duration());
        assert_eq!(clock.frame_at(start).index, 0);
    }

    #[test]
    fn enormous_elapsed_times_are_fine() {
        let clock = FrameClock::new(vec![ms(100), ms(100)]);
        let pos = clock.frame_at(Duration::MAX);
        assert!(pos.index < 2);
        assert!(pos.until_next.is_some_and(|d| d <= ms(100)));
    }
}
