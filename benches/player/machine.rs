//! The line each section of BENCHMARKS.md starts with: when and on what it was
//! measured, so a section kept from an older run says so itself.

use std::process::Command;

fn first_line(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let line = text.lines().next()?.trim().to_owned();
    (!line.is_empty()).then_some(line)
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

fn memory_gb() -> String {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            let kib: f64 = t.lines().next()?.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!("{:.0} GB", kib * 1024.0 / 1e9))
        })
        .unwrap_or_else(|| "? GB".into())
}

fn os() -> String {
    std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_owned())
        })
        .unwrap_or_else(|| "unknown OS".into())
}

/// `_Measured 2026-12-01 (UTC) on 2 cores (…), 23 GB, Debian …; the release build._`
pub fn stamp(smoke: bool) -> String {
    let date = first_line("date", &["-u", "+%Y-%m-%d"]).unwrap_or_else(|| "?".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let build = if smoke {
        "a smoke run of the test build, not a measurement"
    } else {
        "the binary named by MAKAPIX_BENCH_BIN (scripts/bench.sh: the release build)"
    };
    format!(
        "_Measured {date} (UTC) on {cores} cores ({}), {}, {}, Xvfb with Mesa's software OpenGL; {build}._",
        cpu_model(),
        memory_gb(),
        os()
    )
}
