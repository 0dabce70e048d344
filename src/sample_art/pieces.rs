//! The sample artworks: original pixel art drawn with small palettes, hard
//! edges and ordered dithering, so each stays crisp when scaled up with
//! nearest-neighbour filtering.

use std::time::Duration;

use super::canvas::{Canvas, Palette, Rgba, cos_turns, in_ellipse, sin_turns};
use super::encode::{self, EncodeError};
use super::mountains::mountains;
use super::night::night;

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

pub(super) fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Paints the pixels of `inside` with `fill`, and those on its edge (an
/// inside pixel with a 4-neighbour outside) with `edge`.
pub(super) fn shape(c: &mut Canvas, inside: impl Fn(i32, i32) -> bool, fill: Rgba, edge: Rgba) {
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
