//! `play_channel` end to end: the channel is read from the test server with
//! `query_posts`, page by page through `next_cursor` (the next page asked for
//! before the current one runs out), and `swap_next`/`swap_back` walk it.

use crate::support::rig;
use crate::support::screen::post_shown;

use egui_kittest::kittest::Queryable;
use makapix_player::session::Channel;
use makapix_player::settings::Settings;
use rig::server::TestServer;
use rig::vault::Vault;
use rig::window::{start_with_settings, start_with_vault, step_until};
use serde_json::{Value, json};

fn artwork(id: i64) -> Value {
    json!({"post_id": id, "kind": "artwork", "created_at": "2026-01-01T00:00:00Z",
           "storage_key": format!("key{id}"), "storage_shard": "ab/cd", "native_format": "png"})
}

/// Three pages of `#cats`: 1–4, 5–8 (with a playlist that carries its
/// artworks and one that does not), 9–10.
fn cats(req: &Value) -> Option<Value> {
    let id = req["request_id"].as_str().unwrap_or("");
    if req["request_type"] != "query_posts" {
        return rig::server::catalogue(req);
    }
    if req["channel"] == "by_user" {
        return Some(json!({"request_id": id, "success": false,
            "error": "No such user", "error_code": "user_not_found"}));
    }
    let (posts, next) = match req["cursor"].as_str() {
        None => ((1..=4).map(artwork).collect::<Vec<_>>(), json!("p2")),
        Some("p2") => (
            vec![
                artwork(5),
                json!({"post_id": 50, "kind": "playlist", "total_artworks": 2, "dwell_time_ms": 30000}),
                json!({"post_id": 51, "kind": "playlist", "dwell_time_ms": 30000,
                       "artworks": [artwork(6), artwork(7)]}),
                artwork(8),
            ],
            json!("p3"),
        ),
        Some("p3") => ((9..=10).map(artwork).collect(), Value::Null),
        Some(_) => return None,
    };
    Some(json!({"request_id": id, "success": true, "posts": posts,
                "next_cursor": next, "has_more": !next.is_null()}))
}

/// A vault serving posts 1..=`count` of the `cats` pages (`ab/cd/key{id}.png`).
fn hearts(count: i64) -> Vault {
    let vault = Vault::start();
    for id in 1..=count {
        vault.put_sample("ab/cd", &format!("key{id}"), "heart-8.png");
    }
    vault
}

