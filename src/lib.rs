//! Makapix Player: a desktop player for Makapix Club pixel art.
//!
//! The program is a library so that tests drive the same code the binary runs.
//! Module rules (see ARCHITECTURE.md): `player` and `media` know no screen and do no
//! network; `ui` only draws state and turns input into actions.

pub(crate) mod address;
pub mod app;
#[cfg(test)]
mod architecture_tests;
pub(crate) mod bounded_join;
pub mod bridge;
pub mod credentials;
pub mod doubling;
pub mod logging;
pub mod media;
pub mod net;
pub mod outputs;
pub mod player;
pub mod player_key;
pub mod preview;
pub mod program;
pub mod protocol;
/// The sample art's generators: development only (`cargo run --example make_samples`); the
/// program ships the files they made (`samples`).
#[cfg(any(test, feature = "dev"))]
pub mod sample_art;
pub mod samples;
pub mod screen_lock;
pub mod session;
pub mod settings;
pub mod storage;
pub mod timing;
pub mod ui;

/// The version every part of the program reports (window, `--version`, later `firmware_version`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
