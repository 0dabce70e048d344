//! The last choice wins: a channel, playset or playlist still being fetched
//! when something else is chosen does not replace it later, nor does a later
//! page of a channel that played, and a command replaced that way is still
//! answered (protocol §6: each is acknowledged).

use serde_json::{Value, json};

use super::fixture::*;
use crate::player::playlist::{Playlist, PlaylistItem, PlaylistSource};
use crate::session::Channel;

const REPLACED: &str = "something else was chosen";

fn playset(user: &str) -> Value {
    json!({"playset_name": user, "channels": [{"type": "user", "identifier": user}]})
}

#[test]
fn a_play_channel_replaced_before_its_first_page_is_still_answered() {
    let mut p = Player::connected();
    let (old, _) = p
        .command("a", "play_channel", json!({"channel_name": "all"}))
        .only_request();
    let out = p.command("b", "play_channel", json!({"channel_name": "promoted"}));
    let ack = out.only_ack();
    assert_eq!(ack.command_id, "a");
    assert_refused(&ack, REPLACED);
    assert!(
        p.answer(old, last(1..=2)).acks().is_empty(),
        "answered once"
    );
}

#[test]
fn a_playset_replaced_before_its_channels_answer_is_still_answered() {
    let mut p = Player::connected();
    let (old, _) = p.command("p1", "play_playset", playset("a")).only_request();
    let out = p.command("p2", "play_playset", playset("b"));
    let ack = out.only_ack();
    assert_eq!(ack.command_id, "p1");
    assert_refused(&ack, REPLACED);
    assert!(
        p.answer(old, last(1..=2)).acks().is_empty(),
        "answered once"
    );
}

#[test]
fn a_channel_chosen_after_a_playset_still_fetching_wins() {
    let mut p = Player::connected();
    let (ps, _) = p.command("ps", "play_playset", playset("a")).only_request();
    let out = p.command("c", "play_channel", json!({"channel_name": "all"}));
    assert_refused(&out.only_ack(), REPLACED);
    let (ch, _) = out.only_request();
    p.answer(ch, last(1..=2));
    let out = p.answer(ps, last(101..=102));
    assert!(out.engine().is_empty() && out.acks().is_empty(), "{out:?}");
    assert_eq!(p.label(), "Makapix: recent");
    assert_eq!(p.playing_ids(), [1, 2]);
}

#[test]
fn show_artwork_wins_over_a_channel_still_fetching() {
    let mut p = Player::connected();
    let (ch, _) = p
        .command("c", "play_channel", json!({"channel_name": "all"}))
        .only_request();
    let out = p.command("s", "show_artwork", show(77));
    let acks = out.acks();
    assert_eq!(acks.len(), 2, "{acks:?}");
    assert_refused(&acks[0], REPLACED);
    assert_ok(&acks[1]);
    assert!(p.answer(ch, last(1..=2)).engine().is_empty());
    p.tick(true);
    assert_eq!(p.playing_ids(), [77]);
}

#[test]
fn a_channel_wins_over_a_playlist_whose_posts_come_after_it() {
    let mut p = Player::connected();
    let list = Playlist {
        title: "Show".into(),
        items: vec![PlaylistItem {
            source: PlaylistSource::Post { post_id: 5 },
            dwell_ms: None,
        }],
    };
    let out = p.act(|s, seen, fx| s.play_playlist(&list, "Show".into(), seen, fx));
    let (get_post, _) = out.only_request();
    let (ch, _) = p
        .command("c", "play_channel", json!({"channel_name": "all"}))
        .only_request();
    p.answer(get_post, post(5));
    let out = p.tick(true);
    assert!(out.engine().is_empty() && out.acks().is_empty(), "{out:?}");
    p.answer(ch, last(1..=2));
    p.tick(true);
    assert_eq!(p.label(), "Makapix: recent");
}

#[test]
fn local_files_opened_while_a_playset_fetches_stay() {
    let mut p = Player::connected();
    let (ps, _) = p.command("ps", "play_playset", playset("a")).only_request();
    let local = Channel::Local {
        items: vec![file("a.png")],
        label: "Folder".into(),
    };
    let out = p.act(|s, seen, fx| s.play(local.clone(), seen, fx));
    assert_refused(&out.only_ack(), REPLACED);
    assert!(p.answer(ps, last(1..=2)).engine().is_empty());
    assert_eq!(p.session.channel(), &local);
}

