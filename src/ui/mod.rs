//! The window: draws state, turns input into `UserAction`s. Never does I/O itself;
//! decoding and file watching run on `media` worker threads, files and dialogs
//! on threads of their own, and the Makapix behaviour lives in `session`.

pub mod actions;
pub mod app;
mod art_gl;
mod artworks;
pub mod canvas;
mod channel_picker;
mod comments_panel;
mod core;
pub mod diagnostics;
mod diagnostics_plot;
pub(crate) mod eframe_app;
pub(crate) mod geometry;
mod gl_program;
mod gl_renderer;
mod led_board;
mod led_lights;
mod led_mesh;
pub mod led_outputs;
mod led_shader;
pub mod library;
mod menu;
mod opening;
mod outputs_pane;
mod overlays;
mod path_prompt;
mod player_banner;
mod player_identity;
pub(crate) mod player_pane;
pub(crate) mod playlist_editor;
mod present_trace;
mod preview_export;
mod preview_menu;
mod preview_notes;
pub(crate) mod preview_view;
mod secret_field;
mod settings_panel;
mod status_bar;
pub mod support_report;
mod wake;
pub mod welcome;
pub mod window_place;

pub use crate::app::launch::StartOptions;
pub use actions::UserAction;
pub use app::PlayerApp;
