//! The previews rendered into an image (File › Save preview image…), from the
//! same maps and colour tables the window draws with. Runs on a worker thread.

use image::{Rgba, RgbaImage};

use super::color::{self, LedLook};
use super::mode::{PreviewMode, PreviewSettings};
use super::panel::{self, P3A_SIDE, PanelMap};
use super::shading::LedShading;
use crate::preview::{Mirror, Rotation};

/// LED disc diameter as a share of the LED pitch; the rest is the dark gap.
pub(crate) const LED_FILL: f32 = 0.8;
/// The glow's share (of 255) of its own LED's light, spread up to the LED's cell edge: 30%.
pub(crate) const GLOW_ALPHA: u8 = 77;
/// Discs narrower than this (pixels) do not look round: such LEDs are drawn as squares.
const SMALLEST_DISC: f32 = 4.0;
/// The panel's board between LEDs.
pub const BOARD: [u8; 3] = [12, 12, 12];
/// LED pitch in the exported image, in pixels.
pub const EXPORT_PITCH: u32 = 10;
/// Space between previews side by side, in the exported image.
const GAP: u32 = 24;
const BACKDROP: [u8; 3] = [32, 32, 36];
/// The plain canvas's export: the largest whole factor that keeps the art within this.
const SCREEN_SIDE: u32 = 720;

/// One animation frame as straight RGBA, row by row.
pub struct Frame<'a> {
    pub size: [u32; 2],
    pub rgba: &'a [u8],
}

impl Frame<'_> {
    fn pixel(&self, [x, y]: [u32; 2]) -> [u8; 4] {
        let at = (y as usize * self.size[0] as usize + x as usize) * 4;
        match self.rgba.get(at..at + 4) {
            Some(p) => [p[0], p[1], p[2], p[3]],
            None => [0; 4],
        }
    }
}

/// Everything besides the frame that decides how a preview looks.
#[derive(Clone, Debug, PartialEq)]
pub struct Look {
    pub rotation: Rotation,
    pub mirror: Mirror,
    pub background: [u8; 3],
    pub brightness: u8,
    pub preview: PreviewSettings,
}

impl Look {
    pub fn led(&self) -> LedLook {
        LedLook {
            bits: self.preview.bits,
            gamma: self.preview.gamma,
            brightness: self.brightness,
        }
    }

    /// The artwork's size as shown, turned.
    pub fn rotated(&self, size: [u32; 2]) -> [u32; 2] {
        if self.rotation.quarter_turns() % 2 == 1 {
            [size[1], size[0]]
        } else {
            size
        }
    }

    /// The authored pixel behind device pixel (`x`, `y`) of `map`.
    fn source(&self, map: &PanelMap, size: [u32; 2], x: u32, y: u32) -> Option<[u32; 2]> {
        map.at(x, y)
            .map(|p| panel::orient(p, size, self.rotation, self.mirror))
    }
}

/// Every preview shown, left to right, as one image.
pub(crate) fn render_all(frame: &Frame, look: &Look) -> RgbaImage {
    let tiles: Vec<RgbaImage> = look
        .preview
        .modes
        .iter()
        .map(|mode| render(frame, look, *mode))
        .collect();
    let width = tiles.iter().map(RgbaImage::width).sum::<u32>() + GAP * (tiles.len() as u32 + 1);
    let height = tiles.iter().map(RgbaImage::height).max().unwrap_or(0) + GAP * 2;
    let [r, g, b] = BACKDROP;
    let mut out = RgbaImage::from_pixel(width, height, Rgba([r, g, b, 255]));
    let mut x = GAP;
    for tile in &tiles {
        let y = (height - tile.height()) / 2;
        image::imageops::replace(&mut out, tile, i64::from(x), i64::from(y));
        x += tile.width() + GAP;
    }
    out
}

pub fn render(frame: &Frame, look: &Look, mode: PreviewMode) -> RgbaImage {
    match mode {
        PreviewMode::Screen => screen(frame, look),
        PreviewMode::P3a => p3a(frame, look),
        PreviewMode::Led { w, h } => led(frame, look, [w, h], EXPORT_PITCH),
    }
}

fn opaque([r, g, b]: [u8; 3]) -> Rgba<u8> {
    Rgba([r, g, b, 255])
}