#[test]
fn the_samples_played_as_a_fallback_replace_no_choice() {
    // At start the samples play when no channel was kept; a command may
    // already be fetching its channel then.
    let mut p = Player::connected();
    let (ch, _) = p
        .command("c", "play_channel", json!({"channel_name": "all"}))
        .only_request();
    let out = p.act(|s, seen, fx| s.play(Channel::Samples, seen, fx));
    assert!(out.acks().is_empty(), "{out:?}");
    assert_ok(&p.answer(ch, last(1..=2)).only_ack());
    assert_eq!(p.playing_ids(), [1, 2]);
}

/// The channel kept from the last session, read from disk after start.
fn kept_channel() -> crate::storage::last_channel::LastChannel {
    let Ok(crate::protocol::response::Response::Posts(kept)) = last(5..=7) else {
        unreachable!()
    };
    crate::storage::last_channel::LastChannel {
        label: "Makapix: promoted".into(),
        query: crate::protocol::request::QueryPosts {
            channel: Some("promoted".into()),
            ..Default::default()
        },
        posts: kept.posts,
    }
}

#[test]
fn show_artwork_before_the_kept_channel_is_read_is_not_replaced_by_it() {
    let mut p = Player::connected();
    assert_ok(&p.command("s", "show_artwork", show(77)).only_ack());
    let (resumed, out) = p.call(|s, seen, fx| s.resume(kept_channel(), seen, fx));
    assert!(!resumed, "a newer choice plays");
    assert!(out.engine().is_empty() && out.kept().is_empty(), "{out:?}");
    p.tick(true);
    assert_eq!(p.playing_ids(), [77]);
    assert!(
        p.connect().requests().is_empty(),
        "the kept channel is not fetched anew"
    );
}

#[test]
fn a_play_channel_before_the_kept_channel_is_read_plays_and_is_answered_once() {
    let mut p = Player::connected();
    let (ch, _) = p
        .command("c", "play_channel", json!({"channel_name": "all"}))
        .only_request();
    let (resumed, out) = p.call(|s, seen, fx| s.resume(kept_channel(), seen, fx));
    assert!(!resumed, "a newer choice is on its way");
    assert!(out.engine().is_empty() && out.acks().is_empty(), "{out:?}");
    let out = p.answer(ch, last(1..=2));
    let ack = out.only_ack();
    assert_eq!(ack.command_id, "c");
    assert_ok(&ack);
    assert_eq!(p.playing_ids(), [1, 2]);
    assert_eq!(p.label(), "Makapix: recent");
}

/// A player playing `all`'s first page 1..=4, its second page asked for.
fn paging_all() -> (Player, u64) {
    let mut p = Player::connected();
    let (first, _) = p
        .command("c", "play_channel", json!({"channel_name": "all"}))
        .only_request();
    p.answer(first, more(1..=4, "p2"));
    let (next, _) = p.tick(true).only_request();
    (p, next)
}

#[test]
fn a_page_of_the_old_channel_coming_after_show_artwork_does_not_bring_it_back() {
    let (mut p, next) = paging_all();
    let shown = p.command("s", "show_artwork", show(99));
    assert_eq!(shown.kept(), [None], "the next start begins with the post");
    let out = p.answer(next, more(5..=8, "p3"));
    assert!(out.engine().is_empty() && out.kept().is_empty(), "{out:?}");
    assert!(matches!(p.session.channel(), Channel::Post(post) if post.post_id == 99));
    p.tick(true);
    assert_eq!(p.playing_ids(), [99]);
    assert!(p.play_for(secs(120), secs(31)).queries().is_empty());
}

#[test]
fn a_failed_page_of_the_old_channel_leaves_local_files_opened_after_it() {
    let (mut p, next) = paging_all();
    let local = Channel::Local {
        items: vec![file("a.png")],
        label: "Folder".into(),
    };
    p.act(|s, seen, fx| s.play(local.clone(), seen, fx));
    let out = p.answer(next, failed("Makapix Club is unreachable."));
    assert!(out.engine().is_empty() && out.kept().is_empty(), "{out:?}");
    assert!(out.notices().is_empty(), "{out:?}");
    assert_eq!(p.session.channel(), &local);
}
