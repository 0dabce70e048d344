//! Settings › Player driven headlessly (egui_kittest) with a fake runtime:
//! the test plays the runtime's part through the real bridge channels.

use crate::support::screen::harness_of;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use makapix_player::bridge::channel::{RuntimeEnd, pair};
use makapix_player::bridge::credentials::{
    CredentialsAction, CredentialsEvent, PlayerSummary, RegistrationStatus,
};
use makapix_player::bridge::{Action, RuntimeEvent};
use makapix_player::settings::Settings;
use makapix_player::ui::{PlayerApp, StartOptions};

const KEY: &str = "3f2b8c1e-7d4a-4e6b-9a15-2c8d0e7f6a91";
const DAY: i64 = 86_400;

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn setup() -> (Harness<'static, PlayerApp>, RuntimeEnd) {
    let (window_end, runtime_end) = pair(std::sync::Arc::new(|| {}));
    let mut app = PlayerApp::new(StartOptions {
        settings: Some(Settings {
            show_settings: true,
            ..Settings::default()
        }),
        ..StartOptions::default()
    });
    app.attach_runtime(window_end);
    let mut h = harness_of(app, [1000.0, 1400.0], None);
    h.step();
    h.step();
    h.check_accessibility();
    (h, runtime_end)
}

/// The credentials actions the window sent since the last call.
fn sent(end: &mut RuntimeEnd) -> Vec<CredentialsAction> {
    let mut out = Vec::new();
    while let Ok(action) = end.actions.try_recv() {
        if let Action::Credentials(a) = action {
            out.push(a);
        }
    }
    out
}

/// Hands the window an event; every state it draws must name all its controls.
fn tell(h: &mut Harness<'static, PlayerApp>, end: &RuntimeEnd, event: CredentialsEvent) {
    end.sink.send(RuntimeEvent::Credentials(event));
    h.step();
    h.step();
    h.check_accessibility();
}

/// Clicks, then lets two frames pass: the click acts in the first, the second draws the result.
fn click(h: &mut Harness<'static, PlayerApp>, label: &str) {
    h.get_by_label(label).click();
    h.step();
    h.step();
    h.check_accessibility();
}

fn summary(days: i64) -> PlayerSummary {
    PlayerSummary {
        player_key: KEY.into(),
        // An hour more than whole days, so "days left" is exact.
        not_after: now() + days * DAY + 3600,
        issuer: "Makapix CA".into(),
        has_token: true,
    }
}

#[test]
fn start_up_configures_then_loads_and_register_sends_the_action() {
    let (mut h, mut end) = setup();
    let first = sent(&mut end);
    assert!(matches!(first[0], CredentialsAction::Configure { .. }));
    assert!(matches!(first[1], CredentialsAction::Load));
    h.get_by_label_contains("Not registered: this computer");
    click(&mut h, "Register this computer");
    assert!(matches!(sent(&mut end)[..], [CredentialsAction::Register]));
}

#[test]
fn a_registered_player_shows_key_expiry_issuer_and_server() {
    let (mut h, mut end) = setup();
    sent(&mut end);
    tell(&mut h, &end, CredentialsEvent::Registered(summary(200)));
    h.get_by_label("3f2b8c1e…");
    h.get_by_label_contains("(200 days left)");
    h.get_by_label("Makapix CA");
    h.get_by_label_contains("makapix.club:8883");
    assert!(
        h.query_by_label_contains("expires in").is_none(),
        "no banner yet"
    );
    click(&mut h, "Renew now");
    assert!(matches!(sent(&mut end)[..], [CredentialsAction::RenewNow]));
}

#[test]
fn the_next_planned_renewal_is_shown_in_words() {
    let (mut h, end) = setup();
    tell(&mut h, &end, CredentialsEvent::Registered(summary(200)));
    assert!(
        h.query_by_label("Next renewal").is_none(),
        "nothing planned yet"
    );
    let at = now() + 110 * DAY + 600;
    tell(&mut h, &end, CredentialsEvent::RenewalPlanned(Some(at)));
    h.get_by_label("Next renewal");
    let date = time::OffsetDateTime::from_unix_timestamp(at)
        .unwrap()
        .date();
    h.get_by_label_contains(&format!("automatic, on {date} at "));
    h.get_by_label_contains("(in 110 days)");
    // After a failed attempt the runtime plans the retry: the row follows.
    tell(
        &mut h,
        &end,
        CredentialsEvent::RenewalPlanned(Some(now() + 15 * 60)),
    );
    h.get_by_label_contains("automatic, in 15 minutes (");
}

