//! The last ten minutes of the connection, for the Diagnostics plot: when the
//! session was online (and which way), how long each command took to reach
//! the screen, messages each way, and what became of views. Pure: times are
//! passed in, and everything older than `SPAN` is dropped as new facts come.

use std::collections::VecDeque;
use std::time::{Duration, Instant, SystemTime};

use crate::bridge::connection::{ConnectionState, Direction, ViewFate};
use crate::bridge::transport::Via;
use crate::player::ArtworkSource;
use crate::protocol::command::CommandEnvelope;

/// How far back the plot looks.
pub(crate) const SPAN: Duration = Duration::from_secs(600);
/// At most this many facts of one kind are kept: a burst cannot grow it without bound.
const CAP: usize = 20_000;

/// How the session stood for a stretch of time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Band {
    Online,
    /// Requests over the HTTPS API (port 8883 blocked).
    HttpsFallback,
    Reconnecting,
    Offline,
}

impl Band {
    pub fn of(state: ConnectionState, via: Via) -> Band {
        match state {
            ConnectionState::Connected if via == Via::Https => Band::HttpsFallback,
            ConnectionState::Connected => Band::Online,
            ConnectionState::Connecting | ConnectionState::Reconnecting => Band::Reconnecting,
            _ => Band::Offline,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Band::Online => "online",
            Band::HttpsFallback => "HTTPS fallback",
            Band::Reconnecting => "reconnecting",
            Band::Offline => "offline",
        }
    }
}

/// A stretch of one band, in seconds relative to now (negative: the past).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Stretch {
    pub from: f64,
    pub to: f64,
    pub band: Band,
}

#[derive(Default)]
pub struct Timeline {
    bands: VecDeque<(SystemTime, Band)>,
    latencies: VecDeque<(SystemTime, Duration)>,
    messages: VecDeque<(SystemTime, Direction)>,
    views: VecDeque<(SystemTime, ViewFate)>,
}

impl Timeline {
    /// The session's band from `at` on (a repeat of the current one is no change).
    pub(crate) fn band(&mut self, at: SystemTime, band: Band) {
        if self.bands.back().map(|(_, b)| *b) != Some(band) {
            push(&mut self.bands, (at, band));
        }
        self.trim(at);
    }

    /// A command's artwork reached the screen `took` after the command came.
    pub(crate) fn latency(&mut self, at: SystemTime, took: Duration) {
        push(&mut self.latencies, (at, took));
        self.trim(at);
    }

    pub fn message(&mut self, at: SystemTime, direction: Direction) {
        if direction != Direction::Note {
            push(&mut self.messages, (at, direction));
        }
        self.trim(at);
    }

    pub fn view(&mut self, at: SystemTime, fate: ViewFate) {
        push(&mut self.views, (at, fate));
        self.trim(at);
    }

    /// The command → screen latencies: (seconds ago, negative; milliseconds).
    pub fn latencies(&self, now: SystemTime) -> Vec<[f64; 2]> {
        self.latencies
            .iter()
            .map(|(at, took)| [ago(now, *at), took.as_secs_f64() * 1000.0])
            .collect()
    }

    /// The bands within the last `SPAN`, oldest first; the first one may have
    /// begun earlier (it is cut at the window's start).
    pub(crate) fn stretches(&self, now: SystemTime) -> Vec<Stretch> {
        let start = -SPAN.as_secs_f64();
        let mut out: Vec<Stretch> = Vec::new();
        for (at, band) in &self.bands {
            let from = ago(now, *at).max(start);
            if let Some(last) = out.last_mut() {
                last.to = from;
            }
            out.push(Stretch {
                from,
                to: 0.0,
                band: *band,
            });
        }
        out.retain(|s| s.to > s.from || s.to == 0.0);
        out
    }

