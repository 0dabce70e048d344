//! The player on local files measured on the screen (issue 16): start-up to the
//! first art pixels, frame pacing as the screen shows it, peak memory of a long
//! animation. Each figure is put beside the player's own `--trace-timing` figure
//! from the same run, and the difference is taken apart; Chromium's, measured the
//! same way from outside in the same run (`screen_peer.rs`), is the peer's.

use std::path::Path;
use std::time::Duration;

use crate::art::{self, MARKERS, MOVING};
use crate::local::schedule_errors;
use crate::proc::{Home, Player, Timing};
use crate::screen::{Region, Rgb, Screen, near, shows};
use crate::screen_peer;
use crate::stats::{Seen, mean, median, percentile};
use crate::xvfb::Xvfb;
use crate::{Mode, Report};

const SOON: Duration = Duration::from_secs(60);
/// The player's window and the screen it fills, as in the CPU comparison.
pub const SIDE: u32 = 720;
/// One refresh of a 60 Hz display: a frame later than half of it would miss its vsync.
const HALF_VSYNC_MS: f64 = 1000.0 / 60.0 / 2.0;

pub fn window_args(file: &Path, trace: bool) -> Vec<String> {
    let mut args: Vec<String> = ["--window-size", "720x720", "--fullscreen"]
        .map(str::to_owned)
        .to_vec();
    if trace {
        args.push("--trace-timing".into());
    }
    args.push(file.display().to_string());
    args
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

/// Spawn → first art pixels on the screen, spawn → the player's first paint of
/// it, and that paint → the pixels, in ms, one of each per start.
#[derive(Default)]
struct Starts {
    outside: Vec<f64>,
    inside: Vec<f64>,
    lag: Vec<f64>,
}

/// `runs` starts of the player showing `file`, each with new per-user folders;
/// with `cache`, the cache folder (Mesa's shader cache) is that one, kept.
fn starts(
    bin: &Path,
    (x, screen, spot): (&Xvfb, &mut Screen, Region),
    (file, marker): (&Path, Rgb),
    runs: usize,
    cache: Option<&Path>,
) -> Starts {
    let mut seen_starts = Starts::default();
    for _ in 0..runs {
        screen
            .wait_for(spot, SOON, |c| !shows(c, marker))
            .expect("the screen cleared after the last player quit");
        let home = cache.map_or_else(Home::new, Home::with_cache);
        let mut player = Player::spawn(bin, &home, &x.display, &window_args(file, true));
        let (seen, _) = screen
            .wait_for(spot, SOON, |c| shows(c, marker))
            .expect("no art pixels were found on the screen after start-up");
        let first = player.wait("the first artwork", SOON, |t| t.kind == "first_artwork");
        seen_starts
            .outside
            .push(ms(seen.saturating_sub(player.spawned_unix_us)));
        seen_starts
            .inside
            .push(ms(first.unix_us.saturating_sub(player.spawned_unix_us)));
        seen_starts.lag.push(ms(seen.saturating_sub(first.unix_us)));
    }
    seen_starts
}

fn min_p50_max(s: &[f64]) -> String {
    format!(
        "{:.0}/{:.0}/{:.0} ms",
        percentile(s, 0.0),
        median(s),
        percentile(s, 100.0)
    )
}

/// Process spawn to the first art pixels on the screen: a first launch (new
/// per-user folders, so Mesa compiles its shaders) and a later one (new
/// folders but the cache folder of an earlier launch).
pub fn startup(bin: &Path, dir: &Path, mode: Mode) -> Report {
    let marker = MARKERS[0];
    let file = art::write(dir, "screen-start-256.png", &art::marked_still(256, marker));
    let x = Xvfb::start(SIDE, SIDE);
    let mut screen = Screen::connect(&x.display);
    let kept_cache = tempfile::tempdir().expect("a cache folder for later launches");
    // A first start finds where the art lands (a whole-screen scan, too slow to time)
    // and fills the cache folder the later launches keep.
    let at = {
        let home = Home::with_cache(kept_cache.path());
        let _player = Player::spawn(bin, &home, &x.display, &window_args(&file, false));
        screen
            .locate_within(&[marker], SOON)
            .expect("no art pixels were found on the screen after start-up")
    };
    let runs = if mode.smoke { 1 } else { 15 };
    let on = (&x, &mut screen, at.middle());
    let first = starts(bin, on, (&file, marker), runs, None);
    let on = (&x, &mut screen, at.middle());
    let later = starts(bin, on, (&file, marker), runs, Some(kept_cache.path()));
    drop(screen);
    drop(x);
    // The marker is the middle half of the art: the player drew the PNG twice as wide.
    let side = u32::from(at.w) * 2;
    let peer = screen_peer::chromium(mode.smoke)
        .map(|chromium| screen_peer::startup(&chromium, dir, &file, side, (marker, at.w), runs));
    startup_report(&first, &later, &peer, (runs, side))
}

fn startup_report(
    first: &Starts,
    later: &Starts,
    peer: &Result<Vec<f64>, &'static str>,
    (runs, side): (usize, u32),
) -> Report {
    let row = |what: &str, s: &Starts| {
        Seen::new(
            what,
            format!("{:.0} ms", median(&s.inside)),
            format!("{:.0} ms", median(&s.outside)),
            "≤ 120 ms",
        )
        .met(median(&s.outside) <= 120.0)
    };
    let mut rows = vec![
        row(
            "start-up to first art, p50, first launch (new shader cache)",
            first,
        ),
        row(
            "start-up to first art, p50, a later launch (shader cache kept)",
            later,
        ),
    ];
    if let Ok(theirs) = peer {
        rows[0].peer = format!("Chromium {:.0} ms", median(theirs));
    }
    let detail = format!(
        "{runs} starts each of a 256×256 PNG (a still: the easiest first frame) in a 720×720 \
         full-screen window, each from the spawn of the process to the first art pixels on the \
         screen. First launch: new per-user folders each time, so Mesa's shader cache \
         (under XDG_CACHE_HOME) is empty and llvmpipe compiles the shaders the first frame \
         needs; min/p50/max {}. Later launch: new config and data folders, the cache folder \
         of an earlier launch kept, as on a user's second day; min/p50/max {}. Chromium: {}.",
        min_p50_max(&first.outside),
        min_p50_max(&later.outside),
        match peer {
            Ok(theirs) => format!(
                "the same {runs} starts of the same PNG, after a first one that finds where it \
                 lands, on its own 720×720 Xvfb in a full-screen (kiosk) window with a new \
                 profile folder each time (a first launch), the PNG in a page that shows it \
                 {side}×{side} centred on black as the player draws it (checked on the \
                 screen), timed from the spawn to the same pixels the same way; min/p50/max {}",
                min_p50_max(theirs)
            ),
            Err(why) => why.to_string(),
        }
    );
    let breakdown = format!(
        "spawn → first paint of the art (inside) p50 {:.0} ms first launch, {:.0} ms later; \
         that paint → pixels on the screen (buffer swap, the X server's copy, poll interval) \
         p50 {:.1} ms, max {:.1} ms.",
        median(&first.inside),
        median(&later.inside),
        median(&first.lag),
        percentile(&first.lag, 100.0)
    );
    Report {
        rows,
        detail,
        breakdown,
    }
}

/// (wall µs, frame) of each present that shows another frame than the one before.
pub fn presented_changes(timings: &[Timing], from_us: u64, to_us: u64) -> Vec<(u64, usize)> {
    let mut out: Vec<(u64, usize)> = Vec::new();
    for t in timings
        .iter()
        .filter(|t| t.kind == "present" && t.unix_us >= from_us && t.unix_us <= to_us)
    {
        let Some(frame) = t.number("frame") else {
            continue;
        };
        if out.last().is_none_or(|(_, f)| *f != frame as usize) {
            out.push((t.unix_us, frame as usize));
        }
    }
    out
}

/// How long each frame stayed against its delay: (mean |held − delay| ms, frames held
/// more than half a vsync longer, the largest excess ms).
pub type Holds = (f64, usize, f64);

/// Each frame's time on the screen against its delay. Only steps of one frame count.
pub fn holds(changes: &[(u64, usize)], delays: &[u64]) -> Holds {
    let n = delays.len();
    let excess: Vec<f64> = changes
        .windows(2)
        .filter(|w| (w[0].1 + 1) % n == w[1].1)
        .map(|w| ms(w[1].0 - w[0].0) - delays[w[0].1] as f64)
        .collect();
    let abs: Vec<f64> = excess.iter().map(|e| e.abs()).collect();
    let late = excess.iter().filter(|e| **e > HALF_VSYNC_MS).count();
    (mean(&abs), late, percentile(&excess, 100.0))
}

pub fn nearest(colour: Rgb, palette: &[Rgb]) -> Option<usize> {
    palette.iter().position(|m| near(*m, colour))
}

/// The pacing GIF's frames as the screen shows them, against the file's delays.
pub fn pacing(bin: &Path, dir: &Path, mode: Mode) -> Report {
    let delays: [u64; 8] = [20, 50, 80, 130, 40, 100, 30, 70];
    let file = art::write(
        dir,
        "screen-pacing-64.gif",
        &art::marked_gif(64, &delays, &MARKERS),
    );
    let span = Duration::from_secs(if mode.smoke { 2 } else { 20 });
    let x = Xvfb::start(SIDE, SIDE);
    let mut screen = Screen::connect(&x.display);
    let home = Home::new();
    let player = Player::spawn(bin, &home, &x.display, &window_args(&file, true));
    let at = screen
        .locate_within(&MARKERS, SOON)
        .expect("no art pixels were found on the screen (pacing)");
    let spot = at.middle();
    // Settle: decoding and the first paints are not what is measured.
    std::thread::sleep(Duration::from_millis(500));
    let gaps_before = screen.poll_gaps_us.len();
    let seen: Vec<(u64, usize)> = screen
        .record(spot, span)
        .into_iter()
        .filter_map(|(t, c)| Some((t, nearest(c, &MARKERS)?)))
        .collect();
    assert!(
        seen.len() > 2,
        "the animation's frames never changed on the screen"
    );
    let (from, to) = (seen[0].0, seen[seen.len() - 1].0);
    let timings = player.timings();
    // Presents a little before the first seen change belong to it.
    let inside = presented_changes(&timings, from.saturating_sub(200_000), to);
    let out_p = schedule_errors(&seen, &delays);
    let in_p = schedule_errors(&inside, &delays);
    let (out_hold, out_late, out_max) = holds(&seen, &delays);
    let (in_hold, in_late, in_max) = holds(&inside, &delays);
    // Each change on the screen against the last present of that frame before it.
    let lag: Vec<f64> = seen
        .iter()
        .filter_map(|(t, f)| {
            let p = inside.iter().rev().find(|(pt, pf)| pf == f && pt <= t)?;
            Some(ms(t - p.0))
        })
        .collect();
    let presents: Vec<&Timing> = timings
        .iter()
        .filter(|t| t.kind == "present" && t.unix_us >= from && t.unix_us <= to)
        .collect();
    let pass: Vec<f64> = presents
        .iter()
        .filter_map(|t| t.number("pass_us"))
        .map(ms)
        .collect();
    let gaps: Vec<f64> = screen.poll_gaps_us[gaps_before..]
        .iter()
        .map(|g| ms(*g))
        .collect();
    drop((player, screen, x));
    // The marker is the middle half of the GIF: the player drew it twice as wide.
    let side = u32::from(at.w) * 2;
    let peer = screen_peer::chromium(mode.smoke).map(|chromium| {
        screen_peer::pacing(&chromium, dir, &file, side, (&MARKERS, at.w), &delays, span)
    });
    let theirs = |f: &dyn Fn(&screen_peer::Paced) -> String| {
        peer.as_ref()
            .map_or_else(|why| why.to_string(), |p| format!("Chromium {}", f(p)))
    };
    let rows = vec![
        Seen::new(
            "frame pacing: mean absolute error vs the file's schedule",
            format!("{:.2} ms", in_p.mean_abs_ms),
            format!("{:.2} ms", out_p.mean_abs_ms),
            "≤ 3 ms",
        )
        .peer(theirs(&|p| format!("{:.2} ms", p.schedule.mean_abs_ms)))
        .met(out_p.mean_abs_ms <= 3.0),
        Seen::new(
            "frame pacing: mean error of each frame's time on screen vs its delay",
            format!("{in_hold:.2} ms"),
            format!("{out_hold:.2} ms"),
            "—",
        )
        .peer(theirs(&|p| format!("{:.2} ms", p.holds.0))),
        Seen::new(
            "frame pacing: frames held a vsync longer (> 8.3 ms over their delay)",
            format!("{in_late} (longest +{in_max:.1} ms)"),
            format!("{out_late} (longest +{out_max:.1} ms)"),
            "none",
        )
        .peer(theirs(&|p| {
            format!("{} (longest +{:.1} ms)", p.holds.1, p.holds.2)
        }))
        .met(out_late == 0),
    ];
    let detail = format!(
        "{:.0} s of a 64×64 GIF with delays {delays:?} ms (a distinct colour in the middle of \
         each frame) full screen at 720×720; {} changes seen on the screen ({} frames skipped), \
         {} presented inside; the screen was polled every {:.2} ms (p50; p99 {:.2} ms). \
         Chromium: {}.",
        span.as_secs_f64(),
        seen.len(),
        out_p.skipped,
        inside.len(),
        median(&gaps),
        percentile(&gaps, 99.0),
        match &peer {
            Ok(p) => format!(
                "the same GIF for the same time after the same settle, on its own 720×720 Xvfb \
                 in a full-screen (kiosk) window, in a page that shows it {side}×{side} centred \
                 on black as the player draws it (checked on the screen), recorded by the same \
                 poller and scored the same way; {} changes seen ({} frames skipped). Browsers \
                 clamp GIF delays under 20 ms (these are all ≥ 20 ms, so Chromium plays the \
                 file's own schedule) and Chromium shows a new frame at its own compositor's \
                 next 60 Hz frame, so up to a vsync late by design",
                p.changes, p.schedule.skipped
            ),
            Err(why) => why.to_string(),
        }
    );
    let breakdown = format!(
        "paint of a frame (inside) → its pixels on the screen p50 {:.1} ms, p99 {:.1} ms; UI pass \
         start (the wake-up) → paint p50 {:.1} ms, p99 {:.1} ms; {} presents for {} frame changes \
         ({:.2} paints per change: repaints that show nothing new).",
        median(&lag),
        percentile(&lag, 99.0),
        median(&pass),
        percentile(&pass, 99.0),
        presents.len(),
        inside.len(),
        presents.len() as f64 / inside.len().max(1) as f64,
    );
    Report {
        rows,
        detail,
        breakdown,
    }
}

/// The player's memory after one loop, in MB, and where it showed the art.
struct Used {
    /// VmHWM: the process's peak resident set.
    peak: f64,
    /// Σ Pss of its process tree at the end of the loop, as Chromium's is measured.
    pss: f64,
    breakdown: String,
    shown: Region,
}

/// One loop of `file` (`count` frames of 20 ms) from a new process: its peak
/// RSS and Pss, and what its resident memory was made of at the end.
fn peak_of(bin: &Path, file: &Path, count: usize, colours: &[Rgb]) -> Used {
    let x = Xvfb::start(SIDE, SIDE);
    let screen = Screen::connect(&x.display);
    let home = Home::new();
    let player = Player::spawn(bin, &home, &x.display, &window_args(file, false));
    let shown = screen
        .locate_within(colours, Duration::from_secs(180))
        .expect("no art pixels were found on the screen (memory)");
    // One whole loop of 20 ms frames, so every frame was decoded and shown.
    std::thread::sleep(Duration::from_millis(20 * count as u64 + 1000));
    let mb = |kib: u64| kib as f64 * 1024.0 / 1e6;
    let pss: u64 = crate::proc::tree(player.pid)
        .into_iter()
        .filter_map(crate::smaps::pss_kib)
        .sum();
    let breakdown = format!(
        "{} By mapping, {}",
        crate::proc::memory_map(player.pid),
        crate::smaps::breakdown(player.pid)
    );
    Used {
        peak: mb(player.peak_rss_kib()),
        pss: mb(pss),
        breakdown,
        shown,
    }
}

/// Peak RSS with 1000-frame 256×256 animations whose every pixel changes each
/// frame: 4 colours (GIF), and a colour per pixel (APNG, replayed from the file);
/// Pss of the player and of Chromium showing the same files.
pub fn memory(bin: &Path, dir: &Path, mode: Mode) -> Report {
    let count = if mode.smoke { 30 } else { 1000 };
    let runs = if mode.smoke { 1 } else { 3 };
    let few = art::write(
        dir,
        &format!("screen-moving-256-{count}.gif"),
        &art::moving_gif(256, count, 2),
    );
    let many = art::write(
        dir,
        &format!("screen-many-colours-256-{count}.png"),
        &art::many_colour_apng(256, count, 20),
    );
    let mark = [art::MANY_COLOUR_MARK];
    let chromium = screen_peer::chromium(mode.smoke);
    let (mut rows, mut breakdowns, mut spreads) = (Vec::new(), Vec::new(), Vec::new());
    // Red, green and blue: black is also the window's background. The stripes cover
    // the whole GIF; the APNG's mark is its 16×16 corner, 1/16 of its side.
    let contents: [(&Path, &[Rgb], u32, &str); 2] = [
        (&few, &MOVING[1..], 1, "GIF of 4 colours"),
        (&many, &mark, 16, "APNG of 65 000 colours a frame"),
    ];
    for (file, colours, mark_part, what) in contents {
        let measured: Vec<Used> = (0..runs)
            .map(|_| peak_of(bin, file, count, colours))
            .collect();
        let peaks: Vec<f64> = measured.iter().map(|u| u.peak).collect();
        let mb = median(&peaks);
        let pss = median(&measured.iter().map(|u| u.pss).collect::<Vec<_>>());
        let list: Vec<String> = peaks.iter().map(|p| format!("{p:.0}")).collect();
        spreads.push(format!("the player, {what}: VmHWM {} MB", list.join(", ")));
        let Some(typical) = measured
            .iter()
            .min_by(|a, b| (a.peak - mb).abs().total_cmp(&(b.peak - mb).abs()))
        else {
            continue;
        };
        let shown = typical.shown;
        let side = u32::from(shown.w) * mark_part;
        let peer = chromium.as_ref().map(|c| {
            let runs: Vec<screen_peer::Memory> = (0..runs)
                .map(|_| screen_peer::memory(c, dir, file, side, (colours, shown.w), count))
                .collect();
            let list: Vec<String> = runs.iter().map(|m| format!("{:.0}", m.pss)).collect();
            spreads.push(format!("Chromium, {what}: Pss {} MB", list.join(", ")));
            screen_peer::median_memory(&runs)
        });
        let peer_cell = |f: &dyn Fn(&screen_peer::Memory) -> String| match &peer {
            Ok(Some(m)) => format!("Chromium {}", f(m)),
            Ok(None) => "Chromium not measured".to_owned(),
            Err(why) => why.to_string(),
        };
        rows.push(
            Seen::new(
                &format!("peak RSS (VmHWM), {count}-frame 256×256 {what}, every pixel changing"),
                "—".into(),
                format!("{mb:.0} MB"),
                "≤ 120 MB",
            )
            .peer(peer_cell(&|m| {
                format!(
                    "Σ VmHWM {:.0} MB over {} processes (shared pages counted in each)",
                    m.hwm_sum, m.processes
                )
            }))
            .met(mb <= 120.0),
        );
        rows.push(
            Seen::new(
                &format!("Pss at the end of the loop, the same {what}"),
                "—".into(),
                format!("{pss:.0} MB"),
                "—",
            )
            .peer(peer_cell(&|m| {
                format!("{:.0} MB ({} processes)", m.pss, m.processes)
            })),
        );
        breakdowns.push(format!(
            "{what} (the median run): {}{}",
            typical.breakdown,
            match &peer {
                Ok(Some(m)) => format!(" Chromium's Pss by process type: {}.", m.by_type),
                _ => String::new(),
            }
        ));
    }
    let decoded_mb = count as f64 * 256.0 * 256.0 * 4.0 / 1e6;
    let detail = format!(
        "The player: VmHWM (its peak resident set) after one loop (20 ms frames) from a new \
         process, full screen at 720×720, median of {runs} runs, and the Pss of its process \
         tree (/proc/PID/smaps_rollup: a page shared with n processes counts 1/n) at the end \
         of the same loops. Chromium: {}. Runs: {}. The GIF's frames are diagonal stripes of \
         4 colours moving one pixel per frame (every pixel changes, no run longer than a \
         pixel; 4 colours: easy for a bit-packed palette store); the APNG's have a colour per \
         pixel that changes every frame (the hardest content for a store, so it is decoded \
         again from the file as it plays). All frames as RGBA would be {decoded_mb:.0} MB.",
        match &chromium {
            Ok(_) => format!(
                "the same files for one loop from a new browser with a new profile, {runs} runs, \
                 on its own 720×720 Xvfb in a full-screen (kiosk) window, each file in a page \
                 that shows it at the size the player drew it, centred on black (checked on the \
                 screen); its memory is the sum over its whole process tree (browser, GPU and \
                 renderer processes, zygotes) at the end of the loop: Σ Pss, the median run, is \
                 the comparable figure; Σ VmHWM counts the pages its processes share (libraries, \
                 shared memory) once per process, so it overstates its memory. Pss also depends \
                 on what else maps the same files: a library another program on the machine \
                 has mapped counts in part to that program"
            ),
            Err(why) => why.to_string(),
        },
        spreads.join("; ")
    );
    Report {
        rows,
        detail,
        breakdown: breakdowns.join(" "),
    }
}
