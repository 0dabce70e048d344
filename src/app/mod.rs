//! The player behind the window, without the window: the controller that runs
//! the session with the playback engine and carries out what it asks, the
//! decode schedule, the artworks held (and the posts shown recently kept
//! aside), what the window is started with (`launch`), files and playlists
//! opened (`local_files`, `playlist_files`), a device's render exported
//! (`export`) and Diagnostics' last ten minutes (`timeline`). Nothing here imports egui or
//! eframe: where the window's textures come in, they do so through
//! `library::HeldArt` and `decode_schedule::ArtKind`, which `ui/` implements.

pub mod carry_out;
pub mod controller;
pub mod decode_schedule;
pub mod export;
pub mod file_dialog;
pub mod launch;
pub mod library;
pub mod local_files;
pub mod opened;
pub(crate) mod playlist_files;
pub mod playlist_recovery;
pub(crate) mod timeline;
pub mod trace;
