//! `play_channel`: the first page, paging ahead, the end of a channel, late
//! answers, failures, and the channel kept for the next start (protocol §6,
//! §7 `query_posts`).

use serde_json::json;

use super::fixture::*;
use crate::bridge::connection::RequestFailure;
use crate::player::feed::{EMPTY_PAGE_WAIT, FAILED_PAGE_WAIT, MAX_EMPTY_PAGES, PREFETCH_MARGIN};
use crate::protocol::command::AckStatus;
use crate::protocol::request::QueryPosts;
use crate::protocol::response::Response;
use crate::session::pending::ANSWER_DEADLINE;
use crate::session::{Channel, EngineCommand};
use crate::settings::ChannelOrder;
use crate::storage::last_channel::{LastChannel, MAX_POSTS};

/// A player playing `all`'s first page `ids` (with more after cursor `p2`).
pub(super) fn playing_all(ids: std::ops::RangeInclusive<i64>) -> Player {
    let mut p = Player::connected();
    let (tag, _) = p
        .command("c", "play_channel", json!({"channel_name": "all"}))
        .only_request();
    p.answer(tag, more(ids, "p2"));
    p
}

#[test]
fn the_first_page_is_asked_with_the_fields_the_player_needs_and_answers_the_command() {
    let mut p = Player::connected();
    let out = p.command("c1", "play_channel", json!({"channel_name": "all"}));
    let queries = out.queries();
    assert_eq!(queries.len(), 1, "{queries:?}");
    let (tag, q) = &queries[0];
    assert_eq!(q.channel.as_deref(), Some("all"));
    assert_eq!(q.cursor, None, "a channel starts from its first page");
    assert_eq!(q.limit, Some(50), "the protocol's largest page");
    // §13: without them the server sends no dwell time or size.
    for field in ["dwell_time_ms", "width", "height", "frame_count"] {
        assert!(q.include_fields.iter().any(|f| f == field), "{field}");
    }
    assert!(
        out.acks().is_empty(),
        "acked with the first page, not before"
    );
    assert!(out.engine().is_empty(), "what plays stays until then");

    let out = p.answer(*tag, more(1..=4, "p2"));
    assert_ok(&out.only_ack());
    assert_eq!(out.only_ack().command_id, "c1");
    assert!(matches!(out.engine()[..], [EngineCommand::Play(_)]));
    assert_eq!(p.playing_ids(), [1, 2, 3, 4]);
    assert_eq!(p.label(), "Makapix: recent");
    let kept = out.kept();
    let last = kept.last().cloned().flatten().expect("the channel is kept");
    assert_eq!(last.label, "Makapix: recent");
    assert_eq!(
        last.query.cursor, None,
        "kept to be asked again from the start"
    );
    assert_eq!(last.posts.len(), 4);
}

#[test]
fn the_next_page_is_asked_once_near_the_end_with_the_cursor_given() {
    let mut p = playing_all(1..=10);
    assert!(p.tick(true).requests().is_empty(), "10 artworks to come");
    let near_end = 10 - PREFETCH_MARGIN - 1;
    p.engine.show_index(near_end - 1, p.now);
    assert!(p.tick(true).requests().is_empty(), "one too many left");
    p.engine.show_index(near_end, p.now);
    let out = p.tick(true);
    let queries = out.queries();
    assert_eq!(queries.len(), 1, "{queries:?}");
    let (tag, q) = &queries[0];
    assert_eq!(q.cursor.as_deref(), Some("p2"), "exactly the cursor sent");
    assert_eq!(q.channel.as_deref(), Some("all"));
    p.engine.show_index(9, p.now);
    assert!(p.tick(true).requests().is_empty(), "one page at a time");

    let on_screen = p.on_screen();
    let out = p.answer(*tag, more(11..=20, "p3"));
    assert!(
        matches!(out.engine()[..], [EngineCommand::Reorder { .. }]),
        "{:?}",
        out.engine()
    );
    assert!(out.acks().is_empty(), "the command was answered already");
    assert_eq!(p.playing_ids(), (1..=20).collect::<Vec<_>>());
    p.tick(true);
    assert_eq!(p.on_screen(), on_screen, "what is on screen stays");
}