#[test]
fn a_banner_warns_from_30_days_and_an_expired_certificate_is_an_error() {
    let (mut h, end) = setup();
    tell(&mut h, &end, CredentialsEvent::Registered(summary(12)));
    h.get_by_label_contains("The player certificate expires in 12 days");
    let mut expired = summary(0);
    expired.not_after = now() - DAY;
    tell(&mut h, &end, CredentialsEvent::Registered(expired));
    h.get_by_label_contains("(expired)");
    h.get_by_label_contains("has expired: this player cannot connect");
}

/// An expired player's window with the info overlay asked for (I): the
/// banner and the overlay both at the canvas's corner.
fn expired_with_the_info_overlay() -> (Harness<'static, PlayerApp>, RuntimeEnd) {
    let (mut h, end) = setup();
    let mut expired = summary(0);
    expired.not_after = now() - DAY;
    tell(&mut h, &end, CredentialsEvent::Registered(expired));
    h.key_press(egui::Key::I);
    (h, end)
}

/// The banner and the info overlay belong to the canvas: a window opened over
/// them (Diagnostics, where the user goes to see why) is not hidden under them.
#[test]
fn the_banner_and_the_info_overlay_stay_under_the_diagnostics_window() {
    let (mut h, _end) = expired_with_the_info_overlay();
    h.state_mut().open_diagnostics();
    h.step();
    h.step();
    h.get_by_label_contains("has expired");
    let in_window = h.get_by_label("Copy report").rect().center();
    let over = h
        .ctx
        .layer_id_at(in_window)
        .expect("the Diagnostics window");
    for overlay in ["player_banner", "info_overlay"] {
        let under = h
            .ctx
            .memory(|m| m.areas().visible_layer_ids())
            .into_iter()
            .find(|l| l.id == egui::Id::unique(overlay))
            .unwrap_or_else(|| panic!("{overlay} is not shown"));
        assert!(
            under.order < over.order,
            "{overlay} ({under:?}) is painted over the window ({over:?})"
        );
    }
}

/// Both sit in the canvas's corner: the info overlay goes below the banner.
#[test]
fn the_info_overlay_sits_below_the_banner_not_under_it() {
    let (mut h, _end) = expired_with_the_info_overlay();
    h.step();
    h.step();
    let banner = h.get_by_label_contains("has expired").rect();
    let size_line = h.get_by_label_contains(" px · ").rect();
    assert!(
        size_line.top() > banner.bottom(),
        "the overlay's line at {size_line:?} is under the banner at {banner:?}"
    );
}

/// The overlay follows the banner in the frame it comes or goes, not one late.
#[test]
fn the_info_overlay_moves_in_the_frame_the_banner_comes_or_goes() {
    let (mut h, end) = expired_with_the_info_overlay();
    h.step();
    let banner = h.get_by_label_contains("has expired").rect();
    let below = h.get_by_label_contains(" px · ").rect().top();
    end.sink
        .send(RuntimeEvent::Credentials(CredentialsEvent::Registered(
            summary(200),
        )));
    h.step();
    assert!(h.query_by_label_contains("has expired").is_none());
    let corner = h.get_by_label_contains(" px · ").rect().top();
    assert!(
        below - corner >= banner.height(),
        "the banner ({banner:?}) went; the overlay's line came up from {below} to {corner} only"
    );
    let mut expired = summary(0);
    expired.not_after = now() - DAY;
    end.sink
        .send(RuntimeEvent::Credentials(CredentialsEvent::Registered(
            expired,
        )));
    h.step();
    let banner = h.get_by_label_contains("has expired").rect();
    let line = h.get_by_label_contains(" px · ").rect();
    assert!(
        line.top() > banner.bottom(),
        "the banner came back, the overlay's line at {line:?} is under it at {banner:?}"
    );
}

