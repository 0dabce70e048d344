//! A channel left playing for weeks: the feed, the session and the engine
//! hold a window of its posts, not every post paged, and it plays on in
//! order, new posts next after each hourly look, a finite one lap after lap.

use serde_json::json;

use super::fixture::*;
use crate::bridge::connection::RequestFailure;
use crate::player::feed::{KEEP_BEHIND, PAGE_SIZE, REMEMBERED_IDS};
use crate::player::{ArtworkSource, QueueItem};
use crate::protocol::request::QueryPosts;
use crate::protocol::response::Response;

/// The most artworks a list may hold: the window behind, the page on
/// screen, the one asked ahead and what an hourly look put next.
const CAP: usize = KEEP_BEHIND + 3 * PAGE_SIZE as usize;
/// Ids of posts published while the channel plays, above every other.
const NEW: i64 = 1_000_000_000;

/// Makapix's side: a channel of `base` posts (`0..base`) after those
/// published since the player started, newest first, paged by offset (a
/// post published moves every later page on by one, as the server does).
struct Server {
    base: usize,
    published: Vec<i64>,
    /// Posts published before each look at the first page.
    each_look: usize,
}

impl Server {
    /// A channel of `base` posts, none published while it plays.
    fn of(base: usize) -> Self {
        Server {
            base,
            published: Vec::new(),
            each_look: 0,
        }
    }

    fn answer(&mut self, q: &QueryPosts) -> Result<Response, RequestFailure> {
        let offset: usize = q.cursor.as_deref().map_or(0, |c| c.parse().unwrap());
        if offset == 0 {
            for _ in 0..self.each_look {
                self.published.insert(0, NEW + self.published.len() as i64);
            }
        }
        let len = self.published.len() + self.base;
        let end = (offset + PAGE_SIZE as usize).min(len);
        let ids = (offset..end).map(|i| match self.published.get(i) {
            Some(id) => *id,
            None => (i - self.published.len()) as i64,
        });
        if end < len {
            more(ids, &end.to_string())
        } else {
            last(ids)
        }
    }
}

/// Plays `server`'s channel `all` until `artworks` were shown, every page
/// answered at once; `check` runs after each. Returns what was shown, in order.
fn play(p: &mut Player, server: &mut Server, artworks: usize, check: impl Fn(&Player)) -> Vec<i64> {
    let out = p.command("c", "play_channel", json!({"channel_name": "all"}));
    play_on(p, server, out.queries(), artworks, check)
}

/// Plays on until `artworks` more were shown, `asked` and every page after
/// it answered at once; the last asked are answered too, so a test may play
/// on. `check` runs after each answer. Returns what was shown, in order.
fn play_on(
    p: &mut Player,
    server: &mut Server,
    mut asked: Vec<(u64, QueryPosts)>,
    artworks: usize,
    check: impl Fn(&Player),
) -> Vec<i64> {
    let mut shown: Vec<i64> = Vec::new();
    while shown.len() < artworks {
        for (tag, q) in asked.drain(..) {
            p.answer(tag, server.answer(&q));
            check(p);
        }
        p.advance(p.engine.dwell());
        asked = p.tick(true).queries();
        let on_screen = p.on_screen().expect("an artwork on screen");
        if shown.last() != Some(&on_screen) {
            shown.push(on_screen);
        }
    }
    for (tag, q) in asked {
        p.answer(tag, server.answer(&q));
    }
    shown
}

/// Each list the player keeps of the channel stays within its cap.
fn held_within_caps(p: &Player) {
    let feed = p.session.channels.feed().expect("the channel pages");
    let lists = [
        ("feed", feed.items().len()),
        ("session", p.session.channel().items().len()),
        ("engine", p.engine.items().len()),
    ];
    for (list, len) in lists {
        assert!(len <= CAP, "the {list} holds {len} artworks");
    }
    let known = feed.known_len();
    assert!(known <= CAP + REMEMBERED_IDS, "the feed knows {known} ids");
}

