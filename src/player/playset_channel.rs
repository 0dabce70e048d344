//! One channel of a playset as it plays: its artworks (a Makapix channel's
//! `Feed`, or the local files), the order it plays them in this pass, and
//! how many of them the mix has taken. Pure.
//!
//! `recency` takes them as the server sent them, newest first, on through
//! every page; `random` shuffles each pass, and each later page after what
//! the pass already holds, so every artwork plays once before any repeats.
//! A pass ends when the channel has no more pages (a finite channel that
//! dropped some is read again from its first page by its `Feed`, as a new
//! lap); a channel waiting for its next page gives nothing meanwhile.
//! What the mix took more than `KEEP_BEHIND` artworks ago is dropped
//! (`Feed::trim`), so a channel played for weeks holds a window of its posts.

use std::sync::Arc;
use std::time::Duration;

use crate::protocol::request::QueryPosts;
use crate::protocol::response::PostsPage;

use super::feed::{
    FAILED_PAGE_WAIT, FRESH_LOOK_EVERY, Feed, KEEP_BEHIND, MAX_FAILED_PAGE_WAIT, PAGE_SIZE,
};
use super::order::{shuffled, shuffled_after};
use super::playset::PickMode;
use super::source::QueueItem;

/// Artworks taken beyond `KEEP_BEHIND` before the channel drops them: a
/// page's worth at a time, not one copy of its list at every pick.
const TRIM_EVERY: usize = PAGE_SIZE as usize;

#[derive(Clone, Debug)]
pub(crate) struct RunChannel {
    weight: u32,
    /// `None` for the local folder (`sdcard`): its items are all known.
    feed: Option<Feed>,
    /// The local files, shared with the session's list rather than copied.
    local: Arc<[QueueItem]>,
    pick: PickMode,
    seed: u64,
    /// The artworks held, in the order this pass takes them.
    order: Vec<QueueItem>,
    /// How many of `order` the mix has taken.
    taken: usize,
    /// Passes ended so far: each `random` pass is shuffled by its own seed.
    passes: u64,
    /// A fresh look at the first page is asked for and not answered.
    looking: bool,
    /// When the next fresh look is due.
    look_at: Duration,
    /// Fresh looks failed in a row: the next is tried after a wait that doubles.
    failed_looks: u32,
}

impl RunChannel {
    pub fn makapix(weight: u32, query: QueryPosts) -> Self {
        Self::new(weight, Some(Feed::new(query)), Arc::new([]))
    }

    pub fn local(weight: u32, items: Arc<[QueueItem]>) -> Self {
        Self::new(weight, None, items)
    }

    fn new(weight: u32, feed: Option<Feed>, local: Arc<[QueueItem]>) -> Self {
        Self {
            weight,
            feed,
            local,
            pick: PickMode::Recency,
            seed: 0,
            order: Vec::new(),
            taken: 0,
            passes: 0,
            looking: false,
            look_at: Duration::MAX,
            failed_looks: 0,
        }
    }

    /// Plays in `pick` mode, random orders drawn from `seed`.
    pub(crate) fn start(&mut self, pick: PickMode, seed: u64) {
        self.pick = pick;
        self.seed = seed;
        self.follow(0);
    }

    pub fn weight(&self) -> u32 {
        self.weight
    }

    pub(crate) fn feed(&self) -> Option<&Feed> {
        self.feed.as_ref()
    }

    /// The artworks held.
    pub fn items(&self) -> &[QueueItem] {
        self.feed.as_ref().map_or(&*self.local, Feed::items)
    }

    /// Whether `take` gives an artwork now. A channel whose next page failed
    /// plays what it holds again while that page is tried again, as a
    /// channel played alone does, rather than leave the mix for the wait.
    pub(crate) fn ready(&self) -> bool {
        let paging = self
            .feed
            .as_ref()
            .is_some_and(|f| f.has_more() && !f.failing());
        self.taken < self.order.len() || (!paging && !self.order.is_empty())
    }

    /// The channel's next artwork; `None` when it has none now (empty, or
    /// its next page has not come).
    pub(crate) fn take(&mut self) -> Option<QueueItem> {
        if !self.ready() {
            return None;
        }
        if self.taken >= self.order.len() {
            // The channel's end: again from its start, in a new order if random.
            self.taken = 0;
            self.passes += 1;
            if self.pick == PickMode::Random {
                self.order = shuffled(std::mem::take(&mut self.order), self.pass_seed());
            }
        }
        let item = self.order.get(self.taken)?.clone();
        self.taken += 1;
        self.trim();
        Some(item)
    }

    fn pass_seed(&self) -> u64 {
        self.seed ^ self.passes.wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }

    /// Drops what was taken more than `KEEP_BEHIND` artworks ago.
    fn trim(&mut self) {
        let Some(feed) = self.feed.as_mut() else {
            return;
        };
        if self.taken < KEEP_BEHIND + TRIM_EVERY {
            return;
        }
        let dropped = feed.trim(&self.order, Some(self.taken - 1));
        self.order.drain(..dropped);
        self.taken -= dropped;
    }

