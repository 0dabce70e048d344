//! The engine's timing rules (dwell, full loop, failures, pause, pin) and the
//! helpers its other test files share.

use std::path::PathBuf;

use super::*;

fn s(secs: u64) -> Duration {
    Duration::from_secs(secs)
}

fn art(name: &str) -> ArtworkSource {
    ArtworkSource::File(PathBuf::from(format!("{name}.png")))
}

fn queue(names: &[&str]) -> Vec<QueueItem> {
    names.iter().map(|n| QueueItem::new(art(n))).collect()
}

const STILL: LoadOutcome = LoadOutcome::Ready {
    loop_duration: Duration::ZERO,
};

fn anim(secs: u64) -> LoadOutcome {
    LoadOutcome::Ready {
        loop_duration: s(secs),
    }
}

fn failed_if(name: &'static str) -> impl Fn(&ArtworkSource) -> LoadOutcome {
    move |source| {
        if *source == art(name) {
            LoadOutcome::Failed
        } else {
            STILL
        }
    }
}

/// Plays the app's decoder: decodes every wanted source not decoded yet.
fn load_wanted_with(
    e: &mut Engine,
    now: Duration,
    outcome: impl Fn(&ArtworkSource) -> LoadOutcome,
) {
    for _ in 0..8 {
        let wanted = e.wanted();
        let Some(source) = wanted.iter().find(|s| !e.ready.contains_key(*s)) else {
            return;
        };
        e.on_loaded(source, outcome(source), now);
    }
    panic!("wanted() never settles");
}

fn load_wanted(e: &mut Engine, now: Duration) {
    load_wanted_with(e, now, |_| STILL);
}

/// Runs a command at `t` seconds with a decoder that keeps up; returns the
/// name on screen afterwards.
fn go(e: &mut Engine, t: u64, command: impl FnOnce(&mut Engine, Duration)) -> String {
    command(e, s(t));
    load_wanted(e, s(t));
    shown(e)
}

/// Dwell 10 s, queue started at `t = 0` with everything wanted decoded.
fn playing(names: &[&str]) -> Engine {
    let mut e = Engine::new(s(10));
    e.set_items(queue(names), 0, s(0));
    load_wanted(&mut e, s(0));
    e
}

/// The name on screen, without extension ("" when nothing is shown).
fn shown(e: &Engine) -> String {
    e.current()
        .map(|c| c.display_name().trim_end_matches(".png").to_owned())
        .unwrap_or_default()
}

// Rule 1: dwell

#[test]
fn still_image_stays_for_dwell_then_preloaded_next_swaps_in_same_tick() {
    let mut e = playing(&["a", "b", "c"]);
    assert_eq!(shown(&e), "a");
    assert_eq!(e.next_deadline(), Some(s(10)));
    e.tick(s(10) - Duration::from_millis(1));
    assert_eq!(shown(&e), "a");
    e.tick(s(10));
    assert_eq!(shown(&e), "b");
    assert_eq!(e.pending(), None, "b was preloaded: no gap");
    assert_eq!(e.current_index(), Some(1));
    assert_eq!(e.visible_elapsed(s(10)), Duration::ZERO);
    assert_eq!(e.next_deadline(), Some(s(20)));
}

#[test]
fn item_dwell_overrides_engine_dwell() {
    let mut items = queue(&["a", "b", "c"]);
    items[0].dwell = Some(s(4));
    let mut e = Engine::new(s(10));
    e.set_items(items, 0, s(0));
    load_wanted(&mut e, s(0));
    assert_eq!(e.next_deadline(), Some(s(4)));
    e.tick(s(4));
    assert_eq!(shown(&e), "b");
    assert_eq!(e.next_deadline(), Some(s(14)));
}

