//! The first window's end of the socket: a thread answers later launches and
//! queues what they hand over for the window.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use interprocess::local_socket::traits::{ListenerExt, Stream as _};
use interprocess::local_socket::{Listener, Stream};

use crate::logging::{Throttle, clip};

#[cfg(doc)]
use super::RELOAD_SPACING;
use super::reload_gate::ReloadGate;
use super::{CLOSING, FirstLock, InstanceName, MAX_MESSAGE, Message, PATIENCE, REPLY, place};

/// What the window and the thread answering launches share.
#[derive(Default)]
struct Shared {
    wake: Option<Box<dyn Fn() + Send>>,
    /// The window is closing: nothing more is queued or confirmed.
    closing: bool,
    /// Launches told so (tests watch it).
    told_closing: usize,
}

type Waker = Arc<Mutex<Shared>>;

/// The first window's end: a thread answers later launches at once (even while
/// the window is busy) and queues their messages for the window.
pub struct InstanceListener {
    rx: Receiver<Message>,
    waker: Waker,
    reloads: ReloadGate,
    /// The socket file, removed when the window closes: the thread answering
    /// launches is never joined, so the listener's own clean-up never runs.
    #[cfg(unix)]
    file: Option<place::SocketFile>,
    /// Held while the window listens: a later launch never binds over its socket.
    /// Dropped after the socket file is removed.
    _first: FirstLock,
}

impl Drop for InstanceListener {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(file) = &self.file {
            file.remove();
        }
    }
}

impl InstanceListener {
    pub(super) fn start(
        listener: Listener,
        name: &InstanceName,
        first: FirstLock,
    ) -> io::Result<Self> {
        #[cfg(unix)]
        let file = name.socket_path().ok().and_then(place::SocketFile::made_at);
        #[cfg(not(unix))]
        let _ = name;
        let (tx, rx) = mpsc::channel();
        let waker: Waker = Arc::default();
        let wake = Arc::clone(&waker);
        std::thread::Builder::new()
            .name("single-instance".into())
            .spawn(move || serve(&listener, &tx, &wake))?;
        Ok(Self {
            rx,
            waker,
            reloads: ReloadGate::default(),
            #[cfg(unix)]
            file,
            _first: first,
        })
    }

    /// How to wake the window when a message arrives (known once the window exists).
    pub fn set_wake(&self, wake: impl Fn() + Send + 'static) {
        self.shared().wake = Some(Box::new(wake));
    }

    /// The window is closing: a later launch is no longer confirmed (the window
    /// would never play what it asked) but told to wait for this one to go.
    pub fn close(&self) {
        self.shared().closing = true;
    }

    /// How many launches were told this window is closing.
    #[cfg(test)]
    pub(super) fn told_closing(&self) -> usize {
        self.shared().told_closing
    }

    fn shared(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.waker.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The next message, with credentials reloads at most one per
    /// [`RELOAD_SPACING`]; a reload held back comes alone once it is due.
    pub fn try_recv(&mut self) -> Option<Message> {
        self.try_recv_at(Instant::now())
    }

    pub(crate) fn try_recv_at(&mut self, now: Instant) -> Option<Message> {
        while let Ok(mut message) = self.rx.try_recv() {
            if message.reload_credentials {
                message.reload_credentials = self.reloads.ask(now);
            }
            if message != Message::default() {
                return Some(message);
            }
        }
        self.reloads.due(now).then(|| Message {
            reload_credentials: true,
            ..Message::default()
        })
    }

    /// When a held-back credentials reload is due: the window wakes then.
    pub(crate) fn next_due(&self) -> Option<Instant> {
        self.reloads.next_due()
    }
}

fn serve(listener: &Listener, tx: &Sender<Message>, wake: &Waker) {
    for conn in listener.incoming() {
        // Another local program can connect in a loop: a few warnings a minute.
        static WARNINGS: Throttle = Throttle::new(10, Duration::from_secs(60));
        let mut stream = match conn {
            Ok(stream) => stream,
            Err(e) => {
                if let Some(note) = WARNINGS.allow() {
                    tracing::warn!("a later launch could not be answered: {e}{}", note);
                }
                continue;
            }
        };
        if !place::same_user(&stream) {
            // Another local user reached the socket (root, or a misconfigured
            // folder): their paths and flags are not obeyed.
            if let Some(note) = WARNINGS.allow() {
                tracing::warn!(
                    "a connection from another user on the player's local socket was refused{}",
                    note
                );
            }
            continue;
        }
        match read_message(&mut stream) {
            Ok(message) => {
                if !take(message, tx, wake, &mut stream) {
                    return; // the window is gone
                }
            }
            Err(e) => {
                if let Some(note) = WARNINGS.allow() {
                    let e = clip(&e.to_string()).into_owned();
                    tracing::warn!(
                        "an unreadable message on the player's local socket: {e}{}",
                        note
                    );
                }
            }
        }
    }
}

fn read_message(stream: &mut Stream) -> io::Result<Message> {
    stream.set_recv_timeout(Some(PATIENCE))?;
    let mut line = Vec::new();
    BufReader::new(stream)
        .take(MAX_MESSAGE)
        .read_until(b'\n', &mut line)?;
    serde_json::from_slice(&line).map_err(io::Error::other)
}

/// Queues `message` for the window and confirms it to the launch, or tells the
/// launch the window is closing. False once the window is gone.
fn take(message: Message, tx: &Sender<Message>, shared: &Waker, stream: &mut Stream) -> bool {
    // Held until answered: once `close` returns, no launch is confirmed.
    let mut shared = shared.lock().unwrap_or_else(|p| p.into_inner());
    if shared.closing {
        shared.told_closing += 1;
        // It asks again until this window is gone: once in the log.
        if shared.told_closing == 1 {
            tracing::info!("a later launch was told to wait: this window is closing");
        }
        let _ = stream.write_all(CLOSING);
        return true;
    }
    tracing::info!(
        "a later launch handed over {} path(s) and {} output(s){}",
        message.paths.len(),
        message.outputs.len(),
        if message.reload_credentials {
            "; credentials changed"
        } else {
            ""
        }
    );
    if tx.send(message).is_err() {
        return false;
    }
    if let Some(wake) = shared.wake.as_ref() {
        wake();
    }
    // Confirmed once queued and the window woken: the launch may then end.
    let _ = stream.write_all(REPLY);
    true
}
