//! The playback engine: what is on screen, what is waiting to replace it, and
//! when the next change is due.
//!
//! Model in short:
//! - `current` is what is on screen. It is only replaced once its successor
//!   is decoded (`on_loaded`), so the screen never goes blank.
//! - `pending` is the single navigation target waiting for its decode. Every
//!   navigation (manual or automatic) is relative to the pending item when
//!   there is one, so pressing next twice moves two steps.
//! - `history` is what was actually shown, with a cursor on `current`;
//!   previous/next walk it like browser history before falling back to queue
//!   order.
//! - Two stopwatches per shown artwork: the visible clock (stops while paused,
//!   drives the animation frame) and the dwell clock (also stops while pinned,
//!   decides when to move on).
//!
//! Open points decided here: after unpinning, the dwell counts on from where
//! it was (see `set_pinned`); a queue of one simply stays, its animation
//! undisturbed and nothing scheduled (see `auto_target`).

use std::collections::HashMap;
use std::time::Duration;

use super::history::{Entry, History, Via, resolve_index, shifted};
use super::source::{ArtworkSource, QueueItem};
use super::stopwatch::Stopwatch;

pub const DEFAULT_DWELL: Duration = Duration::from_secs(30);
/// How long a placeholder for a failed artwork stays.
pub const FAILED_DWELL: Duration = Duration::from_secs(3);
/// Floor for any dwell (settings, playlist overrides): a zero dwell would make
/// the engine advance on every tick, i.e. spin.
const MIN_DWELL: Duration = Duration::from_secs(1);

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LoadOutcome {
    Ready {
        /// ZERO for a still image.
        loop_duration: Duration,
    },
    Failed,
}

#[derive(Debug)]
pub struct Engine {
    items: Vec<QueueItem>,
    dwell: Duration,
    current: Option<Shown>,
    pending: Option<Target>,
    history: History,
    /// Decode results the app holds, limited to `wanted()` so the app and the
    /// engine agree on what can be swapped in without waiting.
    ready: HashMap<ArtworkSource, LoadOutcome>,
    paused: bool,
    pinned: bool,
    /// The latest `now` passed in, for the calls that get none (`set_dwell`,
    /// `reorder`, `set_pinned`).
    last_now: Duration,
}

#[derive(Clone, Debug)]
struct Target {
    source: ArtworkSource,
    index: Option<usize>,
    via: Via,
}

#[derive(Debug)]
struct Shown {
    source: ArtworkSource,
    index: Option<usize>,
    failed: bool,
    loop_duration: Duration,
    visible: Stopwatch,
    dwell: Stopwatch,
}

impl Shown {
    /// Clocks start running; `Engine::update_clocks` stops them if needed.
    fn new(target: Target, outcome: LoadOutcome, now: Duration) -> Self {
        let mut shown = Self {
            source: target.source,
            index: target.index,
            failed: false,
            loop_duration: Duration::ZERO,
            visible: Stopwatch::started(now, true),
            dwell: Stopwatch::started(now, true),
        };
        shown.apply(outcome);
        shown
    }

    fn apply(&mut self, outcome: LoadOutcome) {
        match outcome {
            LoadOutcome::Ready { loop_duration } => {
                self.failed = false;
                self.loop_duration = loop_duration;
            }
            LoadOutcome::Failed => {
                self.failed = true;
                self.loop_duration = Duration::ZERO;
            }
        }
    }

    fn restart_dwell(&mut self, now: Duration) {
        self.dwell = Stopwatch::started(now, self.dwell.since.is_some());
    }
}

impl Engine {
    pub fn new(dwell: Duration) -> Self {
        Self {
            items: Vec::new(),
            dwell: dwell.max(MIN_DWELL),
            current: None,
            pending: None,
            history: History::default(),
            ready: HashMap::new(),
            paused: false,
            pinned: false,
            last_now: Duration::ZERO,
        }
    }

