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

/// Called on the lookup thread when an answer is ready.
pub(crate) type Wake = Box<dyn Fn() + Send>;

/// What a lookup found, or why it found nothing.
pub(crate) type Answer = io::Result<Vec<SocketAddr>>;

/// One output's lookup thread; dropping this lets the thread end.
pub(crate) struct Lookups {
    asks: mpsc::Sender<()>,
    answers: mpsc::Receiver<Answer>,
}

impl Lookups {
    /// A thread that looks `target` (`host:port`) up with `resolve` each time
    /// it is asked, then calls `wake`.
    pub fn start(target: String, resolve: Resolve, wake: Wake) -> io::Result<Self> {
        let (asks, asked) = mpsc::channel::<()>();
        let (answer, answers) = mpsc::channel();
        thread::Builder::new()
            .name(format!("lookup {target}"))
            .spawn(move || {
                for () in asked {
                    if answer.send(resolve(&target)).is_err() {
                        return;
                    }
                    wake();
                }
            })?;
        Ok(Self { asks, answers })
    }

    /// Asks for one lookup; `answer` gives it once it is done.
    pub fn ask(&self) {
        // A thread gone answers below, with the reason.
        let _ = self.asks.send(());
    }

    /// The answer to the lookup asked for, if it came. Never waits.
    pub fn answer(&self) -> Option<Answer> {
        match self.answers.try_recv() {
            Ok(answer) => Some(answer),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(Err(io::Error::other(
                "the lookup stopped unexpectedly; it is tried again shortly",
            ))),
        }
    }
}
