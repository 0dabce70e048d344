//! What the session is shown of the player with each call: the engine, the
//! settings and the time, read but never kept.

use std::time::Duration;

use crate::player::{ArtworkSource, Engine};
use crate::settings::Settings;

/// What the session sees of the player when it is asked something.
pub struct Seen<'a> {
    pub engine: &'a Engine,
    pub settings: &'a Settings,
    /// Monotonic time of this frame.
    pub now: Duration,
    /// Wall-clock seconds since the Unix epoch (view timestamps).
    pub unix_secs: u64,
}

impl Seen<'_> {
    pub(super) fn on_screen(&self) -> Option<&ArtworkSource> {
        self.engine.current()
    }

    pub(super) fn post_on_screen(&self) -> Option<i64> {
        self.on_screen().and_then(ArtworkSource::post_id)
    }
}
