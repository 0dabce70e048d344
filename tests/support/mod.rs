//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::Path;

/// A small opaque PNG of one colour, written with the crate's own encoder.
pub fn write_png(path: &Path, width: u32, height: u32, rgba: [u8; 4]) {
    let pixels: Vec<u8> = rgba
        .iter()
        .copied()
        .cycle()
        .take((width * height * 4) as usize)
        .collect();
    let bytes =
        makapix_player::sample_art::encode::png(width, height, &pixels).expect("encode png");
    std::fs::write(path, bytes).expect("write png");
}

pub fn write_sample_png(path: &Path) {
    write_png(path, 16, 16, [30, 160, 90, 255]);
}