/// The plain canvas: whole-factor nearest neighbour over the background, dimmed.
fn screen(frame: &Frame, look: &Look) -> RgbaImage {
    let [w, h] = look.rotated(frame.size);
    screen_at(frame, look, (SCREEN_SIDE / w.max(h).max(1)).max(1))
}

/// The plain canvas at `scale` screen pixels per art pixel.
pub(crate) fn screen_at(frame: &Frame, look: &Look, scale: u32) -> RgbaImage {
    let [w, h] = look.rotated(frame.size);
    let scale = scale.max(1);
    let tint = color::tinted(
        255,
        ((f32::from(look.brightness.min(100)) * 2.55).round()) as u8,
    );
    let dim = |c: [u8; 3]| c.map(|v| color::tinted(v, tint));
    RgbaImage::from_fn(w * scale, h * scale, |x, y| {
        let p = panel::orient(
            [x / scale, y / scale],
            frame.size,
            look.rotation,
            look.mirror,
        );
        opaque(dim(color::over_background(frame.pixel(p), look.background)))
    })
}

/// The p3a's 720×720 screen as its firmware fills it, dimmed like its backlight;
/// turned as asked, never mirrored (p3a acks `set_mirror` unsupported).
fn p3a(frame: &Frame, look: &Look) -> RgbaImage {
    let look = &Look {
        mirror: Mirror::None,
        ..look.clone()
    };
    let tint = color::p3a_tint(look.brightness);
    let dim = |c: [u8; 3]| c.map(|v| color::tinted(v, tint));
    let background = opaque(dim(look.background));
    let Some(map) = panel::p3a_map(look.rotated(frame.size)) else {
        return RgbaImage::from_pixel(P3A_SIDE, P3A_SIDE, background);
    };
    RgbaImage::from_fn(P3A_SIDE, P3A_SIDE, |x, y| {
        match look.source(&map, frame.size, x, y) {
            Some(p) => opaque(dim(color::over_background(frame.pixel(p), look.background))),
            None => background,
        }
    })
}

/// The colour each LED of a `panel` shows, row by row (after fitting, gamma and quantising).
pub fn led_colours(frame: &Frame, look: &Look, panel_size: [u32; 2]) -> Vec<[u8; 3]> {
    let [w, h] = panel_size;
    match LedShading::new(look, panel_size, frame.size) {
        Some(shading) => {
            shading.colours(|p| color::over_background(frame.pixel(p), look.background))
        }
        None => {
            let lit = look.led().table();
            vec![look.background.map(|v| lit[usize::from(v)]); (w * h) as usize]
        }
    }
}

/// What one screen pixel of an LED panel shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Light {
    Led,
    Glow,
    Board,
}

/// One LED's cell, `pitch` pixels square: a disc (or, when too small to look
/// round, a square a pixel short of the pitch) on the board, with an optional
/// glow up to the cell's edge. The window's LED shader receives these numbers
/// and makes the same comparisons, so the screen and the export agree pixel for pixel.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct LedCell {
    pub pitch: f32,
    /// The disc's radius, squared (pixels²).
    pub fill_r2: f32,
    /// The glow's radius, squared; `None` without glow.
    pub glow_r2: Option<f32>,
    /// The square LED's side; `None` for a disc.
    pub square: Option<f32>,
}

impl LedCell {
    pub fn new(pitch: f32, glow: bool) -> Self {
        let radius = pitch * LED_FILL / 2.0;
        let half = pitch / 2.0;
        Self {
            pitch,
            fill_r2: radius * radius,
            glow_r2: glow.then_some(half * half),
            square: (pitch * LED_FILL < SMALLEST_DISC).then_some((pitch - 1.0).max(1.0)),
        }
    }

    /// The light at `local`: a pixel's centre measured from its cell's top-left corner.
    pub(crate) fn light(&self, [x, y]: [f32; 2]) -> Light {
        let centre = self.pitch / 2.0;
        let (dx, dy) = (x - centre, y - centre);
        let d2 = dx * dx + dy * dy;
        let lit = match self.square {
            Some(side) => x < side && y < side,
            None => d2 <= self.fill_r2,
        };
        if lit {
            Light::Led
        } else if self.glow_r2.is_some_and(|g| d2 <= g) {
            Light::Glow
        } else {
            Light::Board
        }
    }
}