#[test]
fn remove_asks_first() {
    let (mut h, mut end) = setup();
    tell(&mut h, &end, CredentialsEvent::Registered(summary(200)));
    sent(&mut end);
    click(&mut h, "Remove…");
    assert!(
        sent(&mut end).is_empty(),
        "nothing removed before confirming"
    );
    click(&mut h, "Keep");
    assert!(h.query_by_label("Yes, remove").is_none());
    click(&mut h, "Remove…");
    click(&mut h, "Yes, remove");
    assert!(matches!(sent(&mut end)[..], [CredentialsAction::Remove]));
    tell(&mut h, &end, CredentialsEvent::NotRegistered);
    h.get_by_label_contains("Not registered: this computer");
    h.get_by_label("Not registered");
}

#[test]
fn the_code_is_shown_large_with_the_steps_and_a_new_one_is_offered_when_it_expires() {
    let (mut h, mut end) = setup();
    sent(&mut end);
    let code = RegistrationStatus::Code {
        code: "K7Q2ZP".into(),
        expires_at: now() + 14 * 60 + 30,
    };
    tell(&mut h, &end, CredentialsEvent::Registration(code));
    h.get_by_label("K7Q2ZP");
    h.get_by_label_contains("Settings › Players › Add Device");
    h.get_by_label_contains("The code expires in 14:");
    tell(
        &mut h,
        &end,
        CredentialsEvent::Registration(RegistrationStatus::CodeExpired),
    );
    assert!(h.query_by_label("K7Q2ZP").is_none());
    click(&mut h, "Get a new code");
    assert!(matches!(sent(&mut end)[..], [CredentialsAction::Register]));
    click(&mut h, "Cancel");
    assert!(matches!(
        sent(&mut end)[..],
        [CredentialsAction::CancelRegistration]
    ));
    assert!(h.query_by_label("Get a new code").is_none());
}

#[test]
fn failures_are_shown_as_sentences() {
    let (mut h, end) = setup();
    tell(
        &mut h,
        &end,
        CredentialsEvent::Failed("The private key does not belong to this certificate.".into()),
    );
    h.get_by_label("The private key does not belong to this certificate.");
}

#[test]
fn pasted_text_goes_to_the_runtime_redacted_and_leaves_the_box() {
    use eframe::egui::accesskit::Role;
    let (mut h, mut end) = setup();
    sent(&mut end);
    click(&mut h, "Paste certificates");
    h.get_by_role(Role::PasswordInput).focus();
    h.step();
    h.get_by_role(Role::PasswordInput)
        .type_text("{\"ca_pem\": \"pasted\"}");
    h.step();
    click(&mut h, "Import pasted text");
    let actions = sent(&mut end);
    let [CredentialsAction::ImportText(text)] = &actions[..] else {
        panic!("expected one ImportText, got {actions:?}");
    };
    assert_eq!(text.expose(), "{\"ca_pem\": \"pasted\"}");
    assert!(
        !format!("{actions:?}").contains("pasted"),
        "Debug shows the text"
    );
    let left = h
        .get_by_role(Role::PasswordInput)
        .value()
        .unwrap_or_default();
    assert!(left.is_empty(), "the box still holds {left:?}");
}

#[derive(Debug)]
struct Dropped(std::path::PathBuf);

