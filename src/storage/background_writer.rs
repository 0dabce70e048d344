//! Writes off the window thread, newest value only: when several values queue up
//! (a slider drag, pages arriving), the older ones are skipped. Dropping the
//! writer waits for the last write (briefly: a hung disk must not hold the
//! quitting window), so nothing asked for is lost at exit.

use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub(crate) struct BackgroundWriter<T> {
    tx: Option<mpsc::Sender<T>>,
    worker: Option<JoinHandle<()>>,
}

impl<T: Send + 'static> BackgroundWriter<T> {
    /// A thread called `name` hands each newest value to `write`.
    pub fn spawn(name: &str, mut write: impl FnMut(T) + Send + 'static) -> Self {
        let (tx, rx) = mpsc::channel::<T>();
        let worker = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                while let Ok(mut value) = rx.recv() {
                    while let Ok(newer) = rx.try_recv() {
                        value = newer;
                    }
                    write(value);
                }
            })
            .ok();
        Self {
            tx: Some(tx),
            worker,
        }
    }

    /// A writer that writes nothing (no folder to write to).
    pub fn disabled() -> Self {
        Self {
            tx: None,
            worker: None,
        }
    }

    pub fn send(&self, value: T) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(value);
        }
    }
}

/// How long the player's files may take to be written at quit, all writers
/// together. An atomic write syncs the file and its folder; on a busy disk that
/// took over 200 ms and the last change was lost. 600 ms leaves the runtime's
/// goodbye (`bridge::channel::EXIT_BUDGET`) its time within the 2 s quit; only
/// playlist edits kept at a quit signal have longer (`WRITE_AT_QUIT`).
pub const WRITES_AT_QUIT: Duration = Duration::from_millis(600);

/// The deadline of a test that reads what a writer wrote: a minute from now.
/// Not `WRITES_AT_QUIT`: on a loaded disk an fsync can outlast it, and the
/// test would read the file before the write; the minute only stops a hang.
#[cfg(test)]
pub(crate) fn written_by() -> Instant {
    Instant::now() + Duration::from_secs(60)
}

impl<T> BackgroundWriter<T> {
    /// Waits for pending writes (at most `WRITES_AT_QUIT`); later values are not written.
    pub fn flush(&mut self) {
        self.flush_by(Instant::now() + WRITES_AT_QUIT);
    }

    /// Waits for pending writes until `deadline`, which several writers
    /// closing together share; later values are not written.
    pub fn flush_by(&mut self, deadline: Instant) {
        self.tx = None;
        if let Some(worker) = self.worker.take() {
            let left = deadline.saturating_duration_since(Instant::now());
            crate::bounded_join::join_within(worker, left);
        }
    }
}

impl<T> Drop for BackgroundWriter<T> {
    fn drop(&mut self) {
        self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn the_newest_value_is_written_before_the_writer_is_gone() {
        let written = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&written);
        let mut writer = BackgroundWriter::spawn("test-writer", move |v: u32| {
            sink.lock().unwrap().push(v);
        });
        for v in 1..=100 {
            writer.send(v);
        }
        writer.flush_by(written_by());
        let written = written.lock().unwrap();
        assert_eq!(written.last(), Some(&100), "{written:?}");
        assert!(
            written.windows(2).all(|w| w[0] < w[1]),
            "in order: {written:?}"
        );
    }

    #[test]
    fn writers_closing_together_share_one_deadline() {
        // Two writers stuck on a hung disk: together they take the one
        // budget, not one each, so quitting stays bounded.
        let (release, hung) = std::sync::mpsc::channel::<()>();
        let hung = Arc::new(Mutex::new(hung));
        let stuck = |name: &str| {
            let hung = Arc::clone(&hung);
            let writer = BackgroundWriter::spawn(name, move |_: u32| {
                let _ = hung.lock().map(|h| h.recv_timeout(Duration::from_secs(5)));
            });
            writer.send(1);
            writer
        };
        let (mut a, mut b) = (stuck("stuck-a"), stuck("stuck-b"));
        let started = Instant::now();
        let deadline = started + Duration::from_millis(300);
        a.flush_by(deadline);
        b.flush_by(deadline);
        let took = started.elapsed();
        drop(release);
        assert!(took < Duration::from_millis(500), "took {took:?}");
    }
}
