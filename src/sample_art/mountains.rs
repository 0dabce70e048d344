//! `mountains-256.png`: three mountain ranges under a setting sun, pines and
//! a lake that mirrors the sky's colours.

use super::canvas::{Canvas, Palette, Rng, bayer4};
use super::encode::{self, EncodeError};

const SKY: Palette<6> =
    Palette::from_hex([0x1a1c4b, 0x33286a, 0x6a3380, 0xb04a7c, 0xf07b5a, 0xffc36b]);
const LAND: Palette<13> = Palette::from_hex([
    0xb07aa8, 0x8a5a9e, 0xf3e3f5, 0xc9a8d8, 0x7a4f8f, 0x5d3f7f, 0x4a3372, 0x3a2a5e, 0x2a2148,
    0x14112a, 0xffe9a8, 0xfff8dc, 0xc88aa6,
]);
const HORIZON: i32 = 206;
/// The sun's centre and radius.
const SUN: (i32, i32, i32) = (176, 150, 26);

/// One mountain of a range: apex position and how steeply its sides fall.
struct Peak {
    x: i32,
    top: i32,
    slope: i32,
}

const fn peak(x: i32, top: i32, slope: i32) -> Peak {
    Peak { x, top, slope }
}

/// A range: its peaks, its base, its colours ([lit, shade, mist]) and whether it has snow.
struct Range {
    peaks: Vec<Peak>,
    base: i32,
    colors: [usize; 3],
    snowy: bool,
}

pub(super) fn mountains() -> Result<Vec<u8>, EncodeError> {
    let mut c = Canvas::new(256, 256);
    sky(&mut c);
    for (i, range) in ranges().iter().enumerate() {
        mountain_range(&mut c, range, i as u32);
    }
    pines(&mut c);
    lake(&mut c);
    encode::png(256, 256, &c.into_rgba())
}

/// The dithered sky with a few stars, the banded setting sun, clouds and birds.
fn sky(c: &mut Canvas) {
    let sky_band = |x: i32, y: i32| {
        let t = (y * 5 * 16 / 170).clamp(0, 80);
        SKY.get((t / 16 + i32::from(t % 16 > bayer4(x, y))) as usize)
    };
    for y in 0..HORIZON {
        for x in 0..256 {
            c.set(x, y, sky_band(x, y));
        }
    }
    let mut rng = Rng::new(0x6d74_0256);
    for _ in 0..40 {
        let (x, y) = (rng.range(0, 256), rng.range(0, 56));
        let color = if rng.range(0, 3) == 0 {
            LAND.get(11)
        } else {
            SKY.get(3)
        };
        c.set(x, y, color);
    }
    // A setting sun with the classic banded lower half.
    let (sun_x, sun_y, sun_r) = SUN;
    for y in sun_y - sun_r..=sun_y + sun_r {
        let below = y - sun_y;
        let gap = below > 0 && below % 7 >= 7 - (below / 5 + 1);
        for x in sun_x - sun_r..=sun_x + sun_r {
            let (dx, dy) = (x - sun_x, y - sun_y);
            if dx * dx + dy * dy <= sun_r * sun_r + sun_r && !gap {
                c.set(x, y, LAND.get(if dy < -10 { 11 } else { 10 }));
            }
        }
    }
    for (cx, cy, len) in [(24, 74, 50), (52, 80, 30), (196, 62, 44), (120, 100, 30)] {
        c.rect(cx, cy, len, 2, SKY.get(3));
        c.rect(cx + 8, cy - 2, len - 18, 2, SKY.get(4));
    }
    for (bx, by) in [(62, 44), (74, 51), (86, 42)] {
        c.line(bx - 2, by - 1, bx, by + 1, LAND.get(9));
        c.line(bx, by + 1, bx + 2, by - 1, LAND.get(9));
    }
}

/// Three ranges, far to near.
fn ranges() -> [Range; 3] {
    [
        Range {
            peaks: vec![
                peak(30, 96, 1),
                peak(104, 84, 1),
                peak(150, 122, 1),
                peak(226, 92, 1),
            ],
            base: 186,
            colors: [0, 1, 12],
            snowy: true,
        },
        Range {
            peaks: vec![
                peak(-10, 128, 1),
                peak(70, 132, 1),
                peak(196, 124, 1),
                peak(262, 140, 1),
            ],
            base: 196,
            colors: [4, 5, 1],
            snowy: true,
        },
        Range {
            peaks: vec![peak(40, 172, 3), peak(140, 178, 4), peak(230, 170, 3)],
            base: HORIZON + 12,
            colors: [7, 8, 8],
            snowy: false,
        },
    ]
}

