//! The session layer without a window, a broker or a thread: each test feeds
//! it events with a fake clock and reads the effects it asks for.

use std::time::Duration;

use serde_json::json;

use super::*;
use crate::player::feed::tests::page;
use crate::player::playlist::{PlaylistItem, PlaylistSource};
use crate::protocol::command::AckStatus;
use crate::protocol::request::RequestBody;
use rig::{Rig, cursor_of, failure};

#[test]
fn a_channel_pages_ahead_and_stops_at_has_more_false() {
    let mut rig = Rig::new();
    rig.command("c1", "play_channel", json!({"channel_name": "all"}));
    let sent = rig.requests();
    assert_eq!(sent.len(), 1, "one first page asked for");
    assert_eq!(cursor_of(&sent[0].1), None);
    assert!(
        rig.acks().is_empty(),
        "answered with the first page, not before"
    );

    rig.answer(sent[0].0, Ok(Response::Posts(page(1..5, Some("p2")))));
    assert_eq!(rig.playing_ids(), [1, 2, 3, 4]);
    assert!(
        matches!(rig.session.channel(), Channel::Makapix { label, .. } if label == "Makapix: recent")
    );

    // Near the end of what is known, the next page is asked for, once.
    rig.tick(true);
    let next = rig.requests();
    assert_eq!(next.len(), 1);
    assert_eq!(cursor_of(&next[0].1).as_deref(), Some("p2"));
    rig.tick(true);
    assert!(rig.requests().is_empty(), "not asked again while awaited");

    rig.answer(next[0].0, Ok(Response::Posts(page(5..7, None))));
    assert_eq!(rig.playing_ids(), [1, 2, 3, 4, 5, 6]);
    for _ in 0..10 {
        rig.advance(Duration::from_secs(31));
        rig.tick(true);
    }
    assert!(rig.requests().is_empty(), "nothing after has_more: false");
    let acks = rig.acks();
    assert_eq!(acks.len(), 1, "the command is acked once: {acks:?}");
    assert_eq!(acks[0].status, AckStatus::Ok);
}

#[test]
fn a_command_is_acked_once_whatever_its_outcome() {
    let mut rig = Rig::new();
    rig.command("b", "set_brightness", json!({"value": 40}));
    rig.command("r", "set_rotation", json!({"value": 45}));
    rig.command("p", "play_channel", json!({"channel_name": "pinned"}));
    let acks = rig.acks();
    let statuses: Vec<_> = acks
        .iter()
        .map(|a| (a.command_id.as_str(), a.status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("b", AckStatus::Ok),
            ("r", AckStatus::Error),
            ("p", AckStatus::Unsupported)
        ]
    );

    // A channel whose first page fails is acked once, with the reason; what
    // played goes on.
    rig.command("c", "play_channel", json!({"channel_name": "promoted"}));
    let (tag, _) = rig.requests().remove(0);
    rig.answer(tag, failure("Makapix Club is unreachable."));
    rig.answer(tag, Ok(Response::Posts(page(1..3, None))));
    let acks = rig.acks();
    assert_eq!(acks.len(), 1, "{acks:?}");
    assert_eq!(acks[0].status, AckStatus::Error);
    assert!(
        acks[0]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("unreachable"))
    );
    assert!(matches!(rig.session.channel(), Channel::Samples));
}

