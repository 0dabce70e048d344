//! A Makapix channel played page by page: which `query_posts` to send, and
//! the queue items its answers make. Pure: the window sends the requests and
//! hands the answers in.
//!
//! The next page is asked for while a few artworks of the current one are
//! still to come, so playback never waits at a page boundary. Paging ends at
//! `has_more: false`; a page that adds nothing playable is followed by the
//! next only after a wait that doubles with each such page in a row, and
//! after `MAX_EMPTY_PAGES` of them the channel plays what it has. A page
//! that failed is asked for again after a wait that doubles with each
//! failure in a row (protocol §7: retry with back-off; a 429 or a lost
//! connection passes), while the queue plays what it has.
//!
//! The server pages every channel but `reactions` by offset, so a post
//! published between two requests pushes the last post of one page onto the
//! next: a post already in the feed is not added again.
//!
//! A channel may play for weeks (`all` holds every post ever made), so the
//! feed holds a window, not everything it paged: `trim` drops what the queue
//! played more than `KEEP_BEHIND` artworks ago. The ids of dropped posts are
//! still remembered (`REMEMBERED_IDS` of them, and those of the first page
//! last seen) so that a repeat of the paging or the hourly look does not
//! bring them back early. A finite channel wraps: one that never had to drop
//! anything loops over what it holds, as before; one that did is read again
//! from its first page when its last page has come, as a new lap whose
//! posts are new again, so the loop still goes through every post in order.
//! A feed that stopped paging (given up, or resumed without a cursor) drops
//! nothing: it loops over what it holds.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Duration;

use crate::protocol::request::QueryPosts;
use crate::protocol::response::{ArtworkPost, Post, PostEntry, PostsPage};

use super::source::{ArtworkSource, MakapixPost, QueueItem};

/// Ask for the next page when this few artworks are left before its end.
pub(crate) const PREFETCH_MARGIN: usize = 3;
/// Posts per page (the protocol's maximum).
pub(crate) const PAGE_SIZE: u8 = 50;
/// The wait after the first page that adds nothing playable; doubles after each.
pub(crate) const EMPTY_PAGE_WAIT: Duration = Duration::from_secs(2);
/// Pages in a row that add nothing playable before paging stops.
pub(crate) const MAX_EMPTY_PAGES: u32 = 5;
/// The wait after a page that failed; doubles with each failure in a row, up
/// to `MAX_FAILED_PAGE_WAIT`.
pub(crate) const FAILED_PAGE_WAIT: Duration = Duration::from_secs(30);
pub(crate) const MAX_FAILED_PAGE_WAIT: Duration = Duration::from_secs(600);

/// How often a channel that plays looks at its first page again for posts
/// published since (p3a re-reads its channels every hour too).
pub(crate) const FRESH_LOOK_EVERY: Duration = Duration::from_secs(3600);

/// Artworks kept behind the one on screen. Back walks at most the engine's
/// 256 entries of history, all of them still in the queue with this many;
/// about four hours at the default dwell, and a few hundred KiB per copy
/// of the list (the feed's, the session's and the engine's).
pub(crate) const KEEP_BEHIND: usize = 500;

/// Post ids remembered after their artworks were dropped, so that a post
/// paged again soon after (offset paging, the hourly look) is not played
/// again: three and a half days at the default dwell, for about 300 KiB.
pub(crate) const REMEMBERED_IDS: usize = 10_000;

