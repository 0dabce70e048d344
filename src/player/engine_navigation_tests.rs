//! The engine's navigation rules: history, pending and preload, edge-case
//! queues, the set of ready decodes, reloads and reorders.

use super::*;
use crate::player::history::HISTORY_CAP;

// Rule 4: next / previous / history

#[test]
fn previous_walks_back_through_what_was_shown() {
    let mut e = playing(&["a", "b", "c", "d", "e"]);
    go(&mut e, 1, |e, now| e.show_index(3, now));
    assert_eq!(go(&mut e, 11, Engine::tick), "e");
    go(&mut e, 12, |e, now| e.show_index(1, now));
    let back: String = (13..17).map(|t| go(&mut e, t, Engine::previous)).collect();
    // a d e b walked back, then queue order before a (wrapping).
    assert_eq!(back, "edae");
}

#[test]
fn next_after_previous_replays_history_then_continues_in_queue_order() {
    let mut e = playing(&["a", "b", "c", "d", "e"]);
    go(&mut e, 1, |e, now| e.show_index(2, now));
    go(&mut e, 2, |e, now| e.show_index(4, now));
    e.previous(s(3));
    e.previous(s(3));
    load_wanted(&mut e, s(3));
    assert_eq!(shown(&e), "a");
    assert_eq!(go(&mut e, 4, Engine::next), "c", "history, not b");
    assert_eq!(go(&mut e, 14, Engine::tick), "e", "auto follows it too");
    assert_eq!(go(&mut e, 15, Engine::next), "a", "then queue order");
}

#[test]
fn history_follows_shown_artworks_across_a_reorder() {
    let mut e = playing(&["a", "b", "c", "d", "e"]);
    go(&mut e, 10, Engine::tick);
    go(&mut e, 20, Engine::tick);
    e.reorder(queue(&["c", "e", "a", "d", "b"]), 0);
    assert_eq!((shown(&e), e.current_index()), ("c".into(), Some(0)));
    go(&mut e, 21, Engine::previous);
    assert_eq!((shown(&e), e.current_index()), ("b".into(), Some(4)));
    go(&mut e, 22, Engine::previous);
    assert_eq!((shown(&e), e.current_index()), ("a".into(), Some(2)));
    let forward: String = (23..26).map(|t| go(&mut e, t, Engine::next)).collect();
    assert_eq!(forward, "bce", "history, then the new queue order");
}

#[test]
fn previous_without_history_goes_back_in_queue_order_wrapping() {
    let mut e = playing(&["a", "b", "c", "d"]);
    assert_eq!(go(&mut e, 1, Engine::previous), "d");
    assert_eq!(go(&mut e, 2, Engine::previous), "c");
    // Those became history: forward goes d, a, then b in queue order.
    let forward: String = (3..6).map(|t| go(&mut e, t, Engine::next)).collect();
    assert_eq!(forward, "dab");
}

#[test]
fn queue_order_wraps_at_the_end() {
    let mut e = playing(&["a", "b"]);
    go(&mut e, 1, Engine::next);
    assert_eq!(go(&mut e, 2, Engine::next), "a");
    assert_eq!(e.current_index(), Some(0));
}

#[test]
fn history_is_bounded() {
    let names: Vec<String> = (0..300).map(|i| i.to_string()).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut e = playing(&refs);
    for t in 1..300 {
        go(&mut e, t, Engine::next);
    }
    assert_eq!(shown(&e), "299");
    assert_eq!(e.history.len(), HISTORY_CAP);
    for t in 300..300 + HISTORY_CAP as u64 - 1 {
        go(&mut e, t, Engine::previous);
    }
    assert_eq!(shown(&e), "44", "oldest entry kept");
    assert_eq!(go(&mut e, 1000, Engine::previous), "43", "then queue order");
    assert_eq!(e.history.len(), HISTORY_CAP);
}

// Rule 7: preload and pending

