//! Decode benchmark: how long the player takes to turn each kind of artwork
//! into RGBA frames, on files this program generates (so Pillow can decode the
//! very same files; `scripts/bench.sh` runs both and writes BENCHMARKS.md).
//!
//! `cargo bench --bench decode` measures (medians of many runs). Run by
//! `cargo test`, it decodes each file once: a smoke test that it still works.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use makapix_player::media::decode::{DecodeLimits, decode};
use makapix_player::media::frame_store;
use makapix_player::sample_art::encode;

const SIDE: u32 = 256;
/// Frames in the animations measured; the smoke run under `cargo test` uses a few.
const FRAMES: usize = 120;
const SMOKE_FRAMES: usize = 3;

/// A 256×256 frame with a moving pattern: enough colours and change between
/// frames that no encoder can cheat with tiny deltas.
fn frame(n: usize) -> Vec<u8> {
    let mut rgba = Vec::with_capacity((SIDE * SIDE * 4) as usize);
    for y in 0..SIDE {
        for x in 0..SIDE {
            let t = n as u32 * 3;
            let r = ((x + t) ^ y) as u8;
            let g = ((y + t / 2) ^ (x / 2)) as u8 & 0xF0;
            let b = (((x / 16 + y / 16) as usize + n) % 8 * 32) as u8;
            rgba.extend_from_slice(&[r & 0xE0, g, b, 255]);
        }
    }
    rgba
}

fn files(count: usize) -> Vec<(&'static str, Vec<u8>)> {
    let frames: Vec<(Vec<u8>, Duration)> = (0..count)
        .map(|n| (frame(n), Duration::from_millis(40)))
        .collect();
    let first = frame(0);
    vec![
        (
            "anim-256.gif",
            encode::gif(SIDE, SIDE, &frames).expect("gif"),
        ),
        (
            "anim-256.webp",
            encode::webp_animated(SIDE, SIDE, &frames).expect("webp"),
        ),
        (
            "anim-256.png",
            encode::apng(SIDE, SIDE, &frames).expect("apng"),
        ),
        (
            "still-256.png",
            encode::png(SIDE, SIDE, &first).expect("png"),
        ),
    ]
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-files");
    std::fs::create_dir_all(&out_dir).expect("bench folder");
    let limits = DecodeLimits::default();
    println!("| file | frames | median decode (ms) | runs |");
    println!("|---|---|---|---|");
    let count = if measuring { FRAMES } else { SMOKE_FRAMES };
    // Frames of more than 256 colours the store leaves in the file, by file.
    let mut left_in_file = Vec::new();
    for (name, bytes) in files(count) {
        write(&out_dir, name, &bytes);
        let runs = if measuring {
            if name.starts_with("still") { 200 } else { 15 }
        } else {
            1
        };
        let mut samples = Vec::with_capacity(runs);
        let mut frames = 0;
        let mut replayed = 0;
        for _ in 0..runs {
            let start = Instant::now();
            let art = decode(&bytes, &limits).expect("the benchmark's own file decodes");
            samples.push(start.elapsed());
            frames = art.frames.len();
        }
        let expected = if name.starts_with("still") { 1 } else { count };
        assert_eq!(frames, expected, "{name}");
        println!(
            "| {name} | {frames} | {:.2} | {runs} |",
            median(samples).as_secs_f64() * 1000.0
        );
        // What the player itself does: frames compacted as they are decoded.
        let mut samples = Vec::with_capacity(runs);
        for _ in 0..runs {
            let start = Instant::now();
            let art = frame_store::decode(&bytes, &limits).expect("compact decode");
            samples.push(start.elapsed());
            frames = art.frames.frame_count();
            replayed = art.frames.replayed_frames();
        }
        assert_eq!(frames, expected, "{name} (compact)");
        println!(
            "| {name} (into the compact frame store) | {frames} | {:.2} | {runs} |",
            median(samples).as_secs_f64() * 1000.0
        );
        left_in_file.push(format!("{name} {replayed} of {frames} frames"));
    }
    println!("\nleft in the file: {}", left_in_file.join(", "));
    println!("\nfiles: {}", out_dir.display());
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).expect("write bench file");
}
