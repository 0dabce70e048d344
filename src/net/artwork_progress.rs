//! How many artwork downloads are under way and how many bytes they have
//! read, for the window's status bar. Told to the window when a download
//! starts or ends, and at most every quarter second while bytes come in.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::bridge::RuntimeEvent;
use crate::bridge::artwork::{ArtworkEvent, DownloadProgress};
use crate::bridge::channel::EventSink;

/// Bytes read are told no more often than this.
const EVERY: Duration = Duration::from_millis(250);

pub(crate) struct Tally {
    sink: EventSink,
    in_flight: AtomicUsize,
    bytes: AtomicU64,
    told: Mutex<Option<Instant>>,
}

impl Tally {
    pub fn new(sink: EventSink) -> Self {
        Self {
            sink,
            in_flight: AtomicUsize::new(0),
            bytes: AtomicU64::new(0),
            told: Mutex::new(None),
        }
    }

    /// A download opens its connection; the returned guard ends it.
    pub fn start(&self) -> Download<'_> {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        self.tell();
        Download {
            tally: self,
            read: 0,
        }
    }

    fn tell(&self) {
        if let Ok(mut told) = self.told.lock() {
            *told = Some(Instant::now());
        }
        let progress = DownloadProgress {
            in_flight: self.in_flight.load(Ordering::SeqCst),
            bytes: self.bytes.load(Ordering::SeqCst),
        };
        self.sink
            .send(RuntimeEvent::Artwork(ArtworkEvent::Progress(progress)));
    }

    fn due(&self) -> bool {
        self.told
            .lock()
            .map(|told| told.is_none_or(|at| at.elapsed() >= EVERY))
            .unwrap_or(false)
    }
}

/// One download under way: its bytes count until it ends (dropped).
pub struct Download<'a> {
    tally: &'a Tally,
    read: u64,
}

impl Download<'_> {
    pub fn read(&mut self, n: usize) {
        self.read += n as u64;
        self.tally.bytes.fetch_add(n as u64, Ordering::SeqCst);
        if self.tally.due() {
            self.tally.tell();
        }
    }
}

impl Drop for Download<'_> {
    fn drop(&mut self) {
        self.tally.bytes.fetch_sub(self.read, Ordering::SeqCst);
        self.tally.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.tally.tell();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn told(end: &crate::bridge::channel::WindowEnd) -> Vec<DownloadProgress> {
        let mut out = Vec::new();
        while let Some(event) = end.try_recv() {
            if let RuntimeEvent::Artwork(ArtworkEvent::Progress(p)) = event {
                out.push(p);
            }
        }
        out
    }

    #[test]
    fn downloads_are_counted_with_their_bytes_and_end_at_zero() {
        let (window, runtime) = crate::bridge::channel::pair(Arc::new(|| {}));
        let tally = Tally::new(runtime.sink);
        let mut one = tally.start();
        let two = tally.start();
        one.read(1000);
        one.read(24);
        drop(two);
        let progress = told(&window);
        assert_eq!(
            progress[0],
            DownloadProgress {
                in_flight: 1,
                bytes: 0
            }
        );
        assert_eq!(
            progress[1],
            DownloadProgress {
                in_flight: 2,
                bytes: 0
            }
        );
        // Bytes read within a quarter second of the last word wait for the next.
        assert_eq!(
            progress.last(),
            Some(&DownloadProgress {
                in_flight: 1,
                bytes: 1024
            })
        );
        drop(one);
        assert_eq!(
            told(&window),
            vec![DownloadProgress {
                in_flight: 0,
                bytes: 0
            }]
        );
    }
}
