//! Long pixel-art animations of any frame count, for memory and pacing
//! measurements (`cargo run --example make_long_animation`) and tests.
//!
//! A 16-colour scene with a transparent corner, and a sprite that moves and
//! changes every frame. Every frame after the first is only the sprite's
//! patch, kept on the canvas, so even 1000 frames encode in a moment; the
//! player still decodes each one into a full canvas.

use std::borrow::Cow;
use std::time::Duration;

use super::encode::EncodeError;

const PALETTE: [[u8; 3]; 16] = [
    [0, 0, 0],
    [29, 43, 83],
    [126, 37, 83],
    [0, 135, 81],
    [171, 82, 54],
    [95, 87, 79],
    [194, 195, 199],
    [255, 241, 232],
    [255, 0, 77],
    [255, 163, 0],
    [255, 236, 39],
    [0, 228, 54],
    [41, 173, 255],
    [131, 118, 156],
    [255, 119, 168],
    [255, 204, 170],
];
/// Index 0 is drawn as transparent.
const CLEAR: u8 = 0;
const SPRITE: u16 = 16;

/// The scene: sky bands, hills, and a transparent top-left corner.
fn scene(side: u16) -> Vec<u8> {
    let side = usize::from(side);
    let mut pixels = Vec::with_capacity(side * side);
    for y in 0..side {
        for x in 0..side {
            let hill = (side * 3 / 4).saturating_sub(((x / 8) % 12).abs_diff(6) * 4);
            let index = if x < side / 8 && y < side / 8 {
                CLEAR
            } else if y > hill {
                3 + ((x / 4 + y / 4) % 2) as u8
            } else {
                1 + (y * 6 / side) as u8 * 2 % 12
            };
            pixels.push(index);
        }
    }
    pixels
}

/// Frame `n`'s sprite: a ring whose colours rotate with `n`.
fn sprite(n: usize) -> Vec<u8> {
    let half = i32::from(SPRITE) / 2;
    let mut pixels = Vec::with_capacity(usize::from(SPRITE * SPRITE));
    for y in 0..i32::from(SPRITE) {
        for x in 0..i32::from(SPRITE) {
            let d = (x - half).pow(2) + (y - half).pow(2);
            let ring = (d / 12) as usize;
            pixels.push(6 + ((ring + n) % 10) as u8);
        }
    }
    pixels
}

/// A looping GIF of `frames` frames, `side`×`side` pixels, each shown for `delay`
/// (stored in GIF's 10 ms steps).
pub fn gif(side: u16, frames: usize, delay: Duration) -> Result<Vec<u8>, EncodeError> {
    if frames == 0 {
        return Err(EncodeError::NoFrames);
    }
    if side < SPRITE {
        return Err(EncodeError::BufferSize {
            width: side.into(),
            height: side.into(),
            expected: u64::from(SPRITE) * u64::from(SPRITE) * 4,
            actual: 0,
        });
    }
    let centis = u16::try_from(delay.as_millis() / 10).map_err(|_| EncodeError::Delay(delay))?;
    let palette: Vec<u8> = PALETTE.iter().flatten().copied().collect();
    let mut out = Vec::new();
    {
        let mut encoder = gif::Encoder::new(&mut out, side, side, &palette)?;
        encoder.set_repeat(gif::Repeat::Infinite)?;
        let travel = usize::from(side - SPRITE);
        for n in 0..frames {
            let mut frame = gif::Frame {
                delay: centis,
                dispose: gif::DisposalMethod::Keep,
                transparent: Some(CLEAR),
                ..gif::Frame::default()
            };
            if n == 0 {
                frame.width = side;
                frame.height = side;
                frame.buffer = Cow::Owned(scene(side));
            } else {
                // Positions stay below `side - SPRITE`, which is a u16.
                frame.left = ((n * 5) % travel) as u16;
                frame.top = ((n * 3 + n / 7) % travel) as u16;
                frame.width = SPRITE;
                frame.height = SPRITE;
                frame.buffer = Cow::Owned(sprite(n));
            }
            encoder.write_frame(&frame)?;
        }
    }
    Ok(out)
}