#[test]
fn a_null_cursor_or_has_more_false_ends_the_channel() {
    let ends: [(Option<&str>, bool); 2] = [(None, true), (Some("stale"), false)];
    for (cursor, has_more) in ends {
        let mut p = Player::connected();
        let (tag, _) = p
            .command("c", "play_channel", json!({"channel_name": "promoted"}))
            .only_request();
        let posts = (1..=3).map(artwork).collect();
        p.answer(tag, Ok(page_of(posts, cursor, has_more)));
        let out = p.play_for(secs(200), secs(31));
        assert!(out.requests().is_empty(), "{cursor:?}/{has_more}: the end");
        assert_eq!(p.playing_ids(), [1, 2, 3], "it plays round");
    }
}

#[test]
fn an_answer_for_a_channel_no_longer_chosen_is_dropped() {
    let mut p = Player::connected();
    let (old, _) = p
        .command("a", "play_channel", json!({"channel_name": "all"}))
        .only_request();
    let (new, _) = p
        .command("b", "play_channel", json!({"channel_name": "promoted"}))
        .only_request();
    let out = p.answer(old, last(1..=3));
    assert!(out.engine().is_empty(), "{out:?}");
    assert!(out.kept().is_empty());
    assert!(matches!(p.session.channel(), Channel::Samples));

    let out = p.answer(new, last(10..=12));
    assert_eq!(p.playing_ids(), [10, 11, 12]);
    assert_eq!(p.label(), "Makapix: promoted");
    assert!(out.acks().iter().any(|a| a.command_id == "b"));
    // A second answer to the same request changes nothing.
    assert!(p.answer(new, last(20..=22)).engine().is_empty());
    assert_eq!(p.playing_ids(), [10, 11, 12]);
}

#[test]
fn a_channel_picked_in_the_window_that_fails_says_why_in_the_status_bar() {
    let mut p = Player::connected();
    let cmd = serde_json::from_value(json!({"channel_name": "by_user", "user_sqid": "zz"}))
        .expect("a play_channel");
    let out = p.act(|s, seen, fx| s.play_channel_from_window(cmd, seen, fx));
    let (tag, _) = out.only_request();
    let out = p.answer(tag, failed_with("user_not_found", "No such user."));
    assert!(out.acks().is_empty(), "no command to answer");
    let notices = out.notices();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0].is_error && notices[0].text.contains("No such user"));
    assert!(out.engine().is_empty());
    assert!(matches!(p.session.channel(), Channel::Samples));
}

#[test]
fn a_later_page_that_fails_is_asked_again_after_a_wait_and_what_plays_goes_on() {
    // §7: retry with back-off; a 429 or a lost connection passes.
    let mut p = playing_all(1..=3);
    let (tag, _) = p.tick(true).only_request();
    let out = p.answer(tag, failed_with("rate_limited", "Makapix Club is busy."));
    assert!(out.says("busy"), "{out:?}");
    assert!(out.acks().is_empty() && out.engine().is_empty(), "{out:?}");
    assert_eq!(p.playing_ids(), [1, 2, 3]);
    let (due, out) = p.tick_due(true);
    assert!(out.requests().is_empty(), "not at once");
    assert!(
        due.is_some_and(|d| d <= p.now + FAILED_PAGE_WAIT),
        "{due:?}"
    );
    p.advance(FAILED_PAGE_WAIT);
    let queries = p.tick(true).queries();
    assert_eq!(queries.len(), 1, "{queries:?}");
    assert_eq!(queries[0].1.cursor.as_deref(), Some("p2"), "the same page");
    let out = p.answer(queries[0].0, failed("Makapix Club is unreachable."));
    assert!(out.notices().is_empty(), "said once: {out:?}");
    p.advance(FAILED_PAGE_WAIT);
    assert!(p.tick(true).requests().is_empty(), "the wait doubled");
    p.advance(FAILED_PAGE_WAIT);
    let (tag, _) = p.tick(true).only_request();
    p.answer(tag, last(4..=6));
    assert_eq!(p.playing_ids(), (1..=6).collect::<Vec<_>>());
}

#[test]
fn a_later_page_unanswered_by_its_deadline_is_given_up_once() {
    let mut p = playing_all(1..=3);
    let (tag, _) = p.tick(true).only_request();
    p.advance(ANSWER_DEADLINE);
    let out = p.tick(true);
    assert!(out.says("did not answer in time"), "{out:?}");
    assert!(out.acks().is_empty(), "the command was answered already");
    assert!(p.session.pending().is_empty());
    assert!(p.answer(tag, last(4..=6)).engine().is_empty(), "too late");
    assert_eq!(p.playing_ids(), [1, 2, 3]);
}

