//! The processes a benchmark watches: the player binary with its `timing`
//! lines, Chromium as the peer, and what /proc says about their CPU and memory.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub fn unix_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// One `timing KIND mono_us=… unix_us=… key=value…` line of the player's log.
#[derive(Clone, Debug)]
pub struct Timing {
    pub kind: String,
    pub mono_us: u64,
    pub unix_us: u64,
    fields: HashMap<String, String>,
}

impl Timing {
    pub fn parse(line: &str) -> Option<Timing> {
        let rest = &line[line.find("timing ")? + "timing ".len()..];
        let mut words = rest.split_whitespace();
        let kind = words.next()?.to_owned();
        let fields: HashMap<String, String> = words
            .filter_map(|w| w.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Some(Timing {
            kind,
            mono_us: fields.get("mono_us")?.parse().ok()?,
            unix_us: fields.get("unix_us")?.parse().ok()?,
            fields,
        })
    }

    pub fn field(&self, key: &str) -> Option<&str> {
        self.fields.get(key).map(String::as_str)
    }

    pub fn number(&self, key: &str) -> Option<u64> {
        self.field(key)?.parse().ok()
    }
}

/// Empty per-user folders, as a new user has them, and the environment
/// variables an A/B sets.
pub struct Home {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
    /// A cache folder kept from an earlier home (Mesa's shader cache is there).
    cache: Option<PathBuf>,
}

impl Home {
    pub fn new() -> Home {
        Home {
            dir: tempfile::tempdir().expect("a temporary home folder"),
            env: Vec::new(),
            cache: None,
        }
    }

    /// New per-user folders but `cache`'s cache folder: a later launch on the same
    /// computer, which finds the shader variants an earlier one compiled.
    pub fn with_cache(cache: &Path) -> Home {
        Home {
            cache: Some(cache.to_path_buf()),
            ..Home::new()
        }
    }

    /// Every program started in this home gets `key=value`.
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.push((key.to_owned(), value.to_owned()));
    }

    pub fn apply(&self, cmd: &mut Command) {
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        let h = self.dir.path();
        cmd.env("HOME", h)
            .env("XDG_CONFIG_HOME", h.join("config"))
            .env("XDG_DATA_HOME", h.join("data"))
            .env(
                "XDG_CACHE_HOME",
                self.cache.clone().unwrap_or_else(|| h.join("cache")),
            );
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// The player binary running in a window on `display`.
pub struct Player {
    child: Child,
    pub pid: u32,
    /// Wall clock just before the process was spawned.
    pub spawned_unix_us: u64,
    timings: Arc<Mutex<Vec<Timing>>>,
    other: Arc<Mutex<Vec<String>>>,
}

impl Player {
    pub fn spawn(bin: &Path, home: &Home, display: &str, args: &[String]) -> Player {
        Player::spawn_with(bin, home, display, args, &[])
    }

    /// As `spawn`, with `env` added to the player's environment.
    pub fn spawn_with(
        bin: &Path,
        home: &Home,
        display: &str,
        args: &[String],
        env: &[(&str, &str)],
    ) -> Player {
        let mut cmd = Command::new(bin);
        cmd.args(args)
            .envs(env.iter().copied())
            .env("DISPLAY", display)
            .env_remove("WAYLAND_DISPLAY")
            .env("LIBGL_ALWAYS_SOFTWARE", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        home.apply(&mut cmd);
        let spawned_unix_us = unix_us();
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("{} could not start: {e}", bin.display()));
        let timings: Arc<Mutex<Vec<Timing>>> = Arc::default();
        let other: Arc<Mutex<Vec<String>>> = Arc::default();
        let stderr = child.stderr.take().expect("piped stderr");
        let (t, o) = (Arc::clone(&timings), Arc::clone(&other));
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                match Timing::parse(&line) {
                    Some(timing) => t.lock().unwrap().push(timing),
                    None => {
                        let mut o = o.lock().unwrap();
                        if o.len() < 200 {
                            o.push(line);
                        }
                    }
                }
            }
        });
        Player {
            pid: child.id(),
            child,
            spawned_unix_us,
            timings,
            other,
        }
    }

    pub fn timings(&self) -> Vec<Timing> {
        self.timings.lock().unwrap().clone()
    }

    /// Waits for the first timing line that satisfies `pred`, or panics with the log.
    pub fn wait(
        &mut self,
        what: &str,
        timeout: Duration,
        pred: impl Fn(&Timing) -> bool,
    ) -> Timing {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(t) = self.timings.lock().unwrap().iter().find(|t| pred(t)) {
                return t.clone();
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "the player exited ({status}) before {what}:\n{}",
                    self.log()
                );
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    pub fn log(&self) -> String {
        self.other.lock().unwrap().join("\n")
    }

    pub fn peak_rss_kib(&self) -> u64 {
        peak_rss_kib(self.pid).unwrap_or(0)
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Fields of /proc/PID/stat after the command name (which may hold spaces).
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    stat_fields_at(Path::new(&format!("/proc/{pid}/stat")))
}

/// The fields of a `stat` file (a process's or one thread's) after the command name.
fn stat_fields_at(path: &Path) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(path).ok()?;
    let rest = &text[text.rfind(')')? + 2..];
    Some(rest.split_whitespace().map(str::to_owned).collect())
}

