//! The device previews' state, kept between frames, and an LED tile drawn
//! from it. An LED tile is one quad whose fragment shader draws each LED's
//! disc (`led_shader`); where the renderer rasterises on the CPU
//! (`gl_renderer`) and the pitch is whole, its board is composed on the CPU
//! instead and shown texel for pixel (`led_board`), a copy being cheaper there
//! than a shader run for every pixel. Both paint the colours `led_lights` gives
//! (one per LED, lit by `preview::shading` from the frame on screen). The
//! tiles themselves are laid out and drawn by `preview_tiles`.
//!
//! Without the shader (no glow renderer, or GLSL too old) an LED tile is a
//! mesh of discs (`led_mesh`). Quantisation and gamma are not a tint, so the
//! mesh reads a second native-size texture: the current frame through the
//! panel's colour table, with one extra column for the background, refilled
//! when the frame changes and shared by every LED tile.

use std::cell::RefCell;
use std::sync::Arc;

use eframe::egui::{
    self, Color32, ColorImage, Mesh, Rect, Shape, TextureHandle, TextureOptions, Ui, vec2,
};
use eframe::glow;

use super::app::PlayerApp;
use super::art_gl::ArtGl;
use super::gl_renderer;
use super::led_board::LedBoards;
use super::led_lights::LedLights;
use super::led_mesh::{MeshKey, led_mesh};
use super::led_shader::{self, LedProgram};
use super::library::{Entry, LoadedArt};
use super::preview_export::Export;
use super::preview_notes::Notes;
use super::wake::Wake;
use crate::app::file_dialog::FileDialogs;
use crate::media::frame_store::Canvas;
use crate::player::ArtworkSource;
use crate::preview::color::{self, LedLook};
use crate::preview::encode::ExportFormat;
use crate::preview::render::{BOARD, LedCell, Look};
use crate::preview::{PreviewMode, PreviewSettings};
use crate::session::Notice;
use crate::settings::Settings;

/// What the menu, the settings pane and the cycle key ask of the previews.
#[derive(Clone, Debug, PartialEq)]
pub enum PreviewCommand {
    ShowOnly(PreviewMode),
    /// Adds beside the others, or takes away.
    Toggle(PreviewMode),
    /// The first preview steps to the next kind.
    Cycle,
    /// File › Save preview image…
    SaveImage,
    /// Ctrl+E: every frame, as the device shows it, in the format last chosen.
    Export,
    /// File › Export preview as: the same in this format.
    ExportAs(ExportFormat),
    /// The Cancel button beside the export's progress, or Esc.
    CancelExport,
}

/// The preview state the window keeps between frames.
pub struct Previews {
    /// The window's GL context, kept to compile the LED shader the first time an
    /// LED panel is shown: compiling it at start-up cost every launch ~30 ms on
    /// software OpenGL, for a preview most launches never open.
    gl: Option<Arc<glow::Context>>,
    /// The LED shader, when the window's renderer can run it.
    program: Option<Arc<LedProgram>>,
    /// The artwork's own GL texture (the plain canvas and the Screen tile draw it);
    /// here because this is where the window's GL context is kept.
    art: ArtGl,
    /// LED tiles at a whole pitch, composed on the CPU and drawn through `art`'s quad.
    boards: LedBoards,
    /// Whether the window's renderer rasterises on the CPU: LED boards are used only then.
    cpu_raster: bool,
    /// The renderer's name and kind, for the log and the support report.
    renderer: Option<String>,
    /// Each LED panel's colours, for the shader.
    lights: LedLights,
    /// The mesh fallback's colour-table copy of the frame.
    led: Option<LedTexture>,
    /// One LED mesh per tile, rebuilt when its layout changes.
    meshes: RefCell<Vec<(MeshKey, Arc<Mesh>)>>,
    export: Export,
    /// What each device does to the artwork, one line per tile.
    notes: Notes,
}

/// The current frame as the LED panels light it.
struct LedTexture {
    key: LedKey,
    /// The frame in `texture`.
    frame: usize,
    /// The frame as straight RGBA, so the next one only paints its changes.
    canvas: Canvas<[u8; 4]>,
    texture: TextureHandle,
}

#[derive(Clone, PartialEq)]
struct LedKey {
    source: ArtworkSource,
    art_texture: egui::TextureId,
    look: LedLook,
    background: [u8; 3],
}

pub(crate) fn look(settings: &Settings) -> Look {
    settings.look()
}

impl Previews {
    pub(crate) fn new(wake: &Wake, dialogs: FileDialogs) -> Self {
        Self {
            gl: None,
            program: None,
            art: ArtGl::default(),
            boards: LedBoards::default(),
            cpu_raster: true,
            renderer: None,
            lights: LedLights::default(),
            led: None,
            meshes: RefCell::default(),
            export: Export::new(wake, dialogs),
            notes: Notes::default(),
        }
    }

