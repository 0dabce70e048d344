//! Makapix Club refusing a player over HTTPS, as its server does (protocol
//! §13): a token refused even after one fresh `token/rotate`, `token/rotate`
//! answering 404 for a deleted player, and a banned owner's 401 "Account
//! banned" each end in the removed or banned state, with at most two token
//! rotations counted at the server; a ban that ends by itself is noticed at
//! the slow recheck pace; a bad body (400 `invalid_request`) is not sent again.

use crate::support::rig;

use std::time::Duration;

use makapix_player::bridge::connection::{
    ConnectionAction, ConnectionEvent, ConnectionState, FailureKind, RequestFailure, SessionConfig,
};
use makapix_player::bridge::transport::TransportChoice;
use makapix_player::protocol::request::{QueryPosts, RequestBody};
use makapix_player::protocol::response::{ErrorCode, Response};
use rig::api::MakapixApi;
use rig::certs::{Ca, player_key};
use rig::player::{Player, config_at, https_api};

const SOON: Duration = Duration::from_secs(10);

/// A player of the test API over HTTPS only, connected (its check made its first token).
fn connected() -> (MakapixApi, String, SessionConfig, Player) {
    let mut ca = Ca::new("Makapix Test CA");
    let api = MakapixApi::start(&ca.pem, 1);
    let key = player_key();
    let me = ca.player(&key);
    api.add_player(&key, me.clone());
    let mut config = config_at(rig::free_port(), &key, &me, &ca.pem);
    config.https = Some(https_api(&api, &key).0);
    let mut player = Player::start();
    player.send(ConnectionAction::SetTransport(TransportChoice::HttpsOnly));
    player.connect(config.clone());
    player.wait_state(ConnectionState::Connected, SOON);
    assert_eq!(api.count("token/rotate"), 1, "the first token");
    (api, key, config, player)
}

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

fn echo(data: &str) -> RequestBody {
    RequestBody::Echo {
        echo_data: data.into(),
    }
}

/// Waits for `state`, which may have come before the answer just waited for.
fn reached(player: &mut Player, state: ConnectionState) {
    if !player.states().contains(&state) {
        player.wait_state(state, SOON);
    }
}

/// After the refusal: more requests are answered at once, without the
/// network, and no token is made.
fn stays_refused(api: &MakapixApi, player: &mut Player, state: ConnectionState) {
    let sent = api.rpc_requests().len();
    for tag in 10..13 {
        let answer = request(player, tag, echo("again?"));
        let failure = answer.unwrap_err();
        assert!(failure.is(&ErrorCode::AuthenticationFailed), "{failure:?}");
    }
    player.idle(Duration::from_millis(500));
    assert_eq!(
        api.rpc_requests().len(),
        sent,
        "nothing more reaches the API"
    );
    assert!(
        api.count("token/rotate") <= 2,
        "{}",
        api.count("token/rotate")
    );
    assert_eq!(player.states().last(), Some(&state));
}

#[test]
fn a_token_refused_again_after_one_fresh_rotation_ends_in_removed() {
    let (api, key, _config, mut player) = connected();
    // The owner's account is gone: the player stays registered, so
    // `token/rotate` still makes tokens, but none is accepted.
    api.orphan_player(&key);
    let sentence = request(&mut player, 1, echo("still there?"))
        .unwrap_err()
        .sentence;
    assert!(sentence.contains("removed from its account"), "{sentence}");
    reached(&mut player, ConnectionState::Removed);
    assert_eq!(api.count("token/rotate"), 2, "one fresh token, not more");
    let failure = player.last_failure().expect("a sentence");
    assert_eq!(failure.kind, FailureKind::Revoked);
    assert!(
        failure.message.contains("Register this computer again"),
        "{}",
        failure.message
    );
    stays_refused(&api, &mut player, ConnectionState::Removed);
    player.shutdown();
}

