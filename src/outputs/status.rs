//! What an output shows the user: its state, frames a second and frames
//! dropped. Pure: time is passed in.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// A failure colours the state until a send goes out, and at least this long
/// after it: a receiver gone answers "port unreachable" to some sends only,
/// and the state would flicker between the two.
const ERROR_HOLDS: Duration = Duration::from_secs(2);
/// Frames a second are counted over this window.
const RATE_WINDOW: Duration = Duration::from_secs(1);

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    /// Nothing sent yet: no frame.
    Waiting,
    /// Nothing sent yet: the host named is being looked up.
    LookingUp(String),
    Sending,
    /// The host cannot be found or reached; the sentence says which.
    Unreachable(String),
    /// The host answered that nothing listens on that port.
    Refused,
    /// Not sent: another output reaches the same panel; the sentence says which.
    Held(String),
    /// Its sending thread ended on an error (a bug): nothing goes out until
    /// the output is started again.
    Stopped,
}

impl State {
    pub fn label(&self) -> String {
        match self {
            State::Waiting => "Waiting for a frame".into(),
            State::LookingUp(host) => format!("Looking up {host}…"),
            State::Sending => "Sending".into(),
            State::Unreachable(why) => format!("Unreachable: {why}"),
            State::Refused => {
                "Refused: nothing listens on that port; check the panel's DDP or E1.31 setting"
                    .into()
            }
            State::Held(why) => format!("Not sent: {why}"),
            State::Stopped => "Stopped by an error in the player: untick this panel and tick it \
                 again to start it again, or restart the player"
                .into(),
        }
    }
}

/// One output's figures as the window shows them.
#[derive(Clone, Debug, PartialEq)]
pub struct Status {
    pub state: State,
    pub fps: f32,
    pub sent: u64,
    pub dropped: u64,
}

/// Kept by the sending thread, read by the window.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    sent_at: VecDeque<Instant>,
    sent: u64,
    dropped: u64,
    failure: Option<(Instant, State)>,
    /// A send went out since the last failure.
    recovered: bool,
    /// In a failure told to the log, not yet its recovery.
    told: bool,
    /// A frame waits for this host's first lookup.
    looking_up: Option<String>,
}

impl Tally {
    /// Counts a frame sent; true when it ends a failure told to the log (no
    /// failure for `ERROR_HOLDS`: one send between "port unreachable" answers is none).
    pub fn sent(&mut self, now: Instant) -> bool {
        self.sent += 1;
        self.recovered = true;
        let recovered = self.told
            && self
                .failure
                .as_ref()
                .is_some_and(|(at, state)| !lingers(state, *at, now));
        if recovered {
            self.told = false;
        }
        self.sent_at.push_back(now);
        self.prune(now);
        recovered
    }

    /// A frame that never reached the wire: replaced by a newer one, or its send failed.
    /// Not once the thread stopped: the window still offers frames, no one takes them,
    /// and a count rising under "Stopped" would read as a panel still being tried.
    pub fn dropped(&mut self, count: u64) {
        if !matches!(self.failure, Some((_, State::Stopped))) {
            self.dropped += count;
        }
    }

    /// Counts a failed frame; true when it starts a failure, to tell the log once.
    pub fn failed(&mut self, now: Instant, state: State) -> bool {
        self.dropped += 1;
        self.held(now, state)
    }

    /// A frame not sent on purpose (`State::Held`: another output drives the
    /// panel): shown as a failure is, but not counted as dropped, which
    /// would say frames are lost. True when it starts, to tell the log once.
    pub fn held(&mut self, now: Instant, state: State) -> bool {
        self.failure = Some((now, state));
        self.recovered = false;
        !std::mem::replace(&mut self.told, true)
    }

    /// The sending thread ended on an error: the state says so from now on,
    /// as no send follows to clear it.
    pub fn stopped(&mut self, now: Instant) {
        self.held(now, State::Stopped);
    }

    /// A frame waits for the first lookup of `host`: not a failure, not dropped.
    pub fn looking_up(&mut self, host: &str) {
        if self.looking_up.is_none() {
            self.looking_up = Some(host.to_owned());
        }
    }

    /// The host answered (or cannot be found, or the frame cannot go out
    /// for another reason): the state says that, no longer "Looking up".
    pub fn looked_up(&mut self) {
        self.looking_up = None;
    }

    fn prune(&mut self, now: Instant) {
        while self
            .sent_at
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= RATE_WINDOW)
        {
            self.sent_at.pop_front();
        }
    }

    pub fn status(&mut self, now: Instant) -> Status {
        self.prune(now);
        let failure = self
            .failure
            .as_ref()
            .filter(|(at, state)| !self.recovered || lingers(state, *at, now));
        let state = match failure {
            Some((_, state)) => state.clone(),
            None if self.sent > 0 => State::Sending,
            None => match &self.looking_up {
                Some(host) => State::LookingUp(host.clone()),
                None => State::Waiting,
            },
        };
        Status {
            state,
            fps: self.sent_at.len() as f32 / RATE_WINDOW.as_secs_f32(),
            sent: self.sent,
            dropped: self.dropped,
        }
    }
}

