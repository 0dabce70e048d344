//! The bottom bar: connection indicator, what plays, and messages for the user.

use eframe::egui::{self, Color32, RichText, Ui};

use super::app::PlayerApp;
use crate::bridge::connection::ConnectionState;

pub fn show(ui: &mut Ui, app: &PlayerApp) {
    egui::Panel::bottom("status_bar").show(ui, |ui| {
        ui.horizontal(|ui| {
            connection_indicator(ui, app.connection());
            ui.separator();
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
            if let Some(notice) = app.notice() {
                ui.separator();
                let color = if notice.is_error {
                    Color32::from_rgb(255, 170, 90)
                } else {
                    ui.visuals().text_color()
                };
                ui.label(RichText::new(&notice.text).color(color));
            }
        });
    });
}

fn connection_indicator(ui: &mut Ui, state: ConnectionState) {
    let (color, word, hint) = match state {
        ConnectionState::NotRegistered => (
            Color32::GRAY,
            "Not registered",
            "This player is not linked to a Makapix Club account, so it plays local files and the sample art.",
        ),
        ConnectionState::Disconnected => (
            Color32::from_rgb(220, 70, 60),
            "Disconnected",
            "Not connected to Makapix Club.",
        ),
        ConnectionState::Connecting => (
            Color32::from_rgb(230, 190, 60),
            "Connecting…",
            "Connecting to Makapix Club.",
        ),
        ConnectionState::Connected => (
            Color32::from_rgb(80, 200, 110),
            "Connected",
            "Connected to Makapix Club.",
        ),
        ConnectionState::Reconnecting => (
            Color32::from_rgb(240, 140, 50),
            "Reconnecting…",
            "The connection was lost; the player is trying again.",
        ),
    };
    // A painted dot: it does not depend on a font having the glyph.
    let (rect, _) = ui.allocate_exact_size(egui::vec2(12.0, 12.0), egui::Sense::hover());
    ui.painter().circle_filled(rect.center(), 5.0, color);
    ui.label(word).on_hover_text(hint);
}
