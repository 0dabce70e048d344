//! A tiny RGBA raster for drawing pixel art in code.
//!
//! Everything here is integer or plain-arithmetic floating point, never the
//! platform's `sin`/`cos`, so the same program draws the same bytes on every
//! machine and the committed sample files can be checked against it.

pub type Rgba = [u8; 4];

pub(crate) const CLEAR: Rgba = [0, 0, 0, 0];

/// An opaque colour from `0xRRGGBB`.
pub(crate) const fn hex(rgb: u32) -> Rgba {
    [(rgb >> 16) as u8, (rgb >> 8) as u8, rgb as u8, 255]
}

/// The limited set of colours a piece draws with. Indexing by a named
/// constant keeps each artwork honest about its palette.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Palette<const N: usize>(pub [Rgba; N]);

impl<const N: usize> Palette<N> {
    pub(crate) const fn from_hex(colors: [u32; N]) -> Self {
        let mut out = [CLEAR; N];
        let mut i = 0;
        while i < N {
            out[i] = hex(colors[i]);
            i += 1;
        }
        Palette(out)
    }

    /// The colour at `index`, clamped to the last one so a slip in a
    /// procedural formula cannot panic.
    pub fn get(&self, index: usize) -> Rgba {
        match N {
            0 => CLEAR,
            _ => self.0[index.min(N - 1)],
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Canvas {
    pub width: u32,
    pub height: u32,
    /// Row-major RGBA, `width * height * 4` bytes.
    pub pixels: Vec<u8>,
}

impl Canvas {
    /// A fully transparent canvas.
    pub fn new(width: u32, height: u32) -> Self {
        Self::filled(width, height, CLEAR)
    }

    pub fn filled(width: u32, height: u32, color: Rgba) -> Self {
        let count = width as usize * height as usize;
        Self {
            width,
            height,
            pixels: color.repeat(count),
        }
    }

    fn offset(&self, x: i32, y: i32) -> Option<usize> {
        let (x, y) = (u32::try_from(x).ok()?, u32::try_from(y).ok()?);
        (x < self.width && y < self.height)
            .then(|| (y as usize * self.width as usize + x as usize) * 4)
    }

    pub fn get(&self, x: i32, y: i32) -> Option<Rgba> {
        let at = self.offset(x, y)?;
        self.pixels.get(at..at + 4)?.try_into().ok()
    }

    /// Sets one pixel; points off the canvas are ignored so shapes clip.
    pub fn set(&mut self, x: i32, y: i32, color: Rgba) {
        if let Some(at) = self.offset(x, y) {
            self.pixels[at..at + 4].copy_from_slice(&color);
        }
    }

    pub fn fill(&mut self, color: Rgba) {
        for px in self.pixels.chunks_exact_mut(4) {
            px.copy_from_slice(&color);
        }
    }

    /// A filled rectangle.
    pub(crate) fn rect(&mut self, x: i32, y: i32, w: i32, h: i32, color: Rgba) {
        for yy in y..y + h {
            for xx in x..x + w {
                self.set(xx, yy, color);
            }
        }
    }

    /// A one-pixel Bresenham line, both ends included.
    pub fn line(&mut self, x0: i32, y0: i32, x1: i32, y1: i32, color: Rgba) {
        let (dx, dy) = ((x1 - x0).abs(), -(y1 - y0).abs());
        let (sx, sy) = (if x0 < x1 { 1 } else { -1 }, if y0 < y1 { 1 } else { -1 });
        let (mut x, mut y, mut err) = (x0, y0, dx + dy);
        loop {
            self.set(x, y, color);
            if x == x1 && y == y1 {
                break;
            }
            let e2 = 2 * err;
            if e2 >= dy {
                err += dy;
                x += sx;
            }
            if e2 <= dx {
                err += dx;
                y += sy;
            }
        }
    }

    /// A one-pixel circle outline (midpoint algorithm).
    pub fn circle(&mut self, cx: i32, cy: i32, r: i32, color: Rgba) {
        let (mut x, mut y, mut err) = (r, 0, 1 - r);
        while x >= y {
            for (px, py) in [
                (x, y),
                (y, x),
                (-y, x),
                (-x, y),
                (-x, -y),
                (-y, -x),
                (y, -x),
                (x, -y),
            ] {
                self.set(cx + px, cy + py, color);
            }
            y += 1;
            if err < 0 {
                err += 2 * y + 1;
            } else {
                x -= 1;
                err += 2 * (y - x) + 1;
            }
        }
    }

    /// A filled disc. The `r*r + r` bound rounds the silhouette the way
    /// pixel artists do, without the single-pixel nubs of a strict `r*r`.
    pub fn disc(&mut self, cx: i32, cy: i32, r: i32, color: Rgba) {
        for dy in -r..=r {
            for dx in -r..=r {
                if in_disc(dx, dy, r) {
                    self.set(cx + dx, cy + dy, color);
                }
            }
        }
    }

    /// A filled axis-aligned ellipse with radii `rx`, `ry`.
    pub fn ellipse(&mut self, cx: i32, cy: i32, rx: i32, ry: i32, color: Rgba) {
        let (rx, ry) = (rx.max(0), ry.max(0));
        for dy in -ry..=ry {
            for dx in -rx..=rx {
                if in_ellipse(dx, dy, rx, ry) {
                    self.set(cx + dx, cy + dy, color);
                }
            }
        }
    }

    /// Draws a sprite given as text rows; each character is looked up in
    /// `key`, and characters without an entry are left transparent.
    pub fn stamp(&mut self, x: i32, y: i32, rows: &[&str], key: &[(char, Rgba)]) {
        for (row, line) in (y..).zip(rows) {
            for (col, ch) in (x..).zip(line.chars()) {
                if let Some((_, color)) = key.iter().find(|(k, _)| *k == ch) {
                    self.set(col, row, *color);
                }
            }
        }
    }

    pub(crate) fn into_rgba(self) -> Vec<u8> {
        self.pixels
    }
}

pub fn in_disc(dx: i32, dy: i32, r: i32) -> bool {
    dx * dx + dy * dy <= r * r + r
}

pub(crate) fn in_ellipse(dx: i32, dy: i32, rx: i32, ry: i32) -> bool {
    // Integer form of (dx/rx)² + (dy/ry)² <= 1, widened by half a pixel
    // like `in_disc` so small ellipses keep a round outline.
    let (rx2, ry2) = (i64::from(rx * 2 + 1), i64::from(ry * 2 + 1));
    let (x2, y2) = (i64::from(dx * 2), i64::from(dy * 2));
    x2 * x2 * ry2 * ry2 + y2 * y2 * rx2 * rx2 <= rx2 * rx2 * ry2 * ry2
}

/// 4×4 ordered-dither threshold in 0..16, for crisp gradients.
pub(crate) fn bayer4(x: i32, y: i32) -> i32 {
    const M: [[i32; 4]; 4] = [[0, 8, 2, 10], [12, 4, 14, 6], [3, 11, 1, 9], [15, 7, 13, 5]];
    M[y.rem_euclid(4) as usize][x.rem_euclid(4) as usize]
}

/// A deterministic pseudo-random stream (xorshift32), so "random" details
/// such as stars land in the same place on every run.
#[derive(Clone, Debug)]
pub(crate) struct Rng(u32);

impl Rng {
    pub fn new(seed: u32) -> Self {
        Rng(seed.max(1))
    }

    pub(crate) fn next_u32(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }

    /// Uniform-ish in `lo..hi` (returns `lo` for an empty range).
    pub fn range(&mut self, lo: i32, hi: i32) -> i32 {
        let span = i64::from(hi) - i64::from(lo);
        if span <= 0 {
            return lo;
        }
        (i64::from(lo) + i64::from(self.next_u32()) % span) as i32
    }
}

/// `sin` of a fraction of a full turn (`turns` = 1.0 is 360°), from a
/// polynomial using only exactly-rounded arithmetic, so results do not
/// depend on the platform's math library.
pub(crate) fn sin_turns(turns: f64) -> f64 {
    let t = turns - turns.floor();
    // Fold into a quarter turn using the sine's symmetries.
    let (q, sign) = match t {
        t if t < 0.25 => (t, 1.0),
        t if t < 0.5 => (0.5 - t, 1.0),
        t if t < 0.75 => (t - 0.5, -1.0),
        t => (1.0 - t, -1.0),
    };
    let x = q * std::f64::consts::TAU;
    let x2 = x * x;
    // Taylor series to x^11: error below 1e-8 on [0, π/2].
    let series = x
        * (1.0
            - x2 / 6.0
                * (1.0 - x2 / 20.0 * (1.0 - x2 / 42.0 * (1.0 - x2 / 72.0 * (1.0 - x2 / 110.0)))));
    sign * series
}

pub(crate) fn cos_turns(turns: f64) -> f64 {
    sin_turns(turns + 0.25)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_clips_and_get_reads_back() {
        let mut c = Canvas::new(4, 3);
        c.set(-1, 0, hex(0xff0000));
        c.set(4, 0, hex(0xff0000));
        c.set(3, 2, hex(0x00ff00));
        assert_eq!(c.get(3, 2), Some([0, 255, 0, 255]));
        assert_eq!(c.get(0, 0), Some(CLEAR));
        assert_eq!(c.get(4, 0), None);
        assert_eq!(c.pixels.len(), 4 * 3 * 4);
    }

    #[test]
    fn line_reaches_both_ends() {
        let mut c = Canvas::new(8, 8);
        c.line(0, 7, 7, 2, hex(0xffffff));
        assert_eq!(c.get(0, 7), Some(hex(0xffffff)));
        assert_eq!(c.get(7, 2), Some(hex(0xffffff)));
    }

    #[test]
    fn disc_and_circle_are_symmetric() {
        let mut c = Canvas::new(21, 21);
        c.disc(10, 10, 6, hex(0x112233));
        c.circle(10, 10, 8, hex(0x445566));
        for y in 0..21 {
            for x in 0..21 {
                assert_eq!(c.get(x, y), c.get(20 - x, y));
                assert_eq!(c.get(x, y), c.get(x, 20 - y));
            }
        }
    }

    #[test]
    fn stamp_uses_key_and_skips_unknown() {
        let mut c = Canvas::new(3, 2);
        c.stamp(0, 0, &["a.a", ".a."], &[('a', hex(0x010203))]);
        assert_eq!(c.get(0, 0), Some(hex(0x010203)));
        assert_eq!(c.get(1, 0), Some(CLEAR));
        assert_eq!(c.get(1, 1), Some(hex(0x010203)));
    }

    #[test]
    fn sine_is_close_to_std() {
        for i in 0..=200 {
            let t = f64::from(i) / 100.0 - 0.5;
            let want = (t * std::f64::consts::TAU).sin();
            assert!((sin_turns(t) - want).abs() < 1e-6, "t={t}");
            assert!((cos_turns(t) - (t * std::f64::consts::TAU).cos()).abs() < 1e-6);
        }
    }

    #[test]
    fn rng_is_repeatable() {
        let a: Vec<u32> = (0..5)
            .scan(Rng::new(7), |r, _| Some(r.next_u32()))
            .collect();
        let b: Vec<u32> = (0..5)
            .scan(Rng::new(7), |r, _| Some(r.next_u32()))
            .collect();
        assert_eq!(a, b);
        let mut r = Rng::new(9);
        assert!((0..100).map(|_| r.range(3, 8)).all(|v| (3..8).contains(&v)));
    }
}
