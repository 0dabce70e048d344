//! `night-128.webp`: a moonlit valley with a cabin, twinkling stars and a
//! shooting star, as an animated WebP.

use super::canvas::{Canvas, Palette, Rng, bayer4, sin_turns};
use super::encode::{self, EncodeError};
use super::pieces::{ms, shape};

const P: Palette<14> = Palette::from_hex([
    0x0b0d2b, 0x141840, 0x1f2456, 0x2e3270, 0x4a4f8f, 0xa7b0e8, 0xffffff, 0xf5eec2, 0xc9c08f,
    0x1a1f44, 0x0b0e22, 0x05060f, 0xffd56b, 0x394080,
]);
const FRAMES: usize = 10;
const MOON: (i32, i32, i32) = (92, 30, 13);

/// A star: where, when in the loop it is brightest, and whether it sparkles.
#[derive(Clone, Copy)]
struct Star {
    x: i32,
    y: i32,
    phase: usize,
    big: bool,
}

pub(super) fn night() -> Result<Vec<u8>, EncodeError> {
    // The still parts are drawn once and copied into each frame.
    let mut scene = sky();
    let mut rng = Rng::new(0x5eed_0128);
    hills(&mut scene, &mut rng);
    let stars = stars(&mut rng);
    let delays = [160, 160, 160, 60, 60, 60, 160, 160, 160, 160];
    let mut frames = Vec::new();
    for (f, delay) in delays.into_iter().enumerate() {
        let mut c = scene.clone();
        twinkle(&mut c, &stars, f);
        // A shooting star crosses during the three quick frames.
        if (3..6).contains(&f) {
            shooting_star(&mut c, f as i32 - 3);
        }
        frames.push((c.into_rgba(), ms(delay)));
    }
    encode::webp_animated(128, 128, &frames)
}

/// The sky in four dithered bands, the moon's glow and the crescent moon.
fn sky() -> Canvas {
    let (moon_x, moon_y, moon_r) = MOON;
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
    scene
}

/// Hills: a far soft ridge and a near one with pines and a cabin.
fn hills(scene: &mut Canvas, rng: &mut Rng) {
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
}

/// 46 stars, away from the moon and from each other.
fn stars(rng: &mut Rng) -> Vec<Star> {
    let (moon_x, moon_y, _) = MOON;
    let mut stars: Vec<Star> = Vec::new();
    for _ in 0..2000 {
        if stars.len() == 46 {
            break;
        }
        let (x, y) = (rng.range(1, 127), rng.range(1, 88));
        let near_moon = (x - moon_x).pow(2) + (y - moon_y).pow(2) < 20 * 20;
        let crowded = stars.iter().any(|s| (s.x - x).abs() + (s.y - y).abs() < 6);
        if !near_moon && !crowded {
            let phase = rng.range(0, FRAMES as i32) as usize;
            let big = rng.range(0, 5) == 0;
            stars.push(Star { x, y, phase, big });
        }
    }
    stars
}

/// Each star's brightness rises and falls over the loop, each offset.
fn twinkle(c: &mut Canvas, stars: &[Star], frame: usize) {
    for star in stars {
        let level = match (frame + star.phase) % FRAMES {
            0 => 3,
            1 | 9 => 2,
            2 | 8 | 3 | 7 => 1,
            _ => 0,
        };
        c.set(star.x, star.y, P.get([4, 4, 5, 6][level]));
        if star.big && level >= 2 {
            for (dx, dy) in [(1, 0), (-1, 0), (0, 1), (0, -1)] {
                let color = P.get(if level == 3 { 5 } else { 4 });
                c.set(star.x + dx, star.y + dy, color);
            }
        }
    }
}

/// The shooting star's `step`th position (0 to 2): a head and a fading tail.
fn shooting_star(c: &mut Canvas, step: i32) {
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
