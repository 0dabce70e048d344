//! LED panel outputs driven by the real window (egui_kittest, real time):
//! loopback receivers written from the published formats (not the player's
//! own readers) rebuild what the panel would show. DDP and E1.31 each check
//! every LED of a two-colour artwork (E1.31 with zig-zag wiring), an
//! animation's frames reach the panel with the file's own delays, and a
//! panel that goes away is reported as refused while the window keeps its pace.
//! Everything is sent to 127.0.0.1 only.

use crate::support::screen::harness_of;
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use makapix_player::outputs::{SavedOutput, State};
use makapix_player::settings::Settings;
use makapix_player::ui::{PlayerApp, StartOptions};

const RED: [u8; 3] = [255, 0, 0];
const BLUE: [u8; 3] = [0, 0, 255];

/// A 16×8 artwork in two colours, asymmetric so that a turned, mirrored or
/// shifted panel shows: red where (3x + 5y) mod 7 is under 3.
fn two_colour(x: u32, y: u32) -> [u8; 3] {
    if (3 * x + 5 * y) % 7 < 3 { RED } else { BLUE }
}

/// Every LED as expected, or the first that is not.
fn assert_leds(got: &[u8], expected: &[u8], width: usize) {
    assert_eq!(got.len(), expected.len(), "bytes in a frame");
    let wrong = got
        .chunks(3)
        .zip(expected.chunks(3))
        .position(|(g, e)| g != e);
    if let Some(i) = wrong {
        panic!(
            "LED {i} (strip position; row {}, column {}) is {:?}, expected {:?}",
            i / width,
            i % width,
            &got[i * 3..i * 3 + 3],
            &expected[i * 3..i * 3 + 3]
        );
    }
}

fn write_two_colour(dir: &Path) -> PathBuf {
    let image = image::RgbImage::from_fn(16, 8, |x, y| image::Rgb(two_colour(x, y)));
    let path = dir.join("two-colour.png");
    image.save(&path).unwrap();
    path
}

/// An 8×8 animation of four plain colours shown for 100, 200, 300 and 150 ms.
const ANIMATION: [([u8; 3], u16); 4] = [
    ([255, 0, 0], 10),
    ([0, 255, 0], 20),
    ([0, 0, 255], 30),
    ([255, 255, 0], 15),
];

fn write_animation(dir: &Path) -> PathBuf {
    let path = dir.join("four-colours.gif");
    let file = std::fs::File::create(&path).unwrap();
    let palette: Vec<u8> = ANIMATION.iter().flat_map(|(c, _)| *c).collect();
    let mut encoder = gif::Encoder::new(file, 8, 8, &palette).unwrap();
    encoder.set_repeat(gif::Repeat::Infinite).unwrap();
    for (i, (_, delay)) in ANIMATION.iter().enumerate() {
        let mut frame = gif::Frame::from_indexed_pixels(8, 8, vec![i as u8; 64], None);
        frame.delay = *delay;
        encoder.write_frame(&frame).unwrap();
    }
    drop(encoder);
    path
}

fn window(paths: Vec<PathBuf>, urls: &[String]) -> Harness<'static, PlayerApp> {
    let outputs = urls
        .iter()
        .map(|url| SavedOutput {
            url: url.clone(),
            enabled: true,
        })
        .collect();
    let app = PlayerApp::new(StartOptions {
        paths,
        settings: Some(Settings {
            outputs,
            ..Settings::default()
        }),
        ..StartOptions::default()
    });
    harness_of(app, [800.0, 600.0], None)
}

/// Steps the window on the real clock (so animations play at their own pace)
/// until `done`, at most 20 s. Returns the longest pass.
fn run_until(
    h: &mut Harness<'_, PlayerApp>,
    what: &str,
    mut done: impl FnMut(&PlayerApp) -> bool,
) -> Duration {
    let start = Instant::now();
    let base = h.ctx.input(|i| i.time);
    let mut longest = Duration::ZERO;
    loop {
        h.input_mut().time = Some(base + start.elapsed().as_secs_f64());
        let pass = Instant::now();
        h.step();
        longest = longest.max(pass.elapsed());
        if done(h.state()) {
            return longest;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting for: {what}"
        );
        thread::sleep(Duration::from_millis(1));
    }
}