    /// The window's GL context, current: LED panels will be drawn by a shader, unless
    /// it does not compile here (then they stay meshes) or a board is cheaper.
    pub(crate) fn use_gl(&mut self, gl: Arc<glow::Context>) {
        // SAFETY: eframe calls the app's creator with its context current.
        let name = unsafe { gl_renderer::name(&gl) };
        self.cpu_raster = gl_renderer::rasterises_on_cpu(&name);
        let kind = if self.cpu_raster {
            "rasterises on the CPU"
        } else {
            "a GPU"
        };
        let renderer = format!("{name} ({kind})");
        tracing::info!("OpenGL renderer: {renderer}");
        self.renderer = Some(renderer);
        self.art.use_gl(Arc::clone(&gl));
        self.gl = Some(gl);
    }

    /// What draws the window, as the log names it; `None` without OpenGL.
    pub(crate) fn renderer(&self) -> Option<&str> {
        self.renderer.as_deref()
    }

    /// The artwork's own GL texture and quad.
    pub(crate) fn art(&self) -> &ArtGl {
        &self.art
    }

    /// What each device does to the artwork, for the tiles' captions.
    pub(super) fn notes(&self) -> &Notes {
        &self.notes
    }

    /// Compiles the shader once, on the window thread, whose GL context is current
    /// while the window's UI runs.
    fn compile_once(&mut self) {
        let Some(gl) = self.gl.take() else {
            return;
        };
        match LedProgram::new(&gl) {
            Ok(program) => self.program = Some(Arc::new(program)),
            Err(e) => tracing::warn!("LED previews are drawn as meshes: {e}"),
        }
    }

    /// Frees the shader while its GL context is still current.
    pub(crate) fn release_gl(&mut self, gl: &glow::Context) {
        self.boards.keep(0, Some(gl));
        self.art.release(gl);
        if let Some(program) = self.program.take() {
            program.destroy(gl);
        }
    }

    /// Before drawing: the LED texture follows the frame on screen, and
    /// finished exports report. Returns what to tell the user.
    pub(crate) fn prepare(
        &mut self,
        ctx: &egui::Context,
        (on_screen, decoding): (Option<(&ArtworkSource, &Entry)>, bool),
        settings: &Settings,
    ) -> Vec<Notice> {
        let notices = self.export.finish(ctx, on_screen, settings, decoding);
        self.art.keep_only(match on_screen {
            Some((_, Entry::Ready(art))) => Some(art.texture_id()),
            _ => None,
        });
        let wants_led = settings
            .preview
            .modes
            .iter()
            .any(|m| matches!(m, PreviewMode::Led { .. }));
        if wants_led {
            self.compile_once();
        }
        match on_screen {
            Some((source, Entry::Ready(art))) if wants_led => {
                if self.program.is_some() {
                    self.lights.update(ctx, source, art, &look(settings));
                } else {
                    self.update_led(ctx, source, art, settings);
                }
            }
            // Nothing to light: free the copies.
            _ => {
                self.led = None;
                self.lights.clear();
                self.boards.keep(0, self.art.context());
            }
        }
        notices
    }

    /// A preview command; the notice says why it could not be done.
    pub(crate) fn command(
        &mut self,
        command: PreviewCommand,
        on_screen: Option<&ArtworkSource>,
        settings: &mut Settings,
    ) -> Option<Notice> {
        let preview = &mut settings.preview;
        match command {
            PreviewCommand::ShowOnly(mode) => preview.show_only(mode),
            PreviewCommand::Toggle(mode) => {
                if !preview.toggle(mode) {
                    return Some(Notice::error(
                        "Four previews are shown already: untick one in View › Preview as… first.",
                    ));
                }
            }
            PreviewCommand::Cycle => preview.cycle(),
            PreviewCommand::SaveImage => self.export.dialog(on_screen, settings),
            PreviewCommand::Export => self.export.export_dialog(on_screen, settings, None),
            PreviewCommand::ExportAs(format) => {
                self.export.export_dialog(on_screen, settings, Some(format));
            }
            PreviewCommand::CancelExport => self.cancel_export(),
        }
        None
    }

    /// A preview export is under way: the status bar offers to cancel it.
    pub fn is_exporting(&self) -> bool {
        self.export.is_exporting()
    }

    /// The export under way was asked to stop (its Cancel, or Esc), and has not yet.
    pub fn is_cancelling_export(&self) -> bool {
        self.export.is_cancelling()
    }

    /// Stops the export under way, if any, before its next frame.
    pub(crate) fn cancel_export(&self) {
        self.export.cancel();
    }

    /// The frame the mesh fallback's LED texture holds, if one is lit (tests check it keeps up).
    pub fn led_frame(&self) -> Option<usize> {
        self.led.as_ref().map(|led| led.frame)
    }
}

/// `--preview`: shows these previews (at most four, the first ones).
pub(crate) fn set_modes(settings: &mut Settings, modes: Vec<PreviewMode>) {
    settings.preview = PreviewSettings {
        modes,
        ..settings.preview.clone()
    }
    .sanitized();
}

