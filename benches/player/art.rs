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
    let html = format!(
        "<!doctype html><html><body style=\"margin:0;background:#000\">\
         <img src=\"file://{}\" width=\"720\" height=\"720\" style=\"image-rendering:pixelated\">\
         </body></html>",
        file.display()
    );
    write(
        dir,
        &format!("{}.html", file.display().to_string().replace('/', "_")),
        html.as_bytes(),
    )
}
