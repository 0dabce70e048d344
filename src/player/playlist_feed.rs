//! A creator's playlist being played: local files play as they are, Makapix
//! posts once `get_post` has said where their artwork is. Pure: the window
//! sends the requests and hands the answers in.
//!
//! Items are released to the queue in the playlist's order, up to the first
//! post not yet known, so a slow answer never reorders the list. Posts are
//! asked for a few at a time just ahead of what plays, so a 10 000-item
//! playlist costs a handful of requests, not ten thousand at once.

use std::time::Duration;

use super::playlist::{Playlist, PlaylistSource};
use super::source::{ArtworkSource, MakapixPost, QueueItem};

/// How many playlist items past the one on screen have their posts asked for.
pub(crate) const LOOKAHEAD: usize = 5;

#[derive(Clone, Debug, PartialEq)]
enum Slot {
    Ready(QueueItem),
    Post {
        post_id: i64,
        dwell: Option<Duration>,
        asked: bool,
    },
    /// A post that could not be had: left out of the queue.
    Skipped,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PlaylistFeed {
    slots: Vec<Slot>,
}

impl PlaylistFeed {
    /// `known`: posts whose artwork is already known (an earlier answer, or
    /// added from the screen), which need no request.
    pub fn new(playlist: &Playlist, known: impl Fn(i64) -> Option<MakapixPost>) -> Self {
        let slots = playlist
            .items
            .iter()
            .map(|item| {
                let dwell = item.dwell();
                match &item.source {
                    PlaylistSource::File { file } => Slot::Ready(QueueItem {
                        source: ArtworkSource::File(file.clone()),
                        dwell,
                    }),
                    PlaylistSource::Post { post_id } => match known(*post_id) {
                        Some(post) => Slot::Ready(QueueItem {
                            source: ArtworkSource::Makapix(post),
                            dwell,
                        }),
                        None => Slot::Post {
                            post_id: *post_id,
                            dwell,
                            asked: false,
                        },
                    },
                }
            })
            .collect();
        Self { slots }
    }

    /// The posts to ask for now, given the queue position on screen; each is
    /// returned once.
    pub(crate) fn wants(&mut self, position: Option<usize>) -> Vec<i64> {
        let base = position.and_then(|p| self.slot_of(p)).unwrap_or(0);
        let end = (base + 1 + LOOKAHEAD).min(self.slots.len());
        let start = self.released().min(end);
        let mut out = Vec::new();
        for slot in &mut self.slots[start..end] {
            if let Slot::Post { post_id, asked, .. } = slot
                && !*asked
            {
                *asked = true;
                if !out.contains(post_id) {
                    out.push(*post_id);
                }
            }
        }
        out
    }

    /// A post's artwork is known: every item naming it becomes playable. The
    /// playlist's dwell wins over the post's own.
    pub(crate) fn on_post(&mut self, post: &MakapixPost, post_dwell: Option<Duration>) {
        for slot in &mut self.slots {
            if let Slot::Post { post_id, dwell, .. } = slot
                && *post_id == post.post_id
            {
                *slot = Slot::Ready(QueueItem {
                    source: ArtworkSource::Makapix(post.clone()),
                    dwell: dwell.or(post_dwell),
                });
            }
        }
    }

    /// A post could not be had: its items are skipped.
    pub(crate) fn on_failure(&mut self, failed: i64) {
        for slot in &mut self.slots {
            if matches!(slot, Slot::Post { post_id, .. } if *post_id == failed) {
                *slot = Slot::Skipped;
            }
        }
    }

    /// The queue: the playlist up to the first post still unknown, without skipped posts.
    pub fn items(&self) -> Vec<QueueItem> {
        self.slots[..self.released()]
            .iter()
            .filter_map(|s| match s {
                Slot::Ready(item) => Some(item.clone()),
                _ => None,
            })
            .collect()
    }

    /// Every post is known or skipped.
    pub(crate) fn is_settled(&self) -> bool {
        self.released() == self.slots.len()
    }