/// 1,000 pages: five times what the feed remembers of ids played
/// (`REMEMBERED_IDS`), the largest of the caps, so each is met many times.
#[test]
fn a_channel_played_for_1000_pages_holds_a_window_and_plays_each_post_once_in_order() {
    let mut p = Player::connected();
    let mut server = Server {
        base: usize::MAX / 2,
        published: Vec::new(),
        each_look: 2,
    };
    let shown = play(
        &mut p,
        &mut server,
        1_000 * PAGE_SIZE as usize,
        held_within_caps,
    );
    let paged: Vec<i64> = shown.iter().copied().filter(|id| *id < NEW).collect();
    let in_order: Vec<i64> = (0..paged.len() as i64).collect();
    assert!(paged == in_order, "the channel's posts in order, once each");
    let mut published: Vec<i64> = shown.iter().copied().filter(|id| *id >= NEW).collect();
    let looks = published.len();
    published.sort_unstable();
    published.dedup();
    assert_eq!(published.len(), looks, "each published post once");
    // The last look's posts may not have come yet.
    assert!(
        looks + 2 >= server.published.len(),
        "{looks} of {}",
        server.published.len()
    );
}

#[test]
fn a_finite_channel_bigger_than_the_window_plays_every_post_lap_after_lap() {
    for shuffle in [false, true] {
        let mut p = Player::connected();
        p.settings.shuffle = shuffle;
        let base = KEEP_BEHIND + 700;
        let mut server = Server::of(base);
        let shown = play(&mut p, &mut server, base * 3, held_within_caps);
        assert_laps_of_every_post(&shown, base, !shuffle, &format!("shuffle {shuffle}"));
    }
}

/// Shuffle turned on or off while a long channel plays, or its queue
/// shuffled anew (as when the channels' order changes; that the channel is
/// then asked for again is `channel_refresh`'s): what shows stays, and the
/// next artworks are new ones, not the window of those played before it in
/// a new order, and with shuffle off in the channel's order.
#[test]
fn a_new_order_while_a_long_channel_plays_does_not_play_its_window_again() {
    for (before, after) in [(false, true), (true, false), (true, true)] {
        let mut p = Player::connected();
        p.settings.shuffle = before;
        let mut server = Server::of(usize::MAX / 2);
        // Part way through a page: its next one has not come yet.
        let mut played = play(&mut p, &mut server, KEEP_BEHIND + 125, held_within_caps);
        let shows = played.pop();
        assert_eq!(p.on_screen(), shows);
        p.settings.shuffle = after;
        let out = p.act(|s, seen, fx| s.reorder(seen, fx));
        assert!(out.queries().is_empty(), "the channel's order stands");
        assert_eq!(
            p.on_screen(),
            shows,
            "shuffle {before} → {after}: what shows stays"
        );
        let next = play_on(&mut p, &mut server, Vec::new(), 100, held_within_caps);
        assert_none_again(&next, &played, &format!("shuffle {before} → {after}"));
        if !after {
            assert!(next.is_sorted(), "{before} → off: the channel's order");
        }
    }
}

/// The posts of `items`, in order.
fn ids(items: &[QueueItem]) -> Vec<i64> {
    items.iter().filter_map(|i| i.source.post_id()).collect()
}

/// Shuffle changed while the next artwork still waits for its download
/// (Next pressed twice on a slow network): it still plays next, and so does
/// every artwork that was to come after it, and none played before.
#[test]
fn a_new_order_while_the_next_artwork_waits_plays_every_one_to_come() {
    for (before, after) in [(false, true), (true, false), (true, true)] {
        let mut p = Player::connected();
        p.settings.shuffle = before;
        let mut server = Server::of(usize::MAX / 2);
        let mut played = play(&mut p, &mut server, 120, held_within_caps);
        // The first Next was downloaded ahead and shows; the second waits.
        p.command("n1", "swap_next", json!({}));
        p.command("n2", "swap_next", json!({}));
        played.extend(p.on_screen());
        let waits = p.engine.pending().and_then(ArtworkSource::post_id);
        assert!(waits.is_some(), "the next artwork waits");
        let (shows, at) = (p.on_screen(), p.engine.current_index().unwrap());
        let to_come = ids(&p.engine.items()[at + 1..]);
        p.settings.shuffle = after;
        p.act(|s, seen, fx| s.reorder(seen, fx));
        let case = format!("shuffle {before} → {after}");
        assert_eq!(p.on_screen(), shows, "{case}: what shows stays");
        let next = play_on(&mut p, &mut server, Vec::new(), 300, held_within_caps);
        assert_eq!(
            next.first().copied(),
            waits,
            "{case}: what waits plays next"
        );
        assert_every_one_to_come(&next, &played, &to_come, &case);
    }
}

