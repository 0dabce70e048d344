//! A sending thread's frames: sequence numbers, and hosts looked up (again)
//! without holding them.

use super::*;
use crate::outputs::link::udp_connect;
use crate::outputs::loopback_panel;
use std::net::{SocketAddr, UdpSocket};

/// A receiver on 127.0.0.1 and an E1.31 sender to it, `options` after the `?`.
fn e131_to_loopback(options: &str) -> (UdpSocket, Sender) {
    let (receiver, at) = loopback_panel();
    let url = format!("e131://{at}?{options}");
    let sender = Sender::start(OutputSpec::parse(&url).unwrap(), [7; 16]).unwrap();
    (receiver, sender)
}

#[test]
fn an_e131_universes_sequence_counts_up_by_one_past_255() {
    let (receiver, sender) = e131_to_loopback("universe=1&size=8x8");
    let mut packet = [0u8; 2048];
    let mut sequences = Vec::new();
    for i in 0..300u32 {
        sender.offer(Arc::new(LedColours {
            size: [8, 8],
            colours: vec![[i as u8, 0, 0]; 64],
        }));
        // One universe: one packet a frame (a still frame's resend among them).
        let n = receiver.recv(&mut packet).expect("the frame");
        sequences.push(e131::read(&packet[..n]).expect("an E1.31 packet").1);
    }
    let steps: Vec<u8> = sequences
        .windows(2)
        .map(|w| w[1].wrapping_sub(w[0]))
        .collect();
    assert!(steps.iter().all(|s| *s == 1), "{sequences:?}");
}

/// An output started to `url` with `resolve` and `timing`.
fn started(url: &str, resolve: Resolve, timing: Timing) -> Sender {
    Sender::start_with(OutputSpec::parse(url).unwrap(), [7; 16], resolve, timing).unwrap()
}

/// Offers frames until `receiver` has one, or fails after 10 s.
fn until_received(sender: &Sender, receiver: &UdpSocket, what: &str) {
    receiver
        .set_read_timeout(Some(Duration::from_millis(20)))
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut packet = [0u8; 2048];
    loop {
        sender.offer(grey(9));
        if receiver.recv(&mut packet).is_ok() {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: no frame within 10 s");
    }
}

fn quick(refresh: Duration) -> Timing {
    Timing {
        retry: Duration::from_millis(50),
        refresh,
        ..Timing::default()
    }
}

/// A DDP output by a name, looked up again `refresh` apart, whose frames
/// reach its first address, `old`; `moves` sends the name to `new`.
struct Moving {
    old: UdpSocket,
    new: UdpSocket,
    answer: Arc<Mutex<SocketAddr>>,
    sender: Sender,
}

fn by_a_name_that_moves(refresh: Duration) -> Moving {
    let old = UdpSocket::bind("127.0.0.1:0").unwrap();
    let new = UdpSocket::bind("127.0.0.1:0").unwrap();
    let answer = Arc::new(Mutex::new(old.local_addr().unwrap()));
    let answers = answer.clone();
    let resolve: Resolve = Arc::new(move |_: &str| Ok(vec![*lock(&answers)]));
    let sender = started("ddp://panel.test?size=8x8", resolve, quick(refresh));
    until_received(&sender, &old, "the first address");
    Moving {
        old,
        new,
        answer,
        sender,
    }
}

impl Moving {
    fn moves(&self) {
        *lock(&self.answer) = self.new.local_addr().unwrap();
    }
}

#[test]
fn a_name_that_moves_is_followed_while_the_old_address_still_takes_frames() {
    let name = by_a_name_that_moves(Duration::from_millis(100));
    name.moves();
    until_received(&name.sender, &name.new, "the name's new address");
}

#[test]
fn an_address_that_stopped_answering_is_looked_up_again() {
    // A name never refreshed while it works: only the failures move it.
    let name = by_a_name_that_moves(Duration::from_secs(3600));
    name.moves();
    // Nothing listens there now: loopback answers "port unreachable".
    drop(name.old);
    until_received(&name.sender, &name.new, "the address looked up again");
}

#[test]
fn an_address_refused_gives_way_to_the_hosts_next_one() {
    let refusing = UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let listening = UdpSocket::bind("127.0.0.1:0").unwrap();
    let both = vec![refusing, listening.local_addr().unwrap()];
    let resolve: Resolve = Arc::new(move |_: &str| Ok(both.clone()));
    // Never looked up again in this test: only the next address can help.
    let never = Timing {
        retry: Duration::from_secs(3600),
        refresh: Duration::from_secs(3600),
        ..Timing::default()
    };
    let sender = started("ddp://localhost?size=8x8", resolve, never);
    until_received(&sender, &listening, "the second address");
}

#[test]
fn an_output_stops_without_waiting_for_its_hung_lookup() {
    // Every lookup hangs until the test lets go, after the output stopped.
    let held = held_after(0, "127.0.0.1:9".parse().unwrap());
    let url = "ddp://panel.test:4048?size=2x2";
    let mut sender = started(url, held.resolve.clone(), Timing::default());
    held.until_began("the lookup began");
    sender.offer(Arc::new(LedColours {
        size: [2, 2],
        colours: vec![[9, 9, 9]; 4],
    }));
    // The sending thread took the frame and met the hung lookup.
    let looking_up = State::LookingUp("panel.test".into());
    sender.until_status(|s| s.state == looking_up);
    // Joined without a time limit: a sending thread that waited for the
    // lookup would never end, as the resolver is let go only afterwards.
    let worker = sender.worker.take().expect("a sending thread");
    sender.ask_to_stop();
    let (ended, ends) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = worker.join();
        let _ = ended.send(());
    });
    ends.recv_timeout(Duration::from_secs(10))
        .expect("the sending thread ended while its lookup hung");
    drop(held.release);
}

