//! Which of two outputs drives a panel both reach. Two outputs whose hosts
//! differ can lead to one address (a panel's name and its address, two names
//! of one host), and only their lookups tell. Those answer on the sending
//! threads, at any time, and a name may later move onto another output's
//! address, while the window may not pass again for minutes (a still artwork,
//! Settings closed). So the sending threads decide: before each frame an
//! output notes here where its packets go, and holds while one listed before
//! it reaches the same LEDs there. The window keeps the list's order here
//! (`Outputs::sync`). When the one it gave way to leaves, moves or is listed
//! after it, a held output is woken to try again at once: with a still
//! artwork its frame would otherwise wait for the next resend, a second on.
//! A removed output leaves from its own thread once its last packets are
//! out: WLED shows an E1.31 ending's data, so the held output's frame must
//! come after them, or the panel keeps the removed output's picture. One
//! whose thread panicked leaves as it ends: it sends nothing any more.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::lookup::Wake;
use super::spec::OutputSpec;

struct Entry {
    seat: u64,
    url: String,
    spec: OutputSpec,
    /// Where its packets go now; `None` before its host answered.
    to: Option<SocketAddr>,
    /// Why it gave way to an earlier output when it last tried. Kept once it
    /// leaves: listed first then, it could otherwise send over the output
    /// that takes over.
    held: Option<String>,
    /// Tells its sending thread to try again.
    wake: Option<Wake>,
    /// Removed from the list, still sending its last packets.
    leaving: bool,
}

impl Entry {
    /// Removed while it held: it holds on until it leaves, sending nothing,
    /// and those after it do not give way to it.
    fn holds_on(&self) -> bool {
        self.leaving && self.held.is_some()
    }
}

/// The addresses the running outputs reach, in the list's order.
#[derive(Clone, Default)]
pub(crate) struct Panels(Arc<Mutex<Vec<Entry>>>);

/// One output's place in `Panels`.
pub(crate) struct Seat {
    panels: Panels,
    id: u64,
}

impl Panels {
    fn entries(&self) -> MutexGuard<'_, Vec<Entry>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A place for the output `url`, after those seated before it.
    pub fn seat(&self, url: &str, spec: &OutputSpec) -> Seat {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        self.entries().push(Entry {
            seat: id,
            url: url.to_owned(),
            spec: spec.clone(),
            to: None,
            held: None,
            wake: None,
            leaving: false,
        });
        Seat {
            panels: self.clone(),
            id,
        }
    }

    /// Keeps the seats `ids` in that order, the list's; the others' outputs
    /// were removed, and still count, first, until they leave (`Seat::leave`).
    /// Held outputs are woken only if the list's order changed: one whose
    /// earlier output is removed takes over once that one has left.
    pub fn keep(&self, ids: &[u64]) {
        let mut entries = self.entries();
        let kept_order = |entries: &[Entry]| -> Vec<u64> {
            let kept = entries.iter().filter(|e| ids.contains(&e.seat));
            kept.map(|e| e.seat).collect()
        };
        let before = kept_order(&entries);
        for entry in entries.iter_mut() {
            entry.leaving = !ids.contains(&entry.seat);
        }
        entries.sort_by_key(|e| ids.iter().position(|id| *id == e.seat));
        if kept_order(&entries) != before {
            wake_held(entries, 0);
        }
    }
}

/// Wakes the held outputs from `from` on, after letting go of the list:
/// each may no longer have one to give way to.
fn wake_held(entries: MutexGuard<'_, Vec<Entry>>, from: usize) {
    let wakes: Vec<Wake> = entries
        .iter()
        .skip(from)
        .filter(|e| e.held.is_some())
        .filter_map(|e| e.wake.clone())
        .collect();
    drop(entries);
    for wake in wakes {
        wake();
    }
}

impl Seat {
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Changes this output's entry, if it has not left.
    fn with_entry(&self, change: impl FnOnce(&mut Entry)) {
        let mut entries = self.panels.entries();
        if let Some(entry) = entries.iter_mut().find(|e| e.seat == self.id) {
            change(entry);
        }
    }

    /// How this output's sending thread is told to try again.
    pub fn wake_with(&self, wake: Wake) {
        self.with_entry(|entry| entry.wake = Some(wake));
    }

