//! What floats over the canvas: the info overlay, the drop hint, and the Help windows.

use std::time::Duration;

use eframe::egui::{self, Color32, Rect, RichText};

use super::actions::{SHORTCUTS, UserAction};
use super::app::PlayerApp;
use super::canvas::placement;
use super::library::Entry;

/// The Help windows that are open.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct HelpWindows {
    pub(crate) shortcuts: bool,
    pub(crate) about: bool,
}

/// Draws what floats over the canvas; returns which Help windows stay open.
pub(crate) fn show(
    ctx: &egui::Context,
    app: &PlayerApp,
    now: Duration,
    canvas: Rect,
    banner: Option<Rect>,
    actions: &mut Vec<UserAction>,
) -> HelpWindows {
    let mut help = app.help();
    if app.settings().show_info {
        info(ctx, app, now, canvas, banner);
    }
    let hovering = ctx.input(|i| !i.raw.hovered_files.is_empty());
    if hovering {
        let painter = ctx.layer_painter(egui::LayerId::new(
            egui::Order::Foreground,
            egui::Id::unique("drop_hint"),
        ));
        painter.rect_filled(canvas, 0.0, Color32::from_black_alpha(170));
        painter.text(
            canvas.center(),
            egui::Align2::CENTER_CENTER,
            "Drop files or folders to play them",
            egui::FontId::proportional(22.0),
            Color32::WHITE,
        );
    }
    let mut open = help.shortcuts;
    egui::Window::new("Keyboard shortcuts")
        .open(&mut open)
        .collapsible(false)
        .resizable(false)
        .show(ctx, |ui| {
            egui::Grid::new("shortcuts")
                .num_columns(2)
                .striped(true)
                .show(ui, |ui| {
                    for (keys, what) in SHORTCUTS {
                        ui.strong(keys);
                        ui.label(what);
                        ui.end_row();
                    }
                });
        });
    help.shortcuts = open;
    let mut open = help.about;
    egui::Window::new("About Makapix Player")
        .open(&mut open)
        .collapsible(false)
        .resizable(false)
        .show(ctx, |ui| {
            ui.heading(format!("Makapix Player {}", crate::VERSION));
            ui.label("A desktop player for Makapix Club pixel art.");
            if ui.button("Keyboard shortcuts").clicked() {
                actions.push(UserAction::ShowShortcuts);
            }
        });
    help.about = open;
    help
}

fn info(ctx: &egui::Context, app: &PlayerApp, now: Duration, canvas: Rect, banner: Option<Rect>) {
    let engine = app.engine();
    let Some(source) = engine.current() else {
        return;
    };
    let mut lines = vec![RichText::new(source.display_name()).strong()];
    match app.library().get(source) {
        Some(Entry::Ready(art)) => {
            lines.push(RichText::new(format!(
                "{}×{} px · {}",
                art.width,
                art.height,
                art.format.name()
            )));
            if art.frame_count() > 1 {
                let frame = art.clock.frame_at(engine.visible_elapsed(now)).index + 1;
                lines.push(RichText::new(format!(
                    "{} frames (now {frame}) · loop {:.2} s",
                    art.frame_count(),
                    art.loop_duration().as_secs_f64()
                )));
            } else {
                lines.push(RichText::new("Still image"));
            }
            if let Some(place) = placement(art, app.settings(), canvas, ctx.pixels_per_point()) {
                let scale = if place.scale.fract() == 0.0 {
                    format!("{}×", place.scale)
                } else {
                    format!("{:.2}×", place.scale)
                };
                lines.push(RichText::new(format!(
                    "Scale {scale} · {}",
                    app.settings().scale_mode.label()
                )));
            }
        }
        Some(Entry::Failed(_)) => lines.push(RichText::new("Could not be shown")),
        None => lines.push(RichText::new("Loading…")),
    }
    if let Some(index) = engine.current_index() {
        lines.push(RichText::new(format!(
            "{} of {} · {}",
            index + 1,
            engine.items().len(),
            app.channel().label()
        )));
    }
    // Part of the canvas, like the certificate banner (and below it): under every window.
    let top = banner.map_or(canvas.min.y + 10.0, |b| b.bottom() + 6.0);
    egui::Area::new(egui::Id::unique("info_overlay"))
        .fixed_pos(egui::pos2(canvas.min.x + 10.0, top))
        .order(egui::Order::Background)
        .interactable(false)
        .show(ctx, |ui| {
            egui::Frame::new()
                .fill(Color32::from_black_alpha(190))
                .corner_radius(6.0)
                .inner_margin(8.0)
                .show(ui, |ui| {
                    // One line per fact: a wrapped line would make the box jump as the frame number changes.
                    ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Extend);
                    for line in lines {
                        ui.label(line.color(Color32::WHITE));
                    }
                });
        });
}