fn queries(server: &TestServer) -> Vec<Value> {
    server
        .published()
        .iter()
        .map(|r| r.json())
        .filter(|j| j["request_type"] == "query_posts")
        .collect()
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn a_channel_pages_through_three_pages_and_swaps_walk_it() {
    let root = tempfile::tempdir().unwrap();
    let vault = hearts(10);
    let mut s = start_with_vault(root.path(), &vault);
    s.server.set_responder(cats);

    let ack = s.command(
        "play_channel",
        json!({"channel_name": "hashtag", "hashtag": "cats"}),
    );
    assert_eq!(ack["status"], "ok", "{ack}");
    step_until(&mut s.h, "the first post", |a| post_shown(a) == Some(1));
    assert!(
        matches!(s.h.state().channel(), Channel::Makapix { label, .. } if label.contains("#cats"))
    );
    let first = &queries(&s.server)[0];
    assert_eq!(first["channel"], "hashtag");
    assert_eq!(first["hashtag"], "cats");
    assert_eq!(first["cursor"], Value::Null);

    for want in 2..=10 {
        let ack = s.command("swap_next", json!({}));
        assert_eq!(ack["status"], "ok", "{ack}");
        step_until(&mut s.h, &format!("post {want}"), |a| {
            post_shown(a) == Some(want)
        });
        // Pages are asked for ahead: page 2 while page 1 plays, page 3 once
        // page 2 starts. The ask follows the show it is made for, so it is
        // waited for rather than expected in the same pass.
        let server = &s.server;
        let ahead = if want >= 5 { 3 } else { 2 };
        step_until(
            &mut s.h,
            &format!("{ahead} pages asked at post {want}"),
            |_| queries(server).len() >= ahead,
        );
        if want >= 5 {
            assert_eq!(queries(&s.server).len(), 3, "at post {want}");
        }
    }
    let cursors: Vec<Value> = queries(&s.server)
        .iter()
        .map(|q| q["cursor"].clone())
        .collect();
    assert_eq!(cursors, vec![Value::Null, json!("p2"), json!("p3")]);
    // The end of the channel wraps to its start; back goes back.
    s.command("swap_next", json!({}));
    step_until(&mut s.h, "wrapped to post 1", |a| post_shown(a) == Some(1));
    s.command("swap_back", json!({}));
    step_until(&mut s.h, "back to post 10", |a| post_shown(a) == Some(10));
    assert_eq!(queries(&s.server).len(), 3, "no page is asked for twice");

    // Refusals: nothing changes on screen.
    for (payload, words) in [
        (json!({"channel_name": "hashtag"}), "hashtag"),
        (json!({"channel_name": "by_user"}), "user_sqid"),
        (
            json!({"channel_name": "by_user", "user_handle": "ghost"}),
            "No such user",
        ),
        (json!({"channel_name": "moon"}), "moon"),
    ] {
        let ack = s.command("play_channel", payload);
        assert_eq!(ack["status"], "error", "{ack}");
        assert!(
            ack["error"].as_str().unwrap_or_default().contains(words),
            "{ack}"
        );
    }
    let ack = s.command("play_channel", json!({"channel_name": "pinned"}));
    assert_eq!(ack["status"], "unsupported", "{ack}");
    assert!(
        ack["error"]
            .as_str()
            .unwrap_or_default()
            .contains("no request to fetch them"),
        "the ack says why: {ack}"
    );
    assert_eq!(post_shown(s.h.state()), Some(10));
    // `sdcard` with no local files open is refused too.
    let ack = s.command("play_channel", json!({"channel_name": "sdcard"}));
    assert_eq!(ack["status"], "error", "{ack}");
    s.h.state_mut().shutdown();
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn the_chosen_channel_order_and_its_kept_seed_go_into_every_query() {
    let root = tempfile::tempdir().unwrap();
    let vault = hearts(10);
    let mut s = start_with_settings(
        root.path(),
        &vault,
        Settings {
            channel_order: makapix_player::settings::ChannelOrder::Random,
            channel_seed: 4242,
            ..Settings::default()
        },
    );
    s.server.set_responder(cats);
    let ack = s.command(
        "play_channel",
        json!({"channel_name": "hashtag", "hashtag": "cats"}),
    );
    assert_eq!(ack["status"], "ok", "{ack}");
    step_until(&mut s.h, "the first post", |a| post_shown(a) == Some(1));
    let first = &queries(&s.server)[0];
    assert_eq!(first["sort"], "random");
    assert_eq!(first["random_seed"], 4242, "the saved seed, not a new one");
    let fields = first["include_fields"].as_array().expect("include_fields");
    for wanted in [
        "width",
        "height",
        "frame_count",
        "dwell_time_ms",
        "owner_handle",
    ] {
        assert!(fields.iter().any(|f| f == wanted), "{wanted} in {fields:?}");
    }
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn a_channel_picked_in_the_window_plays_without_any_command() {
    let root = tempfile::tempdir().unwrap();
    let vault = hearts(4);
    let mut s = start_with_settings(
        root.path(),
        &vault,
        Settings {
            show_settings: true,
            ..Settings::default()
        },
    );
    s.server.set_responder(cats);
    s.h.step();
    // Connected, the settings panel offers the channel picker: all of it named.
    s.h.check_accessibility();
    // Through accessibility: the button may sit below the fold of the settings panel.
    s.h.get_by_label("Play channel").click_accesskit();
    step_until(&mut s.h, "the channel's first post", |a| {
        post_shown(a) == Some(1)
    });
    assert_eq!(
        queries(&s.server)[0]["channel"],
        "all",
        "the picker's default"
    );
    assert!(
        matches!(s.h.state().channel(), Channel::Makapix { label, .. } if label.contains("recent"))
    );
    let acks = s
        .server
        .published()
        .iter()
        .filter(|r| r.topic.ends_with("command/ack"))
        .count();
    assert_eq!(acks, 0, "nothing to acknowledge: no command was sent");
}

/// Makapix pages a `reactions` channel by when each like was made, whatever
/// the sort: the player asks it in server order even when "Newest first" is
/// chosen, and paging through gives every liked artwork once.
#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn a_reactions_channel_pages_through_every_like_once_in_server_order() {
    use rig::posts::{REACTIONS, REACTIONS_FIRST, reactions_in_server_order};
    let root = tempfile::tempdir().unwrap();
    let vault = Vault::start();
    for id in REACTIONS_FIRST..REACTIONS_FIRST + REACTIONS {
        vault.put_sample("ab/cd", &format!("key{id}"), "heart-8.png");
    }
    let mut s = start_with_settings(
        root.path(),
        &vault,
        Settings {
            channel_order: makapix_player::settings::ChannelOrder::Newest,
            ..Settings::default()
        },
    );
    let ack = s.command(
        "play_channel",
        json!({"channel_name": "reactions", "user_sqid": "k3Xq"}),
    );
    assert_eq!(ack["status"], "ok", "{ack}");
    let order = reactions_in_server_order();
    step_until(&mut s.h, "the newest like", |a| {
        post_shown(a) == Some(order[0])
    });
    // Walk the first page (50) to within the prefetch margin (3) of its end,
    // and not past it: the next page is then due, and asked for in its own
    // time, however slowly the request crosses a loaded machine.
    const WALK: usize = 47;
    for _ in 0..WALK {
        if queries(&s.server).len() >= 2 {
            break;
        }
        let ack = s.command("swap_next", json!({}));
        assert_eq!(ack["status"], "ok", "{ack}");
    }
    let server = &s.server;
    step_until(&mut s.h, "the second page asked for", |_| {
        queries(server).len() >= 2
    });
    step_until(
        &mut s.h,
        "the second page in the queue",
        |a| matches!(a.channel(), Channel::Makapix { items, .. } if items.len() == order.len()),
    );
    let Channel::Makapix { items, .. } = s.h.state().channel() else {
        panic!("the channel plays");
    };
    let ids: Vec<i64> = items.iter().filter_map(|i| i.source.post_id()).collect();
    assert_eq!(ids, order, "every like once, newest like first");
    for q in queries(&s.server) {
        assert_eq!(q["sort"], "server_order", "{q}");
        assert!(q.get("random_seed").is_none(), "{q}");
    }
    s.h.state_mut().shutdown();
}