#[test]
fn a_channel_with_nothing_playable_is_refused_and_playlists_are_expanded() {
    // A playlist without its artworks cannot be expanded: it is skipped (§7).
    let bare = json!({"post_id": 50, "kind": "playlist", "total_artworks": 3});
    let odd = json!({"post_id": 51, "kind": "sculpture"});
    let mut p = Player::connected();
    let (tag, _) = p
        .command("c", "play_channel", json!({"channel_name": "all"}))
        .only_request();
    let out = p.answer(tag, Ok(page_of(vec![bare, odd], None, false)));
    assert_refused(&out.only_ack(), "no artworks");
    assert!(out.engine().is_empty());

    // One that carries them plays them where it stands, with its dwell.
    let full = json!({"post_id": 60, "kind": "playlist", "dwell_time_ms": 5000,
                      "artworks": [artwork(2), artwork(3)]});
    let (tag, _) = p
        .command("d", "play_channel", json!({"channel_name": "all"}))
        .only_request();
    let posts = vec![artwork(1), full, artwork(4)];
    assert_ok(&p.answer(tag, Ok(page_of(posts, None, false))).only_ack());
    assert_eq!(p.playing_ids(), [1, 2, 3, 4]);
    let dwells: Vec<_> = p.engine.items().iter().map(|i| i.dwell).collect();
    assert_eq!(dwells, [None, Some(secs(5)), Some(secs(5)), None]);
}

#[test]
fn channels_missing_what_they_need_are_refused_and_pinned_is_unsupported() {
    let mut p = Player::connected();
    let cases = [
        (json!({"channel_name": "by_user"}), "user_sqid"),
        (json!({"channel_name": "reactions"}), "user_sqid"),
        (json!({"channel_name": "hashtag"}), "needs a `hashtag`"),
        (
            json!({"channel_name": "hashtag", "hashtag": "#"}),
            "needs a `hashtag`",
        ),
        (json!({"channel_name": "favourites"}), "not a channel"),
    ];
    for (payload, words) in cases {
        let out = p.command("x", "play_channel", payload.clone());
        assert!(out.requests().is_empty(), "{payload}");
        assert_refused(&out.only_ack(), words);
    }
    let out = p.command("pin", "play_channel", json!({"channel_name": "pinned"}));
    assert_eq!(out.only_ack().status, AckStatus::Unsupported);
    assert!(out.requests().is_empty());
    assert!(matches!(p.session.channel(), Channel::Samples));
}

#[test]
fn a_hashtag_goes_without_its_hash_and_a_user_by_sqid() {
    let mut p = Player::connected();
    let out = p.command(
        "h",
        "play_channel",
        json!({"channel_name": "hashtag", "hashtag": "#frogs"}),
    );
    let (_, q) = out.queries().remove(0);
    assert_eq!(
        (q.channel.as_deref(), q.hashtag.as_deref()),
        (Some("hashtag"), Some("frogs"))
    );
    let out = p.command(
        "u",
        "play_channel",
        json!({"channel_name": "by_user", "user_sqid": "k3Xq"}),
    );
    let (tag, q) = out.queries().remove(0);
    assert_eq!(
        (q.channel.as_deref(), q.user_sqid.as_deref()),
        (Some("by_user"), Some("k3Xq"))
    );
    p.answer(tag, last(1..=2));
    assert_eq!(p.label(), "Makapix: by k3Xq");
}

#[test]
fn random_order_sends_the_kept_seed_with_every_page() {
    let mut p = Player::connected();
    p.settings.channel_order = ChannelOrder::Random;
    p.settings.channel_seed = 4242;
    let out = p.command("c", "play_channel", json!({"channel_name": "all"}));
    let (tag, first) = out.queries().remove(0);
    assert_eq!(
        (first.sort.as_deref(), first.random_seed),
        (Some("random"), Some(4242))
    );
    p.answer(tag, more(1..=2, "r2"));
    let (_, next) = p.tick(true).queries().remove(0);
    assert_eq!(next.cursor.as_deref(), Some("r2"));
    assert_eq!(
        (next.sort.as_deref(), next.random_seed),
        (Some("random"), Some(4242)),
        "the same order on every page, or artworks repeat"
    );
}

#[test]
fn sdcard_plays_the_local_files_last_opened_or_is_refused() {
    let mut p = Player::connected();
    let out = p.command("s1", "play_channel", json!({"channel_name": "sdcard"}));
    assert_refused(&out.only_ack(), "no local files");
    assert!(out.engine().is_empty());

    let local = Channel::Local {
        items: vec![file("a.png"), file("b.png")],
        label: "Folder: art".into(),
    };
    p.act(|s, seen, fx| s.play(local.clone(), seen, fx));
    let (tag, _) = p
        .command("c", "play_channel", json!({"channel_name": "all"}))
        .only_request();
    p.answer(tag, last(1..=2));
    assert_eq!(p.playing_ids(), [1, 2]);

    let out = p.command("s2", "play_channel", json!({"channel_name": "sdcard"}));
    assert_ok(&out.only_ack());
    assert_eq!(p.session.channel(), &local);
    assert_eq!(p.engine.items(), [file("a.png"), file("b.png")]);
}

