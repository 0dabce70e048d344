//! Playback of frames the player does not keep (issue 16): a 256×256 APNG of
//! about 64 500 colours a frame, more than a palette holds, so each frame is
//! decoded again from the file as it comes due (src/media/replay.rs). Its
//! pacing as the screen shows it and its CPU, full screen at 720×720, with
//! Chromium showing the same file on its own Xvfb in the same run.

use std::path::Path;
use std::time::Duration;

use crate::art::{self, MARKERS};
use crate::local::schedule_errors;
use crate::outside::{SIDE, holds, nearest, presented_changes, window_args};
use crate::proc::{self, Chromium, Player};
use crate::screen::{Region, Screen};
use crate::screen_cpu::{Use, measure};
use crate::stats::{Seen, median, percentile};
use crate::xvfb::Xvfb;
use crate::{Mode, Report};

const SOON: Duration = Duration::from_secs(60);
const DELAY_MS: u64 = 50;
/// Frames in the file: five rounds of the eight marker colours (2 s a loop).
const FRAMES: usize = 40;

/// What the screen showed of one program playing the file, and what it cost.
struct Played {
    /// (wall µs, frame mod 8) of each change seen on the screen.
    seen: Vec<(u64, usize)>,
    cpu: Use,
    /// The marker square's bounding box on the screen.
    shown: Region,
}

