//! Settings › Player: the player's identity. Draws what the runtime reported
//! and turns clicks into `CredentialsAction`s; never holds a stored secret
//! (pasted text is handed to the runtime at once and cleared).

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, Sender};

use eframe::egui::{self, Color32, Rect, RichText, Ui};

use crate::app::file_dialog::{self, DialogRequest, FileDialogs, Outcome};
use crate::bridge::connection::ConnectionState;
use crate::bridge::credentials::{
    CredentialsAction, CredentialsEvent, PlayerSummary, RegistrationStatus,
};
use crate::credentials::secret_text;
use crate::credentials::server::{Environment, Server};
use crate::protocol::http::Secret;

use super::actions::KeyboardOwner;
use super::wake::Wake;

pub(super) const WARN: Color32 = Color32::from_rgb(240, 170, 60);
pub(super) const ERROR: Color32 = Color32::from_rgb(235, 90, 80);

/// What to do when Import… could not open a file dialog.
const NO_DIALOG_INSTEAD: &str = "Drop the certificate files onto the window, paste them under Paste certificates, or run `makapix-player import FILE…` in a terminal.";

/// Said when Makapix Club refuses this player's identity for good.
const REMOVED: &str = "This player was removed from its Makapix account (or the account is suspended): Makapix Club no longer accepts it. Register this computer again, or import new certificates downloaded from makapix.club. A suspension ends by itself: unless the server said the player was removed for sure, it checks again every hour.";

pub struct PlayerPane {
    pub(crate) summary: Option<PlayerSummary>,
    pub(crate) server: Server,
    pub(crate) registration: Option<RegistrationStatus>,
    pub(crate) working: Option<String>,
    /// The last outcome: (sentence, is_error).
    pub(crate) message: Option<(String, bool)>,
    /// Makapix Club no longer accepts this player (removed from its account, or
    /// the owner is banned): the session knocks hourly at most.
    pub(crate) removed: bool,
    /// `player.json` names this player but the keyring is not up yet: the
    /// runtime keeps trying, and registering now would make a second player.
    pub(crate) keyring_waiting: Option<String>,
    /// When the runtime plans the next automatic renewal (Unix seconds).
    pub(crate) renewal_planned: Option<i64>,
    /// The runtime looked and found no stored player (not merely: not told yet).
    unregistered: bool,
    /// The whole player key is on screen (the user pressed Show): it works as
    /// a password at Makapix, so it is masked until asked for.
    reveal_key: bool,
    confirm_remove: bool,
    paste: String,
    custom_port: String,
    outbox: Vec<CredentialsAction>,
    /// What the Import… dialog came to.
    picked_tx: Sender<Outcome<Vec<PathBuf>>>,
    picked_rx: Receiver<Outcome<Vec<PathBuf>>>,
    dialogs: FileDialogs,
    wake: Wake,
}

impl Default for PlayerPane {
    fn default() -> Self {
        Self::new(FileDialogs::default(), &Wake::default())
    }
}

impl PlayerPane {
    /// A pane whose Import… opens `dialogs`; `wake` brings the window to the answer.
    pub(crate) fn new(dialogs: FileDialogs, wake: &Wake) -> Self {
        let (picked_tx, picked_rx) = mpsc::channel();
        Self {
            summary: None,
            server: Server::default(),
            registration: None,
            working: None,
            message: None,
            removed: false,
            keyring_waiting: None,
            renewal_planned: None,
            unregistered: false,
            reveal_key: false,
            confirm_remove: false,
            paste: String::new(),
            custom_port: Server::default().mqtt_port.to_string(),
            outbox: Vec::new(),
            picked_tx,
            picked_rx,
            dialogs,
            wake: wake.clone(),
        }
    }

    pub fn summary(&self) -> Option<&PlayerSummary> {
        self.summary.as_ref()
    }

    /// The runtime said no player is stored on this computer.
    pub(crate) fn known_unregistered(&self) -> bool {
        self.unregistered && self.summary.is_none() && self.keyring_waiting.is_none()
    }

    /// Asks the runtime for a registration code (the welcome card's first way in).
    pub fn register(&mut self) {
        if self.registration.is_none() {
            self.outbox.push(CredentialsAction::Register);
        }
    }

    /// The session's state: the pane offers a way back when the player was removed.
    pub(crate) fn on_connection(&mut self, state: ConnectionState) {
        self.removed = state == ConnectionState::Removed;
    }

