//! Artworks as pixels: decoding (with limits), the animation frame clock, and
//! the worker threads that decode and watch files off the window thread.
//! Knows no screen and no network.

pub mod animation;
mod compact;
pub mod decode;
mod decode_error;
pub mod early_frame;
mod frame_count;
mod frame_gate;
pub mod frame_store;
mod gif_frames;
pub mod loader;
mod packed;
mod png_profile;
mod read_file;
mod replay;
mod run_length;
pub mod watch;
mod webp_frames;