/// A loopback receiver: frames as they are completed, with when.
struct Receiver {
    port: u16,
    frames: mpsc::Receiver<(Instant, Vec<u8>)>,
    stop: Arc<AtomicBool>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl Receiver {
    /// Reads packets until stopped; `take` puts one into the frame and says
    /// whether the frame is complete.
    fn start(
        bytes: usize,
        mut take: impl FnMut(&[u8], &mut Vec<u8>) -> bool + Send + 'static,
    ) -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket
            .set_read_timeout(Some(Duration::from_millis(20)))
            .unwrap();
        let port = socket.local_addr().unwrap().port();
        let (tx, frames) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        thread::spawn(move || {
            let mut frame = vec![0; bytes];
            let mut packet = [0u8; 2048];
            while !stopped.load(Ordering::Relaxed) {
                let Ok(n) = socket.recv(&mut packet) else {
                    continue;
                };
                if take(&packet[..n], &mut frame)
                    && tx.send((Instant::now(), frame.clone())).is_err()
                {
                    return;
                }
            }
        });
        Self { port, frames, stop }
    }

    /// DDP as published: 10-byte header, offset at 4–7, length at 8–9, push flag in byte 0.
    fn ddp(leds: usize) -> Self {
        Self::start(leds * 3, |p, frame| {
            assert_eq!(p[0] & 0xC0, 0x40, "DDP version 1");
            let offset = u32::from_be_bytes([p[4], p[5], p[6], p[7]]) as usize;
            let len = usize::from(u16::from_be_bytes([p[8], p[9]]));
            frame[offset..offset + len].copy_from_slice(&p[10..10 + len]);
            p[0] & 0x01 != 0
        })
    }

    /// E1.31 as published: universe at 113–114, slot count at 123–124 (start code
    /// included), data from 126; 510 bytes a universe from `first` on.
    fn e131(leds: usize, first: u16) -> Self {
        let universes = leds.div_ceil(170) as u16;
        Self::start(leds * 3, move |p, frame| {
            assert_eq!(&p[4..16], b"ASC-E1.17\0\0\0");
            let universe = u16::from_be_bytes([p[113], p[114]]);
            let count = usize::from(u16::from_be_bytes([p[123], p[124]])) - 1;
            assert!(
                (first..first + universes).contains(&universe),
                "universe {universe}"
            );
            let at = usize::from(universe - first) * 510;
            frame[at..at + count].copy_from_slice(&p[126..126 + count]);
            universe == first + universes - 1
        })
    }

    fn next(&self) -> (Instant, Vec<u8>) {
        self.frames
            .recv_timeout(Duration::from_secs(20))
            .expect("a frame")
    }
}

/// The LEDs of a 32×16 panel showing the 16×8 artwork (nearest, ×2), in wire order.
fn expected_two_colour(serpentine: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for y in 0..16 {
        let mut row: Vec<[u8; 3]> = (0..32).map(|x| two_colour(x / 2, y / 2)).collect();
        if serpentine && y % 2 == 1 {
            row.reverse();
        }
        out.extend(row.into_iter().flatten());
    }
    out
}

fn first_frame_with_art(h: &mut Harness<'_, PlayerApp>, receiver: &Receiver) -> Vec<u8> {
    let mut got = None;
    run_until(h, "a frame on the panel", |_| {
        got = receiver.frames.try_recv().ok();
        got.is_some()
    });
    got.unwrap().1
}

#[test]
fn ddp_panel_shows_every_pixel_of_a_two_colour_artwork() {
    let dir = tempfile::tempdir().unwrap();
    let receiver = Receiver::ddp(32 * 16);
    let url = format!("ddp://127.0.0.1:{}?size=32x16", receiver.port);
    let mut h = window(vec![write_two_colour(dir.path())], &[url]);
    let frame = first_frame_with_art(&mut h, &receiver);
    assert_leds(&frame, &expected_two_colour(false), 32);
}

#[test]
fn e131_panel_wired_in_zig_zag_shows_every_pixel_in_strip_order() {
    let dir = tempfile::tempdir().unwrap();
    let receiver = Receiver::e131(32 * 16, 3);
    let url = format!(
        "e131://127.0.0.1:{}?universe=3&size=32x16&serpentine",
        receiver.port
    );
    let mut h = window(vec![write_two_colour(dir.path())], &[url]);
    let frame = first_frame_with_art(&mut h, &receiver);
    assert_leds(&frame, &expected_two_colour(true), 32);
    assert_ne!(
        frame,
        expected_two_colour(false),
        "the odd rows run backwards"
    );
}

/// Which frame of `ANIMATION` a plain panel frame shows.
fn animation_frame(frame: &[u8]) -> usize {
    let colour = [frame[0], frame[1], frame[2]];
    assert!(frame.chunks(3).all(|c| c == colour), "a plain frame");
    ANIMATION
        .iter()
        .position(|(c, _)| *c == colour)
        .expect("a colour of the file")
}

/// The frame of `ANIMATION` its delays put on screen `ms` after playback started.
fn frame_due(ms: u64) -> usize {
    let mut end = 0;
    let position = ms
        % ANIMATION
            .iter()
            .map(|(_, d)| u64::from(*d) * 10)
            .sum::<u64>();
    ANIMATION
        .iter()
        .position(|(_, delay)| {
            end += u64::from(*delay) * 10;
            position < end
        })
        .unwrap()
}

