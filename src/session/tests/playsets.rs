//! `play_playset`: each channel's first page, the answer once all have
//! answered, exposure (`equal`, `manual`, `proportional`) and pick (`recency`,
//! `random`) modes, local files in a mix, and what views say (protocol §6, §8).

use serde_json::{Value, json};

use super::fixture::*;
use crate::player::feed::FAILED_PAGE_WAIT;
use crate::protocol::command::AckStatus;
use crate::protocol::request::QueryPosts;
use crate::session::pending::ANSWER_DEADLINE;
use crate::session::{Channel, EngineCommand};

fn user(sqid: &str) -> Value {
    json!({"type": "user", "identifier": sqid})
}

fn weighted(sqid: &str, weight: f64) -> Value {
    json!({"type": "user", "identifier": sqid, "weight": weight})
}

fn playset(exposure: &str, pick: &str, channels: Vec<Value>) -> Value {
    json!({"playset_name": "mix", "exposure_mode": exposure, "pick_mode": pick,
           "channels": channels})
}

/// The tag of the page asked for the channel of user `sqid`.
fn tag_of(queries: &[(u64, QueryPosts)], sqid: &str) -> u64 {
    queries
        .iter()
        .find(|(_, q)| q.user_sqid.as_deref() == Some(sqid))
        .map(|(t, _)| *t)
        .unwrap_or_else(|| panic!("no page asked for {sqid}: {queries:?}"))
}

/// Plays a playset of users `a` and `b` whose only pages hold `a_ids` and
/// `b_ids`; returns the player once the mix plays.
fn mixed(exposure: &str, pick: &str, channels: Vec<Value>, a_ids: &[i64], b_ids: &[i64]) -> Player {
    let mut p = Player::connected();
    let out = p.command("ps", "play_playset", playset(exposure, pick, channels));
    let queries = out.queries();
    p.answer(tag_of(&queries, "a"), last(a_ids.iter().copied()));
    let out = p.answer(tag_of(&queries, "b"), last(b_ids.iter().copied()));
    assert_ok(&out.only_ack());
    p
}

/// The next `n` artworks on screen, a dwell each.
fn shown(p: &mut Player, n: usize) -> Vec<i64> {
    let mut out = Vec::new();
    while out.len() < n {
        p.tick(true);
        out.extend(p.on_screen());
        p.advance(p.engine.dwell());
    }
    out
}

/// How many of the next `n` artworks shown are below 100 (user `a`'s).
fn share_of_a(p: &mut Player, n: usize) -> usize {
    shown(p, n).iter().filter(|id| **id < 100).count()
}

const A6: [i64; 6] = [1, 2, 3, 4, 5, 6];
const B2: [i64; 2] = [101, 102];

#[test]
fn each_channel_is_asked_for_its_first_page_with_its_own_query() {
    let mut p = Player::connected();
    let channels = vec![
        json!({"type": "named", "name": "promoted"}),
        user("u1"),
        json!({"type": "hashtag", "identifier": "#cats"}),
    ];
    let out = p.command("ps", "play_playset", playset("equal", "recency", channels));
    let asked: Vec<_> = out
        .queries()
        .into_iter()
        .map(|(_, q)| {
            assert_eq!(q.cursor, None);
            assert_eq!(q.limit, Some(50));
            assert!(q.include_fields.iter().any(|f| f == "dwell_time_ms"), "§13");
            (q.channel, q.user_sqid, q.hashtag)
        })
        .collect();
    let s = |v: &str| Some(v.to_owned());
    assert_eq!(
        asked,
        [
            (s("promoted"), None, None),
            (s("by_user"), s("u1"), None),
            (s("hashtag"), None, s("cats")),
        ]
    );
    assert!(out.acks().is_empty(), "answered once every channel has");
    assert!(out.engine().is_empty());
}