#[test]
fn a_deleted_player_whose_token_rotate_answers_404_ends_in_removed() {
    let (api, key, _config, mut player) = connected();
    api.remove_player(&key);
    let answer = request(
        &mut player,
        1,
        RequestBody::GetPost {
            post_id: 7,
            include_fields: vec![],
        },
    );
    let failure = answer.unwrap_err();
    assert!(failure.is(&ErrorCode::AuthenticationFailed), "{failure:?}");
    assert!(
        failure.sentence.contains("removed from its account"),
        "{}",
        failure.sentence
    );
    reached(&mut player, ConnectionState::Removed);
    assert_eq!(
        api.count("token/rotate"),
        2,
        "the rotation that answered 404"
    );
    stays_refused(&api, &mut player, ConnectionState::Removed);
    // No slow recheck either: a deleted player waits for new credentials.
    let info = player.events.iter().rev().find_map(|(_, e)| match e {
        ConnectionEvent::Info(i) => Some(i.clone()),
        _ => None,
    });
    assert_eq!(info.and_then(|i| i.retry_in), None);
    player.shutdown();
}

#[test]
fn a_banned_owner_is_shown_banned_and_a_ban_that_ends_is_noticed_at_the_slow_pace() {
    let mut ca = Ca::new("Makapix Test CA");
    let api = MakapixApi::start(&ca.pem, 1);
    let key = player_key();
    let me = ca.player(&key);
    api.add_player(&key, me.clone());
    let mut config = config_at(rig::free_port(), &key, &me, &ca.pem);
    config.https = Some(https_api(&api, &key).0);
    // An hour in production.
    config.tuning.recheck_after = Duration::from_secs(1);
    let mut player = Player::start();
    player.send(ConnectionAction::SetTransport(TransportChoice::HttpsOnly));
    player.connect(config);
    player.wait_state(ConnectionState::Connected, SOON);

    let ban = Duration::from_secs(3);
    api.ban_owner(&key, Some(ban));
    let banned_at = std::time::Instant::now();
    let failure = request(&mut player, 1, echo("still there?")).unwrap_err();
    assert!(failure.is(&ErrorCode::AuthenticationFailed), "{failure:?}");
    reached(&mut player, ConnectionState::Banned);
    let said = player.last_failure().expect("a sentence");
    assert_eq!(said.kind, FailureKind::Banned);
    assert!(
        said.message.contains("banned") && said.message.contains("checks again every 1 s"),
        "{}",
        said.message
    );
    assert_eq!(
        api.count("token/rotate"),
        1,
        "a new token cannot lift a ban"
    );

    // The ban ends by itself: a recheck finds the player accepted again.
    player.wait_state(ConnectionState::Connected, ban + SOON);
    assert!(banned_at.elapsed() >= ban, "not before the ban ended");
    let echo_answer = request(&mut player, 2, echo("back"));
    assert!(
        matches!(echo_answer, Ok(Response::Echo(_))),
        "{echo_answer:?}"
    );
    let checks = api
        .rpc_requests()
        .iter()
        .filter(|b| b["request_type"] == "echo")
        .count();
    // The first check, the request, about one check a second while banned (3 s),
    // the one that found the ban over, and the last request: a busy loop would be hundreds.
    assert!(checks <= 10, "{checks} echoes: rechecks at the slow pace");
    assert!(api.count("token/rotate") <= 2);
    player.shutdown();
}

#[test]
fn a_bad_body_is_refused_once_and_not_sent_again() {
    let (api, _key, _config, mut player) = connected();
    // The server's request model allows 1 to 50 posts a page.
    let query = QueryPosts {
        limit: Some(200),
        ..QueryPosts::default()
    };
    let failure = request(&mut player, 1, RequestBody::QueryPosts(query)).unwrap_err();
    assert!(failure.is(&ErrorCode::InvalidRequest), "{failure:?}");
    player.idle(Duration::from_millis(500));
    let queries = api
        .rpc_requests()
        .iter()
        .filter(|b| b["request_type"] == "query_posts")
        .count();
    assert_eq!(queries, 1, "a 400 is not retried");
    assert_eq!(api.count("token/rotate"), 1);
    assert_eq!(player.states().last(), Some(&ConnectionState::Connected));
    player.shutdown();
}