#[test]
fn next_not_decoded_yet_waits_without_blanking() {
    let mut e = Engine::new(s(10));
    e.set_items(queue(&["a", "b", "c"]), 0, s(0));
    assert_eq!(e.current(), None);
    assert_eq!(e.pending(), Some(&art("a")));
    e.on_loaded(&art("a"), STILL, s(1));
    assert_eq!(shown(&e), "a");
    e.tick(s(11));
    assert_eq!(shown(&e), "a", "old artwork stays until b is decoded");
    assert_eq!(e.pending(), Some(&art("b")));
    assert_eq!(e.next_deadline(), None, "waiting for a load");
    e.on_loaded(&art("b"), STILL, s(12));
    assert_eq!(shown(&e), "b");
    assert_eq!(e.visible_elapsed(s(12)), Duration::ZERO);
    assert_eq!(e.next_deadline(), Some(s(22)));
}

#[test]
fn a_late_tick_advances_only_once() {
    let mut e = playing(&["a", "b", "c"]);
    e.tick(s(95));
    assert_eq!(shown(&e), "b");
    assert_eq!(e.next_deadline(), Some(s(105)));
}

// Rule 2: full loop

#[test]
fn animation_longer_than_dwell_plays_one_full_loop() {
    let mut e = Engine::new(s(10));
    e.set_items(queue(&["a", "b"]), 0, s(0));
    load_wanted_with(
        &mut e,
        s(0),
        |s| if *s == art("a") { anim(25) } else { STILL },
    );
    assert_eq!(e.next_deadline(), Some(s(25)));
    e.tick(s(24));
    assert_eq!(shown(&e), "a");
    e.tick(s(25));
    assert_eq!(shown(&e), "b");
}

#[test]
fn animation_shorter_than_dwell_uses_dwell() {
    let mut e = Engine::new(s(10));
    e.set_items(queue(&["a", "b"]), 0, s(0));
    load_wanted_with(&mut e, s(0), |_| anim(2));
    assert_eq!(e.next_deadline(), Some(s(10)));
}

// Rule 3: failures

#[test]
fn failed_item_shows_placeholder_for_failed_dwell_then_moves_on() {
    let mut e = Engine::new(s(10));
    e.set_items(queue(&["a", "b"]), 0, s(0));
    load_wanted_with(&mut e, s(0), failed_if("a"));
    assert_eq!(shown(&e), "a");
    assert!(e.current_failed());
    assert_eq!(e.next_deadline(), Some(FAILED_DWELL));
    e.tick(FAILED_DWELL);
    assert_eq!(shown(&e), "b");
    assert!(!e.current_failed());
}

#[test]
fn all_items_failing_advance_once_per_failed_dwell_without_spinning() {
    let mut e = Engine::new(s(10));
    e.set_items(queue(&["a", "b", "c"]), 0, s(0));
    let mut now = s(0);
    load_wanted_with(&mut e, now, |_| LoadOutcome::Failed);
    let mut seen = String::new();
    for _ in 0..9 {
        assert!(e.current_failed());
        seen += &shown(&e);
        // What the UI does: sleep until the deadline, tick, feed the decoder.
        let deadline = e.next_deadline().expect("failed items must keep moving");
        assert_eq!(deadline, now + FAILED_DWELL);
        now = deadline;
        e.tick(now);
        load_wanted_with(&mut e, now, |_| LoadOutcome::Failed);
        assert!(e.next_deadline().is_some_and(|d| d > now));
    }
    assert_eq!(seen, "abcabcabc");
}

#[test]
fn current_failing_on_reload_gets_a_full_failed_dwell() {
    let mut e = playing(&["a", "b"]);
    e.on_loaded(&art("a"), LoadOutcome::Failed, s(8));
    assert!(e.current_failed());
    assert_eq!(e.next_deadline(), Some(s(8) + FAILED_DWELL));
    // The editor finished writing: the artwork is back and plays its dwell.
    e.on_loaded(&art("a"), STILL, s(9));
    assert!(!e.current_failed());
    assert_eq!(shown(&e), "a");
    assert_eq!(e.next_deadline(), Some(s(18)));
}

