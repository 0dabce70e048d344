//! The window a first-time user meets: the welcome card while no player is
//! stored and where each of its ways in leads, and where the connection
//! indicator leads in each state. The test plays the runtime's part through
//! the real bridge channels, as `ui_player_pane.rs` does.

use crate::support::dialogs::Dialogs;
use crate::support::screen::{file_shown, harness_of, step_until};
use eframe::egui::Key;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use makapix_player::app::file_dialog::DialogRequest;
use makapix_player::bridge::channel::{RuntimeEnd, pair};
use makapix_player::bridge::connection::{ConnectionEvent, ConnectionState};
use makapix_player::bridge::credentials::{
    CredentialsAction, CredentialsEvent, PlayerSummary, RegistrationStatus,
};
use makapix_player::bridge::{Action, RuntimeEvent};
use makapix_player::settings::Settings;
use makapix_player::ui::{PlayerApp, StartOptions};

const WELCOME: &str = "Welcome to Makapix Player";

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A 1000×1000 window whose dialogs answer nothing.
fn setup(settings: Settings) -> (Harness<'static, PlayerApp>, RuntimeEnd) {
    setup_sized(settings, &Dialogs::default(), [1000.0, 1000.0])
}

fn setup_sized(
    settings: Settings,
    dialogs: &Dialogs,
    size: [f32; 2],
) -> (Harness<'static, PlayerApp>, RuntimeEnd) {
    let (window_end, runtime_end) = pair(std::sync::Arc::new(|| {}));
    let mut app = PlayerApp::new(StartOptions {
        settings: Some(settings),
        file_dialogs: Some(dialogs.file_dialogs()),
        ..StartOptions::default()
    });
    app.attach_runtime(window_end);
    let mut h = harness_of(app, size, None);
    h.run_steps(2);
    (h, runtime_end)
}

/// A fresh home: the runtime looked and found no player stored.
fn fresh() -> (Harness<'static, PlayerApp>, RuntimeEnd) {
    let (mut h, end) = setup(Settings::default());
    tell(&mut h, &end, CredentialsEvent::NotRegistered);
    (h, end)
}

fn tell(h: &mut Harness<'static, PlayerApp>, end: &RuntimeEnd, event: CredentialsEvent) {
    end.sink.send(RuntimeEvent::Credentials(event));
    h.run_steps(2);
}

fn state(h: &mut Harness<'static, PlayerApp>, end: &RuntimeEnd, state: ConnectionState) {
    end.sink
        .send(RuntimeEvent::Connection(ConnectionEvent::State(state)));
    h.run_steps(2);
}

