//! The comments panel through the session: `get_comments` for the post on
//! screen once connected, "Load more" with the cursor given, the thread, and
//! what a failure says (protocol §7).

use serde_json::{Value, json};

use super::fixture::*;
use crate::bridge::connection::RequestFailure;
use crate::protocol::request::RequestBody;
use crate::protocol::response::Response;
use crate::session::comments::CommentsStatus;
use crate::session::pending::ANSWER_DEADLINE;

/// Comment `id` on `post`, replying to `parent`.
fn comment(post: i64, id: i64, parent: Option<i64>) -> Value {
    json!({"comment_id": id, "post_id": post, "author_handle": format!("a{id}"),
           "body": format!("comment {id}"), "parent_id": parent,
           "depth": u8::from(parent.is_some()), "created_at": "2026-01-01T00:00:00Z"})
}

fn page(comments: Vec<Value>, cursor: Option<&str>) -> Result<Response, RequestFailure> {
    let page = json!({"comments": comments, "next_cursor": cursor,
                      "has_more": cursor.is_some()});
    Ok(Response::Comments(
        serde_json::from_value(page).expect("a comments page"),
    ))
}

/// The `get_comments` of this call: tag, post and cursor.
fn asked(out: &Out) -> Vec<(u64, i64, Option<String>)> {
    out.requests()
        .into_iter()
        .map(|(tag, body)| match body {
            RequestBody::GetComments {
                post_id,
                cursor,
                limit,
            } => {
                assert_eq!(limit, Some(50));
                (tag, post_id, cursor)
            }
            other => panic!("expected get_comments, got {other:?}"),
        })
        .collect()
}

/// Connected, the panel open, post `id` on screen; the first page's tag.
fn open_on(id: i64) -> (Player, u64) {
    let mut p = Player::connected();
    p.session.toggle_comments();
    p.command("s", "show_artwork", show(id));
    let out = p.tick(true);
    let asked = asked(&out);
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!((asked[0].1, asked[0].2.as_deref()), (id, None));
    (p, asked[0].0)
}

fn thread(p: &Player) -> Vec<(String, u8)> {
    p.session
        .comments()
        .threaded()
        .into_iter()
        .map(|s| (s.id, s.depth))
        .collect()
}

#[test]
fn nothing_is_asked_while_the_panel_is_closed_or_offline() {
    let mut p = Player::online();
    p.command("s", "show_artwork", show(5));
    assert!(p.tick(true).requests().is_empty(), "closed");
    p.session.toggle_comments();
    assert!(p.tick(true).requests().is_empty(), "not connected");
    assert_eq!(p.session.comments().status(), CommentsStatus::Offline);
    p.connect();
    assert_eq!(asked(&p.tick(true)).len(), 1, "once connected");
    assert_eq!(p.session.comments().status(), CommentsStatus::Loading);
    assert!(p.tick(true).requests().is_empty(), "asked once");
}

#[test]
fn a_sample_or_local_file_has_no_comments() {
    let mut p = Player::connected();
    p.session.toggle_comments();
    assert!(p.tick(true).requests().is_empty());
    assert_eq!(p.session.comments().status(), CommentsStatus::NotAPost);
}

#[test]
fn load_more_sends_the_cursor_given_until_there_is_no_more() {
    let (mut p, tag) = open_on(5);
    p.answer(tag, page(vec![comment(5, 1, None)], Some("c2")));
    assert_eq!(p.session.comments().status(), CommentsStatus::Ready);
    assert_eq!(p.session.comments().more(), (true, false));

    let out = p.act(|s, seen, fx| s.more_comments(seen, fx));
    let more = asked(&out);
    assert_eq!(more.len(), 1);
    assert_eq!((more[0].1, more[0].2.as_deref()), (5, Some("c2")));
    assert_eq!(p.session.comments().more(), (true, true), "loading");
    assert!(
        p.act(|s, seen, fx| s.more_comments(seen, fx))
            .requests()
            .is_empty(),
        "one page at a time"
    );

    p.answer(more[0].0, page(vec![comment(5, 2, None)], None));
    assert_eq!(thread(&p), [("1".into(), 0), ("2".into(), 0)]);
    assert_eq!(p.session.comments().more(), (false, false));
    assert!(
        p.act(|s, seen, fx| s.more_comments(seen, fx))
            .requests()
            .is_empty(),
        "every page is here"
    );
}

#[test]
fn replies_are_shown_under_their_parent_across_pages() {
    let (mut p, tag) = open_on(5);
    let first = vec![
        comment(5, 1, None),
        comment(5, 2, None),
        comment(5, 3, Some(1)),
    ];
    p.answer(tag, page(first, Some("c2")));
    let (more, ..) = asked(&p.act(|s, seen, fx| s.more_comments(seen, fx)))[0].clone();
    // Page two repeats comment 3 and brings a reply to the first comment.
    p.answer(
        more,
        page(vec![comment(5, 3, Some(1)), comment(5, 4, Some(1))], None),
    );
    let t = |id: &str, depth: u8| (id.to_owned(), depth);
    assert_eq!(thread(&p), [t("1", 0), t("3", 1), t("4", 1), t("2", 0)]);
}

#[test]
fn an_answer_holding_another_post_s_comments_keeps_only_this_post_s() {
    let (mut p, tag) = open_on(5);
    p.answer(
        tag,
        page(vec![comment(5, 1, None), comment(6, 2, None)], None),
    );
    assert_eq!(thread(&p), [("1".into(), 0)]);
}

#[test]
fn a_failed_first_page_says_why_and_try_again_asks_again() {
    let (mut p, tag) = open_on(5);
    p.answer(tag, failed("Makapix Club is unreachable."));
    assert_eq!(
        p.session.comments().status(),
        CommentsStatus::Failed("Makapix Club is unreachable.".into())
    );
    assert!(
        p.tick(true).requests().is_empty(),
        "not asked again by itself"
    );
    let out = p.act(|s, seen, fx| s.more_comments(seen, fx));
    let again = asked(&out);
    assert_eq!(
        (again[0].1, again[0].2.as_deref()),
        (5, None),
        "the first page"
    );
    assert_eq!(p.session.comments().status(), CommentsStatus::Loading);
}

#[test]
fn rate_limited_says_to_wait_a_minute() {
    let (mut p, tag) = open_on(5);
    p.answer(tag, failed_with("rate_limited", "429"));
    let CommentsStatus::Failed(said) = p.session.comments().status() else {
        panic!("{:?}", p.session.comments().status());
    };
    assert!(said.contains("wait a minute"), "{said}");
}

#[test]
fn a_first_page_unanswered_by_its_deadline_fails_and_reopening_reloads() {
    let (mut p, tag) = open_on(5);
    p.advance(ANSWER_DEADLINE);
    p.tick(true);
    assert!(matches!(
        p.session.comments().status(),
        CommentsStatus::Failed(s) if s.contains("did not answer in time")
    ));
    p.answer(tag, page(vec![comment(5, 1, None)], None));
    assert!(thread(&p).is_empty(), "too late");

    p.session.toggle_comments();
    p.session.toggle_comments();
    assert_eq!(asked(&p.tick(true)).len(), 1, "reopened: asked anew");
}