/// A resolver that answers `to` for the first `free` lookups, then holds
/// each later one until the test lets it go (or drops `release`); `began`
/// hears of each held lookup as it starts.
struct Held {
    resolve: Resolve,
    began: std::sync::mpsc::Receiver<()>,
    release: std::sync::mpsc::Sender<()>,
}

impl Held {
    /// Waits for a held lookup to begin; fails with `what` after 20 s.
    fn until_began(&self, what: &str) {
        self.began
            .recv_timeout(Duration::from_secs(20))
            .expect(what);
    }
}

fn held_after(free: usize, to: SocketAddr) -> Held {
    let (began_tx, began) = std::sync::mpsc::channel();
    let (release, gate) = std::sync::mpsc::channel::<()>();
    let gate = Mutex::new(gate);
    let asked = std::sync::atomic::AtomicUsize::new(0);
    let resolve: Resolve = Arc::new(move |_: &str| {
        if asked.fetch_add(1, std::sync::atomic::Ordering::SeqCst) >= free {
            let _ = began_tx.send(());
            let _ = lock(&gate).recv();
        }
        Ok(vec![to])
    });
    Held {
        resolve,
        began,
        release,
    }
}

/// An E1.31 receiver on 127.0.0.1, and an output to it by a name whose
/// lookups `held_after(free, …)` answers; colours go out as they are.
fn e131_by_name(free: usize, refresh: Duration) -> (UdpSocket, Held, Sender) {
    let (receiver, at) = loopback_panel();
    let held = held_after(free, at);
    let url = "e131://panel.test?universe=1&size=8x8&gamma=1";
    let sender = started(url, held.resolve.clone(), quick(refresh));
    (receiver, held, sender)
}

pub(super) fn grey(level: u8) -> Arc<LedColours> {
    Arc::new(LedColours {
        size: [8, 8],
        colours: vec![[level; 3]; 64],
    })
}

/// Reads packets until one carries `level`'s frame (not an older one still
/// queued on the socket); fails after 10 s without it.
fn until_level(receiver: &UdpSocket, level: u8, what: &str) {
    let mut packet = [0u8; 2048];
    loop {
        let n = receiver
            .recv(&mut packet)
            .unwrap_or_else(|e| panic!("{what}: no frame of {level} ({e})"));
        let (_, _, data) = e131::read(&packet[..n]).expect("an E1.31 packet");
        if data.first() == Some(&level) {
            return;
        }
    }
}

