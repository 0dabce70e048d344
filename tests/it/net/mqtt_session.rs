//! The MQTT session against a real mosquitto configured like Makapix's broker:
//! connect and announce, every failure the protocol table names, back-off,
//! broker restarts and the Last Will.

use crate::support::rig;

use std::time::{Duration, SystemTime};

use makapix_player::bridge::connection::{
    ConnectionAction, ConnectionEvent, ConnectionState, Direction, FailureKind,
};
use makapix_player::protocol::capabilities::PlayerState;
use rig::broker::Broker;
use rig::certs::{Ca, player_key};
use rig::player::{Player, config, config_at};
use rig::proxy::Proxy;
use rig::server::TestServer;
use serde_json::json;

const SOON: Duration = Duration::from_secs(10);

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn connects_subscribes_and_announces_itself_with_retained_capabilities_and_state() {
    let mut broker = Broker::start();
    let server = TestServer::start(&broker);
    let key = player_key();
    let me = broker.ca.player(&key);
    let mut player = Player::start();
    player.send(ConnectionAction::SetState(PlayerState {
        is_paused: Some(false),
        brightness: Some(40),
        rotation: Some(90),
        mirror: Some("none".into()),
    }));
    player.connect(config(&broker, &key, &me, &broker.ca.pem));
    player.wait_state(ConnectionState::Connected, SOON);
    assert_eq!(
        player.states()[..2],
        [ConnectionState::Connecting, ConnectionState::Connected]
    );

    let status = server.wait_published("/status", SOON, |r| r.json()["status"] == "online");
    assert_eq!(status.topic, format!("makapix/player/{key}/status"));
    assert_eq!(status.json()["player_key"], key.as_str());
    assert_eq!(status.json()["firmware_version"], makapix_player::VERSION);

    let caps = TestServer::retained(&broker, &format!("makapix/player/{key}/capabilities"))
        .expect("capabilities are retained");
    assert!(caps.retain);
    assert_eq!(
        caps.json()["features"]["brightness"],
        json!({"min": 0, "max": 100, "step": 1})
    );
    assert_eq!(caps.json()["features"]["pause"], json!({}));
    let state = TestServer::retained(&broker, &format!("makapix/player/{key}/state"))
        .expect("state is retained");
    assert_eq!(
        state.json(),
        json!({"is_paused": false, "brightness": 40, "rotation": 90, "mirror": "none"})
    );

    // Subscribed to `command`: a command reaches the player.
    let id = server.send_command(&key, "swap_next", json!({}));
    let got = player.wait("the command", SOON, |e| match e {
        ConnectionEvent::Command(c, _) => Some(c.command_id.clone()),
        _ => None,
    });
    assert_eq!(got, id);
    // A change of state is published as the changed field.
    player.send(ConnectionAction::SetState(PlayerState {
        is_paused: Some(false),
        brightness: Some(40),
        rotation: Some(180),
        mirror: Some("none".into()),
    }));
    let change = server.wait_published("/state", SOON, |r| r.json()["rotation"] == 180);
    assert_eq!(change.json(), json!({"rotation": 180}));
    // A graceful quit says offline before leaving.
    player.shutdown();
    let offline = server.wait_published("/status", SOON, |r| r.json()["status"] == "offline");
    assert_eq!(offline.json()["player_key"], key.as_str());
    broker.stop();
}

/// Runs a player that cannot get in, and checks that it ends Disconnected
/// with a sentence of `kind`, retrying with back-off, not in a loop.
fn refused(
    config: makapix_player::bridge::connection::SessionConfig,
    kind: FailureKind,
    words: &str,
) {
    let mut player = Player::start();
    player.connect(config);
    player.wait("a failure", SOON, |e| match e {
        ConnectionEvent::Info(i) if i.last_error.is_some() => Some(()),
        _ => None,
    });
    player.wait_state(ConnectionState::Disconnected, SOON);
    // Three attempts (a revoked certificate is taken as a removal after three).
    while player.attempts().len() < 3 {
        player.wait("another attempt", SOON, |e| attempt_at(e).map(|_| ()));
    }
    let failure = player.last_failure().expect("a failure");
    assert_eq!(failure.kind, kind, "{}", failure.message);
    assert!(failure.message.contains(words), "{}", failure.message);
    assert!(
        !player.states().contains(&ConnectionState::Connected),
        "{:?}",
        player.states()
    );
    // Each wait is drawn under a bound doubling from 300 ms (full jitter), said
    // before it starts, and waited out: the next attempt comes no sooner.
    let mut bound = Duration::from_millis(300);
    let pairs = waits_between_attempts(&player);
    assert!(pairs.len() >= 2, "{pairs:?}");
    for (wait, gap) in pairs {
        let wait = wait.expect("a wait said before each new attempt");
        assert!(
            wait <= bound,
            "a wait of {wait:?} passed its bound {bound:?}"
        );
        assert!(
            gap >= wait,
            "the next attempt came {gap:?} after, not {wait:?}"
        );
        bound = (bound * 2).min(Duration::from_secs(2));
    }
    player.shutdown();
}