impl Previews {
    fn update_led(
        &mut self,
        ctx: &egui::Context,
        source: &ArtworkSource,
        art: &LoadedArt,
        settings: &Settings,
    ) {
        let key = LedKey {
            source: source.clone(),
            art_texture: art.texture_id(),
            look: look(settings).led(),
            background: settings.background,
        };
        let frame = art.shown_frame();
        let led = match &mut self.led {
            Some(led) if led.key == key => {
                if led.frame == frame {
                    return;
                }
                led
            }
            slot => {
                let blank = ColorImage::new([1, 1], vec![Color32::BLACK]);
                let texture = match slot.take() {
                    Some(old) => old.texture,
                    None => ctx.load_texture("led-preview", blank, TextureOptions::NEAREST),
                };
                slot.insert(LedTexture {
                    key: key.clone(),
                    frame: usize::MAX,
                    canvas: Canvas::default(),
                    texture,
                })
            }
        };
        if !art.render_straight(frame, &mut led.canvas) {
            return;
        }
        let table = key.look.table();
        let lit = |[r, g, b]: [u8; 3]| {
            Color32::from_rgb(
                table[usize::from(r)],
                table[usize::from(g)],
                table[usize::from(b)],
            )
        };
        let (w, h) = (art.width as usize, art.height as usize);
        // No larger texture exists on this GPU: the LED tiles stay dark rather than fail.
        let max_side = ctx.input(|i| i.max_texture_side);
        if w + 1 > max_side || h > max_side {
            return;
        }
        let background = lit(key.background);
        let mut pixels = Vec::with_capacity((w + 1) * h);
        for row in led.canvas.pixels().chunks_exact(w.max(1)) {
            pixels.extend(
                row.iter()
                    .map(|p| lit(color::over_background(*p, key.background))),
            );
            pixels.push(background);
        }
        if pixels.len() == (w + 1) * h {
            led.texture
                .set(ColorImage::new([w + 1, h], pixels), TextureOptions::NEAREST);
            led.frame = frame;
        }
    }
}

/// Draws an LED tile; returns the animation frame it shows.
pub(super) fn draw_led(
    ui: &Ui,
    area: Rect,
    panel_size: [u32; 2],
    app: &PlayerApp,
    art: &LoadedArt,
    tile: usize,
) -> Option<usize> {
    let settings = app.settings();
    let previews = app.previews();
    let ppp = ui.ctx().pixels_per_point();
    let [pw, ph] = panel_size.map(|v| v as f32);
    let fit = (area.width() * ppp / pw).min(area.height() * ppp / ph);
    // Whole-pixel pitch keeps every LED and gap alike, once LEDs are a few pixels wide.
    let pitch = if fit >= 3.0 { fit.floor() } else { fit };
    if pitch <= 0.0 {
        return None;
    }
    let size = vec2(pw, ph) * pitch;
    let min = ((area.center().to_vec2() * ppp) - size / 2.0).round() / ppp;
    let board = Rect::from_min_size(min.to_pos2(), size / ppp);
    let painter = ui.painter_at(area);
    let cell = LedCell::new(pitch, settings.preview.glow);
    // Whole pitch only: the board's cells must all be alike.
    if pitch.fract() == 0.0 && previews.cpu_raster {
        let lit = previews.lights.colours(panel_size);
        let board_px = pitch as u32;
        if let Some(callback) = lit.and_then(|lit| {
            (previews.boards).callback(&previews.art, tile, panel_size, board_px, cell, lit, board)
        }) {
            painter.add(callback);
            return previews.lights.frame(panel_size);
        }
    }
    if let Some(program) = &previews.program {
        // The shader covers the board itself: no fill beneath for llvmpipe to draw too.
        let (leds, frame) = previews.lights.texture(ui.ctx(), panel_size)?;
        painter.add(led_shader::callback(
            Arc::clone(program),
            leds,
            panel_size,
            cell,
            board,
        ));
        return Some(frame);
    }
    let [r, g, b] = BOARD;
    painter.rect_filled(board, 0.0, Color32::from_rgb(r, g, b));
    let led = previews.led.as_ref()?;
    let key = MeshKey {
        board,
        panel: panel_size,
        art: [art.width, art.height],
        fitting: settings.preview.fitting,
        rotation: settings.rotation,
        mirror: settings.mirror,
        glow: settings.preview.glow,
        pitch,
    };
    let mut meshes = previews.meshes.borrow_mut();
    if meshes.len() <= tile {
        meshes.resize_with(tile + 1, || (key.clone(), Arc::new(Mesh::default())));
    }
    let (cached_key, mesh) = &mut meshes[tile];
    if *cached_key != key || mesh.vertices.is_empty() {
        *mesh = Arc::new(led_mesh(&key, led.texture.id(), ppp));
        *cached_key = key;
    }
    painter.add(Shape::Mesh(Arc::clone(mesh)));
    previews.led_frame()
}
