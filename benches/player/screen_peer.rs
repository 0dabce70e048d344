//! Chromium, the peer, measured from outside the way `outside.rs` measures the
//! player: each time alone on its own Xvfb screen of the same size, in a
//! full-screen window (its own software compositor, no GPU), showing the very
//! same file at the size the player drew it (`art::page_sized`, centred on
//! black), seen by the same screen poller.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::art;
use crate::local::{Pacing, schedule_errors};
use crate::outside::{Holds, SIDE, holds, nearest};
use crate::proc::{self, Chromium, unix_us};
use crate::screen::{Region, Rgb, Screen, shows};
use crate::smaps;
use crate::stats::median;
use crate::xvfb::Xvfb;

const SOON: Duration = Duration::from_secs(60);

/// Chromium's side of a screen section: absent in a smoke run (`cargo test` runs no
/// browser) or when Chromium is not installed; the reason is what the peer cell says.
pub fn chromium(smoke: bool) -> Result<std::path::PathBuf, &'static str> {
    if smoke {
        Err("not run (smoke run)")
    } else {
        Chromium::find().ok_or("Chromium not installed")
    }
}

/// Where `colours` show as large as the player drew them (`w` pixels wide): Chromium's
/// window is white until the page is drawn, and white is one of the pacing markers.
/// Panics when they never do, with the size last seen.
pub fn find(screen: &Screen, (colours, w): (&[Rgb], u16), timeout: Duration, what: &str) -> Region {
    let deadline = Instant::now() + timeout;
    let mut last = None;
    while Instant::now() < deadline {
        match screen.locate(colours) {
            Some(at) if at.w.abs_diff(w) <= 2 => return at,
            seen => last = seen.map(|at| at.w).or(last),
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    match last {
        Some(seen) => {
            panic!("Chromium showed {what} at another size ({seen}) than the player ({w})")
        }
        None => panic!("no art pixels of Chromium's were found on the screen ({what})"),
    }
}

/// Chromium showing `page` on a new screen, once the art shows as the player drew it:
/// the screen, where, and the browser (the screen's X server is kept alive with it).
fn shown(
    chromium: &Path,
    page: &Path,
    art: (&[Rgb], u16),
    timeout: Duration,
    what: &str,
) -> (Xvfb, Screen, Chromium, Region) {
    let x = Xvfb::start(SIDE, SIDE);
    let screen = Screen::connect(&x.display);
    let browser = Chromium::spawn_window(chromium, page, &x.display);
    let at = find(&screen, art, timeout, what);
    (x, screen, browser, at)
}

/// Spawn → the first pixels of `marker` on the screen (ms), `runs` starts with a new
/// profile each (`Chromium::spawn_window` makes one), after a first start that finds
/// where the art lands. `w`: the marker's width as the player drew it.
pub fn startup(
    chromium: &Path,
    dir: &Path,
    file: &Path,
    side: u32,
    (marker, w): (Rgb, u16),
    runs: usize,
) -> Vec<f64> {
    let page = art::page_sized(dir, file, side, true);
    let x = Xvfb::start(SIDE, SIDE);
    let mut screen = Screen::connect(&x.display);
    let spot = {
        let _browser = Chromium::spawn_window(chromium, &page, &x.display);
        find(&screen, (&[marker], w), SOON, "the still").middle()
    };
    let mut samples = Vec::new();
    for _ in 0..runs {
        screen
            .wait_for(spot, SOON, |c| !shows(c, marker))
            .expect("the screen cleared after the last Chromium quit");
        // The wall clock just before the spawn, as `Player::spawn` takes it (the new
        // profile folder is made in between: a fraction of a millisecond).
        let spawned = unix_us();
        let _browser = Chromium::spawn_window(chromium, &page, &x.display);
        let (seen, _) = screen
            .wait_for(spot, SOON, |c| shows(c, marker))
            .expect("no art pixels of Chromium's were found on the screen after start-up");
        samples.push(seen.saturating_sub(spawned) as f64 / 1000.0);
    }
    samples
}

/// Chromium's frames of the pacing GIF as the screen shows them.
pub struct Paced {
    pub schedule: Pacing,
    pub holds: Holds,
    pub changes: usize,
}

/// The pacing GIF in Chromium for `span` after a settle, against the file's `delays`;
/// `markers[n]` is frame n's middle colour, `w` its square's width as the player drew it.
pub fn pacing(
    chromium: &Path,
    dir: &Path,
    file: &Path,
    side: u32,
    (markers, w): (&[Rgb], u16),
    delays: &[u64],
    span: Duration,
) -> Paced {
    let page = art::page_sized(dir, file, side, true);
    let (_x, mut screen, _browser, at) =
        shown(chromium, &page, (markers, w), SOON, "the pacing GIF");
    std::thread::sleep(Duration::from_millis(500));
    let seen: Vec<(u64, usize)> = screen
        .record(at.middle(), span)
        .into_iter()
        .filter_map(|(t, c)| Some((t, nearest(c, markers)?)))
        .collect();
    assert!(
        seen.len() > 2,
        "the animation's frames never changed on Chromium's screen"
    );
    Paced {
        schedule: schedule_errors(&seen, delays),
        holds: holds(&seen, delays),
        changes: seen.len(),
    }
}

/// Chromium's memory at the end of one loop, its whole process tree, in MB.
#[derive(Clone)]
pub struct Memory {
    /// Σ Pss: each page shared by n processes counts 1/n in each.
    pub pss: f64,
    /// Σ VmHWM: every process's own peak, shared pages counted in each.
    pub hwm_sum: f64,
    pub processes: usize,
    /// "browser 150 MB, gpu-process 120 MB, …": Σ Pss by Chromium's process type.
    pub by_type: String,
}

/// A Chromium process's `--type=` (renderer, gpu-process, zygote, …); "browser" without.
/// Chromium rewrites its helpers' command lines into one string with spaces.
fn process_type(pid: u32) -> String {
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    cmdline
        .split(|b| *b == 0 || *b == b' ')
        .filter_map(|arg| std::str::from_utf8(arg).ok())
        .find_map(|arg| arg.strip_prefix("--type=").map(str::to_owned))
        .unwrap_or_else(|| "browser".to_owned())
}

/// One loop of `file` (`count` frames of 20 ms) in a new Chromium: its memory then.
/// `(colours, w)`: what to find on the screen and its width as the player drew it.
pub fn memory(
    chromium: &Path,
    dir: &Path,
    file: &Path,
    side: u32,
    (colours, w): (&[Rgb], u16),
    count: usize,
) -> Memory {
    let page = art::page_sized(dir, file, side, true);
    let (_x, _screen, browser, _) = shown(
        chromium,
        &page,
        (colours, w),
        Duration::from_secs(180),
        "the long animation",
    );
    std::thread::sleep(Duration::from_millis(20 * count as u64 + 1000));
    let tree = proc::tree(browser.pid);
    let mb = |kib: u64| kib as f64 * 1024.0 / 1e6;
    let mut by_type: Vec<(String, u64)> = Vec::new();
    for p in &tree {
        let (kind, kib) = (process_type(*p), smaps::pss_kib(*p).unwrap_or(0));
        match by_type.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, sum)) => *sum += kib,
            None => by_type.push((kind, kib)),
        }
    }
    by_type.sort_by_key(|b| std::cmp::Reverse(b.1));
    Memory {
        pss: mb(by_type.iter().map(|(_, kib)| kib).sum()),
        hwm_sum: mb(tree.iter().filter_map(|p| proc::peak_rss_kib(*p)).sum()),
        processes: tree.len(),
        by_type: smaps::summary(&by_type, 6),
    }
}

/// The median run by Pss.
pub fn median_memory(runs: &[Memory]) -> Option<Memory> {
    let pss = median(&runs.iter().map(|m| m.pss).collect::<Vec<_>>());
    runs.iter()
        .min_by(|a, b| (a.pss - pss).abs().total_cmp(&(b.pss - pss).abs()))
        .cloned()
}
