//! `--trace-timing`: machine-readable `timing …` log lines for the benchmarks
//! (`benches/player.rs` parses them). Off by default; when off every hook is one
//! relaxed atomic load, so the program pays nothing for them.
//!
//! Each line carries two clocks: `mono_us` (monotonic, since this module was
//! enabled at start-up) to measure intervals inside the program, and `unix_us`
//! (wall clock) to compare with events in other processes (the benchmark's
//! test server, its own spawn time).

use std::fmt;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

static ENABLED: AtomicBool = AtomicBool::new(false);
static START: OnceLock<Instant> = OnceLock::new();

/// Turns the timing lines on for the rest of the process.
pub fn enable() {
    START.get_or_init(Instant::now);
    ENABLED.store(true, Ordering::Relaxed);
}

pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Microseconds on the monotonic clock since `enable`.
pub fn mono_us() -> u64 {
    START
        .get()
        .map_or(0, |start| start.elapsed().as_micros() as u64)
}

fn unix_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// Logs `timing KIND mono_us=… unix_us=… FIELDS` when timing is on.
pub fn event(kind: &str, fields: fmt::Arguments<'_>) {
    if enabled() {
        tracing::info!("{}", line(kind, mono_us(), unix_us(), fields));
    }
}

fn line(kind: &str, mono_us: u64, unix_us: u64, fields: fmt::Arguments<'_>) -> String {
    format!("timing {kind} mono_us={mono_us} unix_us={unix_us} {fields}")
}

/// One `key=value` field of a timing line; values never contain spaces, so a
/// line splits on whitespace.
pub fn token(value: &str) -> String {
    value
        .chars()
        .map(|c| if c.is_whitespace() { '_' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_splits_into_its_kind_clocks_and_fields() {
        let text = line(
            "present",
            12,
            34,
            format_args!("art={} frame={}", token("cat walk.gif"), 3),
        );
        assert_eq!(
            text.split_whitespace().collect::<Vec<_>>(),
            [
                "timing",
                "present",
                "mono_us=12",
                "unix_us=34",
                "art=cat_walk.gif",
                "frame=3"
            ]
        );
    }
}
