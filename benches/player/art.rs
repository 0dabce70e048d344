//! The artworks the benchmarks play, generated here so every run measures
//! the same files (and Chromium shows the very same bytes).

use std::path::{Path, PathBuf};
use std::time::Duration;

use makapix_player::sample_art::encode;

/// A `side`×`side` frame with a pattern that moves with `n`, drawn from at
/// most 256 colours so GIF keeps it exactly.
pub fn frame(side: u32, n: usize) -> Vec<u8> {
    let mut rgba = Vec::with_capacity((side * side * 4) as usize);
    for y in 0..side {
        for x in 0..side {
            let t = n as u32 * 3;
            let r = ((x + t) ^ y) as u8 & 0xE0;
            let g = ((y + t / 2) ^ (x / 2)) as u8 & 0xE0;
            let b = (((x / 16 + y / 16) as usize + n) % 4 * 64) as u8;
            rgba.extend_from_slice(&[r, g, b, 255]);
        }
    }
    rgba
}

pub fn frames(side: u32, delays_ms: &[u64]) -> Vec<(Vec<u8>, Duration)> {
    delays_ms
        .iter()
        .enumerate()
        .map(|(n, ms)| (frame(side, n), Duration::from_millis(*ms)))
        .collect()
}

pub fn gif(side: u32, delays_ms: &[u64]) -> Vec<u8> {
    encode::gif(side, side, &frames(side, delays_ms)).expect("the benchmark's GIF encodes")
}

/// APNG for the long animations: it encodes in a blink where GIF quantises every frame.
pub fn apng(side: u32, count: usize, delay_ms: u64) -> Vec<u8> {
    let frames: Vec<_> = (0..count)
        .map(|n| (frame(side, n), Duration::from_millis(delay_ms)))
        .collect();
    encode::apng(side, side, &frames).expect("the benchmark's APNG encodes")
}

/// The corner block of `many_colour_apng`, the same in every frame.
pub const MANY_COLOUR_MARK: [u8; 3] = [255, 0, 255];

/// `count` frames in which every pixel has its own colour (65536 in a
/// 256×256 frame) and every pixel changes each frame: too many colours for
/// a palette, so the player replays such frames from the file.
pub fn many_colour_apng(side: u32, count: usize, delay_ms: u64) -> Vec<u8> {
    let frames: Vec<_> = (0..count)
        .map(|n| {
            let rgba = (0..side * side)
                .flat_map(|i| {
                    let (x, y) = (i % side, i / side);
                    if x < 16 && y < 16 {
                        [
                            MANY_COLOUR_MARK[0],
                            MANY_COLOUR_MARK[1],
                            MANY_COLOUR_MARK[2],
                            255,
                        ]
                    } else {
                        [x as u8, y as u8, (n * 7) as u8, 255]
                    }
                })
                .collect();
            (rgba, Duration::from_millis(delay_ms))
        })
        .collect();
    encode::apng(side, side, &frames).expect("the benchmark's APNG encodes")
}

pub fn still(side: u32) -> Vec<u8> {
    encode::png(side, side, &frame(side, 0)).expect("the benchmark's PNG encodes")
}

pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write a benchmark file");
    path
}

/// A page that shows `file` at 720×720 as crisp pixels, for Chromium.
pub fn page(dir: &Path, file: &Path) -> PathBuf {
    page_sized(dir, file, 720, false)
}

/// A page that shows `file` at `side`×`side` crisp pixels, centred on black when `centred`
/// (as the player centres it in a 720×720 window).
pub fn page_sized(dir: &Path, file: &Path, side: u32, centred: bool) -> PathBuf {
    let place = if centred {
        "display:flex;align-items:center;justify-content:center;height:100vh;overflow:hidden;"
    } else {
        ""
    };
    let html = format!(
        "<!doctype html><html><body style=\"margin:0;background:#000;{place}\">\
         <img src=\"file://{}\" width=\"{side}\" height=\"{side}\" style=\"image-rendering:pixelated\">\
         </body></html>",
        file.display()
    );
    write(
        dir,
        &format!(
            "{}-{side}.html",
            file.display().to_string().replace('/', "_")
        ),
        html.as_bytes(),
    )
}

/// Colours the screen harness looks for. The patterns around them never come within
/// the poller's tolerance: every marker has a channel at 255, patterns stay ≤ 224.
pub const MARKERS: [[u8; 3]; 8] = [
    [255, 80, 80],
    [80, 255, 80],
    [80, 80, 255],
    [255, 255, 80],
    [255, 80, 255],
    [80, 255, 255],
    [255, 255, 255],
    [255, 160, 0],
];

