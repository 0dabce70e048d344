//! The program around the window: the command line and its subcommands, one
//! window per identity, and what the desktop gives it (a folder opened in the
//! file manager, the window icon).

pub mod cli;
pub(crate) mod desktop;
pub mod heap;
pub mod icon;
pub mod quit_signals;
pub mod single_instance;
