mod bad_input;
mod compact;
mod formats;
mod webp_frames;
