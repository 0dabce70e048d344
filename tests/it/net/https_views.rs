//! Views over the HTTPS player API when the way there fails: a view answered
//! 5xx by a proxy (the view endpoint never answers one itself) is kept and
//! sent again, never counted against the view, however long the outage lasts;
//! a view that cannot reach the API takes HTTPS out of "Connected", as a
//! failed request does. And the view endpoint's checks in the server's order.

use crate::support::rig;

use std::time::{Duration, Instant};

use makapix_player::bridge::connection::{ConnectionAction, ConnectionEvent, ConnectionState};
use makapix_player::bridge::transport::TransportChoice;
use makapix_player::net::views::delivery::Pace;
use makapix_player::protocol::view::{ViewEvent, ViewOutcome};
use rig::api::MakapixApi;
use rig::certs::Ca;
use rig::player::{Player, VIEW_SCALE, https_alone, https_player_of};
use serde_json::json;

const SOON: Duration = Duration::from_secs(10);

fn view(post_id: i64) -> ViewEvent {
    view_at(post_id, 0)
}

fn view_at(post_id: i64, second: u32) -> ViewEvent {
    serde_json::from_value(json!({"post_id": post_id,
        "timestamp": format!("2026-08-20T12:00:{second:02}Z"),
        "timezone": "", "intent": "channel", "play_order": 0, "channel": "all"}))
    .unwrap()
}

/// A player over HTTPS only, shown connected, and the rig's API it talks to.
fn connected() -> (MakapixApi, Player) {
    let mut ca = Ca::new("Makapix Test CA");
    let ca_pem = ca.pem.clone();
    let api = MakapixApi::start(&ca_pem, 1);
    let (_key, config) = https_player_of(&api, &mut ca, &ca_pem, rig::free_port());
    let mut player = Player::start();
    player.send(ConnectionAction::SetTransport(TransportChoice::HttpsOnly));
    player.connect(config);
    player.wait_state(ConnectionState::Connected, SOON);
    (api, player)
}

#[test]
fn a_view_answered_502_for_longer_than_three_resend_periods_is_delivered_after() {
    let (api, mut player) = connected();
    // Each 502 has HTTPS checked again with an echo; the server allows 10 a
    // window, and the test's checks come faster than production's.
    api.set_limit_window(Duration::from_secs(1));
    let resend_after = Pace::scaled(VIEW_SCALE).resend_after;
    // More 502s than a view may fail, spread over more than three resend
    // periods by the waits, which double after each (2, 4, 8, 16 s here).
    let outage = 4;
    api.fail_next_views(outage);
    let started = Instant::now();
    player.send(ConnectionAction::View(view(3)));
    let accepted = |api: &MakapixApi| {
        api.views()
            .iter()
            .any(|(v, status)| v["post_id"] == 3 && *status == 202)
    };
    rig::wait_for(
        "the view accepted after the outage",
        Duration::from_secs(90),
        || accepted(&api).then_some(()),
    );
    let took = started.elapsed();
    assert!(took > resend_after * 3, "the outage lasted only {took:?}");
    assert_eq!(api.count("events/view"), outage as usize + 1);
    assert_eq!(api.views().len(), 1, "{:?}", api.views());
    player.idle(Duration::from_millis(300));
    assert!(
        !player.log_lines().iter().any(|l| l.contains("dropped")),
        "{:?}",
        player.log_lines()
    );
    player.shutdown();
}

#[test]
fn a_view_that_cannot_reach_the_api_takes_https_out_of_connected() {
    let (api, mut player) = connected();
    api.http.stop();
    player.send(ConnectionAction::View(view(3)));
    let why = player.wait("HTTPS said failing", Duration::from_secs(30), |e| match e {
        ConnectionEvent::Info(i) => i.https_error.clone(),
        _ => None,
    });
    assert!(
        why.contains("Could not reach Makapix Club over HTTPS"),
        "{why}"
    );
    // The state is sent just before the facts that name the error.
    assert_eq!(player.states().last(), Some(&ConnectionState::Disconnected));
    assert!(api.views().is_empty(), "{:?}", api.views());
    player.shutdown();
}

/// The server checks a view for a duplicate, then for its rate (setting the
/// 5 s key), and only then looks its post up.
#[test]
fn the_view_endpoint_checks_duplicates_then_the_rate_then_the_post() {
    let (api, client, rt) = https_alone();
    let unknown = view_at(404, 1);
    assert_eq!(
        rt.block_on(client.send_view(&unknown)),
        Ok(ViewOutcome::Refused("post_not_found".into()))
    );
    // The view of an unknown post took the 5 s key.
    let next = rt.block_on(client.send_view(&view_at(5, 2)));
    assert!(
        matches!(next, Ok(ViewOutcome::RateLimited { .. })),
        "{next:?}"
    );
    // And its duplicate key: sent again, it is a duplicate, not a 404.
    assert_eq!(
        rt.block_on(client.send_view(&unknown)),
        Ok(ViewOutcome::Duplicate)
    );
    assert_eq!(
        api.views().iter().map(|(_, s)| *s).collect::<Vec<_>>(),
        [404, 429, 200]
    );
}

#[test]
fn a_view_with_an_intent_other_than_artwork_or_channel_is_refused_400() {
    let (api, client, rt) = https_alone();
    // The server's schema takes `artwork` or `channel` only (protocol §8, §12).
    let odd = ViewEvent {
        intent: "impression".into(),
        ..view_at(5, 1)
    };
    assert_eq!(
        rt.block_on(client.send_view(&odd)),
        Ok(ViewOutcome::Failed(
            "HTTP 400: Invalid view event payload".into()
        ))
    );
    // Refused before its checks: it set neither the duplicate nor the 5 s key.
    assert_eq!(
        rt.block_on(client.send_view(&view_at(5, 1))),
        Ok(ViewOutcome::Accepted)
    );
    assert_eq!(
        api.views().iter().map(|(_, s)| *s).collect::<Vec<_>>(),
        [400, 202]
    );
}
