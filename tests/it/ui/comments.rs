//! The comments panel against the test server: the comments of the post on
//! screen appear threaded, "Load more" fetches the next page, another artwork
//! reloads the panel, and samples or failures get a sentence; all of it also
//! from the keyboard, with every control named.

use crate::support::rig;
use crate::support::screen::STEP_TIMEOUT;

use std::time::{Duration, Instant};

use eframe::egui;
use egui_kittest::kittest::Queryable;
use makapix_player::player::ArtworkSource;
use makapix_player::session::comments::CommentsStatus;
use rig::vault::Vault;
use rig::window::{Session, start_with_vault, step_until};
use serde_json::{Value, json};

fn comment_requests(s: &Session) -> Vec<Value> {
    s.server
        .published()
        .iter()
        .map(|r| r.json())
        .filter(|j| j["request_type"] == "get_comments")
        .collect()
}

fn wait_requests(s: &mut Session, n: usize) {
    let deadline = Instant::now() + STEP_TIMEOUT;
    while comment_requests(s).len() < n {
        assert!(Instant::now() < deadline, "only {:?}", comment_requests(s));
        s.h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn show(s: &mut Session, post: i64) {
    s.command(
        "show_artwork",
        json!({"post_id": post, "storage_key": "a", "storage_shard": "ab/cd", "native_format": "png"}),
    );
    step_until(
        &mut s.h,
        "the post on screen",
        |a| matches!(a.on_screen(), Some((ArtworkSource::Makapix(p), _)) if p.post_id == post),
    );
}

fn thread(s: &Session) -> Vec<(String, u8)> {
    s.h.state()
        .session()
        .comments()
        .threaded()
        .into_iter()
        .map(|c| (c.id, c.depth))
        .collect()
}

fn pairs(v: &[(&str, u8)]) -> Vec<(String, u8)> {
    v.iter().map(|(i, d)| ((*i).to_owned(), *d)).collect()
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn the_panel_follows_the_artwork_threads_replies_and_loads_more() {
    let root = tempfile::tempdir().unwrap();
    let vault = Vault::start();
    vault.put_sample("ab/cd", "a", "sun-64.png");
    let mut s = start_with_vault(root.path(), &vault);

    // Samples: a sentence, and nothing asked of the server.
    s.h.key_press(egui::Key::C);
    s.h.run_steps(2);
    assert!(s.h.state().session().comments().is_open());
    assert_eq!(
        s.h.state().session().comments().status(),
        CommentsStatus::NotAPost
    );
    s.h.get_by_label_contains("exist only for Makapix Club posts");
    assert!(comment_requests(&s).is_empty());

    show(&mut s, 41);
    wait_requests(&mut s, 1);
    step_until(&mut s.h, "the first page", |a| {
        a.session().comments().status() == CommentsStatus::Ready
    });
    let first = &comment_requests(&s)[0];
    assert_eq!(first["post_id"], 41);
    assert!(first.get("cursor").is_none(), "{first}");
    assert_eq!(thread(&s), pairs(&[("c1", 0), ("c3", 1), ("c2", 0)]));
    s.h.run_steps(2);
    s.h.get_by_label("ann");
    s.h.get_by_label("anonymous");
    s.h.get_by_label("comment c3");

    s.h.get_by_label("Load more").click();
    wait_requests(&mut s, 2);
    step_until(&mut s.h, "the second page", |a| {
        a.session().comments().threaded().len() == 5
    });
    assert_eq!(comment_requests(&s)[1]["cursor"], "page2");
    assert_eq!(
        thread(&s),
        pairs(&[("c1", 0), ("c3", 1), ("c4", 2), ("c2", 0), ("c5", 0)])
    );
    s.h.run_steps(2);
    assert!(
        s.h.query_by_label("Load more").is_none(),
        "no more pages after the last"
    );
    s.h.get_by_label("This comment was deleted.");

    // Another artwork: the panel empties and asks for its comments.
    show(&mut s, 7);
    step_until(&mut s.h, "post 7's answer", |a| {
        a.session().comments().status() == CommentsStatus::Ready
            && a.session().comments().threaded().is_empty()
    });
    assert_eq!(comment_requests(&s).last().unwrap()["post_id"], 7);
    s.h.run_steps(2);
    s.h.get_by_label("No comments yet.");

    // A refusal is a sentence in the panel, with a way to try again.
    show(&mut s, 429);
    step_until(&mut s.h, "the refusal", |a| {
        matches!(a.session().comments().status(), CommentsStatus::Failed(_))
    });
    s.h.run_steps(2);
    s.h.get_by_label_contains("too many requests");
    let before = comment_requests(&s).len();
    s.h.get_by_label("Try again").click();
    wait_requests(&mut s, before + 1);

    // C closes the panel.
    s.h.key_press(egui::Key::C);
    s.h.run_steps(2);
    assert!(!s.h.state().session().comments().is_open());
    assert!(s.h.query_by_label("Comments").is_none());
    s.h.state_mut().shutdown();
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn the_comments_panel_works_from_the_keyboard_and_names_its_controls() {
    let root = tempfile::tempdir().unwrap();
    let vault = Vault::start();
    vault.put_sample("ab/cd", "a", "sun-64.png");
    let mut s = start_with_vault(root.path(), &vault);
    show(&mut s, 41);
    s.h.key_press(egui::Key::C);
    wait_requests(&mut s, 1);
    step_until(&mut s.h, "the first page", |a| {
        a.session().comments().status() == CommentsStatus::Ready
    });
    s.h.run_steps(2);
    s.h.get_by_label("Load more");
    s.h.get_by_label("Close comments");
    s.h.check_accessibility();

    // M is "Load more".
    s.h.key_press(egui::Key::M);
    wait_requests(&mut s, 2);
    step_until(&mut s.h, "the second page", |a| {
        a.session().comments().threaded().len() == 5
    });
    assert_eq!(comment_requests(&s)[1]["cursor"], "page2");
    s.h.run_steps(2);
    assert!(
        s.h.query_by_label("Load more").is_none(),
        "every page is in"
    );

    // And "Try again" after a refusal.
    show(&mut s, 429);
    step_until(&mut s.h, "the refusal", |a| {
        matches!(a.session().comments().status(), CommentsStatus::Failed(_))
    });
    s.h.run_steps(2);
    s.h.check_accessibility();
    let before = comment_requests(&s).len();
    s.h.key_press(egui::Key::M);
    wait_requests(&mut s, before + 1);

    // C closes the panel.
    s.h.key_press(egui::Key::C);
    s.h.run_steps(2);
    assert!(!s.h.state().session().comments().is_open());
    s.h.state_mut().shutdown();
}
