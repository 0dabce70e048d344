//! End-to-end benchmarks of the player binary (issue #7): command to screen,
//! CPU against Chromium, peak memory, frame pacing, start-up, a command burst.
//! `scripts/bench.sh` runs them with `cargo bench --bench player -- --bench`
//! and writes BENCHMARKS.md from what this prints (markdown).
//!
//! Run by `cargo test` (no `--bench`), every measurement runs once, briefly,
//! on the debug binary: a smoke test that the benchmarks still work, never a
//! pass/fail on timings. The measurements through the broker store an
//! identity with `makapix-player import`, so they run only with
//! `MAKAPIX_BENCH_REMOTE=1` inside a private Secret Service session.
//!
//! `screen` measures the same binary from outside (issue 16): it polls the X
//! screen's pixels for the art (benches/player/screen.rs) and puts what the
//! screen showed beside the player's own timing lines.
//!
//! `cargo bench --bench player -- --bench [startup|remote|cpu|memory|pacing|outputs|screen]…`
//! (or one screen part: screen-show, screen-startup, screen-pacing, screen-cpu,
//! screen-preview, screen-replay, screen-memory)
//! runs only the named parts; `MAKAPIX_BENCH_BIN=path` measures that binary.

#[path = "../../tests/support/mod.rs"]
mod support;
use support::{rig, xvfb};

mod art;
mod local;
mod machine;
mod outputs;
mod outside;
mod proc;
mod remote;
mod screen;
mod screen_cpu;
mod screen_peer;
mod screen_preview;
mod screen_replay;
mod screen_show;
mod show_peer;
mod smaps;
mod stats;

use std::path::PathBuf;

use stats::{Row, Seen};

/// A section measured on the screen: its rows (inside beside outside), what was
/// measured, and where the time went in this run.
pub struct Report {
    pub rows: Vec<Seen>,
    pub detail: String,
    pub breakdown: String,
}

#[derive(Clone, Copy)]
pub struct Mode {
    /// One short iteration of everything, no Chromium: the `cargo test` smoke run.
    pub smoke: bool,
}

/// The machine's 1-minute load average: these numbers mean little on a busy machine.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}

fn section(title: &str, load_before: String, (rows, detail): (Vec<Row>, String)) {
    println!(
        "### {title}\n\n{}\n\n{}\n{detail} Load average {load_before} → {}.\n",
        machine::stamp(SMOKE.get().copied().unwrap_or(true)),
        stats::table(&rows),
        load()
    );
    // Under a miss: what this run measured, never a fixed explanation (issue 16).
    for r in rows.iter().filter(|r| r.met == Some(false)) {
        println!(
            "Missed: {}: measured this run {} against {} (detail above; the same content on the \
             screen, with where the time goes, is in \"On the screen\").\n",
            r.measure, r.figure, r.target
        );
    }
}

