//! The HTTPS transport against the rig's player API (bearer check, the
//! server's statuses, the view limit) and a real broker: every request type
//! over HTTPS, a refused token rotated once, views and their outcomes, and
//! Automatic switching: at once when the broker's port is closed or swallows
//! packets, back to MQTT when the broker returns, and a request caught in the
//! switch answered exactly once.

use crate::support::rig;

use std::net::TcpListener;
use std::sync::atomic::Ordering;
use std::time::Duration;

use makapix_player::bridge::connection::{
    ConnectionAction, ConnectionEvent, ConnectionState, Direction, RequestFailure,
};
use makapix_player::bridge::transport::{TransportChoice, Via};
use makapix_player::net::https::HttpsClient;
use makapix_player::protocol::request::{QueryPosts, RequestBody};
use makapix_player::protocol::response::{ErrorCode, Response};
use makapix_player::protocol::view::ViewEvent;
use makapix_player::protocol::view::ViewOutcome;
use rig::api::MakapixApi;
use rig::broker::Broker;
use rig::certs::{Ca, player_key};
use rig::player::{Player, config_at, https_api, https_player_of};
use rig::proxy::Proxy;
use rig::server::TestServer;
use serde_json::Value;

const SOON: Duration = Duration::from_secs(10);
/// The echo that checks HTTPS before it is shown as the way.
const PROBE: &str = "makapix-player transport check";

fn request(player: &mut Player, tag: u64, body: RequestBody) -> Result<Response, RequestFailure> {
    player.send(ConnectionAction::Request {
        tag,
        body: Box::new(body),
    });
    player.wait(&format!("the answer to request {tag}"), SOON, |e| match e {
        ConnectionEvent::Answered { tag: t, result } if *t == tag => Some(result.clone()),
        _ => None,
    })
}

/// Waits until the runtime says requests go `via`, shown as `Connected`.
fn wait_via(player: &mut Player, via: Via, timeout: Duration) {
    player.wait(&format!("requests over {via:?}"), timeout, |e| match e {
        ConnectionEvent::Info(i)
            if i.via == via && (via == Via::Mqtt) == i.mqtt_state.is_none() =>
        {
            Some(())
        }
        _ => None,
    });
}

/// How many MQTT attempts had started when requests were first sent over
/// HTTPS: 1 when the player falls back at once, without a back-off round.
fn attempts_before_https(player: &Player) -> usize {
    let switched = player
        .events
        .iter()
        .position(|(_, e)| matches!(e, ConnectionEvent::Info(i) if i.via == Via::Https))
        .expect("requests went over HTTPS");
    let started = |e: &ConnectionEvent| {
        matches!(e, ConnectionEvent::Logged(l)
            if l.direction == Direction::Note && l.summary.starts_with("connecting to"))
    };
    player.events[..switched]
        .iter()
        .filter(|(_, e)| started(e))
        .count()
}

/// The player API's requests, without the echoes that check HTTPS is there.
fn requests_but_checks(api: &MakapixApi) -> Vec<Value> {
    let mut bodies = api.rpc_requests();
    bodies.retain(|b| b["echo_data"] != PROBE);
    bodies
}

fn echo(data: &str) -> RequestBody {
    RequestBody::Echo {
        echo_data: data.into(),
    }
}

