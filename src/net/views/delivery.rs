//! When each waiting view goes out, and what an answer does to it: pure
//! logic, time passed in, whatever the transport.
//!
//! Rules, from the server's code (protocol sections 8 and 13):
//! - One view per 5 s per player, with no tolerance (a Redis key with a 5 s
//!   life, set when the server processes an accepted view, not when the player
//!   sent it). So a view leaves at least `gap` (6 s) after the previous one was
//!   answered, or after it was sent while no answer came, counted across
//!   sessions, so a reconnect's flush keeps the pace too.
//! - The server remembers (player, post, timestamp) for 60 s *before* it checks
//!   the rate, so a view refused as `rate_limited` (or failed with
//!   `processing_error`) and sent again within that minute would be answered
//!   `duplicate` and lost. Such a view goes out again only `resend_after` (65 s)
//!   after it was last sent; the views behind it do not wait for it.
//! - Answers over MQTT carry no view id, and the server answers in the order
//!   it was sent (an HTTPS answer is its request's: `settle_view`).
//!   One view at a time waits for its answer; a sending whose answer is overdue
//!   (`ack_timeout`) is given up on and the view sent again, but the sending is
//!   kept in line for `resend_after`, so a late answer is matched to the view it
//!   belongs to, not to the next one. An answer settles every sending of its
//!   view. A `duplicate` for a view's first sending cannot be its own (the
//!   server never saw it before): when the view was sent only once, it is a
//!   late answer to a sending settled already, and the view keeps waiting.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::protocol::view::{ViewEvent, ViewOutcome};

/// A view's identity in the queue and its file (random: unique across restarts).
pub(crate) type ViewId = u64;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pace {
    /// Between two views as sent: the server's 5 s and a second for jitter.
    pub gap: Duration,
    /// How long the answer to a view may take before it is sent again.
    pub ack_timeout: Duration,
    /// How long after its last sending a refused or failed view may go again
    /// (the server's duplicate memory is 60 s).
    pub resend_after: Duration,
    /// `processing_error` answers (or refusals by the broker) before a view is dropped.
    pub max_failures: u32,
    /// Sendings without any answer before a view is dropped (a server that never answers).
    pub max_unanswered: u32,
}

impl Pace {
    pub(crate) const PRODUCTION: Pace = Pace {
        gap: Duration::from_secs(6),
        ack_timeout: Duration::from_secs(20),
        resend_after: Duration::from_secs(65),
        max_failures: 3,
        max_unanswered: 3,
    };

    /// How often the queue is looked at: a fraction of the gap, so a view
    /// leaves soon after its turn (never before it).
    pub fn tick(&self) -> Duration {
        (self.gap / 6).clamp(Duration::from_millis(20), Duration::from_secs(1))
    }

    /// The production rules with every interval multiplied by `factor` (tests
    /// run them in seconds; the counts stay). Factors outside (0, 1] give production.
    pub fn scaled(factor: f64) -> Pace {
        let p = Self::PRODUCTION;
        if !(factor > 0.0 && factor <= 1.0) {
            return p;
        }
        Pace {
            gap: p.gap.mul_f64(factor),
            ack_timeout: p.ack_timeout.mul_f64(factor),
            resend_after: p.resend_after.mul_f64(factor),
            ..p
        }
    }
}

struct Entry {
    id: ViewId,
    view: ViewEvent,
    not_before: Option<Instant>,
    failures: u32,
    unanswered: u32,
    /// Times sent (a view read back from disk may have been sent before: 1).
    sendings: u32,
}

/// One sending whose answer may still come.
struct Sending {
    id: ViewId,
    sent_at: Instant,
    /// When the broker confirmed it has it (PUBACK), if it did.
    received_at: Option<Instant>,
    /// The view had never been sent before.
    first: bool,
    /// Its answer is overdue: the view may go again; a late answer still counts.
    overdue: bool,
}

/// What the caller carries out after a change: views to forget on disk, lines for the log.
#[derive(Debug, Default, PartialEq)]
pub struct Changes {
    pub removed: Vec<ViewId>,
    pub notes: Vec<String>,
}

