//! A private key pasted where it does not belong — the path field of the
//! settings panel, or a URL field of a custom server — is recognised: wiped
//! from the field and from its undo history, never opened as a path (so never
//! logged as one), never saved, never sent to the runtime. The "Paste
//! certificates" box, where a key belongs, is masked for accessibility tools
//! and forgets the key, undo history included, once it is imported.

#[path = "support/mod.rs"]
mod support;

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use support::screen::{STEP_TIMEOUT, harness_of};

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use makapix_player::bridge::Action;
use makapix_player::bridge::channel::{RuntimeEnd, pair};
use makapix_player::bridge::credentials::CredentialsAction;
use makapix_player::credentials::server::{Environment, Server};
use makapix_player::settings::Settings;
use makapix_player::storage::paths::AppPaths;
use makapix_player::ui::{PlayerApp, StartOptions};

/// The body of the "key": what must never show up anywhere.
const BODY: &str = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDSECRETSECRET";

fn key() -> String {
    format!("-----BEGIN PRIVATE KEY-----\n{BODY}\n-----END PRIVATE KEY-----\n")
}

/// Every log line of this test binary, from every thread.
fn log() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&log);
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || Writer(Arc::clone(&sink)))
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("one subscriber");
        log
    })
}

struct Writer(Arc<Mutex<Vec<u8>>>);

impl Write for Writer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn logged() -> String {
    String::from_utf8_lossy(&log().lock().unwrap()).into_owned()
}

fn window(paths: Option<AppPaths>) -> (Harness<'static, PlayerApp>, RuntimeEnd) {
    log();
    let (window_end, runtime_end) = pair(Arc::new(|| {}));
    let mut app = PlayerApp::new(StartOptions {
        settings: Some(Settings {
            show_settings: true,
            ..Settings::default()
        }),
        app_paths: paths,
        ..StartOptions::default()
    });
    app.attach_runtime(window_end);
    let h = harness_of(app, [1000.0, 1400.0], None);
    (h, runtime_end)
}

fn steps(h: &mut Harness<'static, PlayerApp>, n: usize) {
    for _ in 0..n {
        h.step();
    }
}

/// Every file under `root`, read as text.
fn files_text(root: &Path) -> String {
    let mut out = String::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push_str(&String::from_utf8_lossy(
                    &std::fs::read(&path).unwrap_or_default(),
                ));
            }
        }
    }
    out
}

#[test]
fn a_key_pasted_into_the_path_field_is_absent_from_the_log_and_the_settings() {
    let root = tempfile::tempdir().unwrap();
    let paths = AppPaths::under(root.path());
    let (mut h, _end) = window(Some(paths.clone()));
    steps(&mut h, 2);
    let field = "Or type a file or folder path:";
    h.get_by_label(field).focus();
    h.step();
    h.get_by_label(field).type_text(&key());
    h.step();
    h.key_press(egui::Key::Enter);
    steps(&mut h, 3);
    assert_eq!(h.get_by_label(field).value().unwrap_or_default(), "");
    // Undo does not bring it back.
    h.get_by_label(field).focus();
    h.step();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    steps(&mut h, 2);
    assert_eq!(h.get_by_label(field).value().unwrap_or_default(), "");
    let notice = h
        .state()
        .notice()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(notice.contains("looks like a private key"), "{notice}");
    h.state_mut().shutdown();
    drop(h);

    // The quit gives its writers 600 ms; a loaded disk's fsync can take
    // longer, and the writer then finishes on its own.
    support::rig::wait_for("the settings saved", STEP_TIMEOUT, || {
        paths.settings_file().exists().then_some(())
    });
    assert!(paths.settings_file().exists(), "the settings were saved");
    assert!(
        !files_text(root.path()).contains("SECRETSECRET"),
        "the key reached a file"
    );
    assert!(
        !logged().contains("SECRETSECRET"),
        "the key reached the log"
    );
}

#[test]
fn a_key_pasted_into_a_custom_server_url_field_is_wiped_and_never_sent() {
    let (mut h, mut end) = window(None);
    steps(&mut h, 2);
    let custom = Server {
        environment: Environment::Custom,
        ..Server::production()
    };
    end.sink
        .send(makapix_player::bridge::RuntimeEvent::Credentials(
            makapix_player::bridge::credentials::CredentialsEvent::Server(custom),
        ));
    steps(&mut h, 3);
    h.get_by_label("API base URL").focus();
    h.step();
    h.get_by_label("API base URL").type_text(&key());
    h.step();
    h.key_press(egui::Key::Tab);
    steps(&mut h, 3);
    assert_eq!(
        h.get_by_label("API base URL").value().unwrap_or_default(),
        ""
    );
    h.get_by_label_contains("looks like a private key");
    let mut sent = Vec::new();
    while let Ok(action) = end.actions.try_recv() {
        if let Action::Credentials(CredentialsAction::SetServer(server)) = action {
            sent.push(server);
        }
    }
    assert!(
        !format!("{sent:?}").contains("SECRETSECRET"),
        "the key was sent as a server address"
    );
    assert!(
        !logged().contains("SECRETSECRET"),
        "the key reached the log"
    );
}

