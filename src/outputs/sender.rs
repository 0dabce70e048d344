//! One thread per output: it takes the newest frame the window offered (a
//! frame not yet taken is replaced, and counted as dropped), turns it into
//! packets and sends them. The window never waits on the network: offering a
//! frame only swaps a pointer under a lock the thread holds for no I/O.

use std::io;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use super::link::{Connect, Link, NotReady, Timing, udp_connect};
use super::lookup::{Resolve, Wake, system_resolve};
use super::panels::{Panels, Seat};
use super::pixels::{LedColours, Wiring, test_pattern};
use super::spec::{OutputSpec, Protocol};
use super::status::{State, Status, Tally};
use super::{ddp, e131};

/// The test pattern stays this long.
pub(crate) const TEST_PATTERN_FOR: Duration = Duration::from_secs(5);
/// E1.31 asks a source that stops to send its Stream_Terminated packets this many times.
const TERMINATIONS: usize = 3;

#[derive(Default)]
struct Slot {
    /// The newest frame offered, not yet taken.
    fresh: Option<Arc<LedColours>>,
    test_until: Option<Instant>,
    /// What held the frame back changed (a lookup answered, an output this
    /// one gave way to stopped or moved): what waited goes out now.
    again: bool,
    stop: bool,
}

struct Shared {
    slot: Mutex<Slot>,
    wake: Condvar,
    tally: Mutex<Tally>,
    /// Notified at each change of `tally`: tests wait on it, not on sleeps.
    tallied: Condvar,
    /// Where the packets go, beside the other outputs': the later of two
    /// that reach one panel holds.
    seat: Seat,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    /// Changes the figures, and tells whoever waits on them.
    fn tally<R>(&self, change: impl FnOnce(&mut Tally) -> R) -> R {
        let changed = change(&mut lock(&self.tally));
        self.tallied.notify_all();
        changed
    }
}

/// One output's sending thread; dropping it stops the thread, waiting a moment
/// for an E1.31 stream's last packets.
pub struct Sender {
    spec: OutputSpec,
    shared: Arc<Shared>,
    worker: Option<thread::JoinHandle<()>>,
    /// How long its stop waits for the thread (`Timing::stop`).
    stop: Duration,
}

impl Sender {
    /// Starts sending to `spec`; E1.31 packets name the source `cid` (see `Outputs::set_source_id`).
    pub fn start(spec: OutputSpec, cid: [u8; 16]) -> io::Result<Self> {
        Self::start_with(spec, cid, system_resolve(), Timing::default())
    }

    /// `start` with the host looked up by `resolve`, looked up again as `timing` says.
    pub(crate) fn start_with(
        spec: OutputSpec,
        cid: [u8; 16],
        resolve: Resolve,
        timing: Timing,
    ) -> io::Result<Self> {
        let seat = Panels::default().seat(&spec.to_string(), &spec);
        Self::start_seated(spec, cid, resolve, timing, seat)
    }

    /// `start_with`, holding while an output seated before it in `seat`'s
    /// `Panels` reaches the same panel.
    pub(crate) fn start_seated(
        spec: OutputSpec,
        cid: [u8; 16],
        resolve: Resolve,
        timing: Timing,
        seat: Seat,
    ) -> io::Result<Self> {
        Self::start_wired(spec, cid, resolve, udp_connect(), timing, seat)
    }

    /// `start_seated`, its packets sent on what `connect` opens.
    pub(crate) fn start_wired(
        spec: OutputSpec,
        cid: [u8; 16],
        resolve: Resolve,
        connect: Connect,
        timing: Timing,
        seat: Seat,
    ) -> io::Result<Self> {
        let shared = Arc::new(Shared {
            slot: Mutex::default(),
            wake: Condvar::new(),
            tally: Mutex::default(),
            tallied: Condvar::new(),
            seat,
        });
        let link = Link::new(&spec, resolve, connect, timing, waker(&shared))?;
        shared.seat.wake_with(waker(&shared));
        let worker = Worker::new(spec.clone(), shared.clone(), link, cid, timing.resend);
        let worker = thread::Builder::new()
            .name(format!("output {}", spec.host))
            .spawn(move || worker.run())?;
        Ok(Self {
            spec,
            shared,
            worker: Some(worker),
            stop: timing.stop,
        })
    }

    pub fn spec(&self) -> &OutputSpec {
        &self.spec
    }