    /// Messages in and out in each of the last ten minutes, oldest first.
    pub(crate) fn messages_per_minute(&self, now: SystemTime) -> [[u32; 2]; 10] {
        let mut out = [[0; 2]; 10];
        for (at, direction) in &self.messages {
            if let Some(minute) = minute(now, *at) {
                out[minute][usize::from(*direction == Direction::Out)] += 1;
            }
        }
        out
    }

    /// Views queued, delivered and refused in each of the last ten minutes, oldest first.
    pub fn views_per_minute(&self, now: SystemTime) -> [[u32; 3]; 10] {
        let mut out = [[0; 3]; 10];
        for (at, fate) in &self.views {
            if let Some(minute) = minute(now, *at) {
                let column = match fate {
                    ViewFate::Queued => 0,
                    ViewFate::Delivered => 1,
                    ViewFate::Refused => 2,
                };
                out[minute][column] += 1;
            }
        }
        out
    }

    /// Forgets what is older than `SPAN`, keeping the band that was current then.
    fn trim(&mut self, now: SystemTime) {
        let old = |at: &SystemTime| now.duration_since(*at).is_ok_and(|d| d > SPAN);
        while self.bands.len() > 1 && self.bands.get(1).is_some_and(|(at, _)| old(at)) {
            self.bands.pop_front();
        }
        while self.latencies.front().is_some_and(|(at, _)| old(at)) {
            self.latencies.pop_front();
        }
        while self.messages.front().is_some_and(|(at, _)| old(at)) {
            self.messages.pop_front();
        }
        while self.views.front().is_some_and(|(at, _)| old(at)) {
            self.views.pop_front();
        }
    }
}

/// How long a command may wait for the screen before it no longer counts.
const SCREEN_WAIT: Duration = Duration::from_secs(60);

/// The command that changes what plays, waiting for its artwork to reach the
/// screen: a later one replaces it (the earlier one is never shown).
#[derive(Default)]
pub(crate) struct ToScreen {
    pending: Option<Pending>,
}

struct Pending {
    at: Instant,
    /// `show_artwork`'s post; `None`: any new artwork answers it.
    post: Option<i64>,
    /// What was on screen when the command came.
    before: Option<ArtworkSource>,
}

impl ToScreen {
    /// A command came at `at`, with `on_screen` showing then.
    pub fn command(
        &mut self,
        command: &CommandEnvelope,
        on_screen: Option<&ArtworkSource>,
        at: Instant,
    ) {
        let post = match command.command_type.as_str() {
            "show_artwork" => command.payload.get("post_id").and_then(|p| p.as_i64()),
            "play_channel" | "play_playset" | "swap_next" | "swap_back" => None,
            _ => return,
        };
        self.pending = Some(Pending {
            at,
            post,
            before: on_screen.cloned(),
        });
    }

    /// `shown` is the artwork drawn at `at`: the waiting command's time to the
    /// screen, once its artwork is there.
    pub fn screen(&mut self, shown: Option<&ArtworkSource>, at: Instant) -> Option<Duration> {
        let pending = self.pending.as_ref()?;
        let took = at.saturating_duration_since(pending.at);
        if took > SCREEN_WAIT {
            self.pending = None;
            return None;
        }
        let shown = shown?;
        let arrived = match pending.post {
            Some(post) => matches!(shown, ArtworkSource::Makapix(p) if p.post_id == post),
            None => pending.before.as_ref() != Some(shown),
        };
        arrived.then(|| {
            self.pending = None;
            took
        })
    }
}

fn push<T>(queue: &mut VecDeque<T>, item: T) {
    if queue.len() == CAP {
        queue.pop_front();
    }
    queue.push_back(item);
}

/// Seconds from `now` back to `at`, as a negative number (0 for the future).
fn ago(now: SystemTime, at: SystemTime) -> f64 {
    -now.duration_since(at).unwrap_or_default().as_secs_f64()
}

