//! Which artwork pixel each device pixel (LED, or p3a screen pixel) shows.
//! Every fitting is separable: one lookup table per axis, built in the
//! artwork's orientation on screen, then turned back into the authored
//! artwork's coordinates by `orient`.

use super::mode::Fitting;
use crate::preview::{Mirror, Rotation};

/// The p3a's screen: 720×720 pixels.
pub(crate) const P3A_SIDE: u32 = 720;

/// One axis: for each device pixel, the artwork pixel it shows (`None`: outside the art).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PanelMap {
    pub x: Vec<Option<u32>>,
    pub y: Vec<Option<u32>>,
}

impl PanelMap {
    /// The (oriented) artwork pixel behind device pixel (`x`, `y`).
    pub fn at(&self, x: u32, y: u32) -> Option<[u32; 2]> {
        let sx = (*self.x.get(x as usize)?)?;
        let sy = (*self.y.get(y as usize)?)?;
        Some([sx, sy])
    }
}

/// Where the scaled artwork lies along one axis of the panel: its length in
/// device pixels and its start (negative when it overflows and is cut on both
/// sides). The window's LED shader evaluates `source` with these same numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AxisFit {
    pub panel: u32,
    pub art: u32,
    pub scaled: u32,
    pub offset: i64,
}

impl AxisFit {
    /// The artwork pixel device pixel `i` shows, `None` outside the art.
    pub fn source(&self, i: u32) -> Option<u32> {
        let j = i64::from(i) - self.offset;
        (0..i64::from(self.scaled))
            .contains(&j)
            // Nearest neighbour as device firmware does it: floor(j × art / scaled).
            .then(|| ((j * i64::from(self.art)) / i64::from(self.scaled)) as u32)
            .map(|s| s.min(self.art - 1))
    }

    /// `source` of every device pixel along the axis, in order.
    pub(crate) fn table(&self) -> Vec<Option<u32>> {
        (0..self.panel).map(|i| self.source(i)).collect()
    }
}

/// The scaled artwork's size: the largest that fits (`cover` false) or the
/// smallest that covers (`cover` true), keeping the aspect ratio, in whole
/// device pixels (rounded down, as integer firmware does).
fn scaled_size(panel: [u32; 2], art: [u32; 2], cover: bool) -> [u32; 2] {
    let [pw, ph] = panel.map(u64::from);
    let [aw, ah] = art.map(u64::from);
    // Art relatively wider than the panel: width decides when fitting, height when covering.
    let wider = aw * ph >= ah * pw;
    let (w, h) = if wider != cover {
        (pw, (pw * ah) / aw)
    } else {
        ((ph * aw) / ah, ph)
    };
    [w.max(1) as u32, h.max(1) as u32]
}

/// How an LED panel of `panel` LEDs fits art of `art` pixels (as oriented on screen), per axis.
pub(crate) fn led_fit(panel: [u32; 2], art: [u32; 2], fitting: Fitting) -> Option<[AxisFit; 2]> {
    if panel.contains(&0) || art.contains(&0) {
        return None;
    }
    let scaled = match fitting {
        Fitting::Centred => art,
        Fitting::Nearest => scaled_size(panel, art, false),
        Fitting::Cropped => scaled_size(panel, art, true),
    };
    // Centred, rounding toward the top-left like the firmware's integer halving.
    Some(std::array::from_fn(|i| AxisFit {
        panel: panel[i],
        art: art[i],
        scaled: scaled[i],
        offset: (i64::from(panel[i]) - i64::from(scaled[i])).div_euclid(2),
    }))
}

/// An LED panel of `panel` LEDs showing art of `art` pixels (as oriented on screen).
pub(crate) fn led_map(panel: [u32; 2], art: [u32; 2], fitting: Fitting) -> Option<PanelMap> {
    let [x, y] = led_fit(panel, art, fitting)?;
    Some(PanelMap {
        x: x.table(),
        y: y.table(),
    })
}

/// The p3a's rule (its firmware's upscale maps): the artwork, as rotated, fits
/// the 720×720 screen as large as it can, aspect kept, by nearest neighbour —
/// not a whole factor: 64 pixels become 720 with some 11 and some 12 wide —
/// centred on the background colour.
pub(crate) fn p3a_map(art: [u32; 2]) -> Option<PanelMap> {
    led_map([P3A_SIDE, P3A_SIDE], art, Fitting::Nearest)
}

