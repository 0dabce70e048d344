//! One thread per output: it takes the newest frame the window offered (a
//! frame not yet taken is replaced, and counted as dropped), turns it into
//! packets and sends them. The window never waits on the network: offering a
//! frame only swaps a pointer under a lock the thread holds for no I/O.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use super::pixels::{LedColours, Wiring, test_pattern};
use super::spec::{OutputSpec, Protocol};
use super::status::{State, Status, Tally};
use super::{ddp, e131};

/// WLED leaves live mode after 2.5 s without data: a still frame is sent again this often.
const RESEND: Duration = Duration::from_secs(1);
/// A host that cannot be found is looked up again after this.
const RETRY_LOOKUP: Duration = Duration::from_secs(5);
/// The test pattern stays this long.
pub(crate) const TEST_PATTERN_FOR: Duration = Duration::from_secs(5);
/// A send that the system holds longer than this counts as failed.
const SEND_TIMEOUT: Duration = Duration::from_millis(50);
/// E1.31 asks a source that stops to send its Stream_Terminated packets this many times.
const TERMINATIONS: usize = 3;
/// How long dropping a sender waits for its thread to end (and say so to E1.31 receivers).
const STOP_WITHIN: Duration = Duration::from_millis(100);

#[derive(Default)]
struct Slot {
    /// The newest frame offered, not yet taken.
    fresh: Option<Arc<LedColours>>,
    test_until: Option<Instant>,
    stop: bool,
}

struct Shared {
    slot: Mutex<Slot>,
    wake: Condvar,
    tally: Mutex<Tally>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One output's sending thread; dropping it stops the thread, waiting a moment
/// for an E1.31 stream's last packets.
pub struct Sender {
    spec: OutputSpec,
    shared: Arc<Shared>,
    worker: Option<thread::JoinHandle<()>>,
}

impl Sender {
    pub fn start(spec: OutputSpec) -> io::Result<Self> {
        let shared = Arc::new(Shared {
            slot: Mutex::default(),
            wake: Condvar::new(),
            tally: Mutex::default(),
        });
        let worker = Worker::new(spec.clone(), shared.clone());
        let worker = thread::Builder::new()
            .name(format!("output {}", spec.host))
            .spawn(move || worker.run())?;
        Ok(Self {
            spec,
            shared,
            worker: Some(worker),
        })
    }

    pub fn spec(&self) -> &OutputSpec {
        &self.spec
    }

    /// The newest frame for this panel (its size must be the panel's). Latest wins.
    pub fn offer(&self, frame: Arc<LedColours>) {
        let replaced = lock(&self.shared.slot).fresh.replace(frame).is_some();
        if replaced {
            lock(&self.shared.tally).dropped(1);
        }
        self.shared.wake.notify_one();
    }

    /// Shows the test pattern for a few seconds instead of the art.
    pub(crate) fn test_pattern(&self) {
        lock(&self.shared.slot).test_until = Some(Instant::now() + TEST_PATTERN_FOR);
        self.shared.wake.notify_one();
    }

    pub fn status(&self) -> Status {
        lock(&self.shared.tally).status(Instant::now())
    }
}

impl Drop for Sender {
    fn drop(&mut self) {
        lock(&self.shared.slot).stop = true;
        self.shared.wake.notify_one();
        // Bounded: a thread stuck looking a host up is left to end on its own.
        if let Some(worker) = self.worker.take() {
            crate::bounded_join::join_within(worker, STOP_WITHIN);
        }
    }
}

struct Worker {
    spec: OutputSpec,
    wiring: Wiring,
    shared: Arc<Shared>,
    sequence: u8,
    source: e131::Source,
    /// The art's newest frame, sent again while nothing new comes.
    last: Option<Arc<LedColours>>,
    /// The test pattern is what the panel shows.
    pattern: bool,
    /// The last failure to open that was logged.
    logged: Option<String>,
    /// Packets have gone out: a stream that E1.31 receivers are told has ended.
    streaming: bool,
}

enum Next {
    Send(Arc<LedColours>),
    Stop,
}

impl Worker {
    fn new(spec: OutputSpec, shared: Arc<Shared>) -> Self {
        Self {
            wiring: Wiring {
                serpentine: spec.serpentine,
                brightness: spec.brightness,
                gamma: spec.gamma,
            },
            spec,
            shared,
            sequence: 0,
            source: e131::Source {
                cid: *uuid::Uuid::new_v4().as_bytes(),
                name: "Makapix Player".into(),
            },
            last: None,
            pattern: false,
            logged: None,
            streaming: false,
        }
    }

    fn run(mut self) {
        let mut socket: Option<UdpSocket> = None;
        let mut looked_up: Option<Instant> = None;
        while let Next::Send(frame) = self.next() {
            if socket.is_none() && looked_up.is_none_or(|t| t.elapsed() >= RETRY_LOOKUP) {
                looked_up = Some(Instant::now());
                socket = self.open();
            }
            match &socket {
                Some(socket) => self.send(socket, &frame),
                None => lock(&self.shared.tally).dropped(1),
            }
        }
        if let Some(socket) = &socket {
            self.terminate(socket);
        }
    }

