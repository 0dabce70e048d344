//! The artwork canvas: the background colour, the artwork at its placement
//! (rotated, mirrored, dimmed), or a placeholder that says why it is missing.

use eframe::egui::{
    self, Align2, Color32, ColorImage, FontId, Mesh, Rect, Sense, Shape, TextureHandle,
    TextureOptions, TextureWrapMode, Ui, epaint::Vertex,
};

use super::app::PlayerApp;
use super::art_gl::ArtGl;
use super::geometry::{self, Placement};
use super::library::{Entry, LoadedArt};
use crate::preview::{Mirror, Rotation};
use crate::settings::Settings;

const CHECKER_SQUARE_POINTS: f32 = 8.0;

/// Draws the canvas in the space the panels left; returns its rectangle.
pub fn show(ui: &mut Ui, app: &PlayerApp, checker: &TextureHandle) -> Rect {
    let settings = app.settings();
    let response = egui::CentralPanel::no_frame().show(ui, |ui| {
        let rect = ui.max_rect();
        let response = ui.allocate_rect(rect, Sense::hover());
        let painter = ui.painter_at(rect);
        // No fill: the frame is cleared to this very colour (`canvas_clear_color`), and on
        // software OpenGL one more full-window pass is a large share of a frame's cost.
        let name = app
            .engine()
            .current()
            .map(|s| s.display_name())
            .unwrap_or_default();
        // Screen readers (and the UI tests) hear what the canvas shows.
        let label = match app.engine().current().and_then(|s| app.library().get(s)) {
            Some(Entry::Ready(art)) => {
                if settings.preview.is_plain_screen() {
                    draw_art(ui, rect, art, settings, checker, app.previews().art());
                } else {
                    super::preview_tiles::draw(ui, rect, app, art, checker);
                }
                if let Some(source) = app.engine().current() {
                    super::present_trace::mark(&painter, rect, source, art.shown_frame());
                }
                format!("Artwork: {name}")
            }
            Some(Entry::Failed(reason)) => {
                draw_placeholder(&painter, rect, &name, reason, app.engine().is_pinned());
                format!("Cannot show {name}: {reason}")
            }
            None => {
                painter.text(
                    rect.center(),
                    Align2::CENTER_CENTER,
                    "Loading…",
                    FontId::proportional(18.0),
                    Color32::GRAY,
                );
                "Loading".to_owned()
            }
        };
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, &label));
        rect
    });
    response.inner
}

/// What the window is cleared to before each frame: the canvas's own background, dimmed
/// by the brightness setting like everything on the canvas.
pub(crate) fn canvas_clear_color(settings: &Settings) -> [f32; 4] {
    dimmed(background(settings), settings.brightness).to_normalized_gamma_f32()
}

fn background(settings: &Settings) -> Color32 {
    let [r, g, b] = settings.background;
    Color32::from_rgb(r, g, b)
}

/// Brightness acts like a display's backlight: it dims everything on the canvas.
fn brightness_tint(brightness: u8) -> Color32 {
    let level = (f32::from(brightness.min(100)) * 2.55).round() as u8;
    Color32::from_rgb(level, level, level)
}

fn dimmed(color: Color32, brightness: u8) -> Color32 {
    color * brightness_tint(brightness)
}

pub(crate) fn placement(
    art: &LoadedArt,
    settings: &Settings,
    canvas: Rect,
    ppp: f32,
) -> Option<Placement> {
    geometry::place(
        [art.width, art.height],
        settings.rotation,
        settings.scale_mode,
        canvas,
        ppp,
    )
}

pub(crate) fn draw_art(
    ui: &Ui,
    canvas: Rect,
    art: &LoadedArt,
    settings: &Settings,
    checker: &TextureHandle,
    gl: &ArtGl,
) {
    let Some(place) = placement(art, settings, canvas, ui.ctx().pixels_per_point()) else {
        return;
    };
    let painter = ui.painter_at(canvas);
    let tint = brightness_tint(settings.brightness);
    let uvs = geometry::uv_corners(settings.rotation, settings.mirror);
    let level = f32::from(tint.r()) / 255.0;
    let own = gl.callback(art, place.rect, uvs, level);
    // An opaque frame hides the checkerboard: it is not drawn at all.
    let opaque = own.as_ref().is_some_and(|(_, opaque)| *opaque);
    if settings.checkerboard && !opaque {
        let uv = geometry::checker_uv(place.rect, CHECKER_SQUARE_POINTS);
        painter.image(checker.id(), place.rect, uv, tint);
    }
    match own {
        Some((callback, _)) => painter.add(callback),
        None => {
            // `advance_frame` has made the frame due now the one shown.
            let texture = art.texture_to_draw(ui.ctx());
            painter.add(oriented_quad(
                texture,
                place.rect,
                settings.rotation,
                settings.mirror,
                tint,
            ))
        }
    };
}

/// `texture` drawn over `rect`, turned and mirrored as the settings say, tinted.
pub(crate) fn oriented_quad(
    texture: egui::TextureId,
    rect: Rect,
    rotation: Rotation,
    mirror: Mirror,
    tint: Color32,
) -> Shape {
    let uvs = geometry::uv_corners(rotation, mirror);
    let corners = [
        rect.left_top(),
        rect.right_top(),
        rect.right_bottom(),
        rect.left_bottom(),
    ];
    let mut mesh = Mesh::with_texture(texture);
    for (pos, uv) in corners.into_iter().zip(uvs) {
        mesh.vertices.push(Vertex {
            pos,
            uv,
            color: tint,
        });
    }
    mesh.indices.extend_from_slice(&[0, 1, 2, 0, 2, 3]);
    Shape::mesh(mesh)
}

fn draw_placeholder(painter: &egui::Painter, canvas: Rect, name: &str, reason: &str, pinned: bool) {
    let card = Rect::from_center_size(
        canvas.center(),
        egui::vec2(canvas.width().min(520.0) - 32.0, 150.0),
    );
    painter.rect_filled(card, 8.0, Color32::from_rgb(48, 40, 40));
    painter.rect_stroke(
        card,
        8.0,
        egui::Stroke::new(1.5, Color32::from_rgb(220, 120, 80)),
        egui::StrokeKind::Inside,
    );
    painter.text(
        card.center_top() + egui::vec2(0.0, 24.0),
        Align2::CENTER_CENTER,
        format!("⚠ Cannot show {name}"),
        FontId::proportional(18.0),
        Color32::from_rgb(255, 190, 140),
    );
    let galley = painter.layout(
        reason.to_owned(),
        FontId::proportional(14.0),
        Color32::from_gray(230),
        card.width() - 32.0,
    );
    let pos = card.center_top() + egui::vec2(-galley.size().x / 2.0, 48.0);
    painter.galley(pos, galley, Color32::from_gray(230));
    painter.text(
        card.center_bottom() - egui::vec2(0.0, 18.0),
        Align2::CENTER_CENTER,
        if pinned {
            "Pinned: press P to let playback move on."
        } else {
            "Playback moves on in a moment."
        },
        FontId::proportional(12.0),
        Color32::GRAY,
    );
}

/// A 2×2 texture repeated across the artwork: four quads however large the window.
pub(crate) fn checker_texture(ctx: &egui::Context) -> TextureHandle {
    let light = Color32::from_gray(204);
    let dark = Color32::from_gray(153);
    let image = ColorImage::new([2, 2], vec![light, dark, dark, light]);
    let options = TextureOptions {
        wrap_mode: TextureWrapMode::Repeat,
        ..TextureOptions::NEAREST
    };
    ctx.load_texture("checkerboard", image, options)
}
