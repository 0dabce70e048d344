//! How an output ends: E1.31's endings, outputs stopped together, and the
//! output held behind one that stops.

use super::tests::grey;
use super::*;
use crate::outputs::link::Wire;
use crate::outputs::loopback_panel;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket};
use std::sync::mpsc;

/// An E1.31 output to a receiver on 127.0.0.1, seated in `panels`,
/// `options` after the `?`, streaming: the receiver has had its first
/// packet, of a frame all (200, 100, 50).
struct Streaming {
    receiver: UdpSocket,
    at: SocketAddr,
    sender: Sender,
    first: Vec<u8>,
}

fn streaming_in(panels: &Panels, options: &str) -> Streaming {
    let (receiver, at) = loopback_panel();
    let url = format!("e131://{at}?{options}");
    let spec = OutputSpec::parse(&url).unwrap();
    let [width, height] = spec.size;
    let seat = panels.seat(&url, &spec);
    let timing = Timing::default();
    let sender = Sender::start_seated(spec, [7; 16], system_resolve(), timing, seat).unwrap();
    sender.offer(Arc::new(LedColours {
        size: [width, height],
        colours: vec![[200, 100, 50]; (width * height) as usize],
    }));
    let mut packet = [0u8; 2048];
    let n = receiver
        .recv(&mut packet)
        .expect("the stream's first packet");
    let first = packet[..n].to_vec();
    Streaming {
        receiver,
        at,
        sender,
        first,
    }
}

/// `streaming_in` panels of its own.
fn streaming(options: &str) -> Streaming {
    streaming_in(&Panels::default(), options)
}

/// The packets already waiting on `receiver` (reads no longer wait).
fn waiting(receiver: &UdpSocket) -> Vec<Vec<u8>> {
    receiver.set_nonblocking(true).unwrap();
    let mut packet = [0u8; 2048];
    std::iter::from_fn(|| {
        let n = receiver.recv(&mut packet).ok()?;
        Some(packet[..n].to_vec())
    })
    .collect()
}

/// What `rx` hears within 10 s; fails with `what` without it.
fn heard<T>(rx: &mpsc::Receiver<T>, what: &str) -> T {
    rx.recv_timeout(Duration::from_secs(10)).expect(what)
}

/// Packets on `receiver` until `count` have Stream_Terminated set, then
/// whatever is already waiting: (universe, sequence, terminated) each.
fn until_terminated(receiver: &UdpSocket, count: usize) -> Vec<(u16, u8, bool)> {
    let seen_in = |packet: &[u8]| {
        let (universe, sequence, _) = e131::read(packet).expect("an E1.31 packet");
        (universe, sequence, e131::is_terminated(packet))
    };
    let mut seen = Vec::new();
    let mut packet = [0u8; 2048];
    while seen.iter().filter(|(_, _, t)| *t).count() < count {
        let n = receiver.recv(&mut packet).expect("the stream's packets");
        seen.push(seen_in(&packet[..n]));
    }
    // The sender's thread has ended: anything more would already be here.
    seen.extend(waiting(receiver).iter().map(|p| seen_in(p)));
    seen
}

#[test]
fn an_e131_stream_says_three_times_that_it_ended_when_the_output_stops() {
    // 256 LEDs: universes 7 and 8.
    let Streaming {
        receiver,
        sender,
        first,
        ..
    } = streaming("universe=7&size=16x16");
    assert!(!e131::is_terminated(&first), "art, not an ending");
    drop(sender);
    let seen = until_terminated(&receiver, 6);
    let ends: Vec<(u16, u8)> = seen
        .iter()
        .skip_while(|(_, _, t)| !t)
        .map(|&(universe, sequence, t)| {
            assert!(t, "a data packet after the stream ended: {seen:?}");
            (universe, sequence)
        })
        .collect();
    assert_eq!(ends.len(), 6, "three endings of two universes: {seen:?}");
    for universe in [7, 8] {
        let sequences: Vec<u8> = ends
            .iter()
            .filter(|(u, _)| *u == universe)
            .map(|(_, s)| *s)
            .collect();
        assert_eq!(sequences.len(), 3, "universe {universe}: {seen:?}");
        assert_ne!(sequences[0], sequences[1], "each ending is a new packet");
    }
}

#[test]
fn an_e131_ending_holds_the_last_frame_which_wled_shows() {
    let Streaming {
        receiver,
        sender,
        first,
        ..
    } = streaming("universe=2&size=8x8");
    let art = e131::read(&first).expect("an E1.31 packet").2.to_vec();
    assert!(art.iter().any(|v| *v != 0));
    drop(sender);
    let mut packet = [0u8; 2048];
    loop {
        let n = receiver.recv(&mut packet).expect("the ending");
        if e131::is_terminated(&packet[..n]) {
            let data = e131::read(&packet[..n]).expect("an E1.31 packet").2;
            assert_eq!(data, &art[..], "not a dark panel for WLED's 2.5 s");
            break;
        }
    }
}

