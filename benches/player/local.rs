//! Measures of the player on local files: start-up, CPU against Chromium,
//! peak memory by frame count, frame pacing.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::proc::{self, Chromium, Home, Player};
use crate::stats::{Row, mean, median, percentile};
use crate::xvfb::Xvfb;
use crate::{Mode, art};

fn args(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn path_arg(path: &Path) -> String {
    path.display().to_string()
}

const SOON: Duration = Duration::from_secs(60);

/// Process start to the first artwork painted, with empty per-user folders.
pub fn startup(bin: &Path, dir: &Path, mode: Mode) -> (Vec<Row>, String) {
    let file = art::write(dir, "start-256.png", &art::still(256));
    let x = Xvfb::start(1024, 768);
    let runs = if mode.smoke { 1 } else { 15 };
    let mut samples = Vec::new();
    for _ in 0..runs {
        let home = Home::new();
        let mut player = Player::spawn(
            bin,
            &home,
            &x.display,
            &[path_arg(&file), "--trace-timing".into()],
        );
        let first = player.wait("the first artwork", SOON, |t| t.kind == "first_artwork");
        samples.push(first.unix_us.saturating_sub(player.spawned_unix_us) as f64 / 1000.0);
    }
    let p50 = median(&samples);
    let rows = vec![Row::new(
        "start-up to first artwork, p50",
        format!("{p50:.0} ms"),
        "< 500 ms",
        Some(p50 < 500.0),
    )];
    let detail = format!(
        "{runs} starts of a 256×256 PNG (a still: the easiest first frame), new per-user folders each time; min/p50/max {:.0}/{:.0}/{:.0} ms.",
        percentile(&samples, 0.0),
        p50,
        percentile(&samples, 100.0)
    );
    (rows, detail)
}

/// CPU used by a process tree over `span`, in % of one core.
fn cpu_percent(pid: u32, span: Duration) -> f64 {
    let before = proc::tree_ticks(pid);
    std::thread::sleep(span);
    let after = proc::tree_ticks(pid);
    proc::tree_seconds(&before, &after) / span.as_secs_f64() * 100.0
}

/// The player in a 720×720 window, showing `file`; its CPU and the X server's.
fn player_cpu(bin: &Path, file: &Path, span: Duration) -> (f64, f64) {
    let x = Xvfb::start(720, 720);
    let home = Home::new();
    let args = args(&["--window-size", "720x720", "--fullscreen"]);
    let mut all = args.clone();
    all.push(path_arg(file));
    let player = Player::spawn(bin, &home, &x.display, &all);
    // Settle: start-up, decode and the first paints are not what is measured.
    std::thread::sleep(Duration::from_secs(3));
    let x_before = proc::tree_ticks(x.pid());
    let cpu = cpu_percent(player.pid, span);
    let x_after = proc::tree_ticks(x.pid());
    let x_cpu = proc::tree_seconds(&x_before, &x_after) / span.as_secs_f64() * 100.0;
    (cpu, x_cpu)
}

fn chromium_cpu(chromium: &Path, dir: &Path, file: &Path, span: Duration) -> f64 {
    let page = art::page(dir, file);
    let browser = Chromium::spawn(chromium, &page);
    std::thread::sleep(Duration::from_secs(5));
    cpu_percent(browser.pid, span)
}

pub fn cpu(bin: &Path, dir: &Path, mode: Mode) -> (Vec<Row>, String) {
    let span = Duration::from_secs(if mode.smoke { 2 } else { 60 });
    let still = art::write(dir, "still-64.png", &art::still(64));
    let anim = art::write(dir, "anim-64-10fps.gif", &art::gif(64, &[100; 20]));
    let (still_cpu, still_x) = player_cpu(bin, &still, span);
    let (anim_cpu, anim_x) = player_cpu(bin, &anim, span);
    let chromium = if mode.smoke { None } else { Chromium::find() };
    let peers = chromium.as_ref().map(|c| {
        (
            chromium_cpu(c, dir, &still, span),
            chromium_cpu(c, dir, &anim, span),
        )
    });
    let peer =
        |v: Option<f64>| v.map_or("not measured".to_owned(), |v| format!("Chromium {v:.2}%"));
    let rows = vec![
        Row::new(
            "CPU, static 64×64 artwork (% of one core)",
            format!("{still_cpu:.2}%"),
            "< 1%",
            Some(still_cpu < 1.0),
        )
        .peer(peer(peers.map(|p| p.0))),
        Row::new(
            "CPU, 64×64 animation at 10 frames/s (% of one core)",
            format!("{anim_cpu:.2}%"),
            "≤ ½ of Chromium",
            peers.map(|p| anim_cpu <= p.1 / 2.0),
        )
        .peer(peer(peers.map(|p| p.1))),
    ];
    let detail = format!(
        "{:.0} s each, after a settling pause; 720×720 window under Xvfb (player: its process; \
         Chromium: its whole process tree). The X server drew the player's frames with another \
         {still_x:.2}% (static) and {anim_x:.2}% (animation); headless Chromium needs no X server.",
        span.as_secs_f64()
    );
    (rows, detail)
}

pub fn memory(bin: &Path, dir: &Path, mode: Mode) -> (Vec<Row>, String) {
    let counts: &[usize] = if mode.smoke {
        &[3, 6]
    } else {
        &[100, 300, 1000]
    };
    let x = Xvfb::start(1024, 768);
    let mut peaks = Vec::new();
    for &count in counts {
        let file = art::write(
            dir,
            &format!("anim-256-{count}.png"),
            &art::apng(256, count, 40),
        );
        let home = Home::new();
        let mut player = Player::spawn(
            bin,
            &home,
            &x.display,
            &[path_arg(&file), "--trace-timing".into()],
        );
        player.wait("the animation on screen", Duration::from_secs(180), |t| {
            t.kind == "first_artwork"
        });
        // One whole loop (frames may be prepared as they come), capped for the longest.
        let loop_time = Duration::from_millis(40 * count as u64).min(Duration::from_secs(45));
        std::thread::sleep(loop_time + Duration::from_secs(1));
        peaks.push((count, player.peak_rss_kib() as f64 / 1024.0));
    }
    let mut rows: Vec<Row> = peaks
        .iter()
        .map(|(count, mib)| {
            let last = *count == counts[counts.len() - 1];
            Row::new(
                &format!("peak RSS, 256×256 animation of {count} frames"),
                format!("{mib:.0} MiB"),
                if last { "< 150 MB" } else { "bounded" },
                last.then_some(*mib * 1.048_576 < 150.0),
            )
        })
        .collect();
    if let [(n0, first), .., (n1, last)] = peaks.as_slice() {
        // A bounded store costs (nearly) nothing per extra frame; one decoded frame is 256 KiB.
        let per_frame_kib = (last - first) * 1024.0 / (n1 - n0) as f64;
        rows.push(Row::new(
            "peak RSS per extra frame",
            format!("{per_frame_kib:.0} KiB (a decoded frame is 256 KiB)"),
            "does not grow without bound",
            Some(per_frame_kib < 25.6),
        ));
    }
    let detail = "VmHWM of the release binary under Xvfb, each animation played one loop \
                  (at most 45 s) from a new process; 40 ms frames, APNG of a pattern of at most 256 \
                  colours that compacts well (a best case: the screen section's GIF changes every \
                  pixel in every frame)."
        .to_owned();
    (rows, detail)
}

pub fn pacing(bin: &Path, dir: &Path, mode: Mode) -> (Vec<Row>, String) {
    let delays: [u64; 8] = [20, 50, 80, 130, 40, 100, 30, 70];
    let file = art::write(dir, "pacing-64.gif", &art::gif(64, &delays));
    let span = Duration::from_secs(if mode.smoke { 2 } else { 20 });
    let x = Xvfb::start(1024, 768);
    let home = Home::new();
    let mut player = Player::spawn(
        bin,
        &home,
        &x.display,
        &[path_arg(&file), "--trace-timing".into()],
    );
    player.wait("the animation on screen", SOON, |t| {
        t.kind == "first_artwork"
    });
    std::thread::sleep(span);
    let changes = frame_changes(&player.timings());
    let report = schedule_errors(&changes, &delays);
    let nominal = delays.iter().sum::<u64>() as f64;
    let loop_error = (report.mean_loop_ms - nominal).abs() / nominal * 100.0;
    let rows = vec![
        Row::new(
            "frame pacing: mean absolute error, presented vs scheduled",
            format!("{:.2} ms", report.mean_abs_ms),
            "< 4 ms",
            Some(report.mean_abs_ms < 4.0),
        ),
        Row::new(
            "frame pacing: loop length vs file",
            format!(
                "{:.1} ms vs {nominal:.0} ms ({loop_error:.2}%)",
                report.mean_loop_ms
            ),
            "within 0.5%",
            Some(loop_error <= 0.5),
        ),
    ];
    let detail = format!(
        "{:.0} s of a 64×64 GIF with delays {delays:?} ms; {} frame changes presented, {} frames skipped, \
         p99 absolute error {:.1} ms, error of the last frame {:+.1} ms (drift); errors are measured \
         against the schedule's best-fitting phase (the median error).",
        span.as_secs_f64(),
        changes.len(),
        report.skipped,
        report.p99_abs_ms,
        report.end_error_ms
    );
    (rows, detail)
}

/// (mono µs, frame) of each present that shows a different frame than the one before.
fn frame_changes(timings: &[proc::Timing]) -> Vec<(u64, usize)> {
    let mut out: Vec<(u64, usize)> = Vec::new();
    for t in timings.iter().filter(|t| t.kind == "present") {
        let Some(frame) = t.number("frame") else {
            continue;
        };
        let frame = frame as usize;
        if out.last().is_none_or(|(_, f)| *f != frame) {
            out.push((t.mono_us, frame));
        }
    }
    out
}

pub struct Pacing {
    pub mean_abs_ms: f64,
    pub p99_abs_ms: f64,
    pub end_error_ms: f64,
    pub mean_loop_ms: f64,
    pub skipped: usize,
}

/// Each frame change against the file's schedule. The schedule's phase is the
/// one that fits best (the median error): the player's animation clock starts
/// when the artwork becomes current, a moment an observer cannot see.
pub fn schedule_errors(changes: &[(u64, usize)], delays: &[u64]) -> Pacing {
    let n = delays.len();
    let mut raw = Vec::new();
    // (µs since the first change, whole loops scheduled by then) at each return to frame 0.
    let mut loop_starts: Vec<(u64, u64)> = Vec::new();
    let mut skipped = 0;
    let (Some(&(t0, f0)), true) = (changes.first(), n > 0) else {
        return Pacing {
            mean_abs_ms: 0.0,
            p99_abs_ms: 0.0,
            end_error_ms: 0.0,
            mean_loop_ms: 0.0,
            skipped,
        };
    };
    let loop_us: u64 = delays.iter().sum::<u64>() * 1000;
    // Scheduled start of the current frame, in µs from t0.
    let mut scheduled_us = 0u64;
    let mut frame = f0;
    for &(t, f) in &changes[1..] {
        let steps = (f + n - frame) % n;
        skipped += steps.saturating_sub(1);
        for k in 0..steps {
            scheduled_us += delays[(frame + k) % n] * 1000;
        }
        frame = f;
        let at = t.saturating_sub(t0);
        raw.push(at as f64 / 1000.0 - scheduled_us as f64 / 1000.0);
        if f == 0 && loop_us > 0 {
            loop_starts.push((at, scheduled_us / loop_us));
        }
    }
    let phase = median(&raw);
    let abs: Vec<f64> = raw.iter().map(|e| (e - phase).abs()).collect();
    let mean_loop_ms = match (loop_starts.first(), loop_starts.last()) {
        (Some((a, la)), Some((b, lb))) if lb > la => (b - a) as f64 / 1000.0 / (lb - la) as f64,
        _ => 0.0,
    };
    Pacing {
        mean_abs_ms: mean(&abs),
        p99_abs_ms: percentile(&abs, 99.0),
        end_error_ms: raw.last().map_or(0.0, |e| e - phase),
        mean_loop_ms,
        skipped,
    }
}

pub fn out_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-player");
    std::fs::create_dir_all(&dir).expect("the benchmark's folder");
    dir
}

