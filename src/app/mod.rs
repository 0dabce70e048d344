//! The player behind the window, without the window: the controller that runs
//! the session with the playback engine and carries out what it asks, the
//! decode schedule, the artworks held (and the posts shown recently kept
//! aside), and the settings read at start-up. Nothing here imports egui or
//! eframe: where the window's textures come in, they do so through
//! `library::HeldArt` and `decode_schedule::ArtKind`, which `ui/` implements.

pub mod carry_out;
pub mod controller;
pub mod decode_schedule;
pub mod library;
pub mod opened;
pub mod trace;