#[test]
fn wanted_is_current_pending_then_preload_target() {
    let mut e = Engine::new(s(10));
    e.set_items(queue(&["a", "b", "c", "d"]), 0, s(0));
    assert_eq!(e.wanted(), [art("a"), art("b")]);
    e.on_loaded(&art("a"), STILL, s(0));
    assert_eq!(e.wanted(), [art("a"), art("b")]);
    e.next(s(1));
    assert_eq!(e.wanted(), [art("a"), art("b"), art("c")]);
}

#[test]
fn pressing_next_twice_moves_the_pending_target_on() {
    let mut e = Engine::new(s(10));
    e.set_items(queue(&["a", "b", "c", "d"]), 0, s(0));
    e.on_loaded(&art("a"), STILL, s(0));
    e.next(s(1));
    e.next(s(1));
    assert_eq!(shown(&e), "a");
    assert_eq!(e.pending(), Some(&art("c")));
    assert_eq!(e.wanted(), [art("a"), art("c"), art("d")]);
    // b's decode arrives late: no longer wanted, not remembered.
    e.on_loaded(&art("b"), STILL, s(2));
    assert!(!e.ready.contains_key(&art("b")));
    assert_eq!(shown(&e), "a");
    e.on_loaded(&art("c"), STILL, s(3));
    assert_eq!(shown(&e), "c");
    e.previous(s(4));
    assert_eq!(e.pending(), Some(&art("a")), "c was shown right after a");
}

#[test]
fn previous_while_pending_cancels_the_move() {
    let mut e = Engine::new(s(10));
    e.set_items(queue(&["a", "b", "c"]), 0, s(0));
    e.on_loaded(&art("a"), STILL, s(0));
    e.next(s(1));
    assert_eq!(e.pending(), Some(&art("b")));
    e.previous(s(2));
    assert_eq!(e.pending(), None);
    assert_eq!(shown(&e), "a");
    assert_eq!(e.next_deadline(), Some(s(10)), "dwell untouched");
}

#[test]
fn new_queue_keeps_old_artwork_on_screen_until_its_start_is_decoded() {
    let mut e = playing(&["a", "b"]);
    e.set_items(queue(&["x", "y", "z"]), 1, s(5));
    assert_eq!((shown(&e), e.current_index()), ("a".into(), None));
    assert_eq!(e.pending(), Some(&art("y")));
    assert_eq!(e.wanted(), [art("a"), art("y"), art("z")]);
    e.on_loaded(&art("y"), STILL, s(6));
    assert_eq!((shown(&e), e.current_index()), ("y".into(), Some(1)));
    // History was cleared: a is not reachable by previous.
    load_wanted(&mut e, s(6));
    assert_eq!(go(&mut e, 7, Engine::previous), "x");
}

#[test]
fn new_queue_starting_with_what_is_shown_does_not_reload_it() {
    let mut e = playing(&["a", "b"]);
    e.set_items(queue(&["x", "a"]), 1, s(5));
    assert_eq!(e.pending(), None);
    assert_eq!((shown(&e), e.current_index()), ("a".into(), Some(1)));
    assert_eq!(e.visible_elapsed(s(5)), s(5), "animation undisturbed");
    assert_eq!(e.next_deadline(), Some(s(15)), "dwell starts over");
}

// Rule 8: empty, single, out of range

#[test]
fn empty_engine_is_inert() {
    let mut e = Engine::new(DEFAULT_DWELL);
    e.tick(s(1));
    e.next(s(2));
    e.previous(s(3));
    e.show_index(0, s(4));
    e.set_paused(true, s(5));
    e.set_pinned(true);
    e.on_loaded(&art("a"), STILL, s(6));
    e.reorder(Vec::new(), 0);
    e.set_items(Vec::new(), 7, s(7));
    assert_eq!(
        (e.current(), e.pending(), e.current_index()),
        (None, None, None)
    );
    assert!(!e.current_failed());
    assert!(e.wanted().is_empty() && e.items().is_empty() && e.ready.is_empty());
    assert_eq!(e.next_deadline(), None);
    assert_eq!(e.visible_elapsed(s(8)), Duration::ZERO);
}