#[test]
fn the_command_is_answered_once_all_have_answered_and_failed_channels_are_left_out() {
    let mut p = Player::connected();
    let channels = vec![user("a"), user("dead"), user("b")];
    let queries = p
        .command("ps", "play_playset", playset("equal", "recency", channels))
        .queries();
    assert!(
        p.answer(tag_of(&queries, "a"), last(1..=2))
            .acks()
            .is_empty()
    );
    let out = p.answer(
        tag_of(&queries, "dead"),
        failed_with("user_not_found", "No such user."),
    );
    assert!(out.acks().is_empty(), "b has not answered yet");
    assert!(matches!(p.session.channel(), Channel::Samples));
    let out = p.answer(tag_of(&queries, "b"), last(101..=102));
    assert_ok(&out.only_ack());
    assert!(matches!(out.engine()[..], [EngineCommand::Play(_)]));
    assert_eq!(p.label(), "Playset: mix");
    let mut ids = p.playing_ids();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids, [1, 2, 101, 102]);
}

#[test]
fn equal_exposure_gives_each_channel_the_same_share() {
    let mut p = mixed("equal", "recency", vec![user("a"), user("b")], &A6, &B2);
    assert_eq!(share_of_a(&mut p, 8), 4);
    assert_eq!(share_of_a(&mut p, 100), 50);
}

#[test]
fn manual_exposure_shares_by_weight() {
    let channels = vec![weighted("a", 1.0), weighted("b", 3.0)];
    let mut p = mixed("manual", "recency", channels, &A6, &B2);
    assert_eq!(share_of_a(&mut p, 8), 2);
    assert_eq!(share_of_a(&mut p, 100), 25);
}

#[test]
fn proportional_exposure_shares_by_what_each_channel_holds() {
    // Weights are for `manual` only: here they change nothing.
    let channels = vec![weighted("a", 1.0), weighted("b", 9.0)];
    let mut p = mixed("proportional", "recency", channels, &A6, &B2);
    assert_eq!(share_of_a(&mut p, 8), 6);
    assert_eq!(share_of_a(&mut p, 100), 75);
}

#[test]
fn manual_weights_that_are_all_zero_or_negative_share_equally() {
    let channels = vec![weighted("a", 0.0), weighted("b", -4.0)];
    let mut p = mixed("manual", "recency", channels, &A6, &B2);
    assert_eq!(share_of_a(&mut p, 8), 4);
}

#[test]
fn recency_walks_each_channel_newest_first_as_the_server_sent_it() {
    // The server sends newest first; recency starts there and moves to older.
    let mut p = mixed(
        "equal",
        "recency",
        vec![user("a"), user("b")],
        &[9, 8, 7],
        &[109, 108],
    );
    let ids = shown(&mut p, 14);
    let a: Vec<i64> = ids.iter().copied().filter(|id| *id < 100).collect();
    assert_eq!(a[..7], [9, 8, 7, 9, 8, 7, 9], "then again from the newest");
    let b: Vec<i64> = ids.iter().copied().filter(|id| *id > 100).collect();
    assert_eq!(b[..4], [109, 108, 109, 108]);
}

#[test]
fn random_picks_each_artwork_once_before_any_repeats() {
    let mut p = mixed("equal", "random", vec![user("a"), user("b")], &A6, &B2);
    let ids = shown(&mut p, 120);
    let a: Vec<i64> = ids.into_iter().filter(|id| *id < 100).collect();
    for round in a.chunks(6).take(10) {
        let mut sorted = round.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, A6, "each once per round: {a:?}");
    }
    let orders: std::collections::HashSet<&[i64]> = a.chunks(6).take(10).collect();
    assert!(orders.len() > 1, "shuffled anew each round: {a:?}");
}

