//! The window: draws state, turns input into `Action`s. Never does I/O itself;
//! decoding and file watching run on `media` worker threads.

pub mod actions;
pub mod app;
pub mod canvas;
mod channel;
mod channel_picker;
mod channels;
pub mod comment_thread;
pub mod comments;
mod comments_panel;
pub mod diagnostics;
mod events;
pub mod geometry;
pub mod library;
pub mod likes;
mod loading;
mod makapix;
mod menu;
mod opening;
mod overlays;
pub mod owner_playsets;
pub mod player_pane;
pub mod playlist_editor;
mod playlist_files;
mod playlists;
mod playsets;
mod present_trace;
mod preview_export;
mod preview_menu;
pub mod preview_view;
mod remote;
mod settings_panel;
mod status_bar;
mod views;

pub use actions::Action;
pub use app::{Channel, Notice, PlayerApp, StartOptions};
