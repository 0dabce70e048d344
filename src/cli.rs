//! The command line.

use std::path::PathBuf;

use clap::Parser;

#[derive(Debug, Parser)]
#[command(
    name = "makapix-player",
    version,
    about = "Shows Makapix Club pixel art in a window: sample art, your own files and folders.",
    after_help = "With no PATH the player shows its sample art. Keys: → next, ← previous, Space pause, \
                  P pin, F fullscreen, I info, S settings."
)]
pub struct Cli {
    /// Image files or folders to play as a local channel (sorted by name).
    pub paths: Vec<PathBuf>,
    /// Start in fullscreen.
    #[arg(long)]
    pub fullscreen: bool,
    /// More detail in the log.
    #[arg(long, short)]
    pub verbose: bool,
}