    /// Notes that this output's packets go to `to` now; gives why it holds
    /// when an output listed before it reaches the same LEDs there.
    pub fn reaches(&self, to: Option<SocketAddr>) -> Option<String> {
        let mut entries = self.panels.entries();
        let at = entries.iter().position(|e| e.seat == self.id)?;
        let moved = entries[at].to.is_some_and(|was| Some(was) != to);
        entries[at].to = to;
        let why = match &entries[at] {
            e if e.holds_on() => e.held.clone(),
            _ => to.and_then(|to| {
                let (earlier, this) = entries.split_at(at);
                let earlier = earlier
                    .iter()
                    .filter(|e| !e.holds_on())
                    .find(|e| e.to == Some(to) && e.spec.shares_universes(&this[0].spec))?;
                Some(format!(
                    "{} reaches the same panel at {to}, and two streams make it flicker. Remove one.",
                    earlier.url
                ))
            }),
        };
        entries[at].held = why.clone();
        if moved {
            wake_held(entries, at + 1);
        }
        why
    }

    /// The output is being stopped: as a removed one, it still counts until
    /// it leaves, and if it held, it holds on.
    pub fn stopping(&self) {
        self.with_entry(|entry| entry.leaving = true);
    }

    /// The output stopped (or is left stuck): those after it no longer give
    /// way to it. Once only: later calls do nothing.
    pub fn leave(&self) {
        let mut entries = self.panels.entries();
        let Some(at) = entries.iter().position(|e| e.seat == self.id) else {
            return;
        };
        entries.remove(at);
        wake_held(entries, at);
    }
}

