//! The order the engine's queue plays in: the channel's own order, or, with
//! shuffle on, shuffled by the session's seed. A channel that grows (a page,
//! the playset's next picks, a playlist's posts) keeps the order its queue
//! already has, and only what is new is shuffled after it. Pure.

use crate::player::{Engine, QueueItem, order};
use crate::settings::Settings;

use super::channel::Channel;

/// `items` as the queue plays them; shuffled, those `before` holds keep its order.
pub(super) fn ordered(
    items: Vec<QueueItem>,
    before: &[QueueItem],
    s: &Settings,
    seed: u64,
) -> Vec<QueueItem> {
    if s.shuffle {
        order::shuffled_after(before, items, |i| i.source.clone(), seed)
    } else {
        items
    }
}

/// The queue of `channel` grown over the engine's, whose first `dropped`
/// (played long ago) are gone: what is on screen stays, and so does the
/// order of the queue (shuffled, new items go after it).
pub(super) fn extended(
    channel: &Channel,
    engine: &Engine,
    dropped: usize,
    s: &Settings,
    seed: u64,
) -> Vec<QueueItem> {
    let before = engine.items().get(dropped..).unwrap_or_default();
    ordered(channel.items(), before, s, seed)
}

/// The queue of `channel` once shuffle or the channels' order changed.
pub(super) fn reordered(channel: &Channel, s: &Settings, seed: u64) -> Vec<QueueItem> {
    ordered(channel.items(), &[], s, seed)
}
