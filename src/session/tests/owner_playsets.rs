//! The owner's playsets: `get_playset` asked from the window, the answer
//! played like a `play_playset`, `playset_not_found` said in words (§7).

use serde_json::json;

use super::fixture::*;
use crate::bridge::connection::RequestFailure;
use crate::protocol::request::RequestBody;
use crate::protocol::response::Response;
use crate::session::owner_playsets::{FOLLOWED_ARTISTS, OwnerPlaysetView};

fn ask(p: &mut Player, name: &str) -> u64 {
    let out = p.act(|s, seen, fx| s.request_owner_playset(name.into(), seen, fx));
    let (tag, body) = out.only_request();
    assert_eq!(
        body,
        RequestBody::GetPlayset {
            playset_name: name.into()
        }
    );
    tag
}

fn answer(name: &str, exposure: &str) -> Result<Response, RequestFailure> {
    let playset = json!({"playset_name": name, "exposure_mode": exposure, "pick_mode": "recency",
        "channels": [{"type": "user", "identifier": "u1", "display_name": "Ann"},
                     {"type": "user", "identifier": "u2"}]});
    Ok(Response::Playset(
        serde_json::from_value(playset).expect("a playset"),
    ))
}

#[test]
fn followed_artists_is_asked_for_then_plays_through_the_playset_path() {
    let mut p = Player::connected();
    assert_eq!(p.session.owner_playset(), OwnerPlaysetView::Idle);
    let tag = ask(&mut p, FOLLOWED_ARTISTS);
    assert_eq!(p.session.owner_playset(), OwnerPlaysetView::Asking);

    let out = p.answer(tag, answer(FOLLOWED_ARTISTS, "equal"));
    let queries = out.queries();
    let users: Vec<_> = queries
        .iter()
        .map(|(_, q)| (q.channel.as_deref(), q.user_sqid.as_deref()))
        .collect();
    assert_eq!(
        users,
        [(Some("by_user"), Some("u1")), (Some("by_user"), Some("u2"))]
    );
    assert_eq!(
        p.session.owner_playset(),
        OwnerPlaysetView::Playing(vec!["Ann".into(), "u2".into()]),
        "display names where given"
    );
    p.answer(queries[0].0, last(1..=2));
    let out = p.answer(queries[1].0, last(101..=102));
    assert!(out.acks().is_empty(), "no command to answer");
    assert!(out.notices().is_empty(), "{out:?}");
    assert_eq!(p.label(), "Playset: followed_artists");
}

#[test]
fn playset_not_found_is_said_in_the_picker_in_words() {
    let mut p = Player::connected();
    let tag = ask(&mut p, FOLLOWED_ARTISTS);
    let out = p.answer(tag, failed_with("playset_not_found", "Not found."));
    assert!(out.requests().is_empty());
    assert!(out.notices().is_empty(), "nothing went wrong: {out:?}");
    let OwnerPlaysetView::Said(said) = p.session.owner_playset() else {
        panic!("{:?}", p.session.owner_playset());
    };
    assert!(said.contains("You follow no artists yet"), "{said}");

    let tag = ask(&mut p, "weekend");
    p.answer(tag, failed_with("playset_not_found", "Not found."));
    assert_eq!(
        p.session.owner_playset(),
        OwnerPlaysetView::Said("Makapix Club has no playset called weekend.".into())
    );
}

#[test]
fn any_other_failure_is_said_in_the_picker_and_the_status_bar() {
    let mut p = Player::connected();
    let tag = ask(&mut p, FOLLOWED_ARTISTS);
    let out = p.answer(tag, failed("Makapix Club is unreachable."));
    assert!(out.says("could not be fetched"), "{out:?}");
    assert!(out.notices()[0].is_error);
    assert!(matches!(
        p.session.owner_playset(),
        OwnerPlaysetView::Said(s) if s.contains("unreachable")
    ));
}

#[test]
fn a_playset_that_cannot_be_played_says_why() {
    let mut p = Player::connected();
    let tag = ask(&mut p, FOLLOWED_ARTISTS);
    let out = p.answer(tag, answer(FOLLOWED_ARTISTS, "loudest"));
    assert!(out.requests().is_empty());
    assert!(out.acks().is_empty());
    assert!(
        out.says(
            "The playset cannot be played: the payload could not be read: exposure mode `loudest`"
        ),
        "{out:?}"
    );
    assert!(matches!(
        p.session.owner_playset(),
        OwnerPlaysetView::Said(_)
    ));
}

#[test]
fn a_playset_whose_channels_have_nothing_says_so_in_the_status_bar() {
    let mut p = Player::connected();
    let tag = ask(&mut p, FOLLOWED_ARTISTS);
    let queries = p.answer(tag, answer(FOLLOWED_ARTISTS, "equal")).queries();
    p.answer(queries[0].0, last([]));
    let out = p.answer(queries[1].0, failed("Makapix Club is unreachable."));
    assert!(out.acks().is_empty());
    assert!(
        out.says("The playset followed_artists cannot be played: none of the playset's channels"),
        "{out:?}"
    );
}

#[test]
fn only_the_answer_to_the_last_request_counts() {
    let mut p = Player::connected();
    let old = ask(&mut p, FOLLOWED_ARTISTS);
    let new = ask(&mut p, FOLLOWED_ARTISTS);
    let out = p.answer(old, answer(FOLLOWED_ARTISTS, "equal"));
    assert!(out.requests().is_empty(), "{out:?}");
    assert_eq!(p.session.owner_playset(), OwnerPlaysetView::Asking);
    assert_eq!(
        p.answer(new, answer(FOLLOWED_ARTISTS, "equal"))
            .queries()
            .len(),
        2
    );
}