/// utime + stime from a `stat` file's fields, in clock ticks.
fn ticks_of(fields: &[String]) -> Option<u64> {
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// utime + stime of one process, in clock ticks.
pub fn cpu_ticks(pid: u32) -> Option<u64> {
    ticks_of(&stat_fields(pid)?)
}

/// utime + stime of the threads of `pid` that Mesa's llvmpipe rasterises in
/// (named `llvmpipe-N`), in clock ticks: the work a GPU would take over.
pub fn raster_ticks(pid: u32) -> u64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    tasks
        .flatten()
        .filter(|t| {
            std::fs::read_to_string(t.path().join("comm"))
                .is_ok_and(|name| name.starts_with("llvmpipe"))
        })
        .filter_map(|t| ticks_of(&stat_fields_at(&t.path().join("stat"))?))
        .sum()
}

/// Clock ticks per second (`getconf CLK_TCK`; 100 on every Linux we meet).
pub fn ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// VmHWM: the peak resident set size, in KiB.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = text.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// `pid` and every process below it.
pub fn tree(pid: u32) -> Vec<u32> {
    let mut parent_of = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(p) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            if let Some(ppid) = stat_fields(p).and_then(|f| f.get(1)?.parse::<u32>().ok()) {
                parent_of.push((p, ppid));
            }
        }
    }
    let mut found = vec![pid];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            parent_of
                .iter()
                .filter(|(_, pp)| *pp == parent)
                .map(|(p, _)| *p),
        );
        i += 1;
    }
    found
}

/// CPU ticks of a process tree, per process (so processes that end are not double-counted).
pub fn tree_ticks(pid: u32) -> HashMap<u32, u64> {
    tree(pid)
        .into_iter()
        .filter_map(|p| Some((p, cpu_ticks(p)?)))
        .collect()
}

/// CPU seconds a tree used between two snapshots (processes born in between count from 0).
pub fn tree_seconds(before: &HashMap<u32, u64>, after: &HashMap<u32, u64>) -> f64 {
    let ticks: u64 = after
        .iter()
        .map(|(p, t)| t.saturating_sub(before.get(p).copied().unwrap_or(0)))
        .sum();
    ticks as f64 / ticks_per_second()
}

/// A full-screen window on its own display, with its own defaults for drawing.
const WINDOW: [&str; 5] = [
    "--kiosk",
    "--window-position=0,0",
    "--window-size=720,720",
    "--password-store=basic",
    "--hide-scrollbars",
];

fn file_url(page: &Path) -> String {
    format!("file://{}", page.display())
}

/// Headless Chromium showing `page`, as the issue specifies it.
pub struct Chromium {
    child: Child,
    pub pid: u32,
    _profile: tempfile::TempDir,
}

impl Chromium {
    pub fn find() -> Option<PathBuf> {
        ["chromium", "chromium-browser"].iter().find_map(|name| {
            let out = Command::new("sh")
                .args(["-c", &format!("command -v {name}")])
                .output()
                .ok()?;
            let path = String::from_utf8(out.stdout).ok()?;
            let path = path.trim();
            (!path.is_empty()).then(|| PathBuf::from(path))
        })
    }

    pub fn spawn(bin: &Path, page: &Path) -> Chromium {
        Chromium::start(
            bin,
            &file_url(page),
            &["--headless", "--disable-gpu", "--window-size=720,720"],
            None,
        )
    }

    /// Chromium in a full-screen window on `display`, with its own defaults for drawing
    /// (no GPU here: its software compositor), as a user would run it on this machine.
    /// It then pays for getting pixels to the X server as the player does.
    pub fn spawn_window(bin: &Path, page: &Path, display: &str) -> Chromium {
        Chromium::start(bin, &file_url(page), &WINDOW, Some(display))
    }