#[test]
fn empty_queue_clears_the_screen() {
    let mut e = playing(&["a", "b"]);
    e.set_items(Vec::new(), 0, s(1));
    assert_eq!(e.current(), None);
    assert!(e.wanted().is_empty());
    assert_eq!(e.next_deadline(), None);
}

#[test]
fn single_item_queue_simply_stays() {
    let mut e = playing(&["a"]);
    assert_eq!(e.wanted(), [art("a")]);
    assert_eq!(e.next_deadline(), None, "nothing else to show");
    e.tick(s(1000));
    assert_eq!(shown(&e), "a");
    assert_eq!(e.visible_elapsed(s(1000)), s(1000), "not restarted");
    e.next(s(1001));
    e.previous(s(1002));
    assert_eq!((shown(&e), e.pending()), ("a".into(), None));
    assert_eq!(e.history.len(), 1);
}

#[test]
fn out_of_range_indexes_are_clamped_or_ignored() {
    let mut e = playing(&["a", "b", "c"]);
    e.show_index(3, s(1));
    e.show_index(usize::MAX, s(1));
    assert_eq!((shown(&e), e.pending()), ("a".into(), None));
    e.set_items(queue(&["x", "y"]), 99, s(2));
    assert_eq!(e.pending(), Some(&art("y")));
}

#[test]
fn duplicate_source_in_queue_does_not_get_stuck() {
    let mut e = playing(&["a", "b", "a"]);
    let mut seen = Vec::new();
    for t in [10, 20, 30, 40] {
        seen.push((go(&mut e, t, Engine::tick), e.current_index()));
        assert!(e.next_deadline().is_some_and(|d| d > s(t)));
    }
    let expected = [("b", 1), ("a", 2), ("a", 0), ("b", 1)].map(|(n, i)| (n.into(), Some(i)));
    assert_eq!(seen, expected);
}

// Rule 9: ready set

#[test]
fn preload_results_are_kept_only_while_wanted() {
    let mut e = playing(&["a", "b", "c", "d"]);
    e.on_loaded(&art("z"), STILL, s(1));
    assert!(!e.ready.contains_key(&art("z")), "never wanted");
    e.tick(s(10));
    assert_eq!(shown(&e), "b");
    let ready: Vec<_> = e.ready.keys().collect();
    assert_eq!(ready, [&art("b")], "a no longer wanted, c not decoded yet");
}

#[test]
fn new_queue_keeps_decodes_that_are_still_wanted() {
    let mut e = playing(&["a", "b", "c"]);
    e.set_items(queue(&["b", "c", "x"]), 0, s(3));
    assert_eq!(shown(&e), "b", "b was preloaded: shown at once");
    assert_eq!(e.pending(), None);
    assert!(!e.ready.contains_key(&art("a")));
}

#[test]
fn re_reporting_a_decode_is_harmless_and_resyncs_a_forgotten_one() {
    let mut e = playing(&["a", "b", "c"]);
    e.tick(s(4));
    for source in e.wanted() {
        e.on_loaded(&source, STILL, s(5));
    }
    assert_eq!((shown(&e), e.next_deadline()), ("a".into(), Some(s(10))));
    // A jump and a back within one frame: b leaves wanted() and returns
    // before the app syncs, so the app still holds it but the engine forgot.
    e.show_index(2, s(6));
    e.previous(s(6));
    assert!(!e.ready.contains_key(&art("b")));
    e.tick(s(10));
    assert_eq!(e.pending(), Some(&art("b")));
    // The app re-reports what it holds: b goes on screen.
    e.on_loaded(&art("b"), STILL, s(10));
    assert_eq!(shown(&e), "b");
}

