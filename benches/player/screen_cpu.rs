//! CPU of the player and of Chromium showing the same animated GIF, both in a
//! 720×720 window on the same kind of Xvfb screen, scaled alike (the page shows
//! the GIF at the size the player drew it, centred on black), 3 runs each.
//! Both pay for the X server's work, so its CPU is counted beside theirs.

use std::path::Path;
use std::time::Duration;

use crate::art::{self, MARKERS};
use crate::outside::{SIDE, window_args};
use crate::proc::{self, Chromium, Home, Player};
use crate::screen::{Region, Screen};
use crate::stats::Seen;
use crate::xvfb::Xvfb;
use crate::{Mode, Report};

const SOON: Duration = Duration::from_secs(60);

#[derive(Clone, Copy)]
pub struct Use {
    /// % of one core: the program (its whole process tree), the X server.
    pub own: f64,
    pub x: f64,
    /// Of `own`, what llvmpipe's rasteriser threads took (0 for a program without them).
    pub raster: f64,
    /// Context switches per second of the program's threads.
    pub switches: f64,
}

pub fn measure(pid: u32, x_pid: u32, span: Duration) -> Use {
    let (before, x_before) = (proc::tree_ticks(pid), proc::tree_ticks(x_pid));
    let raster_before = proc::raster_ticks(pid);
    let sw_before: u64 = proc::tree(pid)
        .into_iter()
        .map(proc::context_switches)
        .sum();
    std::thread::sleep(span);
    let (after, x_after) = (proc::tree_ticks(pid), proc::tree_ticks(x_pid));
    let raster_after = proc::raster_ticks(pid);
    let sw_after: u64 = proc::tree(pid)
        .into_iter()
        .map(proc::context_switches)
        .sum();
    let pct = |b, a| proc::tree_seconds(b, a) / span.as_secs_f64() * 100.0;
    Use {
        own: pct(&before, &after),
        x: pct(&x_before, &x_after),
        raster: raster_after.saturating_sub(raster_before) as f64
            / proc::ticks_per_second()
            / span.as_secs_f64()
            * 100.0,
        switches: sw_after.saturating_sub(sw_before) as f64 / span.as_secs_f64(),
    }
}

/// The run whose `key` is the median (nearest rank, as `stats::median`), whole:
/// its columns add up to the total it is ranked by, which medians taken column
/// by column need not.
pub fn median_run(runs: &[Use], key: fn(&Use) -> f64) -> Use {
    let mut sorted = runs.to_vec();
    sorted.sort_by(|a, b| key(a).total_cmp(&key(b)));
    let rank = sorted.len().div_ceil(2).max(1);
    sorted[rank - 1]
}

/// The program and the X server together.
pub fn total(u: &Use) -> f64 {
    u.own + u.x
}