#[test]
fn every_request_type_answers_over_https_with_a_token_made_on_first_use() {
    let mut ca = Ca::new("Makapix Test CA");
    let ca_pem = ca.pem.clone();
    let api = MakapixApi::start(&ca_pem, 1);
    let closed = rig::free_port();
    let (key, config) = https_player_of(&api, &mut ca, &ca_pem, closed);
    let mut player = Player::start();
    player.send(ConnectionAction::SetTransport(TransportChoice::HttpsOnly));
    player.connect(config);
    player.wait_state(ConnectionState::Connected, SOON);
    assert!(
        player.attempts().is_empty(),
        "HTTPS only holds no MQTT session"
    );

    let posts = request(
        &mut player,
        1,
        RequestBody::QueryPosts(QueryPosts::default()),
    );
    assert!(matches!(posts, Ok(Response::Posts(p)) if p.posts.len() == 3));
    let post = request(
        &mut player,
        2,
        RequestBody::GetPost {
            post_id: 7,
            include_fields: vec![],
        },
    );
    assert!(matches!(&post, Ok(Response::Post(_))), "{post:?}");
    for (tag, body) in [
        (
            3,
            RequestBody::SubmitReaction {
                post_id: 7,
                emoji: "❤️".into(),
            },
        ),
        (
            4,
            RequestBody::RevokeReaction {
                post_id: 7,
                emoji: "❤️".into(),
            },
        ),
    ] {
        assert_eq!(request(&mut player, tag, body), Ok(Response::Done));
    }
    let comments = request(
        &mut player,
        5,
        RequestBody::GetComments {
            post_id: 9,
            cursor: None,
            limit: None,
        },
    );
    assert!(matches!(comments, Ok(Response::Comments(c)) if c.comments.len() == 3 && c.has_more));
    let playset = request(
        &mut player,
        6,
        RequestBody::GetPlayset {
            playset_name: "followed_artists".into(),
        },
    );
    assert!(matches!(playset, Ok(Response::Playset(p)) if p.channels.len() == 1));
    let echoed = request(&mut player, 7, echo("over https"));
    assert!(matches!(echoed, Ok(Response::Echo(e)) if e.echo_data == "over https"));

    // Errors by error_code and HTTP status, as over MQTT.
    let missing = request(
        &mut player,
        8,
        RequestBody::GetPost {
            post_id: 404,
            include_fields: vec![],
        },
    );
    assert!(
        missing.as_ref().is_err_and(|f| f.is(&ErrorCode::NotFound)),
        "{missing:?}"
    );
    let no_set = request(
        &mut player,
        9,
        RequestBody::GetPlayset {
            playset_name: "nope".into(),
        },
    );
    assert!(
        no_set
            .as_ref()
            .is_err_and(|f| f.is(&ErrorCode::PlaysetNotFound)),
        "{no_set:?}"
    );

    let bodies = requests_but_checks(&api);
    assert_eq!(bodies.len(), 9);
    let types: Vec<&str> = bodies
        .iter()
        .filter_map(|b| b["request_type"].as_str())
        .collect();
    assert_eq!(
        types,
        [
            "query_posts",
            "get_post",
            "submit_reaction",
            "revoke_reaction",
            "get_comments",
            "get_playset",
            "echo",
            "get_post",
            "get_playset"
        ]
    );
    assert!(
        bodies.iter().all(|b| b.get("player_key").is_none()),
        "identity comes from the token"
    );
    assert_eq!(
        api.count("token/rotate"),
        1,
        "one token, made when the first request needed it"
    );
    assert!(api.token(&key).is_some());

    // "Test connection" is an echo over the transport in use.
    player.send(ConnectionAction::TestConnection);
    let rtt = player.wait("the connection test", SOON, |e| match e {
        ConnectionEvent::TestResult(r) => Some(r.clone()),
        _ => None,
    });
    assert!(rtt.is_ok(), "{rtt:?}");
    assert_eq!(requests_but_checks(&api).len(), 10);
    player.shutdown();
}

#[test]
fn a_refused_token_is_rotated_once_and_the_requests_retried() {
    let mut ca = Ca::new("Makapix Test CA");
    let ca_pem = ca.pem.clone();
    let api = MakapixApi::start(&ca_pem, 1);
    let key = player_key();
    api.add_player(&key, ca.player(&key));
    let (https, tokens) = https_api(&api, &key);
    let client = HttpsClient::new(&https, &rig::player::fast_tuning());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        assert!(client.send(echo("first")).await.is_ok());
        assert_eq!(
            tokens.rotations.load(Ordering::SeqCst),
            1,
            "the missing token is made"
        );
        // The owner made a new token on the web: ours is now refused (401).
        api.rotate_on_the_web(&key);
        let answers = futures_join(&client, ["a", "b", "c"]).await;
        assert!(answers.iter().all(Result::is_ok), "{answers:?}");
    });
    assert_eq!(
        tokens.rotations.load(Ordering::SeqCst),
        2,
        "three refused requests rotate the token once"
    );
    let refused = api
        .http
        .requests
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.path.ends_with("/player/rpc"))
        .count();
    assert!(
        (5..=7).contains(&refused),
        "each refused request is sent once more: {refused}"
    );

    // The player was removed: rotating fails, and the request says so.
    api.remove_player(&key);
    let gone = rt.block_on(client.send(echo("gone")));
    let sentence = gone.unwrap_err().to_string();
    assert!(sentence.contains("removed from its account"), "{sentence}");
}

