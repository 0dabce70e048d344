//! Pending requests' deadlines: the window is woken for the earliest, and each
//! request given up on is routed once to the feature that sent it.

use serde_json::json;

use super::fixture::*;
use crate::session::comments::CommentsStatus;
use crate::session::owner_playsets::OwnerPlaysetView;
use crate::session::pending::ANSWER_DEADLINE;

#[test]
fn the_window_is_woken_for_the_earliest_deadline() {
    let mut p = Player::connected();
    let (due, _) = p.tick_due(true);
    assert_eq!(due, None, "samples, nothing asked: nothing to wake for");
    p.command("c", "play_channel", json!({"channel_name": "all"}));
    p.advance(secs(10));
    p.command("d", "play_channel", json!({"channel_name": "promoted"}));
    let (due, _) = p.tick_due(true);
    assert_eq!(due, Some(START + ANSWER_DEADLINE), "the older request's");
}

#[test]
fn requests_of_every_feature_given_up_together_are_each_told_once() {
    let mut p = Player::connected();
    p.session.toggle_comments();
    p.command("s", "show_artwork", show(9));
    p.tick(true);
    p.act(|s, seen, fx| s.toggle_like(seen, fx));
    p.act(|s, seen, fx| s.request_owner_playset("followed_artists".into(), seen, fx));
    assert_eq!(p.session.pending().len(), 3, "comments, like, playset");

    p.advance(ANSWER_DEADLINE);
    let out = p.tick(true);
    assert!(p.session.pending().is_empty());
    let said: Vec<_> = out.notices().into_iter().map(|n| n.text).collect();
    assert_eq!(said.len(), 2, "the like and the playset: {said:?}");
    assert!(said.iter().any(|t| t.contains("could not be liked")));
    assert!(said.iter().any(|t| t.contains("could not be fetched")));
    assert!(matches!(
        p.session.comments().status(),
        CommentsStatus::Failed(s) if s.contains("did not answer in time")
    ));
    assert!(matches!(
        p.session.owner_playset(),
        OwnerPlaysetView::Said(_)
    ));
    let later = p.tick(true);
    assert!(later.notices().is_empty(), "told once");
}