#[test]
fn a_playset_mixes_its_channels_and_pages_each_as_it_runs_low() {
    let mut rig = Rig::new();
    rig.command(
        "ps",
        "play_playset",
        json!({"playset_name": "mix", "exposure_mode": "equal", "pick_mode": "recency",
               "channels": [{"type": "named", "name": "all"},
                            {"type": "hashtag", "identifier": "#frogs"}]}),
    );
    let first = rig.requests();
    assert_eq!(first.len(), 2, "one first page per channel");
    rig.answer(first[0].0, Ok(Response::Posts(page(1..4, Some("a2")))));
    assert!(
        rig.acks().is_empty(),
        "acked when every channel has answered"
    );
    assert!(matches!(rig.session.channel(), Channel::Samples));
    rig.answer(first[1].0, Ok(Response::Posts(page(100..103, Some("h2")))));
    let acks = rig.acks();
    assert_eq!(acks.len(), 1);
    assert_eq!(acks[0].status, AckStatus::Ok);
    let ids = rig.playing_ids();
    let mut distinct = ids.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct, [1, 2, 3, 100, 101, 102]);
    assert!(
        ids[..2].contains(&1) && ids[..2].contains(&100),
        "mixed: {ids:?}"
    );

    // Playing through the mix, each channel's next page is asked for as it runs low.
    let mut cursors = Vec::new();
    for _ in 0..8 {
        for wait in [6, 25] {
            rig.tick(true);
            cursors.extend(rig.requests().iter().filter_map(|(_, b)| cursor_of(b)));
            rig.advance(Duration::from_secs(wait));
        }
    }
    cursors.sort();
    // Never answered here, each is given up at its deadline and asked again later.
    cursors.dedup();
    assert_eq!(cursors, ["a2", "h2"]);

    // A view names the channel its artwork came from.
    let views = rig.views();
    assert!(!views.is_empty());
    assert!(
        views.iter().all(|v| v.channel == "all"
            || v.channel == "hashtag" && v.channel_hashtag.as_deref() == Some("frogs")),
        "{views:?}"
    );
}

#[test]
fn a_playset_over_the_channel_cap_or_with_two_sdcard_channels_is_refused() {
    let mut rig = Rig::new();
    let named = json!({"type": "named", "name": "all"});
    let too_many = vec![named; super::playsets::MAX_CHANNELS + 1];
    rig.command(
        "many",
        "play_playset",
        json!({"playset_name": "x", "channels": too_many}),
    );
    let sdcard = json!({"type": "sdcard"});
    let twice = [sdcard.clone(), sdcard];
    rig.command(
        "twice",
        "play_playset",
        json!({"playset_name": "y", "channels": twice}),
    );
    assert!(rig.requests().is_empty(), "no channel was asked for");
    let acks = rig.acks();
    assert_eq!(acks.len(), 2);
    assert!(
        acks.iter().all(|a| a.status == AckStatus::Error),
        "{acks:?}"
    );
    assert!(
        acks[0]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("1001 channels"))
    );
    assert!(
        acks[1]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("more than once"))
    );
}

#[test]
fn a_300_channel_playset_never_has_more_than_4_requests_in_flight_and_is_acked() {
    let mut rig = Rig::new();
    let channels: Vec<_> = (0..300)
        .map(|i| json!({"type": "user", "identifier": format!("artist{i}")}))
        .collect();
    rig.command(
        "followed",
        "play_playset",
        json!({"playset_name": "followed artists", "channels": channels}),
    );
    let mut answered: i64 = 0;
    let mut most_open = 0;
    loop {
        let sent = rig.requests();
        most_open = most_open.max(rig.session.pending().len());
        assert!(sent.len() <= 4, "{} asked at once", sent.len());
        if sent.is_empty() {
            break;
        }
        assert!(rig.acks().is_empty(), "acked only when the mix starts");
        for (tag, _) in sent {
            answered += 1;
            // Some channels fail; the others still make the mix.
            let result = if answered % 7 == 0 {
                failure("Makapix Club did not answer in time; try again.")
            } else {
                Ok(Response::Posts(page(
                    answered * 10..answered * 10 + 2,
                    None,
                )))
            };
            rig.answer(tag, result);
            most_open = most_open.max(rig.session.pending().len());
        }
    }
    assert_eq!(answered, 300, "every channel was asked for once");
    assert_eq!(most_open, 4, "never more than 4 pages in flight");
    let acks = rig.acks();
    assert_eq!(acks.len(), 1, "{acks:?}");
    assert_eq!(acks[0].status, AckStatus::Ok);
    assert!(
        matches!(rig.session.channel(), Channel::Makapix { label, .. } if label == "Playset: followed artists")
    );
}

