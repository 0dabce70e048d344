//! Device previews in the window: up to four tiles side by side (in a row,
//! or 2×2 when that makes them larger), each captioned with its device and
//! the line on what the device does to the artwork (`preview_notes`), and
//! named for screen readers and tests. The Screen tile is the plain canvas's
//! drawing; the p3a tile is one textured quad in a bezel, placed and dimmed
//! as the device places and dims it; an LED tile is drawn by `preview_view`
//! from the LED state it keeps.

use eframe::egui::{self, Align2, Color32, FontId, Rect, Sense, TextureHandle, Ui, vec2};

use super::app::PlayerApp;
use super::geometry;
use super::library::LoadedArt;
use super::preview_view::{draw_led, look};
use crate::preview::color;
use crate::preview::{Mirror, PreviewMode, panel};
use crate::settings::Settings;

const CAPTION: f32 = 22.0;
const MARGIN: f32 = 8.0;
/// The p3a's bezel around its screen, as a share of the screen's side.
const BEZEL: f32 = 0.1;

/// Splits the canvas into one tile per preview: a row, or 2×2 when that makes them larger.
pub fn tiles(canvas: Rect, count: usize) -> Vec<Rect> {
    let count = count.max(1);
    let row = |cols: usize, rows: usize| {
        let size = vec2(canvas.width() / cols as f32, canvas.height() / rows as f32);
        (0..count)
            .map(|i| {
                let at = vec2((i % cols) as f32 * size.x, (i / cols) as f32 * size.y);
                Rect::from_min_size(canvas.min + at, size)
            })
            .collect::<Vec<_>>()
    };
    let side = |cols: usize, rows: usize| {
        (canvas.width() / cols as f32).min(canvas.height() / rows as f32 - CAPTION)
    };
    if count == 4 && side(2, 2) > side(4, 1) {
        row(2, 2)
    } else {
        row(count, 1)
    }
}

/// Draws every preview of `art`; each tile says what it shows for screen readers and tests.
pub(crate) fn draw(
    ui: &Ui,
    canvas: Rect,
    app: &PlayerApp,
    art: &LoadedArt,
    checker: &TextureHandle,
) {
    let settings = app.settings();
    let source = app.engine().current();
    let name = source.map(|s| s.display_name()).unwrap_or_default();
    let notes = match source {
        Some(source) => app.previews().notes().lines(source, art, &look(settings)),
        None => Vec::new(),
    };
    let modes = &settings.preview.modes;
    let painter = ui.painter_at(canvas);
    for (i, (mode, tile)) in modes.iter().zip(tiles(canvas, modes.len())).enumerate() {
        let caption = Rect::from_min_size(tile.min, vec2(tile.width(), CAPTION));
        painter.text(
            caption.center(),
            Align2::CENTER_CENTER,
            mode.label(),
            FontId::proportional(14.0),
            Color32::from_gray(200),
        );
        let below = match notes.get(i).and_then(Option::as_ref) {
            Some(note) => draw_note(ui, &painter, tile, note, i),
            None => 0.0,
        };
        let area = Rect::from_min_max(
            tile.min + vec2(MARGIN, CAPTION + below),
            tile.max - vec2(MARGIN, MARGIN),
        );
        let frame = match mode {
            PreviewMode::Screen => {
                super::canvas::draw_art(ui, area, art, settings, checker, app.previews().art());
                Some(art.shown_frame())
            }
            PreviewMode::P3a => {
                draw_p3a(ui, area, art, settings);
                Some(art.shown_frame())
            }
            PreviewMode::Led { w, h } => draw_led(ui, area, [*w, *h], app, art, i),
        };
        let label = match frame {
            Some(frame) => format!("{} preview: {name}, frame {}", mode.label(), frame + 1),
            None => format!("{} preview: {name}", mode.label()),
        };
        let response = ui.interact(tile, ui.scope_id().with(("preview", i)), Sense::hover());
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, &label));
    }
}