/// When an attempt started, by the runtime's clock, if `e` says one did.
fn attempt_at(e: &ConnectionEvent) -> Option<SystemTime> {
    match e {
        ConnectionEvent::Logged(l)
            if l.direction == Direction::Note && l.summary.starts_with("connecting to") =>
        {
            Some(l.at)
        }
        _ => None,
    }
}

/// For each pair of attempts in a row: the wait the runtime said it would
/// take after the first (the first said, if any), and the time between them.
fn waits_between_attempts(player: &Player) -> Vec<(Option<Duration>, Duration)> {
    let mut pairs = Vec::new();
    let mut last: Option<(SystemTime, Option<Duration>)> = None;
    for (_, e) in &player.events {
        if let Some(at) = attempt_at(e) {
            if let Some((before, said)) = last {
                pairs.push((said, at.duration_since(before).unwrap_or_default()));
            }
            last = Some((at, None));
        } else if let (ConnectionEvent::Info(i), Some((_, said @ None))) = (e, &mut last) {
            *said = i.retry_in;
        }
    }
    pairs
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn a_broker_signed_by_another_ca_fails_the_handshake() {
    let mut broker = Broker::start();
    let key = player_key();
    let me = broker.ca.player(&key);
    let other_ca = Ca::new("Not Makapix");
    refused(
        config(&broker, &key, &me, &other_ca.pem),
        FailureKind::Handshake,
        "not signed by the Makapix CA",
    );
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn a_certificate_for_another_player_is_caught_before_connecting() {
    // mosquitto would accept it and confirm the subscriptions, then deliver
    // nothing: its ACL is checked per message against the CN.
    let mut broker = Broker::start();
    let key = player_key();
    let other = player_key();
    let someone_else = broker.ca.player(&other);
    let mut player = Player::start();
    player.connect(config(&broker, &key, &someone_else, &broker.ca.pem));
    player.wait_state(ConnectionState::Disconnected, SOON);
    player.idle(Duration::from_millis(1500));
    let failure = player.last_failure().expect("a failure");
    assert_eq!(failure.kind, FailureKind::WrongPlayer);
    // Both keys in their short form: a player key works as a password.
    assert!(
        failure.message.contains(&format!("{}…", &other[..8])),
        "{}",
        failure.message
    );
    assert!(
        !failure.message.contains(&other) && !failure.message.contains(&key),
        "{}",
        failure.message
    );
    assert!(failure.message.contains("Re-import"), "{}", failure.message);
    assert!(player.attempts().is_empty(), "retrying cannot help");
    assert_eq!(player.states().last(), Some(&ConnectionState::Disconnected));
    player.shutdown();
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn the_broker_gives_a_foreign_certificate_none_of_the_players_topics() {
    // The rig's ACL mirrors Makapix's: with use_identity_as_username a player
    // certificate reaches only the topics of the key in its CN.
    let mut broker = Broker::start();
    let server = TestServer::start(&broker);
    let key = player_key();
    let other = player_key();
    let mine = broker.ca.player(&key);
    let foreign = broker.ca.player(&other);
    let status = format!("makapix/player/{key}/status");
    assert!(rig::raw_player_publish(&broker, &other, &foreign, &status));
    assert!(rig::raw_player_publish(&broker, &key, &mine, &status));
    // mosquitto routes publishes in the order it acknowledged them, so the foreign one,
    // had it passed the ACL, would have reached the server before the owner's.
    server.wait_published("/status", SOON, |r| r.json()["player_key"] == key.as_str());
    let senders: Vec<String> = server
        .published()
        .iter()
        .filter(|r| r.topic.ends_with("/status"))
        .map(|r| r.json()["player_key"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        senders,
        vec![key.clone()],
        "only the owner's publish passes the ACL"
    );
    broker.stop();
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn a_revoked_certificate_is_refused_by_the_crl() {
    let mut broker = Broker::start();
    let key = player_key();
    let me = broker.ca.player(&key);
    broker.ca.revoke(&me);
    broker.write_crl();
    broker.restart();
    refused(
        config(&broker, &key, &me, &broker.ca.pem),
        FailureKind::Revoked,
        "revoked",
    );
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn an_expired_certificate_is_refused() {
    let mut broker = Broker::start();
    let key = player_key();
    let me = broker.ca.expired_player(&key);
    refused(
        config(&broker, &key, &me, &broker.ca.pem),
        FailureKind::NotAuthorized,
        "expired",
    );
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn nothing_listening_says_check_host_and_port() {
    let broker = Broker::start();
    let key = player_key();
    let mut ca = Ca::new("x");
    let me = ca.player(&key);
    refused(
        config_at(rig::free_port(), &key, &me, &broker.ca.pem),
        FailureKind::Refused,
        "host and port",
    );
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn after_a_broker_restart_the_player_reconnects_resubscribes_and_announces_itself() {
    let mut broker = Broker::start();
    let key = player_key();
    let me = broker.ca.player(&key);
    let mut player = Player::start();
    player.connect(config(&broker, &key, &me, &broker.ca.pem));
    player.wait_state(ConnectionState::Connected, SOON);

    broker.stop();
    player.wait_state(ConnectionState::Reconnecting, SOON);
    player.idle(Duration::from_secs(1));
    assert!(!player.states().ends_with(&[ConnectionState::Connected]));
    broker.restart();
    let server = TestServer::start(&broker);
    player.wait_state(ConnectionState::Connected, SOON);
    server.wait_published("/status", SOON, |r| r.json()["status"] == "online");
    assert!(TestServer::retained(&broker, &format!("makapix/player/{key}/capabilities")).is_some());
    let id = server.send_command(&key, "set_paused", json!({"paused": true}));
    let got = player.wait("a command after the restart", SOON, |e| match e {
        ConnectionEvent::Command(c, _) => Some(c.command_id.clone()),
        _ => None,
    });
    assert_eq!(got, id);
    player.shutdown();
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn a_cut_connection_publishes_the_last_will_and_the_player_comes_back() {
    let broker = Broker::start();
    let server = TestServer::start(&broker);
    let proxy = Proxy::start(broker.tls_port);
    let key = player_key();
    let mut ca_broker = broker;
    let me = ca_broker.ca.player(&key);
    let mut player = Player::start();
    player.connect(config_at(proxy.port, &key, &me, &ca_broker.ca.pem));
    player.wait_state(ConnectionState::Connected, SOON);
    server.wait_published("/status", SOON, |r| r.json()["status"] == "online");

    proxy.cut();
    let will = server.wait_published("/status", SOON, |r| r.json()["status"] == "offline");
    assert_eq!(will.json()["player_key"], key.as_str());
    player.wait_state(ConnectionState::Reconnecting, SOON);
    player.wait_state(ConnectionState::Connected, SOON);
    let onlines = server
        .published()
        .iter()
        .filter(|r| r.topic.ends_with("/status") && r.json()["status"] == "online")
        .count();
    assert!(onlines >= 1);
    player.shutdown();
    ca_broker.stop();
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn an_rsa_key_in_pkcs1_form_connects_and_heartbeats_carry_the_current_post() {
    let mut broker = Broker::start();
    let server = TestServer::start(&broker);
    let key = player_key();
    let me = broker.ca.rsa_player_pkcs1(&key);
    let mut player = Player::start();
    let mut cfg = config(&broker, &key, &me, &broker.ca.pem);
    cfg.tuning.heartbeat = Duration::from_millis(400);
    player.connect(cfg);
    player.wait_state(ConnectionState::Connected, SOON);
    player.send(ConnectionAction::SetCurrentPost(Some(4242)));
    server.wait_published("/status", SOON, |r| r.json()["current_post_id"] == 4242);
    let online = || {
        server
            .published()
            .iter()
            .filter(|r| r.topic.ends_with("/status") && r.json()["status"] == "online")
            .count()
    };
    // Heartbeats every 400 ms, waited for as they come: on a loaded machine
    // two can take longer than a fixed 1.3 s to cross the broker.
    rig::wait_for("two heartbeats", SOON, || (online() >= 4).then_some(()));
    let online = online();
    // The announcement, the post change and at least two heartbeats.
    assert!(online >= 4, "{online} online statuses");
    player.shutdown();
    broker.stop();
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn the_websocket_transport_uses_the_same_client_certificate() {
    let mut broker = Broker::start();
    let server = TestServer::start(&broker);
    let key = player_key();
    let me = broker.ca.player(&key);
    let mut cfg = config(&broker, &key, &me, &broker.ca.pem);
    cfg.broker = makapix_player::bridge::connection::Broker::WebSocket {
        url: format!("wss://127.0.0.1:{}/mqtt", broker.wss_port),
    };
    let mut player = Player::start();
    player.connect(cfg);
    player.wait_state(ConnectionState::Connected, SOON);
    let status = server.wait_published("/status", SOON, |r| r.json()["status"] == "online");
    assert_eq!(status.json()["player_key"], key.as_str());
    player.shutdown();
    broker.stop();
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn over_websocket_a_broker_signed_by_another_ca_fails_the_handshake_too() {
    let mut broker = Broker::start();
    let key = player_key();
    let me = broker.ca.player(&key);
    let other_ca = Ca::new("Not Makapix");
    let mut cfg = config(&broker, &key, &me, &other_ca.pem);
    cfg.broker = makapix_player::bridge::connection::Broker::WebSocket {
        url: format!("wss://127.0.0.1:{}/mqtt", broker.wss_port),
    };
    refused(cfg, FailureKind::Handshake, "not signed by the Makapix CA");
}
