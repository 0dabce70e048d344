//! After the player could not get a bearer token: not asking again until a
//! wait has passed. Makapix Club allows 30 `token/rotate` calls an hour per
//! address and counts the failed ones, then refuses for an hour after the last
//! one it let through; asking with every request while the server fails would
//! lock the player out long after the server is back. Pure: time comes in.

use std::time::{Duration, Instant};

use crate::net::backoff::Backoff;

/// How many times the first wait the wait grows to while failures go on.
const GROWTH: u32 = 20;

pub(crate) struct TokenHold {
    backoff: Backoff,
    /// Until when no token is asked for, and why.
    until: Option<(Instant, String)>,
}

impl TokenHold {
    pub(crate) fn new(first_wait: Duration) -> Self {
        Self {
            backoff: Backoff::new(first_wait, first_wait.saturating_mul(GROWTH)),
            until: None,
        }
    }

    /// The sentence to answer with at `now` instead of asking, if the wait runs.
    pub(crate) fn holding(&self, now: Instant) -> Option<String> {
        let left = self.left(now)?;
        let (_, why) = self.until.as_ref()?;
        Some(sentence(why, left))
    }

    /// How long the wait still runs at `now`, if it does.
    pub(crate) fn left(&self, now: Instant) -> Option<Duration> {
        let (until, _) = self.until.as_ref().filter(|(until, _)| now < *until)?;
        Some(*until - now)
    }

    /// Getting a token failed at `now` for `why`: the next try waits between
    /// half and all of the current bound (`jitter` in `[0, 1)` picks where),
    /// so it never comes at once. Returns the sentence to answer with.
    pub(crate) fn failed(&mut self, now: Instant, why: String, jitter: f64) -> String {
        let wait = self.backoff.next_wait(0.5 + jitter.clamp(0.0, 1.0) / 2.0);
        let said = sentence(&why, wait);
        self.until = Some((now + wait, why));
        said
    }

    /// A token was had: the next failure waits the first wait again.
    pub(crate) fn succeeded(&mut self) {
        self.backoff.reset();
        self.until = None;
    }
}

fn sentence(why: &str, left: Duration) -> String {
    let secs = left.as_secs_f64().ceil().max(1.0);
    format!("{why} The player tries again to get a token in {secs:.0} s.")
}

#[cfg(test)]
mod tests {
    use super::*;

    const WHY: &str = "The Makapix server refused the request (HTTP 503).";

    #[test]
    fn no_token_is_asked_for_until_the_wait_has_passed() {
        let t0 = Instant::now();
        let mut hold = TokenHold::new(Duration::from_secs(30));
        assert_eq!(hold.holding(t0), None, "nothing failed yet");
        let said = hold.failed(t0, WHY.into(), 0.0);
        assert_eq!(
            said,
            format!("{WHY} The player tries again to get a token in 15 s.")
        );
        let held = hold.holding(t0 + Duration::from_secs(10));
        assert!(held.is_some_and(|s| s.ends_with("a token in 5 s.")));
        assert_eq!(hold.holding(t0 + Duration::from_secs(15)), None);
        assert_eq!(
            hold.left(t0 + Duration::from_secs(10)),
            Some(Duration::from_secs(5))
        );
        assert_eq!(hold.left(t0 + Duration::from_secs(15)), None);
    }

    #[test]
    fn the_wait_grows_while_failures_go_on_and_starts_over_after_a_token() {
        let t0 = Instant::now();
        let mut hold = TokenHold::new(Duration::from_secs(30));
        let top = 0.999_999;
        let waits: Vec<u64> = (0..8)
            .map(|_| {
                hold.failed(t0, WHY.into(), top);
                let (until, _) = hold.until.as_ref().unwrap();
                until.duration_since(t0).as_secs()
            })
            .collect();
        assert_eq!(waits, [29, 59, 119, 239, 479, 599, 599, 599]);
        hold.succeeded();
        assert_eq!(hold.holding(t0), None);
        hold.failed(t0, WHY.into(), top);
        assert!(hold.holding(t0).is_some_and(|s| s.ends_with("in 30 s.")));
    }
}
