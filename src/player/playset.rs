//! Playsets: several channels played as one, each getting its share of the
//! screen (exposure) and each choosing its own next artwork (pick).
//!
//! Pure and deterministic for a given seed, so shares are tested exactly.

/// How screen time is shared between a playset's channels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExposureMode {
    /// The same share for every channel.
    Equal,
    /// By each channel's `weight`.
    Manual,
    /// By how much content each channel holds.
    Proportional,
}

/// How a channel chooses its next artwork.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PickMode {
    /// Newest first, moving to older ones through every page, then again
    /// from the newest (`playset_channel`).
    Recency,
    /// In random order, each artwork once before any repeats.
    Random,
}

/// What the mix needs to know of a channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ChannelShare {
    /// The playset's `weight` for the channel (manual mode).
    pub weight: u32,
    /// How many artworks the channel holds, when known (proportional mode).
    pub content_count: Option<u64>,
}

/// Each channel's weight under `mode`. A channel that would get nothing is left
/// out (weight 0) unless every channel would, in which case all share equally:
/// a playset never plays nothing because its weights were all zero.
pub(crate) fn weights(mode: ExposureMode, channels: &[ChannelShare]) -> Vec<u64> {
    let raw: Vec<u64> = channels
        .iter()
        .map(|c| match mode {
            ExposureMode::Equal => 1,
            ExposureMode::Manual => u64::from(c.weight),
            // An unknown count counts as one: the channel still gets a turn.
            ExposureMode::Proportional => c.content_count.unwrap_or(1),
        })
        .collect();
    if raw.iter().all(|&w| w == 0) {
        vec![1; channels.len()]
    } else {
        raw
    }
}

/// Picks which channel plays next so that, over any run of picks, each channel's
/// count stays within one of its exact share (smooth weighted round-robin), and
/// a heavy channel's turns are spread out instead of bunched together.
#[derive(Clone, Debug)]
pub(crate) struct ChannelMix {
    weights: Vec<u64>,
    credit: Vec<i128>,
}

impl ChannelMix {
    pub fn new(weights: Vec<u64>) -> Self {
        let credit = vec![0; weights.len()];
        Self { weights, credit }
    }

    /// New weights (channels that filled or emptied, new content counts):
    /// each channel keeps the credit it has, so the shares go on evenly.
    pub(crate) fn set_weights(&mut self, weights: Vec<u64>) {
        self.credit.resize(weights.len(), 0);
        self.weights = weights;
    }

    /// The channel for the next artwork; `None` when no channel has weight.
    pub(crate) fn next_channel(&mut self) -> Option<usize> {
        let total: i128 = self.weights.iter().map(|&w| i128::from(w)).sum();
        if total == 0 {
            return None;
        }
        for (credit, &w) in self.credit.iter_mut().zip(&self.weights) {
            *credit += i128::from(w);
        }
        let (best, _) = self
            .credit
            .iter()
            .enumerate()
            .filter(|(i, _)| self.weights[*i] > 0)
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))?;
        self.credit[best] -= total;
        Some(best)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(weight: u32, content_count: Option<u64>) -> ChannelShare {
        ChannelShare {
            weight,
            content_count,
        }
    }

    fn counts(mix: &mut ChannelMix, channels: usize, picks: usize) -> Vec<usize> {
        let mut counts = vec![0; channels];
        for _ in 0..picks {
            counts[mix.next_channel().unwrap()] += 1;
        }
        counts
    }

    #[test]
    fn equal_exposure_gives_every_channel_the_same_share() {
        let channels = [share(9, Some(500)), share(1, Some(3)), share(0, None)];
        let mut mix = ChannelMix::new(weights(ExposureMode::Equal, &channels));
        assert_eq!(counts(&mut mix, 3, 3000), vec![1000, 1000, 1000]);
    }

    #[test]
    fn manual_exposure_follows_the_weights_and_skips_zero() {
        let channels = [share(3, None), share(1, None), share(0, None)];
        let mut mix = ChannelMix::new(weights(ExposureMode::Manual, &channels));
        assert_eq!(counts(&mut mix, 3, 4000), vec![3000, 1000, 0]);
    }

    #[test]
    fn proportional_exposure_follows_content_counts() {
        let channels = [share(1, Some(120)), share(1, Some(30)), share(1, None)];
        let w = weights(ExposureMode::Proportional, &channels);
        assert_eq!(w, vec![120, 30, 1]);
        let mut mix = ChannelMix::new(w);
        let got = counts(&mut mix, 3, 151 * 20);
        assert_eq!(got, vec![2400, 600, 20]);
    }

    #[test]
    fn all_zero_weights_fall_back_to_equal_shares() {
        let channels = [share(0, None), share(0, None)];
        assert_eq!(weights(ExposureMode::Manual, &channels), vec![1, 1]);
        assert_eq!(ChannelMix::new(vec![]).next_channel(), None);
    }

    #[test]
    fn shares_stay_close_at_every_point_and_turns_are_spread() {
        let w = vec![5, 2, 1];
        let total: u64 = w.iter().sum();
        let mut mix = ChannelMix::new(w.clone());
        let mut seen = [0u64; 3];
        let mut last = None;
        let mut longest_run = 0;
        let mut run = 0;
        for n in 1..=800u64 {
            let c = mix.next_channel().unwrap();
            seen[c] += 1;
            run = if last == Some(c) { run + 1 } else { 1 };
            longest_run = longest_run.max(run);
            last = Some(c);
            for (i, &wi) in w.iter().enumerate() {
                let exact = (n * wi) as f64 / total as f64;
                assert!(
                    (seen[i] as f64 - exact).abs() <= 1.0,
                    "pick {n}: channel {i} has {} of {exact}",
                    seen[i]
                );
            }
        }
        assert!(
            longest_run <= 2,
            "the heavy channel's turns are spread out, not bunched"
        );
    }
}
