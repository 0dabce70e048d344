//! Writes long 256×256 pixel-art GIFs for memory and pacing measurements.
//!
//! ```text
//! cargo run --example make_long_animation -- OUT_DIR [FRAMES...]   # default 100 300 1000
//! ```
//! Files are named `long-<frames>.gif`, 40 ms per frame.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use makapix_player::sample_art::long_animation;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(out_dir) = args.next().map(PathBuf::from) else {
        eprintln!("usage: make_long_animation OUT_DIR [FRAMES...]");
        return ExitCode::FAILURE;
    };
    let mut counts: Vec<usize> = Vec::new();
    for arg in args {
        match arg.to_str().and_then(|s| s.parse().ok()) {
            Some(count) => counts.push(count),
            None => {
                eprintln!("not a frame count: {}", arg.to_string_lossy());
                return ExitCode::FAILURE;
            }
        }
    }
    if counts.is_empty() {
        counts = vec![100, 300, 1000];
    }
    if let Err(err) = std::fs::create_dir_all(&out_dir) {
        eprintln!("could not create {}: {err}", out_dir.display());
        return ExitCode::FAILURE;
    }
    for frames in counts {
        let bytes = match long_animation::gif(256, frames, Duration::from_millis(40)) {
            Ok(bytes) => bytes,
            Err(err) => {
                eprintln!("could not encode {frames} frames: {err}");
                return ExitCode::FAILURE;
            }
        };
        let path = out_dir.join(format!("long-{frames}.gif"));
        if let Err(err) = std::fs::write(&path, &bytes) {
            eprintln!("could not write {}: {err}", path.display());
            return ExitCode::FAILURE;
        }
        println!("{:>9} bytes  {}", bytes.len(), path.display());
    }
    ExitCode::SUCCESS
}
