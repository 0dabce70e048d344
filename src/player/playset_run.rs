//! A playset being played: each Makapix channel is a `Feed` paged on its own
//! (`playset_channel`), the queue is their mix (`mix`), and every artwork
//! remembers which channel it came from, for view events. Pure: the window
//! sends the requests.
//!
//! A channel "runs low" when most of its known artworks have been picked;
//! its next page is then asked for, like a single channel's. Every
//! `FRESH_LOOK_EVERY` each channel's first page is looked at again, and what
//! was published since is that channel's next picks, as a channel played
//! alone does.

use std::time::Duration;

use crate::protocol::request::QueryPosts;
use crate::protocol::response::PostsPage;

use super::feed::FRESH_LOOK_EVERY;
use super::mix::Mix;
use super::playset::{ExposureMode, PickMode};
pub(crate) use super::playset_channel::RunChannel;
use super::source::QueueItem;

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

#[derive(Clone, Debug)]
pub(crate) struct PlaysetRun {
    pick: PickMode,
    channels: Vec<RunChannel>,
    mix: Mix,
}

impl PlaysetRun {
    pub fn new(
        exposure: ExposureMode,
        pick: PickMode,
        seed: u64,
        mut channels: Vec<RunChannel>,
    ) -> Self {
        for (i, c) in channels.iter_mut().enumerate() {
            c.start(pick, seed.wrapping_add(i as u64));
        }
        Self {
            pick,
            channels,
            mix: Mix::new(exposure),
        }
    }

    pub fn pick(&self) -> PickMode {
        self.pick
    }

    /// The first page's request of every Makapix channel, by channel index,
    /// asked at `now`. Each channel's first fresh look is an hour later, at
    /// its own offset within that hour: a thousand followed artists look one
    /// every few seconds, not a thousand on one frame.
    pub(crate) fn first_requests(&mut self, now: Duration) -> Vec<(usize, QueryPosts)> {
        let count = u32::try_from(self.channels.len()).unwrap_or(u32::MAX);
        for (i, c) in self.channels.iter_mut().enumerate() {
            let offset = FRESH_LOOK_EVERY * u32::try_from(i).unwrap_or(0) / count;
            c.look_at(now.saturating_add(FRESH_LOOK_EVERY + offset));
        }
        self.channels
            .iter_mut()
            .enumerate()
            .filter_map(|(i, c)| Some((i, c.first_request()?)))
            .collect()
    }

    /// Takes in channel `index`'s page, come at `now`; returns how many artworks it added.
    pub(crate) fn on_page(&mut self, index: usize, page: PostsPage, now: Duration) -> usize {
        self.channels
            .get_mut(index)
            .map_or(0, |c| c.on_page(page, now))
    }

    /// Channel `index`'s page failed at `now`: it plays what it has, and a
    /// later page is asked for again after a wait (a first one is not).
    pub(crate) fn on_failure(&mut self, index: usize, now: Duration) {
        if let Some(c) = self.channels.get_mut(index) {
            c.on_failure(now);
        }
    }

    /// The fresh look of channel `index` answered at `now` (`None`: it failed);
    /// returns how many posts were published since.
    pub(crate) fn on_fresh_page(
        &mut self,
        index: usize,
        page: Option<&PostsPage>,
        now: Duration,
    ) -> usize {
        self.channels
            .get_mut(index)
            .map_or(0, |c| c.on_fresh_page(page, now))
    }

    /// The mixed queue as it stands.
    pub fn items(&self) -> Vec<QueueItem> {
        self.mix.queue().to_vec()
    }

    /// Moves the queue on with the artwork at `position` of `played` (the
    /// queue as the engine plays it) on screen; `Some(dropped)` when it
    /// changed, its first `dropped` items gone (`Mix::advance`).
    pub(crate) fn advance(
        &mut self,
        played: &[QueueItem],
        position: Option<usize>,
    ) -> Option<usize> {
        self.mix.advance(&mut self.channels, played, position)
    }

    /// The Makapix channel a post came from (the first, if several hold it).
    pub(crate) fn channel_of(&self, post_id: i64) -> Option<ViewChannel> {
        self.channels.iter().find_map(|c| {
            let feed = c.feed()?;
            feed.items()
                .iter()
                .any(|i| i.source.post_id() == Some(post_id))
                .then(|| ViewChannel::of(feed.query()))
        })
    }

    /// Next-page requests of the channels that run low, by channel index.
    pub(crate) fn wants_more(&mut self, now: Duration) -> Vec<(usize, QueryPosts)> {
        self.channels
            .iter_mut()
            .enumerate()
            .filter_map(|(i, c)| Some((i, c.wants_more(now)?)))
            .collect()
    }

    /// The fresh looks due at `now`, by channel index: each channel's every
    /// `FRESH_LOOK_EVERY`, a failed one again sooner.
    pub(crate) fn fresh_due(&mut self, now: Duration) -> Vec<(usize, QueryPosts)> {
        self.channels
            .iter_mut()
            .enumerate()
            .filter_map(|(i, c)| Some((i, c.fresh_due(now)?)))
            .collect()
    }

