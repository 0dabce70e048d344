//! The HTTPS transport's bearer token when it cannot be had: Makapix Club
//! allows 30 `token/rotate` calls an hour per address, counting failed ones,
//! and locks the address out for an hour after the last. A player whose
//! rotation fails (the server's database down) must not ask again with every
//! request, or it is locked out long after the server is back. Failed bearer
//! checks are counted per address too (60 an hour, then 429): a stale token
//! answered so is replaced as if answered 401.

use crate::support::rig;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use makapix_player::bridge::connection::{
    ConnectionAction, ConnectionEvent, ConnectionState, Tuning,
};
use makapix_player::bridge::transport::{HttpsApi, TokenError, TokenSource, TransportChoice};
use makapix_player::net::https::HttpsClient;
use makapix_player::net::requests::RequestError;
use makapix_player::protocol::http::Secret;
use makapix_player::protocol::request::RequestBody;
use rig::api::{FAILED_AUTHS_PER_HOUR, MakapixApi};
use rig::certs::{Ca, player_key};
use rig::player::{Player, https_api, https_player_of};

const SOON: Duration = Duration::from_secs(10);

/// The first wait after a failed rotation, shortened from production's.
const TOKEN_WAIT: Duration = Duration::from_millis(800);

fn echo(data: &str) -> RequestBody {
    RequestBody::Echo {
        echo_data: data.into(),
    }
}

fn tuning() -> Tuning {
    Tuning {
        token_wait: TOKEN_WAIT,
        ..rig::player::fast_tuning()
    }
}

/// The rig's API with one registered player (its key), and a runtime to call it from.
fn api_with_a_player() -> (MakapixApi, String, tokio::runtime::Runtime) {
    let mut ca = Ca::new("Makapix Test CA");
    let api = MakapixApi::start(&ca.pem.clone(), 1);
    let key = player_key();
    api.add_player(&key, ca.player(&key));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    (api, key, rt)
}

