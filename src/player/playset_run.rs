//! A playset being played: each Makapix channel is a `Feed` paged on its own,
//! the queue is their mix (`mix`), and every artwork remembers which channel
//! it came from, for view events. Pure: the window sends the requests.
//!
//! A channel "runs low" when most of its known artworks have been on screen;
//! its next page is then asked for, like a single channel's.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use crate::protocol::request::QueryPosts;
use crate::protocol::response::PostsPage;

use super::feed::Feed;
use super::mix::{MixChannel, mix};
use super::playset::{ExposureMode, PickMode};
use super::source::QueueItem;

/// How many artworks a playset's queue holds (it wraps after).
pub(crate) const MIX_LENGTH: usize = 500;

/// The channel a view is counted under: `channel`, `channel_user_sqid`, `channel_hashtag`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ViewChannel {
    pub channel: String,
    pub user_sqid: Option<String>,
    pub hashtag: Option<String>,
}

impl ViewChannel {
    /// The view fields for a channel asked for with `query`.
    pub fn of(query: &QueryPosts) -> Self {
        let channel = query.channel.clone().unwrap_or_else(|| "all".to_owned());
        let user_sqid = query
            .user_sqid
            .clone()
            .filter(|_| channel == "by_user" || channel == "reactions");
        let hashtag = query.hashtag.clone().filter(|_| channel == "hashtag");
        Self {
            channel,
            user_sqid,
            hashtag,
        }
    }
}

/// One channel of the playset.
#[derive(Clone, Debug)]
pub(crate) struct RunChannel {
    weight: u32,
    /// `None` for the local folder (`sdcard`): its items are all known.
    feed: Option<Feed>,
    /// The local files, shared with the session's list rather than copied.
    local: Arc<[QueueItem]>,
    /// Posts of this channel that have been on screen.
    shown: HashSet<i64>,
}

impl RunChannel {
    pub fn makapix(weight: u32, query: QueryPosts) -> Self {
        Self {
            weight,
            feed: Some(Feed::new(query)),
            local: Arc::new([]),
            shown: HashSet::new(),
        }
    }

    pub fn local(weight: u32, items: Arc<[QueueItem]>) -> Self {
        Self {
            weight,
            feed: None,
            local: items,
            shown: HashSet::new(),
        }
    }

    fn items(&self) -> &[QueueItem] {
        self.feed.as_ref().map_or(&*self.local, Feed::items)
    }
}

#[derive(Clone, Debug)]
pub(crate) struct PlaysetRun {
    exposure: ExposureMode,
    pick: PickMode,
    seed: u64,
    channels: Vec<RunChannel>,
}

impl PlaysetRun {
    pub fn new(
        exposure: ExposureMode,
        pick: PickMode,
        seed: u64,
        channels: Vec<RunChannel>,
    ) -> Self {
        Self {
            exposure,
            pick,
            seed,
            channels,
        }
    }

    pub fn pick(&self) -> PickMode {
        self.pick
    }

    /// The first page's request of every Makapix channel, by channel index.
    pub(crate) fn first_requests(&mut self) -> Vec<(usize, QueryPosts)> {
        self.channels
            .iter_mut()
            .enumerate()
            .filter_map(|(i, c)| Some((i, c.feed.as_mut()?.first_request())))
            .collect()
    }

    /// Takes in channel `index`'s page, come at `now`; returns how many artworks it added.
    pub(crate) fn on_page(&mut self, index: usize, page: PostsPage, now: Duration) -> usize {
        self.feed(index).map_or(0, |f| f.on_page(page, now))
    }

    /// Channel `index`'s page failed at `now`: it plays what it has, and a
    /// later page is asked for again after a wait (a first one is not).
    pub(crate) fn on_failure(&mut self, index: usize, now: Duration) {
        if let Some(f) = self.feed(index) {
            f.on_failure(now);
        }
    }

    fn feed(&mut self, index: usize) -> Option<&mut Feed> {
        self.channels.get_mut(index)?.feed.as_mut()
    }

    /// The mixed queue from what every channel holds now.
    pub fn items(&self) -> Vec<QueueItem> {
        let channels: Vec<MixChannel> = self
            .channels
            .iter()
            .map(|c| MixChannel {
                weight: c.weight,
                items: c.items().to_vec(),
            })
            .collect();
        mix(&channels, self.exposure, self.pick, self.seed, MIX_LENGTH)
    }

