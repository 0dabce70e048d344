//! What the engine actually showed, oldest first, with a cursor on what is on
//! screen: previous/next walk it like a browser's history before falling back
//! to queue order.

use std::collections::VecDeque;

use super::source::{ArtworkSource, QueueItem};

/// Enough to walk back through a long session without growing forever.
pub(super) const HISTORY_CAP: usize = 256;

#[derive(Clone, Debug)]
pub(super) struct Entry {
    pub(super) source: ArtworkSource,
    /// Position in the queue, a hint revalidated against `source` because
    /// reorders move items.
    pub(super) index: Option<usize>,
}

/// Where a navigation target goes in history once it is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Via {
    /// An existing history entry (back/forward through what was shown).
    History(usize),
    /// Forward in queue order: drops the forward history, like a browser.
    Append,
    /// Back past the oldest entry, in queue order: becomes the new oldest.
    Prepend,
}

#[derive(Debug, Default)]
pub(super) struct History {
    entries: VecDeque<Entry>,
    /// Position of what is on screen; None exactly when there are no entries
    /// (nothing shown yet, or the artwork on screen belongs to a former queue).
    cursor: Option<usize>,
}

impl History {
    pub(super) fn clear(&mut self) {
        self.entries.clear();
        self.cursor = None;
    }

    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(super) fn cursor(&self) -> Option<usize> {
        self.cursor
    }

    /// `pos` must be below `len()`.
    pub(super) fn entry(&self, pos: usize) -> &Entry {
        &self.entries[pos]
    }

    /// The entries after the one on screen: shown before Back was pressed.
    pub(super) fn ahead(&self) -> impl Iterator<Item = &Entry> {
        let from = self.cursor.map_or(self.entries.len(), |c| c + 1);
        self.entries.iter().skip(from)
    }

    /// The queue was reordered: every entry's position is looked up again,
    /// first `shift` places from where it was (where the artwork on screen went).
    pub(super) fn reindex(&mut self, items: &[QueueItem], shift: isize) {
        for entry in &mut self.entries {
            let there = shifted(items, &entry.source, entry.index, shift);
            entry.index = resolve_index(items, &entry.source, there.or(entry.index));
        }
    }

    /// `entry` is now on screen, reached `via` there.
    pub(super) fn record(&mut self, entry: Entry, via: Via) {
        match via {
            Via::History(pos) if pos < self.entries.len() => {
                self.entries[pos] = entry;
                self.cursor = Some(pos);
            }
            // Unreachable (history only changes when pending is consumed or
            // dropped); appending is the safe reading if it ever happened.
            Via::History(_) | Via::Append => {
                match self.cursor {
                    Some(c) => self.entries.truncate(c + 1),
                    None => self.entries.clear(),
                }
                self.entries.push_back(entry);
                if self.entries.len() > HISTORY_CAP {
                    self.entries.pop_front();
                }
                self.cursor = Some(self.entries.len() - 1);
            }
            Via::Prepend => {
                if self.cursor.is_none() {
                    self.entries.clear();
                }
                self.entries.push_front(entry);
                if self.entries.len() > HISTORY_CAP {
                    // The far end of the forward history goes, never current.
                    self.entries.pop_back();
                }
                self.cursor = Some(0);
            }
        }
    }
}

/// Position of `source` in `items`, trusting `hint` if it still points at it
/// (keeps the right one of duplicates), else the first occurrence.
pub(super) fn resolve_index(
    items: &[QueueItem],
    source: &ArtworkSource,
    hint: Option<usize>,
) -> Option<usize> {
    hint.filter(|&i| items.get(i).is_some_and(|item| item.source == *source))
        .or_else(|| items.iter().position(|item| item.source == *source))
}

/// `index` moved by `shift`, if `source` is there in `items`.
pub(super) fn shifted(
    items: &[QueueItem],
    source: &ArtworkSource,
    index: Option<usize>,
    shift: isize,
) -> Option<usize> {
    let moved = index.and_then(|i| i.checked_add_signed(shift));
    moved.filter(|&i| items.get(i).is_some_and(|item| item.source == *source))
}
