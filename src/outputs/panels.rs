//! Which of two outputs drives a panel both reach. Two outputs whose hosts
//! differ can lead to one address (a panel's name and its address, two names
//! of one host), and only their lookups tell. Those answer on the sending
//! threads, at any time, and a name may later move onto another output's
//! address, while the window may not pass again for minutes (a still artwork,
//! Settings closed). So the sending threads decide: before each frame an
//! output notes here where its packets go, and holds while one listed before
//! it reaches the same LEDs there. The window keeps the list's order here
//! (`Outputs::sync`).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::spec::OutputSpec;

struct Entry {
    seat: u64,
    url: String,
    spec: OutputSpec,
    /// Where its packets go now; `None` before its host answered.
    to: Option<SocketAddr>,
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
        });
        Seat {
            panels: self.clone(),
            id,
        }
    }

    /// Keeps the seats `ids` in that order, the list's, and drops the
    /// others: their outputs were removed.
    pub fn keep(&self, ids: &[u64]) {
        let mut entries = self.entries();
        entries.retain(|e| ids.contains(&e.seat));
        entries.sort_by_key(|e| ids.iter().position(|id| *id == e.seat));
    }
}

impl Seat {
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Notes that this output's packets go to `to` now; gives why it holds
    /// when an output listed before it reaches the same LEDs there.
    pub fn reaches(&self, to: Option<SocketAddr>) -> Option<String> {
        let mut entries = self.panels.entries();
        let at = entries.iter().position(|e| e.seat == self.id)?;
        entries[at].to = to;
        let to = to?;
        let (earlier, this) = entries.split_at(at);
        let earlier = earlier
            .iter()
            .find(|e| e.to == Some(to) && e.spec.shares_universes(&this[0].spec))?;
        Some(format!(
            "{} reaches the same panel at {to}, and two streams make it flicker. Remove one.",
            earlier.url
        ))
    }

    /// The output stops: those after it no longer give way to it.
    pub fn leave(&self) {
        self.panels.entries().retain(|e| e.seat != self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        // Removed from the list: it no longer counts.
        panels.keep(&[seats[0].id()]);
        assert_eq!(seats[0].reaches(Some(at)), None);
    }
}
