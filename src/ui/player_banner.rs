//! Over the canvas, a line about the player's certificate: expiring soon,
//! expired, or the player removed from its account.

use eframe::egui::{self, Color32, Rect, RichText};

use super::player_pane::{ERROR, WARN};
use crate::bridge::credentials::PlayerSummary;
use crate::credentials::renewal::Health;

const REMOVED_BANNER: &str = "This player was removed from its Makapix account. Register it again or import new certificates in Settings › Player.";

/// The banner's area (and layer) id.
fn id() -> egui::Id {
    egui::Id::unique("player_banner")
}

/// The banner for `summary` (removed from its account: `removed`), if one is
/// due: where it is, so that what else sits in the canvas's corner (the info
/// overlay) goes below it in the same frame.
pub(super) fn show(
    ctx: &egui::Context,
    canvas: Rect,
    summary: &PlayerSummary,
    removed: bool,
    now: i64,
) -> Option<Rect> {
    if removed {
        return Some(show_banner(ctx, canvas, REMOVED_BANNER, ERROR));
    }
    let (text, color) = match summary.health(now) {
        Health::Valid { .. } => return None,
        Health::ExpiringSoon { days_left } => (
            format!("The player certificate expires in {days_left} days. Renew it in Settings › Player."),
            WARN,
        ),
        Health::Expired => (
            "The player certificate has expired: this player cannot connect. Renew it or register again in Settings › Player.".to_owned(),
            ERROR,
        ),
    };
    Some(show_banner(ctx, canvas, &text, color))
}

fn show_banner(ctx: &egui::Context, canvas: Rect, text: &str, color: Color32) -> Rect {
    // Part of the canvas: under Diagnostics and the other windows, not over them.
    egui::Area::new(id())
        .order(egui::Order::Background)
        .interactable(false)
        .fixed_pos(canvas.left_top() + egui::vec2(8.0, 8.0))
        .show(ctx, |ui| {
            egui::Frame::new()
                .fill(color)
                .inner_margin(6.0)
                .corner_radius(4.0)
                .show(ui, |ui| {
                    ui.set_max_width(canvas.width() - 32.0);
                    ui.label(RichText::new(text).color(Color32::BLACK));
                });
        })
        .response
        .rect
}