#[test]
fn the_kept_channel_plays_at_start_and_is_fetched_anew_once_connected() {
    let mut p = Player::online();
    let Ok(crate::protocol::response::Response::Posts(kept)) = last(5..=7) else {
        unreachable!()
    };
    let last_channel = LastChannel {
        label: "Makapix: recent".into(),
        query: QueryPosts {
            channel: Some("all".into()),
            ..QueryPosts::default()
        },
        posts: kept.posts,
    };
    let (resumed, out) = p.call(|s, seen, fx| s.resume(last_channel, seen, fx));
    assert!(resumed);
    assert!(out.requests().is_empty(), "offline: from the cache");
    assert_eq!(p.playing_ids(), [5, 6, 7]);
    assert!(
        p.play_for(secs(100), secs(31)).requests().is_empty(),
        "its cursor is gone: no page until connected"
    );

    let (tag, q) = p.connect().queries().remove(0);
    assert_eq!(
        (q.channel.as_deref(), q.cursor.as_deref()),
        (Some("all"), None)
    );
    let out = p.answer(tag, last(6..=8));
    assert_eq!(
        p.playing_ids(),
        [6, 7, 8],
        "the fresh page replaces the kept one"
    );
    assert_eq!(
        out.kept().last().cloned().flatten().map(|c| c.posts.len()),
        Some(3)
    );
}

#[test]
fn playing_something_else_forgets_the_kept_channel() {
    let mut p = Player::online();
    let Ok(crate::protocol::response::Response::Posts(kept)) = last(5..=7) else {
        unreachable!()
    };
    let last_channel = LastChannel {
        label: "Makapix: recent".into(),
        query: QueryPosts::default(),
        posts: kept.posts,
    };
    p.act(|s, seen, fx| {
        s.resume(last_channel, seen, fx);
    });
    let out = p.act(|s, seen, fx| s.play(Channel::Samples, seen, fx));
    assert_eq!(out.kept(), [None], "the next start begins with the samples");
    assert!(p.connect().requests().is_empty(), "nothing fetched anew");
}

#[test]
fn at_most_max_posts_are_kept_for_the_next_start() {
    let mut p = Player::connected();
    let (mut tag, _) = p
        .command("c", "play_channel", json!({"channel_name": "all"}))
        .only_request();
    let mut kept = 0;
    for n in 0..5_i64 {
        let out = p.answer(tag, more(n * 50 + 1..=n * 50 + 50, &format!("p{n}")));
        kept = out
            .kept()
            .last()
            .cloned()
            .flatten()
            .map_or(0, |c| c.posts.len());
        let last_index = p.engine.items().len() - 1;
        p.engine.show_index(last_index, p.now);
        let next = p.tick(true).requests();
        let Some((t, _)) = next.first() else { break };
        tag = *t;
    }
    assert_eq!(p.playing_ids().len(), 250, "every page plays");
    assert_eq!(kept, MAX_POSTS, "a few pages are kept, not all");
}

#[test]
fn a_page_with_nothing_playable_is_followed_after_a_wait_that_doubles() {
    let mut p = playing_all(1..=2);
    let (tag, _) = p.tick(true).only_request();
    let empty = |cursor: &str| {
        Ok(page_of(
            vec![json!({"post_id": 9, "kind": "odd"})],
            Some(cursor),
            true,
        ))
    };
    p.answer(tag, empty("p3"));
    p.advance(secs(2) - ms(1));
    assert!(
        p.tick(true).requests().is_empty(),
        "2 s after an empty page"
    );
    p.advance(ms(1));
    let (tag, q) = p.tick(true).queries().remove(0);
    assert_eq!(q.cursor.as_deref(), Some("p3"));
    p.answer(tag, empty("p4"));
    p.advance(secs(4) - ms(1));
    assert!(p.tick(true).requests().is_empty(), "then 4 s");
    p.advance(ms(1));
    assert_eq!(p.tick(true).queries()[0].1.cursor.as_deref(), Some("p4"));
}