    /// The dwell actually used: values below one second are raised to it.
    pub fn dwell(&self) -> Duration {
        self.dwell
    }

    pub(crate) fn set_dwell(&mut self, dwell: Duration) {
        self.dwell = dwell.max(MIN_DWELL);
        // A shorter dwell can make the current artwork overdue right away.
        self.settle(self.last_now);
    }

    /// A new queue (a channel, a folder...). Its first item (or `start`,
    /// clamped) becomes *pending*; whatever is on screen stays on screen until
    /// the pending item is loaded (never a blank frame). History is cleared.
    /// An empty queue clears everything, including the screen.
    pub(crate) fn set_items(&mut self, items: Vec<QueueItem>, start: usize, now: Duration) {
        self.at(now);
        self.items = items;
        self.history.clear();
        self.pending = None;
        if self.items.is_empty() {
            self.current = None;
            self.ready.clear();
            return;
        }
        if let Some(cur) = self.current.as_mut() {
            cur.index = resolve_index(&self.items, &cur.source, None);
        }
        let start = start.min(self.items.len() - 1);
        let target = self.queue_target(start, Via::Append);
        self.navigate(target, now);
        self.settle(now);
    }

    /// Same items in another order (shuffle toggled), or the same queue
    /// without its first `dropped` items and with more after: the current
    /// artwork stays current and on screen; its position is found by source,
    /// looked for first where it moved to (a playset's queue holds a small
    /// channel's artworks many times). History is kept, it records what was
    /// shown, not positions.
    pub(crate) fn reorder(&mut self, items: Vec<QueueItem>, dropped: usize) {
        if items.is_empty() {
            self.set_items(items, 0, self.last_now);
            return;
        }
        self.items = items;
        let moved = |index: Option<usize>| index.and_then(|i| i.checked_sub(dropped));
        // How far what is on screen moved: a long channel drops the start of
        // its queue (`Feed::trim`), moving every position by as much, and
        // history is looked up there first rather than searched for.
        let mut shift = 0;
        if let Some(cur) = self.current.as_mut() {
            let was = cur.index;
            cur.index = resolve_index(&self.items, &cur.source, moved(cur.index));
            if let (Some(was), Some(now)) = (was, cur.index) {
                shift = now as isize - was as isize;
            }
        }
        if let Some(p) = self.pending.as_mut() {
            // Where what shows went first: the first copy of a repeat may
            // be long played, and playback would go on from there.
            let there = shifted(&self.items, &p.source, p.index, shift);
            p.index = resolve_index(&self.items, &p.source, there.or(moved(p.index)));
        }
        self.history.reindex(&self.items, shift);
        self.settle(self.last_now);
    }

    pub fn items(&self) -> &[QueueItem] {
        &self.items
    }

    /// Go to the next artwork (forward through history first, then queue
    /// order, wrapping). It becomes pending until loaded.
    pub fn next(&mut self, now: Duration) {
        self.at(now);
        if let Some(target) = self.step(true) {
            self.navigate(target, now);
        }
        self.settle(now);
    }

    /// Go back through what was actually shown; with no history left, the
    /// item before in queue order (wrapping).
    pub fn previous(&mut self, now: Duration) {
        self.at(now);
        if let Some(target) = self.step(false) {
            self.navigate(target, now);
        }
        self.settle(now);
    }

    /// Jump to a queue position; out-of-range indexes are ignored.
    pub fn show_index(&mut self, index: usize, now: Duration) {
        self.at(now);
        if index < self.items.len() {
            let target = self.queue_target(index, Via::Append);
            self.navigate(target, now);
        }
        self.settle(now);
    }

