//! One channel of a playset: its pick modes over pages, laps and a window.

use std::time::Duration;

use super::*;
use crate::player::feed::FAILED_PAGE_WAIT;
use crate::player::feed::tests::page;

const T: Duration = Duration::from_secs(10);

fn channel(pick: PickMode) -> RunChannel {
    let mut c = RunChannel::makapix(1, QueryPosts::default());
    c.start(pick, 5);
    c.first_request();
    c
}

/// Takes `n` artworks, each page answered (50 posts, offset paged, `len`
/// in all) as soon as it is asked for. With every page answered at once the
/// channel always has one to give: when it gives none, the test fails
/// rather than asking forever.
fn take(c: &mut RunChannel, n: usize, len: i64) -> Vec<i64> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        if let Some(q) = c.wants_more(T) {
            let from: i64 = q.cursor.as_deref().map_or(0, |s| s.parse().unwrap());
            let to = (from + 50).min(len);
            let next = to.to_string();
            c.on_page(page(from..to, (to < len).then_some(&*next)), T);
        }
        let Some(id) = c.take().and_then(|i| i.source.post_id()) else {
            panic!("the channel gave nothing after {} artworks", out.len());
        };
        out.push(id);
    }
    out
}

#[test]
fn recency_goes_on_through_every_page_and_holds_a_window() {
    let mut c = channel(PickMode::Recency);
    c.on_page(page(0..50, Some("50")), T);
    let got = take(&mut c, 3_000, i64::MAX);
    assert!(
        got == (0..3_000).collect::<Vec<_>>(),
        "newest first, never again"
    );
    let held = c.items().len();
    assert!(held <= KEEP_BEHIND + TRIM_EVERY + 50, "holds {held}");
}

#[test]
fn a_finite_channel_bigger_than_the_window_plays_lap_after_lap() {
    for pick in [PickMode::Recency, PickMode::Random] {
        let mut c = channel(pick);
        let len = (KEEP_BEHIND + 300) as i64;
        c.on_page(page(0..50, Some("50")), T);
        let got = take(&mut c, len as usize * 3, len);
        for lap in got.chunks(len as usize) {
            let mut lap = lap.to_vec();
            if pick == PickMode::Recency {
                assert!(lap.is_sorted(), "newest first");
            }
            lap.sort_unstable();
            assert!(
                lap == (0..len).collect::<Vec<_>>(),
                "{pick:?}: each once a lap"
            );
        }
    }
}

#[test]
fn random_picks_each_artwork_once_a_pass_in_a_new_order_each_pass() {
    let mut c = channel(PickMode::Random);
    c.on_page(page(0..6, None), T);
    let got = take(&mut c, 60, 6);
    let passes: Vec<&[i64]> = got.chunks(6).collect();
    for pass in &passes {
        let mut sorted = pass.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, [0, 1, 2, 3, 4, 5], "{got:?}");
    }
    assert!(passes.windows(2).any(|w| w[0] != w[1]), "{got:?}");
    assert_ne!(passes[0], [0, 1, 2, 3, 4, 5], "shuffled");
}

#[test]
fn posts_published_since_are_the_channel_s_next_picks() {
    for pick in [PickMode::Recency, PickMode::Random] {
        let mut c = channel(pick);
        c.on_page(page(0..10, None), T);
        take(&mut c, 4, 10);
        let look = c.fresh_request().expect("a look");
        assert_eq!(look.cursor, None);
        assert!(c.fresh_request().is_none(), "one look at a time");
        // 100 and 101 are new, 0 to 2 known.
        let fresh = page(100..102, None);
        let mut both = page(0..3, None);
        both.posts.splice(0..0, fresh.posts);
        assert_eq!(c.on_fresh_page(Some(&both), T), 2);
        let mut next = take(&mut c, 2, 10);
        next.sort_unstable();
        assert_eq!(next, [100, 101], "{pick:?}");
        assert!(c.fresh_request().is_some(), "the next look may go");
    }
}

/// A channel played alone plays what it holds while its next page is
/// tried again; in a playset it stays in the mix the same way.
#[test]
fn a_channel_whose_next_page_fails_plays_what_it_holds_meanwhile() {
    let mut c = channel(PickMode::Recency);
    c.on_page(page(0..2, Some("p2")), T);
    let asked = (c.take(), c.take(), c.wants_more(T));
    assert!(asked.2.is_some(), "{asked:?}");
    c.on_failure(T);
    let meanwhile: Vec<_> = (0..3).filter_map(|_| c.take()?.source.post_id()).collect();
    assert_eq!(meanwhile, [0, 1, 0], "wrapped while it waits to try again");
    let again = c.wants_more(T + FAILED_PAGE_WAIT).expect("tried again");
    assert_eq!(again.cursor.as_deref(), Some("p2"));
    c.on_page(page(2..4, None), T + FAILED_PAGE_WAIT);
    let next: Vec<_> = (0..3).filter_map(|_| c.take()?.source.post_id()).collect();
    assert_eq!(next, [1, 2, 3], "then on through the page that came");
}

/// An artist followed before they published, and a channel whose first
/// page failed, look every hour too, and what they get plays; the failed
/// one pages on from it.
#[test]
fn a_channel_with_nothing_yet_still_looks_every_hour() {
    let mut empty = channel(PickMode::Recency);
    empty.on_page(page(0..0, None), T);
    let mut failed = channel(PickMode::Recency);
    failed.on_failure(T);
    for (c, len) in [(&mut empty, 50), (&mut failed, 100)] {
        assert!(c.take().is_none(), "nothing to play yet");
        let look = c.fresh_request().expect("a look");
        assert_eq!(look.cursor, None);
        assert_eq!(c.on_fresh_page(Some(&page(0..50, Some("50"))), T), 50);
        assert!(take(c, len, len as i64) == (0..len as i64).collect::<Vec<_>>());
    }
    let mut asking = channel(PickMode::Recency);
    assert!(
        asking.fresh_request().is_none(),
        "its first page is on its way"
    );
}
