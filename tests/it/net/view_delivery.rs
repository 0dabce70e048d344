//! View delivery against the real broker and a test server that answers on
//! `view/ack` the way Makapix's does today (rig/views.rs): the pace across a
//! reconnect, views lost on the wire sent again, `rate_limited` and
//! `processing_error` retried, permanent refusals dropped, the queue file kept
//! until the server answered and set aside when damaged. The rig runs every
//! interval at a tenth (`rig::player::VIEW_SCALE`): 600 ms between views, a
//! server limit of 500 ms and a duplicate memory of 6 s.

use crate::support::rig;

use std::path::Path;
use std::time::{Duration, Instant};

use makapix_player::bridge::connection::{ConnectionAction, ConnectionState};
use makapix_player::protocol::view::ViewEvent;
use rig::broker::Broker;
use rig::certs::player_key;
use rig::player::{Player, VIEW_SCALE, config, config_at, view_queue};
use rig::proxy::Proxy;
use rig::server::TestServer;
use rig::wait_for;
use serde_json::json;

const SOON: Duration = Duration::from_secs(10);

fn scaled(secs: f64) -> Duration {
    Duration::from_secs_f64(secs * VIEW_SCALE)
}

fn view(post_id: i64, second: u32) -> ViewEvent {
    serde_json::from_value(json!({"post_id": post_id,
        "timestamp": format!("2026-01-01T00:00:{second:02}Z"),
        "timezone": "", "intent": "channel", "play_order": 0, "channel": "all"}))
    .unwrap()
}

/// The posts whose views the queue file holds.
fn queued(path: &Path) -> Vec<i64> {
    let loaded = makapix_player::storage::disk_queue::load::<ViewEvent>(path, || 0);
    loaded.items.iter().map(|(_, v)| v.post_id).collect()
}

fn wait_queue_empty(path: &Path) {
    wait_for("the queue file emptied", SOON, || {
        queued(path).is_empty().then_some(())
    });
}

/// Waits until the server answered a view of `post_id` with `answer`.
fn wait_answer(server: &TestServer, post_id: i64, answer: &str, timeout: Duration) {
    wait_for(
        &format!("post {post_id} answered {answer}"),
        timeout,
        || {
            server
                .views_seen()
                .iter()
                .any(|v| v.post_id == post_id && v.answer.as_deref() == Some(answer))
                .then_some(())
        },
    );
}