/// The pacing arithmetic on made-up runs, so a smoke run notices if it breaks.
pub fn check_pacing_math() {
    let delays = [20, 50];
    let perfect = [(0, 0), (20_000, 1), (70_000, 0), (90_000, 1), (140_000, 0)];
    let p = schedule_errors(&perfect, &delays);
    assert!(p.mean_abs_ms.abs() < 1e-9 && (p.mean_loop_ms - 70.0).abs() < 1e-9);
    let late = [(0, 0), (25_000, 1), (70_000, 0)];
    assert!((schedule_errors(&late, &delays).mean_abs_ms - 2.5).abs() < 1e-9);
    // A skipped return to frame 0 must not stretch the measured loop.
    let missed_start = [
        (0, 0),
        (20_000, 1),
        (70_000, 2),
        (100_000, 0),
        (120_000, 1),
        (170_000, 2),
        (220_000, 1),
        (270_000, 2),
        (300_000, 0),
    ];
    let p = schedule_errors(&missed_start, &[20, 50, 30]);
    assert!(p.skipped == 1 && p.mean_abs_ms.abs() < 1e-9);
    assert!((p.mean_loop_ms - 100.0).abs() < 1e-9, "{}", p.mean_loop_ms);
    let skipping = [(0, 0), (70_000, 2)];
    let p = schedule_errors(&skipping, &[20, 50, 30]);
    assert!(p.skipped == 1 && p.mean_abs_ms.abs() < 1e-9);
}
