//! The bottom bar: connection indicator, what plays, and messages for the user.

use eframe::egui::{self, Color32, RichText, Ui};

use super::app::PlayerApp;

pub fn show(ui: &mut Ui, app: &PlayerApp) {
    egui::Panel::bottom("status_bar").show(ui, |ui| {
        ui.horizontal(|ui| {
            connection_indicator(ui);
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

/// Until a player is registered (credentials arrive in a later version) it is "Not registered".
fn connection_indicator(ui: &mut Ui) {
    // A painted dot: it does not depend on a font having the glyph.
    let (rect, _) = ui.allocate_exact_size(egui::vec2(12.0, 12.0), egui::Sense::hover());
    ui.painter()
        .circle_filled(rect.center(), 5.0, Color32::GRAY);
    ui.label("Not registered").on_hover_text(
        "This player is not linked to a Makapix Club account, so it plays local files and the sample art.",
    );
}