struct Setup {
    broker: Broker,
    server: TestServer,
    player: Player,
    key: String,
    queue: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

/// A player with a queue file, connected to the broker (through `proxy` if given).
fn connected(proxy: Option<&Proxy>, broker: Broker) -> Setup {
    let mut broker = broker;
    let server = TestServer::start(&broker);
    let key = player_key();
    let me = broker.ca.player(&key);
    let dir = tempfile::tempdir().unwrap();
    let cfg = match proxy {
        Some(p) => config_at(p.port, &key, &me, &broker.ca.pem),
        None => config(&broker, &key, &me, &broker.ca.pem),
    };
    let queue = view_queue(dir.path(), &cfg);
    let mut player = Player::start();
    player.send(ConnectionAction::SetViewFolder(dir.path().to_path_buf()));
    player.connect(cfg);
    player.wait_state(ConnectionState::Connected, SOON);
    Setup {
        broker,
        server,
        player,
        key,
        queue,
        _dir: dir,
    }
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn views_keep_six_seconds_apart_across_a_reconnect_flush() {
    let broker = Broker::start();
    let proxy = Proxy::start(broker.tls_port);
    let mut s = connected(Some(&proxy), broker);
    for post in 1..=3 {
        s.player.send(ConnectionAction::View(view(post, 0)));
    }
    wait_answer(&s.server, 2, "success", SOON);
    proxy.cut();
    s.player.wait_state(ConnectionState::Reconnecting, SOON);
    // Made while the connection was down: they wait for the flush.
    for post in 4..=6 {
        s.player.send(ConnectionAction::View(view(post, 0)));
    }
    s.player.wait_state(ConnectionState::Connected, SOON);
    for post in 1..=6 {
        wait_answer(&s.server, post, "success", SOON);
    }
    wait_queue_empty(&s.queue);
    s.player.idle(Duration::from_millis(50));

    // The server refused none for coming too soon.
    let seen = s.server.views_seen();
    assert!(
        seen.iter()
            .all(|v| v.answer.as_deref() != Some("rate_limited")),
        "{seen:#?}"
    );
    // As sent by the player, by its own clock: never closer than 6 s (scaled),
    // the flush after reconnecting included.
    let sent = s.player.published_at("/view");
    assert!(sent.len() >= 6, "{sent:?}");
    for pair in sent.windows(2) {
        let gap = pair[1].duration_since(pair[0]).unwrap_or_default();
        assert!(gap >= scaled(6.0) - Duration::from_millis(5), "{gap:?}");
    }
    s.player.shutdown();
    drop(s.broker);
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn a_view_lost_on_the_wire_when_the_connection_drops_is_sent_again() {
    let broker = Broker::start();
    let proxy = Proxy::start(broker.tls_port);
    let mut s = connected(Some(&proxy), broker);
    // The network goes silent: the view leaves the player and is lost on the way.
    proxy.go_silent();
    s.player.send(ConnectionAction::View(view(7, 0)));
    s.player
        .wait("the view published into the silence", SOON, |e| match e {
            makapix_player::bridge::connection::ConnectionEvent::Logged(l)
                if l.topic.ends_with("/view") =>
            {
                Some(())
            }
            _ => None,
        });
    assert_eq!(queued(&s.queue), vec![7], "kept while unconfirmed");
    proxy.cut();
    wait_answer(&s.server, 7, "success", SOON);
    assert_eq!(
        s.server.views_seen().len(),
        1,
        "the first copy never arrived"
    );
    wait_queue_empty(&s.queue);
    s.player.shutdown();
    drop(s.broker);
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn a_view_unanswered_at_quit_goes_out_after_a_restart() {
    let mut s = connected(None, Broker::start());
    s.server
        .view_rules(|r| r.scripted.push_back("silence".into()));
    s.player.send(ConnectionAction::View(view(12, 0)));
    wait_for("the view at the server", SOON, || {
        (!s.server.views_seen().is_empty()).then_some(())
    });
    s.player.shutdown();
    // The server recorded it, but its answer was lost: the view is kept.
    assert_eq!(queued(&s.queue), vec![12]);

    let me = s.broker.ca.player(&s.key);
    let mut player = Player::start();
    player.send(ConnectionAction::SetViewFolder(s._dir.path().to_path_buf()));
    player.connect(config(&s.broker, &s.key, &me, &s.broker.ca.pem));
    player.wait_note("1 view(s) from an earlier session", SOON);
    // Sent again within the server's duplicate memory: it says it has it.
    wait_answer(&s.server, 12, "duplicate", SOON);
    wait_queue_empty(&s.queue);
    s.server.view_rules(|r| {
        assert_eq!(r.answers_for(12), vec!["lost:success", "duplicate"]);
    });
    player.shutdown();
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn a_lost_answer_does_not_shift_the_answers_of_later_views() {
    let mut s = connected(None, Broker::start());
    s.server
        .view_rules(|r| r.scripted.push_back("silence".into()));
    s.player.send(ConnectionAction::View(view(31, 0)));
    s.player.send(ConnectionAction::View(view(32, 0)));
    // Nothing else is sent while an answer is awaited; after the timeout (20 s,
    // scaled) the view goes again, the server knows it, and the next one follows.
    s.player.wait_note("no answer to the view of post 31", SOON);
    wait_answer(&s.server, 31, "duplicate", SOON);
    wait_answer(&s.server, 32, "success", SOON);
    wait_queue_empty(&s.queue);
    s.server.view_rules(|r| {
        assert_eq!(r.answers_for(31), vec!["lost:success", "duplicate"]);
        assert_eq!(r.answers_for(32), vec!["success"]);
        let order: Vec<i64> = r.seen.iter().map(|v| v.post_id).collect();
        assert_eq!(order, vec![31, 31, 32]);
    });
    s.player.shutdown();
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn rate_limited_views_are_sent_again_once_the_server_forgot_them() {
    let mut s = connected(None, Broker::start());
    // Another device with this identity holds the server's rate key for a while.
    let key = s.key.clone();
    s.server
        .view_rules(|r| r.busy_until(&key, Instant::now() + scaled(20.0)));
    s.player.send(ConnectionAction::View(view(8, 0)));
    wait_answer(&s.server, 8, "rate_limited", SOON);
    s.player.wait_note("too soon", SOON);
    wait_answer(&s.server, 8, "success", Duration::from_secs(20));
    let seen: Vec<_> = s
        .server
        .views_seen()
        .into_iter()
        .filter(|v| v.post_id == 8)
        .collect();
    // Sent again only after the server's duplicate memory (60 s, scaled) had
    // passed, so it was not mistaken for a copy of itself.
    assert!(
        seen.iter()
            .all(|v| v.answer.as_deref() != Some("duplicate")),
        "{seen:#?}"
    );
    let (first, last) = (&seen[0], &seen[seen.len() - 1]);
    assert!(
        last.at.duration_since(first.at) >= scaled(60.0),
        "{seen:#?}"
    );
    wait_queue_empty(&s.queue);
    s.player.shutdown();
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn processing_errors_are_retried_and_permanent_refusals_dropped() {
    let mut s = connected(None, Broker::start());
    s.server.view_rules(|r| {
        r.scripted.extend(["processing_error".to_owned()]);
    });
    s.player.send(ConnectionAction::View(view(11, 0)));
    wait_answer(&s.server, 11, "processing_error", SOON);
    // A post the server does not have (a banned owner: `mqtt_removed`).
    s.player.send(ConnectionAction::View(view(404, 0)));
    wait_answer(&s.server, 404, "post_not_found", SOON);
    s.player
        .wait_note("refused (post_not_found); dropped", SOON);
    // The failed one goes again after the server's duplicate memory and is taken.
    wait_answer(&s.server, 11, "success", Duration::from_secs(20));
    wait_queue_empty(&s.queue);
    s.server.view_rules(|r| {
        assert_eq!(r.answers_for(404), vec!["post_not_found"]);
        assert_eq!(r.answers_for(11), vec!["processing_error", "success"]);
    });
    s.player.shutdown();
}

#[test]
fn a_damaged_queue_file_is_kept_aside_and_the_player_starts_empty() {
    let dir = tempfile::tempdir().unwrap();
    // Offline (nothing listens on the port), as this player of that broker.
    let mut ca = rig::certs::Ca::new("Makapix Test CA");
    let key = player_key();
    let cfg = config_at(rig::free_port(), &key, &ca.player(&key), &ca.pem);
    let queue = view_queue(dir.path(), &cfg);
    std::fs::write(
        &queue,
        "{\"id\":1,\"item\":{\"post_id\":5}}\n\u{1}garbage\n{}\n",
    )
    .unwrap();
    let mut player = Player::start();
    player.send(ConnectionAction::SetViewFolder(dir.path().to_path_buf()));
    player.connect(cfg);
    let note = player.wait_note(".bad", SOON);
    assert!(note.contains("the queue starts empty"), "{note}");
    let mut kept_name = queue.file_name().unwrap().to_os_string();
    kept_name.push(".bad");
    let kept = std::fs::read_to_string(queue.with_file_name(kept_name)).unwrap();
    assert!(kept.contains("garbage"));
    // The player goes on with a new queue.
    player.send(ConnectionAction::View(view(3, 0)));
    player.shutdown();
    assert_eq!(queued(&queue), vec![3]);
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn a_view_nobody_subscribed_to_stays_queued_until_the_server_listens() {
    // No back end yet: the broker's PUBACK for the view says nobody took it,
    // which the player can only tell by mapping its publish to the packet id.
    let mut broker = Broker::start();
    let key = player_key();
    let me = broker.ca.player(&key);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&broker, &key, &me, &broker.ca.pem);
    let queue = view_queue(dir.path(), &cfg);
    let mut player = Player::start();
    player.send(ConnectionAction::SetViewFolder(dir.path().to_path_buf()));
    player.connect(cfg);
    player.wait_state(ConnectionState::Connected, SOON);
    player.send(ConnectionAction::View(view(21, 0)));
    player.wait_note("not listening for views", SOON);
    assert_eq!(queued(&queue), vec![21]);
    let server = TestServer::start(&broker);
    wait_answer(&server, 21, "success", SOON);
    wait_queue_empty(&queue);
    player.shutdown();
}

/// Views are made as one player and belong to it: after importing another
/// player, the first one's waiting views are never sent as the new one, and
/// go out as their own player once it is back.
#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn views_of_player_a_are_never_sent_after_importing_player_b() {
    let mut broker = Broker::start();
    let (a, b) = (player_key(), player_key());
    let (me_a, me_b) = (broker.ca.player(&a), broker.ca.player(&b));
    let cfg_a = config(&broker, &a, &me_a, &broker.ca.pem);
    let cfg_b = config(&broker, &b, &me_b, &broker.ca.pem);
    let dir = tempfile::tempdir().unwrap();
    let queue_a = view_queue(dir.path(), &cfg_a);
    // Player A, offline, makes two views.
    broker.stop();
    let mut player = Player::start();
    player.send(ConnectionAction::SetViewFolder(dir.path().to_path_buf()));
    player.connect(cfg_a.clone());
    player.send(ConnectionAction::View(view(41, 0)));
    player.send(ConnectionAction::View(view(42, 1)));
    wait_for("A's views on disk", SOON, || {
        (queued(&queue_a) == vec![41, 42]).then_some(())
    });
    // Player B is imported, and the network comes back.
    player.connect(cfg_b);
    broker.restart();
    let server = TestServer::start(&broker);
    player.wait_state(ConnectionState::Connected, SOON);
    player.send(ConnectionAction::View(view(43, 2)));
    wait_answer(&server, 43, "success", SOON);
    // A's views are older: in one shared queue they would have gone first.
    let seen: Vec<(String, i64)> = server
        .views_seen()
        .iter()
        .map(|v| (v.player_key.clone(), v.post_id))
        .collect();
    assert_eq!(seen, vec![(b.clone(), 43)]);
    assert_eq!(queued(&queue_a), vec![41, 42], "A's views wait for A");

    // A again: its views go, as A.
    player.connect(cfg_a);
    wait_answer(&server, 41, "success", SOON);
    wait_answer(&server, 42, "success", SOON);
    assert!(
        server
            .views_seen()
            .iter()
            .filter(|v| v.post_id != 43)
            .all(|v| v.player_key == a)
    );
    wait_queue_empty(&queue_a);
    player.shutdown();
}