#[test]
fn frames_keep_going_out_while_a_lookup_hangs_and_the_output_still_stops() {
    // The first lookup answers; each later one (a refresh after 100 ms) hangs.
    let (receiver, held, sender) = e131_by_name(1, Duration::from_millis(100));
    sender.offer(grey(1));
    until_level(&receiver, 1, "the first lookup's address");
    // A still frame goes out again each second: one of them asks for the refresh.
    held.until_began("a refresh lookup began");
    for level in 2..=5 {
        sender.offer(grey(level));
        until_level(&receiver, level, "while the refresh hangs");
    }
    // Stopping while the lookup still hangs: the thread ends at once and
    // says so to the receiver, not once the resolver lets go.
    drop(sender);
    let mut packet = [0u8; 2048];
    loop {
        let n = receiver
            .recv(&mut packet)
            .expect("the stream's end while the lookup hangs");
        if e131::is_terminated(&packet[..n]) {
            break;
        }
    }
    drop(held.release);
}

#[test]
fn a_frame_waits_for_the_first_lookup_and_goes_out_when_it_answers() {
    let (receiver, held, sender) = e131_by_name(0, Duration::from_secs(3600));
    held.until_began("the first lookup began");
    sender.offer(grey(7));
    let looking_up = State::LookingUp("panel.test".into());
    let status = sender.until_status(|s| s.state == looking_up);
    assert_eq!(status.dropped, 0, "held, not dropped");
    // Answered: the frame offered goes out, no other offered.
    held.release.send(()).unwrap();
    until_level(&receiver, 7, "the frame that waited");
}

#[test]
fn once_the_lookup_answered_an_output_no_longer_says_looking_up() {
    let (_receiver, held, sender) = e131_by_name(0, Duration::from_secs(3600));
    held.until_began("the first lookup began");
    // A frame of another size than the panel's: it cannot go out.
    sender.offer(Arc::new(LedColours {
        size: [4, 4],
        colours: vec![[9, 9, 9]; 16],
    }));
    let looking_up = State::LookingUp("panel.test".into());
    sender.until_status(|s| s.state == looking_up);
    held.release.send(()).unwrap();
    let status = sender.until_status(|s| s.dropped == 1);
    assert_eq!((status.state, status.sent), (State::Waiting, 0));
}

#[test]
fn a_fresh_frame_taken_with_a_lookups_answer_goes_out_once() {
    let spec = OutputSpec::parse("ddp://panel.test?size=8x8").unwrap();
    let shared = Arc::new(Shared {
        slot: Mutex::default(),
        wake: Condvar::new(),
        tally: Mutex::default(),
        tallied: Condvar::new(),
        seat: Panels::default().seat("ddp://panel.test", &spec),
    });
    let nowhere: Resolve = Arc::new(|_: &str| Err(io::Error::other("no such host")));
    let wake = Arc::new(|| {});
    let timing = Timing::default();
    let link = Link::new(&spec, nowhere, udp_connect(), timing, wake).unwrap();
    let mut worker = Worker::new(spec, shared, link, [7; 16], timing.resend);
    let now = Instant::now();
    let mut deadline = now + timing.resend;
    // A lookup answered, and a new frame came before the thread woke.
    let mut slot = Slot {
        fresh: Some(grey(8)),
        again: true,
        ..Slot::default()
    };
    let first = worker.pick(&mut slot, now, &mut deadline);
    assert!(matches!(first, Some(Next::Send(f)) if f.colours[0] == [8; 3]));
    // Nothing more until the still frame's resend.
    assert!(worker.pick(&mut slot, now, &mut deadline).is_none());
    assert!(matches!(
        worker.pick(&mut slot, now + timing.resend, &mut deadline),
        Some(Next::Send(_))
    ));
}
