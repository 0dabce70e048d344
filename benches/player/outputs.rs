//! LED panel outputs and export (issue 26): what one `--output ddp://…` costs
//! beside the window, how soon and how evenly its frames reach a loopback DDP
//! receiver, and how long `makapix-player export` takes.
//!
//! The receiver here reads the DDP packets itself (10-byte header, push flag in
//! the first byte) and stamps each frame's push packet with the wall clock, the
//! same clock as the `unix_us` of the player's `--trace-timing` `present` lines.

use std::net::UdpSocket;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::Mode;
use crate::art::{self, MARKERS};
use crate::outside::{SIDE, window_args};
use crate::proc::{Home, Player, unix_us};
use crate::screen::Screen;
use crate::screen_cpu::{Use, measure, median_run};
use crate::stats::{Row, mean, median, percentile};
use crate::xvfb::Xvfb;

const SOON: Duration = Duration::from_secs(60);
/// The file's delays (ms), cycled over its 20 frames: uneven, so the receiver's
/// timing is checked against each frame's own delay.
const DELAYS: [u64; 4] = [50, 100, 150, 100];

/// A loopback DDP receiver: (arrival in unix µs, hash of the LED bytes) per push packet.
struct Receiver {
    port: u16,
    pushes: Arc<Mutex<Vec<(u64, u64)>>>,
    stop: Arc<AtomicBool>,
}

