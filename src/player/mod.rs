//! Playback engine: which artwork is on screen, what comes next and when.
//!
//! Pure logic: no I/O, no clock, no threads. Time is always passed in as `now`
//! (a `Duration` since an epoch the app chooses), so every rule is testable
//! with a fake clock.

pub mod engine;
pub mod feed;
mod history;
pub mod mix;
pub mod order;
pub mod playlist;
pub mod playlist_edit;
pub(crate) mod playlist_feed;
pub mod playset;
mod playset_channel;
pub(crate) mod playset_run;
pub mod source;
mod stopwatch;
pub mod views;

pub use engine::{DEFAULT_DWELL, Engine, FAILED_DWELL, LoadOutcome};
pub use source::{ArtworkSource, MakapixPost, QueueItem};