/// The window's clock is the test's. It stands still while a white still
/// image plays, → moves on to the animation, and it plays from its first
/// frame once decoded; then the clock moves 10 ms a pass for two loops.
/// After each pass the panel must come to show the frame the file's delays
/// say for that moment: a frame shown early, late or out of order leaves the
/// panel on another one. Pacing on the real clock is the benchmarks'
/// (benches/player).
#[test]
fn an_animation_reaches_the_panel_with_the_files_own_delays() {
    let dir = tempfile::tempdir().unwrap();
    let receiver = Receiver::ddp(64);
    let url = format!("ddp://127.0.0.1:{}?size=8x8", receiver.port);
    let still = dir.path().join("white.png");
    crate::support::write_png(&still, 8, 8, [255, 255, 255, 255]);
    let mut h = window(vec![still, write_animation(dir.path())], &[url]);
    let start = h.ctx.input(|i| i.time);
    let held = |h: &mut Harness<'_, PlayerApp>, what: &str, done: &dyn Fn(&PlayerApp) -> bool| {
        let guard = Instant::now() + Duration::from_secs(20);
        loop {
            h.input_mut().time = Some(start);
            h.step();
            if done(h.state()) {
                return;
            }
            assert!(Instant::now() < guard, "timed out waiting for: {what}");
            thread::sleep(Duration::from_millis(1));
        }
    };
    held(&mut h, "the still image", &|a| {
        a.frames_on_screen() == Some(1)
    });
    h.key_press(eframe::egui::Key::ArrowRight);
    held(&mut h, "the animation decoded", &|a| {
        a.frames_on_screen() == Some(ANIMATION.len())
    });
    // The still's frames came first: skip them.
    let first = loop {
        let (_, frame) = receiver.next();
        if frame[..3] != [255, 255, 255] {
            break animation_frame(&frame);
        }
    };
    let mut shown = Some(first);
    // (app time in ms, frame) each time the panel changed.
    let mut changes: Vec<(u64, usize)> = vec![(0, first)];
    // Off the frames' boundaries (multiples of 10 ms), so rounding cannot blur them.
    for ms in (5..1500).step_by(10) {
        h.input_mut().time = Some(start + ms as f64 / 1000.0);
        h.step();
        let due = frame_due(ms);
        let guard = Instant::now() + Duration::from_secs(20);
        let mut take = |shown: &mut Option<usize>, frame: &[u8]| {
            let index = animation_frame(frame);
            if *shown != Some(index) {
                *shown = Some(index);
                changes.push((ms, index));
            }
        };
        // What already came (a frame sent early shows here), then what is due.
        while let Ok((_, frame)) = receiver.frames.try_recv() {
            take(&mut shown, &frame);
        }
        while shown != Some(due) {
            match receiver.frames.recv_timeout(Duration::from_millis(20)) {
                Ok((_, frame)) => take(&mut shown, &frame),
                Err(_) => assert!(
                    Instant::now() < guard,
                    "at {ms} ms the panel shows frame {shown:?}, the file says {due}"
                ),
            }
        }
    }
    // Each change in the pass that made it due: 100, 200, 300 and 150 ms apart.
    let two_loops = [
        (0, 0),
        (105, 1),
        (305, 2),
        (605, 3),
        (755, 0),
        (855, 1),
        (1055, 2),
        (1355, 3),
    ];
    assert_eq!(changes, two_loops);
}

#[test]
fn a_panel_that_goes_away_is_refused_and_the_window_keeps_its_pace() {
    let dir = tempfile::tempdir().unwrap();
    let receiver = Receiver::ddp(64);
    let url = format!("ddp://127.0.0.1:{}?size=8x8", receiver.port);
    let mut h = window(
        vec![write_animation(dir.path())],
        std::slice::from_ref(&url),
    );
    receiver.next();
    // The panel goes away: its port now answers "unreachable" (ICMP) to every packet.
    drop(receiver);
    let refused = |app: &PlayerApp| matches!(app.led_outputs().status(&url), Some(Ok(s)) if s.state == State::Refused);
    run_until(&mut h, "the output says refused", refused);
    // The window goes on playing: each frame it shows is offered and, with
    // no panel to take it, counted as missed.
    let status =
        |h: &Harness<'_, PlayerApp>| h.state().led_outputs().status(&url).unwrap().unwrap();
    let before = status(&h);
    run_until(
        &mut h,
        "eight more frames missed",
        |app| matches!(app.led_outputs().status(&url), Some(Ok(s)) if s.dropped >= before.dropped + 8),
    );
    let status = status(&h);
    assert_eq!(status.state, State::Refused, "{status:?}");
}