fn click(h: &mut Harness<'static, PlayerApp>, label: &str) {
    h.get_by_label(label).click();
    h.run_steps(2);
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

fn summary() -> PlayerSummary {
    PlayerSummary {
        player_key: "3f2b8c1e-7d4a-4e6b-9a15-2c8d0e7f6a91".into(),
        not_after: now() + 200 * 86_400,
        issuer: "Makapix CA".into(),
        has_token: true,
    }
}

#[test]
fn a_fresh_home_shows_the_card_and_register_reaches_the_code() {
    let (mut h, mut end) = fresh();
    h.get_by_label(WELCOME);
    assert!(h.state().welcome_shown());
    h.check_accessibility();
    sent(&mut end);

    click(&mut h, "Register this computer");
    assert!(matches!(sent(&mut end)[..], [CredentialsAction::Register]));
    let expires_at = now() + 900;
    tell(
        &mut h,
        &end,
        CredentialsEvent::Registration(RegistrationStatus::Code {
            code: "K7Q2XM".into(),
            expires_at,
        }),
    );
    assert!(
        h.query_by_label(WELCOME).is_none(),
        "the code replaces the card"
    );
    h.get_by_label("K7Q2XM");
    h.get_by_label_contains("Settings › Players › Add Device");
    h.get_by_label_contains("The code expires in 1");
    // The Player section waits behind the code, unfolded.
    assert!(h.state().settings().show_settings);
    h.get_by_label_contains("Not registered: this computer");
}

#[test]
fn import_from_the_card_opens_the_dialog_and_imports_what_is_picked() {
    let picked = vec![std::path::PathBuf::from("/downloads/player-certs.json")];
    let dialogs = Dialogs::picking(picked.clone());
    let (mut h, mut end) = setup_sized(Settings::default(), &dialogs, [1000.0, 1000.0]);
    tell(&mut h, &end, CredentialsEvent::NotRegistered);
    sent(&mut end);
    click(&mut h, "Import the certificates you downloaded");
    let mut imported = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while imported.is_empty() && std::time::Instant::now() < deadline {
        h.step();
        imported = sent(&mut end);
    }
    assert!(
        matches!(&imported[..], [CredentialsAction::ImportFiles(p)] if *p == picked),
        "{imported:?}"
    );
    assert_eq!(dialogs.asked(), [DialogRequest::Certificates]);
    // The Player section is open behind it, for the import's progress.
    assert!(h.query_by_label(WELCOME).is_none());
    assert!(h.state().settings().show_settings);
    h.get_by_label("Import…");
    h.get_by_label("Paste certificates");
    h.check_accessibility();
}

#[test]
fn import_from_the_card_without_a_dialog_says_what_else_to_do() {
    let (mut h, mut end) = fresh();
    sent(&mut end);
    click(&mut h, "Import the certificates you downloaded");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while h.query_by_label_contains("No file dialog").is_none()
        && std::time::Instant::now() < deadline
    {
        h.step();
    }
    h.get_by_label_contains("paste them under Paste certificates");
    assert!(sent(&mut end).is_empty(), "nothing to import");
    h.get_by_label("Paste certificates");
}

#[test]
fn just_play_my_files_opens_files_and_the_card_stays_away() {
    let (mut h, _end) = fresh();
    click(&mut h, "Just play my files");
    assert!(h.query_by_label(WELCOME).is_none());
    assert!(h.state().settings().show_settings);
    h.get_by_label("Open folder…");
    h.get_by_label("Or type a file or folder path:");
    assert!(h.state().settings().welcome_dismissed, "kept in settings");

    // The next start, with the settings as saved: no card.
    let saved = h.state().settings().clone();
    let (mut h, end) = setup(saved);
    tell(&mut h, &end, CredentialsEvent::NotRegistered);
    assert!(h.query_by_label(WELCOME).is_none());
}

#[test]
fn not_now_dismisses_the_card_for_good() {
    let (mut h, end) = fresh();
    click(&mut h, "Not now");
    assert!(h.query_by_label(WELCOME).is_none());
    assert!(h.state().settings().welcome_dismissed);
    assert!(!h.state().settings().show_settings);
    tell(&mut h, &end, CredentialsEvent::NotRegistered);
    assert!(h.query_by_label(WELCOME).is_none());
}

#[test]
fn the_card_is_reached_from_the_keyboard() {
    let (mut h, mut end) = fresh();
    sent(&mut end);
    // The card's first way in has the keyboard as soon as it appears.
    h.key_press(Key::Enter);
    h.run_steps(2);
    assert!(matches!(sent(&mut end)[..], [CredentialsAction::Register]));
}

/// The card's focused button takes Enter, not the window's other keys:
/// Space still pauses, letters still work, pasted certificates still import.
#[test]
fn the_window_keys_work_while_the_card_has_the_keyboard() {
    let (mut h, mut end) = fresh();
    sent(&mut end);
    assert!(!h.state().engine().is_paused());
    h.key_press(Key::Space);
    h.run_steps(2);
    assert!(sent(&mut end).is_empty(), "Space pressed Register");
    assert!(h.state().engine().is_paused(), "Space pauses");
    h.key_press(Key::S);
    h.run_steps(2);
    assert!(h.state().settings().show_settings, "S opens Settings");
    let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    h.event(eframe::egui::Event::Paste(pem.into()));
    h.run_steps(2);
    let actions = sent(&mut end);
    assert!(
        matches!(&actions[..], [CredentialsAction::ImportText(t)] if t.expose() == pem),
        "{actions:?}"
    );
}

/// A window asked for over the card (F1's shortcuts, Diagnostics) comes
/// above it: the card is not drawn over what the user just opened.
#[test]
fn the_shortcuts_window_opens_above_the_card() {
    let (mut h, _end) = fresh();
    let card = h.get_by_label(WELCOME).rect().center();
    h.key_press(Key::F1);
    h.run_steps(2);
    let low = h.get_by_label("Open a folder").rect();
    assert!(
        low.bottom() > card.y,
        "the window reaches down over the card"
    );
    // The window's own title, above the card; its widest row reaches into the card.
    let title = h.query_all_by_label("Keyboard shortcuts").map(|n| n.rect());
    let title = title
        .min_by(|a, b| a.top().total_cmp(&b.top()))
        .expect("the window");
    let window = h.ctx.layer_id_at(title.center());
    let wide = h.get_by_label("Play the file or folder whose path is on the clipboard");
    let both = eframe::egui::pos2(card.x.min(wide.rect().right() - 4.0), card.y);
    let card_width = h.get_by_label("Register this computer").rect();
    assert!(both.x > card_width.left(), "the point is on the card");
    let over = h.ctx.layer_id_at(both);
    assert!(
        window.is_some() && over == window,
        "{over:?} is not the window {window:?}"
    );
}

#[test]
fn a_stored_player_never_shows_the_card() {
    let (mut h, end) = setup(Settings::default());
    assert!(
        h.query_by_label(WELCOME).is_none(),
        "not before the runtime looked"
    );
    tell(&mut h, &end, CredentialsEvent::Registered(summary()));
    assert!(h.query_by_label(WELCOME).is_none());
    state(&mut h, &end, ConnectionState::Connecting);
    assert!(h.query_by_label(WELCOME).is_none());

    let (mut h, end) = setup(Settings::default());
    tell(
        &mut h,
        &end,
        CredentialsEvent::KeyringWaiting {
            player_key: makapix_player::player_key::Key::new(summary().player_key),
        },
    );
    assert!(
        h.query_by_label(WELCOME).is_none(),
        "a player waits for its keyring"
    );

    // Registered later in this run: the card goes.
    let (mut h, end) = fresh();
    h.get_by_label(WELCOME);
    tell(&mut h, &end, CredentialsEvent::Registered(summary()));
    assert!(h.query_by_label(WELCOME).is_none());
}

#[test]
fn the_indicator_leads_to_the_player_section_or_diagnostics() {
    use makapix_player::settings::SettingsSection;
    let cases = [
        (ConnectionState::NotRegistered, "Not registered", true),
        (ConnectionState::Removed, "Removed from account", true),
        (ConnectionState::Banned, "Owner's account banned", true),
        (ConnectionState::Disconnected, "Disconnected", false),
        (ConnectionState::Connecting, "Connecting…", false),
        (ConnectionState::Connected, "Connected", false),
        (ConnectionState::Reconnecting, "Reconnecting…", false),
    ];
    for (connection, word, to_player) in cases {
        // The Player section folded, to see the click unfold it.
        let (mut h, end) = setup(Settings {
            closed_sections: vec![SettingsSection::Player],
            ..Settings::default()
        });
        state(&mut h, &end, connection);
        // A screen reader hears a button: something to press.
        h.get_by_role_and_label(eframe::egui::accesskit::Role::Button, word);
        click(&mut h, word);
        let app = h.state();
        let settings = app.settings();
        if to_player {
            assert!(settings.show_settings, "{word}: settings open");
            assert!(settings.section_open(SettingsSection::Player), "{word}");
            assert!(!app.connection_view().open, "{word}: not Diagnostics");
            h.get_by_label("Register this computer");
        } else {
            assert!(app.connection_view().open, "{word}: Diagnostics open");
            assert!(!settings.show_settings, "{word}: settings stay closed");
        }
    }
}

#[test]
fn the_registration_countdown_stays_in_the_status_bar_with_settings_closed() {
    let (mut h, mut end) = fresh();
    click(&mut h, "Register this computer");
    sent(&mut end);
    tell(
        &mut h,
        &end,
        CredentialsEvent::Registration(RegistrationStatus::Code {
            code: "K7Q2XM".into(),
            expires_at: now() + 600,
        }),
    );
    // The settings panel closed (S): the code and its time left stay in the status bar.
    h.key_press(Key::S);
    h.run_steps(2);
    assert!(!h.state().settings().show_settings);
    let shown = h.get_by_label_contains("Code K7Q2XM · ");
    let text = format!("{shown:?}");
    assert!(text.contains(":5") || text.contains("10:00"), "{text}");
    // A click on it opens Settings › Player again.
    h.get_by_label_contains("Code K7Q2XM").click();
    h.run_steps(2);
    assert!(h.state().settings().show_settings);
}

#[test]
fn files_named_at_launch_are_not_covered_by_the_card() {
    let dir = tempfile::tempdir().unwrap();
    let (window_end, end) = pair(std::sync::Arc::new(|| {}));
    let mut app = PlayerApp::new(StartOptions {
        settings: Some(Settings::default()),
        paths: vec![dir.path().to_path_buf()],
        ..StartOptions::default()
    });
    app.attach_runtime(window_end);
    let mut h = harness_of(app, [1000.0, 1000.0], None);
    h.run_steps(2);
    tell(&mut h, &end, CredentialsEvent::NotRegistered);
    assert!(h.query_by_label(WELCOME).is_none());
    assert!(!h.state().settings().welcome_dismissed, "only for this run");
}

#[test]
fn files_picked_with_ctrl_o_are_not_covered_by_the_card() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("picked.png");
    crate::support::write_sample_png(&file);
    let dialogs = Dialogs::picking(vec![file]);
    let (mut h, end) = setup_sized(Settings::default(), &dialogs, [1000.0, 1000.0]);
    tell(&mut h, &end, CredentialsEvent::NotRegistered);
    h.get_by_label(WELCOME);
    h.key_press_modifiers(eframe::egui::Modifiers::COMMAND, Key::O);
    step_until(&mut h, "the picked file", |a| {
        file_shown(a).as_deref() == Some("picked.png")
    });
    assert!(
        h.query_by_label(WELCOME).is_none(),
        "the card hides the art"
    );
    assert!(!h.state().settings().welcome_dismissed, "only for this run");
}