    pub(crate) fn on_event(&mut self, event: CredentialsEvent) {
        match event {
            CredentialsEvent::NotRegistered => {
                self.unregistered = true;
                self.reveal_key = false;
                self.summary = None;
                self.keyring_waiting = None;
                self.renewal_planned = None;
            }
            CredentialsEvent::KeyringWaiting { player_key } => {
                self.unregistered = false;
                self.summary = None;
                self.keyring_waiting = Some(player_key.reveal().to_owned());
            }
            CredentialsEvent::Registered(summary) => {
                self.unregistered = false;
                self.keyring_waiting = None;
                // "Show key" was asked for one key: another player's starts hidden.
                let same =
                    self.summary.as_ref().map(|s| &s.player_key) == Some(&summary.player_key);
                self.reveal_key &= same;
                self.summary = Some(summary);
                self.registration = None;
            }
            CredentialsEvent::Server(server) => {
                self.custom_port = server.mqtt_port.to_string();
                self.server = server;
            }
            CredentialsEvent::Registration(status) => self.registration = Some(status),
            CredentialsEvent::RegistrationEnded => {
                if !matches!(self.registration, Some(RegistrationStatus::CodeExpired)) {
                    self.registration = None;
                }
            }
            CredentialsEvent::Working(text) => self.working = Some(text),
            CredentialsEvent::Done(text) => {
                self.working = None;
                self.message = Some((text, false));
            }
            CredentialsEvent::Failed(text) => {
                self.working = None;
                self.message = Some((text, true));
            }
            CredentialsEvent::RenewalPlanned(at) => self.renewal_planned = at,
        }
    }

    /// What the pane asked for since the last frame, for the window to send.
    pub(crate) fn take_actions(&mut self) -> Vec<CredentialsAction> {
        while let Ok(picked) = self.picked_rx.try_recv() {
            match picked {
                Outcome::Chosen(paths) if !paths.is_empty() => {
                    self.outbox.push(CredentialsAction::ImportFiles(paths));
                }
                Outcome::NeverOpened => {
                    self.message = Some((file_dialog::no_dialog(NO_DIALOG_INSTEAD), true));
                }
                Outcome::Chosen(_) | Outcome::Cancelled => {}
            }
        }
        std::mem::take(&mut self.outbox)
    }

    /// Certificate files dropped on the window and certificate text pasted into
    /// it (outside a text field) are imported, not played: they are taken out
    /// of this frame's input before the art handler sees them.
    pub(crate) fn take_dropped_or_pasted(&mut self, ctx: &egui::Context) {
        let typing = KeyboardOwner::of(ctx) == KeyboardOwner::Text;
        ctx.input_mut(|i| {
            let dropped: Vec<PathBuf> = i
                .raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .collect();
            if !dropped.is_empty() && dropped.iter().all(|p| is_credentials_file(p)) {
                i.raw.dropped_files.clear();
                self.outbox.push(CredentialsAction::ImportFiles(dropped));
            }
            if typing {
                return;
            }
            let outbox = &mut self.outbox;
            i.events.retain(|event| match event {
                egui::Event::Paste(text) if looks_like_credentials(text) => {
                    outbox.push(CredentialsAction::ImportText(Secret::new(text.clone())));
                    false
                }
                _ => true,
            });
        });
    }