#[test]
fn an_output_that_never_sent_ends_without_a_word() {
    let (receiver, at) = loopback_panel();
    let url = format!("e131://{at}?universe=1&size=8x8");
    drop(Sender::start(OutputSpec::parse(&url).unwrap(), [7; 16]).unwrap());
    assert!(waiting(&receiver).is_empty(), "nothing was streaming");
}

/// A wire each of whose sends waits until the test lets it go (or drops
/// `release`); `began` hears of each as it starts. One that `panics` then
/// panics, as a bug in the sending thread would.
struct Stuck {
    began: mpsc::Sender<()>,
    gate: Arc<Mutex<mpsc::Receiver<()>>>,
    panics: bool,
}

impl Wire for Stuck {
    fn send(&self, packet: &[u8]) -> io::Result<usize> {
        let _ = self.began.send(());
        let _ = lock(&self.gate).recv();
        assert!(!self.panics, "a bug in the sending thread (this test's)");
        Ok(packet.len())
    }
}

/// Where a stuck output's packets go (no packet leaves: its wire holds them).
const STUCK_AT: SocketAddr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 9));

/// A DDP output to `STUCK_AT` whose first send is under way and held; its
/// sends go on once `release` is dropped.
fn stuck_output() -> (Sender, mpsc::Sender<()>) {
    stuck_output_in(&Panels::default(), false)
}

/// `stuck_output`, seated in `panels`; once let go, its send panics if `panics`.
fn stuck_output_in(panels: &Panels, panics: bool) -> (Sender, mpsc::Sender<()>) {
    let (began_tx, began) = mpsc::channel();
    let (release, gate) = mpsc::channel::<()>();
    let gate = Arc::new(Mutex::new(gate));
    let connect: Connect = Arc::new(move |_| {
        Ok(Box::new(Stuck {
            began: began_tx.clone(),
            gate: gate.clone(),
            panics,
        }))
    });
    let url = format!("ddp://{STUCK_AT}");
    let spec = OutputSpec::parse(&format!("{url}?size=8x8")).unwrap();
    let seat = panels.seat(&url, &spec);
    let timing = Timing::default();
    let sender =
        Sender::start_wired(spec, [7; 16], system_resolve(), connect, timing, seat).unwrap();
    sender.offer(grey(1));
    heard(&began, "the stuck output's send began");
    (sender, release)
}

/// Stops `senders` with `stop` on a thread of its own; the channel hears
/// when it returned.
fn stopping(senders: Vec<Sender>, stop: fn(Vec<Sender>)) -> mpsc::Receiver<()> {
    let (done, returned) = mpsc::channel();
    std::thread::spawn(move || {
        stop(senders);
        let _ = done.send(());
    });
    returned
}

#[test]
fn outputs_stopped_together_are_all_told_before_any_is_waited_for() {
    let (stuck, release) = stuck_output();
    let Streaming {
        receiver, sender, ..
    } = streaming("universe=1&size=8x8");
    // Listed after the stuck one, and the wait made an hour: waiting for
    // each in turn would tell the second to stop only in an hour.
    let returned = stopping(vec![stuck, sender], |senders| {
        stop_within(senders, Duration::from_secs(3600))
    });
    // The stream goes on, sent again each second, until it is told to end.
    let told = Instant::now() + Duration::from_secs(10);
    let mut packet = [0u8; 2048];
    loop {
        let n = receiver.recv(&mut packet).expect("the E1.31 stream");
        if e131::is_terminated(&packet[..n]) {
            break;
        }
        assert!(Instant::now() < told, "the second was not told to stop");
    }
    assert!(
        returned.try_recv().is_err(),
        "still waiting for the stuck one"
    );
    drop(release);
    heard(&returned, "returned once the stuck send let go");
}

#[test]
fn outputs_whose_sends_are_stuck_are_left_to_end_on_their_own() {
    let (first, first_release) = stuck_output();
    let (second, second_release) = stuck_output();
    let returned = stopping(vec![first, second], stop_together);
    heard(&returned, "returned while both sends were still stuck");
    drop((first_release, second_release));
}

/// A seat for `url` in `panels`, after those seated before it.
fn seat(panels: &Panels, url: &str) -> Seat {
    panels.seat(url, &OutputSpec::parse(url).unwrap())
}

/// A seat after the others in `panels`, held behind the one that reaches
/// `at`; `wake` runs as it is woken.
fn held_behind(panels: &Panels, at: SocketAddr, wake: impl Fn() + Send + Sync + 'static) -> Seat {
    let seat = seat(panels, "e131://panel.test?universe=1&size=8x8");
    seat.wake_with(Arc::new(wake));
    assert!(seat.reaches(Some(at)).is_some(), "held");
    seat
}