/// Records `span` of frame changes on the screen, then measures `pid`'s CPU for as
/// long with the poller quiet (its GetImage calls cost the X server CPU).
/// `size`: the width the art must show at before it counts as found (Chromium's
/// window is white before its page, and white is one of the markers).
fn play(
    screen: &mut Screen,
    pid: u32,
    x_pid: u32,
    span: Duration,
    size: Option<u16>,
    what: &str,
) -> Played {
    let shown = match size {
        Some(w) => crate::screen_peer::find(screen, (&MARKERS, w), SOON, what),
        None => screen
            .locate_within(&MARKERS, SOON)
            .unwrap_or_else(|| panic!("no art pixels were found on the screen ({what})")),
    };
    // Settle: the first decode and paints are not what is measured.
    std::thread::sleep(Duration::from_secs(1));
    let seen: Vec<(u64, usize)> = screen
        .record(shown.middle(), span)
        .into_iter()
        .filter_map(|(t, c)| Some((t, nearest(c, &MARKERS)?)))
        .collect();
    assert!(
        seen.len() > 2,
        "the many-colour animation's frames never changed on the screen ({what})"
    );
    let cpu = measure(pid, x_pid, span);
    Played { seen, cpu, shown }
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

/// Each frame the screen held more than half a vsync over its delay, against the
/// present of the same frame inside: was it painted late, or late to the screen?
fn held_detail(seen: &[(u64, usize)], numbered: &[(u64, usize)]) -> String {
    let n = MARKERS.len();
    let late: Vec<String> = seen
        .windows(2)
        .filter(|w| (w[0].1 + 1) % n == w[1].1)
        .filter(|w| ms(w[1].0 - w[0].0) - DELAY_MS as f64 > 1000.0 / 60.0 / 2.0)
        .filter_map(|w| {
            // The last present of the held frame before its pixels showed, and the next one.
            let at = numbered
                .iter()
                .rposition(|(t, f)| f % n == w[0].1 && *t <= w[0].0)?;
            let (painted, frame) = numbered[at];
            let next = numbered.get(at + 1)?.0;
            Some(format!(
                "frame {frame} of {FRAMES}: held +{:.1} ms on the screen, +{:.1} ms inside                  (its pixels {:.1} ms after its paint, the next frame's {:.1} ms after that                  paint)",
                ms(w[1].0 - w[0].0) - DELAY_MS as f64,
                ms(next - painted) - DELAY_MS as f64,
                ms(w[0].0 - painted),
                ms(w[1].0.saturating_sub(next)),
            ))
        })
        .collect();
    if late.is_empty() {
        "no frame held a vsync longer on the screen".to_owned()
    } else {
        format!("held on the screen: {}", late.join("; "))
    }
}

pub fn replay(bin: &Path, dir: &Path, mode: Mode) -> Report {
    let span = Duration::from_secs(if mode.smoke { 2 } else { 15 });
    let file = art::write(
        dir,
        "screen-replay-256-many-colours.png",
        &art::many_colour_marked_apng(256, FRAMES, DELAY_MS, &MARKERS),
    );
    let delays = [DELAY_MS; MARKERS.len()];

    let x = Xvfb::start(SIDE, SIDE);
    let mut screen = Screen::connect(&x.display);
    let home = proc::Home::new();
    let player = Player::spawn(bin, &home, &x.display, &window_args(&file, true));
    let ours = play(&mut screen, player.pid, x.pid(), span, None, "player");
    let profile = (!mode.smoke)
        .then(|| proc::perf_profile(&[player.pid, x.pid()], Duration::from_secs(10)))
        .flatten();
    let (from, to) = (ours.seen[0].0, ours.seen[ours.seen.len() - 1].0);
    let timings = player.timings();
    // The file's frame numbers, and the marker each shows (what the screen tells apart).
    let numbered = presented_changes(&timings, from.saturating_sub(200_000), to);
    let inside: Vec<(u64, usize)> = numbered
        .iter()
        .map(|(t, f)| (*t, f % MARKERS.len()))
        .collect();
    let gaps: Vec<f64> = screen.poll_gaps_us.iter().map(|g| ms(*g)).collect();
    drop(player);
    drop(x);

    // The square is an eighth of the art's side: the size the player drew the art.
    let side = u32::from(ours.shown.w) * 8;
    let chromium = (!mode.smoke).then(Chromium::find).flatten();
    let theirs = chromium.as_ref().map(|chromium| {
        let page = art::page_sized(dir, &file, side, true);
        let x = Xvfb::start(SIDE, SIDE);
        let mut screen = Screen::connect(&x.display);
        let browser = Chromium::spawn_window(chromium, &page, &x.display);
        play(
            &mut screen,
            browser.pid,
            x.pid(),
            span,
            Some(ours.shown.w),
            "Chromium",
        )
    });

    let (out_p, in_p) = (
        schedule_errors(&ours.seen, &delays),
        schedule_errors(&inside, &delays),
    );
    let (_, out_late, out_max) = holds(&ours.seen, &delays);
    let (_, in_late, in_max) = holds(&inside, &delays);
    let peer_pacing = theirs.as_ref().map(|t| schedule_errors(&t.seen, &delays));
    let peer = |f: &dyn Fn(&Played) -> String| {
        theirs.as_ref().map_or_else(
            || "Chromium not measured (smoke run or not installed)".to_owned(),
            |t| format!("Chromium {}", f(t)),
        )
    };
    let pct = |u: &Use| format!("{:.2}%", u.own);
    let pct_x = |u: &Use| format!("{:.2}% ({:.2}% + {:.2}%)", u.own + u.x, u.own, u.x);
    let mut rows = vec![
        Seen::new(
            "many-colour replay, pacing: mean absolute error vs the file's schedule",
            format!("{:.2} ms", in_p.mean_abs_ms),
            format!("{:.2} ms", out_p.mean_abs_ms),
            "≤ 3 ms",
        )
        .met(out_p.mean_abs_ms <= 3.0)
        .peer(peer(&|t| {
            format!("{:.2} ms", schedule_errors(&t.seen, &delays).mean_abs_ms)
        })),
        Seen::new(
            "many-colour replay, frames held a vsync longer (> 8.3 ms over their delay)",
            format!("{in_late} (longest +{in_max:.1} ms)"),
            format!("{out_late} (longest +{out_max:.1} ms)"),
            "none",
        )
        .met(out_late == 0)
        .peer(peer(&|t| {
            let (_, late, max) = holds(&t.seen, &delays);
            format!("{late} (longest +{max:.1} ms)")
        })),
        Seen::new(
            "many-colour replay, frames skipped",
            in_p.skipped.to_string(),
            out_p.skipped.to_string(),
            "—",
        )
        .peer(peer(&|t| {
            schedule_errors(&t.seen, &delays).skipped.to_string()
        })),
        Seen::new(
            "many-colour replay, CPU of the program (% of one core)",
            "—".into(),
            pct(&ours.cpu),
            "≤ Chromium's",
        )
        .peer(peer(&|t| pct(&t.cpu))),
        Seen::new(
            "many-colour replay, CPU of the program + X server",
            "—".into(),
            pct_x(&ours.cpu),
            "≤ Chromium's",
        )
        .peer(peer(&|t| pct_x(&t.cpu))),
    ];
    if let Some(t) = &theirs {
        rows[3].met = Some(ours.cpu.own <= t.cpu.own);
        rows[4].met = Some(ours.cpu.own + ours.cpu.x <= t.cpu.own + t.cpu.x);
    }
    let detail = format!(
        "A 256×256 APNG of {FRAMES} frames of {DELAY_MS} ms, about 64 500 colours a frame \
         (every pixel outside a middle square its own colour, changing every frame; the \
         square a marker colour that cycles through 8, for the poller), full screen at \
         720×720, drawn {side}×{side} (by Chromium too, checked on the screen). The player \
         keeps no such frame: it decodes each again from the file as it comes due. Each \
         program alone on its own Xvfb: {:.0} s of the screen polled (every {:.2} ms p50, \
         p99 {:.2} ms; {} changes seen beside the player{}), then {:.0} s of CPU with the \
         poller quiet; Chromium's whole process tree is counted.",
        span.as_secs_f64(),
        median(&gaps),
        percentile(&gaps, 99.0),
        ours.seen.len(),
        theirs.as_ref().map_or(String::new(), |t| format!(
            ", {} beside Chromium",
            t.seen.len()
        )),
        span.as_secs_f64(),
    );
    // % of one core = ms of CPU per 100 ms; one frame every DELAY_MS.
    let per_frame = |pct: f64| pct / 100.0 * DELAY_MS as f64;
    let lag: Vec<f64> = ours
        .seen
        .iter()
        .filter_map(|(t, f)| {
            let p = inside.iter().rev().find(|(pt, pf)| pf == f && pt <= t)?;
            Some(ms(t - p.0))
        })
        .collect();
    let breakdown = format!(
        "per frame shown the player spent {:.1} ms of CPU (the decode from the file among it) \
         and the X server {:.1} ms{}; paint of a frame (inside) → its pixels on the screen p50 \
         {:.1} ms, p99 {:.1} ms; {}; {}",
        per_frame(ours.cpu.own),
        per_frame(ours.cpu.x),
        match (&theirs, &peer_pacing) {
            (Some(t), Some(p)) => format!(
                " (Chromium {:.1} ms and its X server {:.1} ms; its p99 pacing error {:.2} ms)",
                per_frame(t.cpu.own),
                per_frame(t.cpu.x),
                p.p99_abs_ms
            ),
            _ => String::new(),
        },
        median(&lag),
        percentile(&lag, 99.0),
        held_detail(&ours.seen, &numbered),
        proc::profile_text(profile, "the player and its X server"),
    );
    Report {
        rows,
        detail,
        breakdown,
    }
}