/// The line saying what the device does to the artwork, under the tile's
/// caption, wrapped to the tile; returns the height it takes.
fn draw_note(ui: &Ui, painter: &egui::Painter, tile: Rect, note: &str, i: usize) -> f32 {
    let colour = Color32::from_gray(165);
    let width = (tile.width() - 2.0 * MARGIN).max(10.0);
    let galley = painter.layout(note.to_owned(), FontId::proportional(11.0), colour, width);
    let at = tile.min + vec2(MARGIN, CAPTION);
    let rect = Rect::from_min_size(at, galley.size());
    painter.galley(at, galley, colour);
    let response = ui.interact(rect, ui.scope_id().with(("device note", i)), Sense::hover());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, note));
    rect.height() + 4.0
}

/// A square in `area`, in whole physical pixels.
fn snapped_square(area: Rect, side_px: f32, ppp: f32) -> Rect {
    let min = ((area.center().to_vec2() * ppp) - vec2(side_px, side_px) / 2.0).round() / ppp;
    Rect::from_min_size(min.to_pos2(), vec2(side_px, side_px) / ppp)
}

fn draw_p3a(ui: &Ui, area: Rect, art: &LoadedArt, settings: &Settings) {
    let ppp = ui.ctx().pixels_per_point();
    let outer = area.width().min(area.height()) * ppp;
    let screen_px = (outer / (1.0 + 2.0 * BEZEL)).floor();
    if screen_px < 8.0 {
        return;
    }
    let screen = snapped_square(area, screen_px, ppp);
    let bezel = screen.expand(screen.width() * BEZEL);
    let painter = ui.painter_at(area);
    painter.rect_filled(bezel, bezel.width() * 0.06, Color32::from_rgb(24, 24, 27));
    painter.rect_stroke(
        bezel,
        bezel.width() * 0.06,
        egui::Stroke::new(1.0, Color32::from_gray(70)),
        egui::StrokeKind::Inside,
    );
    let tint = color::p3a_tint(settings.brightness);
    let dim = |[r, g, b]: [u8; 3]| {
        Color32::from_rgb(
            color::tinted(r, tint),
            color::tinted(g, tint),
            color::tinted(b, tint),
        )
    };
    painter.rect_filled(screen, 0.0, dim(settings.background));
    let rotated = geometry::rotated_size([art.width, art.height], settings.rotation);
    let Some([x, y, w, h]) = panel::p3a_rect(rotated) else {
        return;
    };
    // The device's 720 pixels, shrunk to the tile: the GPU's nearest sampling
    // picks the same texels as the firmware's lookup tables, up to rounding.
    let unit = screen.width() / panel::P3A_SIDE as f32;
    let rect = Rect::from_min_size(
        screen.min + vec2(x as f32, y as f32) * unit,
        vec2(w as f32, h as f32) * unit,
    );
    // Transparent pixels show the background the firmware composites them over.
    let gray = Color32::from_gray(tint);
    // Turned as the p3a turns it, never mirrored: p3a has no mirror.
    painter.add(super::canvas::oriented_quad(
        art.texture_to_draw(painter.ctx()),
        rect,
        settings.rotation,
        Mirror::None,
        gray,
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use eframe::egui::pos2;

    #[test]
    fn four_tiles_go_2_by_2_on_a_squarish_canvas_and_in_a_row_on_a_wide_one() {
        let square = Rect::from_min_size(pos2(0.0, 0.0), vec2(800.0, 800.0));
        let t = tiles(square, 4);
        assert_eq!(
            t[3],
            Rect::from_min_size(pos2(400.0, 400.0), vec2(400.0, 400.0))
        );
        let wide = Rect::from_min_size(pos2(0.0, 0.0), vec2(2000.0, 400.0));
        let t = tiles(wide, 4);
        assert_eq!(
            t[3],
            Rect::from_min_size(pos2(1500.0, 0.0), vec2(500.0, 400.0))
        );
        assert_eq!(tiles(square, 2)[1].min, pos2(400.0, 0.0));
    }
}