    pub fn set_paused(&mut self, paused: bool, now: Duration) {
        self.paused = paused;
        self.at(now);
        self.settle(now);
    }

    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// Pin holds whatever is shown: no auto-advance while pinned, manual
    /// navigation still works and the pin stays on.
    ///
    /// After unpinning, the dwell counts on from where it was when pinned
    /// (the dwell clock is frozen while pinned, like while paused). Restarting
    /// would hand out a surprise full dwell; counting pinned time would make
    /// the artwork vanish the instant it is unpinned. The visible clock keeps
    /// running so the animation plays on while pinned.
    ///
    /// There is no `now` here (fixed API), so the dwell clock stops or resumes
    /// at the next call that brings one. The UI handles input and then ticks
    /// in the same frame, so that is the instant of the key press; the latest
    /// `now` seen before could be a whole idle sleep earlier.
    pub(crate) fn set_pinned(&mut self, pinned: bool) {
        self.pinned = pinned;
        self.settle(self.last_now);
    }

    pub fn is_pinned(&self) -> bool {
        self.pinned
    }

    /// The app reports that a source finished decoding (or failed). Called for
    /// the pending item, preloaded items and reloads of the current one (file
    /// changed on disk: its loop duration is updated, its elapsed time kept).
    /// Results for sources that are not wanted are dropped: the app evicts
    /// those, so remembering them would promise a decode that is gone.
    /// Reporting the same result again changes nothing, so the app may
    /// re-report what it holds; that keeps both sides in step even if a
    /// source left `wanted()` and came back between two of the app's syncs.
    pub(crate) fn on_loaded(
        &mut self,
        source: &ArtworkSource,
        outcome: LoadOutcome,
        now: Duration,
    ) {
        self.at(now);
        if let Some(cur) = self.current.as_mut()
            && cur.source == *source
        {
            let newly_failed = outcome == LoadOutcome::Failed && !cur.failed;
            cur.apply(outcome);
            if newly_failed {
                // The placeholder gets its full FAILED_DWELL: a file caught
                // half-written by an editor gets time to be rewritten (and
                // reloaded) before playback moves on.
                cur.restart_dwell(now);
            }
        }
        if self.wanted().contains(source) {
            self.ready.insert(source.clone(), outcome);
        }
        self.settle(now);
    }

    /// Advances automatically when the effective dwell of the current artwork
    /// has elapsed (not while paused or pinned), and swaps in a pending item
    /// that is loaded. Advances at most once per call, so a late tick never
    /// skips artworks.
    pub fn tick(&mut self, now: Duration) {
        self.at(now);
        self.settle(now);
    }

    /// What is on screen now.
    pub fn current(&self) -> Option<&ArtworkSource> {
        self.current.as_ref().map(|c| &c.source)
    }

    /// The current artwork is a failed load (the UI draws a placeholder).
    pub fn current_failed(&self) -> bool {
        self.current.as_ref().is_some_and(|c| c.failed)
    }

    /// Position of current in `items()`; None when it is not in the queue
    /// (an artwork of a former queue still on screen).
    pub fn current_index(&self) -> Option<usize> {
        self.current.as_ref().and_then(|c| c.index)
    }

    /// Position in `items()` of the furthest artwork reached: the one on
    /// screen, the one waiting to replace it going forward, or after Back
    /// those shown ahead of it. Nothing after it was played yet. None when
    /// none of them is in the queue.
    pub fn reached_index(&self) -> Option<usize> {
        let waits = self.pending.as_ref().filter(|p| p.via != Via::Prepend);
        let ahead = self.history.ahead().map(|e| e.index);
        let reached = [self.current_index(), waits.and_then(|p| p.index)];
        reached.into_iter().chain(ahead).flatten().max()
    }

    /// Waiting to be decoded before it replaces current.
    pub fn pending(&self) -> Option<&ArtworkSource> {
        self.pending.as_ref().map(|p| &p.source)
    }