/// The glow: `GLOW_ALPHA` of the LED's colour over the board.
pub(crate) fn glow_over_board(colour: [u8; 3]) -> [u8; 3] {
    let a = u32::from(GLOW_ALPHA);
    std::array::from_fn(|i| {
        ((u32::from(colour[i]) * a + u32::from(BOARD[i]) * (255 - a) + 127) / 255) as u8
    })
}

/// An LED panel: one disc per LED, `pitch` pixels apart, on a dark board.
pub fn led(frame: &Frame, look: &Look, panel_size: [u32; 2], pitch: u32) -> RgbaImage {
    let colours = led_colours(frame, look, panel_size);
    let [w, h] = panel_size;
    let cell = LedCell::new(pitch as f32, look.preview.glow);
    // Every cell has the same shape: measured once, not per pixel of every frame.
    let lights: Vec<Light> = (0..pitch * pitch)
        .map(|i| cell.light([i % pitch, i / pitch].map(|v| v as f32 + 0.5)))
        .collect();
    RgbaImage::from_fn(w * pitch, h * pitch, |x, y| {
        let (lx, ly) = (x / pitch, y / pitch);
        let colour = colours[(ly * w + lx) as usize];
        opaque(match lights[((y % pitch) * pitch + x % pitch) as usize] {
            Light::Led => colour,
            Light::Glow => glow_over_board(colour),
            Light::Board => BOARD,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preview::mode::Fitting;

    /// 2×2: red, green / blue, transparent.
    const RGBA: [u8; 16] = [
        255, 0, 0, 255, 0, 255, 0, 255, //
        0, 0, 255, 255, 0, 0, 0, 0,
    ];

    fn look(modes: Vec<PreviewMode>) -> Look {
        Look {
            rotation: Rotation::R0,
            mirror: Mirror::None,
            background: [40, 40, 40],
            brightness: 100,
            preview: PreviewSettings {
                modes,
                ..PreviewSettings::default()
            },
        }
    }

    fn frame() -> Frame<'static> {
        Frame {
            size: [2, 2],
            rgba: &RGBA,
        }
    }

    fn rgb(image: &RgbaImage, x: u32, y: u32) -> [u8; 3] {
        let p = image.get_pixel(x, y).0;
        [p[0], p[1], p[2]]
    }

    #[test]
    fn an_led_panel_has_one_disc_per_led_with_gaps_between() {
        let look = look(vec![PreviewMode::Led { w: 4, h: 4 }]);
        let image = led(&frame(), &look, [4, 4], 10);
        assert_eq!(image.dimensions(), (40, 40));
        // 2×2 art on 4×4 LEDs: each art pixel lights 2×2 LEDs; centres are at 5, 15, 25, 35.
        assert_eq!(rgb(&image, 5, 5), [255, 0, 0]);
        assert_eq!(rgb(&image, 15, 15), [255, 0, 0]);
        assert_eq!(rgb(&image, 25, 5), [0, 255, 0]);
        assert_eq!(rgb(&image, 5, 25), [0, 0, 255]);
        // The transparent pixel shows the background through the panel's gamma:
        // 40 → (40/255)^2.2 × 255 = 4.3 → level 4 → (4/255)^(1/2.2) × 255 = 38.6 → 39.
        assert_eq!(rgb(&image, 35, 35), [39, 39, 39]);
        // Cell corners and the line between two LEDs are the board.
        assert_eq!(rgb(&image, 0, 0), BOARD);
        assert_eq!(rgb(&image, 10, 5), BOARD);
        assert_eq!(rgb(&image, 9, 9), BOARD);
    }

    #[test]
    fn glow_lights_the_gap_with_a_share_of_the_led() {
        let mut look = look(vec![]);
        look.preview.glow = true;
        let image = led(&frame(), &look, [2, 2], 10);
        // Pixel (0, 5)'s centre is 4.53 from its LED's: past the disc (4), inside the cell (5).
        // (255 × 77 + 12 × 178 + 127) / 255 = 85.9 → 85; (12 × 178 + 127) / 255 = 8.9 → 8.
        assert_eq!(rgb(&image, 0, 5), [85, 8, 8]);
        assert_eq!(rgb(&image, 0, 0), BOARD);
    }

    #[test]
    fn led_colours_follow_fitting_rotation_and_quantisation() {
        let mut look = look(vec![]);
        look.preview.fitting = Fitting::Centred;
        look.rotation = Rotation::R90;
        let colours = led_colours(&frame(), &look, [2, 2]);
        // Turned clockwise: top row shows blue, red; bottom row transparent, green.
        assert_eq!(colours[0], [0, 0, 255]);
        assert_eq!(colours[1], [255, 0, 0]);
        assert_eq!(colours[2], [39, 39, 39]);
        assert_eq!(colours[3], [0, 255, 0]);
        look.preview.bits = 1;
        look.rotation = Rotation::R0;
        // One bit: a channel is off or full; the 40 grey goes out.
        let colours = led_colours(&frame(), &look, [2, 2]);
        assert_eq!(colours, [[255, 0, 0], [0, 255, 0], [0, 0, 255], [0, 0, 0]]);
    }

    #[test]
    fn p3a_export_is_the_firmware_screen_dimmed_like_its_backlight() {
        let mut look = look(vec![]);
        let image = p3a(&frame(), &look);
        assert_eq!(image.dimensions(), (720, 720));
        assert_eq!(rgb(&image, 359, 0), [255, 0, 0]);
        assert_eq!(rgb(&image, 360, 0), [0, 255, 0]);
        assert_eq!(rgb(&image, 719, 719), [40, 40, 40]);
        look.brightness = 50;
        let image = p3a(&frame(), &look);
        // Tint 101: 255 × 101 / 255 = 101.
        assert_eq!(rgb(&image, 0, 0), [101, 0, 0]);
    }

    #[test]
    fn p3a_turns_the_art_but_never_mirrors_it() {
        let mut look = look(vec![]);
        look.mirror = Mirror::Horizontal;
        let image = p3a(&frame(), &look);
        // p3a acks set_mirror unsupported: red stays top left.
        assert_eq!(rgb(&image, 0, 0), [255, 0, 0]);
        assert_eq!(rgb(&image, 719, 0), [0, 255, 0]);
        look.rotation = Rotation::R90;
        let turned = p3a(&frame(), &look);
        look.mirror = Mirror::None;
        assert_eq!(turned, p3a(&frame(), &look), "the turn is kept");
    }

    #[test]
    fn previews_are_laid_side_by_side() {
        let look = look(vec![PreviewMode::Led { w: 2, h: 2 }, PreviewMode::P3a]);
        let image = render_all(&frame(), &look);
        assert_eq!(image.dimensions(), (20 + 720 + 3 * GAP, 720 + 2 * GAP));
        // The LED tile is centred vertically: its first LED's centre.
        let top = (720 + 2 * GAP - 20) / 2;
        assert_eq!(rgb(&image, GAP + 5, top + 5), [255, 0, 0]);
        assert_eq!(rgb(&image, 2 * GAP + 20, GAP), [255, 0, 0]);
    }

    #[test]
    fn the_screen_export_uses_whole_factors() {
        let look = look(vec![]);
        let image = screen(&frame(), &look);
        assert_eq!(image.dimensions(), (720, 720));
        assert_eq!(rgb(&image, 359, 359), [255, 0, 0]);
        assert_eq!(rgb(&image, 360, 360), [40, 40, 40]);
    }

    #[test]
    fn leds_too_small_to_look_round_are_squares_a_pixel_short_of_the_pitch() {
        // Pitch 4: a 3.2 px disc would be a cross; a 3 px square instead.
        let cell = LedCell::new(4.0, false);
        assert_eq!(cell.light([0.5, 0.5]), Light::Led);
        assert_eq!(cell.light([2.5, 2.5]), Light::Led);
        assert_eq!(cell.light([3.5, 0.5]), Light::Board);
        // Pitch 5: a 4 px disc, its corners dark (0.5, 0.5 is √8 from the centre, radius 2).
        let round = LedCell::new(5.0, true);
        assert_eq!(round.light([2.5, 2.5]), Light::Led);
        assert_eq!(round.light([0.5, 1.5]), Light::Glow);
        assert_eq!(round.light([0.5, 0.5]), Light::Board);
    }
}
