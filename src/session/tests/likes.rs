//! The like button: ❤️ with `submit_reaction` / `revoke_reaction` for the
//! Makapix artwork on screen (protocol §7), its answer and failure, and the
//! `reactions` channel's paging rule (§13: `server_order`).

use serde_json::json;

use super::fixture::*;
use crate::protocol::request::RequestBody;
use crate::session::likes::{LIKE, LikeState};
use crate::session::pending::ANSWER_DEADLINE;
use crate::settings::ChannelOrder;

/// A connected player with post `id` on screen.
fn showing(id: i64) -> Player {
    let mut p = Player::connected();
    p.command("s", "show_artwork", show(id));
    p.tick(true);
    p
}

fn state(p: &Player) -> LikeState {
    p.session.like_state(&p.engine)
}

fn toggle(p: &mut Player) -> Out {
    p.act(|s, seen, fx| s.toggle_like(seen, fx))
}

#[test]
fn a_like_sends_a_heart_then_taking_it_back_revokes_it() {
    let mut p = showing(9);
    assert_eq!(state(&p), LikeState::Liked(false));
    let (tag, body) = toggle(&mut p).only_request();
    assert_eq!(
        body,
        RequestBody::SubmitReaction {
            post_id: 9,
            emoji: "❤️".into()
        }
    );
    assert_eq!(LIKE, "❤️");
    assert_eq!(state(&p), LikeState::Sending);
    p.answer(tag, Ok(crate::protocol::response::Response::Done));
    assert_eq!(state(&p), LikeState::Liked(true));

    let (tag, body) = toggle(&mut p).only_request();
    assert_eq!(
        body,
        RequestBody::RevokeReaction {
            post_id: 9,
            emoji: "❤️".into()
        }
    );
    p.answer(tag, Ok(crate::protocol::response::Response::Done));
    assert_eq!(state(&p), LikeState::Liked(false));
}

#[test]
fn a_refused_like_says_why_and_the_heart_stays_as_it_was() {
    let mut p = showing(9);
    let (tag, _) = toggle(&mut p).only_request();
    let out = p.answer(
        tag,
        failed_with("reaction_limit_exceeded", "Five reactions is the most."),
    );
    let notices = out.notices();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0].is_error);
    assert!(notices[0].text.contains("could not be liked"));
    assert!(notices[0].text.contains("Five reactions is the most."));
    assert_eq!(state(&p), LikeState::Liked(false));
}

#[test]
fn a_like_unanswered_by_its_deadline_is_given_up_and_can_be_pressed_again() {
    let mut p = showing(9);
    let (tag, _) = toggle(&mut p).only_request();
    p.advance(ANSWER_DEADLINE);
    let out = p.tick(true);
    assert!(out.says("could not be liked"), "{out:?}");
    assert_eq!(state(&p), LikeState::Liked(false));
    assert!(matches!(
        toggle(&mut p).only_request().1,
        RequestBody::SubmitReaction { post_id: 9, .. }
    ));
    p.answer(tag, Ok(crate::protocol::response::Response::Done));
    assert_eq!(state(&p), LikeState::Sending, "the late answer is dropped");
}

#[test]
fn only_makapix_artworks_can_be_liked_and_each_post_has_its_own_heart() {
    let mut p = Player::connected();
    p.tick(true);
    assert_eq!(state(&p), LikeState::NotAPost, "a sample");
    assert!(toggle(&mut p).requests().is_empty());

    let mut p = showing(9);
    let (tag, _) = toggle(&mut p).only_request();
    p.answer(tag, Ok(crate::protocol::response::Response::Done));
    p.command("s", "show_artwork", show(10));
    p.tick(true);
    assert_eq!(state(&p), LikeState::Liked(false), "post 10 is not liked");
    p.command("s", "show_artwork", show(9));
    p.tick(true);
    assert_eq!(state(&p), LikeState::Liked(true), "post 9 still is");
}

#[test]
fn the_reactions_channel_is_paged_in_server_order_and_its_views_name_the_user() {
    let mut p = Player::connected();
    p.settings.channel_order = ChannelOrder::Newest;
    let out = p.command(
        "r",
        "play_channel",
        json!({"channel_name": "reactions", "user_sqid": "k3Xq"}),
    );
    let (tag, q) = out.queries().remove(0);
    // §13: any other sort skips or repeats artworks after the first page.
    assert_eq!(q.sort.as_deref(), Some("server_order"));
    assert_eq!(q.user_sqid.as_deref(), Some("k3Xq"));
    p.answer(tag, more(1..=2, "r2"));
    assert_eq!(p.label(), "Makapix: liked by k3Xq");
    let out = p.play_for(secs(12), secs(6));
    let (_, next) = out.queries().remove(0);
    assert_eq!(next.sort.as_deref(), Some("server_order"));
    let view = out.views().remove(0);
    assert_eq!(
        (
            view.channel.as_str(),
            view.channel_user_sqid.as_deref(),
            view.play_order
        ),
        ("reactions", Some("k3Xq"), 0)
    );
}
