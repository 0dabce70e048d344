//! Settings › Player's facts of the stored player: its key (masked unless
//! asked for), the certificate's expiry and next renewal, issuer and server.

use eframe::egui::{self, RichText, Ui};

use super::player_pane::{ERROR, WARN};
use crate::bridge::credentials::PlayerSummary;
use crate::credentials::renewal::Health;
use crate::credentials::renewal_schedule;
use crate::credentials::server::Server;
use crate::credentials::validate::format_date;

/// The facts in a grid whose cells wrap within the panel.
pub(super) fn show(
    ui: &mut Ui,
    summary: &PlayerSummary,
    server: &Server,
    renewal: Option<i64>,
    now: i64,
    reveal: &mut bool,
) {
    // Cells wrap within the panel's width: a grid left to itself widens the
    // panel to its longest line (the server's), and the canvas narrows.
    egui::Grid::new("player_identity")
        .num_columns(2)
        .max_col_width(ui.available_width() * 0.62)
        .show(ui, |ui| {
            ui.label("Player key");
            player_key(ui, &summary.player_key, reveal);
            ui.end_row();
            ui.label("Expires");
            let date = format_date(summary.not_after);
            let (text, color) = match summary.health(now) {
                Health::Valid { days_left } => (format!("{date} ({days_left} days left)"), None),
                Health::ExpiringSoon { days_left } => {
                    (format!("{date} ({days_left} days left)"), Some(WARN))
                }
                Health::Expired => (format!("{date} (expired)"), Some(ERROR)),
            };
            let mut text = RichText::new(text);
            if let Some(color) = color {
                text = text.color(color);
            }
            ui.label(text);
            ui.end_row();
            if let Some(at) = renewal {
                ui.label("Next renewal");
                ui.label(format!(
                    "automatic, {}",
                    renewal_schedule::describe(at, now)
                ));
                ui.end_row();
            }
            ui.label("Issuer");
            ui.label(&summary.issuer);
            ui.end_row();
            ui.label("Server");
            ui.label(server.describe());
            ui.end_row();
        });
}

/// The key masked (its short form) unless `reveal`; Copy puts the whole key on
/// the clipboard without showing it.
fn player_key(ui: &mut Ui, key: &str, reveal: &mut bool) {
    ui.horizontal_wrapped(|ui| {
        let shown = if *reveal {
            key.to_owned()
        } else {
            crate::player_key::short(key).to_string()
        };
        let toggle = if *reveal { "Hide key" } else { "Show key" };
        if ui
            .small_button(toggle)
            .on_hover_text(
                "The player key works as a password at Makapix Club: show it only to yourself",
            )
            .clicked()
        {
            *reveal = !*reveal;
        }
        if ui
            .small_button("Copy key")
            .on_hover_text("Copies the whole player key")
            .clicked()
        {
            ui.ctx().copy_text(key.to_owned());
        }
        // After the buttons, so showing the long key does not move them.
        ui.label(RichText::new(shown).monospace().small());
    });
}
