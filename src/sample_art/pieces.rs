//! The sample artworks: original pixel art drawn with small palettes, hard
//! edges and ordered dithering, so each stays crisp when scaled up with
//! nearest-neighbour filtering.

use std::time::Duration;

use super::canvas::{Canvas, Palette, Rgba, Rng, bayer4, cos_turns, in_ellipse, sin_turns};
use super::encode::{self, EncodeError};

type Draw = fn() -> Result<Vec<u8>, EncodeError>;

/// (file name, drawing), in play order.
pub(super) const PIECES: [(&str, Draw); 6] = [
    ("mountains-256.png", mountains),
    ("slime-32.gif", slime),
    ("night-128.webp", night),
    ("heart-8.png", heart),
    ("sun-64.png", sun),
    ("mushroom-16.bmp", mushroom),
];

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Paints the pixels of `inside` with `fill`, and those on its edge (an
/// inside pixel with a 4-neighbour outside) with `edge`.
fn shape(c: &mut Canvas, inside: impl Fn(i32, i32) -> bool, fill: Rgba, edge: Rgba) {
    for y in 0..c.height as i32 {
        for x in 0..c.width as i32 {
            if inside(x, y) {
                let rim = [(1, 0), (-1, 0), (0, 1), (0, -1)]
                    .iter()
                    .any(|(dx, dy)| !inside(x + dx, y + dy));
                c.set(x, y, if rim { edge } else { fill });
            }
        }
    }
}

// ---------------------------------------------------------------- heart (8)

fn heart() -> Result<Vec<u8>, EncodeError> {
    const P: Palette<5> = Palette::from_hex([0x3b0f2a, 0xe8344e, 0xffb3c1, 0xa8173a, 0xfff0f3]);
    let key = [
        ('#', P.get(0)),
        ('r', P.get(1)),
        ('h', P.get(2)),
        ('d', P.get(3)),
        ('w', P.get(4)),
    ];
    #[rustfmt::skip]
    let rows = [
        "........",
        ".##..##.",
        "#wr##rr#",
        "#hrrrrr#",
        "#rrrrrd#",
        ".#rrrd#.",
        "..#dd#..",
        "...##...",
    ];
    let mut c = Canvas::new(8, 8);
    c.stamp(0, 0, &rows, &key);
    encode::png(8, 8, &c.into_rgba())
}

// ------------------------------------------------------------- mushroom (16)

fn mushroom() -> Result<Vec<u8>, EncodeError> {
    const P: Palette<10> = Palette::from_hex([
        0x2b1d2e, 0xd8343f, 0x9c1f3a, 0xf06a5e, 0xfff4e0, 0xf3ddb5, 0xc9a982, 0x9fd8d0, 0x5fae4f,
        0x3a7d44,
    ]);
    let key = [
        ('o', P.get(0)),
        ('r', P.get(1)),
        ('d', P.get(2)),
        ('h', P.get(3)),
        ('w', P.get(4)),
        ('s', P.get(5)),
        ('t', P.get(6)),
        ('e', P.get(0)),
        ('b', P.get(7)),
        ('g', P.get(8)),
        ('G', P.get(9)),
    ];
    #[rustfmt::skip]
    let rows = [
        "bbbbbbbbbbbbbbbb",
        "bbbbboooooobbbbb",
        "bbboorrwwrroobbb",
        "bborhhwwwwrrrobb",
        "borhrrwwwwrwwrob",
        "bowwrrrwwrrwwwob",
        "orwwrrrrrrrrwwdo",
        "orrrrrwwrrrrrddo",
        "oddddddddddddddo",
        "bboooooooooooobb",
        "bbbbossssstobbbb",
        "bbbbosessetobbbb",
        "bbgbossssstobgbb",
        "ggggossssstogggg",
        "gGggoooooooogGgg",
        "GgGGgGGgGGgGGgGG",
    ];
    let mut c = Canvas::new(16, 16);
    c.stamp(0, 0, &rows, &key);
    encode::bmp(16, 16, &c.into_rgba())
}

// ---------------------------------------------------------------- slime (32)

fn slime() -> Result<Vec<u8>, EncodeError> {
    const P: Palette<7> = Palette::from_hex([
        0x1e3a2f, 0x5cc96b, 0x3a9a5a, 0xb8f5a0, 0x1b1b2f, 0xffffff, 0x3b3550,
    ]);
    const GROUND: i32 = 28;
    #[derive(Clone, Copy, PartialEq)]
    enum Eyes {
        Open,
        Shut,
        Squint,
    }
    use Eyes::*;
    // (half width, height above centre, lift off the ground, eyes, delay ms)
    let poses = [
        (10, 8, 0, Open, 300),
        (12, 6, 0, Squint, 80),
        (8, 11, 2, Open, 60),
        (9, 9, 6, Open, 60),
        (10, 8, 8, Open, 120),
        (10, 8, 8, Shut, 120),
        (9, 10, 4, Open, 60),
        (13, 5, 0, Squint, 90),
        (11, 7, 0, Open, 90),
        (10, 8, 0, Shut, 150),
    ];
    let mut frames = Vec::new();
    for (rx, ry, lift, eyes, delay) in poses {
        let mut c = Canvas::new(32, 32);
        // The shadow shrinks as the slime rises.
        let w = (rx - lift / 2).max(4);
        c.rect(16 - w + 1, GROUND, 2 * w - 1, 1, P.get(6));
        c.rect(16 - w + 3, GROUND + 1, 2 * w - 5, 1, P.get(6));
        let base = GROUND - lift;
        let cy = base - ry / 3;
        let body = |x: i32, y: i32| y <= base && in_ellipse(x - 16, y - cy, rx, ry);
        shape(&mut c, body, P.get(1), P.get(0));
        // Shade along the bottom-right, highlight at the top-left.
        for y in 0..32 {
            for x in 0..32 {
                let inner = body(x, y) && body(x + 1, y) && body(x, y + 1);
                if inner && (!body(x + 2, y + 1) || !body(x, y + 2)) && x >= 16 - rx / 3 {
                    c.set(x, y, P.get(2));
                }
            }
        }
        let (hx, hy) = (16 - rx / 2, cy - ry + 3);
        c.rect(hx, hy, 2, 1, P.get(3));
        c.set(hx - 1, hy + 1, P.get(3));
        // Face, kept clear of the bottom edge when squashed flat.
        let (ex, ey) = (rx / 3 + 1, (cy - ry / 4).min(base - 5).max(cy - ry + 2));
        for side in [-1, 1] {
            // Eyes mirror around column 16, the body's axis.
            let x = if side < 0 { 16 - ex - 1 } else { 16 + ex };
            let ink = P.get(4);
            match eyes {
                Open => {
                    c.rect(x, ey - 1, 2, 3, ink);
                    c.set(if side < 0 { x } else { x + 1 }, ey - 1, P.get(5));
                }
                Shut => c.rect(x, ey + 1, 2, 1, ink),
                Squint => {
                    let (outer, inner) = if side < 0 { (x, x + 1) } else { (x + 1, x) };
                    c.set(outer, ey - 1, ink);
                    c.set(inner, ey, ink);
                    c.set(outer, ey + 1, ink);
                }
            }
        }
        c.set(15, ey + 2, P.get(4));
        c.set(16, ey + 3, P.get(4));
        c.set(17, ey + 2, P.get(4));
        frames.push((c.into_rgba(), ms(delay)));
    }
    encode::gif(32, 32, &frames)
}

// ------------------------------------------------------------------ sun (64)

fn sun() -> Result<Vec<u8>, EncodeError> {
    const P: Palette<8> = Palette::from_hex([
        0xb8400e, 0xffd23f, 0xfff3a3, 0xf4a020, 0xff9a2e, 0xe8631a, 0x5a2410, 0xff7f6a,
    ]);
    const FRAMES: u32 = 12;
    const RAYS: u32 = 12;
    let mut frames = Vec::new();
    for f in 0..FRAMES {
        let mut c = Canvas::new(64, 64);
        let phase = f64::from(f) / f64::from(FRAMES);
        // The rays repeat every 1/RAYS of a turn, so turning by exactly
        // that much over the loop makes a seamless cycle.
        let turn = phase / f64::from(RAYS);
        let tip = 26.5 + 1.5 * sin_turns(phase * 2.0);
        let ray = |x: i32, y: i32| {
            let (px, py) = (f64::from(x) - 31.5, f64::from(y) - 31.5);
            (0..RAYS).any(|k| {
                let a = turn + f64::from(k) / f64::from(RAYS);
                let (dx, dy) = (cos_turns(a), sin_turns(a));
                let along = px * dx + py * dy;
                let across = (px * dy - py * dx).abs();
                along > 18.0 && along < tip && across < 4.5 * (tip - along) / (tip - 18.0)
            })
        };
        shape(&mut c, ray, P.get(4), P.get(5));
        let disc = |x: i32, y: i32| {
            let (px, py) = (f64::from(x) - 31.5, f64::from(y) - 31.5);
            px * px + py * py <= 15.5 * 15.5
        };
        shape(&mut c, disc, P.get(1), P.get(0));
        // Light from the top-left: a bright crescent and a warm shadow.
        for y in 0..64 {
            for x in 0..64 {
                if !disc(x, y) || !disc(x + 1, y) || !disc(x - 1, y) || !disc(x, y + 1) {
                    continue;
                }
                let (px, py) = (f64::from(x) - 31.5, f64::from(y) - 31.5);
                let from_lower_right = (px - 2.5) * (px - 2.5) + (py - 2.5) * (py - 2.5);
                let from_upper_left = (px + 2.5) * (px + 2.5) + (py + 2.5) * (py + 2.5);
                if from_lower_right > 14.0 * 14.0 && px + py < 0.0 {
                    c.set(x, y, P.get(2));
                } else if from_upper_left > 14.0 * 14.0 && px + py > 0.0 {
                    c.set(x, y, P.get(3));
                }
            }
        }
        // A sleepy, content face.
        for ex in [25, 36] {
            c.set(ex, 30, P.get(6));
            c.rect(ex + 1, 29, 2, 1, P.get(6));
            c.set(ex + 3, 30, P.get(6));
        }
        c.rect(22, 33, 3, 2, P.get(7));
        c.rect(39, 33, 3, 2, P.get(7));
        c.line(29, 36, 30, 37, P.get(6));
        c.rect(31, 37, 2, 1, P.get(6));
        c.line(33, 37, 34, 36, P.get(6));
        frames.push((c.into_rgba(), ms(90)));
    }
    encode::apng(64, 64, &frames)
}

// --------------------------------------------------------------- night (128)

fn night() -> Result<Vec<u8>, EncodeError> {
    const P: Palette<14> = Palette::from_hex([
        0x0b0d2b, 0x141840, 0x1f2456, 0x2e3270, 0x4a4f8f, 0xa7b0e8, 0xffffff, 0xf5eec2, 0xc9c08f,
        0x1a1f44, 0x0b0e22, 0x05060f, 0xffd56b, 0x394080,
    ]);
    const FRAMES: usize = 10;
    let (moon_x, moon_y, moon_r): (i32, i32, i32) = (92, 30, 13);

    // The still parts are drawn once and copied into each frame.
    let mut scene = Canvas::new(128, 128);
    for y in 0..128 {
        // Four sky bands, dithered into each other.
        let t = (y * 3 * 16) / 100;
        for x in 0..128 {
            let band = (t / 16 + i32::from(t % 16 > bayer4(x, y))).min(3);
            scene.set(x, y, P.get(band as usize));
        }
    }
    // Moon glow: a dithered ring of lighter sky.
    for y in moon_y - 24..moon_y + 24 {
        for x in moon_x - 24..moon_x + 24 {
            let d2 = (x - moon_x).pow(2) + (y - moon_y).pow(2);
            let ring = (d2 - moon_r * moon_r) * 16 / (24 * 24 - moon_r * moon_r);
            if d2 < 24 * 24 && ring < bayer4(x, y) {
                scene.set(x, y, P.get(13));
            }
        }
    }
    let lit = |x: i32, y: i32| {
        let (dx, dy) = (x - moon_x, y - moon_y);
        let (sx, sy) = (dx + 7, dy + 4);
        dx * dx + dy * dy <= moon_r * moon_r + moon_r && sx * sx + sy * sy > 11 * 11 + 11
    };
    shape(&mut scene, lit, P.get(7), P.get(8));

    // Hills: a far soft ridge and a near one with pines and a cabin.
    for x in 0..128 {
        let t = f64::from(x) / 128.0;
        let far = 96.0 + 6.0 * sin_turns(t * 1.3 + 0.1) + 3.0 * sin_turns(t * 3.1 + 0.4);
        let near = 108.0 + 5.0 * sin_turns(t * 0.9 + 0.55) + 2.0 * sin_turns(t * 4.3);
        for y in far as i32..128 {
            scene.set(x, y, P.get(9));
        }
        for y in near as i32..128 {
            scene.set(x, y, P.get(10));
        }
    }
    let mut rng = Rng::new(0x5eed_0128);
    for _ in 0..9 {
        let (tx, h) = (rng.range(2, 126), rng.range(8, 15));
        let base = 112;
        for dy in 0..h {
            let half = (dy * 2 + 2) / 5;
            scene.rect(tx - half, base - h + dy, half * 2 + 1, 1, P.get(11));
        }
        scene.rect(tx, base, 1, 4, P.get(11));
    }
    scene.rect(34, 100, 14, 10, P.get(11));
    for i in 0..9 {
        scene.rect(33 + i, 99 - i, 16 - 2 * i, 1, P.get(11));
    }
    scene.rect(44, 88, 2, 6, P.get(11));
    scene.rect(37, 103, 3, 3, P.get(12));
    scene.rect(42, 103, 3, 3, P.get(12));

    let mut stars = Vec::new();
    for _ in 0..2000 {
        if stars.len() == 46 {
            break;
        }
        let (x, y) = (rng.range(1, 127), rng.range(1, 88));
        let near_moon = (x - moon_x).pow(2) + (y - moon_y).pow(2) < 20 * 20;
        let crowded = stars
            .iter()
            .any(|&(sx, sy, _, _): &(i32, i32, usize, bool)| (sx - x).abs() + (sy - y).abs() < 6);
        if !near_moon && !crowded {
            stars.push((
                x,
                y,
                rng.range(0, FRAMES as i32) as usize,
                rng.range(0, 5) == 0,
            ));
        }
    }

    let delays = [160, 160, 160, 60, 60, 60, 160, 160, 160, 160];
    let mut frames = Vec::new();
    for (f, delay) in delays.into_iter().enumerate() {
        let mut c = scene.clone();
        for &(x, y, phase, big) in &stars {
            // Brightness rises and falls over the loop, each star offset.
            let level = match (f + phase) % FRAMES {
                0 => 3,
                1 | 9 => 2,
                2 | 8 | 3 | 7 => 1,
                _ => 0,
            };
            let color = P.get([4, 4, 5, 6][level]);
            c.set(x, y, color);
            if big && level >= 2 {
                for (dx, dy) in [(1, 0), (-1, 0), (0, 1), (0, -1)] {
                    c.set(x + dx, y + dy, P.get(if level == 3 { 5 } else { 4 }));
                }
            }
        }
        // A shooting star crosses during the three quick frames.
        if (3..6).contains(&f) {
            let step = f as i32 - 3;
            let (hx, hy) = (30 + step * 14, 14 + step * 6);
            for i in 0..10 {
                let color = P.get(if i < 2 {
                    6
                } else if i < 5 {
                    5
                } else {
                    4
                });
                c.set(hx - i * 2, hy - i, color);
                c.set(hx - i * 2 - 1, hy - i, color);
            }
        }
        frames.push((c.into_rgba(), ms(delay)));
    }
    encode::webp_animated(128, 128, &frames)
}

// ----------------------------------------------------------- mountains (256)

/// One mountain of a range: apex position and how steeply its sides fall.
struct Peak {
    x: i32,
    top: i32,
    slope: i32,
}

const fn peak(x: i32, top: i32, slope: i32) -> Peak {
    Peak { x, top, slope }
}

fn mountains() -> Result<Vec<u8>, EncodeError> {
    const SKY: Palette<6> =
        Palette::from_hex([0x1a1c4b, 0x33286a, 0x6a3380, 0xb04a7c, 0xf07b5a, 0xffc36b]);
    const LAND: Palette<13> = Palette::from_hex([
        0xb07aa8, 0x8a5a9e, 0xf3e3f5, 0xc9a8d8, 0x7a4f8f, 0x5d3f7f, 0x4a3372, 0x3a2a5e, 0x2a2148,
        0x14112a, 0xffe9a8, 0xfff8dc, 0xc88aa6,
    ]);
    const HORIZON: i32 = 206;
    let mut c = Canvas::new(256, 256);
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
        c.set(
            x,
            y,
            if rng.range(0, 3) == 0 {
                LAND.get(11)
            } else {
                SKY.get(3)
            },
        );
    }
    // A setting sun with the classic banded lower half.
    let (sun_x, sun_y, sun_r) = (176, 150, 26);
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

    // Three ranges, far to near: (peaks, base, [lit, shade, mist], snowy).
    let ranges = [
        (
            vec![
                peak(30, 96, 1),
                peak(104, 84, 1),
                peak(150, 122, 1),
                peak(226, 92, 1),
            ],
            186,
            [0, 1, 12],
            true,
        ),
        (
            vec![
                peak(-10, 128, 1),
                peak(70, 132, 1),
                peak(196, 124, 1),
                peak(262, 140, 1),
            ],
            196,
            [4, 5, 1],
            true,
        ),
        (
            vec![peak(40, 172, 3), peak(140, 178, 4), peak(230, 170, 3)],
            HORIZON + 12,
            [7, 8, 8],
            false,
        ),
    ];
    for (i, (peaks, base, [lit, shade, haze], snowy)) in ranges.into_iter().enumerate() {
        let jag = ridge_line(256, 0, 8, 11 + i as u32 * 12);
        for x in 0..256i32 {
            let jitter = jag[x as usize] / 2;
            // The peak whose slope is highest here owns this column.
            let Some(owner) = peaks
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
                let snow = snowy && depth < 16 + jitter * 2 && y - top < 12;
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
    // Pines on the near hills.
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

    // The lake: dark water with streaks of the sky's colours and a path of
    // sunlight under the sun.
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
    encode::png(256, 256, &c.into_rgba())
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