/// A page of playlists that carry no artworks (so cannot be expanded, §7)
/// with more after `cursor`.
fn bare_playlists(cursor: &str) -> Result<Response, RequestFailure> {
    let bare = |id: i64| json!({"post_id": id, "kind": "playlist", "total_artworks": 3});
    Ok(page_of(vec![bare(50), bare(51)], Some(cursor), true))
}

#[test]
fn a_first_page_of_playlists_that_cannot_be_expanded_asks_for_the_next() {
    let mut p = Player::connected();
    let (tag, _) = p
        .command("c", "play_channel", json!({"channel_name": "all"}))
        .only_request();
    let out = p.answer(tag, bare_playlists("p2"));
    assert!(out.acks().is_empty(), "not refused: more to come; {out:?}");
    assert!(
        out.engine().is_empty() && out.notices().is_empty(),
        "{out:?}"
    );
    p.advance(EMPTY_PAGE_WAIT - ms(1));
    let (due, out) = p.tick_due(true);
    assert!(out.requests().is_empty(), "the empty-page wait holds");
    assert!(due.is_some_and(|d| d <= p.now + EMPTY_PAGE_WAIT), "{due:?}");
    p.advance(ms(1));
    let (tag, q) = p.tick(true).queries().remove(0);
    assert_eq!(q.cursor.as_deref(), Some("p2"));
    let out = p.answer(tag, more(1..=3, "p3"));
    assert_ok(&out.only_ack());
    assert!(matches!(out.engine()[..], [EngineCommand::Play(_)]));
    assert_eq!(p.playing_ids(), [1, 2, 3]);
}

#[test]
fn a_channel_of_only_empty_pages_is_refused_when_the_back_off_gives_up() {
    let mut p = Player::connected();
    let (mut tag, _) = p
        .command("c", "play_channel", json!({"channel_name": "all"}))
        .only_request();
    for n in 1..MAX_EMPTY_PAGES {
        let out = p.answer(tag, bare_playlists(&format!("p{n}")));
        assert!(out.acks().is_empty(), "page {n}: {out:?}");
        p.advance(EMPTY_PAGE_WAIT * 2u32.pow(n - 1));
        tag = p.tick(true).only_request().0;
    }
    let out = p.answer(tag, bare_playlists("last"));
    assert_refused(&out.only_ack(), "no artworks");
    assert!(out.engine().is_empty());
    assert!(
        p.play_for(secs(300), secs(7)).requests().is_empty(),
        "no page after giving up"
    );
}

#[test]
fn a_channel_picked_in_the_window_whose_first_page_fails_says_it_could_not_be_loaded() {
    let mut p = Player::connected();
    let cmd = serde_json::from_value(json!({"channel_name": "promoted"})).expect("a play_channel");
    let out = p.act(|s, seen, fx| s.play_channel_from_window(cmd, seen, fx));
    let (tag, _) = out.only_request();
    let out = p.answer(tag, failed("Makapix Club is unreachable."));
    let notices = out.notices();
    assert_eq!(notices.len(), 1, "{notices:?}");
    let text = &notices[0].text;
    assert!(notices[0].is_error, "{text}");
    assert!(!text.contains("next page"), "no page was loaded: {text}");
    for words in [
        "Makapix: promoted",
        "could not be loaded",
        "unreachable",
        "again",
    ] {
        assert!(text.contains(words), "{text:?} should say {words:?}");
    }

    // A later page's failure says it is the next page, distinctly.
    let mut p = playing_all(1..=3);
    let (tag, _) = p.tick(true).only_request();
    let out = p.answer(tag, failed("Makapix Club is unreachable."));
    assert!(out.says("next page could not be loaded"), "{out:?}");
}

#[test]
fn shuffled_a_later_page_is_shuffled_after_the_artworks_already_ordered() {
    let mut p = Player::connected();
    p.settings.shuffle = true;
    let (tag, _) = p
        .command("c", "play_channel", json!({"channel_name": "all"}))
        .only_request();
    p.answer(tag, more(1..=10, "p2"));
    let first = p.playing_ids();
    assert_ne!(first, (1..=10).collect::<Vec<_>>(), "shuffled");
    p.engine.show_index(7, p.now);
    let (next, _) = p.tick(true).only_request();
    let on_screen = p.on_screen();
    p.answer(next, more(11..=20, "p3"));
    let ids = p.playing_ids();
    assert_eq!(ids[..10], first[..], "the order so far stays");
    let mut added = ids[10..].to_vec();
    added.sort_unstable();
    assert_eq!(added, (11..=20).collect::<Vec<_>>(), "then the new page");
    p.tick(true);
    assert_eq!(p.on_screen(), on_screen);
}