#[test]
fn zero_dwell_is_raised_to_the_minimum_so_it_cannot_spin() {
    let mut e = Engine::new(Duration::ZERO);
    assert_eq!(e.dwell(), MIN_DWELL);
    let mut items = queue(&["a", "b"]);
    items[1].dwell = Some(Duration::ZERO);
    e.set_items(items, 0, s(0));
    load_wanted(&mut e, s(0));
    e.set_dwell(Duration::ZERO);
    assert_eq!(e.next_deadline(), Some(MIN_DWELL));
    e.tick(MIN_DWELL);
    assert_eq!(shown(&e), "b");
    assert_eq!(e.next_deadline(), Some(MIN_DWELL * 2));
}

#[test]
fn shorter_dwell_making_current_overdue_advances_at_once() {
    let mut e = playing(&["a", "b"]);
    e.tick(s(7));
    e.set_dwell(s(5));
    assert_eq!(shown(&e), "b");
    assert_eq!(e.next_deadline(), Some(s(12)));
}

// Rule 5: pause

#[test]
fn pause_freezes_dwell_and_visible_time() {
    let mut e = playing(&["a", "b"]);
    e.set_paused(true, s(4));
    assert!(e.is_paused());
    assert_eq!(e.next_deadline(), None);
    assert_eq!(e.visible_elapsed(s(100)), s(4));
    e.tick(s(100));
    assert_eq!(shown(&e), "a");
    e.set_paused(false, s(100));
    assert_eq!(e.visible_elapsed(s(103)), s(7));
    assert_eq!(e.next_deadline(), Some(s(106)));
    e.tick(s(106));
    assert_eq!(shown(&e), "b");
}

#[test]
fn manual_navigation_works_while_paused() {
    let mut e = playing(&["a", "b"]);
    e.set_paused(true, s(1));
    e.next(s(2));
    assert_eq!(shown(&e), "b");
    assert!(e.is_paused());
    assert_eq!(
        e.visible_elapsed(s(50)),
        Duration::ZERO,
        "frozen on frame 0"
    );
    assert_eq!(e.next_deadline(), None);
    e.previous(s(3));
    assert_eq!(shown(&e), "a");
}

// Rule 6: pin

#[test]
fn pinned_artwork_is_held_and_dwell_counts_on_after_unpin() {
    let mut e = playing(&["a", "b"]);
    e.set_pinned(true);
    e.tick(s(4));
    assert!(e.is_pinned());
    assert_eq!(e.next_deadline(), None);
    e.tick(s(1000));
    assert_eq!(shown(&e), "a");
    assert_eq!(
        e.visible_elapsed(s(1000)),
        s(1000),
        "the animation plays on"
    );
    e.set_pinned(false);
    e.tick(s(1000));
    // 4 s were used before pinning: 6 s remain.
    assert_eq!(e.next_deadline(), Some(s(1006)));
    e.tick(s(1005));
    assert_eq!(shown(&e), "a");
    e.tick(s(1006));
    assert_eq!(shown(&e), "b");
}

#[test]
fn pin_change_takes_effect_at_the_next_now_not_the_last() {
    // The UI's frame: input (pin) first, then tick. The previous call was
    // long ago (idle sleep), which must not count as the pin instant.
    let mut e = playing(&["a", "b"]);
    e.set_pinned(true);
    assert_eq!(e.next_deadline(), None);
    e.tick(s(8));
    e.set_pinned(false);
    assert_eq!(e.next_deadline(), None, "resumes at the next now");
    e.tick(s(500));
    assert_eq!(e.next_deadline(), Some(s(502)));
}

#[test]
fn manual_navigation_while_pinned_keeps_the_pin() {
    let mut e = playing(&["a", "b", "c"]);
    e.set_pinned(true);
    assert_eq!(go(&mut e, 1, Engine::next), "b");
    assert!(e.is_pinned());
    assert_eq!(go(&mut e, 500, Engine::tick), "b");
    assert_eq!(go(&mut e, 501, Engine::previous), "a");
    assert!(e.is_pinned());
    assert_eq!(e.next_deadline(), None);
}

#[path = "engine_navigation_tests.rs"]
mod navigation;

#[path = "engine_fuzz_tests.rs"]
mod fuzz;
