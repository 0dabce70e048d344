//! The HTTPS transport's bearer token when it cannot be had: Makapix Club
//! allows 30 `token/rotate` calls an hour per address, counting failed ones,
//! and locks the address out for an hour after the last. A player whose
//! rotation fails (the server's database down) must not ask again with every
//! request, or it is locked out long after the server is back.

use crate::support::rig;

use std::time::{Duration, Instant};

use makapix_player::bridge::connection::Tuning;
use makapix_player::net::https::HttpsClient;
use makapix_player::net::requests::RequestError;
use makapix_player::protocol::request::RequestBody;
use rig::api::MakapixApi;
use rig::certs::{Ca, player_key};
use rig::player::https_api;

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

#[test]
fn a_token_that_could_not_be_had_is_not_asked_for_with_every_request() {
    let mut ca = Ca::new("Makapix Test CA");
    let api = MakapixApi::start(&ca.pem.clone(), 1);
    let key = player_key();
    api.add_player(&key, ca.player(&key));
    api.fail_next_rotations(u32::MAX);
    let (https, _tokens) = https_api(&api, &key);
    let client = HttpsClient::new(&https, &tuning());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
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