// Reloads and reorders

#[test]
fn reload_of_current_updates_loop_and_keeps_elapsed() {
    let mut e = playing(&["a", "b"]);
    e.on_loaded(&art("a"), anim(20), s(5));
    assert_eq!(shown(&e), "a");
    assert_eq!(e.visible_elapsed(s(5)), s(5));
    assert_eq!(e.next_deadline(), Some(s(20)));
}

#[test]
fn reorder_keeps_current_and_pending() {
    let mut e = Engine::new(s(10));
    e.set_items(queue(&["a", "b", "c", "d"]), 0, s(0));
    e.on_loaded(&art("a"), STILL, s(0));
    e.next(s(1));
    e.reorder(queue(&["d", "b", "c", "a"]), 0);
    assert_eq!((shown(&e), e.current_index()), ("a".into(), Some(3)));
    assert_eq!(e.pending(), Some(&art("b")));
    assert_eq!(e.wanted(), [art("a"), art("b"), art("c")]);
    e.on_loaded(&art("b"), STILL, s(2));
    assert_eq!(e.current_index(), Some(1));
}

/// A playset's queue holds a small channel's artwork many times, and a long
/// run drops the start of its queue (`Reorder { dropped }`): the copy on
/// screen is found where it moved to, not at its old place, which holds
/// another copy, nor at the first.
#[test]
fn a_trimmed_queue_of_repeats_keeps_the_copy_on_screen_where_it_moved() {
    let mut e = playing(&["a", "x", "a", "y", "a", "z", "a", "w"]);
    go(&mut e, 1, |e, now| e.show_index(4, now));
    e.reorder(queue(&["a", "y", "a", "z", "a", "w", "a", "v"]), 2);
    assert_eq!((shown(&e), e.current_index()), ("a".into(), Some(2)));
    assert_eq!(
        go(&mut e, 11, Engine::tick),
        "z",
        "what came after it comes next"
    );
    assert_eq!(e.current_index(), Some(3));
}

/// Back after the queue's start was dropped goes to the copy of a repeated
/// artwork that was shown, found where it moved to.
#[test]
fn back_after_a_trim_goes_to_the_copy_that_was_shown() {
    let mut e = playing(&["a", "b", "a", "c", "a", "d", "a", "e"]);
    let shown_then: String = (1..6).map(|t| go(&mut e, t * 10, Engine::tick)).collect();
    assert_eq!(shown_then, "bacad");
    e.reorder(queue(&["a", "c", "a", "d", "a", "e", "a", "f"]), 2);
    assert_eq!((shown(&e), e.current_index()), ("d".into(), Some(3)));
    let back = |e: &mut Engine, t| (go(e, t, Engine::previous), e.current_index());
    assert_eq!(back(&mut e, 51), ("a".into(), Some(2)));
    assert_eq!(back(&mut e, 52), ("c".into(), Some(1)));
    assert_eq!(back(&mut e, 53), ("a".into(), Some(0)));
    assert_eq!(
        back(&mut e, 54),
        ("b".into(), None),
        "dropped: shown, not queued"
    );
}

/// What waits for its decode, a repeated artwork, is looked for where what
/// is on screen moved to, not at its first copy: playback goes on from the
/// place it was going to, not from an earlier one.
#[test]
fn a_waiting_repeat_is_found_where_what_shows_moved() {
    let mut e = playing(&["x", "a", "c", "b", "d", "b"]);
    go(&mut e, 1, |e, now| e.show_index(1, now));
    e.show_index(5, s(2));
    assert_eq!(e.pending(), Some(&art("b")));
    e.reorder(queue(&["y", "x", "a", "c", "b", "d", "b"]), 0);
    assert_eq!(e.current_index(), Some(2));
    load_wanted(&mut e, s(3));
    assert_eq!((shown(&e), e.current_index()), ("b".into(), Some(6)));
}