/// In a window too short for the card and the art around it, the card sits
/// at the canvas's foot, its hints in tooltips, and the art's top shows.
#[test]
fn in_a_small_window_the_card_sits_low_and_the_art_shows_above_it() {
    let (mut h, end) = setup_sized(Settings::default(), &Dialogs::default(), [700.0, 500.0]);
    tell(&mut h, &end, CredentialsEvent::NotRegistered);
    let title = h.get_by_label(WELCOME).rect();
    let dismiss = h.get_by_label("Not now").rect();
    let status = h.get_by_label("Not registered").rect();
    // Centred, the card's foot was 100 points above the status bar.
    assert!(
        status.min.y - dismiss.max.y < 40.0,
        "the card's foot at {}, the status bar at {}",
        dismiss.max.y,
        status.min.y
    );
    // The 256-point art is centred in the canvas: its top rows are above the card.
    let canvas_middle = 250.0;
    assert!(
        title.min.y > canvas_middle - 128.0 + 80.0,
        "the card starts at {}",
        title.min.y
    );
    assert!(h.query_by_label_contains("You get a short code").is_none());
    h.get_by_label("Register this computer");
    h.check_accessibility();

    // Tall enough: centred, with its hints.
    let (mut h, end) = fresh();
    tell(&mut h, &end, CredentialsEvent::NotRegistered);
    h.get_by_label_contains("You get a short code");
}
