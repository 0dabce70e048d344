//! Decodes artworks on a worker thread so the window never waits on a decoder.
//!
//! Generic over the key the caller uses to name an artwork and over what a job
//! makes, so this module needs to know nothing about where artworks come from
//! or what the window does with them (it prepares its textures' data here too).

use std::collections::VecDeque;
use std::hash::Hash;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;

pub(crate) type Job<T> = Box<dyn FnOnce() -> T + Send>;
/// Receives each result on the worker thread; the caller forwards it to the window and wakes it.
pub(crate) type Deliver<K, T> = Arc<dyn Fn(K, u64, T) + Send + Sync>;

struct Queue<K, T> {
    jobs: VecDeque<(K, u64, Job<T>)>,
    closed: bool,
}

pub struct Loader<K, T> {
    shared: Arc<(Mutex<Queue<K, T>>, Condvar)>,
    worker: Option<JoinHandle<()>>,
}

impl<K: Clone + Eq + Hash + Send + 'static, T: Send + 'static> Loader<K, T> {
    pub fn new(deliver: Deliver<K, T>) -> Self {
        let shared = Arc::new((
            Mutex::new(Queue {
                jobs: VecDeque::new(),
                closed: false,
            }),
            Condvar::new(),
        ));
        let worker_shared = Arc::clone(&shared);
        let worker = std::thread::Builder::new()
            .name("artwork-decoder".into())
            .spawn(move || run(&worker_shared, &deliver))
            .map_err(|e| tracing::error!("cannot start the decoder thread: {e}"))
            .ok();
        Self { shared, worker }
    }

    /// Queues a decode; `generation` lets the caller ignore results made stale by a reload.
    pub fn request(&self, key: K, generation: u64, job: Job<T>) {
        let (lock, wake) = &*self.shared;
        let mut queue = lock.lock().unwrap_or_else(PoisonError::into_inner);
        queue.jobs.push_back((key, generation, job));
        wake.notify_one();
    }

    /// Drops queued jobs whose key is no longer wanted (the user skipped ahead).
    pub fn retain(&self, wanted: impl Fn(&K) -> bool) {
        let (lock, _) = &*self.shared;
        let mut queue = lock.lock().unwrap_or_else(PoisonError::into_inner);
        queue.jobs.retain(|(k, _, _)| wanted(k));
    }

    pub fn queued(&self) -> usize {
        let (lock, _) = &*self.shared;
        lock.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .jobs
            .len()
    }
}

fn run<K, T>(shared: &(Mutex<Queue<K, T>>, Condvar), deliver: &Deliver<K, T>) {
    let (lock, wake) = shared;
    loop {
        let next = {
            let mut queue = lock.lock().unwrap_or_else(PoisonError::into_inner);
            loop {
                if queue.closed {
                    return;
                }
                if let Some(job) = queue.jobs.pop_front() {
                    break job;
                }
                queue = wake.wait(queue).unwrap_or_else(PoisonError::into_inner);
            }
        };
        let (key, generation, job) = next;
        deliver(key, generation, job());
    }
}

impl<K, T> Drop for Loader<K, T> {
    fn drop(&mut self) {
        let (lock, wake) = &*self.shared;
        lock.lock().unwrap_or_else(PoisonError::into_inner).closed = true;
        wake.notify_all();
        if let Some(worker) = self.worker.take() {
            crate::bounded_join::join_within(worker, std::time::Duration::from_millis(100));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::decode::{ArtFormat, Artwork, DecodeError};
    use std::sync::mpsc;
    use std::time::Duration;

    fn tiny() -> Result<Artwork, DecodeError> {
        Ok(Artwork {
            width: 1,
            height: 1,
            format: ArtFormat::Png,
            frames: vec![crate::media::decode::Frame {
                rgba: vec![1, 2, 3, 255],
                delay: Duration::ZERO,
            }],
        })
    }

    #[test]
    fn results_arrive_with_key_and_generation_in_order() {
        let (tx, rx) = mpsc::channel();
        let tx = Mutex::new(tx);
        let loader: Loader<&'static str, Result<Artwork, DecodeError>> =
            Loader::new(Arc::new(move |k, g, r| {
                let _ = tx.lock().unwrap().send((k, g, r.is_ok()));
            }));
        loader.request("a", 1, Box::new(tiny));
        loader.request("b", 7, Box::new(|| Err(DecodeError::Empty)));
        let got: Vec<_> = (0..2)
            .map(|_| rx.recv_timeout(Duration::from_secs(5)).unwrap())
            .collect();
        assert_eq!(got, vec![("a", 1, true), ("b", 7, false)]);
    }

    #[test]
    fn retain_drops_unwanted_queued_jobs() {
        let (tx, rx) = mpsc::channel();
        let tx = Mutex::new(tx);
        let (gate_tx, gate_rx) = mpsc::channel::<()>();
        let gate_rx = Mutex::new(gate_rx);
        let loader: Loader<u32, Result<Artwork, DecodeError>> =
            Loader::new(Arc::new(move |k, _, _| {
                let _ = tx.lock().unwrap().send(k);
            }));
        // The first job holds the worker until the queue has been trimmed.
        loader.request(
            0,
            0,
            Box::new(move || {
                let _ = gate_rx.lock().unwrap().recv();
                tiny()
            }),
        );
        for k in 1..=4 {
            loader.request(k, 0, Box::new(tiny));
        }
        loader.retain(|k| *k % 2 == 0);
        gate_tx.send(()).unwrap();
        let got: Vec<_> = (0..3)
            .map(|_| rx.recv_timeout(Duration::from_secs(5)).unwrap())
            .collect();
        assert_eq!(got, vec![0, 2, 4]);
        assert!(rx.recv_timeout(Duration::from_millis(200)).is_err());
    }
}