#[test]
fn a_token_that_could_not_be_had_is_not_asked_for_with_every_request() {
    let (api, key, rt) = api_with_a_player();
    api.fail_next_rotations(u32::MAX);
    let (https, _tokens) = https_api(&api, &key);
    let client = HttpsClient::new(&https, &tuning());
    rt.block_on(async {
        let failed_at = Instant::now();
        let first = client.send(echo("first")).await;
        assert!(
            matches!(&first, Err(RequestError::Https(why)) if why.contains("503")),
            "{first:?}"
        );
        let mut later = Vec::new();
        for n in 0..5 {
            later.push(client.send(echo(&format!("later {n}"))).await);
        }
        assert_eq!(
            api.count("token/rotate"),
            1,
            "requests right after a failed rotation do not rotate again"
        );
        for answer in &later {
            assert!(
                matches!(answer, Err(RequestError::Https(why)) if why.contains("tries again to get a token in")),
                "{answer:?}"
            );
        }
        // The server is back: the next request after the wait gets a token.
        api.fail_next_rotations(0);
        let answered = loop {
            if client.send(echo("again")).await.is_ok() {
                break failed_at.elapsed();
            }
            assert!(failed_at.elapsed() < Duration::from_secs(10), "no token");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert!(
            answered >= TOKEN_WAIT / 2,
            "asked again {answered:?} after the failure"
        );
    });
    assert_eq!(
        api.count("token/rotate"),
        2,
        "one failed rotation, one after the wait"
    );
}

/// A token source that is offline for its first `offline` calls, then gives `token`.
struct OfflineAtFirst {
    offline: usize,
    calls: AtomicUsize,
    token: String,
}

impl TokenSource for OfflineAtFirst {
    fn token(&self) -> Result<Secret, TokenError> {
        if self.calls.fetch_add(1, Ordering::SeqCst) < self.offline {
            return Err(TokenError::Unreachable("offline".into()));
        }
        Ok(Secret::new(self.token.clone()))
    }

    fn rotate(&self, _refused: &Secret) -> Result<Secret, TokenError> {
        Err(TokenError::Failed("no rotation in this test".into()))
    }
}

/// Nothing reached the server, so nothing counted: the network back, the
/// next request gets its token at once.
#[test]
fn a_token_the_network_kept_away_is_asked_for_again_with_the_next_request() {
    let (api, key, rt) = api_with_a_player();
    let token = crate::support::minted_token();
    api.accept_token(&key, &token);
    let tokens = Arc::new(OfflineAtFirst {
        offline: 2,
        calls: AtomicUsize::new(0),
        token,
    });
    let https = HttpsApi {
        base_url: api.base.clone(),
        tokens: Arc::clone(&tokens) as Arc<dyn TokenSource>,
    };
    // A wait long enough that a held request could never pass.
    let tuning = Tuning {
        token_wait: Duration::from_secs(600),
        ..tuning()
    };
    let client = HttpsClient::new(&https, &tuning);
    let answers: Vec<_> = rt.block_on(async {
        let mut out = Vec::new();
        for n in 0..3 {
            out.push(client.send(echo(&format!("try {n}"))).await);
        }
        out
    });
    assert!(
        matches!(&answers[..2], [Err(RequestError::Https(a)), Err(RequestError::Https(b))] if a == "offline" && b == "offline"),
        "{answers:?}"
    );
    assert!(answers[2].is_ok(), "{:?}", answers[2]);
    assert_eq!(tokens.calls.load(Ordering::SeqCst), 3);
}

/// HTTPS only, and the token cannot be had: the check is answered by the
/// wait, so the next one is announced for when the wait ends (not after the
/// check's own short back-off, which would only be answered the same), and
/// once the server is back the player connects by itself.
#[test]
fn while_no_token_is_asked_for_the_next_check_is_when_the_wait_ends() {
    let mut ca = Ca::new("Makapix Test CA");
    let ca_pem = ca.pem.clone();
    let api = MakapixApi::start(&ca_pem, 1);
    let (_key, mut config) = https_player_of(&api, &mut ca, &ca_pem, rig::free_port());
    api.fail_next_rotations(u32::MAX);
    // The first wait is 2–4 s; the check's own back-off starts at 300 ms.
    config.tuning.token_wait = Duration::from_secs(4);
    let mut player = Player::start();
    player.send(ConnectionAction::SetTransport(TransportChoice::HttpsOnly));
    player.connect(config);
    let first = player.wait("a failed check of HTTPS", SOON, |e| match e {
        ConnectionEvent::Info(i) if i.https_error.is_some() => Some(i.clone()),
        _ => None,
    });
    let failed_at = Instant::now();
    let why = first.https_error.unwrap_or_default();
    assert!(why.contains("tries again to get a token in"), "{why}");
    let announced = first.retry_in.expect("the next check is announced");
    assert!(
        announced >= Duration::from_millis(1500),
        "next check announced in {announced:?}, within the token's wait"
    );
    api.fail_next_rotations(0);
    player.wait_state(ConnectionState::Connected, SOON);
    assert!(
        failed_at.elapsed() >= Duration::from_millis(1500),
        "connected {:?} after the failure",
        failed_at.elapsed()
    );
    assert_eq!(
        api.count("token/rotate"),
        2,
        "one failed rotation, one after the wait"
    );
    player.shutdown();
}

/// Past 60 failed bearer checks from its address, the server answers a stale
/// token 429 "Too many failed authentication attempts", not 401: it is still
/// the token that was refused, not a read limit to wait out.
#[test]
fn a_stale_token_answered_429_for_failed_logins_is_rotated_once() {
    let (api, key, rt) = api_with_a_player();
    let (https, tokens) = https_api(&api, &key);
    // Short read-limit gates: a 429 taken for the read limit fails fast.
    let tuning = Tuning {
        rate_window: Duration::from_millis(500),
        ..tuning()
    };
    let client = HttpsClient::new(&https, &tuning);
    let read = || RequestBody::GetPost {
        post_id: 7,
        include_fields: vec![],
    };
    assert!(rt.block_on(client.send(read())).is_ok());
    assert_eq!(
        tokens.rotations.load(Ordering::SeqCst),
        1,
        "the first token"
    );
    api.failed_authentications(FAILED_AUTHS_PER_HOUR);
    api.rotate_on_the_web(&key);
    let answer = rt.block_on(client.send(read()));
    assert!(answer.is_ok(), "{answer:?}");
    assert_eq!(
        tokens.rotations.load(Ordering::SeqCst),
        2,
        "one new token for the refused one"
    );
    assert_eq!(api.count("token/rotate"), 2);
}
