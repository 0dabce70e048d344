//! How eframe drives the window: the input each pass starts from, what runs
//! in every pass (also a hidden window's), the drawn pass, the colour each
//! frame is cleared to, and the exit.

use eframe::egui;

use super::app::PlayerApp;
use super::canvas;

/// No texture the window makes is wider: art is at most 4096 pixels a side
/// (`DecodeLimits::max_dimension`), and larger art would be sampled down to it.
/// egui makes its font atlas as wide as the largest texture the GL takes
/// (16384 on software OpenGL): 2 MiB of RGBA for a few hundred glyphs, held
/// once by egui and once by the driver.
const MAX_TEXTURE_SIDE: usize = 4096;

impl eframe::App for PlayerApp {
    fn raw_input_hook(&mut self, _ctx: &egui::Context, raw: &mut egui::RawInput) {
        raw.max_texture_side = raw.max_texture_side.map(|s| s.min(MAX_TEXTURE_SIDE));
    }

    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        PlayerApp::logic(self, ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }

    fn on_exit(&mut self, gl: Option<&eframe::glow::Context>) {
        if let Some(gl) = gl {
            self.release_gl(gl);
        }
        self.shutdown();
    }

    fn clear_color(&self, _visuals: &egui::Visuals) -> [f32; 4] {
        canvas::canvas_clear_color(self.settings())
    }
}
