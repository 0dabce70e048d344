//! The window on the real runtime and a real broker: the indicator follows the
//! session through connect, broker loss and "Reconnect now", and the
//! Diagnostics window's "Test connection" shows a round-trip time.

use crate::support::rig;
use crate::support::screen::harness_of;
use crate::support::screen::step_until;

use std::sync::Arc;
use std::time::Duration;

use eframe::egui;
use egui_kittest::kittest::Queryable;
use makapix_player::bridge::Action as RuntimeAction;
use makapix_player::bridge::channel::pair;
use makapix_player::bridge::connection::{ConnectionAction, ConnectionState};
use makapix_player::net;
use makapix_player::settings::Settings;
use makapix_player::ui::diagnostics::TestStatus;
use makapix_player::ui::{PlayerApp, StartOptions};
use rig::broker::Broker;
use rig::certs::player_key;

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn the_indicator_follows_the_real_session_and_reconnect_now_works() {
    net::tls::install_crypto_provider();
    let mut broker = Broker::start();
    let server = rig::server::TestServer::start(&broker);
    let key = player_key();
    let me = broker.ca.player(&key);
    let mut config = rig::player::config(&broker, &key, &me, &broker.ca.pem);
    // Long back-off: only the button can bring it back within the test.
    config.tuning.backoff_start = Duration::from_secs(60);
    config.tuning.backoff_max = Duration::from_secs(60);

    let (mut window_end, runtime_end) = pair(Arc::new(|| {}));
    window_end.attach(net::runtime::start(runtime_end).unwrap());
    let mut app = PlayerApp::new(StartOptions {
        settings: Some(Settings::default()),
        ..StartOptions::default()
    });
    app.attach_runtime(window_end);
    let mut h = harness_of(app, [900.0, 640.0], None);
    h.step();
    h.state_mut()
        .send_to_runtime(RuntimeAction::Connection(ConnectionAction::Connect(
            Box::new(config),
        )));
    step_until(&mut h, "connected", |a| {
        a.connection() == ConnectionState::Connected
    });
    h.step();
    h.get_by_label("Connected");
    let tip = h
        .state()
        .connection_view()
        .tooltip(std::time::SystemTime::now());
    assert!(
        tip.contains(&format!("Broker: 127.0.0.1:{}", broker.tls_port)),
        "{tip}"
    );
    assert!(tip.contains("Connected for"), "{tip}");
    assert!(h.query_by_label("Reconnect now").is_none());

    // The state the window announced, then a change made with the keyboard.
    let state = server.wait_published("/state", Duration::from_secs(5), |_| true);
    assert_eq!(
        state.json(),
        serde_json::json!({"is_paused": false, "brightness": 100, "rotation": 0, "mirror": "none"})
    );
    h.key_press(egui::Key::Space);
    for _ in 0..3 {
        h.step();
    }
    // Only the changed field goes out (wait_published panics if it never does).
    server.wait_published("/state", Duration::from_secs(5), |r| {
        r.json() == serde_json::json!({"is_paused": true})
    });

    // Diagnostics: the log and the connection test.
    h.get_by_label("Connected").click();
    for _ in 0..3 {
        h.step();
    }
    assert!(
        h.state().connection_view().open,
        "a click on the indicator opens Diagnostics"
    );
    h.get_by_label("Test connection (MQTT)").click();
    step_until(&mut h, "the round trip", |a| {
        matches!(a.connection_view().test, TestStatus::Done(_))
    });
    let test = &h.state().connection_view().test;
    assert!(matches!(test, TestStatus::Done(Ok(_))), "{test:?}");
    h.step();
    assert!(h.query_by_label_contains("Round trip over MQTT:").is_some());
    assert!(
        h.query_by_label_contains("CONNACK").is_some(),
        "the log shows the session"
    );

    broker.stop();
    step_until(&mut h, "reconnecting", |a| {
        a.connection() == ConnectionState::Reconnecting
    });
    h.step();
    h.get_by_label("Reconnecting…");
    let tip = h
        .state()
        .connection_view()
        .tooltip(std::time::SystemTime::now());
    assert!(tip.contains("Last error:"), "{tip}");
    broker.restart();
    h.get_all_by_label("Reconnect now").next().unwrap().click();
    step_until(&mut h, "connected again", |a| {
        a.connection() == ConnectionState::Connected
    });
    h.state_mut().shutdown();
}
