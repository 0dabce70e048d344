//! Waiting for a worker thread, but not for ever: a thread stuck in a long
//! decode, a hung disk or a host lookup is abandoned (at exit the process ends
//! it), so the window always closes within its 2-second budget and an LED
//! output removed mid-session never holds the window up.

use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Joins `worker` if it ends within `budget`; true when it did.
pub(crate) fn join_within(worker: JoinHandle<()>, budget: Duration) -> bool {
    let deadline = Instant::now() + budget;
    while !worker.is_finished() {
        if Instant::now() >= deadline {
            let name = worker.thread().name().unwrap_or("a worker").to_owned();
            tracing::warn!(
                "{name} did not finish within {} ms; it is left to end on its own",
                budget.as_millis()
            );
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let _ = worker.join();
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quick_worker_is_joined_and_a_stuck_one_abandoned_in_time() {
        assert!(join_within(
            std::thread::spawn(|| {}),
            Duration::from_secs(1)
        ));
        let started = Instant::now();
        let stuck = std::thread::spawn(|| std::thread::sleep(Duration::from_secs(20)));
        assert!(!join_within(stuck, Duration::from_millis(100)));
        assert!(started.elapsed() < Duration::from_secs(1));
    }
}