    /// Chromium showing `target` (a URL) with the flags every start needs, then `flags`.
    fn start(bin: &Path, target: &str, flags: &[&str], display: Option<&str>) -> Chromium {
        let profile = tempfile::tempdir().expect("a Chromium profile folder");
        let mut cmd = Command::new(bin);
        cmd.args([
            "--no-sandbox",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .args(flags)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(target)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        if let Some(display) = display {
            cmd.env("DISPLAY", display).env_remove("WAYLAND_DISPLAY");
        }
        let child = cmd.spawn().expect("start chromium");
        Chromium {
            pid: child.id(),
            child,
            _profile: profile,
        }
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        // Its helpers follow the browser process when it goes.
        let helpers = tree(self.pid);
        let _ = self.child.kill();
        let _ = self.child.wait();
        for p in helpers.into_iter().skip(1) {
            let _ = Command::new("kill").arg(p.to_string()).status();
        }
    }
}

/// What the process's resident memory is made of now (/proc/PID/status), in MB.
pub fn memory_map(pid: u32) -> String {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let parts: Vec<String> = ["RssAnon", "RssFile", "RssShmem", "VmRSS"]
        .iter()
        .filter_map(|key| {
            let line = text.lines().find(|l| l.starts_with(&format!("{key}:")))?;
            let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!("{key} {:.0} MB", kib * 1024.0 / 1e6))
        })
        .collect();
    if parts.is_empty() {
        "the process's memory could not be read from /proc".to_owned()
    } else {
        format!(
            "resident at the end of the loop: {} (anonymous = heap, decoded frames and \
             Mesa's buffers; file = the mapped program and libraries, llvmpipe's among them).",
            parts.join(", ")
        )
    }
}

/// Context switches of every thread of `pid` so far (voluntary ones are mostly wake-ups
/// after a sleep or a wait).
pub fn context_switches(pid: u32) -> u64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("status")).ok())
        .flat_map(|text| {
            text.lines()
                .filter(|l| l.contains("ctxt_switches:"))
                .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
                .collect::<Vec<_>>()
        })
        .sum()
}

/// Samples the processes `pids` with `perf record` for `span`; the shares by process and
/// library and the top symbols, as `perf report` prints them (percent of all samples), or
/// None when perf cannot run here.
pub fn perf_profile(pids: &[u32], span: Duration) -> Option<String> {
    let data = tempfile::NamedTempFile::new().ok()?;
    let pids: Vec<String> = pids.iter().map(u32::to_string).collect();
    let out = Command::new("perf")
        .args(["record", "-q", "-F", "499", "-o"])
        .arg(data.path())
        .args(["-p", &pids.join(","), "--", "sleep"])
        .arg(format!("{}", span.as_secs_f64()))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let report = |sort: &str, lines: usize| -> Option<String> {
        let out = Command::new("perf")
            .args([
                "report",
                "--stdio",
                "--no-children",
                "-g",
                "none",
                "--percent-limit",
                "2",
            ])
            .args(["--sort", sort, "-i"])
            .arg(data.path())
            .stderr(Stdio::null())
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stdout);
        // JIT code (llvmpipe's shaders) has no symbols: its share shows by library.
        let rows: Vec<String> = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter(|l| !sort.contains("sym") || !l.contains("[JIT]"))
            .take(lines)
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        (!rows.is_empty()).then(|| rows.join("; "))
    };
    Some(format!(
        "by thread and library: {}. Top named symbols: {}.",
        report("comm,dso", 8)?,
        report("comm,dso,sym", 10)?
    ))
}

/// The sentence a section prints of a `perf_profile` of `what` (or of its absence).
pub fn profile_text(profile: Option<String>, what: &str) -> String {
    profile.map_or(
        "no `perf` profile this run (smoke run, or perf could not sample here).".to_owned(),
        |p| format!("a 10 s `perf` profile of {what}: {p}"),
    )
}

impl Chromium {
    /// Chromium in a full-screen window on `display` showing `url` (a page served by the
    /// benchmark over loopback), with the flags of [`Chromium::spawn_window`] and no proxy.
    pub fn spawn_window_url(bin: &Path, url: &str, display: &str) -> Chromium {
        let mut flags = vec!["--no-proxy-server"];
        flags.extend(WINDOW);
        Chromium::start(bin, url, &flags, Some(display))
    }
}