impl Receiver {
    fn start() -> Receiver {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("a loopback UDP socket");
        socket
            .set_read_timeout(Some(Duration::from_millis(100)))
            .expect("a read timeout");
        let port = socket.local_addr().expect("its address").port();
        let pushes: Arc<Mutex<Vec<(u64, u64)>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (p, s) = (Arc::clone(&pushes), Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut leds = vec![0u8; 64 * 64 * 3];
            let mut buf = [0u8; 2048];
            while !s.load(Ordering::Relaxed) {
                let Ok(n) = socket.recv(&mut buf) else {
                    continue;
                };
                let at = unix_us();
                if n < 10 {
                    continue;
                }
                let offset = u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]) as usize;
                let len = usize::from(u16::from_be_bytes([buf[8], buf[9]])).min(n - 10);
                if offset + len <= leds.len() {
                    leds[offset..offset + len].copy_from_slice(&buf[10..10 + len]);
                }
                if buf[0] & 0x01 != 0 {
                    p.lock().unwrap().push((at, hash(&leds)));
                }
            }
        });
        Receiver { port, pushes, stop }
    }

    fn url(&self) -> String {
        format!("ddp://127.0.0.1:{}?size=64x64", self.port)
    }

    fn pushes(&self) -> Vec<(u64, u64)> {
        self.pushes.lock().unwrap().clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn hash(bytes: &[u8]) -> u64 {
    use std::hash::{DefaultHasher, Hasher};
    let mut h = DefaultHasher::new();
    h.write(bytes);
    h.finish()
}

/// Each new frame the receiver got (resends of the same LEDs dropped).
fn new_frames(pushes: &[(u64, u64)]) -> Vec<u64> {
    let mut out = Vec::new();
    let mut last = None;
    for &(at, h) in pushes {
        if last != Some(h) {
            out.push(at);
            last = Some(h);
        }
    }
    out
}

/// For each frame the receiver got, the window's `present` of the frame nearest
/// in time: (arrival − present in ms, the frame's index in the file).
pub fn matched(arrivals: &[u64], presents: &[(u64, usize)]) -> Vec<(f64, usize)> {
    arrivals
        .iter()
        .filter_map(|&at| {
            presents
                .iter()
                .min_by_key(|(p, _)| p.abs_diff(at))
                .map(|&(p, frame)| ((at as f64 - p as f64) / 1000.0, frame))
        })
        .collect()
}

/// Receiver's interval after each frame against that frame's delay in the file: |error| in ms.
pub fn delay_errors(arrivals: &[u64], frames: &[usize], delays: &[u64]) -> Vec<f64> {
    arrivals
        .windows(2)
        .zip(frames)
        .map(|(w, &f)| {
            let seen = (w[1] - w[0]) as f64 / 1000.0;
            (seen - delays[f % delays.len()] as f64).abs()
        })
        .collect()
}

pub fn check_math() {
    let presents = [(1_000, 0), (51_000, 1), (151_000, 2)];
    let got = matched(&[1_500, 51_200, 150_900], &presents);
    assert_eq!(got.iter().map(|g| g.1).collect::<Vec<_>>(), [0, 1, 2]);
    assert!((got[0].0 - 0.5).abs() < 1e-9 && (got[2].0 + 0.1).abs() < 1e-9);
    let errs = delay_errors(&[1_500, 51_200, 150_900], &[0, 1, 2], &[50, 100, 150]);
    assert!((errs[0] - 0.3).abs() < 1e-9 && (errs[1] - 0.3).abs() < 1e-9);
}

pub fn outputs(bin: &Path, dir: &Path, mode: Mode) -> (Vec<Row>, String) {
    let runs = if mode.smoke { 1 } else { 3 };
    let span = Duration::from_secs(if mode.smoke { 2 } else { 15 });
    let settle = Duration::from_secs(if mode.smoke { 1 } else { 3 });
    let marker = MARKERS[1];
    let delays: Vec<u64> = DELAYS.iter().copied().cycle().take(20).collect();
    let file = art::write(
        dir,
        "outputs-64-gif.gif",
        &art::marked_gif(64, &delays, &[marker; 20]),
    );
    let fps = 1000.0 * delays.len() as f64 / delays.iter().sum::<u64>() as f64;

    // 1. CPU with and without one DDP output, alternating, on a fresh Xvfb each run.
    let mut plain = Vec::new();
    let mut with = Vec::new();
    for _ in 0..runs {
        for output in [false, true] {
            let receiver = Receiver::start();
            let mut args = window_args(&file, false);
            if output {
                args.splice(0..0, ["--output".to_owned(), receiver.url()]);
            }
            let x = Xvfb::start(SIDE, SIDE);
            let screen = Screen::connect(&x.display);
            let home = Home::new();
            let player = Player::spawn(bin, &home, &x.display, &args);
            screen
                .locate_within(&[marker], SOON)
                .expect("no art pixels were found on the screen (outputs CPU)");
            std::thread::sleep(settle);
            let u = measure(player.pid, x.pid(), span);
            if output {
                assert!(
                    !receiver.pushes().is_empty(),
                    "the loopback receiver got no frame:\n{}",
                    player.log()
                );
                with.push(u);
            } else {
                plain.push(u);
            }
        }
    }
    let own = |u: &Use| u.own;
    let (plain, with): (Use, Use) = (median_run(&plain, own), median_run(&with, own));
    let more = with.own - plain.own;

    // 2, 3. One traced run: the window's `present` lines beside the receiver's arrivals.
    let receiver = Receiver::start();
    let mut args = window_args(&file, true);
    args.splice(0..0, ["--output".to_owned(), receiver.url()]);
    let x = Xvfb::start(SIDE, SIDE);
    let screen = Screen::connect(&x.display);
    let home = Home::new();
    let player = Player::spawn(bin, &home, &x.display, &args);
    screen
        .locate_within(&[marker], SOON)
        .expect("no art pixels were found on the screen (outputs timing)");
    std::thread::sleep(settle);
    let from = unix_us();
    std::thread::sleep(span);
    let to = unix_us();
    let mut presents: Vec<(u64, usize)> = Vec::new();
    for t in player.timings().iter().filter(|t| t.kind == "present") {
        let Some(frame) = t.number("frame") else {
            continue;
        };
        // A frame's first present (the window repaints a frame it still shows).
        if presents.last().is_none_or(|&(_, f)| f != frame as usize) {
            presents.push((t.unix_us, frame as usize));
        }
    }
    drop(player);
    let arrivals: Vec<u64> = new_frames(&receiver.pushes())
        .into_iter()
        .filter(|&at| at >= from && at <= to)
        .collect();
    let pairs = matched(&arrivals, &presents);
    let lags: Vec<f64> = pairs.iter().map(|p| p.0).collect();
    let frames: Vec<usize> = pairs.iter().map(|p| p.1).collect();
    let errors = delay_errors(&arrivals, &frames, &delays);
    let (p50, p99) = (median(&lags), percentile(&lags, 99.0));
    let mae = mean(&errors);
    // The window's own pacing, from its present lines over the same span: what the output inherits.
    let shown: Vec<&(u64, usize)> = presents
        .iter()
        .filter(|(at, _)| *at >= from && *at <= to)
        .collect();
    let window_errors = delay_errors(
        &shown.iter().map(|p| p.0).collect::<Vec<_>>(),
        &shown.iter().map(|p| p.1).collect::<Vec<_>>(),
        &delays,
    );
    let window_mae = mean(&window_errors);

    // 4. Export: 120 frames of 64×64 at ×8 to a GIF, 5 runs (a smoke run: 6 frames once).
    let count = if mode.smoke { 6 } else { 120 };
    let long = art::write(
        dir,
        &format!("outputs-export-{count}.gif"),
        &art::gif(64, &vec![100; count]),
    );
    let exports = if mode.smoke { 1 } else { 5 };
    let mut took = Vec::new();
    for n in 0..exports {
        let out = dir.join(format!("outputs-export-{n}.gif"));
        let home = Home::new();
        let mut cmd = Command::new(bin);
        cmd.arg("export")
            .arg(&long)
            .args(["--preview", "led64x64", "--scale", "8", "-o"])
            .arg(&out);
        home.apply(&mut cmd);
        let start = Instant::now();
        let status = cmd.output().expect("the export runs");
        took.push(start.elapsed().as_secs_f64());
        assert!(
            status.status.success(),
            "export failed: {}",
            String::from_utf8_lossy(&status.stderr)
        );
    }
    let export_s = median(&took);

    let rows = vec![
        Row::new(
            "CPU, 64×64 GIF in the window, the player (% of one core): without → with one DDP output",
            format!("{:.2}% → {:.2}% ({more:+.2})", plain.own, with.own),
            "≤ 1 % of a core more",
            Some(more <= 1.0),
        ),
        Row::new(
            "Frame presented in the window → its push packet at the receiver, p50 / p99",
            format!("{p50:.2} / {p99:.2} ms"),
            "p99 ≤ 2 ms",
            Some(p99 <= 2.0),
        ),
        Row::new(
            "Frame timing at the receiver vs the file's delays, mean absolute error",
            format!("{mae:.2} ms"),
            "≤ 2 ms",
            Some(mae <= 2.0),
        ),
        Row::new(
            &format!("Export, {count} frames 64×64, LED 64×64 at ×8 to GIF (median of runs)"),
            format!("{export_s:.2} s"),
            "< 2 s",
            Some(export_s < 2.0),
        ),
    ];
    let detail = format!(
        "A 64×64 GIF of 20 frames with delays of 50/100/150/100 ms ({fps:.1} frames/s) in a \
         720×720 full-screen window on its own Xvfb; the DDP receiver is a UDP socket on \
         127.0.0.1 in the benchmark. CPU: {runs} runs each without and with \
         `--output ddp://127.0.0.1:PORT?size=64x64`, {:.0} s after a {:.0} s settle, the median \
         run by the player's CPU; the player's whole process (the sending thread included); X server {:.2}% → {:.2}%, \
         context switches a second {:.0} → {:.0}. Latency and timing: one run with \
         `--trace-timing`, {:.0} s, {} new frames at the receiver; each is matched to the \
         window's `present` line of the nearest frame (wall clock `unix_us` on both sides, the \
         same machine), arrival − present; the window offers a frame to the output in its \
         update pass, before the paint callback that logs `present`, so a negative figure means \
         the packet arrived before the present line was logged (min {:.2} ms, max {:.2} ms). \
         The timing error is the receiver's interval after each frame against that frame's delay \
         in the file ({} intervals, max {:.2} ms); the window's own `present` lines over the same span \
         are {window_mae:.2} ms off the file's delays (mean absolute error, max {:.2} ms). Export: {exports} runs of the binary measured \
         (`makapix-player export FILE --preview led64x64 --scale 8 -o out.gif`, process start \
         to exit; a 512×512 GIF), each {}.",
        span.as_secs_f64(),
        settle.as_secs_f64(),
        plain.x,
        with.x,
        plain.switches,
        with.switches,
        span.as_secs_f64(),
        arrivals.len(),
        lags.iter().copied().fold(f64::INFINITY, f64::min),
        lags.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        errors.len(),
        errors.iter().copied().fold(0.0, f64::max),
        window_errors.iter().copied().fold(0.0, f64::max),
        took.iter()
            .map(|s| format!("{s:.2} s"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    (rows, detail)
}
