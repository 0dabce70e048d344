//! Where an artwork goes on the canvas and how its texture is oriented. Pure
//! arithmetic, so every scaling rule is a unit test.
//!
//! Sizes are worked out in physical pixels: an integer factor in points would
//! not be an integer on a 150% display, and pixel art would get uneven pixels.

use eframe::egui::{Pos2, Rect, Vec2, pos2, vec2};

use crate::preview::{Mirror, Rotation};
use crate::settings::ScaleMode;

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Placement {
    /// Where the (rotated) artwork is drawn, in points. May exceed the canvas in Fill mode.
    pub rect: Rect,
    /// Screen pixels per art pixel.
    pub scale: f32,
}

/// The artwork's footprint once rotated: a quarter turn swaps width and height.
pub(crate) fn rotated_size(size: [u32; 2], rotation: Rotation) -> [u32; 2] {
    if rotation.quarter_turns() % 2 == 1 {
        [size[1], size[0]]
    } else {
        size
    }
}

pub fn place(
    art_size: [u32; 2],
    rotation: Rotation,
    mode: ScaleMode,
    canvas: Rect,
    pixels_per_point: f32,
) -> Option<Placement> {
    let [w, h] = rotated_size(art_size, rotation);
    if w == 0 || h == 0 || canvas.width() <= 0.0 || canvas.height() <= 0.0 {
        return None;
    }
    let ppp = pixels_per_point.max(f32::EPSILON);
    let avail = canvas.size() * ppp;
    let (w, h) = (w as f32, h as f32);
    let fit = (avail.x / w).min(avail.y / h);
    let scale = match mode {
        // Below 1× an integer factor does not exist; shrinking to fit beats cropping.
        ScaleMode::Integer if fit >= 1.0 => fit.floor(),
        ScaleMode::Integer | ScaleMode::Fit => fit,
        ScaleMode::Fill => (avail.x / w).max(avail.y / h),
    };
    let size_px = vec2(w * scale, h * scale);
    let origin_px = canvas.min.to_vec2() * ppp + (avail - size_px) / 2.0;
    // Whole physical pixels keep every art pixel the same width on screen.
    let origin_px = vec2(origin_px.x.round(), origin_px.y.round());
    let min = (origin_px / ppp).to_pos2();
    Some(Placement {
        rect: Rect::from_min_size(min, size_px / ppp),
        scale,
    })
}

/// Texture coordinates for the drawn rectangle's corners, in the order
/// top-left, top-right, bottom-right, bottom-left. Mirroring applies to the
/// artwork as authored, then the result turns clockwise.
pub(crate) fn uv_corners(rotation: Rotation, mirror: Mirror) -> [Pos2; 4] {
    let mut base = [
        pos2(0.0, 0.0),
        pos2(1.0, 0.0),
        pos2(1.0, 1.0),
        pos2(0.0, 1.0),
    ];
    for uv in &mut base {
        match mirror {
            Mirror::None => {}
            Mirror::Horizontal => uv.x = 1.0 - uv.x,
            Mirror::Vertical => uv.y = 1.0 - uv.y,
        }
    }
    let turns = rotation.quarter_turns();
    // Turning clockwise by one quarter, the corner shown top-left is the one that was bottom-left.
    std::array::from_fn(|i| base[(i + 4 - turns) % 4])
}

/// The checkerboard's texture coordinates for `rect`: one texel per square, repeated.
pub(crate) fn checker_uv(rect: Rect, square_points: f32) -> Rect {
    let size = rect.size() / (square_points.max(1.0) * 2.0);
    Rect::from_min_size(Pos2::ZERO, Vec2::new(size.x, size.y))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canvas(w: f32, h: f32) -> Rect {
        Rect::from_min_size(pos2(0.0, 0.0), vec2(w, h))
    }

    #[test]
    fn integer_mode_picks_the_largest_whole_factor_and_centres() {
        let p = place(
            [32, 32],
            Rotation::R0,
            ScaleMode::Integer,
            canvas(200.0, 100.0),
            1.0,
        )
        .unwrap();
        assert_eq!(p.scale, 3.0);
        assert_eq!(
            p.rect,
            Rect::from_min_size(pos2(52.0, 2.0), vec2(96.0, 96.0))
        );
    }

    #[test]
    fn integer_mode_counts_physical_pixels() {
        // 150 points at 1.5 ppp = 225 px: 7 whole 32-px steps, not 4 (150 / 32).
        let p = place(
            [32, 32],
            Rotation::R0,
            ScaleMode::Integer,
            canvas(150.0, 150.0),
            1.5,
        )
        .unwrap();
        assert_eq!(p.scale, 7.0);
        assert!((p.rect.width() * 1.5 - 224.0).abs() < 1e-3);
    }

    #[test]
    fn integer_mode_shrinks_art_larger_than_the_canvas() {
        let p = place(
            [256, 256],
            Rotation::R0,
            ScaleMode::Integer,
            canvas(128.0, 200.0),
            1.0,
        )
        .unwrap();
        assert_eq!(p.scale, 0.5);
    }

    #[test]
    fn fit_and_fill_use_fractional_factors() {
        let fit = place(
            [10, 20],
            Rotation::R0,
            ScaleMode::Fit,
            canvas(100.0, 100.0),
            1.0,
        )
        .unwrap();
        assert_eq!(fit.scale, 5.0);
        assert_eq!(fit.rect.size(), vec2(50.0, 100.0));
        let fill = place(
            [10, 20],
            Rotation::R0,
            ScaleMode::Fill,
            canvas(100.0, 100.0),
            1.0,
        )
        .unwrap();
        assert_eq!(fill.scale, 10.0);
        assert_eq!(fill.rect.size(), vec2(100.0, 200.0));
        assert_eq!(fill.rect.center(), pos2(50.0, 50.0));
    }

    #[test]
    fn a_quarter_turn_swaps_the_footprint() {
        let p = place(
            [10, 40],
            Rotation::R90,
            ScaleMode::Integer,
            canvas(100.0, 50.0),
            1.0,
        )
        .unwrap();
        assert_eq!(p.rect.size(), vec2(80.0, 20.0));
    }

    #[test]
    fn nothing_to_place_in_an_empty_canvas() {
        assert!(place([8, 8], Rotation::R0, ScaleMode::Fit, canvas(0.0, 10.0), 1.0).is_none());
        assert!(
            place(
                [0, 8],
                Rotation::R0,
                ScaleMode::Fit,
                canvas(10.0, 10.0),
                1.0
            )
            .is_none()
        );
    }

    #[test]
    fn uv_corners_rotate_clockwise_and_mirror() {
        let tl = pos2(0.0, 0.0);
        let tr = pos2(1.0, 0.0);
        let br = pos2(1.0, 1.0);
        let bl = pos2(0.0, 1.0);
        assert_eq!(uv_corners(Rotation::R0, Mirror::None), [tl, tr, br, bl]);
        // 90° clockwise: the authored bottom-left corner shows at the top-left.
        assert_eq!(uv_corners(Rotation::R90, Mirror::None), [bl, tl, tr, br]);
        assert_eq!(uv_corners(Rotation::R180, Mirror::None), [br, bl, tl, tr]);
        assert_eq!(
            uv_corners(Rotation::R0, Mirror::Horizontal),
            [tr, tl, bl, br]
        );
        assert_eq!(uv_corners(Rotation::R0, Mirror::Vertical), [bl, br, tr, tl]);
    }
}
