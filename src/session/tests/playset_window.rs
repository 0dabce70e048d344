//! A playset left playing for days: each channel goes on through its pages
//! in its pick mode, never starting its picks over, the lists held stay a
//! window, and each channel's posts published since play within the hour.

use std::time::Duration;

use serde_json::json;

use super::fixture::*;
use crate::bridge::connection::RequestFailure;
use crate::player::ArtworkSource;
use crate::player::feed::{FRESH_LOOK_EVERY, KEEP_BEHIND, PAGE_SIZE};
use crate::protocol::request::QueryPosts;
use crate::protocol::response::Response;
use crate::settings::ChannelOrder;

/// User `a`'s posts are `A + i`, `b`'s `B + i`, newest first.
const A: i64 = 0;
const B: i64 = 1_000_000;
/// A post published on `a` while the playset plays.
const NEW: i64 = 999_999;
/// The most artworks the queue may hold: the window behind, a page's worth
/// before it is trimmed, and the picks ahead.
const CAP: usize = KEEP_BEHIND + 2 * PAGE_SIZE as usize;

/// Makapix's side: user channels of `len` posts each (`a` of `a_len`),
/// paged by offset; from `publish_at` on, `NEW` is `a`'s newest post.
struct Server {
    len: usize,
    a_len: usize,
    publish_at: Duration,
}

impl Server {
    fn answer(&self, q: &QueryPosts, now: Duration) -> Result<Response, RequestFailure> {
        let a = q.user_sqid.as_deref() == Some("a");
        let published = a && now >= self.publish_at;
        let (base, len) = if a { (A, self.a_len) } else { (B, self.len) };
        let all = published
            .then_some(NEW)
            .into_iter()
            .chain((0..len as i64).map(|i| base + i));
        let offset: usize = q.cursor.as_deref().map_or(0, |c| c.parse().unwrap());
        let len = len + usize::from(published);
        let end = (offset + PAGE_SIZE as usize).min(len);
        let ids = all.skip(offset).take(end - offset);
        if end < len {
            more(ids, &end.to_string())
        } else {
            last(ids)
        }
    }
}

/// Plays a playset of users `a` and `b` in `pick` mode until `artworks` were
/// shown, every page answered at once, the lists held checked after each.
/// Returns what was shown, in order.
fn play(p: &mut Player, server: &Server, pick: &str, artworks: usize) -> Vec<i64> {
    let payload = json!({"playset_name": "mix", "exposure_mode": "equal", "pick_mode": pick,
        "channels": [{"type": "user", "identifier": "a"}, {"type": "user", "identifier": "b"}]});
    let asked = p.command("ps", "play_playset", payload).queries();
    play_on(p, server, asked, artworks)
}

/// Plays on until `artworks` more were shown, `asked` and every page after
/// it answered at once; the last asked are answered too, so a test may play
/// on. Returns what was shown, in order.
fn play_on(
    p: &mut Player,
    server: &Server,
    mut asked: Vec<(u64, QueryPosts)>,
    artworks: usize,
) -> Vec<i64> {
    let mut shown: Vec<i64> = Vec::new();
    while shown.len() < artworks {
        for (tag, q) in asked.drain(..) {
            p.answer(tag, server.answer(&q, p.now));
        }
        p.advance(p.engine.dwell());
        asked = p.tick(true).queries();
        let held = [p.engine.items().len(), p.session.channel().items().len()];
        assert!(held.iter().all(|n| *n <= CAP), "held {held:?}");
        shown.extend(p.on_screen());
    }
    for (tag, q) in asked {
        p.answer(tag, server.answer(&q, p.now));
    }
    shown
}

/// The posts of the channel whose ids start at `base`, as `base + i` → `i`.
fn of(shown: &[i64], base: i64) -> Vec<i64> {
    let range = base..base + NEW;
    shown
        .iter()
        .filter(|id| range.contains(id))
        .map(|id| id - base)
        .collect()
}

#[test]
fn a_playset_of_long_channels_plays_each_newest_first_without_starting_over() {
    let mut p = Player::connected();
    let server = Server {
        len: usize::MAX / 4,
        a_len: usize::MAX / 4,
        publish_at: Duration::MAX,
    };
    let shown = play(&mut p, &server, "recency", 3_000);
    for base in [A, B] {
        let got = of(&shown, base);
        assert_eq!(got.len(), 1_500, "an equal share");
        let want: Vec<i64> = (0..got.len() as i64).collect();
        assert!(got == want, "channel {base}: its posts in order, once each");
    }
}

/// The queue holds a small channel's artworks many times over: trimming
/// it must not put the screen back on an older copy of the one it shows.
#[test]
fn a_small_channel_beside_a_long_one_does_not_send_the_mix_back() {
    let mut p = Player::connected();
    let server = Server {
        len: usize::MAX / 4,
        a_len: 2,
        publish_at: Duration::MAX,
    };
    let shown = play(&mut p, &server, "recency", 3_000);
    let b = of(&shown, B);
    assert!(b == (0..1_500).collect::<Vec<_>>(), "b in order, once each");
    let a = of(&shown, A);
    assert!(a.chunks(2).all(|pair| pair == [0, 1]), "a over and over");
}

