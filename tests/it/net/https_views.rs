//! Views over the HTTPS player API when the way there fails: a view answered
//! 5xx by a proxy (the view endpoint never answers one itself) is kept and
//! sent again, never counted against the view, however long the outage lasts.

use crate::support::rig;

use std::time::{Duration, Instant};

use makapix_player::bridge::connection::{ConnectionAction, ConnectionState};
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
