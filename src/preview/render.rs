//! The previews rendered into an image (File › Save preview image…), from the
//! same maps and colour tables the window draws with. Runs on a worker thread.

use image::{Rgba, RgbaImage};

use super::color::{self, LedLook};
use super::mode::{PreviewMode, PreviewSettings};
use super::panel::{self, P3A_SIDE, PanelMap};
use crate::settings::{Mirror, Rotation};

/// LED disc diameter as a share of the LED pitch; the rest is the dark gap.
pub const LED_FILL: f32 = 0.8;
/// The glow's share of its own LED's light, spread up to the LED's cell edge.
pub const GLOW_ALPHA: f32 = 0.3;
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

    fn rotated(&self, size: [u32; 2]) -> [u32; 2] {
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
pub fn render_all(frame: &Frame, look: &Look) -> RgbaImage {
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
    let scale = (SCREEN_SIDE / w.max(h).max(1)).max(1);
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

/// The p3a's 720×720 screen as its firmware fills it, dimmed like its backlight.
fn p3a(frame: &Frame, look: &Look) -> RgbaImage {
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
    let table = look.led().table();
    let lit = |c: [u8; 3]| c.map(|v| table[usize::from(v)]);
    let background = lit(look.background);
    let map = panel::led_map(panel_size, look.rotated(frame.size), look.preview.fitting);
    let [w, h] = panel_size;
    (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .map(
            |(x, y)| match map.as_ref().and_then(|m| look.source(m, frame.size, x, y)) {
                Some(p) => lit(color::over_background(frame.pixel(p), look.background)),
                None => background,
            },
        )
        .collect()
}

/// An LED panel: one disc per LED, `pitch` pixels apart, on a dark board.
pub fn led(frame: &Frame, look: &Look, panel_size: [u32; 2], pitch: u32) -> RgbaImage {
    let colours = led_colours(frame, look, panel_size);
    let [w, h] = panel_size;
    let radius = pitch as f32 * LED_FILL / 2.0;
    let glow_radius = pitch as f32 / 2.0;
    let glow = look.preview.glow;
    RgbaImage::from_fn(w * pitch, h * pitch, |x, y| {
        let (lx, ly) = (x / pitch, y / pitch);
        let colour = colours[(ly * w + lx) as usize];
        let centre = pitch as f32 / 2.0;
        let dx = (x % pitch) as f32 + 0.5 - centre;
        let dy = (y % pitch) as f32 + 0.5 - centre;
        let d = (dx * dx + dy * dy).sqrt();
        if d <= radius {
            opaque(colour)
        } else if glow && d <= glow_radius {
            opaque(std::array::from_fn(|i| {
                let mixed =
                    f32::from(colour[i]) * GLOW_ALPHA + f32::from(BOARD[i]) * (1.0 - GLOW_ALPHA);
                mixed.round() as u8
            }))
        } else {
            opaque(BOARD)
        }
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
        // 255 × 0.3 + 12 × 0.7 = 84.9 → 85; 12 × 0.7 = 8.4 → 8.
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
}
