//! What the session's queries ask of the server: the order a channel can be
//! paged in, and the fields a playset's artworks need.

use super::*;
use crate::protocol::request::QueryPosts;
use crate::settings::ChannelOrder;

fn query(body: &RequestBody) -> &QueryPosts {
    match body {
        RequestBody::QueryPosts(q) => q,
        other => panic!("expected query_posts, got {other:?}"),
    }
}

#[test]
fn a_reactions_channel_is_asked_in_server_order_whatever_order_was_chosen() {
    for order in ChannelOrder::ALL {
        let mut rig = Rig::new();
        rig.settings.channel_order = order;
        rig.settings.channel_seed = 99;
        rig.command(
            "r",
            "play_channel",
            json!({"channel_name": "reactions", "user_sqid": "k3Xq"}),
        );
        let first = rig.requests();
        assert_eq!(first.len(), 1, "{order:?}");
        let q = query(&first[0].1);
        assert_eq!(q.sort.as_deref(), Some("server_order"), "{order:?}");
        assert_eq!(q.random_seed, None, "{order:?}");
        rig.answer(first[0].0, Ok(Response::Posts(page(1..60, Some("r2")))));
        for _ in 0..60 {
            for wait in [6, 25] {
                rig.tick(true);
                rig.advance(Duration::from_secs(wait));
            }
        }
        let later = rig.requests();
        assert!(!later.is_empty(), "the next page was asked for");
        for (_, body) in &later {
            assert_eq!(query(body).sort.as_deref(), Some("server_order"));
        }
        // The views say the order the artworks really came in.
        let views = rig.views();
        assert!(!views.is_empty());
        assert!(views.iter().all(|v| v.play_order == 0), "{order:?}");
    }
}

#[test]
fn another_channel_keeps_the_chosen_order() {
    let mut rig = Rig::new();
    rig.settings.channel_order = ChannelOrder::Newest;
    rig.command("c", "play_channel", json!({"channel_name": "all"}));
    let first = rig.requests();
    assert_eq!(query(&first[0].1).sort.as_deref(), Some("created_at"));
    rig.answer(first[0].0, Ok(Response::Posts(page(1..4, None))));
    rig.tick(true);
    rig.advance(Duration::from_secs(6));
    rig.tick(true);
    let views = rig.views();
    assert!(!views.is_empty());
    assert!(views.iter().all(|v| v.play_order == 1), "{views:?}");
}

#[test]
fn every_playset_query_asks_for_the_artworks_own_dwell() {
    let mut rig = Rig::new();
    rig.command(
        "ps",
        "play_playset",
        json!({"playset_name": "mix", "channels": [
            {"type": "named", "name": "promoted"},
            {"type": "user", "identifier": "u1"},
            {"type": "hashtag", "identifier": "frogs"}]}),
    );
    let first = rig.requests();
    assert_eq!(first.len(), 3);
    for (_, body) in &first {
        let fields = &query(body).include_fields;
        for wanted in ["dwell_time_ms", "frame_count", "width", "height"] {
            assert!(fields.iter().any(|f| f == wanted), "{wanted} in {fields:?}");
        }
    }
}
