//! Writes off the window thread, newest value only: when several values queue up
//! (a slider drag, pages arriving), the older ones are skipped. Dropping the
//! writer waits for the last write (briefly: a hung disk must not hold the
//! quitting window), so nothing asked for is lost at exit.

use std::sync::mpsc;
use std::thread::JoinHandle;

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

impl<T> BackgroundWriter<T> {
    /// Waits for pending writes (at most 600 ms); later values are not written.
    pub fn flush(&mut self) {
        self.tx = None;
        if let Some(worker) = self.worker.take() {
            // An atomic write syncs the file and its folder; on a busy disk that
            // took over 200 ms and the last change was lost at quit. 600 ms still
            // leaves the goodbye to the broker its second within the 2 s quit budget.
            crate::bounded_join::join_within(worker, std::time::Duration::from_millis(600));
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
        {
            let writer = BackgroundWriter::spawn("test-writer", move |v: u32| {
                sink.lock().unwrap().push(v);
            });
            for v in 1..=100 {
                writer.send(v);
            }
        }
        let written = written.lock().unwrap();
        assert_eq!(written.last(), Some(&100), "{written:?}");
        assert!(
            written.windows(2).all(|w| w[0] < w[1]),
            "in order: {written:?}"
        );
    }
}