/// A seat whose output never started, or has ended, leaves too.
impl Drop for Seat {
    fn drop(&mut self) {
        self.leave();
    }
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, SocketAddrV4};
    use std::sync::mpsc;

    use super::*;

    /// Counts `seat`'s wakes.
    fn woken(seat: &Seat) -> mpsc::Receiver<()> {
        let (wake, wakes) = mpsc::channel();
        seat.wake_with(Arc::new(move || {
            let _ = wake.send(());
        }));
        wakes
    }

    #[test]
    fn a_held_output_is_woken_as_the_one_it_gave_way_to_leaves() {
        let panels = Panels::default();
        let at: SocketAddr = "127.0.0.1:4048".parse().unwrap();
        let elsewhere: SocketAddr = "127.0.0.2:4048".parse().unwrap();
        let first = panels.seat("ddp://127.0.0.1", &spec("ddp://127.0.0.1"));
        let second = panels.seat("ddp://panel.test", &spec("ddp://panel.test"));
        let third = panels.seat("ddp://other.test", &spec("ddp://other.test"));
        let (held, sending) = (woken(&second), woken(&third));
        first.reaches(Some(at));
        assert!(second.reaches(Some(at)).is_some());
        third.reaches(Some(elsewhere));
        assert!(held.try_recv().is_err(), "nothing changed yet");
        first.leave();
        assert!(held.try_recv().is_ok(), "woken as the first left");
        assert!(sending.try_recv().is_err(), "only the held one");
        assert_eq!(second.reaches(Some(at)), None);
    }

    #[test]
    fn a_held_output_is_woken_as_the_earlier_moves_or_is_listed_after_it() {
        let panels = Panels::default();
        let elsewhere: SocketAddr = "127.0.0.2:4048".parse().unwrap();
        let (first, second) = two_at_one_panel(&panels);
        let held = woken(&second);
        first.reaches(Some(AT));
        assert!(held.try_recv().is_err(), "the first still there");
        // The first's name now leads elsewhere.
        first.reaches(Some(elsewhere));
        assert!(held.try_recv().is_ok(), "woken as the first moved");
        assert_eq!(second.reaches(Some(AT)), None);
        // Back onto the second's panel: the second holds again, and is
        // woken when the list puts it first.
        first.reaches(Some(AT));
        assert!(second.reaches(Some(AT)).is_some());
        panels.keep(&[second.id(), first.id()]);
        assert!(held.try_recv().is_ok(), "woken as it was listed first");
        assert_eq!(second.reaches(Some(AT)), None);
        assert!(held.try_recv().is_err(), "one wake each");
    }

    /// Where both outputs of `two_at_one_panel` send.
    const AT: SocketAddr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 4048));

    /// Two DDP outputs, a.test listed before b.test, whose names both lead
    /// to `AT`: the second holds, giving way to the first.
    fn two_at_one_panel(panels: &Panels) -> (Seat, Seat) {
        let first = panels.seat("ddp://a.test", &spec("ddp://a.test"));
        let second = panels.seat("ddp://b.test", &spec("ddp://b.test"));
        first.reaches(Some(AT));
        assert!(second.reaches(Some(AT)).is_some(), "the second holds");
        (first, second)
    }

    fn spec(url: &str) -> OutputSpec {
        OutputSpec::parse(url).unwrap()
    }

    #[test]
    fn the_later_of_two_outputs_at_one_address_holds_until_the_first_leaves() {
        let panels = Panels::default();
        let at: SocketAddr = "127.0.0.1:4048".parse().unwrap();
        let first = panels.seat("ddp://127.0.0.1", &spec("ddp://127.0.0.1"));
        let second = panels.seat("ddp://panel.test", &spec("ddp://panel.test"));
        // Not looked up yet: nothing to give way to.
        assert_eq!(second.reaches(Some(at)), None);
        assert_eq!(first.reaches(Some(at)), None, "the first never holds");
        let why = second.reaches(Some(at)).expect("held");
        assert!(why.starts_with("ddp://127.0.0.1 reaches"), "{why}");
        first.leave();
        assert_eq!(second.reaches(Some(at)), None);
    }

    #[test]
    fn the_lists_order_decides_and_other_universes_share_a_receiver() {
        let panels = Panels::default();
        let at: SocketAddr = "127.0.0.1:5568".parse().unwrap();
        let low = "e131://a.test?universe=1&size=8x8";
        let high = "e131://b.test?universe=9&size=8x8";
        let also_low = "e131://127.0.0.1?universe=1&size=8x8";
        let seats = [low, high, also_low].map(|url| panels.seat(url, &spec(url)));
        for seat in &seats {
            seat.reaches(Some(at));
        }
        assert_eq!(seats[1].reaches(Some(at)), None, "other LEDs");
        assert!(seats[2].reaches(Some(at)).is_some());
        // Listed first now: the other holds.
        panels.keep(&[seats[2].id(), seats[1].id(), seats[0].id()]);
        assert_eq!(seats[2].reaches(Some(at)), None);
        assert!(seats[0].reaches(Some(at)).is_some());
        // Removed from the list: it counts until its thread leaves.
        panels.keep(&[seats[0].id()]);
        assert!(seats[0].reaches(Some(at)).is_some());
        seats[2].leave();
        assert_eq!(seats[0].reaches(Some(at)), None);
    }

    #[test]
    fn a_removed_output_is_given_way_to_until_it_leaves() {
        let panels = Panels::default();
        let (first, second) = two_at_one_panel(&panels);
        let held = woken(&second);
        // Removed: its last packets are still to go out, and WLED shows
        // them, so the second's frame must wait for them.
        panels.keep(&[second.id()]);
        assert!(
            held.try_recv().is_err(),
            "not woken as the first is removed"
        );
        assert!(second.reaches(Some(AT)).is_some(), "still gives way");
        first.leave();
        assert!(held.try_recv().is_ok(), "woken as the first left");
        assert_eq!(second.reaches(Some(AT)), None);
    }

    #[test]
    fn a_seat_dropped_leaves() {
        let panels = Panels::default();
        let (first, second) = two_at_one_panel(&panels);
        // Its output never started, or has ended.
        drop(first);
        assert_eq!(second.reaches(Some(AT)), None);
    }

    #[test]
    fn an_output_removed_while_it_held_is_not_given_way_to() {
        let panels = Panels::default();
        // The held one kept alive (a seat dropped leaves), then removed,
        // sorted before the first as it leaves.
        let (first, _held) = two_at_one_panel(&panels);
        panels.keep(&[first.id()]);
        assert_eq!(first.reaches(Some(AT)), None, "it sends nothing there");
    }

    #[test]
    fn an_output_removed_while_it_held_still_holds_when_it_tries_again() {
        let panels = Panels::default();
        let (first, second) = two_at_one_panel(&panels);
        // Listed first as it leaves, with no one before it: its thread
        // tries again before it sees its stop, and must still send nothing.
        panels.keep(&[first.id()]);
        let why = second.reaches(Some(AT)).expect("still held");
        assert!(why.starts_with("ddp://a.test reaches"), "{why}");
        assert_eq!(first.reaches(Some(AT)), None, "the kept one sends");
    }

    #[test]
    fn outputs_all_stopping_keep_holding_as_the_first_leaves() {
        let panels = Panels::default();
        let (first, second) = two_at_one_panel(&panels);
        let held = woken(&second);
        // As `stop_within` does: all marked leaving before any is told to
        // stop, so the first may end before the second hears its stop.
        first.stopping();
        second.stopping();
        first.leave();
        assert!(held.try_recv().is_ok(), "woken as the first left");
        assert!(second.reaches(Some(AT)).is_some(), "still sends nothing");
    }
}