/// A channel's paging state.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Feed {
    query: QueryPosts,
    items: Vec<QueueItem>,
    /// The post ids of this lap in `items`, and those in `forgotten`.
    known: HashSet<i64>,
    /// Ids of posts dropped from `items` this lap, oldest first, still in
    /// `known` until `REMEMBERED_IDS` newer ones push them out.
    forgotten: VecDeque<i64>,
    /// The post ids of the first page last read (at the start or the
    /// hourly look): never new to the next look, however long ago they played.
    first_ids: HashSet<i64>,
    /// Posts were dropped this lap: when the last page has come, the channel
    /// is read again from its first page rather than looping over a part.
    trimmed: bool,
    /// The first page was asked for again as a new lap: it starts when the
    /// page comes (one that fails is asked for again, as a lap still).
    lap_asked: bool,
    next_cursor: Option<String>,
    /// A page has been asked for and not yet answered.
    in_flight: bool,
    /// Paging gave up (`MAX_EMPTY_PAGES`) or the cursor is gone (resumed):
    /// the queue keeps playing what it has and wraps.
    stopped: bool,
    /// Pages in a row that failed.
    failed_pages: u32,
    pages: usize,
    /// Pages in a row that added nothing playable.
    empty_pages: u32,
    /// No page is asked for before this time.
    not_before: Duration,
}

impl Feed {
    /// A channel to play from the start; `query` carries channel and filters.
    pub fn new(mut query: QueryPosts) -> Self {
        query.cursor = None;
        query.limit = query.limit.or(Some(PAGE_SIZE));
        Self {
            query,
            items: Vec::new(),
            known: HashSet::new(),
            forgotten: VecDeque::new(),
            first_ids: HashSet::new(),
            trimmed: false,
            lap_asked: false,
            next_cursor: None,
            in_flight: false,
            stopped: false,
            failed_pages: 0,
            pages: 0,
            empty_pages: 0,
            not_before: Duration::ZERO,
        }
    }

    /// A channel brought back from the last session: its posts play, and no
    /// page is asked for (its cursor is gone) until the channel is fetched anew.
    pub(crate) fn resumed(query: QueryPosts, posts: &[PostEntry]) -> Self {
        let mut feed = Self::new(query);
        feed.add(items_of(posts));
        feed.pages = 1;
        feed.stopped = true;
        feed
    }

    /// The first page's request.
    pub(crate) fn first_request(&mut self) -> QueryPosts {
        self.in_flight = true;
        self.query.clone()
    }

    /// The next page's request when the artwork at `position` is close enough
    /// to the end of what is known, there is more, and no back-off holds it.
    pub(crate) fn wants_more(
        &mut self,
        position: Option<usize>,
        now: Duration,
    ) -> Option<QueryPosts> {
        if self.in_flight || self.stopped || self.pages == 0 || now < self.not_before {
            return None;
        }
        let cursor = self.next_page()?;
        let left = self
            .items
            .len()
            .saturating_sub(position.map_or(0, |p| p + 1));
        if left > PREFETCH_MARGIN {
            return None;
        }
        self.lap_asked = cursor.is_none();
        self.in_flight = true;
        Some(QueryPosts {
            cursor,
            ..self.query.clone()
        })
    }

    /// The next page's cursor; `Some(None)`: the first page again, a new lap.
    fn next_page(&self) -> Option<Option<String>> {
        match &self.next_cursor {
            Some(cursor) => Some(Some(cursor.clone())),
            None => self.trimmed.then_some(None),
        }
    }

    /// The channel is read again from its start: every post of it is new to
    /// this lap, even one still held from the last (it plays once more, as
    /// it would have when the queue wrapped).
    fn new_lap(&mut self) {
        self.known.clear();
        self.forgotten.clear();
        self.trimmed = false;
    }

    /// Takes in a page that came at `now`; returns how many queue items it added.
    pub(crate) fn on_page(&mut self, page: PostsPage, now: Duration) -> usize {
        self.in_flight = false;
        if std::mem::take(&mut self.lap_asked) {
            self.new_lap();
        }
        self.failed_pages = 0;
        self.pages += 1;
        // Only a cursor can fetch the next page, and only `has_more` says
        // there is one: a cursor with `has_more: false` ends the channel.
        self.next_cursor = page.next_cursor.filter(|c| !c.is_empty() && page.has_more);
        let items = items_of(&page.posts);
        if self.pages == 1 {
            self.first_ids = ids_of(&items);
        }
        let count = self.add(items);
        if count == 0 {
            self.empty_pages += 1;
            if self.empty_pages >= MAX_EMPTY_PAGES {
                self.stopped = true;
            }
            self.not_before = now + EMPTY_PAGE_WAIT * 2u32.pow(self.empty_pages - 1);
        } else {
            self.empty_pages = 0;
            self.not_before = Duration::ZERO;
        }
        count
    }