    /// When a look or a failed page's retry is next due, if one is.
    pub(crate) fn next_look(&self, now: Duration) -> Option<Duration> {
        self.channels.iter().filter_map(|c| c.next_look(now)).min()
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

    fn ids(r: &PlaysetRun) -> Vec<i64> {
        r.items()
            .iter()
            .filter_map(|i| i.source.post_id())
            .collect()
    }

    #[test]
    fn a_channel_that_runs_low_asks_for_its_next_page_alone() {
        let mut r = run();
        let first = r.first_requests(T);
        assert_eq!(first.len(), 2);
        r.on_page(0, page(0..5, Some("u1-p2")), T);
        r.on_page(1, page(100..140, Some("cats-p2")), T);
        assert!(r.wants_more(T).is_empty(), "nothing picked yet");
        assert_eq!(r.advance(&[], None), Some(0));
        assert_eq!(ids(&r), [0, 100, 1, 101, 2, 102, 3, 103, 4, 104]);
        let more = r.wants_more(T);
        assert_eq!(more.len(), 1, "{more:?}");
        assert_eq!(more[0].0, 0);
        assert_eq!(more[0].1.cursor.as_deref(), Some("u1-p2"));
        assert_eq!(more[0].1.user_sqid.as_deref(), Some("u1"));
        assert!(r.wants_more(T).is_empty(), "one request at a time");
        r.on_page(0, page(5..10, None), T);
        let played = r.items();
        r.advance(&played, Some(9));
        let next: Vec<i64> = ids(&r)[10..].iter().copied().filter(|i| *i < 100).collect();
        assert_eq!(next, [5, 6, 7, 8, 9], "the new page in the mix, in turn");
    }

    #[test]
    fn a_channel_waiting_for_its_page_leaves_the_mix_to_the_others() {
        let mut r = run();
        r.first_requests(T);
        r.on_page(0, page(0..2, Some("u1-p2")), T);
        r.on_page(1, page(100..140, None), T);
        r.advance(&[], None);
        assert_eq!(ids(&r), [0, 100, 1, 101, 102, 103, 104, 105, 106, 107]);
    }

    #[test]
    fn each_post_knows_its_channel_for_views() {
        let mut r = run();
        r.first_requests(T);
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
        r.first_requests(T);
        r.on_page(0, page(0..2, Some("p2")), T);
        r.on_failure(1, T);
        r.advance(&[], None);
        assert_eq!(r.wants_more(T).len(), 1);
        r.on_failure(0, T);
        assert!(r.wants_more(T).is_empty());
        assert_eq!(ids(&r), [0, 1], "u1's two artworks, the engine wraps them");
        let again = r.wants_more(T + FAILED_PAGE_WAIT);
        assert_eq!(again.len(), 1, "u1's page, not cats' first: {again:?}");
        assert_eq!(again[0].0, 0);
    }

    #[test]
    fn every_hour_each_playing_channel_looks_at_its_first_page_again() {
        let mut r = run();
        r.first_requests(T);
        r.on_page(0, page(0..3, None), T);
        r.on_failure(1, T);
        assert!(r.fresh_due(T + FRESH_LOOK_EVERY - T).is_empty());
        let looks = r.fresh_due(T + FRESH_LOOK_EVERY);
        assert_eq!((looks[0].0, looks[0].1.cursor.as_deref()), (0, None));
        let half = T + FRESH_LOOK_EVERY + FRESH_LOOK_EVERY / 2;
        let looks = r.fresh_due(half);
        assert_eq!(looks.len(), 1, "the failed one too, at its own time");
        assert_eq!((looks[0].0, looks[0].1.cursor.as_deref()), (1, None));
        assert!(
            r.fresh_due(T + FRESH_LOOK_EVERY * 2).is_empty(),
            "still looking"
        );
        assert_eq!(r.on_fresh_page(0, Some(&page(7..8, None)), T), 1);
        assert_eq!(r.fresh_due(T + FRESH_LOOK_EVERY * 3).len(), 1);
    }

    /// A playset of a thousand followed artists sends its looks one at a
    /// time over the hour, not a thousand on one frame; a look that failed
    /// is tried again after a wait, not an hour later.
    #[test]
    fn the_looks_are_spread_over_the_hour_and_a_failed_one_is_tried_again() {
        let channels = (0..4).map(|_| RunChannel::makapix(1, query("all", None, None)));
        let mut r = PlaysetRun::new(
            ExposureMode::Equal,
            PickMode::Recency,
            1,
            channels.collect(),
        );
        r.first_requests(T);
        for i in 0..4 {
            r.on_page(i, page(0..2, None), T);
        }
        let quarter = FRESH_LOOK_EVERY / 4;
        let mut when = Vec::new();
        for minute in 60..=135 {
            let now = T + Duration::from_secs(minute * 60);
            for (i, _) in r.fresh_due(now) {
                when.push((i, minute));
                r.on_fresh_page(i, Some(&page(0..2, None)), now);
            }
        }
        assert_eq!(
            when,
            [(0, 60), (1, 75), (2, 90), (3, 105), (0, 120), (1, 135)]
        );
        assert_eq!(r.next_look(T), Some(T + FRESH_LOOK_EVERY * 2 + quarter * 2));
        let failed_at = T + FRESH_LOOK_EVERY * 2 + quarter * 2;
        assert_eq!(r.fresh_due(failed_at).len(), 1);
        r.on_fresh_page(2, None, failed_at);
        assert_eq!(r.next_look(failed_at), Some(failed_at + FAILED_PAGE_WAIT));
        let again = r.fresh_due(failed_at + FAILED_PAGE_WAIT);
        assert_eq!(again.len(), 1, "the failed look again: {again:?}");
        assert_eq!(again[0].0, 2);
    }
}
