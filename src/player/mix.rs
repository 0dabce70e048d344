//! A playset's queue: its channels' artworks interleaved by exposure
//! (`playset::ChannelMix`), each channel giving its next one in its pick
//! mode (`playset_channel`). Pure and deterministic for a seed.
//!
//! The queue is a window that moves with the screen: `MIX_AHEAD` picks
//! ahead of the artwork on screen, made as it moves on, and what was played
//! more than `KEEP_BEHIND` artworks ago dropped. So a playset left playing
//! goes on through its channels' pages instead of starting its picks over.

use super::feed::{KEEP_BEHIND, PAGE_SIZE, drop_played};
use super::playset::{ChannelMix, ChannelShare, ExposureMode, weights};
use super::playset_channel::RunChannel;
use super::source::QueueItem;

/// Picks made ahead of the artwork on screen: the next to decode and a few
/// more, and few enough that a channel's posts published since (its hourly
/// look) come within a few artworks.
pub(crate) const MIX_AHEAD: usize = 10;

/// Played artworks beyond `KEEP_BEHIND` before the queue drops them: a
/// page's worth at a time, not a new list at every artwork.
const TRIM_EVERY: usize = PAGE_SIZE as usize;

#[derive(Clone, Debug)]
pub(crate) struct Mix {
    exposure: ExposureMode,
    chooser: ChannelMix,
    queue: Vec<QueueItem>,
}

impl Mix {
    pub fn new(exposure: ExposureMode) -> Self {
        Self {
            exposure,
            chooser: ChannelMix::new(Vec::new()),
            queue: Vec::new(),
        }
    }

    /// The queue as it stands.
    pub fn queue(&self) -> &[QueueItem] {
        &self.queue
    }

    /// The queue with the artwork at `position` of `played` (the queue as
    /// the engine plays it, maybe shuffled) on screen: what `played` holds
    /// more than `KEEP_BEHIND` before it dropped, and picks made until
    /// `MIX_AHEAD` are ahead of it. `Some(dropped)` when the queue changed.
    pub(crate) fn advance(
        &mut self,
        channels: &mut [RunChannel],
        played: &[QueueItem],
        position: Option<usize>,
    ) -> Option<usize> {
        let behind = position.map_or(0, |p| p.saturating_sub(KEEP_BEHIND));
        let dropped = match played.get(..behind) {
            Some(old) if behind >= TRIM_EVERY => drop_played(&mut self.queue, old).len(),
            _ => 0,
        };
        let want = position.map_or(0, |p| p + 1 - dropped) + MIX_AHEAD;
        let before = self.queue.len();
        while self.queue.len() < want {
            let Some(item) = self.pick(channels) else {
                break;
            };
            self.queue.push(item);
        }
        (dropped > 0 || self.queue.len() > before).then_some(dropped)
    }

    /// The next artwork, from a channel that has one now; `None` when none has.
    fn pick(&mut self, channels: &mut [RunChannel]) -> Option<QueueItem> {
        let shares: Vec<ChannelShare> = channels
            .iter()
            .map(|c| ChannelShare {
                weight: c.weight(),
                content_count: Some(c.items().len() as u64),
            })
            .collect();
        // Weighed over every channel, so that a weight-0 channel stays out
        // while the weighted ones wait for a page (all-zero weights are the
        // playset's own, shared equally); then a channel with nothing to
        // give now has no weight until it has.
        let all = weights(self.exposure, &shares)
            .into_iter()
            .zip(channels.iter())
            .map(|(w, c)| if c.ready() { w } else { 0 })
            .collect();
        self.chooser.set_weights(all);
        let channel = self.chooser.next_channel()?;
        channels.get_mut(channel)?.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::player::ArtworkSource;
    use crate::player::feed::tests::page;
    use crate::player::playset::PickMode;
    use std::sync::Arc;

    fn channel(name: &'static str, n: usize, weight: u32) -> RunChannel {
        let items: Arc<[QueueItem]> = (0..n)
            .map(|_| QueueItem::new(ArtworkSource::Embedded(name)))
            .collect();
        let mut c = RunChannel::local(weight, items);
        c.start(PickMode::Recency, 1);
        c
    }

    /// `count` picks, the screen moving on one artwork at a time.
    fn picks(channels: &mut [RunChannel], exposure: ExposureMode, count: usize) -> Vec<QueueItem> {
        let mut mix = Mix::new(exposure);
        let mut shown = Vec::new();
        let mut position = None;
        while shown.len() < count {
            let played = mix.queue().to_vec();
            let dropped = mix.advance(channels, &played, position).unwrap_or(0);
            let at = position.map_or(0, |p| p + 1 - dropped);
            let Some(item) = mix.queue().get(at) else {
                break;
            };
            shown.push(item.clone());
            position = Some(at);
        }
        shown
    }

    fn shares(items: &[QueueItem]) -> (usize, usize) {
        let a = items
            .iter()
            .filter(|i| i.source == ArtworkSource::Embedded("a"))
            .count();
        (a, items.len() - a)
    }

    #[test]
    fn each_exposure_mode_gives_its_share_over_many_picks() {
        let mut chans = [channel("a", 10, 3), channel("b", 30, 1)];
        let equal = picks(&mut chans, ExposureMode::Equal, 4000);
        assert_eq!(shares(&equal), (2000, 2000));
        let manual = picks(&mut chans, ExposureMode::Manual, 4000);
        assert_eq!(shares(&manual), (3000, 1000));
        let proportional = picks(&mut chans, ExposureMode::Proportional, 4000);
        assert_eq!(shares(&proportional), (1000, 3000));
    }

    #[test]
    fn empty_channels_are_left_out() {
        let mut chans = [channel("a", 0, 5), channel("b", 2, 1)];
        let items = picks(&mut chans, ExposureMode::Manual, 4);
        assert_eq!(shares(&items), (0, 4));
        assert!(picks(&mut [], ExposureMode::Equal, 4).is_empty());
    }

    /// A weight-0 channel is never picked in `manual`, not even while the
    /// weighted ones wait for a page.
    #[test]
    fn a_weight_0_channel_is_not_picked_while_the_weighted_ones_wait() {
        let mut paging = RunChannel::makapix(1, Default::default());
        paging.start(PickMode::Recency, 1);
        paging.first_request();
        paging.on_page(page(0..2, Some("p2")), Default::default());
        let mut chans = [paging, channel("b", 3, 0)];
        let mut mix = Mix::new(ExposureMode::Manual);
        mix.advance(&mut chans, &[], None);
        let ids: Vec<_> = mix.queue().iter().map(|i| i.source.post_id()).collect();
        assert_eq!(ids, [Some(0), Some(1)], "none of b's while a waits");
    }

    #[test]
    fn the_queue_is_a_window_around_the_screen() {
        let mut chans = [channel("a", 3, 1)];
        let mut mix = Mix::new(ExposureMode::Equal);
        assert_eq!(mix.advance(&mut chans, &[], None), Some(0));
        assert_eq!(mix.queue().len(), MIX_AHEAD, "picks ahead only");
        let end = KEEP_BEHIND + TRIM_EVERY;
        let played = mix.queue().to_vec();
        mix.advance(&mut chans, &played, Some(end - 1));
        assert_eq!(mix.queue().len(), end + MIX_AHEAD);
        let played = mix.queue().to_vec();
        let dropped = mix.advance(&mut chans, &played, Some(end));
        assert_eq!(dropped, Some(TRIM_EVERY));
        assert_eq!(mix.queue().len(), KEEP_BEHIND + 1 + MIX_AHEAD);
    }
}
