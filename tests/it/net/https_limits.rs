//! The player API's per-player limits as the server keeps them, seen from the
//! HTTPS client: `echo` has its own, 10 a minute, checked in its handler and
//! answered 429 `rate_limit_exceeded` (reads and reactions: `https_transport`).

use crate::support::rig;

use makapix_player::net::requests::RequestError;
use makapix_player::protocol::request::RequestBody;
use makapix_player::protocol::response::ErrorCode;
use rig::player::https_alone;
use rig::player_api::ECHOES_PER_WINDOW;

#[test]
fn the_eleventh_echo_in_a_minute_is_refused_rate_limit_exceeded() {
    let (api, client, rt) = https_alone();
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
