//! Regenerates every icon size and format from `assets/icon/icon.txt`:
//! `cargo run --example make_icons [OUT_DIR]` (default `assets/icon`).

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args_os().nth(1).map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/icon"),
        PathBuf::from,
    );
    for (name, bytes) in makapix_player::program::icon::generate_all()? {
        let path = out.join(&name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, &bytes)?;
        println!("{:>9} bytes  {}", bytes.len(), path.display());
    }
    Ok(())
}
