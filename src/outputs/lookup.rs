//! Host lookups off the sending thread. The system's resolver can take
//! seconds (a DNS server that does not answer, a `.local` name nobody
//! claims), and neither the frames to a panel nor the window's quit may wait
//! for it. So each output has a lookup thread of its own: its sender asks and
//! goes on sending on the socket it has, and reads the answer at its next
//! frame, woken for it. A lookup that never returns holds only that thread,
//! which is never joined and ends once the resolver lets go.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::sync::mpsc::{self, TryRecvError};
use std::thread;

/// Looks `host:port` up: the system's resolver, or a test's.
pub(crate) type Resolve = Arc<dyn Fn(&str) -> io::Result<Vec<SocketAddr>> + Send + Sync>;

pub(crate) fn system_resolve() -> Resolve {
    Arc::new(|target| target.to_socket_addrs().map(Iterator::collect))
}

/// Called on the lookup thread when an answer is ready, or when the thread
/// dies (the resolver panicked).
pub(crate) type Wake = Arc<dyn Fn() + Send + Sync>;

/// What a lookup found, or why it found nothing.
pub(crate) type Answer = io::Result<Vec<SocketAddr>>;

/// One output's lookup thread; dropping this lets the thread end.
pub(crate) struct Lookups {
    target: String,
    resolve: Resolve,
    wake: Wake,
    asks: mpsc::Sender<()>,
    answers: mpsc::Receiver<Answer>,
}

type Ends = (mpsc::Sender<()>, mpsc::Receiver<Answer>);

/// Wakes the sender when the lookup thread dies, so that it hears of it.
struct WakeOnPanic(Wake);

impl Drop for WakeOnPanic {
    fn drop(&mut self) {
        if thread::panicking() {
            (self.0)();
        }
    }
}

/// A thread that looks `target` up with `resolve` each time it is asked,
/// then calls `wake`.
fn spawn(target: &str, resolve: &Resolve, wake: &Wake) -> io::Result<Ends> {
    let (asks, asked) = mpsc::channel::<()>();
    let (answer, answers) = mpsc::channel();
    let (target, resolve, wake) = (target.to_owned(), resolve.clone(), wake.clone());
    thread::Builder::new()
        .name(format!("lookup {target}"))
        .spawn(move || {
            let _dies = WakeOnPanic(wake.clone());
            // Dropped before `_dies` wakes: the sender then finds it gone.
            let answer = answer;
            for () in asked {
                if answer.send(resolve(&target)).is_err() {
                    return;
                }
                wake();
            }
        })?;
    Ok((asks, answers))
}

impl Lookups {
    /// A thread that looks `target` (`host:port`) up with `resolve` each time
    /// it is asked, then calls `wake`.
    pub fn start(target: String, resolve: Resolve, wake: Wake) -> io::Result<Self> {
        let (asks, answers) = spawn(&target, &resolve, &wake)?;
        Ok(Self {
            target,
            resolve,
            wake,
            asks,
            answers,
        })
    }

    /// Asks for one lookup; `answer` gives it once it is done.
    pub fn ask(&self) {
        // A thread gone answers below, with the reason.
        let _ = self.asks.send(());
    }

    /// The answer to the lookup asked for, if it came. Never waits. A
    /// thread that died (the resolver panicked) is started again, for the
    /// lookups to come.
    pub fn answer(&mut self) -> Option<Answer> {
        match self.answers.try_recv() {
            Ok(answer) => Some(answer),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => {
                // Failing that, the next answer tries again.
                if let Ok((asks, answers)) = spawn(&self.target, &self.resolve, &self.wake) {
                    (self.asks, self.answers) = (asks, answers);
                }
                Some(Err(io::Error::other(
                    "the lookup stopped unexpectedly; it is tried again shortly",
                )))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_lookup_thread_that_died_is_started_again() {
        let at: SocketAddr = "127.0.0.1:4048".parse().unwrap();
        let asked = AtomicUsize::new(0);
        let resolve: Resolve = Arc::new(move |_: &str| {
            if asked.fetch_add(1, Ordering::SeqCst) == 0 {
                panic!("a resolver that fails once (this panic is the test's)");
            }
            Ok(vec![at])
        });
        let (woke, wakes) = mpsc::channel();
        let woke = Mutex::new(woke);
        let wake: Wake = Arc::new(move || {
            let _ = woke.lock().unwrap().send(());
        });
        let mut lookups = Lookups::start("panel.test:4048".into(), resolve, wake).unwrap();
        lookups.ask();
        wakes
            .recv_timeout(Duration::from_secs(10))
            .expect("woken when the thread died");
        let died = lookups.answer().expect("an answer").unwrap_err();
        assert!(died.to_string().contains("tried again"), "{died}");
        lookups.ask();
        wakes
            .recv_timeout(Duration::from_secs(10))
            .expect("a new thread answered");
        assert_eq!(lookups.answer().expect("an answer").unwrap(), [at]);
    }
}