/// The p3a's scaled artwork rectangle on its screen: [x, y, w, h] in device pixels.
pub(crate) fn p3a_rect(art: [u32; 2]) -> Option<[u32; 4]> {
    if art.contains(&0) {
        return None;
    }
    let [w, h] = scaled_size([P3A_SIDE, P3A_SIDE], art, false);
    Some([(P3A_SIDE - w) / 2, (P3A_SIDE - h) / 2, w, h])
}

/// Orientation as integer arithmetic: the authored pixel of shown pixel
/// (x, y) is `m × (x, y) + t`. The window's LED shader applies these numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Orientation {
    pub m: [[i32; 2]; 2],
    pub t: [i32; 2],
}

impl Orientation {
    /// Mirrored as authored, then turned clockwise (the canvas's convention).
    /// `size` is the authored size.
    pub fn new(size: [u32; 2], rotation: Rotation, mirror: Mirror) -> Self {
        let [w, h] = size.map(|v| v as i32 - 1);
        // Undo the turn: a pixel of the turned image comes from the mirrored one.
        let (mut m, mut t) = match rotation {
            Rotation::R0 => ([[1, 0], [0, 1]], [0, 0]),
            Rotation::R90 => ([[0, 1], [-1, 0]], [0, h]),
            Rotation::R180 => ([[-1, 0], [0, -1]], [w, h]),
            Rotation::R270 => ([[0, -1], [1, 0]], [w, 0]),
        };
        // Then undo the mirror along one authored axis.
        let flip = match mirror {
            Mirror::None => None,
            Mirror::Horizontal => Some((0, w)),
            Mirror::Vertical => Some((1, h)),
        };
        if let Some((axis, last)) = flip {
            m[axis] = m[axis].map(|v| -v);
            t[axis] = last - t[axis];
        }
        Self { m, t }
    }

    pub fn apply(&self, [x, y]: [u32; 2]) -> [u32; 2] {
        let (x, y) = (i64::from(x), i64::from(y));
        std::array::from_fn(|i| {
            let [a, b] = self.m[i].map(i64::from);
            (a * x + b * y + i64::from(self.t[i])).max(0) as u32
        })
    }
}