    /// The newest frame for this panel (its size must be the panel's). Latest wins.
    pub fn offer(&self, frame: Arc<LedColours>) {
        let replaced = lock(&self.shared.slot).fresh.replace(frame).is_some();
        if replaced {
            self.shared.tally(|t| t.dropped(1));
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

    /// Waits until the figures change to what `wanted` accepts, and gives
    /// them; fails after 10 s without.
    #[cfg(test)]
    pub(crate) fn until_status(&self, wanted: impl Fn(&Status) -> bool) -> Status {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut tally = lock(&self.shared.tally);
        loop {
            let now = Instant::now();
            let status = tally.status(now);
            if wanted(&status) {
                return status;
            }
            assert!(now < deadline, "{}: {status:?}", self.spec);
            tally = self
                .shared
                .tallied
                .wait_timeout(tally, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Its place among the outputs that may reach one panel.
    pub(crate) fn seat_id(&self) -> u64 {
        self.shared.seat.id()
    }
}

/// Wakes the sending thread to try again what waited (a lookup answered, an
/// output it gave way to left); a sender gone is left be.
fn waker(shared: &Arc<Shared>) -> Wake {
    let shared = Arc::downgrade(shared);
    Arc::new(move || {
        if let Some(shared) = shared.upgrade() {
            lock(&shared.slot).again = true;
            shared.wake.notify_one();
        }
    })
}

/// What `stop_within` does to each output: a sender, or in a test one
/// that ends the moment it is told.
trait Stop {
    fn seat(&self) -> &Seat;
    fn ask_to_stop(&self);
    fn join_by(&mut self, deadline: Instant);
}

impl Stop for Sender {
    fn seat(&self) -> &Seat {
        &self.shared.seat
    }

    /// The thread leaves `Panels` itself once its last packets are out.
    fn ask_to_stop(&self) {
        lock(&self.shared.slot).stop = true;
        self.shared.wake.notify_one();
    }

    /// Bounded, though lookups run on a thread of their own: a thread whose
    /// sends the system holds is left to end on its own, and leaves `Panels`
    /// now, so that an output held behind it does not wait for it forever.
    fn join_by(&mut self, deadline: Instant) {
        if let Some(worker) = self.worker.take() {
            let left = deadline.saturating_duration_since(Instant::now());
            crate::bounded_join::join_within(worker, left);
        }
        self.shared.seat.leave();
    }
}

/// Stops `senders` together: all are told first, then waited for within one
/// `Timing::stop` (their longest), so panels whose threads are stuck cost
/// the window (and the quit) that once, not once each.
pub(crate) fn stop_together(senders: impl IntoIterator<Item = Sender>) {
    let senders: Vec<Sender> = senders.into_iter().collect();
    let within = senders.iter().map(|s| s.stop).max().unwrap_or_default();
    stop_within(senders, within);
}

/// `stop_together` waiting `within` (longer in a test that must see every
/// sender told before the wait).
fn stop_within<S: Stop>(senders: impl IntoIterator<Item = S>, within: Duration) {
    let mut senders: Vec<S> = senders.into_iter().collect();
    // All first: one that ends before another is told to stop wakes it, and
    // one that held must send nothing then (`Seat::stopping`).
    for sender in &senders {
        sender.seat().stopping();
    }
    for sender in &senders {
        sender.ask_to_stop();
    }
    let deadline = Instant::now() + within;
    for sender in &mut senders {
        sender.join_by(deadline);
    }
}

impl Drop for Sender {
    fn drop(&mut self) {
        self.ask_to_stop();
        self.join_by(Instant::now() + self.stop);
    }
}

struct Worker {
    spec: OutputSpec,
    wiring: Wiring,
    shared: Arc<Shared>,
    link: Link,
    sequence: u8,
    source: e131::Source,
    /// The art's newest frame, sent again while nothing new comes.
    last: Option<Arc<LedColours>>,
    /// The test pattern is what the panel shows.
    pattern: bool,
    /// Packets have gone out, and it has not held since: a stream that E1.31
    /// receivers are told has ended.
    streaming: bool,
    /// A still frame is sent again this often.
    resend: Duration,
}

/// A sending thread that panicked (a bug) says so in its state, and leaves
/// `Panels`: it sends nothing any more, so an output held behind it takes
/// over, not held for good by one that is gone.
struct LeavesOnPanic(Arc<Shared>, String);

impl Drop for LeavesOnPanic {
    fn drop(&mut self) {
        if thread::panicking() {
            tracing::error!(
                "LED output {}: its sending thread stopped on an error",
                self.1
            );
            self.0.seat.leave();
            self.0.tally(|t| t.stopped(Instant::now()));
        }
    }
}

enum Next {
    Send(Arc<LedColours>),
    Stop,
}

impl Worker {
    fn new(
        spec: OutputSpec,
        shared: Arc<Shared>,
        link: Link,
        cid: [u8; 16],
        resend: Duration,
    ) -> Self {
        Self {
            wiring: Wiring {
                serpentine: spec.serpentine,
                brightness: spec.brightness,
                gamma: spec.gamma,
            },
            spec,
            shared,
            link,
            sequence: 0,
            source: e131::Source {
                cid,
                name: "Makapix Player".into(),
            },
            last: None,
            pattern: false,
            streaming: false,
            resend,
        }
    }

    fn run(mut self) {
        let _dies = LeavesOnPanic(self.shared.clone(), self.spec.to_string());
        while let Next::Send(frame) = self.next() {
            self.send(&frame);
        }
        self.terminate();
        // Only now may an output held behind this one send: WLED shows the
        // endings' data, so its frame must come after them.
        self.shared.seat.leave();
    }

    /// An E1.31 stream that sent anything ends with Stream_Terminated packets
    /// (E1.31 §6.2.6), three times; receivers then let go of its universes.
    fn terminate(&mut self) {
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
            let packets = e131::terminating(&self.source, universe, sequence, &rgb);
            if let Some(socket) = self.link.socket() {
                for packet in &packets {
                    let _ = socket.send(packet);
                }
            }
        }
    }

    /// Waits for what to send: a fresh frame, the test pattern when asked
    /// (the art again when it ends), or the same again when `resend` passed.
    fn next(&mut self) -> Next {
        let shared = self.shared.clone();
        let mut slot = lock(&shared.slot);
        let mut deadline = Instant::now() + self.resend;
        loop {
            let now = Instant::now();
            if let Some(next) = self.pick(&mut slot, now, &mut deadline) {
                return next;
            }
            let until = match slot.test_until.filter(|t| now < *t) {
                Some(end) => end.min(deadline),
                None => deadline,
            };
            let wait = until
                .saturating_duration_since(now)
                .max(Duration::from_millis(1));
            slot = shared
                .wake
                .wait_timeout(slot, wait)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// What `next` sends at `now`, if anything yet; `deadline` is when a
    /// still frame goes out again. Takes what it sends from `slot`.
    fn pick(&mut self, slot: &mut Slot, now: Instant, deadline: &mut Instant) -> Option<Next> {
        if slot.stop {
            return Some(Next::Stop);
        }
        let testing = slot.test_until.is_some_and(|t| now < t);
        if let Some(fresh) = slot.fresh.take() {
            self.last = Some(fresh.clone());
            if !testing {
                self.pattern = false;
                // It is what waited to go out again: not sent twice.
                slot.again = false;
                return Some(Next::Send(fresh));
            }
        }
        // The frame that found no address yet, or was held, goes out now,
        // not at the next resend.
        if std::mem::take(&mut slot.again) && testing == self.pattern {
            if testing {
                return Some(Next::Send(Arc::new(test_pattern(self.spec.size))));
            }
            if let Some(last) = &self.last {
                return Some(Next::Send(last.clone()));
            }
        }
        if testing != self.pattern || now >= *deadline {
            self.pattern = testing;
            if testing {
                return Some(Next::Send(Arc::new(test_pattern(self.spec.size))));
            }
            if let Some(last) = &self.last {
                return Some(Next::Send(last.clone()));
            }
            *deadline = now + self.resend;
        }
        None
    }

    /// The next frame's sequence number, counted as the protocol counts it.
    fn next_sequence(&mut self) -> u8 {
        self.sequence = match self.spec.protocol {
            Protocol::Ddp => ddp::next_sequence(self.sequence),
            Protocol::E131 { .. } => e131::next_sequence(self.sequence),
        };
        self.sequence
    }

    fn send(&mut self, frame: &LedColours) {
        let now = Instant::now();
        let ready = self.link.ready(now);
        let held = self.shared.seat.reaches(self.link.address());
        if ready != Err(NotReady::LookingUp) {
            self.shared.tally(Tally::looked_up);
        }
        match ready {
            Ok(()) => {}
            // Held, not dropped: the newest frame goes out when the lookup answers.
            Err(NotReady::LookingUp) => {
                self.shared.tally(|t| t.looking_up(&self.spec.host));
                return;
            }
            Err(NotReady::Unreachable(why)) => {
                self.failed(now, State::Unreachable(why));
                return;
            }
        }
        if let Some(why) = held {
            // Its stream gave way: endings would now reach the LEDs the
            // other output drives, and WLED would show their picture.
            self.streaming = false;
            let state = State::Held(why);
            if self.shared.tally(|t| t.held(now, state.clone())) {
                tracing::warn!("LED output {}: {}", self.spec, state.label());
            }
            return;
        }
        if frame.size != self.spec.size {
            self.shared.tally(|t| t.dropped(1));
            return;
        }
        let rgb = self.wiring.wire_bytes(frame);
        let sequence = self.next_sequence();
        let packets = match self.spec.protocol {
            Protocol::Ddp => ddp::packets(&rgb, sequence),
            Protocol::E131 { universe } => e131::packets(&self.source, universe, sequence, &rgb),
        };
        self.streaming = true;
        match self.link.send(&packets, now) {
            Ok(()) => {
                if self.shared.tally(|t| t.sent(now)) {
                    tracing::info!("LED output {}: sending again", self.spec);
                }
            }
            Err(e) => self.failed(now, state_of(&e)),
        }
    }

    /// Counts a failed frame; the log hears of a failure once, not per packet.
    fn failed(&self, now: Instant, state: State) {
        let starts = self.shared.tally(|t| t.failed(now, state.clone()));
        if starts {
            tracing::warn!("LED output {}: {}", self.spec, state.label());
        }
    }
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

#[cfg(test)]
#[path = "sender_stop_tests.rs"]
mod stop_tests;
