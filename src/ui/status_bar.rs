//! The bottom bar: connection indicator, what plays, and messages for the user.

use eframe::egui::{self, Color32, RichText, Ui};

use std::time::SystemTime;

use super::actions::UserAction;
use super::app::PlayerApp;
use super::diagnostics::ConnectionView;
use super::preview_view::PreviewCommand;
use crate::bridge::connection::ConnectionState;
use crate::bridge::credentials::RegistrationStatus;
use crate::bridge::transport::Via;
use crate::session::likes::LikeState;
use crate::settings::SettingsSection;

pub fn show(ui: &mut Ui, app: &PlayerApp, actions: &mut Vec<UserAction>) {
    egui::Panel::bottom("status_bar").show(ui, |ui| {
        ui.horizontal(|ui| {
            connection_indicator(ui, app.connection_view(), actions);
            ui.separator();
            long_work(ui, app, actions);
            let engine = app.engine();
            let state = if engine.is_paused() {
                "⏸ Paused"
            } else {
                "▶ Playing"
            };
            ui.label(state);
            if engine.is_pinned() {
                ui.label(RichText::new("📌 Pinned").strong());
            }
            if let (Some(index), Some(source)) = (engine.current_index(), engine.current()) {
                ui.label(format!(
                    "{} / {} · {} · {}",
                    index + 1,
                    engine.items().len(),
                    source.display_name(),
                    app.channel().label()
                ));
            }
            match app.like_state() {
                LikeState::NotAPost => {}
                LikeState::Sending => {
                    ui.label("❤ …");
                }
                LikeState::Liked(liked) => {
                    let (text, tip) = if liked {
                        ("❤ Liked", "Remove your ❤️ from this artwork (L)")
                    } else {
                        ("♡ Like", "Give this artwork a ❤️ on Makapix Club (L)")
                    };
                    // An id of its own, not one counted from its place: the
                    // labels before it come and go (pinned, a download, a
                    // decode), and a click pressed under one id and released
                    // under the next, or a screen reader's aimed at the last
                    // pass's, would be lost.
                    let own = egui::UiBuilder::new().scope_id(egui::Id::unique("status bar like"));
                    let button = ui.scope_builder(own, |ui| ui.button(text)).inner;
                    if button.on_hover_text(tip).clicked() {
                        actions.push(UserAction::ToggleLike);
                    }
                }
            }
            if app.previews().is_exporting() {
                cancel_export(ui, actions);
            }
            if let Some(notice) = app.notice() {
                ui.separator();
                let color = if notice.is_error {
                    Color32::from_rgb(255, 170, 90)
                } else {
                    ui.visuals().text_color()
                };
                // The row neither wraps nor grows: a sentence longer than the
                // room left ends in "…" and is read whole on hover (and by
                // screen readers), rather than cut off at the window's edge.
                let text = RichText::new(&notice.text).color(color);
                ui.add(egui::Label::new(text).truncate());
            }
        });
    });
}

/// Before the export's progress (the notice, which may be cut short to fit):
/// stops it, no file written.
fn cancel_export(ui: &mut Ui, actions: &mut Vec<UserAction>) {
    // An id of its own, as the like button's: the labels before it come and go.
    let own = egui::UiBuilder::new().scope_id(egui::Id::unique("status bar cancel export"));
    let button = ui.scope_builder(own, |ui| ui.button("Cancel export")).inner;
    let tip = "Stop the preview export; no file is written (Esc)";
    if button.on_hover_text(tip).clicked() {
        actions.push(UserAction::Preview(PreviewCommand::CancelExport));
    }
}

/// Work that takes a while, said while it lasts: a registration code waiting
/// to be entered (also with its card hidden), files being read, downloads,
/// decoding.
fn long_work(ui: &mut Ui, app: &PlayerApp, actions: &mut Vec<UserAction>) {
    let now = unix_now();
    if let Some(
        RegistrationStatus::Code { code, expires_at }
        | RegistrationStatus::RateLimited { code, expires_at },
    ) = &app.player().registration
    {
        let left = (expires_at - now).max(0);
        let text = format!("Code {code} · {}:{:02} left", left / 60, left % 60);
        let tip = "Enter this code on makapix.club › Settings › Players › Add Device. Click for Settings › Player.";
        // A button, not a clickable label: a screen reader says it can be pressed.
        let button = egui::Button::new(RichText::new(text).strong()).frame(false);
        if ui.add(button).on_hover_text(tip).clicked() {
            actions.push(UserAction::OpenSettingsSection(SettingsSection::Player));
        }
        ui.separator();
    }
    let downloads = app.downloads();
    if downloads.in_flight > 0 {
        let many = if downloads.in_flight == 1 {
            "download"
        } else {
            "downloads"
        };
        ui.label(format!(
            "⬇ {} {many} · {}",
            downloads.in_flight,
            bytes(downloads.bytes)
        ))
        .on_hover_text("Artworks being downloaded from Makapix Club");
        ui.separator();
    }
    if let Some(reading) = app.reading() {
        ui.spinner();
        ui.label(reading).on_hover_text(
            "A large folder or a slow drive takes a while; what plays goes on meanwhile",
        );
        ui.separator();
    }
    if app.decoding_on_screen() {
        ui.spinner();
        ui.label("Decoding the animation…")
            .on_hover_text("Its first frame shows while the other frames are decoded");
        ui.separator();
    }
}

/// 340 B, 12 KB, 3.4 MB.
fn bytes(n: u64) -> String {
    match n {
        0..1024 => format!("{n} B"),
        1024..1_048_576 => format!("{} KB", n / 1024),
        _ => format!("{:.1} MB", n as f64 / 1_048_576.0),
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn connection_indicator(ui: &mut Ui, view: &ConnectionView, actions: &mut Vec<UserAction>) {
    let (color, word) = match view.state {
        // Said plainly: the fix (closing the other player) is the user's.
        _ if view.identity_in_use() => (
            Color32::from_rgb(220, 70, 60),
            "Another device or program is using this player's identity",
        ),
        ConnectionState::Connected if view.info.via == Via::Https => (
            Color32::from_rgb(120, 180, 230),
            "Connected over HTTPS — commands from makapix.club need port 8883",
        ),
        ConnectionState::NotRegistered => (Color32::GRAY, "Not registered"),
        ConnectionState::Disconnected => (Color32::from_rgb(220, 70, 60), "Disconnected"),
        ConnectionState::Connecting => (Color32::from_rgb(230, 190, 60), "Connecting…"),
        ConnectionState::Connected => (Color32::from_rgb(80, 200, 110), "Connected"),
        ConnectionState::Reconnecting => (Color32::from_rgb(240, 140, 50), "Reconnecting…"),
        ConnectionState::Removed => (Color32::from_rgb(220, 70, 60), "Removed from account"),
        ConnectionState::Banned => (Color32::from_rgb(220, 70, 60), "Owner's account banned"),
    };
    // A painted dot: it does not depend on a font having the glyph.
    let (rect, _) = ui.allocate_exact_size(egui::vec2(12.0, 12.0), egui::Sense::hover());
    ui.painter().circle_filled(rect.center(), 5.0, color);
    let tooltip = view.tooltip(SystemTime::now());
    if ui
        .add(egui::Button::new(word).frame(false))
        .on_hover_text(tooltip)
        .clicked()
    {
        actions.push(view.leads_to());
    }
    if view.can_reconnect() && ui.small_button("Reconnect now").clicked() {
        actions.push(UserAction::ReconnectNow);
    }
}
