//! Views over the HTTPS player API when the way there fails: a view answered
//! 5xx by a proxy (the view endpoint never answers one itself) is kept and
//! sent again, never counted against the view, however long the outage lasts;
//! a view that cannot reach the API takes HTTPS out of "Connected", as a
//! failed request does.

use crate::support::rig;

use std::time::{Duration, Instant};

use makapix_player::bridge::connection::{ConnectionAction, ConnectionEvent, ConnectionState};
use makapix_player::bridge::transport::TransportChoice;
use makapix_player::net::views::delivery::Pace;
use makapix_player::protocol::view::ViewEvent;
use rig::api::MakapixApi;
use rig::certs::Ca;
use rig::player::{Player, VIEW_SCALE, https_player_of};
use serde_json::json;

const SOON: Duration = Duration::from_secs(10);

fn view(post_id: i64) -> ViewEvent {
    serde_json::from_value(json!({"post_id": post_id,
        "timestamp": "2026-08-20T12:00:00Z",
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
    let resend_after = Pace::scaled(VIEW_SCALE).resend_after;
    // More 502s than a view may fail, spread over more than three resend periods.
    let outage = 12;
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