#[test]
fn modes_and_channels_this_player_cannot_play_are_refused_with_what_it_takes() {
    let mut p = Player::connected();
    let cases = [
        (
            playset("loud", "recency", vec![user("a")]),
            "equal, manual, proportional",
        ),
        (
            playset("equal", "newest", vec![user("a")]),
            "recency, random",
        ),
        (playset("equal", "recency", vec![]), "no channels"),
        (
            playset("equal", "recency", vec![json!({"type": "podcast"})]),
            "not a playset channel type",
        ),
        (
            playset("equal", "recency", vec![json!({"type": "user"})]),
            "needs an `identifier`",
        ),
    ];
    for (payload, words) in cases {
        let out = p.command("bad", "play_playset", payload.clone());
        assert!(out.requests().is_empty(), "{payload}");
        assert_refused(&out.only_ack(), words);
    }
    assert!(matches!(p.session.channel(), Channel::Samples));
}

#[test]
fn a_playset_whose_channels_all_fail_is_refused_and_what_played_goes_on() {
    let mut p = Player::connected();
    let queries = p
        .command(
            "ps",
            "play_playset",
            playset("equal", "recency", vec![user("a"), user("b")]),
        )
        .queries();
    p.answer(
        tag_of(&queries, "a"),
        failed("Makapix Club is unreachable."),
    );
    let out = p.answer(tag_of(&queries, "b"), last([]));
    assert_refused(&out.only_ack(), "none of the playset's channels");
    assert!(out.engine().is_empty());
    assert!(matches!(p.session.channel(), Channel::Samples));
}

#[test]
fn the_local_files_join_the_mix_and_alone_play_at_once() {
    let mut p = Player::connected();
    let local = Channel::Local {
        items: vec![file("a.png"), file("b.png")],
        label: "Folder: art".into(),
    };
    p.act(|s, seen, fx| s.play(local, seen, fx));

    let alone = playset("equal", "recency", vec![json!({"type": "sdcard"})]);
    let out = p.command("one", "play_playset", alone);
    assert!(out.requests().is_empty(), "nothing to ask the server");
    assert_ok(&out.only_ack());
    assert_eq!(
        p.engine.items()[..4],
        [file("a.png"), file("b.png"), file("a.png"), file("b.png")]
    );

    let both = playset(
        "equal",
        "recency",
        vec![json!({"type": "sdcard"}), user("b")],
    );
    let out = p.command("two", "play_playset", both);
    let (tag, _) = out.only_request();
    assert_ok(&p.answer(tag, last([101, 102])).only_ack());
    let items = &p.engine.items()[..4];
    assert_eq!(
        items
            .iter()
            .filter(|i| i.source.post_id().is_none())
            .count(),
        2,
        "{items:?}"
    );
}

#[test]
fn views_of_a_playset_say_its_pick_order_and_each_artwork_s_channel() {
    for (pick, order) in [("random", 2), ("recency", 0)] {
        let channels = vec![user("a"), json!({"type": "hashtag", "identifier": "b"})];
        let mut p = Player::connected();
        let queries = p
            .command("ps", "play_playset", playset("equal", pick, channels))
            .queries();
        let hashtag = queries.iter().find(|(_, q)| q.hashtag.is_some());
        let (tag, _) = hashtag.expect("the hashtag's page");
        p.answer(*tag, last(101..=103));
        p.answer(tag_of(&queries, "a"), last(1..=3));
        let views = p.play_for(secs(200), secs(6)).views();
        assert!(views.len() >= 4, "{views:?}");
        for v in &views {
            assert_eq!(v.play_order, order, "{pick}: {v:?}");
            assert_eq!(v.intent, "channel");
            if v.post_id < 100 {
                assert_eq!(
                    (v.channel.as_str(), v.channel_user_sqid.as_deref()),
                    ("by_user", Some("a"))
                );
            } else {
                assert_eq!(
                    (v.channel.as_str(), v.channel_hashtag.as_deref()),
                    ("hashtag", Some("b"))
                );
            }
        }
    }
}