    /// The first page's request, asked aside from the paging for posts
    /// published since the channel started (`on_fresh_page`).
    pub(crate) fn fresh_request(&self) -> QueryPosts {
        QueryPosts {
            cursor: None,
            ..self.query.clone()
        }
    }

    /// The first page looked at again: its posts the feed does not hold yet
    /// go right after `after` (the artwork on screen), so what was published
    /// since shows next, and the paging goes on where it was. Returns how many.
    pub(crate) fn on_fresh_page(
        &mut self,
        page: &PostsPage,
        after: Option<&ArtworkSource>,
    ) -> usize {
        let at = after
            .and_then(|shown| self.items.iter().position(|i| i.source == *shown))
            .map_or(0, |i| i + 1);
        self.on_fresh_page_at(page, at)
    }

    /// `on_fresh_page` with what is new put at `at` (a position in `items`,
    /// clamped): a playset's channel knows where its next pick is, and a
    /// post held twice (two laps) would be found at the wrong one.
    pub(crate) fn on_fresh_page_at(&mut self, page: &PostsPage, at: usize) -> usize {
        let at = at.min(self.items.len());
        let items = items_of(&page.posts);
        let first_ids = ids_of(&items);
        let new = items.into_iter().filter(|i| {
            i.source
                .post_id()
                .is_none_or(|id| !self.first_ids.contains(&id))
        });
        let added = self.add(new.collect());
        self.first_ids = first_ids;
        self.items[at..].rotate_right(added);
        added
    }

    /// Drops from the feed what `queue` (its items in the order they play,
    /// the artwork on screen at `position`) played more than `KEEP_BEHIND`
    /// artworks ago: `queue`'s first items, whose number it returns.
    pub(crate) fn trim(&mut self, queue: &[QueueItem], position: Option<usize>) -> usize {
        if self.stopped {
            return 0;
        }
        let behind = position.map_or(0, |p| p.saturating_sub(KEEP_BEHIND));
        let played = &queue[..behind.min(queue.len())];
        if played.is_empty() {
            return 0;
        }
        let dropped = drop_played(&mut self.items, played);
        self.forget_all(&dropped);
        played.len()
    }

    /// `dropped` are no longer held: their ids are remembered among the last
    /// `REMEMBERED_IDS`, and the channel is read again when its end comes.
    fn forget_all(&mut self, dropped: &[QueueItem]) {
        self.trimmed = true;
        for id in dropped.iter().filter_map(|i| i.source.post_id()) {
            // An id of the last lap is not known in this one: nothing to forget.
            if !self.known.contains(&id) {
                continue;
            }
            self.forgotten.push_back(id);
            if self.forgotten.len() > REMEMBERED_IDS
                && let Some(old) = self.forgotten.pop_front()
            {
                self.known.remove(&old);
            }
        }
    }

    /// Appends the items whose post is not in the feed yet; returns how many.
    fn add(&mut self, items: Vec<QueueItem>) -> usize {
        let before = self.items.len();
        for item in items {
            if item.source.post_id().is_none_or(|id| self.known.insert(id)) {
                self.items.push(item);
            }
        }
        self.items.len() - before
    }

    /// The page asked for failed at `now`: it is asked for again after the
    /// back-off. Returns the failures in a row, this one included.
    pub(crate) fn on_failure(&mut self, now: Duration) -> u32 {
        self.in_flight = false;
        self.failed_pages += 1;
        let wait =
            crate::doubling::wait_after(self.failed_pages, FAILED_PAGE_WAIT, MAX_FAILED_PAGE_WAIT);
        self.not_before = now + wait;
        self.failed_pages
    }