#[test]
fn a_plain_http_api_address_is_refused_with_a_sentence() {
    let (mut h, mut end) = window(None);
    steps(&mut h, 2);
    end.sink
        .send(makapix_player::bridge::RuntimeEvent::Credentials(
            makapix_player::bridge::credentials::CredentialsEvent::Server(Server {
                environment: Environment::Custom,
                api_base: String::new(),
                ..Server::production()
            }),
        ));
    steps(&mut h, 3);
    h.get_by_label("API base URL").focus();
    h.step();
    h.get_by_label("API base URL")
        .type_text("http://makapix.example/api");
    h.step();
    h.key_press(egui::Key::Tab);
    steps(&mut h, 3);
    h.get_by_label_contains("must start with https://");
    while let Ok(action) = end.actions.try_recv() {
        assert!(
            !matches!(action, Action::Credentials(CredentialsAction::SetServer(_))),
            "an http:// address was saved"
        );
    }
}

/// Opens Settings › Player › Paste certificates and types the key into the box.
fn key_in_the_paste_box(h: &mut Harness<'static, PlayerApp>) {
    steps(h, 2);
    h.get_by_label("Paste certificates").click();
    steps(h, 2);
    h.get_by_label("Certificates to import").focus();
    h.step();
    h.get_by_label("Certificates to import").type_text(&key());
    // The user pauses (a step is 0.25 s): the box's undo history records the
    // key once it has been stable for a second.
    steps(h, 6);
}

/// Every AccessKit node whose value or name holds the key's body.
fn nodes_telling_the_key(h: &Harness<'static, PlayerApp>) -> usize {
    h.query_all(
        egui_kittest::kittest::by()
            .include_labels()
            .predicate(|node| {
                node.value().is_some_and(|v| v.contains("SECRETSECRET"))
                    || node.label().is_some_and(|l| l.contains("SECRETSECRET"))
            }),
    )
    .count()
}

#[test]
fn the_paste_box_never_tells_accessibility_tools_the_key_in_plain_text() {
    let (mut h, _end) = window(None);
    key_in_the_paste_box(&mut h);
    let field = h.get_by_label("Certificates to import");
    let shown = field.value().unwrap_or_default();
    assert_eq!(
        shown.chars().count(),
        key().chars().count(),
        "the box holds the key (masked): {shown:?}"
    );
    assert_eq!(nodes_telling_the_key(&h), 0, "AccessKit tells the key");
    h.get_by_role_and_label(
        egui::accesskit::Role::PasswordInput,
        "Certificates to import",
    );
}

#[test]
fn after_an_import_the_paste_box_and_its_undo_history_hold_no_key() {
    let (mut h, mut end) = window(None);
    key_in_the_paste_box(&mut h);
    h.get_by_label("Import pasted text").click();
    steps(&mut h, 2);
    let imported = std::iter::from_fn(|| end.actions.try_recv().ok()).any(|a| {
        matches!(a, Action::Credentials(CredentialsAction::ImportText(t)) if t.expose() == key())
    });
    assert!(imported, "the pasted key was not imported");
    let left = |h: &Harness<'static, PlayerApp>| {
        h.get_by_label("Certificates to import")
            .value()
            .unwrap_or_default()
    };
    assert_eq!(left(&h), "", "the box still holds the key");

    // Undo, as many times as it could have recorded, brings nothing back.
    h.get_by_label("Certificates to import").focus();
    h.step();
    for press in 1..=3 {
        h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
        steps(&mut h, 2);
        assert_eq!(left(&h), "", "undo {press} brought the key back");
    }
    let pressed_import = h.query_by_label("Import pasted text").is_some();
    assert!(pressed_import);
    h.get_by_label("Import pasted text").click();
    steps(&mut h, 2);
    let again = std::iter::from_fn(|| end.actions.try_recv().ok())
        .any(|a| matches!(a, Action::Credentials(CredentialsAction::ImportText(_))));
    assert!(!again, "the key came back and was imported again");
}

#[test]
fn a_whole_bundle_pasted_leaves_the_import_button_in_reach() {
    let (mut h, mut end) = window(None);
    steps(&mut h, 2);
    h.get_by_label("Paste certificates").click();
    steps(&mut h, 2);
    let top = h.get_by_label("Certificates to import").rect().top();
    h.get_by_label("Certificates to import").focus();
    h.step();
    // A bundle's size: three PEM blocks of 64-character lines.
    let bundle: String = (0..70)
        .map(|i| format!("{i:02}{}\n", "SECRET".repeat(10)))
        .collect();
    h.get_by_label("Certificates to import").type_text(&bundle);
    steps(&mut h, 3);
    let button = h.get_by_label("Import pasted text").rect();
    assert!(
        button.top() - top < 160.0,
        "the button is {} points below the box's top",
        button.top() - top
    );
    h.get_by_label("Import pasted text").click();
    steps(&mut h, 2);
    let imported = std::iter::from_fn(|| end.actions.try_recv().ok()).any(|a| {
        matches!(a, Action::Credentials(CredentialsAction::ImportText(t)) if t.expose() == bundle)
    });
    assert!(imported, "the whole pasted text is imported");
}