impl eframe::egui::DroppedFile for Dropped {
    fn path(&self) -> &std::path::Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

#[test]
fn certificate_files_dropped_and_pem_text_pasted_on_the_window_are_imported() {
    let (mut h, mut end) = setup();
    sent(&mut end);
    let bundle = std::path::PathBuf::from("/tmp/downloads/player-certificates.json");
    h.input_mut()
        .dropped_files
        .push(std::sync::Arc::new(Dropped(bundle.clone())));
    h.step();
    h.step();
    let actions = sent(&mut end);
    assert!(
        matches!(&actions[..], [CredentialsAction::ImportFiles(p)] if p == &vec![bundle.clone()]),
        "{actions:?}"
    );
    assert!(
        h.state().notice().is_none(),
        "the bundle was not played as art"
    );

    let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    h.event(eframe::egui::Event::Paste(pem.into()));
    h.step();
    h.step();
    let actions = sent(&mut end);
    assert!(
        matches!(&actions[..], [CredentialsAction::ImportText(t)] if t.expose() == pem),
        "{actions:?}"
    );
    // A pasted path is still the art handler's.
    h.event(eframe::egui::Event::Paste("/tmp/some/art".into()));
    h.step();
    assert!(sent(&mut end).is_empty());
}

#[test]
fn renew_now_is_offered_to_a_player_without_a_token_too() {
    let (mut h, mut end) = setup();
    sent(&mut end);
    let mut imported = summary(20);
    imported.has_token = false;
    tell(&mut h, &end, CredentialsEvent::Registered(imported));
    h.get_by_label_contains("expires in 20 days. Renew it in Settings › Player");
    click(&mut h, "Renew now");
    assert!(matches!(sent(&mut end)[..], [CredentialsAction::RenewNow]));
}

#[test]
fn a_removed_player_says_so_and_offers_to_register_again_or_import() {
    use makapix_player::bridge::connection::{ConnectionEvent, ConnectionState};
    let (mut h, mut end) = setup();
    tell(&mut h, &end, CredentialsEvent::Registered(summary(200)));
    sent(&mut end);
    end.sink
        .send(RuntimeEvent::Connection(ConnectionEvent::State(
            ConnectionState::Removed,
        )));
    h.step();
    h.step();
    h.get_by_label("Removed from account");
    assert!(
        !h.query_all_by_label_contains("This player was removed from its Makapix account")
            .collect::<Vec<_>>()
            .is_empty(),
        "the sentence is in the window"
    );
    h.get_by_label("Import new certificates…");
    click(&mut h, "Register again");
    assert!(matches!(sent(&mut end)[..], [CredentialsAction::Register]));

    // New credentials: the session connects again and the sentence goes.
    end.sink
        .send(RuntimeEvent::Connection(ConnectionEvent::State(
            ConnectionState::Connecting,
        )));
    h.step();
    h.step();
    assert!(h.query_by_label("Register again").is_none());
}

#[test]
fn the_websocket_option_is_only_for_a_custom_broker_and_says_makapix_club_has_none() {
    use makapix_player::credentials::server::{Environment, Server};
    let (mut h, end) = setup();
    tell(&mut h, &end, CredentialsEvent::Registered(summary(200)));
    assert!(
        h.query_by_label_contains("Connect over WebSocket")
            .is_none(),
        "not offered for makapix.club"
    );
    let custom = Server {
        environment: Environment::Custom,
        mqtt_host: "broker.example".into(),
        ..Server::production()
    };
    tell(&mut h, &end, CredentialsEvent::Server(custom));
    h.get_by_label_contains("Connect over WebSocket");
    h.get_by_label_contains("makapix.club has no WebSocket listener");
    h.get_by_label_contains("requests and views over HTTPS");
}

#[test]
fn a_custom_port_that_is_not_a_port_is_refused_with_a_sentence() {
    use makapix_player::credentials::server::{Environment, Server};
    let (mut h, mut end) = setup();
    tell(&mut h, &end, CredentialsEvent::Registered(summary(200)));
    let custom = Server {
        environment: Environment::Custom,
        mqtt_host: "broker.example".into(),
        ..Server::production()
    };
    tell(&mut h, &end, CredentialsEvent::Server(custom));
    sent(&mut end);
    h.get_by_label("MQTT port").focus();
    h.step();
    // 8883 becomes 88830.
    h.get_by_label("MQTT port").type_text("0");
    h.step();
    h.key_press(eframe::egui::Key::Tab);
    h.step();
    h.step();
    h.get_by_label_contains("\"88830\" is not a port: type a number from 1 to 65535");
    let actions = sent(&mut end);
    assert!(
        actions.is_empty(),
        "the old port was sent back: {actions:?}"
    );
}

#[test]
fn while_the_keyring_is_not_up_a_known_player_is_never_offered_registration() {
    let (mut h, end) = setup();
    tell(
        &mut h,
        &end,
        CredentialsEvent::KeyringWaiting {
            player_key: makapix_player::player_key::Key::new(KEY),
        },
    );
    h.get_by_label_contains("the keyring");
    assert!(
        h.query_by_label_contains(KEY).is_none(),
        "the whole key is shown"
    );
    assert!(h.query_by_label("Register this computer").is_none());
    assert!(h.query_by_label("Import…").is_none());
    tell(&mut h, &end, CredentialsEvent::Registered(summary(200)));
    h.get_by_label("3f2b8c1e…");
}

/// The player key works as a password at Makapix: masked (its first 8
/// characters) until Show; Copy hands the whole key to the clipboard.
#[test]
fn the_player_key_is_masked_until_shown_and_copied_whole() {
    let (mut h, mut end) = setup();
    sent(&mut end);
    tell(&mut h, &end, CredentialsEvent::Registered(summary(200)));
    h.get_by_label("3f2b8c1e…");
    assert!(
        h.query_by_label_contains(KEY).is_none(),
        "the whole key is on screen before Show"
    );
    h.get_by_label("Copy key").click();
    h.step();
    let copied = h
        .output()
        .platform_output
        .commands
        .iter()
        .any(|c| matches!(c, egui::OutputCommand::CopyText(text) if text == KEY));
    assert!(copied, "{:?}", h.output().platform_output.commands);
    click(&mut h, "Show key");
    h.get_by_label(KEY);
    // Through accesskit: two pointer clicks on one spot in no time are a double click.
    h.get_by_label("Hide key").click_accesskit();
    h.step();
    h.step();
    h.get_by_label("3f2b8c1e…");
    assert!(h.query_by_label_contains(KEY).is_none());

    // Shown for one player, the key of the next one (registered again, say) starts hidden.
    click(&mut h, "Show key");
    h.get_by_label(KEY);
    tell(&mut h, &end, CredentialsEvent::Registered(summary(200)));
    h.get_by_label(KEY);
    let next = "9d41e07a-52c3-4f8e-b6a0-7e1d2c3b4a59";
    let other = PlayerSummary {
        player_key: next.into(),
        ..summary(1095)
    };
    tell(&mut h, &end, CredentialsEvent::Registered(other));
    h.get_by_label("9d41e07a…");
    assert!(
        h.query_by_label_contains(next).is_none(),
        "shown whole unasked"
    );
}

/// Where the settings panel begins: its heading's left edge (the panel is
/// docked to the window's right edge).
fn panel_left(h: &Harness<'static, PlayerApp>) -> f32 {
    h.get_by_label("Settings").rect().left()
}

#[test]
fn storing_a_player_does_not_widen_the_settings_panel() {
    let (mut h, end) = setup();
    let before = panel_left(&h);
    tell(&mut h, &end, CredentialsEvent::Registered(summary(200)));
    let after = panel_left(&h);
    assert!(
        (after - before).abs() < 1.0,
        "the panel began at {before} and at {after} once a player was stored: the canvas jumps"
    );
    click(&mut h, "Show key");
    assert!(
        h.query_by_label_contains(KEY).is_some(),
        "the whole key shown"
    );
    let revealed = panel_left(&h);
    assert!(
        (revealed - before).abs() < 1.0,
        "the panel began at {before} and at {revealed} with the whole key shown"
    );
    // A custom server's fields fit in the panel, not past its edge.
    let custom = makapix_player::credentials::server::Server {
        environment: makapix_player::credentials::server::Environment::Custom,
        vault_base: "https://vault.a-rather-long-host-name.example/artworks".into(),
        ..makapix_player::credentials::server::Server::production()
    };
    tell(&mut h, &end, CredentialsEvent::Server(custom));
    let custom_left = panel_left(&h);
    assert!(
        (custom_left - before).abs() < 1.0,
        "{custom_left} ≠ {before}"
    );
    let right = h
        .query_all_by_label("Vault base URL")
        .map(|n| n.rect().right())
        .fold(0.0, f32::max);
    let window = h.ctx.content_rect().right();
    assert!(
        right <= window - 8.0,
        "a field ends at {right}, the window at {window}"
    );
}