#[test]
fn a_playlist_asks_for_posts_ahead_and_skips_a_failed_one() {
    let mut rig = Rig::new();
    let playlist = Playlist {
        title: "Show".into(),
        items: [5, 6, 7]
            .into_iter()
            .map(|post_id| PlaylistItem {
                source: PlaylistSource::Post { post_id },
                dwell_ms: None,
            })
            .collect(),
    };
    rig.run(|s, seen, fx| s.play_playlist(&playlist, "Show".into(), seen, fx));
    let asked: Vec<_> = rig.requests();
    let posts: Vec<i64> = asked
        .iter()
        .map(|(_, b)| match b {
            RequestBody::GetPost { post_id, .. } => *post_id,
            other => panic!("expected get_post, got {other:?}"),
        })
        .collect();
    assert_eq!(posts, [5, 6, 7], "asked ahead of playback");
    assert!(
        matches!(rig.session.channel(), Channel::Samples),
        "nothing known yet"
    );

    rig.answer(asked[0].0, failure("That post was deleted."));
    let post = |id: i64| {
        let entry = serde_json::from_value(json!({"post_id": id, "kind": "artwork",
            "storage_key": format!("k{id}"), "storage_shard": "ab/cd", "native_format": "png"}))
        .expect("a post entry");
        Ok(Response::Post(entry))
    };
    rig.answer(asked[1].0, post(6));
    rig.answer(asked[2].0, post(7));
    rig.tick(true);
    assert!(matches!(rig.session.channel(), Channel::Playlist { .. }));
    assert_eq!(
        rig.playing_ids(),
        [6, 7],
        "post 5 skipped, the rest plays in order"
    );
    assert!(
        rig.notices
            .iter()
            .any(|n| n.text.contains("Post 5 of the playlist is skipped") && n.is_error),
        "{:?}",
        rig.notices
    );
}

#[test]
fn views_wait_for_five_visible_seconds_and_never_while_hidden() {
    let mut rig = Rig::new();
    let show = json!({"post_id": 42, "storage_key": "k", "storage_shard": "ab/cd",
                      "native_format": "png"});
    rig.command("s", "show_artwork", show);
    rig.tick(false);
    rig.advance(Duration::from_secs(20));
    rig.tick(false);
    assert!(rig.views().is_empty(), "hidden for 20 s: no view");
    rig.tick(true);
    rig.advance(Duration::from_millis(4_900));
    rig.tick(true);
    assert!(rig.views().is_empty(), "4.9 s visible: not yet");
    rig.advance(Duration::from_millis(200));
    rig.tick(true);
    let views = rig.views();
    assert_eq!(views.len(), 1);
    assert_eq!(views[0].post_id, 42);
    assert_eq!(views[0].intent, "artwork");
    assert_eq!(views[0].timezone, "Europe/Lisbon");
    assert_eq!(views[0].timestamp, "2023-11-14T22:13:46Z", "UTC");
    rig.advance(Duration::from_secs(5));
    rig.tick(true);
    assert!(rig.views().is_empty(), "the next one comes after 30 s more");
}

#[test]
fn a_stale_comments_answer_is_dropped() {
    let mut rig = Rig::new();
    rig.session.set_online(true);
    rig.run(|s, seen, fx| s.on_connection(ConnectionState::Connected, seen, fx));
    rig.session.toggle_comments();
    let show = |id: i64| json!({"post_id": id, "storage_key": "k", "storage_shard": "a/b", "native_format": "png"});
    rig.command("1", "show_artwork", show(1));
    rig.tick(true);
    let asked = rig.requests();
    assert!(
        matches!(
            asked[..],
            [(_, RequestBody::GetComments { post_id: 1, .. })]
        ),
        "{asked:?}"
    );
    let stale = asked[0].0;

    // Another artwork before the answer: the panel follows it.
    rig.command("2", "show_artwork", show(2));
    rig.tick(true);
    let asked = rig.requests();
    assert!(matches!(
        asked[..],
        [(_, RequestBody::GetComments { post_id: 2, .. })]
    ));
    let comments = |post: i64, id: &str| {
        let page = serde_json::from_value(json!({"comments": [{"comment_id": id,
            "post_id": post, "body": "hi"}], "has_more": false}))
        .expect("a comments page");
        Ok(Response::Comments(page))
    };
    rig.answer(stale, comments(1, "old"));
    assert_eq!(
        rig.session.comments().status(),
        super::comments::CommentsStatus::Loading,
        "post 1's answer does not fill post 2's panel"
    );
    rig.answer(asked[0].0, comments(2, "new"));
    assert_eq!(rig.session.comments().threaded().len(), 1);
}