#[test]
fn each_channel_bigger_than_the_window_plays_every_post_once_a_lap() {
    for pick in ["recency", "random"] {
        let mut p = Player::connected();
        let len = KEEP_BEHIND + 300;
        let server = Server {
            len,
            a_len: len,
            publish_at: Duration::MAX,
        };
        let shown = play(&mut p, &server, pick, len * 2 * 3);
        for base in [A, B] {
            let run = format!("{pick}: {base}");
            assert_laps_of_every_post(&of(&shown, base), len, pick == "recency", &run);
        }
    }
}

/// A channel played alone reads its first page again every hour; in a
/// playset, each channel does too, and what was published since plays.
#[test]
fn a_post_published_on_a_playset_s_channel_plays_within_the_hour() {
    let mut p = Player::connected();
    let publish_at = START + FRESH_LOOK_EVERY - secs(60);
    let server = Server {
        len: 5,
        a_len: 5,
        publish_at,
    };
    let dwell = p.engine.dwell().as_secs() as usize;
    let hour = FRESH_LOOK_EVERY.as_secs() as usize / dwell;
    let shown = play(&mut p, &server, "recency", hour + 20);
    let at = shown.iter().position(|id| *id == NEW);
    let at = at.expect("the new post played");
    assert!(at >= hour - 2, "not before it was published: {at}");
    assert!(at <= hour + 15, "within a few artworks of the look: {at}");
}

/// Shuffle turned on or off, or the channels' order changed (a playset's
/// picks keep theirs: only its queue is shuffled anew), while a playset
/// plays: what shows stays, and the next artworks are new ones, not the
/// window of those played before it in a new order, and with shuffle off
/// each channel's in its order.
#[test]
fn a_new_order_while_a_playset_plays_does_not_play_its_window_again() {
    for (before, after) in [(false, true), (true, false), (true, true)] {
        let mut p = Player::connected();
        p.settings.shuffle = before;
        let server = Server {
            len: usize::MAX / 4,
            a_len: usize::MAX / 4,
            publish_at: Duration::MAX,
        };
        // Part way through a page: its next one has not come yet.
        let mut played = play(&mut p, &server, "recency", KEEP_BEHIND + 125);
        let shows = played.pop();
        assert_eq!(p.on_screen(), shows);
        p.settings.shuffle = after;
        if before == after {
            p.settings.channel_order = ChannelOrder::Newest;
        }
        p.act(|s, seen, fx| s.reorder(seen, fx));
        assert_eq!(
            p.on_screen(),
            shows,
            "shuffle {before} → {after}: what shows stays"
        );
        let next = play_on(&mut p, &server, Vec::new(), 100);
        assert_none_again(&next, &played, &format!("shuffle {before} → {after}"));
        for base in [A, B].into_iter().filter(|_| !after) {
            let got = of(&next, base);
            assert!(got.is_sorted(), "{before} → off: {base} in its order");
        }
    }
}

/// Shuffle changed while the next artwork, one of a small channel's shown
/// over and over, still waits for its download (Next pressed twice on a slow
/// network): it plays next from where it waits, not from where it played
/// before, and so every artwork to come plays, none played before.
#[test]
fn a_new_order_while_a_repeat_waits_plays_every_one_to_come() {
    for (before, after) in [(false, true), (true, false), (true, true)] {
        let mut p = Player::connected();
        p.settings.shuffle = before;
        let server = Server {
            len: usize::MAX / 4,
            a_len: 3,
            publish_at: Duration::MAX,
        };
        let mut played = play(&mut p, &server, "recency", KEEP_BEHIND + 125);
        // Next twice until what waits is one of `a`'s, all played before.
        let waits = loop {
            let mut asked = p.command("n1", "swap_next", json!({})).queries();
            asked.extend(p.command("n2", "swap_next", json!({})).queries());
            played.extend(p.on_screen());
            if let Some(id) = p.engine.pending().and_then(ArtworkSource::post_id)
                && id < B
            {
                break id;
            }
            asked.extend(p.tick(true).queries());
            played.extend(p.on_screen());
            for (tag, q) in asked {
                p.answer(tag, server.answer(&q, p.now));
            }
        };
        let (shows, at) = (p.on_screen(), p.engine.current_index().unwrap());
        let to_come = of(&p.playing_ids()[at + 1..], B);
        p.settings.shuffle = after;
        p.act(|s, seen, fx| s.reorder(seen, fx));
        let case = format!("shuffle {before} → {after}");
        assert_eq!(p.on_screen(), shows, "{case}: what shows stays");
        let next = play_on(&mut p, &server, Vec::new(), 2 * to_come.len() + 10);
        assert_eq!(next.first(), Some(&waits), "{case}: what waits plays next");
        let (played, next) = (of(&played, B), of(&next, B));
        assert_every_one_to_come(&next, &played, &to_come, &case);
    }
}
