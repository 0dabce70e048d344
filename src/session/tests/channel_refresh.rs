//! A channel that plays asked for again: every hour for what was published
//! since, and from its start when the order chosen in the settings changes.

use serde_json::json;

use super::channels::playing_all;
use super::fixture::*;
use crate::player::feed::FRESH_LOOK_EVERY;
use crate::session::EngineCommand;
use crate::settings::ChannelOrder;

/// p3a reads its channels again every hour; an unattended player must see
/// what was published since it started, not only what its pages held then.
/// Shuffled too: next, not after the hundreds of artworks a channel queues.
#[test]
fn every_hour_the_first_page_is_read_again_and_what_is_new_plays_next() {
    for shuffle in [false, true] {
        look_again_after_an_hour(shuffle);
    }
}

fn look_again_after_an_hour(shuffle: bool) {
    let mut p = Player::connected();
    p.settings.shuffle = shuffle;
    let (tag, _) = p
        .command("c", "play_channel", json!({"channel_name": "all"}))
        .only_request();
    p.answer(tag, last(1..=4));
    let out = p.play_for(FRESH_LOOK_EVERY - secs(31), secs(31));
    assert!(
        out.queries().is_empty(),
        "the whole channel was held: no page"
    );
    let out = p.play_for(secs(62), secs(31));
    let queries = out.queries();
    let [(tag, q)] = &queries[..] else {
        panic!("one fresh look at the first page: {queries:?}");
    };
    assert_eq!(
        (q.cursor.as_deref(), q.channel.as_deref()),
        (None, Some("all"))
    );
    let shown = p.on_screen().expect("an artwork on screen");
    let before = p.playing_ids();
    let at = before.iter().position(|&id| id == shown);
    assert!(
        at.is_some_and(|at| at + 1 < before.len()),
        "artworks are queued after the one on screen, for the new to go before"
    );
    // Posts 7 and 8 were published since; 1 and 2 are known.
    let out = p.answer(*tag, last([8, 7, 1, 2]));
    let after = p.playing_ids();
    let at = after
        .iter()
        .position(|&id| id == shown)
        .expect("still queued");
    let mut new = after[at + 1..at + 3].to_vec();
    if !shuffle {
        assert_eq!(new, [8, 7], "in the channel's order");
    }
    new.sort_unstable();
    assert_eq!(new, [7, 8], "what is new comes next (shuffle: {shuffle})");
    assert_eq!(after[..=at], before[..=at], "what was played stays");
    assert_eq!(after[at + 3..], before[at + 1..], "then what was queued");
    assert_eq!(after.len(), 6, "known posts not again: {after:?}");
    assert_eq!(p.on_screen(), Some(shown), "what shows stays");
    let kept = out.kept().last().cloned().flatten().expect("kept");
    assert_eq!(kept.posts.len(), 6, "the next start has them too");
    p.play_for(FRESH_LOOK_EVERY - secs(31), secs(31));
    assert!(p.tick(true).queries().is_empty(), "an hour between looks");
}

#[test]
fn a_new_order_in_the_settings_asks_the_channel_playing_again_in_it() {
    let mut p = playing_all(1..=4);
    p.tick(true);
    // Shuffle turned on and off asks nothing: the order of the channel stands.
    assert!(
        p.act(|s, seen, fx| s.reorder(seen, fx))
            .queries()
            .is_empty()
    );
    p.settings.channel_order = ChannelOrder::Random;
    let out = p.act(|s, seen, fx| s.reorder(seen, fx));
    let queries = out.queries();
    let [(tag, q)] = &queries[..] else {
        panic!("the channel asked again: {queries:?}");
    };
    assert_eq!(
        (q.cursor.as_deref(), q.sort.as_deref()),
        (None, Some("random"))
    );
    assert_eq!(q.random_seed, Some(p.settings.channel_seed));
    assert_eq!(p.playing_ids(), [1, 2, 3, 4], "what plays stays meanwhile");
    let out = p.answer(*tag, more([3, 1, 4, 2], "p2"));
    assert!(matches!(out.engine()[..], [EngineCommand::Play(_)]));
    assert_eq!(
        p.playing_ids(),
        [3, 1, 4, 2],
        "in the new order from its start"
    );
    let kept = out.kept().last().cloned().flatten().expect("kept");
    assert_eq!(
        kept.query.sort.as_deref(),
        Some("random"),
        "and so at the next start"
    );
}

/// A channel played alone with nothing else to wake the window (one
/// artwork, so no dwell ends; hidden, so no view is due; every page in) is
/// woken for its hourly look, as a playset's channels are, and looks.
#[test]
fn a_still_channel_is_woken_for_its_hourly_look() {
    let mut p = Player::connected();
    let started = p.now;
    let (tag, _) = p
        .command("c", "play_channel", json!({"channel_name": "all"}))
        .only_request();
    p.answer(tag, last([1]));
    assert_woken_for_the_hourly_look(&mut p, started);
}