    /// When a page that failed is due to be asked for again, if that is later than `now`.
    pub(crate) fn retry_at(&self, now: Duration) -> Option<Duration> {
        let retrying = self.failed_pages > 0 && !self.in_flight && self.has_more();
        (retrying && self.not_before > now).then_some(self.not_before)
    }

    /// Whether the last page asked for failed and none has come since: it
    /// is tried again after the back-off (`retry_at`), or is being tried.
    pub(crate) fn failing(&self) -> bool {
        self.failed_pages > 0
    }

    /// The channel and its filters.
    pub fn query(&self) -> &QueryPosts {
        &self.query
    }

    pub fn items(&self) -> &[QueueItem] {
        &self.items
    }

    pub fn pages(&self) -> usize {
        self.pages
    }

    pub(crate) fn is_waiting(&self) -> bool {
        self.in_flight
    }

    /// Whether a later page will be asked for, whatever the wait before it:
    /// the server gave a cursor and the feed has not given up (an end, or
    /// `MAX_EMPTY_PAGES` empty pages in a row).
    pub(crate) fn has_more(&self) -> bool {
        !self.stopped && self.next_page().is_some()
    }

    /// How many post ids the feed remembers, held or dropped.
    #[cfg(test)]
    pub(crate) fn known_len(&self) -> usize {
        self.known.len()
    }
}

/// Takes out of `items` those `played` holds, and returns them. By count,
/// earliest first, whatever the order `played` is in (shuffled or not): a
/// post held twice (the end of the last lap and the start of this one, or a
/// playset's small channel picked again) loses its older copies only.
pub(crate) fn drop_played(items: &mut Vec<QueueItem>, played: &[QueueItem]) -> Vec<QueueItem> {
    let mut drop: HashMap<&ArtworkSource, usize> = HashMap::new();
    for item in played {
        *drop.entry(&item.source).or_default() += 1;
    }
    let mut dropped = Vec::new();
    items.retain(|item| match drop.get_mut(&item.source) {
        Some(left) if *left > 0 => {
            *left -= 1;
            dropped.push(item.clone());
            false
        }
        _ => true,
    });
    dropped
}

fn ids_of(items: &[QueueItem]) -> HashSet<i64> {
    items.iter().filter_map(|i| i.source.post_id()).collect()
}

/// The queue items a page makes: artworks as they are, playlists expanded
/// when they carry their artworks and skipped otherwise, unknown kinds skipped.
pub(crate) fn items_of(posts: &[PostEntry]) -> Vec<QueueItem> {
    let mut out = Vec::new();
    for entry in posts {
        match entry {
            PostEntry::Known(Post::Artwork(art)) => out.extend(item(art, None)),
            PostEntry::Known(Post::Playlist(list)) => {
                let dwell = list.dwell_time_ms;
                out.extend(list.artworks.iter().filter_map(|a| item(a, dwell)));
            }
            PostEntry::Unknown(_) => {}
        }
    }
    out
}

/// One artwork post as a queue item; `None` when there is no way to fetch it.
fn item(art: &ArtworkPost, playlist_dwell: Option<u64>) -> Option<QueueItem> {
    let art_url = art.art_url.clone().filter(|u| !u.is_empty());
    let native_format = art.native_format.clone().unwrap_or_default();
    let storage_shard = art.storage_shard.clone().unwrap_or_default();
    if art_url.is_none() && (native_format.is_empty() || art.storage_key.is_empty()) {
        return None;
    }
    let post = MakapixPost {
        post_id: art.post_id,
        title: None,
        storage_key: art.storage_key.clone(),
        storage_shard,
        native_format,
        art_url,
    };
    Some(QueueItem {
        source: ArtworkSource::Makapix(post),
        dwell: art
            .dwell_time_ms
            .or(playlist_dwell)
            .filter(|ms| *ms > 0)
            .map(Duration::from_millis),
    })
}

#[cfg(test)]
#[path = "feed_tests.rs"]
pub(crate) mod tests;
