//! View events (protocol §8): what is sent and when, what is never sent, and
//! what each view says of where its artwork came from. Acks on `view/ack` and
//! `player_not_registered` are the runtime's (`net/views`), not the session's.

use serde_json::json;

use super::fixture::*;
use crate::player::feed::FRESH_LOOK_EVERY;
use crate::player::playlist::{Playlist, PlaylistItem, PlaylistSource};
use crate::player::views::{FIRST_VIEW_AFTER, REPEAT_VIEW_EVERY};
use crate::session::Channel;
use crate::settings::ChannelOrder;

/// A connected player showing `all`'s posts `ids` (dwell: 30 s each).
fn playing(payload: serde_json::Value, ids: std::ops::RangeInclusive<i64>) -> Player {
    let mut p = Player::connected();
    let (tag, _) = p.command("c", "play_channel", payload).only_request();
    p.answer(tag, last(ids));
    p.tick(true);
    p
}

#[test]
fn the_first_view_comes_after_five_visible_seconds_then_one_every_thirty() {
    let mut p = Player::connected();
    p.settings.dwell_secs = 3_600;
    p.engine.set_dwell(p.settings.dwell());
    p.command("s", "show_artwork", show(42));
    let (due, out) = p.tick_due(true);
    assert!(out.views().is_empty());
    assert_eq!(
        due,
        Some(p.now + FIRST_VIEW_AFTER),
        "the window wakes for it"
    );
    p.advance(FIRST_VIEW_AFTER - ms(1));
    assert!(p.tick(true).views().is_empty());
    p.advance(ms(1));
    let views = p.tick(true).views();
    assert_eq!(views.len(), 1);
    assert_eq!(views[0].post_id, 42);
    p.advance(REPEAT_VIEW_EVERY - ms(1));
    assert!(p.tick(true).views().is_empty());
    p.advance(ms(1));
    assert_eq!(
        p.tick(true).views().len(),
        1,
        "30 s later, the same artwork"
    );
}

#[test]
fn a_view_says_when_where_and_why_in_the_protocol_s_words() {
    let mut p = Player::connected();
    p.command("s", "show_artwork", show(42));
    p.tick(true);
    p.advance(secs(5));
    let view = p.tick(true).views().remove(0);
    assert_eq!(view.intent, "artwork", "chosen by a person");
    assert_eq!(view.channel, "artwork");
    assert_eq!(view.timezone, ZONE, "an IANA name");
    // Wall-clock time of the frame, in UTC.
    assert_eq!(view.timestamp, "2023-11-14T22:13:25Z");
    assert_eq!(view.player_key, "", "the runtime names the player");
    assert_eq!((view.channel_user_sqid, view.channel_hashtag), (None, None));
}

#[test]
fn automatic_playback_counts_as_channel_with_its_name_and_order() {
    let mut p = Player::connected();
    p.settings.channel_order = ChannelOrder::Newest;
    let (tag, _) = p
        .command(
            "c",
            "play_channel",
            json!({"channel_name": "hashtag", "hashtag": "#cats"}),
        )
        .only_request();
    p.answer(tag, last(1..=3));
    let view = p.play_for(secs(12), secs(6)).views().remove(0);
    assert_eq!(view.intent, "channel");
    assert_eq!(view.channel, "hashtag");
    assert_eq!(
        view.channel_hashtag.as_deref(),
        Some("cats"),
        "without its #"
    );
    assert_eq!(view.channel_user_sqid, None);
    assert_eq!(view.play_order, 1, "created_at");

    let mut p = playing(
        json!({"channel_name": "by_user", "user_sqid": "k3Xq"}),
        1..=3,
    );
    let view = p.play_for(secs(6), secs(6)).views().remove(0);
    assert_eq!(
        (
            view.channel.as_str(),
            view.channel_user_sqid.as_deref(),
            view.play_order
        ),
        ("by_user", Some("k3Xq"), 0)
    );
}

#[test]
fn nothing_is_sent_while_hidden_and_hidden_time_does_not_count() {
    let mut p = playing(json!({"channel_name": "all"}), 1..=3);
    p.advance(secs(3));
    p.tick(true);
    let hidden = p.tick_due(false);
    assert!(hidden.1.views().is_empty());
    p.advance(secs(20));
    let (due, out) = p.tick_due(false);
    assert!(out.views().is_empty(), "paused, covered or loading");
    // No view is due: what wakes it is the channel's hourly look.
    let look_only = due.is_some_and(|d| d > p.now + FRESH_LOOK_EVERY / 2);
    assert!(look_only, "no view to wake for while hidden: {due:?}");
    p.tick(true);
    p.advance(secs(1));
    assert!(p.tick(true).views().is_empty(), "4 s seen so far");
    p.advance(secs(1));
    assert_eq!(p.tick(true).views().len(), 1);
}

#[test]
fn samples_and_local_files_are_never_reported() {
    let mut p = Player::connected();
    assert!(p.play_for(secs(120), secs(6)).views().is_empty(), "samples");
    let local = Channel::Local {
        items: vec![file("a.png"), file("b.png")],
        label: "Folder".into(),
    };
    p.act(|s, seen, fx| s.play(local, seen, fx));
    assert!(p.play_for(secs(120), secs(6)).views().is_empty(), "files");
}

#[test]
fn an_artwork_gone_before_five_seconds_is_not_reported() {
    let mut p = playing(json!({"channel_name": "all"}), 1..=3);
    p.advance(FIRST_VIEW_AFTER - ms(1));
    assert!(p.tick(true).views().is_empty());
    p.engine.next(p.now);
    p.tick(true);
    assert_eq!(p.on_screen(), Some(2));
    p.advance(FIRST_VIEW_AFTER - ms(1));
    assert!(p.tick(true).views().is_empty(), "post 2's own five seconds");
    p.advance(ms(1));
    let views = p.tick(true).views();
    assert_eq!(views.iter().map(|v| v.post_id).collect::<Vec<_>>(), [2]);
}

#[test]
fn a_creator_s_playlist_is_reported_as_the_local_channel() {
    let mut p = Player::connected();
    let list = Playlist {
        title: "Show".into(),
        items: vec![PlaylistItem {
            source: PlaylistSource::Post { post_id: 3 },
            dwell_ms: None,
        }],
    };
    let out = p.act(|s, seen, fx| s.play_playlist(&list, "Show".into(), seen, fx));
    let (tag, _) = out.only_request();
    p.answer(tag, post(3));
    let view = p.play_for(secs(18), secs(6)).views().remove(0);
    assert_eq!((view.post_id, view.intent.as_str()), (3, "channel"));
    assert_eq!(view.channel, "sdcard", "a list kept on this computer");
    assert_eq!(view.play_order, 0);
}

#[test]
fn a_shuffled_channel_is_reported_in_random_order() {
    // §8: `play_order` is the order the artworks come in; shuffled, that is
    // random whatever the query asked for.
    let mut p = playing(json!({"channel_name": "all"}), 1..=3);
    p.settings.shuffle = true;
    p.act(|s, seen, fx| s.reorder(seen, fx));
    let view = p.play_for(secs(6), secs(6)).views().remove(0);
    assert_eq!(view.play_order, 2);
}