/// The `index`th range: jagged ridges, sunny and shaded faces, snow caps, mist at its foot.
fn mountain_range(c: &mut Canvas, range: &Range, index: u32) {
    let [lit, shade, haze] = range.colors;
    let base = range.base;
    let jag = ridge_line(256, 0, 8, 11 + index * 12);
    for x in 0..256i32 {
        let jitter = jag[x as usize] / 2;
        // The peak whose slope is highest here owns this column.
        let Some(owner) = range
            .peaks
            .iter()
            .min_by_key(|p| p.top + (x - p.x).abs() * 2 / p.slope)
        else {
            continue;
        };
        let top = (owner.top + (x - owner.x).abs() * 2 / owner.slope + jitter).min(base);
        for y in top..HORIZON {
            let depth = y - owner.top;
            // The sun is to the right: right-hand faces catch its light.
            let crease = owner.x + jag[(y * 3 % 256) as usize] / 3;
            let sunny = x >= crease;
            let snow = range.snowy && depth < 16 + jitter * 2 && y - top < 12;
            let mist = y > base - 12 && (y - (base - 12)) * 2 > bayer4(x, y) + 4;
            let color = match (snow, sunny) {
                (true, true) => LAND.get(2),
                (true, false) => LAND.get(3),
                (false, true) => LAND.get(lit),
                (false, false) => LAND.get(shade),
            };
            c.set(x, y, if mist && !snow { LAND.get(haze) } else { color });
        }
    }
}

/// Pines on the near hills.
fn pines(c: &mut Canvas) {
    let mut x = 2;
    while x < 256 {
        let h = 9 + (x * 7 % 11);
        let ground = HORIZON - 2 - (x * 5 % 7);
        for dy in 0..h {
            let half = (dy + 1) / 3;
            c.rect(x - half, ground - h + dy, half * 2 + 1, 1, LAND.get(9));
        }
        c.rect(x, ground, 1, 2, LAND.get(9));
        x += 6 + (x * 13 % 7);
    }
}

/// The lake: dark water with streaks of the sky's colours and a path of
/// sunlight under the sun.
fn lake(c: &mut Canvas) {
    let (sun_x, _, _) = SUN;
    c.rect(0, HORIZON, 256, 256 - HORIZON, LAND.get(8));
    c.rect(0, HORIZON, 256, 1, LAND.get(9));
    let mut rng = Rng::new(0x1a4e);
    for y in (HORIZON + 2..256).step_by(2) {
        let depth = y - HORIZON;
        for _ in 0..4 {
            let (x, len) = (rng.range(-10, 256), rng.range(4, 18 - depth / 4));
            let color = if depth < 20 { SKY.get(3) } else { SKY.get(2) };
            c.rect(x, y, len, 1, color);
        }
        let spread = 22 - depth / 3;
        let mut x = sun_x - spread + (y * 5 % 4);
        while x < sun_x + spread {
            let len = 2 + (x + y) % 5;
            c.rect(x, y, len, 1, LAND.get(if depth < 14 { 11 } else { 10 }));
            x += len + 2 + (x * 3 + y) % 4;
        }
    }
}

/// Midpoint-displacement noise around `base` (spread `roughness`), seeded
/// so the same line comes out every time.
fn ridge_line(width: usize, base: i32, roughness: i32, seed: u32) -> Vec<i32> {
    let mut rng = Rng::new(seed);
    let size = width.next_power_of_two();
    let mut h = vec![base; size + 1];
    let (mut step, mut spread) = (size, roughness);
    while step > 1 {
        let half = step / 2;
        for i in (half..size).step_by(step) {
            let mid = (h[i - half] + h[i + half]) / 2;
            h[i] = mid + rng.range(-spread / 2, spread / 2 + 1);
        }
        step = half;
        spread = (spread * 3 / 4).max(1);
    }
    h.truncate(width);
    h
}
