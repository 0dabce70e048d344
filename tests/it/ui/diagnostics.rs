//! The Diagnostics window read as a user (and a screen reader) meets it: every
//! state in words, buttons that cannot work disabled with the reason, and
//! *Copy report* holding nothing that would let its reader become the player.
//! The test plays the runtime's part through the real bridge channels.

use crate::support::screen::harness_of;
use std::time::SystemTime;

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use makapix_player::bridge::RuntimeEvent;
use makapix_player::bridge::channel::{RuntimeEnd, pair};
use makapix_player::bridge::connection::{
    ConnectionEvent, ConnectionState, Direction, LogEntry, SessionInfo,
};
use makapix_player::bridge::credentials::{CredentialsEvent, PlayerSummary};
use makapix_player::settings::Settings;
use makapix_player::ui::{PlayerApp, StartOptions};

const KEY: &str = "3f2b8c1e-7d4a-4e6b-9a15-2c8d0e7f6a91";

const STATES: [ConnectionState; 7] = [
    ConnectionState::NotRegistered,
    ConnectionState::Disconnected,
    ConnectionState::Connecting,
    ConnectionState::Connected,
    ConnectionState::Reconnecting,
    ConnectionState::Removed,
    ConnectionState::Banned,
];

fn setup() -> (Harness<'static, PlayerApp>, RuntimeEnd) {
    let (window_end, runtime_end) = pair(std::sync::Arc::new(|| {}));
    let mut app = PlayerApp::new(StartOptions {
        settings: Some(Settings {
            welcome_dismissed: true,
            ..Settings::default()
        }),
        ..StartOptions::default()
    });
    app.attach_runtime(window_end);
    let mut h = harness_of(app, [1100.0, 1000.0], Some(0.05));
    h.run_steps(2);
    h.state_mut().open_diagnostics();
    h.run_steps(2);
    (h, runtime_end)
}

fn send(h: &mut Harness<'static, PlayerApp>, end: &RuntimeEnd, event: ConnectionEvent) {
    end.sink.send(RuntimeEvent::Connection(event));
    h.run_steps(2);
}

/// Every name and value a screen reader hears in the window.
fn texts(h: &Harness<'static, PlayerApp>) -> Vec<String> {
    h.root()
        .children_recursive()
        .flat_map(|n| {
            let node = n.accesskit_node();
            [node.label(), node.value()]
        })
        .flatten()
        .collect()
}

/// `NotRegistered`, `HttpsOnly`: a Rust name where a person expects words.
fn looks_like_debug_name(text: &str) -> bool {
    text.split(|c: char| !c.is_alphanumeric()).any(|word| {
        let mut chars = word.chars();
        chars.next().is_some_and(|c| c.is_ascii_uppercase())
            && word.chars().skip(1).any(|c| c.is_ascii_lowercase())
            && word.chars().skip(1).any(|c| c.is_ascii_uppercase())
    })
}

#[test]
fn every_state_is_said_in_words_never_by_its_debug_name() {
    let (mut h, end) = setup();
    for state in STATES {
        send(&mut h, &end, ConnectionEvent::State(state));
        let shown = texts(&h);
        let debug = shown.iter().find(|t| looks_like_debug_name(t));
        assert!(debug.is_none(), "{state:?}: {debug:?} in {shown:?}");
    }
    send(
        &mut h,
        &end,
        ConnectionEvent::State(ConnectionState::NotRegistered),
    );
    // The status bar and the window's heading.
    assert_eq!(h.query_all_by_label("Not registered").count(), 2);
    h.get_by_label_contains("This player is not linked to a Makapix Club account");
    h.check_accessibility();
}

#[test]
fn buttons_that_cannot_work_are_disabled_with_the_reason() {
    let (mut h, end) = setup();
    send(
        &mut h,
        &end,
        ConnectionEvent::State(ConnectionState::NotRegistered),
    );
    for label in ["Test connection (MQTT)", "Reconnect now"] {
        let button = h.get_by_label(label);
        assert!(button.accesskit_node().is_disabled(), "{label}");
        button.hover();
        // Past the tooltip's delay.
        h.run_steps(30);
        h.get_by_label_contains("There is no player to");
    }
    send(
        &mut h,
        &end,
        ConnectionEvent::State(ConnectionState::Connected),
    );
    assert!(
        !h.get_by_label("Test connection (MQTT)")
            .accesskit_node()
            .is_disabled()
    );
}

#[test]
fn the_report_holds_no_whole_player_key_no_token_and_no_certificate() {
    let (mut h, end) = setup();
    end.sink
        .send(RuntimeEvent::Credentials(CredentialsEvent::Registered(
            PlayerSummary {
                player_key: KEY.into(),
                not_after: time::OffsetDateTime::now_utc().unix_timestamp() + 86_400 * 90,
                issuer: "Makapix CA".into(),
                has_token: true,
            },
        )));
    send(
        &mut h,
        &end,
        ConnectionEvent::State(ConnectionState::Connected),
    );
    send(
        &mut h,
        &end,
        ConnectionEvent::Info(SessionInfo {
            broker: Some("makapix.club:8883".into()),
            ..SessionInfo::default()
        }),
    );
    // What a careless server or a bug could put in the log.
    let lines = [
        (
            format!("makapix/player/{KEY}/command"),
            format!("player_key={KEY}"),
        ),
        ("note".into(), "-----BEGIN CERTIFICATE----- MIIB".into()),
        ("note".into(), "Authorization: Bearer mpx_tok_123456".into()),
    ];
    for i in 0..60 {
        let (topic, summary) = lines[i % lines.len()].clone();
        let entry = LogEntry {
            at: SystemTime::now(),
            direction: Direction::In,
            topic,
            size: 10,
            summary,
        };
        send(&mut h, &end, ConnectionEvent::Logged(entry));
    }
    h.get_by_label("Copy report").click();
    h.step();
    let report = h
        .output()
        .platform_output
        .commands
        .iter()
        .find_map(|c| match c {
            egui::OutputCommand::CopyText(text) => Some(text.clone()),
            _ => None,
        })
        .expect("the report on the clipboard");
    assert!(report.contains(env!("CARGO_PKG_VERSION")), "{report}");
    assert!(report.contains(std::env::consts::OS), "{report}");
    assert!(report.contains("makapix.club:8883"), "{report}");
    assert!(report.contains("Transport: Automatic"), "{report}");
    // The test harness draws without OpenGL.
    assert!(report.contains("OpenGL renderer: not known"), "{report}");
    assert!(report.contains("Player: 3f2b8c1e…"), "{report}");
    assert!(!report.contains(KEY), "the whole key: {report}");
    assert!(!report.contains("mpx_tok_123456"), "a token: {report}");
    assert!(!report.contains("-----BEGIN"), "a PEM: {report}");
    let logged = report
        .lines()
        .skip_while(|l| !l.starts_with("Last 50"))
        .count();
    assert_eq!(logged, 51, "the heading and 50 lines: {report}");
}