    /// The Makapix channel a post came from (the first, if several hold it).
    pub(crate) fn channel_of(&self, post_id: i64) -> Option<ViewChannel> {
        self.channels.iter().find_map(|c| {
            let feed = c.feed.as_ref()?;
            feed.items()
                .iter()
                .any(|i| i.source.post_id() == Some(post_id))
                .then(|| ViewChannel::of(feed.query()))
        })
    }

    /// A post went on screen: it counts against every channel that holds it.
    pub(crate) fn on_shown(&mut self, post_id: i64) {
        for c in &mut self.channels {
            if c.items()
                .iter()
                .any(|i| i.source.post_id() == Some(post_id))
            {
                c.shown.insert(post_id);
            }
        }
    }

    /// Next-page requests of the channels that run low, by channel index.
    pub(crate) fn wants_more(&mut self, now: Duration) -> Vec<(usize, QueryPosts)> {
        self.channels
            .iter_mut()
            .enumerate()
            .filter_map(|(i, c)| {
                let seen = c.shown.len();
                let feed = c.feed.as_mut()?;
                // `seen` artworks behind: the feed's position is the last of them.
                let query = feed.wants_more(seen.checked_sub(1), now)?;
                Some((i, query))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::player::feed::FAILED_PAGE_WAIT;
    use crate::player::feed::tests::page;

    const T: Duration = Duration::from_secs(10);

    fn query(channel: &str, user: Option<&str>, tag: Option<&str>) -> QueryPosts {
        QueryPosts {
            channel: Some(channel.into()),
            user_sqid: user.map(str::to_owned),
            hashtag: tag.map(str::to_owned),
            ..QueryPosts::default()
        }
    }

    fn run() -> PlaysetRun {
        PlaysetRun::new(
            ExposureMode::Equal,
            PickMode::Recency,
            1,
            vec![
                RunChannel::makapix(1, query("by_user", Some("u1"), None)),
                RunChannel::makapix(1, query("hashtag", None, Some("cats"))),
            ],
        )
    }

    #[test]
    fn a_channel_that_runs_low_asks_for_its_next_page_alone() {
        let mut r = run();
        let first = r.first_requests();
        assert_eq!(first.len(), 2);
        r.on_page(0, page(0..5, Some("u1-p2")), T);
        r.on_page(1, page(100..140, Some("cats-p2")), T);
        assert!(r.wants_more(T).is_empty(), "nothing shown yet");
        r.on_shown(0);
        r.on_shown(100);
        assert!(r.wants_more(T).is_empty(), "4 of u1's 5 still to come");
        r.on_shown(1);
        let more = r.wants_more(T);
        assert_eq!(more.len(), 1, "{more:?}");
        assert_eq!(more[0].0, 0);
        assert_eq!(more[0].1.cursor.as_deref(), Some("u1-p2"));
        assert_eq!(more[0].1.user_sqid.as_deref(), Some("u1"));
        assert!(r.wants_more(T).is_empty(), "one request at a time");
        r.on_page(0, page(5..10, None), T);
        let ids: Vec<i64> = r
            .items()
            .iter()
            .filter_map(|i| i.source.post_id())
            .collect();
        assert!(ids.contains(&9), "the new page is in the mix");
        assert_eq!(&ids[..4], &[0, 100, 1, 101]);
    }

    #[test]
    fn each_post_knows_its_channel_for_views() {
        let mut r = run();
        r.first_requests();
        r.on_page(0, page(0..2, None), T);
        r.on_page(1, page(100..102, None), T);
        assert_eq!(
            r.channel_of(1),
            Some(ViewChannel {
                channel: "by_user".into(),
                user_sqid: Some("u1".into()),
                hashtag: None
            })
        );
        assert_eq!(
            r.channel_of(101),
            Some(ViewChannel {
                channel: "hashtag".into(),
                user_sqid: None,
                hashtag: Some("cats".into())
            })
        );
        assert_eq!(r.channel_of(55), None);
    }

    #[test]
    fn a_failed_page_keeps_the_channel_playing_and_is_asked_again_later() {
        let mut r = run();
        r.first_requests();
        r.on_page(0, page(0..2, Some("p2")), T);
        r.on_failure(1, T);
        r.on_shown(0);
        assert_eq!(r.wants_more(T).len(), 1);
        r.on_failure(0, T);
        r.on_shown(1);
        assert!(r.wants_more(T).is_empty());
        assert_eq!(r.items().len(), MIX_LENGTH, "u1's two artworks, wrapping");
        let again = r.wants_more(T + FAILED_PAGE_WAIT);
        assert_eq!(again.len(), 1, "u1's page, not cats' first: {again:?}");
        assert_eq!(again[0].0, 0);
    }
}