pub struct Delivery {
    pace: Pace,
    capacity: usize,
    entries: VecDeque<Entry>,
    /// Sendings whose answers may still come, in the order sent.
    awaiting: VecDeque<Sending>,
    /// When the last view was answered, or sent while no answer came.
    last_mark: Option<Instant>,
    /// Sendings in a row that did not reach the server or found nobody
    /// listening: each doubles the wait before the next view (`unreached_wait`),
    /// so a server that is down does not get a view every `gap` for as long
    /// as the outage lasts.
    unreached: u32,
}

impl Delivery {
    pub fn new(pace: Pace, capacity: usize) -> Self {
        Self {
            pace,
            capacity: capacity.max(1),
            entries: VecDeque::new(),
            awaiting: VecDeque::new(),
            last_mark: None,
            unreached: 0,
        }
    }

    pub(crate) fn set_pace(&mut self, pace: Pace) {
        self.pace = pace;
    }

    pub fn pace(&self) -> Pace {
        self.pace
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn ids(&self) -> impl Iterator<Item = ViewId> + '_ {
        self.entries.iter().map(|e| e.id)
    }

    pub fn view(&self, id: ViewId) -> Option<&ViewEvent> {
        self.entries.iter().find(|e| e.id == id).map(|e| &e.view)
    }

    /// The sending whose answer is awaited now (at most one).
    fn live(&self) -> Option<&Sending> {
        self.awaiting.iter().find(|s| !s.overdue)
    }

    /// Adds a new view at the back; the oldest go when the queue is full.
    pub fn push(&mut self, id: ViewId, view: ViewEvent) -> Changes {
        self.entries.push_back(fresh(id, view));
        self.trim()
    }

    /// Puts views read from disk in front of those made since (they are older).
    pub(crate) fn restore(&mut self, views: Vec<(ViewId, ViewEvent)>) -> Changes {
        for (id, view) in views.into_iter().rev() {
            if self.view(id).is_none() {
                // Perhaps sent in that session: a `duplicate` may be its own answer.
                self.entries.push_front(Entry {
                    sendings: 1,
                    ..fresh(id, view)
                });
            }
        }
        self.trim()
    }

    fn trim(&mut self) -> Changes {
        let mut changes = Changes::default();
        while self.entries.len() > self.capacity {
            let waiting = self.live().map(|o| o.id);
            let Some(at) = self.entries.iter().position(|e| Some(e.id) != waiting) else {
                break;
            };
            if let Some(old) = self.entries.remove(at) {
                changes.removed.push(old.id);
            }
        }
        if !changes.removed.is_empty() {
            changes.notes.push(format!(
                "{} old view(s) dropped: the queue keeps at most {}",
                changes.removed.len(),
                self.capacity
            ));
        }
        changes
    }

    /// The view to send now, if the pace allows one and none awaits its answer.
    pub fn due(&self, now: Instant) -> Option<ViewId> {
        if self.live().is_some() {
            return None;
        }
        let wait = self.pace.gap.max(self.unreached_wait());
        if self
            .last_mark
            .is_some_and(|t| now.saturating_duration_since(t) < wait)
        {
            return None;
        }
        self.entries
            .iter()
            .find(|e| e.not_before.is_none_or(|t| t <= now))
            .map(|e| e.id)
    }

    /// The wait after `unreached` sendings in a row: `ack_timeout`, doubled
    /// for each one after the first, up to 15 times it (5 minutes).
    fn unreached_wait(&self) -> Duration {
        if self.unreached == 0 {
            return Duration::ZERO;
        }
        let most = self.pace.ack_timeout * 15;
        crate::doubling::wait_after(self.unreached, self.pace.ack_timeout, most)
    }

    /// The server was reached again (a session started): views go at the pace.
    pub(crate) fn reached(&mut self) {
        self.unreached = 0;
    }

    /// The transport took view `id` at `now`.
    pub fn sent(&mut self, id: ViewId, now: Instant) {
        if let Some(entry) = self.entries.iter_mut().find(|e| e.id == id) {
            entry.not_before = None;
            self.awaiting.push_back(Sending {
                id,
                sent_at: now,
                received_at: None,
                first: entry.sendings == 0,
                overdue: false,
            });
            entry.sendings += 1;
            self.last_mark = Some(now);
        }
    }

    /// The broker confirmed it has view `id`; its answer may take `ack_timeout` from now.
    pub(crate) fn broker_has(&mut self, id: ViewId, now: Instant) {
        if let Some(o) = self.awaiting.iter_mut().find(|s| !s.overdue && s.id == id) {
            o.received_at = Some(now);
        }
    }