/// Back pressed three times, then shuffle changed: Next walks on through
/// the three shown after the one on screen, then on to those never played,
/// every one of them, not to what was played or to some place further on.
#[test]
fn a_new_order_after_going_back_plays_every_one_to_come() {
    for (before, after) in [(false, true), (true, false), (true, true)] {
        let mut p = Player::connected();
        p.settings.shuffle = before;
        let mut server = Server::of(usize::MAX / 2);
        let played = play(&mut p, &mut server, 120, held_within_caps);
        let at = p.engine.current_index().unwrap();
        let to_come = ids(&p.engine.items()[at + 1..]);
        for back in ["b1", "b2", "b3"] {
            p.command(back, "swap_back", json!({}));
            p.tick(true);
        }
        let ahead = &played[played.len() - 3..];
        let shows = played.get(played.len() - 4).copied();
        assert_eq!(p.on_screen(), shows);
        p.settings.shuffle = after;
        p.act(|s, seen, fx| s.reorder(seen, fx));
        let case = format!("shuffle {before} → {after}");
        assert_eq!(p.on_screen(), shows, "{case}: what shows stays");
        let next = play_on(&mut p, &mut server, Vec::new(), 300, held_within_caps);
        assert_eq!(&next[..3], ahead, "{case}: forward through what was shown");
        assert_every_one_to_come(&next[3..], &played, &to_come, &case);
    }
}

/// Shuffle turned on in a small channel, one that loops over its few posts
/// (one page, nothing more), as files do: at the end of a lap (the last
/// artwork on screen, or waiting after Next) or in its middle. What shows
/// stays, and the laps after it are shuffled whole, not in the channel's
/// order, nor with the part played before the toggle in it lap after lap.
#[test]
fn shuffle_turned_on_in_a_small_channel_shuffles_every_lap_after() {
    const BASE: usize = 10;
    for (shown, waits) in [(BASE, false), (BASE - 2, true), (5, false)] {
        let mut p = Player::connected();
        let mut server = Server::of(BASE);
        play(&mut p, &mut server, shown, held_within_caps);
        if waits {
            // Next shows the artwork downloaded ahead; the last one waits.
            p.command("n1", "swap_next", json!({}));
            p.command("n2", "swap_next", json!({}));
            let last = p.engine.pending().and_then(ArtworkSource::post_id);
            assert_eq!(last, Some(BASE as i64 - 1), "the last artwork waits");
        } else {
            assert_eq!(p.on_screen(), Some(shown as i64 - 1));
        }
        let shows = p.on_screen();
        p.settings.shuffle = true;
        p.act(|s, seen, fx| s.reorder(seen, fx));
        assert_eq!(p.on_screen(), shows, "waits {waits}: what shows stays");
        let mut next = play_on(
            &mut p,
            &mut server,
            Vec::new(),
            1 + 3 * BASE,
            held_within_caps,
        );
        if waits {
            assert_eq!(next.remove(0), BASE as i64 - 1, "what waits plays next");
        }
        let in_order: Vec<i64> = (0..BASE as i64).collect();
        let before: Vec<i64> = (0..shown as i64).collect();
        let kept_in_order = next.windows(shown).any(|w| w == before);
        assert!(
            !kept_in_order,
            "shown {shown}: the part played is shuffled too"
        );
        for (n, lap) in next.chunks(BASE).take(3).enumerate() {
            assert_ne!(lap, in_order, "waits {waits}: lap {n} shuffled");
            let mut every = lap.to_vec();
            every.sort_unstable();
            assert_eq!(
                every, in_order,
                "waits {waits}: lap {n} shows each post once"
            );
        }
    }
}