    /// How many leading slots are settled.
    fn released(&self) -> usize {
        self.slots
            .iter()
            .position(|s| matches!(s, Slot::Post { .. }))
            .unwrap_or(self.slots.len())
    }

    /// The slot behind queue position `position`.
    fn slot_of(&self, position: usize) -> Option<usize> {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, s)| matches!(s, Slot::Ready(_)))
            .nth(position)
            .map(|(i, _)| i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::player::playlist::PlaylistItem;
    use std::path::PathBuf;

    fn post(post_id: i64) -> MakapixPost {
        MakapixPost::for_test(post_id)
    }

    fn list(items: &[Result<i64, &str>]) -> Playlist {
        Playlist {
            title: "t".into(),
            items: items
                .iter()
                .map(|i| PlaylistItem {
                    source: match i {
                        Ok(id) => PlaylistSource::Post { post_id: *id },
                        Err(f) => PlaylistSource::File {
                            file: PathBuf::from(f),
                        },
                    },
                    dwell_ms: None,
                })
                .collect(),
        }
    }

    fn names(feed: &PlaylistFeed) -> Vec<String> {
        feed.items()
            .iter()
            .map(|i| match &i.source {
                ArtworkSource::Makapix(p) => p.post_id.to_string(),
                other => other.display_name(),
            })
            .collect()
    }

    #[test]
    fn items_are_released_in_order_as_their_posts_arrive() {
        let mut feed =
            PlaylistFeed::new(&list(&[Err("a.png"), Ok(1), Err("b.png"), Ok(2)]), |_| None);
        assert_eq!(names(&feed), ["a.png"], "waits at the first unknown post");
        assert_eq!(feed.wants(None), [1, 2]);
        assert_eq!(feed.wants(None), Vec::<i64>::new(), "each post asked once");
        feed.on_post(&post(2), None);
        assert_eq!(
            names(&feed),
            ["a.png"],
            "2 arrived first but 1 comes before it"
        );
        feed.on_post(&post(1), None);
        assert_eq!(names(&feed), ["a.png", "1", "b.png", "2"]);
        assert!(feed.is_settled());
    }

    #[test]
    fn a_failed_post_is_skipped_and_the_rest_plays_on() {
        let mut feed = PlaylistFeed::new(&list(&[Ok(404), Err("a.png"), Ok(404)]), |_| None);
        assert_eq!(feed.wants(None), [404], "a repeated post is asked once");
        feed.on_failure(404);
        assert_eq!(names(&feed), ["a.png"]);
        assert!(feed.is_settled());
    }

    #[test]
    fn a_long_playlist_is_asked_for_a_few_posts_at_a_time() {
        let ids: Vec<Result<i64, &str>> = (0..10_000).map(Ok).collect();
        let mut feed = PlaylistFeed::new(&list(&ids), |_| None);
        let first = feed.wants(None);
        assert_eq!(first, (0..=LOOKAHEAD as i64).collect::<Vec<_>>());
        for id in &first {
            feed.on_post(&post(*id), None);
        }
        assert_eq!(feed.wants(Some(0)), Vec::<i64>::new(), "enough ahead of 0");
        assert_eq!(feed.wants(Some(2)), [6, 7], "two more as playback moves on");
    }

    #[test]
    fn known_posts_need_no_request_and_dwell_comes_from_the_playlist_first() {
        let mut playlist = list(&[Ok(7), Ok(8)]);
        playlist.items[1].dwell_ms = Some(3_000);
        let mut feed = PlaylistFeed::new(&playlist, |id| (id == 7).then(|| post(7)));
        assert_eq!(feed.wants(None), [8]);
        feed.on_post(&post(8), Some(Duration::from_secs(9)));
        let dwells: Vec<_> = feed.items().iter().map(|i| i.dwell).collect();
        assert_eq!(dwells, [None, Some(Duration::from_secs(3))]);
    }
}