/// A moving pattern (128 colours, so GIF keeps it exactly) with a solid square of
/// `marker` over the middle half: the screen harness polls a few pixels inside it.
pub fn marked(side: u32, n: usize, marker: [u8; 3]) -> Vec<u8> {
    let mut rgba = frame(side, n);
    for y in side / 4..side * 3 / 4 {
        for x in side / 4..side * 3 / 4 {
            let i = ((y * side + x) * 4) as usize;
            rgba[i..i + 3].copy_from_slice(&marker);
        }
    }
    // The pattern outside keeps 4 red levels (0xC0 mask) to stay at 128 colours.
    for px in rgba.chunks_exact_mut(4) {
        if [px[0], px[1], px[2]] != marker {
            px[0] &= 0xC0;
        }
    }
    rgba
}

/// A GIF whose frame `n` carries `markers[n]` in its middle.
pub fn marked_gif(side: u32, delays_ms: &[u64], markers: &[[u8; 3]]) -> Vec<u8> {
    let frames: Vec<_> = delays_ms
        .iter()
        .zip(markers)
        .enumerate()
        .map(|(n, (ms, m))| (marked(side, n, *m), Duration::from_millis(*ms)))
        .collect();
    encode::gif(side, side, &frames).expect("the benchmark's GIF encodes")
}

pub fn marked_still(side: u32, marker: [u8; 3]) -> Vec<u8> {
    encode::png(side, side, &marked(side, 0, marker)).expect("the benchmark's PNG encodes")
}

/// The four colours of `moving_gif`.
pub const MOVING: [[u8; 3]; 4] = [[0, 0, 0], [255, 0, 0], [0, 255, 0], [0, 0, 255]];

/// `count` frames of diagonal stripes in 4 colours that move one pixel per frame, so
/// every pixel changes in every frame: the worst case for a store of changes (though
/// four colours and long runs still compress well, so not the worst case for LZW).
pub fn moving_gif(side: u16, count: usize, delay_cs: u16) -> Vec<u8> {
    let palette: Vec<u8> = MOVING.iter().flatten().copied().collect();
    let mut out = Vec::new();
    {
        let mut encoder =
            gif::Encoder::new(&mut out, side, side, &palette).expect("a GIF encoder in memory");
        encoder
            .set_repeat(gif::Repeat::Infinite)
            .expect("GIF repeat");
        for n in 0..count {
            let s = usize::from(side);
            let pixels: Vec<u8> = (0..s * s)
                .map(|i| ((i % s + i / s + n) % 4) as u8)
                .collect();
            let frame = gif::Frame {
                delay: delay_cs,
                width: side,
                height: side,
                buffer: std::borrow::Cow::Owned(pixels),
                ..gif::Frame::default()
            };
            encoder.write_frame(&frame).expect("a GIF frame");
        }
    }
    out
}

/// `count` frames of about 64 500 colours each: outside a middle square every pixel has
/// its own colour, which changes every frame, so the player replays the frames from the
/// file (`media::replay`). Frame `n` carries `markers[n % len]` in a middle square an
/// eighth of the side wide, so the screen poller tells the frames apart; the pattern keeps
/// every channel ≤ 191, out of the poller's tolerance of the markers (one channel at 255).
pub fn many_colour_marked_apng(
    side: u32,
    count: usize,
    delay_ms: u64,
    markers: &[[u8; 3]],
) -> Vec<u8> {
    let (lo, hi) = (side / 2 - side / 16, side / 2 + side / 16);
    let frames: Vec<_> = (0..count)
        .map(|n| {
            let marker = markers[n % markers.len()];
            let shift = (n * 5 % 96) as u32;
            let rgba = (0..side * side)
                .flat_map(|i| {
                    let (x, y) = (i % side, i / side);
                    if (lo..hi).contains(&x) && (lo..hi).contains(&y) {
                        [marker[0], marker[1], marker[2], 255]
                    } else {
                        // 7 + 7 bits of the pixel's index in red and green, the rest in blue.
                        let b = ((i >> 14) & 3) * 32 + shift;
                        [(i & 0x7F) as u8, ((i >> 7) & 0x7F) as u8, b as u8, 255]
                    }
                })
                .collect();
            (rgba, Duration::from_millis(delay_ms))
        })
        .collect();
    encode::apng(side, side, &frames).expect("the benchmark's APNG encodes")
}