/// A failure at `at` still shows at `now`, a send since: for `ERROR_HOLDS`.
/// Not a hold: the sending thread decides it at each frame, with no answers
/// to flicker between, and once a frame went out the panel shows this
/// output's frames (the one it gave way to has left, or moved).
fn lingers(state: &State, at: Instant, now: Instant) -> bool {
    !matches!(state, State::Held(_)) && now.saturating_duration_since(at) < ERROR_HOLDS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_a_second_count_the_last_second_only() {
        let t0 = Instant::now();
        let mut tally = Tally::default();
        assert_eq!(tally.status(t0).state, State::Waiting);
        for i in 0..10 {
            tally.sent(t0 + Duration::from_millis(i * 100));
        }
        let status = tally.status(t0 + Duration::from_millis(950));
        assert_eq!(
            (status.state, status.fps, status.sent),
            (State::Sending, 10.0, 10)
        );
        assert_eq!(tally.status(t0 + Duration::from_millis(1450)).fps, 5.0);
        assert_eq!(tally.status(t0 + Duration::from_secs(5)).fps, 0.0);
    }

    #[test]
    fn a_failure_shows_until_a_send_goes_out() {
        let t0 = Instant::now();
        let mut tally = Tally::default();
        let lost = State::Unreachable("cannot find panel.local".into());
        tally.failed(t0, lost.clone());
        // Frames, then none: still the reason, never "Waiting for a frame".
        assert_eq!(tally.status(t0 + Duration::from_secs(60)).state, lost);
        tally.sent(t0 + Duration::from_secs(61));
        tally.sent(t0 + Duration::from_secs(63));
        assert_eq!(
            tally.status(t0 + Duration::from_secs(63)).state,
            State::Sending
        );
    }

    #[test]
    fn a_failure_among_sends_shows_for_two_seconds_and_counts_as_dropped() {
        let t0 = Instant::now();
        let mut tally = Tally::default();
        tally.sent(t0);
        tally.failed(t0, State::Refused);
        tally.dropped(2);
        tally.sent(t0 + Duration::from_millis(500));
        let status = tally.status(t0 + Duration::from_secs(1));
        assert_eq!((status.state, status.dropped), (State::Refused, 3));
        assert_eq!(
            tally.status(t0 + Duration::from_secs(3)).state,
            State::Sending
        );
    }

    #[test]
    fn a_held_frame_shows_why_and_is_not_counted_as_dropped() {
        let t0 = Instant::now();
        let mut tally = Tally::default();
        let held = State::Held("ddp://10.0.0.2 reaches the same panel".into());
        assert!(tally.held(t0, held.clone()), "told once");
        assert!(!tally.held(t0 + Duration::from_secs(1), held.clone()));
        let status = tally.status(t0 + Duration::from_secs(1));
        assert_eq!((status.state, status.dropped), (held, 0));
    }

    // The output it gave way to was removed and has left: the panel shows
    // this one's frames, and "Not sent: … Remove one." would now be wrong.
    #[test]
    fn a_hold_ends_with_the_first_frame_sent_after_it() {
        let t0 = Instant::now();
        let at = |ms| t0 + Duration::from_millis(ms);
        let mut tally = Tally::default();
        let held = State::Held("ddp://10.0.0.2 reaches the same panel".into());
        assert!(tally.held(at(0), held.clone()), "told once");
        assert!(!tally.held(at(20), held));
        assert!(tally.sent(at(40)), "its end told at once");
        assert_eq!(tally.status(at(40)).state, State::Sending);
    }

    #[test]
    fn a_failure_is_told_once_and_its_end_once() {
        let t0 = Instant::now();
        let at = |ms| t0 + Duration::from_millis(ms);
        let mut tally = Tally::default();
        assert!(!tally.sent(at(0)));
        assert!(tally.failed(at(10), State::Refused), "the failure starts");
        // "Port unreachable" to every other send: one failure, not many.
        assert!(!tally.sent(at(40)));
        assert!(!tally.failed(at(70), State::Refused));
        assert!(!tally.failed(at(1000), State::Unreachable("no route".into())));
        assert!(!tally.sent(at(2500)), "within 2 s of the last failure");
        assert!(tally.sent(at(3000)), "the failure ends");
        assert!(!tally.sent(at(3030)));
        assert!(tally.failed(at(9000), State::Refused), "a new failure");
    }
}
