//! A playset's queue: its channels' artworks interleaved by exposure
//! (`playset::ChannelMix`), each channel walked in its pick mode
//! (`playset::ItemPicker`). Pure and deterministic for a seed.

use super::playset::{ChannelMix, ChannelShare, ExposureMode, ItemPicker, PickMode, weights};
use super::source::QueueItem;

/// One channel of the mix: its weight and the artworks known so far.
#[derive(Clone, Debug, PartialEq)]
pub struct MixChannel {
    pub weight: u32,
    pub items: Vec<QueueItem>,
}

/// `count` queue items drawn from `channels`; empty channels are left out.
pub fn mix(
    channels: &[MixChannel],
    exposure: ExposureMode,
    pick: PickMode,
    seed: u64,
    count: usize,
) -> Vec<QueueItem> {
    let live: Vec<&MixChannel> = channels.iter().filter(|c| !c.items.is_empty()).collect();
    let shares: Vec<ChannelShare> = live
        .iter()
        .map(|c| ChannelShare {
            weight: c.weight,
            content_count: Some(c.items.len() as u64),
        })
        .collect();
    let mut chooser = ChannelMix::new(weights(exposure, &shares));
    let mut pickers: Vec<ItemPicker> = (0..live.len())
        .map(|i| ItemPicker::new(pick, seed.wrapping_add(i as u64)))
        .collect();
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let Some(channel) = chooser.next_channel() else {
            break;
        };
        let items = &live[channel].items;
        match pickers[channel].pick(items.len()) {
            Some(at) => out.push(items[at].clone()),
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::player::ArtworkSource;

    fn channel(name: &'static str, n: usize, weight: u32) -> MixChannel {
        MixChannel {
            weight,
            items: (0..n)
                .map(|_| QueueItem::new(ArtworkSource::Embedded(name)))
                .collect(),
        }
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
        let chans = [channel("a", 10, 3), channel("b", 30, 1)];
        let equal = mix(&chans, ExposureMode::Equal, PickMode::Recency, 1, 400);
        assert_eq!(shares(&equal), (200, 200));
        let manual = mix(&chans, ExposureMode::Manual, PickMode::Random, 1, 400);
        assert_eq!(shares(&manual), (300, 100));
        let proportional = mix(
            &chans,
            ExposureMode::Proportional,
            PickMode::Recency,
            1,
            400,
        );
        assert_eq!(shares(&proportional), (100, 300));
    }

    #[test]
    fn empty_channels_are_left_out() {
        let chans = [channel("a", 0, 5), channel("b", 2, 1)];
        let items = mix(&chans, ExposureMode::Manual, PickMode::Recency, 1, 4);
        assert_eq!(shares(&items), (0, 4));
        assert!(mix(&[], ExposureMode::Equal, PickMode::Recency, 1, 4).is_empty());
    }
}
