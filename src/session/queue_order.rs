//! The order the engine's queue plays in: the channel's own order, or, with
//! shuffle on, shuffled by the session's seed. A channel that grows (a page,
//! the playset's next picks, a playlist's posts) keeps the order its queue
//! already has, and only what is new is shuffled after it; the posts an
//! hourly look found published since are shuffled in next instead. Pure.
//!
//! A Makapix channel's or a playset's queue is a window moving through a
//! longer run: up to 500 artworks played behind the one on screen, and
//! those to come. Ordered anew (shuffle turned on or off, another order
//! chosen), what was reached (up to the artwork on screen, the one waiting
//! to replace it, or those shown before Back) keeps its place and only what
//! is to come takes the new order, so the next artworks are new ones, not
//! the window played again. A finite list (files, a playlist,
//! the samples) loops over everything it holds, and is ordered anew whole;
//! so is a channel that loops like one (its last page came, nothing was
//! dropped): what was kept would play in its old order on every lap after,
//! all of it when the toggle came at a lap's end. A long channel waiting
//! for its next page is at the end of its queue too, but not of its run:
//! it keeps what was reached.

use crate::player::{Engine, QueueItem, order};
use crate::settings::Settings;

use super::channel::Channel;

/// `items` as the queue plays them: those `kept` holds first, in its order,
/// and the rest after them, shuffled or in the channel's order.
pub(super) fn ordered(
    items: Vec<QueueItem>,
    kept: &[QueueItem],
    s: &Settings,
    seed: u64,
) -> Vec<QueueItem> {
    if s.shuffle {
        order::shuffled_after(kept, items, QueueItem::source, seed)
    } else {
        order::in_order_after(kept, items, QueueItem::source)
    }
}

/// How a channel that plays grew.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Growth {
    /// Artworks that go after those queued (a page, a playset's next picks, a
    /// playlist's posts); the queue's first `dropped`, played long ago, gone.
    More { dropped: usize },
    /// Its hourly look found posts published since, which play next.
    Fresh,
}

impl Growth {
    pub(super) fn dropped(self) -> usize {
        match self {
            Growth::More { dropped } => dropped,
            Growth::Fresh => 0,
        }
    }
}

/// The queue of `channel` grown over the engine's: what is on screen stays,
/// and so does the order of the queue. Shuffled, a page's artworks go after
/// it, and posts published since right after what was reached, as the
/// channel's order has them.
pub(super) fn extended(
    channel: &Channel,
    engine: &Engine,
    growth: Growth,
    s: &Settings,
    seed: u64,
) -> Vec<QueueItem> {
    let dropped = growth.dropped();
    if !s.shuffle {
        // A window shuffled before stays as it was played; the rest, a
        // fresh look's posts among them, in the channel's order.
        return ordered(channel.items(), played(channel, engine, dropped), s, seed);
    }
    let queued = engine.items().get(dropped..).unwrap_or_default();
    match growth {
        Growth::More { .. } => ordered(channel.items(), queued, s, seed),
        Growth::Fresh => {
            let reached = played(channel, engine, dropped).len();
            let (items, key) = (channel.items(), QueueItem::source);
            order::shuffled_in_after(queued, reached, items, key, seed)
        }
    }
}

/// The queue of `channel` once shuffle or the channels' order changed.
/// `loops`: the channel plays over what it holds, lap after lap, and no
/// page will come after its last (`Channels::loops`).
pub(super) fn reordered(
    channel: &Channel,
    engine: &Engine,
    loops: bool,
    s: &Settings,
    seed: u64,
) -> Vec<QueueItem> {
    // What was kept would stay in its old order lap after lap.
    let kept = if loops {
        &[]
    } else {
        played(channel, engine, 0)
    };
    ordered(channel.items(), kept, s, seed)
}

/// What keeps its place in a window's queue ordered anew: the engine's
/// queue, without its first `dropped`, up to the furthest artwork reached
/// (`Engine::reached_index`). Up to the one on screen only, what waits to
/// replace it, or was shown before Back, would be looked up in the new
/// order, and playback go on from there, never showing those put before
/// it. Nothing for a finite list, or when none is in the queue.
fn played<'a>(channel: &Channel, engine: &'a Engine, dropped: usize) -> &'a [QueueItem] {
    let window = matches!(channel, Channel::Makapix { .. });
    let at = engine.reached_index().filter(|_| window);
    at.and_then(|at| engine.items().get(dropped..=at))
        .unwrap_or_default()
}