static SMOKE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// A section of figures seen on the screen. Under a miss it repeats this run's
/// figures, never a fixed explanation.
fn screen_section(title: &str, load_before: String, report: Report) {
    println!(
        "### {title} (on the screen)\n\n{}\n\n{}\n{} Load average {load_before} → {}.\n\n\
         Where it goes, this run: {}\n",
        machine::stamp(SMOKE.get().copied().unwrap_or(true)),
        stats::seen_table(&report.rows),
        report.detail,
        load(),
        report.breakdown
    );
    // Each miss restates this run's figures beside its target (and the peer's, where one
    // ran); where the time went is the "Where it goes" paragraph above, from the same run.
    for r in report.rows.iter().filter(|r| r.met == Some(false)) {
        // A peer that did not run (smoke runs, no Chromium) says so in its cell; not here.
        let peer = if r.peer == "—" || r.peer.contains("not run") || r.peer.contains("not measured")
        {
            String::new()
        } else {
            format!(", the peer {}", r.peer)
        };
        let inside = if r.inside == "—" {
            String::new()
        } else {
            format!(" ({} inside)", r.inside)
        };
        println!(
            "Missed: {}: {} on the screen{inside} against {}{peer}.\n",
            r.measure, r.screen, r.target
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = Mode {
        smoke: !args.iter().any(|a| a == "--bench"),
    };
    let _ = SMOKE.set(mode.smoke);
    let parts: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wanted = |name: &str| parts.is_empty() || parts.contains(&name);
    // `MAKAPIX_BENCH_BIN` measures another build (scripts/bench.sh: the release binary,
    // with this driver built quickly in the test profile).
    let bin = std::env::var_os("MAKAPIX_BENCH_BIN").map_or_else(
        || PathBuf::from(env!("CARGO_BIN_EXE_makapix-player")),
        PathBuf::from,
    );
    let bin = bin.as_path();
    let dir = local::out_dir();
    if mode.smoke {
        local::check_pacing_math();
        outputs::check_math();
    }
    eprintln!("player: {}", bin.display());

    if wanted("remote") {
        // Only when asked: `import` writes an identity into the session's keyring, which on
        // a desktop is the user's own (scripts/bench.sh and CI start a private one).
        if std::env::var("MAKAPIX_BENCH_REMOTE").is_ok_and(|v| v == "1") {
            eprintln!("== command to screen, command burst");
            let mut session = remote::Remote::start(bin);
            section(
                "Command to screen (`show_artwork` → first frame presented)",
                load(),
                remote::command_to_screen(&mut session, mode),
            );
            section(
                "Command burst (`set_brightness`)",
                load(),
                remote::burst(&mut session, mode),
            );
        } else {
            println!(
                "(command to screen and burst skipped: they run with MAKAPIX_BENCH_REMOTE=1 in a \
                 private keyring session, as scripts/bench.sh does)\n"
            );
        }
    }
    if wanted("outputs") {
        eprintln!("== LED outputs and export");
        section(
            "LED panel outputs and export",
            load(),
            outputs::outputs(bin, &dir, mode),
        );
    }
    if wanted("startup") {
        eprintln!("== start-up");
        section("Start-up", load(), local::startup(bin, &dir, mode));
    }
    if wanted("pacing") {
        eprintln!("== frame pacing");
        section("Frame pacing", load(), local::pacing(bin, &dir, mode));
    }
    if wanted("cpu") {
        eprintln!("== CPU");
        section("CPU", load(), local::cpu(bin, &dir, mode));
    }
    if wanted("memory") {
        eprintln!("== memory");
        section("Memory", load(), local::memory(bin, &dir, mode));
    }
    // `screen` alone runs every screen-* part.
    let screen_part = |name: &str| wanted("screen") || wanted(&format!("screen-{name}"));
    if screen_part("show") {
        if std::env::var("MAKAPIX_BENCH_REMOTE").is_ok_and(|v| v == "1") {
            eprintln!("== screen: show_artwork");
            screen_section(
                "Command to screen",
                load(),
                screen_show::command_to_screen(bin, mode),
            );
        } else {
            println!(
                "(show_artwork on the screen skipped: it runs with MAKAPIX_BENCH_REMOTE=1 in a \
                 private keyring session, as scripts/bench.sh does)\n"
            );
        }
    }
    if screen_part("startup") {
        eprintln!("== screen: start-up");
        screen_section("Start-up", load(), outside::startup(bin, &dir, mode));
    }
    if screen_part("pacing") {
        eprintln!("== screen: frame pacing");
        screen_section("Frame pacing", load(), outside::pacing(bin, &dir, mode));
    }
    if screen_part("cpu") {
        eprintln!("== screen: CPU");
        screen_section("CPU", load(), screen_cpu::cpu(bin, &dir, mode));
    }
    if screen_part("preview") {
        eprintln!("== screen: device previews' CPU");
        screen_section(
            "CPU of device previews",
            load(),
            screen_preview::cpu(bin, &dir, mode),
        );
    }
    if screen_part("replay") {
        eprintln!("== screen: many-colour replay");
        screen_section(
            "Playback of frames replayed from the file",
            load(),
            screen_replay::replay(bin, &dir, mode),
        );
    }
    if screen_part("memory") {
        eprintln!("== screen: memory");
        screen_section("Memory", load(), outside::memory(bin, &dir, mode));
    }
}
