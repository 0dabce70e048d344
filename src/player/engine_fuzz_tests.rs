//! Invariants under arbitrary use: random commands, loads and clock jumps.

use super::*;
use crate::player::history::HISTORY_CAP;

#[test]
fn random_use_keeps_invariants() {
    let mut rng = 0x2545_F491_4F6C_DD1D_u64;
    let mut rand = move |n: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % n
    };
    let names = ["a", "b", "c", "d", "e", "f"];
    let mut e = Engine::new(s(5));
    let mut now = Duration::ZERO;
    let mut waiting_on_screen = 0;
    for _ in 0..20_000 {
        now += Duration::from_millis(rand(4_000));
        let loop_secs = rand(12);
        let fail = rand(4) == 0;
        match rand(12) {
            0 => e.set_items(queue(&names[..rand(5) as usize]), rand(7) as usize, now),
            1 => {
                let mut items = e.items().to_vec();
                items.reverse();
                e.reorder(items, 0);
            }
            2 => e.next(now),
            3 => e.previous(now),
            4 => e.show_index(rand(7) as usize, now),
            5 => e.set_paused(rand(2) == 0, now),
            6 => e.set_pinned(rand(3) == 0),
            7 => e.set_dwell(Duration::from_millis(rand(8_000))),
            8 => {
                let outcome = if fail {
                    LoadOutcome::Failed
                } else {
                    anim(loop_secs)
                };
                e.on_loaded(&art(names[rand(6) as usize]), outcome, now);
            }
            9 | 10 => load_wanted_with(&mut e, now, |_| {
                if fail {
                    LoadOutcome::Failed
                } else {
                    anim(loop_secs)
                }
            }),
            _ => e.tick(now),
        }
        // Calls without `now` (pin, dwell, reorder) act at the latest `now`
        // the engine was given, so that is what the deadline must follow.
        if let Some(deadline) = e.next_deadline() {
            assert!(deadline > e.last_now, "{deadline:?} <= {:?}", e.last_now);
        }
        if let (Some(i), Some(cur)) = (e.current_index(), e.current()) {
            assert_eq!(&e.items()[i].source, cur);
        }
        let wanted = e.wanted();
        assert!(wanted.len() <= 3);
        assert!(e.ready.keys().all(|s| wanted.contains(s)));
        assert!(e.history.len() <= HISTORY_CAP);
        assert_eq!(e.history.cursor().is_some(), e.history.len() > 0);
        if let (Some(c), Some(cur)) = (e.history.cursor(), e.current()) {
            assert_eq!(&e.history.entry(c).source, cur);
        }
        if e.items().is_empty() {
            assert_eq!(e.current(), None);
        }
        if e.pending().is_some() {
            assert_ne!(e.pending(), e.current());
            waiting_on_screen += usize::from(e.current().is_some());
        }
    }
    // The walk must actually reach the interesting states.
    assert!(waiting_on_screen > 1_000, "{waiting_on_screen}");
}
