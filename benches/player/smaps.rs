//! Where a process's resident memory lies, mapping by mapping
//! (/proc/PID/smaps): which files are resident and how much of each, and the
//! anonymous memory split into the main heap, unnamed mappings (glibc's
//! thread arenas, large allocations, Mesa's buffers) and private copies of
//! file pages (relocated data, .bss).

use std::collections::HashMap;

/// Resident KiB by name, largest first.
pub type Parts = Vec<(String, u64)>;

/// Resident memory by name: (file-backed, anonymous).
pub fn resident(text: &str) -> (Parts, Parts) {
    let mut files: HashMap<String, u64> = HashMap::new();
    let mut anon: HashMap<String, u64> = HashMap::new();
    let mut name = String::new();
    let mut rss = 0;
    let mut flush = |name: &str, rss: u64, anonymous: u64| {
        let file_part = rss.saturating_sub(anonymous);
        if name.starts_with('/') && file_part > 0 {
            *files.entry(short(name)).or_default() += file_part;
        }
        let label = if name.is_empty() || name.starts_with("[anon") {
            "unnamed mappings".to_owned()
        } else if name.starts_with('/') {
            format!("{} (written copies)", short(name))
        } else {
            name.to_owned()
        };
        let counted = if name.starts_with('/') {
            anonymous
        } else {
            rss
        };
        if counted > 0 {
            *anon.entry(label).or_default() += counted;
        }
    };
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let first = words.next().unwrap_or("");
        if first.contains('-') && first.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
            name = words.nth(4).unwrap_or("").to_owned();
            rss = 0;
        } else if first == "Rss:" {
            rss = words.next().and_then(|w| w.parse().ok()).unwrap_or(0);
        } else if first == "Anonymous:" {
            // The last of a mapping's fields that matters here.
            let anonymous = words.next().and_then(|w| w.parse().ok()).unwrap_or(0);
            flush(&name, rss, anonymous);
        }
    }
    (sorted(files), sorted(anon))
}

fn short(path: &str) -> String {
    path.rsplit('/').next().unwrap_or(path).to_owned()
}

fn sorted(map: HashMap<String, u64>) -> Parts {
    let mut parts: Vec<(String, u64)> = map.into_iter().collect();
    parts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    parts
}

/// "a 40 MB, b 12 MB, … and 31 others 6 MB" for the `top` largest parts.
pub fn summary(parts: &[(String, u64)], top: usize) -> String {
    let mb = |kib: u64| kib as f64 * 1024.0 / 1e6;
    let mut words: Vec<String> = parts
        .iter()
        .take(top)
        .map(|(name, kib)| format!("{name} {:.1} MB", mb(*kib)))
        .collect();
    let rest: u64 = parts.iter().skip(top).map(|(_, kib)| kib).sum();
    if parts.len() > top {
        words.push(format!("{} others {:.1} MB", parts.len() - top, mb(rest)));
    }
    words.join(", ")
}

/// The process's resident memory by mapping, as a sentence.
pub fn breakdown(pid: u32) -> String {
    let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/smaps")) else {
        return "the process's mappings could not be read from /proc".to_owned();
    };
    let (files, anon) = resident(&text);
    format!(
        "resident files: {}. Anonymous: {}.",
        summary(&files, 6),
        summary(&anon, 4)
    )
}

/// Pss now, in KiB (/proc/PID/smaps_rollup): resident memory with each page shared by
/// n processes counted 1/n, so a process tree's figures add up without counting shared
/// libraries and shared memory once per process as VmRSS and VmHWM do.
pub fn pss_kib(pid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    let line = text.lines().find(|l| l.starts_with("Pss:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