    /// Takes the live sending of view `id` out of line: the server never got
    /// it, so no answer will come. True if it was the live one.
    fn unsent(&mut self, id: ViewId) -> bool {
        let Some(at) = self.awaiting.iter().position(|s| !s.overdue && s.id == id) else {
            return false;
        };
        self.awaiting.remove(at);
        true
    }

    /// The broker took view `id` but nobody was subscribed to receive it (the
    /// back end is down): it is sent again later, not counted against it.
    pub(crate) fn unheard(&mut self, id: ViewId, now: Instant) -> Changes {
        let note = "the server is not listening for views now; the view waits";
        self.waits_unsent(id, now, note)
    }

    /// The sending of view `id` never reached the server (no answer came
    /// over HTTPS, or a proxy answered for it): like an unheard one, it waits
    /// and is sent again, not counted against the view, however long the
    /// outage lasts.
    pub(crate) fn unreached(&mut self, id: ViewId, now: Instant) -> Changes {
        self.waits_unsent(id, now, "the view did not reach the server; it waits")
    }

    /// View `id`'s live sending, which the server never got, out of line:
    /// the view waits to be sent again, `note` saying why.
    fn waits_unsent(&mut self, id: ViewId, now: Instant, note: &str) -> Changes {
        let mut changes = Changes::default();
        if self.unsent(id) {
            self.hold(id, now + self.pace.ack_timeout);
            self.unreached = self.unreached.saturating_add(1);
            changes.notes.push(note.into());
        }
        changes
    }

    /// The next answer from the server, matched to the oldest sending that
    /// may still be answered.
    pub fn settle(&mut self, outcome: &ViewOutcome, now: Instant) -> Changes {
        let Some(id) = self.awaiting.front().map(|s| s.id) else {
            let mut changes = Changes::default();
            changes.notes.push(format!(
                "view answer {outcome:?} for no view waiting; ignored"
            ));
            return changes;
        };
        self.settle_sending(id, outcome, now, false)
    }

    /// An answer that names its view `id` (HTTPS: each post has its own
    /// answer). One for a view no longer awaited (settled, or its sending
    /// forgotten when a session started) is dropped: it must not settle
    /// the view awaited now.
    pub(crate) fn settle_view(
        &mut self,
        id: ViewId,
        outcome: &ViewOutcome,
        now: Instant,
    ) -> Changes {
        if !self.awaiting.iter().any(|s| s.id == id) {
            let mut changes = Changes::default();
            changes.notes.push(format!(
                "view answer {outcome:?} for a view no longer awaited; ignored"
            ));
            return changes;
        }
        self.settle_sending(id, outcome, now, true)
    }

    /// Settles view `id` by its oldest sending awaited. `own`: the answer
    /// is known to be this view's, so even a `duplicate` to its first
    /// sending is its own.
    fn settle_sending(
        &mut self,
        id: ViewId,
        outcome: &ViewOutcome,
        now: Instant,
        own: bool,
    ) -> Changes {
        let mut changes = Changes::default();
        let Some(sending) = self.awaiting.iter().find(|s| s.id == id) else {
            return changes;
        };
        let (sent_at, first) = (sending.sent_at, sending.first);
        let entry = self.entries.iter().find(|e| e.id == id);
        let post = entry.map_or(0, |e| e.view.post_id);
        let sent_once = first && entry.is_some_and(|e| e.sendings == 1);
        if *outcome == ViewOutcome::Duplicate && sent_once && !own {
            changes.notes.push(format!(
                "a late duplicate answer came while the view of post {post} awaited its first; it waits for its own"
            ));
            return changes;
        }
        // This answer settles every sending of the view: a later answer to
        // another of them is late, and cannot be the next view's.
        self.awaiting.retain(|s| s.id != id);
        self.last_mark = Some(self.last_mark.map_or(now, |t| t.max(now)));
        self.unreached = 0;
        if self.view(id).is_none() {
            changes.notes.push(format!(
                "view answer {outcome:?} for a view settled already; ignored"
            ));
            return changes;
        }
        let again = sent_at + self.pace.resend_after;
        self.apply_outcome(id, post, outcome, again, now, &mut changes);
        changes
    }