/// Which of the last ten minutes `at` falls in (0 the oldest, 9 the current).
fn minute(now: SystemTime, at: SystemTime) -> Option<usize> {
    let back = now.duration_since(at).unwrap_or_default().as_secs() / 60;
    (back < 10).then(|| 9 - back as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000 + secs)
    }

    fn command(kind: &str, payload: serde_json::Value) -> CommandEnvelope {
        CommandEnvelope {
            command_id: "c1".into(),
            command_type: kind.into(),
            payload,
            timestamp: None,
        }
    }

    #[test]
    fn a_command_counts_once_its_artwork_is_on_screen() {
        let start = Instant::now();
        let sample = ArtworkSource::Embedded("a.png");
        let other = ArtworkSource::Embedded("b.png");
        let mut wait = ToScreen::default();
        let show = command("show_artwork", serde_json::json!({"post_id": 7}));
        wait.command(&show, Some(&sample), start);
        assert_eq!(wait.screen(Some(&other), start), None, "not post 7");
        let post = ArtworkSource::Makapix(crate::player::MakapixPost {
            post_id: 7,
            title: None,
            storage_key: "k".into(),
            storage_shard: "a/b".into(),
            native_format: "png".into(),
            art_url: None,
        });
        let at = start + Duration::from_millis(120);
        assert_eq!(
            wait.screen(Some(&post), at),
            Some(Duration::from_millis(120))
        );
        assert_eq!(wait.screen(Some(&post), at), None, "counted once");

        // A channel: any other artwork answers it; a pause is no such command.
        wait.command(&command("pause", serde_json::json!({})), Some(&post), at);
        assert_eq!(wait.screen(Some(&other), at), None);
        wait.command(
            &command("play_channel", serde_json::json!({})),
            Some(&post),
            at,
        );
        assert_eq!(wait.screen(Some(&post), at), None);
        assert!(wait.screen(Some(&other), at).is_some());

        // Never shown: forgotten after a minute.
        wait.command(&show, Some(&sample), at);
        assert_eq!(wait.screen(Some(&sample), at + SCREEN_WAIT * 2), None);
        assert_eq!(wait.screen(Some(&post), at + SCREEN_WAIT * 2), None);
    }

    #[test]
    fn bands_are_cut_at_ten_minutes_and_repeats_are_no_change() {
        let mut line = Timeline::default();
        line.band(t(0), Band::Reconnecting);
        line.band(t(5), Band::Online);
        line.band(t(6), Band::Online);
        line.band(t(700), Band::HttpsFallback);
        let now = t(760);
        let stretches = line.stretches(now);
        assert_eq!(
            stretches,
            vec![
                Stretch {
                    from: -600.0,
                    to: -60.0,
                    band: Band::Online
                },
                Stretch {
                    from: -60.0,
                    to: 0.0,
                    band: Band::HttpsFallback
                },
            ]
        );
    }

    #[test]
    fn messages_and_views_are_counted_per_minute_and_old_ones_forgotten() {
        let mut line = Timeline::default();
        line.message(t(0), Direction::In);
        line.message(t(590), Direction::In);
        line.message(t(595), Direction::Out);
        line.message(t(596), Direction::Note);
        line.view(t(598), ViewFate::Queued);
        line.view(t(599), ViewFate::Refused);
        line.latency(t(599), Duration::from_millis(250));
        let now = t(620);
        let counts = line.messages_per_minute(now);
        assert_eq!(counts[9], [1, 1], "the current minute");
        assert_eq!(counts.iter().map(|c| c[0] + c[1]).sum::<u32>(), 2);
        let views = line.views_per_minute(now);
        assert_eq!(views[9], [1, 0, 1]);
        assert_eq!(line.latencies(now), vec![[-21.0, 250.0]]);
        // Ten minutes on, all of it is gone.
        line.message(t(1300), Direction::Out);
        assert_eq!(line.messages_per_minute(t(1300))[9], [0, 1]);
        assert!(line.latencies(t(1300)).is_empty());
    }
}