    /// The Player section of the settings panel.
    pub fn show(&mut self, ui: &mut Ui, now: i64) {
        match (&self.summary, &self.keyring_waiting) {
            (Some(summary), _) => super::player_identity::show(
                ui,
                summary,
                &self.server,
                self.renewal_planned,
                now,
                &mut self.reveal_key,
            ),
            (None, Some(key)) => {
                let key = crate::player_key::short(key);
                ui.label(format!("This computer is player {key}, but the keyring (GNOME Keyring, KWallet, Keychain or Credential Manager) is not up yet. The player connects as soon as it is; nothing needs to be done."));
                // Registering or importing now would make a second player on the account.
                return;
            }
            (None, None) => {
                ui.label("Not registered: this computer is not linked to a Makapix Club account.");
            }
        }
        if self.removed && self.summary.is_some() {
            self.removed_choices(ui);
        }
        if let Some(text) = &self.working {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(text);
            });
        }
        if let Some((text, is_error)) = &self.message {
            let color = if *is_error {
                ERROR
            } else {
                ui.visuals().text_color()
            };
            ui.label(RichText::new(text).color(color));
        }
        ui.horizontal_wrapped(|ui| {
            if ui.button("Import…").on_hover_text("The certificate bundle (.json) from makapix.club, or the three PEM files picked together").clicked() {
                self.pick_files();
            }
            // Registering again makes a new player (a new player_key) that replaces this one.
            let register = if self.summary.is_some() {
                "Register as a new player"
            } else {
                "Register this computer"
            };
            if self.registration.is_none() && ui.button(register).clicked() {
                self.outbox.push(CredentialsAction::Register);
            }
            if self.summary.is_some() {
                if ui
                    .button("Renew now")
                    .on_hover_text("Ask makapix.club for a new certificate for this player")
                    .clicked()
                {
                    self.outbox.push(CredentialsAction::RenewNow);
                }
                if ui.button("Remove…").clicked() {
                    self.confirm_remove = true;
                }
            }
        });
        if self.confirm_remove {
            self.remove_confirmation(ui);
        }
        ui.collapsing("Paste certificates", |ui| {
            if let Some(text) = super::secret_field::paste_box(ui, &mut self.paste) {
                self.outbox.push(CredentialsAction::ImportText(text));
            }
        });
        self.server_choice(ui);
    }

    fn removed_choices(&mut self, ui: &mut Ui) {
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.label(RichText::new(REMOVED).color(ERROR));
            ui.horizontal_wrapped(|ui| {
                if self.registration.is_none() && ui.button("Register again").clicked() {
                    self.outbox.push(CredentialsAction::Register);
                }
                if ui.button("Import new certificates…").clicked() {
                    self.pick_files();
                }
            });
        });
    }

    fn remove_confirmation(&mut self, ui: &mut Ui) {
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.label("Remove this player's certificate, key and token from this computer? It stops receiving art from Makapix Club until you import or register again.");
            ui.horizontal(|ui| {
                if ui.button("Yes, remove").clicked() {
                    self.outbox.push(CredentialsAction::Remove);
                    self.confirm_remove = false;
                }
                if ui.button("Keep").clicked() {
                    self.confirm_remove = false;
                }
            });
        });
    }

    fn server_choice(&mut self, ui: &mut Ui) {
        ui.horizontal(|ui| {
            let label = ui.label("Server");
            let mut chosen = self.server.environment;
            egui::ComboBox::from_id_salt("server_environment")
                .selected_text(chosen.label())
                .show_ui(ui, |ui| {
                    for env in Environment::ALL {
                        ui.selectable_value(&mut chosen, env, env.label());
                    }
                })
                .response
                .labelled_by(label.id);
            if chosen != self.server.environment {
                let server = Server::for_environment(chosen, &self.server);
                self.outbox
                    .push(CredentialsAction::SetServer(server.clone()));
                self.custom_port = server.mqtt_port.to_string();
                self.server = server;
            }
        });
        if self.server.environment != Environment::Custom {
            return;
        }
        self.websocket_choice(ui);
        let mut edited = self.server.clone();
        let mut changed = false;
        let mut wiped = false;
        egui::Grid::new("custom_server")
            .num_columns(2)
            .show(ui, |ui| {
                for (caption, field) in [
                    ("MQTT host", &mut edited.mqtt_host),
                    ("MQTT port", &mut self.custom_port),
                    ("API base URL", &mut edited.api_base),
                    ("Vault base URL", &mut edited.vault_base),
                ] {
                    let caption = ui.label(caption);
                    let response = ui.text_edit_singleline(field).labelled_by(caption.id);
                    wiped |= super::secret_field::wipe_if_secret(ui, &response, field);
                    changed |= response.lost_focus();
                    ui.end_row();
                }
            });
        let port = self
            .custom_port
            .trim()
            .parse::<u16>()
            .ok()
            .filter(|&p| p != 0);
        if let Some(port) = port {
            edited.mqtt_port = port;
        } else if changed {
            // Sent as it was, the old port would come back into the field unexplained.
            let typed = self.custom_port.trim();
            self.message = Some((
                format!(
                    "\"{typed}\" is not a port: type a number from 1 to 65535 (8883 is MQTT over TLS). The server was not changed."
                ),
                true,
            ));
            changed = false;
        }
        if wiped {
            // Never saved, never sent: the field goes back empty and the pane says why.
            self.message = Some((secret_text::REFUSED.to_owned(), true));
            changed = false;
        }
        if edited != self.server {
            self.server = edited.clone();
        }
        if changed {
            match edited.clone().checked() {
                Ok(_) => self.outbox.push(CredentialsAction::SetServer(edited)),
                Err(e) => self.message = Some((e.to_string(), true)),
            }
        }
    }

    /// Only a custom broker may offer MQTT over a WebSocket; makapix.club does not.
    fn websocket_choice(&mut self, ui: &mut Ui) {
        let mut websocket = self.server.websocket.is_some();
        let toggle = ui.checkbox(&mut websocket, "Connect over WebSocket (wss://…/mqtt)");
        ui.label(
            RichText::new(
                "Only for a custom broker that offers MQTT over a WebSocket, with the same certificate. makapix.club has no WebSocket listener; where a network blocks its MQTT port, the Automatic transport below sends requests and views over HTTPS.",
            )
            .small(),
        );
        if toggle.changed() {
            let mut server = self.server.clone();
            server.websocket = websocket.then(|| server.websocket_url());
            self.outbox
                .push(CredentialsAction::SetServer(server.clone()));
            self.server = server;
        }
    }

    /// Opens the dialog that picks certificate files; what it comes to is
    /// taken with the next `take_actions`. It runs off the window thread, like
    /// the art dialog.
    pub(crate) fn pick_files(&mut self) {
        let tx = self.picked_tx.clone();
        let wake = self.wake.clone();
        let opened = self.dialogs.open(
            DialogRequest::Certificates,
            "credentials-dialog",
            move |outcome| {
                let _ = tx.send(outcome);
                wake.wake();
            },
        );
        if opened.is_err() {
            self.message = Some((
                "The file dialog could not be opened; paste the certificates instead.".into(),
                true,
            ));
        }
    }

    /// Over the canvas's top: the certificate's banner, if one is due; where it is.
    pub fn banner(&self, ctx: &egui::Context, canvas: Rect, now: i64) -> Option<Rect> {
        let summary = self.summary.as_ref()?;
        super::player_banner::show(ctx, canvas, summary, self.removed, now)
    }

    /// Over the canvas: the registration code.
    /// Returns true while something counts down (repaint each second).
    pub fn overlay(&mut self, ctx: &egui::Context, canvas: Rect, now: i64) -> bool {
        let Some(status) = self.registration.clone() else {
            return false;
        };
        let painter = ctx.layer_painter(egui::LayerId::new(
            egui::Order::Middle,
            egui::Id::unique("registration_backdrop"),
        ));
        painter.rect_filled(canvas, 0.0, Color32::from_black_alpha(215));
        egui::Area::new(egui::Id::unique("registration_code"))
            .order(egui::Order::Foreground)
            .fixed_pos(canvas.center() - egui::vec2(190.0, 130.0))
            .show(ctx, |ui| {
                ui.set_width(380.0);
                ui.vertical_centered(|ui| self.registration_card(ui, &status, now));
            });
        true
    }

    fn registration_card(&mut self, ui: &mut Ui, status: &RegistrationStatus, now: i64) {
        ui.label(
            RichText::new("Register this computer")
                .size(20.0)
                .color(Color32::WHITE),
        );
        match status {
            RegistrationStatus::Starting => {
                ui.spinner();
                ui.label("Asking makapix.club for a code…");
            }
            RegistrationStatus::Code { code, expires_at }
            | RegistrationStatus::RateLimited { code, expires_at } => {
                ui.label(
                    RichText::new(code)
                        .monospace()
                        .size(64.0)
                        .strong()
                        .color(Color32::WHITE),
                );
                ui.label(RichText::new("On makapix.club go to Settings › Players › Add Device and enter this code.").color(Color32::LIGHT_GRAY));
                let left = (expires_at - now).max(0);
                ui.label(
                    RichText::new(format!(
                        "The code expires in {}:{:02}",
                        left / 60,
                        left % 60
                    ))
                    .color(Color32::LIGHT_GRAY),
                );
                if matches!(status, RegistrationStatus::RateLimited { .. }) {
                    ui.label(
                        RichText::new(
                            "The server asked us to slow down; checking again in a minute.",
                        )
                        .color(WARN),
                    );
                }
            }
            RegistrationStatus::Storing => {
                ui.spinner();
                ui.label("Code accepted: storing the certificates in the keyring…");
            }
            RegistrationStatus::CodeExpired => {
                ui.label(RichText::new("The code expired before it was entered.").color(WARN));
                if ui.button("Get a new code").clicked() {
                    self.outbox.push(CredentialsAction::Register);
                }
            }
        }
        ui.add_space(6.0);
        if ui.button("Cancel").clicked() {
            self.outbox.push(CredentialsAction::CancelRegistration);
            self.registration = None;
        }
    }
}

