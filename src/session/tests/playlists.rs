//! Creators' playlists: `get_post` asked a few items ahead of playback, items
//! released in the playlist's order, posts that fail skipped with a sentence.

use super::fixture::*;
use crate::player::MakapixPost;
use crate::player::playlist::{Playlist, PlaylistItem, PlaylistSource};
use crate::player::playlist_feed::LOOKAHEAD;
use crate::protocol::request::RequestBody;
use crate::session::pending::ANSWER_DEADLINE;
use crate::session::{Channel, EngineCommand};

fn playlist(items: Vec<PlaylistSource>) -> Playlist {
    Playlist {
        title: "Show".into(),
        items: items
            .into_iter()
            .map(|source| PlaylistItem {
                source,
                dwell_ms: None,
            })
            .collect(),
    }
}

fn posts(ids: impl IntoIterator<Item = i64>) -> Playlist {
    playlist(
        ids.into_iter()
            .map(|post_id| PlaylistSource::Post { post_id })
            .collect(),
    )
}

fn play(p: &mut Player, list: &Playlist) -> Out {
    p.act(|s, seen, fx| s.play_playlist(list, "Show".into(), seen, fx))
}

/// The posts asked for, in order, with their tags.
fn get_posts(out: &Out) -> Vec<(u64, i64)> {
    out.requests()
        .into_iter()
        .map(|(tag, body)| match body {
            RequestBody::GetPost {
                post_id,
                include_fields,
            } => {
                assert_eq!(include_fields, ["dwell_time_ms"], "§13: asked for");
                (tag, post_id)
            }
            other => panic!("expected get_post, got {other:?}"),
        })
        .collect()
}

fn ids(asked: &[(u64, i64)]) -> Vec<i64> {
    asked.iter().map(|(_, id)| *id).collect()
}

#[test]
fn only_the_posts_just_ahead_of_playback_are_asked_for() {
    let mut p = Player::connected();
    let asked = get_posts(&play(&mut p, &posts(1..=20)));
    let first: Vec<i64> = (1..=LOOKAHEAD as i64 + 1).collect();
    assert_eq!(ids(&asked), first, "the first and {LOOKAHEAD} ahead");
    for (tag, id) in &asked {
        p.answer(*tag, post(*id));
    }
    let out = p.tick(true);
    assert!(get_posts(&out).is_empty(), "nothing more at the first item");
    assert!(matches!(p.session.channel(), Channel::Playlist { .. }));

    p.engine.show_index(2, p.now);
    let asked = get_posts(&p.tick(true));
    assert_eq!(ids(&asked), [7, 8], "{LOOKAHEAD} past the third item");
}

#[test]
fn items_are_released_in_the_playlist_s_order_whatever_order_answers_come_in() {
    let mut p = Player::connected();
    let asked = get_posts(&play(&mut p, &posts([1, 2, 3])));
    p.answer(asked[2].0, post(3));
    p.answer(asked[1].0, post(2));
    let out = p.tick(true);
    assert!(out.engine().is_empty(), "post 1 is not known yet");
    assert!(matches!(p.session.channel(), Channel::Samples));
    p.answer(asked[0].0, post(1));
    let out = p.tick(true);
    assert!(matches!(out.engine()[..], [EngineCommand::Play(_)]));
    assert_eq!(p.playing_ids(), [1, 2, 3]);
    assert_eq!(p.label(), "Show");
}

#[test]
fn local_files_and_posts_already_seen_play_without_a_request() {
    let mut p = Player::connected();
    p.session.remember_post(&MakapixPost::for_test(9));
    let list = playlist(vec![
        PlaylistSource::File {
            file: "a.png".into(),
        },
        PlaylistSource::Post { post_id: 9 },
    ]);
    let out = play(&mut p, &list);
    assert!(out.requests().is_empty(), "{out:?}");
    assert_eq!(p.engine.items().len(), 2);
    assert_eq!(p.engine.items()[0], file("a.png"));
    assert_eq!(p.playing_ids(), [9]);
}

#[test]
fn a_post_that_fails_is_skipped_with_a_sentence_and_the_rest_plays() {
    let mut p = Player::connected();
    let asked = get_posts(&play(&mut p, &posts([1, 2, 3])));
    let out = p.answer(asked[0].0, failed_with("deleted", "That post was deleted."));
    let notices = out.notices();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0].is_error);
    assert_eq!(
        notices[0].text,
        "Post 1 of the playlist is skipped: That post was deleted."
    );
    p.answer(asked[1].0, post(2));
    p.answer(asked[2].0, post(3));
    p.tick(true);
    assert_eq!(p.playing_ids(), [2, 3]);
}

#[test]
fn offline_the_posts_not_known_are_skipped_and_a_playlist_of_nothing_says_so() {
    let mut p = Player::offline();
    let out = play(&mut p, &posts([1, 2]));
    assert!(out.requests().is_empty(), "no runtime to ask");
    assert!(out.says("no connection to Makapix Club"), "{out:?}");
    assert!(out.says("Show has nothing this player can show"), "{out:?}");
    assert!(out.engine().is_empty());
    assert!(matches!(p.session.channel(), Channel::Samples));
}

#[test]
fn the_playlist_s_dwell_wins_over_the_post_s_own() {
    let mut p = Player::connected();
    let mut list = posts([1, 2]);
    list.items[0].dwell_ms = Some(7_000);
    let asked = get_posts(&play(&mut p, &list));
    let with_dwell = |id: i64| {
        let mut post = artwork(id);
        post["dwell_time_ms"] = 12_000.into();
        Ok(crate::protocol::response::Response::Post(
            serde_json::from_value(post).expect("a post"),
        ))
    };
    p.answer(asked[0].0, with_dwell(1));
    p.answer(asked[1].0, with_dwell(2));
    p.tick(true);
    let dwells: Vec<_> = p.engine.items().iter().map(|i| i.dwell).collect();
    assert_eq!(dwells, [Some(secs(7)), Some(secs(12))]);
}

#[test]
fn a_playlist_gives_way_to_something_chosen_before_its_first_post_is_known() {
    let mut p = Player::connected();
    let asked = get_posts(&play(&mut p, &posts([1, 2])));
    p.command("s", "show_artwork", show(50));
    p.tick(true);
    for (tag, id) in asked {
        p.answer(tag, post(id));
    }
    let out = p.tick(true);
    assert!(out.engine().is_empty(), "{out:?}");
    assert_eq!(p.playing_ids(), [50], "what was chosen later stays");
}

#[test]
fn a_post_unanswered_by_its_deadline_is_skipped() {
    let mut p = Player::connected();
    let asked = get_posts(&play(&mut p, &posts([1, 2])));
    p.answer(asked[1].0, post(2));
    p.advance(ANSWER_DEADLINE);
    let out = p.tick(true);
    assert!(out.says("Post 1 of the playlist is skipped"), "{out:?}");
    assert!(out.says("did not answer in time"));
    p.tick(true);
    assert_eq!(p.playing_ids(), [2]);
}