/// `held_behind`, and its wakes.
fn held_and_woken(panels: &Panels, at: SocketAddr) -> (Seat, mpsc::Receiver<()>) {
    let (woken, wakes) = mpsc::channel();
    let held = held_behind(panels, at, move || {
        let _ = woken.send(());
    });
    (held, wakes)
}

#[test]
fn a_held_output_is_woken_only_once_the_stopped_ones_endings_are_out() {
    let panels = Panels::default();
    let stopped = streaming_in(&panels, "universe=1&size=8x8");
    // As it is woken, the held one counts the endings already on the wire.
    let (woken, wakes) = mpsc::channel();
    let seen = stopped.receiver.try_clone().unwrap();
    let _held = held_behind(&panels, stopped.at, move || {
        let endings = waiting(&seen)
            .iter()
            .filter(|p| e131::is_terminated(p))
            .count();
        let _ = woken.send(endings);
    });
    // Waited for as long as it takes: a stop that gave up on it would leave
    // for it, and wake the held one, before its endings by design.
    stop_within([stopped.sender], Duration::from_secs(3600));
    let endings = heard(&wakes, "woken as the stopped one left");
    assert_eq!(endings, TERMINATIONS, "WLED would show the endings last");
}

#[test]
fn a_held_output_is_not_kept_waiting_by_a_stopped_one_whose_send_is_stuck() {
    let panels = Panels::default();
    let (stuck, release) = stuck_output_in(&panels, false);
    let (held, wakes) = held_and_woken(&panels, STUCK_AT);
    stop_together([stuck]);
    heard(&wakes, "woken while the stopped one's send is still stuck");
    assert_eq!(held.reaches(Some(STUCK_AT)), None, "nothing to give way to");
    drop(release);
}

#[test]
fn an_output_that_holds_ends_without_endings_over_the_one_it_gave_way_to() {
    let panels = Panels::default();
    let first = seat(&panels, "e131://panel.test?universe=1&size=8x8");
    // Its stream, before it held.
    let held = streaming_in(&panels, "universe=1&size=8x8");
    // The first output's name now leads to its panel: it holds.
    first.reaches(Some(held.at));
    held.sender.offer(grey(3));
    held.sender
        .until_status(|s| matches!(s.state, State::Held(_)));
    stop_within([held.sender], Duration::from_secs(3600));
    for packet in waiting(&held.receiver) {
        assert!(!e131::is_terminated(&packet), "WLED would show it");
    }
}

#[test]
fn a_sending_thread_that_panicked_says_what_to_do_and_holds_no_one() {
    let panels = Panels::default();
    let (broken, release) = stuck_output_in(&panels, true);
    let (held, wakes) = held_and_woken(&panels, STUCK_AT);
    // Its send goes on, and panics.
    drop(release);
    let status = broken.until_status(|s| s.state == State::Stopped);
    let said = status.state.label();
    assert!(said.contains("tick it again"), "what to do: {said}");
    for _ in 0..3 {
        broken.offer(grey(2));
    }
    assert_eq!(broken.status().dropped, status.dropped, "no frame is tried");
    heard(&wakes, "woken as the broken one left");
    assert_eq!(held.reaches(Some(STUCK_AT)), None, "nothing to give way to");
    let returned = stopping(vec![broken], stop_together);
    heard(&returned, "the quit does not wait on it");
}

/// An output whose thread ends the moment it is told to stop, and `then`
/// runs.
struct EndsAtOnce {
    seat: Arc<Seat>,
    then: Box<dyn Fn()>,
}

impl Stop for EndsAtOnce {
    fn seat(&self) -> &Seat {
        &self.seat
    }

    fn ask_to_stop(&self) {
        self.seat.leave();
        (self.then)();
    }

    fn join_by(&mut self, _: Instant) {}
}

#[test]
fn every_output_stopped_together_is_marked_stopping_before_any_is_told() {
    let panels = Panels::default();
    let first = Arc::new(seat(&panels, &format!("ddp://{STUCK_AT}")));
    first.reaches(Some(STUCK_AT));
    let second = Arc::new(held_behind(&panels, STUCK_AT, || {}));
    // The held one, woken as the first ends, tries again before it is told.
    let (woken, tried) = (second.clone(), Arc::new(Mutex::new(Vec::new())));
    let tries = tried.clone();
    let first = EndsAtOnce {
        seat: first,
        then: Box::new(move || lock(&tries).push(woken.reaches(Some(STUCK_AT)))),
    };
    let second = EndsAtOnce {
        seat: second,
        then: Box::new(|| {}),
    };
    stop_within([first, second], Duration::ZERO);
    let tried = lock(&tried);
    assert_eq!(tried.len(), 1, "tried as the first ended");
    assert!(
        tried[0].is_some(),
        "it still holds, sending nothing while the stop goes on"
    );
}