pub fn cpu(bin: &Path, dir: &Path, mode: Mode) -> Report {
    let runs = if mode.smoke { 1 } else { 3 };
    let span = Duration::from_secs(if mode.smoke { 2 } else { 20 });
    let settle = Duration::from_secs(if mode.smoke { 1 } else { 3 });
    let marker = MARKERS[1];
    // 64×64 at 10 frames/s, the pattern moving around a still middle square.
    let file = art::write(
        dir,
        "screen-cpu-64-10fps.gif",
        &art::marked_gif(64, &[100; 20], &[marker; 20]),
    );
    let mut player_runs = Vec::new();
    let mut shown: Option<Region> = None;
    let mut profile = None;
    for run in 0..runs {
        let x = Xvfb::start(SIDE, SIDE);
        let screen = Screen::connect(&x.display);
        let home = Home::new();
        let player = Player::spawn(bin, &home, &x.display, &window_args(&file, false));
        shown = Some(
            screen
                .locate_within(&[marker], SOON)
                .expect("no art pixels were found on the screen (player CPU)"),
        );
        std::thread::sleep(settle);
        player_runs.push(measure(player.pid, x.pid(), span));
        if run == runs - 1 && !mode.smoke {
            profile = proc::perf_profile(&[player.pid, x.pid()], Duration::from_secs(10));
        }
    }
    let shown = shown.expect("at least one run");
    // The middle square is 32 of the GIF's 64 pixels: the player's scale.
    let side = u32::from(shown.w) * 2;
    let chromium = Chromium::find();
    let mut peer_runs = Vec::new();
    if let Some(chromium) = &chromium {
        let page = art::page_sized(dir, &file, side, true);
        for _ in 0..runs {
            let x = Xvfb::start(SIDE, SIDE);
            let screen = Screen::connect(&x.display);
            let browser = Chromium::spawn_window(chromium, &page, &x.display);
            let theirs = screen
                .locate_within(&[marker], SOON)
                .expect("no art pixels of Chromium's were found on the screen");
            assert!(
                theirs.w.abs_diff(shown.w) <= 2,
                "Chromium showed the GIF at another size ({}) than the player ({})",
                theirs.w,
                shown.w
            );
            std::thread::sleep(settle);
            peer_runs.push(measure(browser.pid, x.pid(), span));
        }
    }
    let ours = median_run(&player_runs, total);
    let theirs = (!peer_runs.is_empty()).then(|| median_run(&peer_runs, total));
    let peer = |f: fn(&Use) -> f64| {
        theirs.map_or("Chromium not installed".to_owned(), |t| {
            format!("Chromium {:.2}%", f(&t))
        })
    };
    let rows = vec![
        Seen::new(
            "CPU, 64×64 GIF at 10 frames/s in 720×720, the program (% of one core)",
            "—".into(),
            format!("{:.2}%", ours.own),
            "≤ ½ of Chromium's",
        )
        .peer(peer(|u| u.own)),
        Seen::new(
            "CPU, the same, program + X server",
            "—".into(),
            format!("{:.2}%", ours.own + ours.x),
            "≤ ½ of Chromium's",
        )
        .peer(peer(|u| u.own + u.x)),
    ];
    let rows = match theirs {
        Some(t) => {
            let mut rows = rows;
            // Issue 27: half of Chromium's CPU.
            rows[0].met = Some(ours.own <= t.own / 2.0);
            rows[1].met = Some(ours.own + ours.x <= (t.own + t.x) / 2.0);
            rows
        }
        None => rows,
    };
    let detail = format!(
        "{runs} runs each of {:.0} s after a {:.0} s settle, the median run by the sum of the \
         program and its X server; each program alone on its own Xvfb, full screen, the GIF \
         drawn {side}×{side} by both (checked on the screen). Chromium runs with a window (not \
         headless) and its own software compositor; its whole process tree is counted. The X \
         server: {:.2}% beside the player, {} beside Chromium.",
        span.as_secs_f64(),
        settle.as_secs_f64(),
        ours.x,
        theirs.map_or("—".to_owned(), |t| format!("{:.2}%", t.x)),
    );
    // % of one core = ms of CPU per 100 ms; 10 frames a second.
    let per_frame = |pct: f64| pct / 100.0 * 1000.0 / 10.0;
    let breakdown = format!(
        "per frame shown, the player spent {:.1} ms of CPU and the X server {:.1} ms{}; the \
         player's threads switched context {:.0} times a second for 10 frames a second ({}); \
         {}",
        per_frame(ours.own),
        per_frame(ours.x),
        theirs.map_or(String::new(), |t| format!(
            " (Chromium {:.1} ms, its X server {:.1} ms)",
            per_frame(t.own),
            per_frame(t.x)
        )),
        ours.switches,
        theirs.map_or("Chromium not measured".to_owned(), |t| format!(
            "Chromium's processes {:.0}",
            t.switches
        )),
        proc::profile_text(profile, "the player and its X server"),
    );
    Report {
        rows,
        detail,
        breakdown,
    }
}