    /// The set the app must keep decoded: current, pending, and the preload
    /// target (what comes next automatically after pending, or after current),
    /// deduplicated, in that priority order. At most three sources.
    pub fn wanted(&self) -> Vec<ArtworkSource> {
        let mut wanted = Vec::with_capacity(3);
        let showing = self.current.is_some() || self.pending.is_some();
        let preload = showing.then(|| self.step(true)).flatten();
        let preload = preload.map(|t| t.source);
        let candidates = [self.current().cloned(), self.pending().cloned(), preload];
        for source in candidates.into_iter().flatten() {
            if !wanted.contains(&source) {
                wanted.push(source);
            }
        }
        wanted
    }

    /// Absolute time at which `tick` would next change something (dwell end).
    /// None when nothing is scheduled: paused, pinned, nothing shown, waiting
    /// for a load, or nothing else to show (a queue of one). Always later than
    /// the latest `now` passed in, so sleeping until it never busy-loops.
    pub(crate) fn next_deadline(&self) -> Option<Duration> {
        if self.paused || self.pinned || self.pending.is_some() {
            return None;
        }
        let cur = self.current.as_ref()?;
        self.auto_target()?;
        let since = cur.dwell.since?;
        Some(since + self.effective_dwell(cur).saturating_sub(cur.dwell.base))
    }

    /// How long the current artwork has been visibly playing, paused time
    /// excluded; the UI derives the animation frame from it.
    pub(crate) fn visible_elapsed(&self, now: Duration) -> Duration {
        self.current
            .as_ref()
            .map_or(Duration::ZERO, |c| c.visible.elapsed(now))
    }

    /// Full-loop rule: an animation plays at least one whole loop. A failed
    /// item only stays long enough to be noticed.
    fn effective_dwell(&self, cur: &Shown) -> Duration {
        let dwell = if cur.failed {
            FAILED_DWELL
        } else {
            let item_dwell = cur
                .index
                .and_then(|i| self.items.get(i))
                .filter(|item| item.source == cur.source)
                .and_then(|item| item.dwell);
            item_dwell.unwrap_or(self.dwell).max(cur.loop_duration)
        };
        dwell.max(MIN_DWELL)
    }

    /// Entry of every call that brings a `now`: also applies a pin change
    /// made since the previous one.
    fn at(&mut self, now: Duration) {
        self.last_now = now;
        self.update_clocks(now);
    }

    fn update_clocks(&mut self, now: Duration) {
        let (paused, pinned) = (self.paused, self.pinned);
        if let Some(cur) = self.current.as_mut() {
            cur.visible.set_running(!paused, now);
            cur.dwell.set_running(!paused && !pinned, now);
        }
    }

    /// Brings the state up to date with `now`: swap in a loaded pending item,
    /// auto-advance if due, forget decodes that are no longer wanted. Run after
    /// every change so `next_deadline` is never in the past.
    fn settle(&mut self, now: Duration) {
        self.promote_if_ready(now);
        if self.is_due(now)
            && let Some(target) = self.auto_target()
        {
            self.navigate(target, now);
        }
        let wanted = self.wanted();
        self.ready.retain(|source, _| wanted.contains(source));
    }

    fn is_due(&self, now: Duration) -> bool {
        if self.paused || self.pinned || self.pending.is_some() {
            return false;
        }
        self.current
            .as_ref()
            .is_some_and(|cur| cur.dwell.elapsed(now) >= self.effective_dwell(cur))
    }

    /// Where automatic playback goes next; None when it would stay put (a
    /// queue of one: the artwork simply stays, its animation undisturbed,
    /// rather than being re-shown every dwell).
    fn auto_target(&self) -> Option<Target> {
        self.step(true).filter(|t| !self.is_noop(t))
    }

    /// Position of the navigation head (pending if any, else current) in
    /// history terms: -1 is "before the oldest entry".
    fn head_pos(&self) -> isize {
        match self.pending.as_ref().map(|p| p.via) {
            Some(Via::History(pos)) => pos as isize,
            Some(Via::Append) => self.history.cursor().map_or(0, |c| c as isize + 1),
            Some(Via::Prepend) => -1,
            None => self.history.cursor().map_or(-1, |c| c as isize),
        }
    }

