//! When a view of a Makapix artwork is reported, as the reference player does:
//! the first after 5 s of the artwork actually on screen, then one every 30 s
//! while it stays; never while it is not really seen (paused, loading, failed,
//! covered), and never two within 5 s (the server's limit per player).
//!
//! Pure: time is passed in, and sending is the caller's business.

use std::time::Duration;

/// Visible time before the first view of an artwork.
pub(crate) const FIRST_VIEW_AFTER: Duration = Duration::from_secs(5);
/// Visible time between further views of the same artwork.
pub(crate) const REPEAT_VIEW_EVERY: Duration = Duration::from_secs(30);
/// The server accepts at most one view per this interval from a player.
pub(crate) const MIN_VIEW_GAP: Duration = Duration::from_secs(5);

/// Why the artwork is on screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ViewIntent {
    /// Chosen by a person: a `show_artwork` command or a pick in the app.
    Artwork,
    /// Automatic playback of a channel or playset.
    Channel,
}

/// A view to report now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DueView {
    pub post_id: i64,
    pub intent: ViewIntent,
}

#[derive(Clone, Debug)]
struct Watching {
    post_id: i64,
    intent: ViewIntent,
    /// Visible time counted up to `since` (or in total while hidden).
    counted: Duration,
    /// When the current visible stretch began; `None` while hidden.
    since: Option<Duration>,
    /// Visible time at which the next view is due.
    due_at: Duration,
}

impl Watching {
    fn visible_time(&self, now: Duration) -> Duration {
        self.counted + self.since.map_or(Duration::ZERO, |s| now.saturating_sub(s))
    }
}

#[derive(Clone, Debug, Default)]
pub(crate) struct ViewTimer {
    watching: Option<Watching>,
    last_sent: Option<Duration>,
}

impl ViewTimer {
    /// A new artwork is on screen: a Makapix post (`Some`), or something that is
    /// not reported, like a local file (`None`). It starts hidden until `set_visible`.
    pub fn show(&mut self, post_id: Option<i64>, intent: ViewIntent) {
        self.watching = post_id.map(|post_id| Watching {
            post_id,
            intent,
            counted: Duration::ZERO,
            since: None,
            due_at: FIRST_VIEW_AFTER,
        });
    }

    /// Whether the artwork is really seen now: drawn, not paused, not covered, not failed.
    pub(crate) fn set_visible(&mut self, visible: bool, now: Duration) {
        let Some(w) = &mut self.watching else {
            return;
        };
        match (visible, w.since) {
            (true, None) => w.since = Some(now),
            (false, Some(since)) => {
                w.counted += now.saturating_sub(since);
                w.since = None;
            }
            _ => {}
        }
    }

    /// The view to send now, if one is due and the rate limit allows it. Call it
    /// when `next_deadline` comes; calling more often is harmless.
    pub fn poll(&mut self, now: Duration) -> Option<DueView> {
        let allowed = self.gap_allows(now);
        let w = self.watching.as_mut()?;
        if w.since.is_none() || w.visible_time(now) < w.due_at || !allowed {
            return None;
        }
        w.due_at = w.visible_time(now) + REPEAT_VIEW_EVERY;
        self.last_sent = Some(now);
        Some(DueView {
            post_id: w.post_id,
            intent: w.intent,
        })
    }

    /// When `poll` may next return a view; `None` while nothing can become due
    /// (no Makapix artwork, or it is hidden).
    pub(crate) fn next_deadline(&self, now: Duration) -> Option<Duration> {
        let w = self.watching.as_ref()?;
        w.since?;
        let by_visibility = now + w.due_at.saturating_sub(w.visible_time(now));
        let by_rate = self.last_sent.map_or(Duration::ZERO, |t| t + MIN_VIEW_GAP);
        Some(by_visibility.max(by_rate))
    }

    fn gap_allows(&self, now: Duration) -> bool {
        self.last_sent
            .is_none_or(|t| now.saturating_sub(t) >= MIN_VIEW_GAP)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: u64) -> Duration {
        Duration::from_secs(secs)
    }

    fn ms(millis: u64) -> Duration {
        Duration::from_millis(millis)
    }

