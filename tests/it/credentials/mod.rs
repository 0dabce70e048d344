//! Credentials: import, validation, registration, renewal, the keyring and
//! connecting with what was stored, against the rig and a local HTTP server.

use std::time::{Duration, Instant};

use makapix_player::bridge::RuntimeEvent;
use makapix_player::bridge::channel::WindowEnd;

mod connect;
mod field;
mod flow;
mod keyring_late;
mod lock;
mod renewal;
mod runtime;
mod trust;
mod validate;

/// Waits (30 s at most) for an event `done` accepts, keeping every event seen in `events`.
async fn pump(
    window: &WindowEnd,
    events: &mut Vec<RuntimeEvent>,
    what: &str,
    done: impl Fn(&RuntimeEvent) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        while let Some(e) = window.try_recv() {
            let finished = done(&e);
            events.push(e);
            if finished {
                return;
            }
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {events:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