#[test]
fn a_request_past_its_deadline_is_reported_once() {
    let mut rig = Rig::new();
    rig.command("c", "play_channel", json!({"channel_name": "all"}));
    let (tag, _) = rig.requests().remove(0);
    rig.advance(pending::ANSWER_DEADLINE);
    rig.tick(true);
    let acks = rig.acks();
    assert_eq!(acks.len(), 1, "given up on once: {acks:?}");
    assert_eq!(acks[0].status, AckStatus::Error);
    assert!(rig.session.pending().is_empty());
    rig.advance(pending::ANSWER_DEADLINE);
    rig.tick(true);
    rig.answer(tag, Ok(Response::Posts(page(1..3, None))));
    assert!(rig.acks().is_empty(), "a late answer changes nothing");
    assert!(matches!(rig.session.channel(), Channel::Samples));
}

#[test]
fn a_like_is_sent_once_and_its_state_follows_the_answer() {
    let mut rig = Rig::new();
    let show =
        json!({"post_id": 9, "storage_key": "k", "storage_shard": "a/b", "native_format": "png"});
    rig.command("s", "show_artwork", show);
    rig.tick(true);
    assert_eq!(rig.session.like_state(&rig.engine), LikeState::Liked(false));
    rig.run(|s, seen, fx| s.toggle_like(seen, fx));
    rig.run(|s, seen, fx| s.toggle_like(seen, fx));
    let sent = rig.requests();
    assert_eq!(sent.len(), 1, "a second press while sending does nothing");
    assert!(matches!(
        sent[0].1,
        RequestBody::SubmitReaction { post_id: 9, .. }
    ));
    assert_eq!(rig.session.like_state(&rig.engine), LikeState::Sending);
    rig.answer(sent[0].0, Ok(Response::Done));
    assert_eq!(rig.session.like_state(&rig.engine), LikeState::Liked(true));
}

#[test]
fn a_post_chosen_by_show_artwork_counts_as_the_artwork_in_no_channel() {
    let mut rig = Rig::new();
    rig.command(
        "c",
        "play_channel",
        json!({"channel_name": "by_user", "user_sqid": "abc"}),
    );
    let (tag, _) = rig.requests().remove(0);
    rig.answer(tag, Ok(Response::Posts(page(1..3, None))));
    let show =
        json!({"post_id": 77, "storage_key": "k", "storage_shard": "a/b", "native_format": "png"});
    rig.command("s", "show_artwork", show);
    rig.tick(true);
    rig.advance(Duration::from_secs(6));
    rig.tick(true);
    let views = rig.views();
    assert_eq!(views.len(), 1, "{views:?}");
    let view = &views[0];
    assert_eq!(
        (view.post_id, view.intent.as_str(), view.channel.as_str()),
        (77, "artwork", "artwork")
    );
    assert_eq!(
        view.channel_user_sqid, None,
        "not the previous channel's context"
    );
}

#[test]
fn status_names_only_posts_the_server_confirmed_in_this_session() {
    let mut rig = Rig::new();
    // The channel of the last session plays from the disk cache: its posts may
    // have been deleted since.
    let kept = page(5..8, None);
    let last = LastChannel {
        label: "Makapix: recent".into(),
        query: crate::protocol::request::QueryPosts::default(),
        posts: kept.posts,
    };
    assert!(rig.run(|s, seen, fx| s.resume(last, seen, fx)));
    rig.tick(true);
    assert_eq!(
        rig.engine.current().and_then(ArtworkSource::post_id),
        Some(5)
    );
    assert_eq!(rig.current_posts(), [None], "not confirmed yet: null");

    // Connected, the channel is fetched anew; post 5 is still there.
    rig.run(|s, seen, fx| s.on_connection(ConnectionState::Connected, seen, fx));
    let (tag, _) = rig.requests().remove(0);
    rig.answer(tag, Ok(Response::Posts(page(5..7, None))));
    rig.tick(true);
    assert_eq!(rig.current_posts(), [Some(5)]);

    // A post sent by `show_artwork` is known to the server.
    let show =
        json!({"post_id": 900, "storage_key": "k", "storage_shard": "a/b", "native_format": "png"});
    rig.command("s", "show_artwork", show);
    rig.tick(true);
    assert_eq!(rig.current_posts(), [Some(900)]);
}

mod channel_refresh;
mod channel_window;
mod channels;
mod choices;
mod commands;
mod comments;
mod deadlines;
mod fixture;
mod likes;
mod owner_playsets;
mod playlists;
mod playset_window;
mod playsets;
mod queries;
mod rig;
mod views;