async fn futures_join<const N: usize>(
    client: &HttpsClient,
    data: [&str; N],
) -> Vec<Result<Response, makapix_player::net::requests::RequestError>> {
    let tasks: Vec<_> = data
        .iter()
        .map(|d| {
            let client = client.clone();
            let body = echo(d);
            tokio::spawn(async move { client.send(body).await })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.expect("task"));
    }
    out
}

fn view(post_id: i64, timestamp: &str) -> ViewEvent {
    ViewEvent {
        post_id,
        timestamp: timestamp.into(),
        timezone: String::new(),
        intent: "channel".into(),
        play_order: 0,
        channel: "all".into(),
        player_key: "sent-by-the-token-instead".into(),
        channel_user_sqid: None,
        channel_hashtag: None,
    }
}

#[test]
fn views_over_https_are_accepted_deduplicated_and_limited() {
    let mut ca = Ca::new("Makapix Test CA");
    let ca_pem = ca.pem.clone();
    let api = MakapixApi::start(&ca_pem, 1);
    let key = player_key();
    api.add_player(&key, ca.player(&key));
    let client = HttpsClient::new(&https_api(&api, &key).0, &rig::player::fast_tuning());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let first = view(1, "2026-08-20T12:00:00Z");
    assert_eq!(
        rt.block_on(client.send_view(&first)),
        Ok(ViewOutcome::Accepted)
    );
    assert_eq!(
        rt.block_on(client.send_view(&first)),
        Ok(ViewOutcome::Duplicate)
    );
    let too_soon = rt.block_on(client.send_view(&view(2, "2026-08-20T12:00:01Z")));
    assert!(
        matches!(too_soon, Ok(ViewOutcome::RateLimited { retry_after: Some(d) }) if d >= Duration::from_secs(1) && d <= Duration::from_secs(6)),
        "{too_soon:?}"
    );
    // The server keeps the duplicate key of a view it refused for its rate
    // (60 s): sent again sooner, it is a duplicate, and lost.
    assert_eq!(
        rt.block_on(client.send_view(&view(2, "2026-08-20T12:00:01Z"))),
        Ok(ViewOutcome::Duplicate)
    );
    let received: Vec<Value> = api.views().into_iter().map(|(v, _)| v).collect();
    assert!(
        received.iter().all(|v| v.get("player_key").is_none()),
        "{received:?}"
    );
    assert_eq!(received[0]["intent"], "channel");
    assert_eq!(
        api.views().iter().map(|(_, s)| *s).collect::<Vec<_>>(),
        [202, 200, 429, 200]
    );
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn with_the_broker_port_closed_requests_go_over_https_at_once_and_return_to_mqtt_when_it_is_back() {
    let mut broker = Broker::start();
    let ca_pem = broker.ca.pem.clone();
    let api = MakapixApi::start(&ca_pem, broker.tls_port);
    let (_key, config) = https_player_of(&api, &mut broker.ca, &ca_pem, broker.tls_port);
    broker.stop();
    let mut player = Player::start();
    player.connect(config);
    wait_via(&mut player, Via::Https, SOON);
    assert_eq!(attempts_before_https(&player), 1, "the first refusal");
    // Shown connected once an echo came back over HTTPS.
    player.wait_state(ConnectionState::Connected, SOON);
    let answer = request(&mut player, 1, echo("while blocked"));
    assert!(matches!(&answer, Ok(Response::Echo(_))), "{answer:?}");
    let over_https = || {
        let bodies = api.rpc_requests();
        bodies.iter().filter(|b| b["echo_data"] != PROBE).count()
    };
    assert_eq!(over_https(), 1);

    // The broker is back: MQTT reconnects after its back-off, and requests go there.
    broker.restart();
    let server = TestServer::start(&broker);
    wait_via(&mut player, Via::Mqtt, SOON);
    assert_eq!(player.states().last(), Some(&ConnectionState::Connected));
    let answer = request(&mut player, 2, echo("back on mqtt"));
    assert!(matches!(&answer, Ok(Response::Echo(e)) if e.echo_data == "back on mqtt"));
    assert_eq!(over_https(), 1, "nothing more over HTTPS");
    assert!(
        server
            .published()
            .iter()
            .any(|r| r.topic.contains("/request/") && r.json()["echo_data"] == "back on mqtt")
    );
    player.shutdown();
    broker.stop();
}

#[test]
fn with_a_port_that_swallows_packets_it_falls_back_within_the_connect_timeout() {
    let mut ca = Ca::new("Makapix Test CA");
    let ca_pem = ca.pem.clone();
    let api = MakapixApi::start(&ca_pem, 1);
    // Accepts TCP (the kernel does) and never answers: like a firewall that drops.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let (_key, config) = https_player_of(&api, &mut ca, &ca_pem, port);
    let mut player = Player::start();
    player.connect(config);
    wait_via(&mut player, Via::Https, SOON);
    // The first attempt's own connect timeout, not a back-off round after it.
    assert_eq!(attempts_before_https(&player), 1, "the first timeout");
    let answer = request(&mut player, 1, echo("through the firewall"));
    assert!(matches!(&answer, Ok(Response::Echo(_))), "{answer:?}");
    player.shutdown();
    drop(silent);
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn a_request_in_flight_when_mqtt_is_lost_is_answered_exactly_once() {
    let mut broker = Broker::start();
    let server = TestServer::start(&broker);
    // Over MQTT this echo is never answered: it is still in flight when the session drops.
    server.set_responder(|req| {
        (req["echo_data"] != "in flight")
            .then(|| rig::server::catalogue(req))
            .flatten()
    });
    let proxy = Proxy::start(broker.tls_port);
    let api = MakapixApi::start(&broker.ca.pem, broker.tls_port);
    let key = player_key();
    let me = broker.ca.player(&key);
    api.add_player(&key, me.clone());
    let mut config = config_at(proxy.port, &key, &me, &broker.ca.pem);
    config.https = Some(https_api(&api, &key).0);
    let mut player = Player::start();
    player.connect(config);
    player.wait_state(ConnectionState::Connected, SOON);

    player.send(ConnectionAction::Request {
        tag: 42,
        body: Box::new(echo("in flight")),
    });
    server.wait_published("", SOON, |r| r.json()["echo_data"] == "in flight");
    proxy.cut();
    let answer = player.wait("the answer to request 42", SOON, |e| match e {
        ConnectionEvent::Answered { tag: 42, result } => Some(result.clone()),
        _ => None,
    });
    assert!(
        matches!(&answer, Ok(Response::Echo(e)) if e.echo_data == "in flight"),
        "{answer:?}"
    );
    // Long enough for a late MQTT answer or a second try to show up.
    player.idle(Duration::from_secs(2));
    let answers = player
        .events
        .iter()
        .filter(|(_, e)| matches!(e, ConnectionEvent::Answered { tag: 42, .. }))
        .count();
    assert_eq!(answers, 1);
    let over_https: Vec<Value> = api
        .rpc_requests()
        .into_iter()
        .filter(|b| b["echo_data"] == "in flight")
        .collect();
    assert_eq!(over_https.len(), 1, "sent once more, over HTTPS");
    player.shutdown();
}

#[test]
fn offline_both_ways_it_is_never_shown_connected_and_requests_say_why() {
    let mut ca = Ca::new("Makapix Test CA");
    let ca_pem = ca.pem.clone();
    let api = MakapixApi::start(&ca_pem, 1);
    let (_key, mut config) = https_player_of(&api, &mut ca, &ca_pem, rig::free_port());
    if let Some(https) = config.https.as_mut() {
        https.base_url = format!("http://127.0.0.1:{}/api", rig::free_port());
    }
    let mut player = Player::start();
    player.connect(config);
    wait_via(&mut player, Via::Https, SOON);
    let answer = request(&mut player, 1, echo("anyone?"));
    let sentence = answer.unwrap_err().sentence;
    assert!(
        sentence.contains("Could not reach Makapix Club over HTTPS"),
        "{sentence}"
    );
    player.idle(Duration::from_millis(500));
    assert!(
        !player.states().contains(&ConnectionState::Connected),
        "{:?}",
        player.states()
    );
    // The tooltip and Diagnostics say why HTTPS is not used either.
    let why = player.last_info_error().unwrap_or_default();
    assert!(
        why.contains("Could not reach Makapix Club over HTTPS"),
        "{why}"
    );
    player.shutdown();
}

#[test]
fn https_only_is_connected_only_once_the_api_answered_and_says_why_not_until_then() {
    let mut ca = Ca::new("Makapix Test CA");
    let ca_pem = ca.pem.clone();
    let api = MakapixApi::start(&ca_pem, 1);
    let (key, config) = https_player_of(&api, &mut ca, &ca_pem, rig::free_port());
    let mut unreachable = config.clone();
    if let Some(https) = unreachable.https.as_mut() {
        https.base_url = format!("http://127.0.0.1:{}/api", rig::free_port());
    }
    let mut player = Player::start();
    player.send(ConnectionAction::SetTransport(TransportChoice::HttpsOnly));
    player.connect(unreachable);
    let failed_check = |e: &ConnectionEvent| match e {
        ConnectionEvent::Info(i) if i.https_error.is_some() => Some(i.clone()),
        _ => None,
    };
    let first = player.wait("a failed check of HTTPS", SOON, failed_check);
    let sentence = first.https_error.unwrap_or_default();
    assert!(
        sentence.contains("Could not reach Makapix Club over HTTPS"),
        "{sentence}"
    );
    assert!(first.retry_in.is_some(), "the next check is announced");
    assert_eq!(player.states().last(), Some(&ConnectionState::Disconnected));
    // Checked again after its back-off (300 ms, doubling up to 2 s here).
    player.wait("a second check of HTTPS", SOON, failed_check);
    assert!(
        !player.states().contains(&ConnectionState::Connected),
        "{:?}",
        player.states()
    );

    // The API answers: connected once its echo came back.
    player.connect(config);
    player.wait_state(ConnectionState::Connected, SOON);
    assert!(api.rpc_requests().iter().any(|b| b["echo_data"] == PROBE));
    assert_eq!(player.last_info_error(), None);
    // Views go over HTTPS too when it is the only way.
    player.send(ConnectionAction::View(view(3, "2026-08-20T12:00:00Z")));
    rig::wait_for("the view at the API", SOON, || {
        api.views()
            .first()
            .map(|(v, status)| (v["post_id"].clone(), *status))
    });
    assert_eq!(api.views()[0].1, 202);

    // The owner removes the player: its token is refused and cannot be renewed
    // (`token/rotate` answers 404), which says the player was removed.
    api.remove_player(&key);
    let answer = request(&mut player, 1, echo("still there?"));
    let sentence = answer.unwrap_err().sentence;
    assert!(sentence.contains("removed from its account"), "{sentence}");
    // The state may come before the answer.
    if !player.states().contains(&ConnectionState::Removed) {
        player.wait_state(ConnectionState::Removed, SOON);
    }
    let failure = player.last_failure().expect("a sentence");
    assert!(
        failure.message.contains("removed from its account"),
        "{}",
        failure.message
    );
    player.shutdown();
}

#[test]
fn no_view_goes_over_https_while_its_check_fails() {
    let mut ca = Ca::new("Makapix Test CA");
    let ca_pem = ca.pem.clone();
    let api = MakapixApi::start(&ca_pem, 1);
    // The API is up, but its check (an echo) fails: 500 internal_error.
    api.set_responder(|req| {
        (req["request_type"] != "echo")
            .then(|| rig::server::catalogue(req))
            .flatten()
    });
    let (_key, config) = https_player_of(&api, &mut ca, &ca_pem, rig::free_port());
    let mut player = Player::start();
    player.send(ConnectionAction::SetTransport(TransportChoice::HttpsOnly));
    player.connect(config);
    player.send(ConnectionAction::View(view(3, "2026-08-20T12:00:00Z")));
    let failed_check = |e: &ConnectionEvent| match e {
        ConnectionEvent::Info(i) if i.https_error.is_some() => Some(()),
        _ => None,
    };
    player.wait("a failed check of HTTPS", SOON, failed_check);
    player.wait("a second failed check", SOON, failed_check);
    assert!(api.views().is_empty(), "{:?}", api.views());

    // The check answers: the view waiting goes.
    api.set_responder(rig::server::catalogue);
    player.wait_state(ConnectionState::Connected, SOON);
    rig::wait_for("the view at the API", SOON, || api.views().first().cloned());
    assert_eq!(api.views()[0].0["post_id"], 3);
    player.shutdown();
}
