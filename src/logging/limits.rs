//! Limits on what outside parties can put into the log: text they chose is cut
//! to a short length, and a warning they can trigger at will is written a few
//! times a minute at most, with a count of what was left out.

use std::borrow::Cow;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The most characters of a remote string (a command's id or type, a server's
/// message) a log line carries.
pub const CLIP_CHARS: usize = 200;

/// The most characters of one of our own sentences (which may quote a remote
/// string, itself clipped) a diagnostics line carries: room for the sentence
/// and what to do, still bounded.
pub const SENTENCE_CHARS: usize = 4 * CLIP_CHARS;

/// `text` cut to `CLIP_CHARS` characters, the cut marked with `…`.
pub fn clip(text: &str) -> Cow<'_, str> {
    clip_to(text, CLIP_CHARS)
}

/// `text` cut to `max` characters (at least 1), the cut marked with `…`.
pub fn clip_to(text: &str, max: usize) -> Cow<'_, str> {
    let max = max.max(1);
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some((at, _)) => {
            let kept = text[..at]
                .char_indices()
                .nth(max - 1)
                .map_or(at, |(i, _)| i);
            Cow::Owned(format!("{}…", &text[..kept]))
        }
    }
}

/// A warning written at most `burst` times per `window`; later ones are
/// counted and the count is reported with the next one written.
pub struct Throttle {
    burst: u32,
    window: Duration,
    state: Mutex<ThrottleState>,
}

#[derive(Default)]
struct ThrottleState {
    started: Option<Instant>,
    written: u32,
    left_out: u64,
}

impl Throttle {
    pub const fn new(burst: u32, window: Duration) -> Self {
        Self {
            burst,
            window,
            state: Mutex::new(ThrottleState {
                started: None,
                written: 0,
                left_out: 0,
            }),
        }
    }

    /// Whether to write the warning now: `Some(note)` to write it with `note`
    /// after it (what was left out before, or that the next ones will be;
    /// often empty), `None` to leave this one out.
    pub fn allow(&self) -> Option<String> {
        self.allow_at(Instant::now())
    }

    pub(crate) fn allow_at(&self, now: Instant) -> Option<String> {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let fresh = s
            .started
            .is_none_or(|started| now.saturating_duration_since(started) >= self.window);
        if fresh {
            s.started = Some(now);
            s.written = 0;
        }
        if s.written >= self.burst {
            s.left_out += 1;
            return None;
        }
        s.written += 1;
        let mut note = match std::mem::take(&mut s.left_out) {
            0 => String::new(),
            n => format!(" ({n} similar warnings were left out)"),
        };
        if s.written == self.burst {
            let seconds = self.window.as_secs();
            note.push_str(&format!(
                " (similar warnings are left out for the next {seconds} s)"
            ));
        }
        Some(note)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sentence_keeps_more_than_a_remote_string() {
        let sentence = "x".repeat(SENTENCE_CHARS + 10);
        assert_eq!(clip(&sentence).chars().count(), CLIP_CHARS);
        let kept = clip_to(&sentence, SENTENCE_CHARS);
        assert_eq!(kept.chars().count(), SENTENCE_CHARS);
        assert!(kept.ends_with('…'));
        assert_eq!(clip_to("short", SENTENCE_CHARS), "short");
    }

    #[test]
    fn long_remote_text_is_cut_to_200_characters() {
        assert_eq!(clip("short"), "short");
        let exact = "é".repeat(CLIP_CHARS);
        assert_eq!(clip(&exact), exact.as_str());
        let long = "é".repeat(100_000);
        let cut = clip(&long);
        assert_eq!(cut.chars().count(), CLIP_CHARS);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn a_flood_of_warnings_writes_a_few_per_window_and_counts_the_rest() {
        let throttle = Throttle::new(3, Duration::from_secs(60));
        let start = Instant::now();
        let written: Vec<_> = (0..1000).filter_map(|_| throttle.allow_at(start)).collect();
        assert_eq!(
            written,
            ["", "", " (similar warnings are left out for the next 60 s)"]
        );
        assert_eq!(throttle.allow_at(start + Duration::from_secs(59)), None);
        assert_eq!(
            throttle
                .allow_at(start + Duration::from_secs(60))
                .as_deref(),
            Some(" (998 similar warnings were left out)"),
            "the next window reports what was left out"
        );
    }
}