    /// `order` after the artworks held changed: a page came (new artworks
    /// after the rest), or a fresh look put `fresh` new ones where the next
    /// pick is.
    fn follow(&mut self, fresh: usize) {
        let items = self.items().to_vec();
        self.order = match self.pick {
            PickMode::Recency => items,
            PickMode::Random => {
                let before = std::mem::take(&mut self.order);
                let mut order = shuffled_after(&before, items, QueueItem::source, self.pass_seed());
                let next = self.taken.min(order.len());
                let rest = &mut order[next..];
                rest.rotate_right(fresh.min(rest.len()));
                order
            }
        };
        self.taken = self.taken.min(self.order.len());
    }

    /// The first page's request, for a Makapix channel.
    pub(crate) fn first_request(&mut self) -> Option<QueryPosts> {
        Some(self.feed.as_mut()?.first_request())
    }

    /// Takes in a page come at `now`; returns how many artworks it added.
    pub(crate) fn on_page(&mut self, page: PostsPage, now: Duration) -> usize {
        let Some(feed) = self.feed.as_mut() else {
            return 0;
        };
        let added = feed.on_page(page, now);
        self.follow(0);
        added
    }

    /// The page asked for failed at `now`: asked for again after a wait.
    pub(crate) fn on_failure(&mut self, now: Duration) {
        if let Some(f) = self.feed.as_mut() {
            f.on_failure(now);
        }
    }

    /// The next page's request when the channel runs low.
    pub(crate) fn wants_more(&mut self, now: Duration) -> Option<QueryPosts> {
        // The feed's position is the last artwork taken: in `recency` order
        // it is that one, in `random` as many are left after it. A page that
        // failed was wanted at the end, and is asked again wherever the
        // channel has wrapped to meanwhile.
        let feed = self.feed.as_mut()?;
        let position = match feed.failing() {
            true => feed.items().len().checked_sub(1),
            false => self.taken.checked_sub(1),
        };
        feed.wants_more(position, now)
    }

    /// The next fresh look is due at `at`.
    pub(crate) fn look_at(&mut self, at: Duration) {
        self.look_at = at;
    }

    /// The fresh look's request when it is due at `now`; the next is due
    /// `FRESH_LOOK_EVERY` later.
    pub(crate) fn fresh_due(&mut self, now: Duration) -> Option<QueryPosts> {
        if now < self.look_at || self.looking {
            return None;
        }
        self.look_at = now.saturating_add(FRESH_LOOK_EVERY);
        self.fresh_request()
    }

    /// When this channel's next look or failed page's retry is due, if any.
    pub(crate) fn next_look(&self, now: Duration) -> Option<Duration> {
        let feed = self.feed.as_ref()?;
        let look = (!self.looking).then_some(self.look_at.max(now));
        look.into_iter().chain(feed.retry_at(now)).min()
    }

    /// The first page asked for again, for posts published since; `None`
    /// for the local files, a channel whose first page is on its way, or one
    /// already looking. A channel with nothing (an artist with no posts yet,
    /// a first page that failed) looks too: what it gets is what it plays.
    pub(crate) fn fresh_request(&mut self) -> Option<QueryPosts> {
        let feed = self.feed.as_ref()?;
        if self.looking || (feed.pages() == 0 && feed.is_waiting()) {
            return None;
        }
        self.looking = true;
        Some(feed.fresh_request())
    }

    /// The fresh look's answer (`None`: it failed), come at `now`: the posts
    /// published since are the channel's next picks. Returns how many.
    pub(crate) fn on_fresh_page(&mut self, page: Option<&PostsPage>, now: Duration) -> usize {
        self.looking = false;
        let Some(page) = page else {
            // Tried again after a wait, as a failed page is, not an hour later.
            self.failed_looks = self.failed_looks.saturating_add(1);
            let doublings = (self.failed_looks - 1).min(16);
            let wait = (FAILED_PAGE_WAIT * 2u32.pow(doublings)).min(MAX_FAILED_PAGE_WAIT);
            self.look_at = self.look_at.min(now.saturating_add(wait));
            return 0;
        };
        self.failed_looks = 0;
        let Some(feed) = self.feed.as_mut() else {
            return 0;
        };
        if feed.pages() == 0 {
            // The first page failed: this one is it, and paging goes on from it.
            return self.on_page(page.clone(), now);
        }
        let at = match self.pick {
            PickMode::Recency => self.taken,
            // Put where the next pick is by `follow`.
            PickMode::Random => feed.items().len(),
        };
        let added = feed.on_fresh_page_at(page, at);
        if added > 0 {
            self.follow(added);
        }
        added
    }
}

#[cfg(test)]
#[path = "playset_channel_tests.rs"]
mod tests;