/// The authored artwork's pixel for pixel `p` of the artwork as shown: mirrored
/// as authored, then turned clockwise (the canvas's convention). `size` is the
/// authored size.
pub(crate) fn orient(p: [u32; 2], size: [u32; 2], rotation: Rotation, mirror: Mirror) -> [u32; 2] {
    Orientation::new(size, rotation, mirror).apply(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn some(values: &[u32]) -> Vec<Option<u32>> {
        values.iter().map(|&v| Some(v)).collect()
    }

    #[test]
    fn same_size_is_one_pixel_per_led_in_every_fitting() {
        for fitting in Fitting::ALL {
            let map = led_map([4, 2], [4, 2], fitting).unwrap();
            assert_eq!(map.x, some(&[0, 1, 2, 3]), "{fitting:?}");
            assert_eq!(map.y, some(&[0, 1]), "{fitting:?}");
        }
    }

    #[test]
    fn nearest_shrinks_larger_art_by_taking_every_other_pixel() {
        // 8×8 art on a 4×4 panel: LED i shows pixel floor(i × 8 / 4).
        let map = led_map([4, 4], [8, 8], Fitting::Nearest).unwrap();
        assert_eq!(map.x, some(&[0, 2, 4, 6]));
        assert_eq!(map.at(3, 1), Some([6, 2]));
    }

    #[test]
    fn nearest_enlarges_and_centres_with_a_border() {
        // 2×1 art on a 6×4 panel: fits as 6×3, one empty row above none… (4-3)/2 = 0 above, 1 below.
        let map = led_map([6, 4], [2, 1], Fitting::Nearest).unwrap();
        assert_eq!(map.x, some(&[0, 0, 0, 1, 1, 1]));
        assert_eq!(map.y, vec![Some(0), Some(0), Some(0), None]);
        // 3×3 art on 8×6: fits as 6×6, centred one LED in from each side.
        let map = led_map([8, 6], [3, 3], Fitting::Nearest).unwrap();
        assert_eq!(
            map.x,
            vec![
                None,
                Some(0),
                Some(0),
                Some(1),
                Some(1),
                Some(2),
                Some(2),
                None
            ]
        );
        assert_eq!(map.y, some(&[0, 0, 1, 1, 2, 2]));
    }

    #[test]
    fn centred_shows_the_middle_of_larger_art_and_borders_smaller_art() {
        // 6-wide art on a 4-wide panel: pixels 1..=4, the outer ones cut.
        let map = led_map([4, 3], [6, 1], Fitting::Centred).unwrap();
        assert_eq!(map.x, some(&[1, 2, 3, 4]));
        assert_eq!(map.y, vec![None, Some(0), None]);
        // 5-wide art on 8: (8 − 5) / 2 = 1 empty LED left, 2 right.
        let map = led_map([8, 1], [5, 1], Fitting::Centred).unwrap();
        assert_eq!(
            map.x,
            vec![
                None,
                Some(0),
                Some(1),
                Some(2),
                Some(3),
                Some(4),
                None,
                None
            ]
        );
    }

    #[test]
    fn cropped_covers_the_panel_and_cuts_the_overflow() {
        // Square 4×4 art on an 8×4 panel: covers as 8×8, rows 2..6 of the scaled art show.
        let map = led_map([8, 4], [4, 4], Fitting::Cropped).unwrap();
        assert_eq!(map.x, some(&[0, 0, 1, 1, 2, 2, 3, 3]));
        assert_eq!(map.y, some(&[1, 1, 2, 2]));
        // A 128×64 panel and 64×64 art: 2× scale, the middle 32 rows of the art.
        let map = led_map([128, 64], [64, 64], Fitting::Cropped).unwrap();
        assert_eq!(map.at(0, 0), Some([0, 16]));
        assert_eq!(map.at(127, 63), Some([63, 47]));
    }

    #[test]
    fn p3a_fits_720_by_nearest_neighbour_not_whole_factors() {
        // 64 → 720: device pixel i shows floor(i × 64 / 720); pixels are 11 or 12 wide.
        let map = p3a_map([64, 64]).unwrap();
        assert_eq!(map.x.len(), 720);
        assert_eq!(map.x[0], Some(0));
        assert_eq!(map.x[11], Some(0));
        assert_eq!(map.x[12], Some(1));
        assert_eq!(map.x[719], Some(63));
        let widths: Vec<usize> = (0..64)
            .map(|p| map.x.iter().filter(|s| **s == Some(p)).count())
            .collect();
        assert!(widths.iter().all(|w| *w == 11 || *w == 12), "{widths:?}");
        assert_eq!(widths.iter().sum::<usize>(), 720);
        // A wide 100×50 artwork: 720×360, 180 background rows above and below.
        assert_eq!(p3a_rect([100, 50]), Some([0, 180, 720, 360]));
        let map = p3a_map([100, 50]).unwrap();
        assert_eq!(map.y[179], None);
        assert_eq!(map.y[180], Some(0));
        assert_eq!(map.y[539], Some(49));
        assert_eq!(map.y[540], None);
        // Larger than the screen: shrunk to fit, every other pixel of 1440.
        assert_eq!(p3a_map([1440, 1440]).unwrap().x[1], Some(2));
    }

    #[test]
    fn orienting_matches_the_p3a_blitter() {
        // 3×2 art. A quarter turn clockwise shows it 2 wide, 3 tall: its
        // top-left is the authored bottom-left, its top-right the authored top-left.
        let size = [3, 2];
        assert_eq!(orient([0, 0], size, Rotation::R90, Mirror::None), [0, 1]);
        assert_eq!(orient([1, 0], size, Rotation::R90, Mirror::None), [0, 0]);
        assert_eq!(orient([1, 2], size, Rotation::R90, Mirror::None), [2, 0]);
        assert_eq!(orient([0, 0], size, Rotation::R180, Mirror::None), [2, 1]);
        // 270: the top-left shows the authored top-right.
        assert_eq!(orient([0, 0], size, Rotation::R270, Mirror::None), [2, 0]);
        assert_eq!(orient([1, 0], size, Rotation::R270, Mirror::None), [2, 1]);
        assert_eq!(
            orient([0, 0], size, Rotation::R0, Mirror::Horizontal),
            [2, 0]
        );
        assert_eq!(orient([0, 0], size, Rotation::R0, Mirror::Vertical), [0, 1]);
        // Mirrored first, then turned: the turned top-left is the mirrored bottom-left.
        assert_eq!(
            orient([0, 0], size, Rotation::R90, Mirror::Horizontal),
            [2, 1]
        );
    }

    #[test]
    fn empty_sizes_map_nothing() {
        assert!(led_map([0, 4], [4, 4], Fitting::Nearest).is_none());
        assert!(led_map([4, 4], [4, 0], Fitting::Cropped).is_none());
        assert!(p3a_rect([0, 1]).is_none());
    }
}