    /// An E1.31 stream that sent anything ends with Stream_Terminated packets
    /// (E1.31 §6.2.6), three times; receivers then let go of its universes.
    fn terminate(&mut self, socket: &UdpSocket) {
        let Protocol::E131 { universe } = self.spec.protocol else {
            return;
        };
        if !self.streaming {
            return;
        }
        // E1.31 receivers ignore a terminating packet's data, but WLED reads
        // no Stream_Terminated and shows it for its 2.5 s live timeout: the
        // art's last frame, not a dark panel.
        let rgb = match self.last.as_deref() {
            Some(last) if last.size == self.spec.size => self.wiring.wire_bytes(last),
            _ => vec![0; self.spec.led_count() * 3],
        };
        for _ in 0..TERMINATIONS {
            let sequence = self.next_sequence();
            for packet in e131::terminating(&self.source, universe, sequence, &rgb) {
                let _ = socket.send(&packet);
            }
        }
    }

    /// Waits for what to send: a fresh frame, the test pattern when asked
    /// (the art again when it ends), or the same again when `RESEND` passed.
    fn next(&mut self) -> Next {
        let mut slot = lock(&self.shared.slot);
        let mut deadline = Instant::now() + RESEND;
        loop {
            if slot.stop {
                return Next::Stop;
            }
            let now = Instant::now();
            let testing = slot.test_until.is_some_and(|t| now < t);
            if let Some(fresh) = slot.fresh.take() {
                self.last = Some(fresh.clone());
                if !testing {
                    self.pattern = false;
                    return Next::Send(fresh);
                }
            }
            if testing != self.pattern || now >= deadline {
                self.pattern = testing;
                if testing {
                    return Next::Send(Arc::new(test_pattern(self.spec.size)));
                }
                if let Some(last) = &self.last {
                    return Next::Send(last.clone());
                }
                deadline = now + RESEND;
            }
            let until = match slot.test_until.filter(|_| testing) {
                Some(end) => end.min(deadline),
                None => deadline,
            };
            let wait = until
                .saturating_duration_since(now)
                .max(Duration::from_millis(1));
            slot = self
                .shared
                .wake
                .wait_timeout(slot, wait)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// The next frame's sequence number, counted as the protocol counts it.
    fn next_sequence(&mut self) -> u8 {
        self.sequence = match self.spec.protocol {
            Protocol::Ddp => ddp::next_sequence(self.sequence),
            Protocol::E131 { .. } => e131::next_sequence(self.sequence),
        };
        self.sequence
    }

    /// Looks the host up (off the window thread: it may take seconds) and connects a UDP socket.
    fn open(&mut self) -> Option<UdpSocket> {
        let target = self.spec.socket_target();
        let opened = target
            .to_socket_addrs()
            .map_err(|e| format!("cannot find {}: {e}", self.spec.host))
            .and_then(|mut addrs| {
                addrs
                    .next()
                    .ok_or_else(|| format!("{} has no address", self.spec.host))
            })
            .and_then(|addr| connect(addr).map_err(|e| format!("{target}: {e}")));
        match opened {
            Ok(socket) => Some(socket),
            Err(why) => {
                // Looked up again every few seconds: said once per reason, not each time.
                if self.logged.as_ref() != Some(&why) {
                    tracing::warn!("LED output {}: {why}", self.spec);
                    self.logged = Some(why.clone());
                }
                lock(&self.shared.tally).failed(Instant::now(), State::Unreachable(why));
                None
            }
        }
    }

    fn send(&mut self, socket: &UdpSocket, frame: &LedColours) {
        if frame.size != self.spec.size {
            lock(&self.shared.tally).dropped(1);
            return;
        }
        let rgb = self.wiring.wire_bytes(frame);
        let sequence = self.next_sequence();
        let packets = match self.spec.protocol {
            Protocol::Ddp => ddp::packets(&rgb, sequence),
            Protocol::E131 { universe } => e131::packets(&self.source, universe, sequence, &rgb),
        };
        self.streaming = true;
        let mut failure = None;
        for packet in &packets {
            if let Err(e) = socket.send(packet) {
                failure = Some(e);
            }
        }
        let mut tally = lock(&self.shared.tally);
        match failure {
            None => tally.sent(Instant::now()),
            Some(e) => tally.failed(Instant::now(), state_of(&e)),
        }
    }
}

fn connect(addr: SocketAddr) -> io::Result<UdpSocket> {
    let local: SocketAddr = if addr.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        ([0u16; 8], 0).into()
    };
    let socket = UdpSocket::bind(local)?;
    // Connected: the system then reports the receiver's "port unreachable" answers on later sends.
    socket.connect(addr)?;
    socket.set_write_timeout(Some(SEND_TIMEOUT))?;
    Ok(socket)
}

fn state_of(e: &io::Error) -> State {
    match e.kind() {
        // Windows reports the receiver's "port unreachable" as a reset.
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionReset => State::Refused,
        io::ErrorKind::HostUnreachable => State::Unreachable("no route to the panel".into()),
        io::ErrorKind::NetworkUnreachable => {
            State::Unreachable("its network cannot be reached from this computer".into())
        }
        _ => State::Unreachable(e.to_string()),
    }
}

#[cfg(test)]
#[path = "sender_tests.rs"]
mod tests;
