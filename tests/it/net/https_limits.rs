//! The player API's per-player limits as the server keeps them, seen from the
//! HTTPS client: `echo` has its own, 10 a minute, checked in its handler and
//! answered 429 `rate_limit_exceeded` (reads and reactions: `https_transport`).

use crate::support::rig;

use makapix_player::net::https::HttpsClient;
use makapix_player::net::requests::RequestError;
use makapix_player::protocol::request::RequestBody;
use makapix_player::protocol::response::ErrorCode;
use rig::api::MakapixApi;
use rig::certs::{Ca, player_key};
use rig::player::{fast_tuning, https_api};
use rig::player_api::ECHOES_PER_WINDOW;

#[test]
fn the_eleventh_echo_in_a_minute_is_refused_rate_limit_exceeded() {
    let mut ca = Ca::new("Makapix Test CA");
    let api = MakapixApi::start(&ca.pem.clone(), 1);
    let key = player_key();
    api.add_player(&key, ca.player(&key));
    let client = HttpsClient::new(&https_api(&api, &key).0, &fast_tuning());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let echo = |n: u32| RequestBody::Echo {
        echo_data: format!("echo {n}"),
    };
    for n in 0..ECHOES_PER_WINDOW {
        let answer = rt.block_on(client.send(echo(n)));
        assert!(answer.is_ok(), "echo {n}: {answer:?}");
    }
    let refused = rt.block_on(client.send(echo(ECHOES_PER_WINDOW)));
    assert!(
        matches!(
            &refused,
            Err(RequestError::Server {
                code: Some(ErrorCode::RateLimitExceeded),
                ..
            })
        ),
        "{refused:?}"
    );
    // Echoes count apart: a read still goes.
    let read = rt.block_on(client.send(RequestBody::GetPost {
        post_id: 7,
        include_fields: vec![],
    }));
    assert!(read.is_ok(), "{read:?}");
    assert_eq!(api.rate_limited(), 0);
}