    #[test]
    fn first_view_after_five_visible_seconds_then_every_thirty() {
        let mut t = ViewTimer::default();
        t.show(Some(42), ViewIntent::Channel);
        t.set_visible(true, s(100));
        assert_eq!(t.poll(s(104)), None);
        assert_eq!(t.next_deadline(s(104)), Some(s(105)));
        let view = t.poll(s(105)).expect("due after 5 s");
        assert_eq!(
            view,
            DueView {
                post_id: 42,
                intent: ViewIntent::Channel
            }
        );
        assert_eq!(t.poll(s(106)), None, "not twice");
        assert_eq!(t.next_deadline(s(106)), Some(s(135)));
        assert_eq!(t.poll(s(134)), None);
        assert!(t.poll(s(135)).is_some());
        assert!(t.poll(s(165)).is_some());
    }

    #[test]
    fn hidden_time_does_not_count() {
        let mut t = ViewTimer::default();
        t.show(Some(1), ViewIntent::Artwork);
        t.set_visible(true, s(0));
        t.set_visible(false, s(3)); // paused after 3 s
        assert_eq!(t.poll(s(60)), None, "paused: never due");
        assert_eq!(t.next_deadline(s(60)), None);
        t.set_visible(true, s(60));
        assert_eq!(t.poll(s(61)), None, "4 s seen so far");
        assert_eq!(t.next_deadline(s(61)), Some(s(62)));
        assert_eq!(t.poll(s(62)).map(|v| v.intent), Some(ViewIntent::Artwork));
    }

    #[test]
    fn an_artwork_not_yet_visible_is_not_reported() {
        let mut t = ViewTimer::default();
        t.show(Some(7), ViewIntent::Channel); // still loading
        assert_eq!(t.poll(s(30)), None);
        assert_eq!(t.next_deadline(s(30)), None);
    }

    #[test]
    fn local_files_are_never_reported() {
        let mut t = ViewTimer::default();
        t.show(None, ViewIntent::Artwork);
        t.set_visible(true, s(0));
        assert_eq!(t.poll(s(100)), None);
        assert_eq!(t.next_deadline(s(100)), None);
    }

    #[test]
    fn a_new_artwork_starts_its_own_count_and_the_rate_limit_holds() {
        let mut t = ViewTimer::default();
        t.show(Some(1), ViewIntent::Channel);
        t.set_visible(true, s(0));
        assert!(t.poll(s(5)).is_some());
        // The next artwork shows almost at once and is already "seen" for 5 s at 9.5 s,
        // but the server takes one view per 5 s: it waits until 10 s.
        t.show(Some(2), ViewIntent::Channel);
        t.set_visible(true, ms(4_500));
        assert_eq!(t.poll(ms(9_500)), None);
        assert_eq!(t.next_deadline(ms(9_500)), Some(s(10)));
        assert_eq!(t.poll(s(10)).map(|v| v.post_id), Some(2));
    }

    #[test]
    fn a_late_poll_sends_one_view_not_a_burst() {
        let mut t = ViewTimer::default();
        t.show(Some(3), ViewIntent::Channel);
        t.set_visible(true, s(0));
        assert!(t.poll(s(200)).is_some());
        assert_eq!(t.poll(s(200)), None);
        assert_eq!(t.next_deadline(s(200)), Some(s(230)));
    }

    #[test]
    fn never_more_than_one_view_per_five_seconds_over_a_long_random_session() {
        let mut t = ViewTimer::default();
        let mut sent = Vec::new();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut now = Duration::ZERO;
        for step in 0..20_000u64 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            now += ms(seed % 900);
            match seed % 11 {
                0 => t.show(Some((step % 5) as i64), ViewIntent::Channel),
                1 => t.set_visible(false, now),
                2..=4 => t.set_visible(true, now),
                _ => {}
            }
            if t.poll(now).is_some() {
                sent.push(now);
            }
        }
        assert!(sent.len() > 10, "the session sent views");
        for pair in sent.windows(2) {
            assert!(pair[1] - pair[0] >= MIN_VIEW_GAP, "{pair:?}");
        }
    }
}
