//! File › Export preview as and `makapix-player export`: one device's render of
//! each frame at a whole scale. Pure: which sizes are allowed, and the render.

use image::RgbaImage;

use super::mode::PreviewMode;
use super::panel::P3A_SIDE;
use super::render::{self, EXPORT_PITCH, Frame, Look};

/// Output pixels per device pixel (per LED, per p3a screen pixel, per art pixel).
pub(crate) const MAX_SCALE: u32 = 64;
/// The largest exported side: beyond it files become unwieldy to post or open.
pub(crate) const MAX_SIDE: u32 = 4096;

/// The scale used when none is asked for: an LED panel's usual pitch, the p3a's own pixels.
fn default_scale(mode: PreviewMode) -> u32 {
    match mode {
        PreviewMode::Led { .. } => EXPORT_PITCH,
        PreviewMode::P3a => 1,
        PreviewMode::Screen => 8,
    }
}

/// The scale used when none is asked for: the device's usual one, or the
/// largest whole scale under it that keeps the export within `MAX_SIDE` (at
/// least 1). The window offers no scale to choose, so large art must not be
/// refused one there.
pub(crate) fn fitting_scale(mode: PreviewMode, art: [u32; 2], look: &Look) -> u32 {
    let [w, h] = output_size(mode, art, look, 1);
    let fits = u64::from(MAX_SIDE) / w.max(h).max(1);
    let scale = u64::from(default_scale(mode)).min(fits).max(1);
    u32::try_from(scale).unwrap_or(1)
}

/// The exported image's size for art of `art` pixels (as authored).
pub(crate) fn output_size(mode: PreviewMode, art: [u32; 2], look: &Look, scale: u32) -> [u64; 2] {
    let device = match mode {
        PreviewMode::Led { w, h } => [w, h],
        PreviewMode::P3a => [P3A_SIDE, P3A_SIDE],
        PreviewMode::Screen => look.rotated(art),
    };
    device.map(|v| u64::from(v) * u64::from(scale))
}

/// The size to export at, or the sentence that says which scale would work.
pub(crate) fn check_scale(
    mode: PreviewMode,
    art: [u32; 2],
    look: &Look,
    scale: u32,
) -> Result<[u32; 2], String> {
    if !(1..=MAX_SCALE).contains(&scale) {
        return Err(format!(
            "The scale must be a whole number from 1 to {MAX_SCALE}; {scale} is not."
        ));
    }
    let [w, h] = output_size(mode, art, look, scale);
    let side = w.max(h);
    if side > u64::from(MAX_SIDE) {
        let [w1, h1] = output_size(mode, art, look, 1);
        let fits = u64::from(MAX_SIDE) / w1.max(h1).max(1);
        let advice = if fits >= 1 {
            format!("use a scale of {fits} or less")
        } else {
            "this device is too large to export".to_owned()
        };
        return Err(format!(
            "At scale {scale} the {} export would be {w}×{h} pixels, more than {MAX_SIDE} a side: {advice}.",
            mode.label()
        ));
    }
    Ok([w as u32, h as u32])
}

/// What `mode` shows of `frame`, `scale` output pixels per device pixel.
pub(crate) fn render_scaled(
    frame: &Frame,
    look: &Look,
    mode: PreviewMode,
    scale: u32,
) -> RgbaImage {
    let scale = scale.max(1);
    match mode {
        PreviewMode::Led { w, h } => render::led(frame, look, [w, h], scale),
        PreviewMode::P3a => magnify(&render::render(frame, look, PreviewMode::P3a), scale),
        PreviewMode::Screen => render::screen_at(frame, look, scale),
    }
}

/// Each pixel becomes a `scale`×`scale` square.
fn magnify(image: &RgbaImage, scale: u32) -> RgbaImage {
    if scale == 1 {
        return image.clone();
    }
    RgbaImage::from_fn(image.width() * scale, image.height() * scale, |x, y| {
        *image.get_pixel(x / scale, y / scale)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preview::PreviewSettings;
    use crate::preview::{Mirror, Rotation};

    fn look() -> Look {
        Look {
            rotation: Rotation::R0,
            mirror: Mirror::None,
            background: [0, 0, 0],
            brightness: 100,
            preview: PreviewSettings::default(),
        }
    }

    #[test]
    fn scales_are_whole_and_bounded_with_advice() {
        let led = PreviewMode::Led { w: 64, h: 64 };
        assert_eq!(check_scale(led, [64, 64], &look(), 8), Ok([512, 512]));
        assert!(check_scale(led, [64, 64], &look(), 0).is_err());
        let err = check_scale(PreviewMode::P3a, [64, 64], &look(), 8).unwrap_err();
        assert!(
            err.contains("5760×5760") && err.contains("scale of 5"),
            "{err}"
        );
        let err = check_scale(led, [64, 64], &look(), 65).unwrap_err();
        assert!(err.contains("1 to 64"), "{err}");
    }

    #[test]
    fn without_a_scale_asked_for_large_art_gets_the_largest_that_fits() {
        let screen = PreviewMode::Screen;
        assert_eq!(fitting_scale(screen, [64, 64], &look()), 8);
        assert_eq!(fitting_scale(screen, [600, 600], &look()), 6);
        assert_eq!(fitting_scale(screen, [5000, 10], &look()), 1);
        assert_eq!(fitting_scale(PreviewMode::P3a, [600, 600], &look()), 1);
    }

    #[test]
    fn p3a_is_magnified_by_whole_pixels() {
        let rgba = [255, 0, 0, 255];
        let frame = Frame {
            size: [1, 1],
            rgba: &rgba,
        };
        let image = render_scaled(&frame, &look(), PreviewMode::P3a, 2);
        assert_eq!(image.dimensions(), (1440, 1440));
        assert_eq!(image.get_pixel(1439, 0).0, [255, 0, 0, 255]);
    }
}