    fn apply_outcome(
        &mut self,
        id: ViewId,
        post: i64,
        outcome: &ViewOutcome,
        again: Instant,
        now: Instant,
        changes: &mut Changes,
    ) {
        match outcome {
            ViewOutcome::Accepted => self.remove(id, changes),
            ViewOutcome::Duplicate => {
                self.remove(id, changes);
                changes
                    .notes
                    .push(format!("view of post {post}: the server already has it"));
            }
            ViewOutcome::Refused(code) => {
                self.remove(id, changes);
                changes
                    .notes
                    .push(format!("view of post {post} refused ({code}); dropped"));
            }
            ViewOutcome::RateLimited { retry_after } => {
                let at = retry_after.map_or(again, |r| again.max(now + r));
                self.hold(id, at);
                changes.notes.push(format!(
                    "view of post {post} came too soon for the server; sent again in {:.0} s",
                    at.saturating_duration_since(now).as_secs_f64()
                ));
            }
            ViewOutcome::Failed(code) => self.fail(id, code, again, now, changes),
        }
    }

    /// The broker refused view `id` itself (a PUBACK with an error reason).
    pub(crate) fn refused_by_broker(&mut self, id: ViewId, reason: &str, now: Instant) -> Changes {
        let mut changes = Changes::default();
        if self.unsent(id) {
            let again = now + self.pace.ack_timeout;
            self.fail(id, reason, again, now, &mut changes);
        }
        changes
    }

    fn fail(&mut self, id: ViewId, code: &str, again: Instant, now: Instant, c: &mut Changes) {
        let max = self.pace.max_failures;
        let Some(entry) = self.entries.iter_mut().find(|e| e.id == id) else {
            return;
        };
        entry.failures += 1;
        let post = entry.view.post_id;
        if entry.failures >= max {
            self.remove(id, c);
            c.notes.push(format!(
                "view of post {post} failed {max} times ({code}); dropped"
            ));
        } else {
            entry.not_before = Some(again);
            c.notes.push(format!(
                "view of post {post} failed ({code}); sent again in {:.0} s",
                again.saturating_duration_since(now).as_secs_f64()
            ));
        }
    }

    /// Gives up waiting for an answer that is overdue: the view goes again.
    /// A sending given up on longer ago than the server's duplicate memory
    /// will not be answered any more.
    pub fn tick(&mut self, now: Instant) -> Changes {
        let mut changes = Changes::default();
        let forget = self.pace.resend_after;
        self.awaiting
            .retain(|s| !s.overdue || now.saturating_duration_since(s.sent_at) < forget);
        let timeout = self.pace.ack_timeout;
        let Some(o) = self.awaiting.iter_mut().find(|s| !s.overdue) else {
            return changes;
        };
        let since = o.received_at.unwrap_or(o.sent_at);
        if now.saturating_duration_since(since) < timeout {
            return changes;
        }
        o.overdue = true;
        let id = o.id;
        let max = self.pace.max_unanswered;
        if let Some(entry) = self.entries.iter_mut().find(|e| e.id == id) {
            entry.unanswered += 1;
            let post = entry.view.post_id;
            if entry.unanswered >= max {
                self.remove(id, &mut changes);
                changes.notes.push(format!(
                    "view of post {post} was never answered in {max} tries; dropped"
                ));
            } else {
                changes.notes.push(format!(
                    "no answer to the view of post {post}; it will be sent again"
                ));
            }
        }
        changes
    }

    /// The connection dropped: an answer still awaited will not come (clean
    /// sessions), so the view goes again at its turn. The pace is kept.
    pub(crate) fn connection_lost(&mut self) {
        self.awaiting.clear();
    }

    fn hold(&mut self, id: ViewId, until: Instant) {
        if let Some(entry) = self.entries.iter_mut().find(|e| e.id == id) {
            entry.not_before = Some(until);
        }
    }

    fn remove(&mut self, id: ViewId, changes: &mut Changes) {
        if let Some(at) = self.entries.iter().position(|e| e.id == id) {
            self.entries.remove(at);
            changes.removed.push(id);
        }
    }
}

fn fresh(id: ViewId, view: ViewEvent) -> Entry {
    Entry {
        id,
        view,
        not_before: None,
        failures: 0,
        unanswered: 0,
        sendings: 0,
    }
}

#[cfg(test)]
#[path = "delivery_tests.rs"]
mod tests;
