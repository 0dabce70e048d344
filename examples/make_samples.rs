//! Regenerates the sample artworks shipped in `assets/samples/`.
//!
//! ```text
//! cargo run --example make_samples            # writes assets/samples/
//! cargo run --example make_samples -- OUT_DIR
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use makapix_player::sample_art;

fn main() -> ExitCode {
    let out_dir = match std::env::args_os().nth(1) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/samples"),
    };
    let files = match sample_art::try_generate_all() {
        Ok(files) => files,
        Err(err) => {
            eprintln!("could not draw the samples: {err}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(err) = std::fs::create_dir_all(&out_dir) {
        eprintln!("could not create {}: {err}", out_dir.display());
        return ExitCode::FAILURE;
    }
    let mut total = 0;
    for (name, bytes) in files {
        let path = out_dir.join(name);
        if let Err(err) = std::fs::write(&path, &bytes) {
            eprintln!("could not write {}: {err}", path.display());
            return ExitCode::FAILURE;
        }
        println!("{:>9} bytes  {}", bytes.len(), path.display());
        total += bytes.len();
    }
    println!("{total:>9} bytes  total");
    ExitCode::SUCCESS
}