#[test]
fn an_answer_for_a_playset_replaced_by_another_is_dropped() {
    let mut p = Player::connected();
    let (old, _) = p
        .command(
            "p1",
            "play_playset",
            playset("equal", "recency", vec![user("a")]),
        )
        .only_request();
    let (new, _) = p
        .command(
            "p2",
            "play_playset",
            playset("equal", "recency", vec![user("b")]),
        )
        .only_request();
    let out = p.answer(old, last(1..=3));
    assert!(out.engine().is_empty(), "{out:?}");
    let out = p.answer(new, last(101..=102));
    assert!(
        out.acks()
            .iter()
            .any(|a| a.command_id == "p2" && a.status == AckStatus::Ok)
    );
    assert_eq!(p.playing_ids()[..3], [101, 102, 101]);
}

#[test]
fn a_channel_unanswered_by_its_deadline_is_left_out_and_the_mix_plays() {
    let mut p = Player::connected();
    let queries = p
        .command(
            "ps",
            "play_playset",
            playset("equal", "recency", vec![user("a"), user("b")]),
        )
        .queries();
    p.answer(tag_of(&queries, "a"), last(1..=2));
    p.advance(ANSWER_DEADLINE - ms(1));
    assert!(p.tick(true).acks().is_empty(), "not yet");
    p.advance(ms(1));
    let out = p.tick(true);
    assert_ok(&out.only_ack());
    assert_eq!(p.playing_ids()[..4], [1, 2, 1, 2]);
    assert!(
        p.answer(tag_of(&queries, "b"), last(101..=102))
            .engine()
            .is_empty(),
        "too late"
    );
}

#[test]
fn a_later_page_of_a_playset_no_longer_playing_changes_nothing() {
    let mut p = Player::connected();
    let (tag, _) = p
        .command(
            "ps",
            "play_playset",
            playset("equal", "recency", vec![user("a")]),
        )
        .only_request();
    p.answer(tag, more(1..=2, "a2"));
    let (next, q) = p.tick(true).queries().remove(0);
    assert_eq!(q.cursor.as_deref(), Some("a2"), "runs low at once");
    p.command("s", "show_artwork", show(77));
    let out = p.answer(next, last(3..=4));
    assert!(out.engine().is_empty(), "{out:?}");
    p.tick(true);
    assert_eq!(p.playing_ids(), [77]);
}

/// A playset's page that failed is asked again when its wait is over: the
/// window is woken for it, and the screen need not move.
#[test]
fn a_failed_page_is_asked_again_on_time_with_the_screen_still() {
    let mut p = Player::connected();
    let asked = p.command(
        "ps",
        "play_playset",
        playset("equal", "recency", vec![user("a")]),
    );
    p.answer(tag_of(&asked.queries(), "a"), more([1, 2], "p2"));
    let now = p.now;
    p.engine.set_paused(true, now);
    let next = p.tick(true).queries();
    assert_eq!(next.len(), 1, "a's next page: {next:?}");
    p.answer(next[0].0, failed("the server is down"));
    // Hidden: no view due wakes it either.
    let (wake, _) = p.tick_due(false);
    let retry = p.now + FAILED_PAGE_WAIT;
    assert!(
        wake.is_some_and(|w| w <= retry),
        "woken by {retry:?}: {wake:?}"
    );
    p.advance(FAILED_PAGE_WAIT);
    let again = p.tick(true).queries();
    assert_eq!(again.len(), 1, "asked again: {again:?}");
    assert_eq!(again[0].1.cursor.as_deref(), Some("p2"));
}

/// A playset with nothing else to wake the window (paused, hidden, no page
/// awaited) is woken for its channels' hourly look, and looks.
#[test]
fn a_still_playset_is_woken_for_its_hourly_look() {
    let mut p = Player::connected();
    let started = p.now;
    let asked = p.command(
        "ps",
        "play_playset",
        playset("equal", "recency", vec![user("a")]),
    );
    p.answer(tag_of(&asked.queries(), "a"), last([1, 2]));
    let now = p.now;
    p.engine.set_paused(true, now);
    assert_woken_for_the_hourly_look(&mut p, started);
}