    fn head_index(&self) -> Option<usize> {
        let current = self.current.as_ref().and_then(|c| c.index);
        self.pending.as_ref().map_or(current, |p| p.index)
    }

    /// One step forward or back from the navigation head.
    fn step(&self, forward: bool) -> Option<Target> {
        let head = self.head_pos();
        let len = self.history.len() as isize;
        if forward {
            // An appended pending item truncates the forward history when
            // shown, so there is nothing ahead of it but queue order.
            let appended = self.pending.as_ref().is_some_and(|p| p.via == Via::Append);
            let pos = head + 1;
            if !appended && (0..len).contains(&pos) {
                return Some(self.history_target(pos as usize));
            }
            let index = self.queue_after(self.head_index())?;
            Some(self.queue_target(index, Via::Append))
        } else {
            let pos = head - 1;
            if (0..len).contains(&pos) {
                return Some(self.history_target(pos as usize));
            }
            let index = self.queue_before(self.head_index())?;
            Some(self.queue_target(index, Via::Prepend))
        }
    }

    fn queue_after(&self, index: Option<usize>) -> Option<usize> {
        let len = self.items.len();
        (len > 0).then(|| index.map_or(0, |i| (i % len + 1) % len))
    }

    fn queue_before(&self, index: Option<usize>) -> Option<usize> {
        let len = self.items.len();
        (len > 0).then(|| index.map_or(len - 1, |i| (i % len + len - 1) % len))
    }

    /// `index` must be in range (callers check or derive it from the length).
    fn queue_target(&self, index: usize, via: Via) -> Target {
        Target {
            source: self.items[index].source.clone(),
            index: Some(index),
            via,
        }
    }

    /// `pos` must be in range of `history`.
    fn history_target(&self, pos: usize) -> Target {
        let entry = self.history.entry(pos);
        Target {
            source: entry.source.clone(),
            index: resolve_index(&self.items, &entry.source, entry.index),
            via: Via::History(pos),
        }
    }

    /// The target is what is already on screen at that very place.
    fn is_noop(&self, target: &Target) -> bool {
        let Some(cur) = &self.current else {
            return false;
        };
        match target.via {
            Via::History(pos) => self.history.cursor() == Some(pos),
            Via::Append | Via::Prepend => {
                self.history.cursor().is_some()
                    && cur.source == target.source
                    && cur.index == target.index
            }
        }
    }

    fn navigate(&mut self, target: Target, now: Duration) {
        if self.is_noop(&target) {
            // Back onto what is on screen: just cancel the pending move.
            self.pending = None;
            return;
        }
        if self
            .current
            .as_ref()
            .is_some_and(|c| c.source == target.source)
        {
            // Same artwork at another place (duplicate in the queue, or the
            // new queue starts with what is shown): no reload, no blank, the
            // animation plays on; only its dwell starts over.
            self.commit_history(&target);
            if let Some(cur) = self.current.as_mut() {
                cur.index = target.index;
                cur.restart_dwell(now);
            }
            self.pending = None;
            return;
        }
        self.pending = Some(target);
        self.promote_if_ready(now);
    }

    fn promote_if_ready(&mut self, now: Duration) {
        let Some(pending) = &self.pending else {
            return;
        };
        let Some(&outcome) = self.ready.get(&pending.source) else {
            return;
        };
        if let Some(target) = self.pending.take() {
            self.commit_history(&target);
            self.current = Some(Shown::new(target, outcome, now));
            self.update_clocks(now);
        }
    }

    fn commit_history(&mut self, target: &Target) {
        let entry = Entry {
            source: target.source.clone(),
            index: target.index,
        };
        self.history.record(entry, target.via);
    }
}

#[cfg(test)]
#[path = "engine_tests.rs"]
mod tests;