#[test]
fn offering_frames_to_an_absent_panel_never_waits() {
    use makapix_player::outputs::{LedColours, Outputs};
    // A port nothing listens on.
    let port = UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("ddp://127.0.0.1:{port}?size=64x64");
    let mut outputs = Outputs::default();
    outputs.sync([url.as_str()]);
    let frame = Arc::new(LedColours {
        size: [64, 64],
        colours: vec![[1, 2, 3]; 64 * 64],
    });
    // Offered on a thread of its own: an offer that waited for the network
    // would hang here, and fails the test after 20 s.
    let offered = thread::spawn(move || {
        for _ in 0..10_000 {
            outputs.offer(std::slice::from_ref(&frame));
        }
        outputs
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    while !offered.is_finished() {
        assert!(Instant::now() < deadline, "10,000 offers did not end");
        thread::sleep(Duration::from_millis(10));
    }
    let outputs = offered.join().unwrap();
    // Latest wins: what the thread had no time for is dropped, not queued.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status = outputs.status(&url).unwrap().unwrap();
        if status.state == State::Refused && status.dropped >= 9_000 {
            assert!(status.sent < 1_000, "{status:?}");
            break;
        }
        assert!(Instant::now() < deadline, "{status:?}");
        thread::sleep(Duration::from_millis(10));
    }
}

/// Settings › LED panels: a wrong address is refused with a sentence, a right
/// one is saved and plays with its figures shown, and the test pattern reaches the panel.
#[test]
fn the_settings_pane_adds_a_panel_shows_its_figures_and_sends_the_test_pattern() {
    let dir = tempfile::tempdir().unwrap();
    let receiver = Receiver::ddp(64);
    let app = PlayerApp::new(StartOptions {
        paths: vec![write_two_colour(dir.path())],
        settings: Some(Settings {
            show_settings: true,
            ..Settings::default()
        }),
        ..StartOptions::default()
    });
    let mut h = harness_of(app, [1200.0, 1600.0], None);
    h.run_steps(2);
    let field = "Add a panel by address:";
    let type_and_add = |h: &mut Harness<'_, PlayerApp>, text: &str| {
        h.get_by_label(field).focus();
        h.step();
        h.get_by_label(field).type_text(text);
        h.step();
        h.get_by_label("Add panel").click();
        h.run_steps(2);
    };
    type_and_add(&mut h, "http://127.0.0.1:4048");
    h.get_by_label_contains("use ddp://HOST (WLED)");
    assert!(h.state().settings().outputs.is_empty());

    // The field still holds the wrong text: cleared by selecting it all first.
    h.get_by_label(field).focus();
    h.key_press_modifiers(eframe::egui::Modifiers::COMMAND, eframe::egui::Key::A);
    h.key_press(eframe::egui::Key::Backspace);
    h.step();
    let url = format!("ddp://127.0.0.1:{}?size=8x8", receiver.port);
    type_and_add(&mut h, &url);
    assert_eq!(
        h.state().settings().outputs,
        [SavedOutput {
            url: url.clone(),
            enabled: true
        }]
    );
    receiver.next();
    run_until(&mut h, "the pane says sending", |_| true);
    h.get_by_label_contains("Sending · ");
    h.check_accessibility();

    h.get_by_label("Test pattern").click();
    h.run_steps(2);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, frame) = receiver.next();
        // The top-left LED dark, red beside it, white at the bottom-right.
        if frame[..6] == [0, 0, 0, 255, 0, 0] && frame[63 * 3..] == [255, 255, 255] {
            break;
        }
        assert!(Instant::now() < deadline, "no test pattern came");
    }
}

/// WLED leaves live mode after 2.5 s without data: a still frame goes out again each second.
#[test]
fn a_still_frame_is_sent_again_each_second() {
    use makapix_player::outputs::{LedColours, Outputs};
    let receiver = Receiver::ddp(4);
    // Colours as they are (no gamma), to compare bytes.
    let url = format!("ddp://127.0.0.1:{}?size=2x2&gamma=1", receiver.port);
    let mut outputs = Outputs::default();
    outputs.sync([url.as_str()]);
    outputs.offer(&[Arc::new(LedColours {
        size: [2, 2],
        colours: vec![[9, 8, 7]; 4],
    })]);
    let (first, frame) = receiver.next();
    assert_eq!(frame, [9, 8, 7].repeat(4));
    let (_, again) = receiver.next();
    assert_eq!(again, frame);
    let (_, third) = receiver.next();
    assert_eq!(third, frame);
    // Again each second, not as fast as it can: at most one send a second
    // since the offer, and the first.
    let status = outputs.status(&url).unwrap().unwrap();
    let seconds = first.elapsed().as_secs();
    assert!(status.sent <= seconds + 2, "{status:?} in {seconds} s");
}