fn is_credentials_file(path: &std::path::Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        ["json", "pem", "crt", "cer", "key"].contains(&e.to_ascii_lowercase().as_str())
    })
}

/// PEM blocks or the web's bundle, as opposed to a path or prose.
fn looks_like_credentials(text: &str) -> bool {
    text.contains("-----BEGIN ")
        || (text.trim_start().starts_with('{') && text.contains("\"key_pem\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_import_dialog_that_never_opened_says_what_else_to_do() {
        let mut pane = PlayerPane::default();
        pane.picked_tx.send(Outcome::Cancelled).unwrap();
        assert!(pane.take_actions().is_empty());
        assert!(pane.message.is_none(), "a cancelled dialog says nothing");
        pane.picked_tx.send(Outcome::NeverOpened).unwrap();
        assert!(pane.take_actions().is_empty());
        let said = pane.message.as_ref().map(|(text, _)| text.as_str());
        assert!(
            said.is_some_and(|t| t.contains("makapix-player import")),
            "{said:?}"
        );
        let picked = vec![PathBuf::from("/a/certs.json")];
        pane.picked_tx
            .send(Outcome::Chosen(picked.clone()))
            .unwrap();
        assert!(
            matches!(&pane.take_actions()[..], [CredentialsAction::ImportFiles(p)] if *p == picked)
        );
    }
}
