//! `show_artwork` → the art's pixels on the screen, through the real broker and
//! the test back end (see remote.rs): a post shown a moment ago (held decoded),
//! a post whose file is in the artwork cache but no longer held, and a post
//! never fetched (cold), beside the player's own `present` line and Chromium's
//! nearest equivalent (show_peer.rs) in the same run.

use std::path::Path;
use std::time::Duration;

use crate::art::{self, MARKERS};
use crate::outside::SIDE;
use crate::proc::Chromium;
use crate::remote::Remote;
use crate::rig::broker::Broker;
use crate::screen::{Region, Screen, shows};
use crate::show_peer::{self, PeerShows};
use crate::stats::{Seen, median, p50_p99, percentile};
use crate::{Mode, Report};

const WAIT: Duration = Duration::from_secs(30);

/// mosquitto's setting for TCP_NODELAY; Makapix's broker leaves it off.
const NODELAY: &str = "set_tcp_nodelay true";

/// The player's switch for TCP_QUICKACK on its MQTT socket (on by default, Linux).
const NO_QUICKACK: (&str, &str) = ("MAKAPIX_TCP_QUICKACK", "0");

/// What one `show_artwork` took, in ms from the publish.
struct Show {
    received: f64,
    presented: f64,
    seen: f64,
    /// Paints of the new post before its pixels were on the screen.
    paints_before: usize,
    /// The player sent the post to its decoder (`timing decode`): not held.
    decoded: bool,
}

fn show(remote: &mut Remote, screen: &mut Screen, spot: Region, post: i64, key: &str) -> Show {
    let marker = MARKERS[(post % 2) as usize];
    let before = screen.grab(spot);
    assert!(
        !before.iter().all(|c| crate::screen::near(*c, marker)),
        "post {post} is already on the screen before it was asked for"
    );
    let (sent, id) = remote.send_show(post, key);
    let (seen, _) = screen
        .wait_for(spot, WAIT, |c| shows(c, marker))
        .unwrap_or_else(|| panic!("no art pixels of post {post} were found on the screen"));
    let art = format!("post:{post}");
    let present = remote.player.wait(&format!("{art} painted"), WAIT, |t| {
        t.kind == "present" && t.field("art") == Some(art.as_str()) && t.unix_us >= sent
    });
    let timings = remote.player.timings();
    let received = timings
        .iter()
        .find(|t| t.kind == "command_received" && t.field("id") == Some(id.as_str()))
        .map_or(present.unix_us, |t| t.unix_us);
    let paints_before = timings
        .iter()
        .filter(|t| {
            t.kind == "present"
                && t.field("art") == Some(art.as_str())
                && t.unix_us >= sent
                && t.unix_us <= seen
        })
        .count();
    let decoded = timings
        .iter()
        .any(|t| t.kind == "decode" && t.field("art") == Some(art.as_str()) && t.unix_us >= sent);
    let ms = |us: u64| us.saturating_sub(sent) as f64 / 1000.0;
    Show {
        received: ms(received),
        presented: ms(present.unix_us),
        seen: ms(seen),
        paints_before,
        decoded,
    }
}

fn column(shows: &[Show], f: fn(&Show) -> f64) -> Vec<f64> {
    shows.iter().map(f).collect()
}

/// A row held to the warm target: on the screen, p50 ≤ 10 ms and p99 ≤ 25 ms.
fn warm_row(measure: &str, shows: &[Show]) -> Seen {
    let seen = column(shows, |s| s.seen);
    Seen::new(
        measure,
        p50_p99(&column(shows, |s| s.presented)),
        p50_p99(&seen),
        "≤ 10 / ≤ 25 ms",
    )
    .met(median(&seen) <= 10.0 && percentile(&seen, 99.0) <= 25.0)
}

/// The two posts shown to and fro: odd ids carry one marker colour, even ids the other.
const HELD: [(i64, &str); 2] = [(1, "warm-a"), (2, "warm-b")];

fn marked(post: i64) -> Vec<u8> {
    art::marked_gif(256, &[40; 8], &[MARKERS[(post % 2) as usize]; 8])
}

/// The player full screen at 720×720 through `broker`, started with `env`,
/// with posts 1 and 2 in the vault, post 2 on the screen; returns where the art is.
fn start(bin: &Path, broker: Broker, env: &[(&str, &str)]) -> (Remote, Screen, Region) {
    let mut remote = Remote::start_with_env(
        broker,
        bin,
        (SIDE, SIDE),
        &["--window-size", "720x720", "--fullscreen"],
        env,
    );
    let mut screen = Screen::connect(&remote.x.display);
    for (post, key) in HELD {
        remote.put(key, marked(post));
    }
    // The first show finds where the art lands (a whole-screen scan).
    remote.send_show(1, "warm-a");
    let shown = screen
        .locate_within(&[MARKERS[1]], WAIT)
        .expect("no art pixels were found on the screen after show_artwork");
    let _ = show(&mut remote, &mut screen, shown.middle(), 2, "warm-b");
    (remote, screen, shown)
}

/// Posts 1 and 2 to and fro, each sent the moment the last one's pixels were
/// seen (post 2 on the screen first, and again at the end).
fn back_to_back(remote: &mut Remote, screen: &mut Screen, spot: Region, runs: usize) -> Vec<Show> {
    (0..runs.div_ceil(2) * 2)
        .map(|i| {
            let (post, key) = HELD[i % 2];
            show(remote, screen, spot, post, key)
        })
        .collect()
}

pub fn command_to_screen(bin: &Path, mode: Mode) -> Report {
    let runs = if mode.smoke { 2 } else { 50 };
    // Makapix's broker configuration, as the tests' broker has it.
    let (mut remote, mut screen, shown) = start(bin, Broker::start(), &[]);
    let spot = shown.middle();
    // Three times as many new posts as runs: far more than the player holds aside (32 MiB;
    // each holds over 0.5 MiB in its texture and canvas alone), so the first third is no
    // longer held when shown again below.
    let mut cold = Vec::new();
    for i in 0..3 * runs {
        // Starts at an odd id: the screen shows post 2.
        let post = 1001 + i;
        let key = format!("cold-{i}");
        remote.put(&key, marked(post));
        cold.push(show(&mut remote, &mut screen, spot, post, &key));
        std::thread::sleep(Duration::from_millis(100));
    }
    // The first third again, in order: each file is in the artwork cache, none is held.
    let mut cached = Vec::new();
    for i in 0..runs {
        let post = 1001 + i;
        cached.push(show(
            &mut remote,
            &mut screen,
            spot,
            post,
            &format!("cold-{i}"),
        ));
        std::thread::sleep(Duration::from_millis(100));
    }
    // Posts 1 and 2 back once each (no longer held either), then to and fro,
    // each show 100 ms after the last one's pixels, like every show above.
    let order = if runs % 2 == 0 {
        HELD
    } else {
        [HELD[1], HELD[0]]
    };
    for (post, key) in order {
        let _ = show(&mut remote, &mut screen, spot, post, key);
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut warm = Vec::new();
    for i in 0..runs {
        let (post, key) = order[i as usize % 2];
        warm.push(show(&mut remote, &mut screen, spot, post, key));
        std::thread::sleep(Duration::from_millis(100));
    }
    // Post 2 is on the screen now, whichever `order` was: back to back starts with post 1.
    let quick_runs = if mode.smoke { 2 } else { 30 };
    let quick = back_to_back(&mut remote, &mut screen, spot, quick_runs);
    let (c_in, c_out) = (column(&cold, |s| s.presented), column(&cold, |s| s.seen));
    let gaps: Vec<f64> = screen
        .poll_gaps_us
        .iter()
        .map(|g| *g as f64 / 1000.0)
        .collect();
    // The player goes before the next starts: each measured alone on the machine.
    drop(screen);
    drop(remote);
    // The same shows through a broker that sends at once (Nagle's algorithm off): the
    // one setting changed, to see what the broker's own sending costs.
    let quick_nodelay = {
        let (mut remote, mut screen, shown) = start(bin, Broker::start_with(NODELAY), &[]);
        back_to_back(&mut remote, &mut screen, shown.middle(), quick_runs)
    };
    // And through Makapix's configuration with the player's TCP_QUICKACK off, as
    // before issue 27: the broker's Nagle waits for the player's delayed ACK.
    let quick_delayed = {
        let (mut remote, mut screen, shown) = start(bin, Broker::start(), &[NO_QUICKACK]);
        back_to_back(&mut remote, &mut screen, shown.middle(), quick_runs)
    };
    // The middle square is half the GIF's side: the size the player drew it.
    let peer = (!mode.smoke)
        .then(Chromium::find)
        .flatten()
        .map(|c| show_peer::command_to_screen(&c, runs, u32::from(shown.w) * 2, shown.w));
    let peer_cell = |f: fn(&PeerShows) -> &Vec<f64>| {
        peer.as_ref().map_or_else(
            || "Chromium not measured (smoke run or not installed)".to_owned(),
            |p| format!("Chromium {}", p50_p99(f(p))),
        )
    };
    let rows = vec![
        warm_row(
            "`show_artwork` → art, warm: shown a moment ago (held decoded), p50 / p99",
            &warm,
        )
        .peer(peer_cell(|p| &p.warm)),
        warm_row(
            "`show_artwork` → art, warm: file in the artwork cache, not held, p50 / p99",
            &cached,
        ),
        Seen::new(
            "`show_artwork` → art, cold cache, p50 / p99",
            p50_p99(&c_in),
            p50_p99(&c_out),
            "p50 ≤ 40 ms",
        )
        .met(median(&c_out) <= 40.0)
        .peer(peer_cell(|p| &p.cold)),
        warm_row(
            "`show_artwork` → art, back to back (sent as the last show's pixels appear), held \
             decoded, p50 / p99",
            &quick,
        ),
    ];
    let detail = format!(
        "{} runs shown a moment ago, {} from the artwork cache, {} cold and {} back to back, \
         of a 256×256 \
         GIF of 8 frames (a still middle square in the post's \
         colour, 129 colours: small and quick to decode, a best case) full screen at 720×720, \
         each sent 100 ms after the last one's pixels were seen (back to back: at once); \
         timed from the test back end's publish. Screen polled every {:.2} ms (p50). The player's \
         path: MQTT over TLS (mosquitto on loopback) → its runtime → the artwork it still \
         holds decoded (it keeps recently shown posts aside, 32 MiB), else its artwork cache \
         (looked in by the runtime before the window hears of the command) or a fetch over \
         HTTPS → decode → paint. The peer's, the nearest Chromium has: a page in a \
         full-screen Chromium window on its own Xvfb listening on an event stream (SSE over \
         loopback HTTP, served by the bench) → `img.src` → fetch over HTTP or the browser's \
         cache (warm: the same two URLs shown before; cold: a new URL each time) → decode → \
         paint, timed from the event's write, the same GIFs drawn at the same size, after the \
         player quit.{}",
        warm.len(),
        cached.len(),
        cold.len(),
        quick.len(),
        median(&gaps),
        peer.as_ref().map_or(String::new(), |p| format!(
            " Chromium fetched {} files again during its warm shows.",
            p.warm_fetches
        )),
    );
    let part = |shows: &[Show], name: &str| {
        let net = column(shows, |s| s.received);
        let player: Vec<f64> = shows.iter().map(|s| s.presented - s.received).collect();
        let lag: Vec<f64> = shows.iter().map(|s| s.seen - s.presented).collect();
        let paints: Vec<f64> = shows.iter().map(|s| s.paints_before as f64).collect();
        let decoded = shows.iter().filter(|s| s.decoded).count();
        format!(
            "{name} (decoded in {decoded} of {} shows): publish → the player's runtime p50 {:.1} ms, p99 {:.1} ms; runtime → paint (fetch or \
             cache read, decode, upload, the UI pass) p50 {:.1} ms, p99 {:.1} ms; paint → pixels \
             on the screen p50 {:.1} ms, p99 {:.1} ms; paints of the post before its pixels \
             showed: p50 {:.0}, max {:.0}",
            shows.len(),
            median(&net),
            percentile(&net, 99.0),
            median(&player),
            percentile(&player, 99.0),
            median(&lag),
            percentile(&lag, 99.0),
            median(&paints),
            percentile(&paints, 100.0),
        )
    };
    let net = |shows: &[Show]| p50_p99(&column(shows, |s| s.received));
    let breakdown = format!(
        "{}; {}; {}; {}. Back to back, the broker's sending, this run: publish → the player's \
         runtime {} through a broker configured like Makapix's (Nagle's algorithm on, \
         mosquitto's default) with the player's TCP_QUICKACK (Linux: set again after every \
         packet it reads), {} through the same with `{}={}` (the player as before issue 27: \
         the art on the screen {} after the publish), {} through the same broker with \
         `{NODELAY}` (the art on the screen {}); a new broker and player each, nothing else \
         changed.{}",
        part(&warm, "shown a moment ago"),
        part(&cached, "from the artwork cache"),
        part(&cold, "cold"),
        part(&quick, "back to back"),
        net(&quick),
        net(&quick_delayed),
        NO_QUICKACK.0,
        NO_QUICKACK.1,
        p50_p99(&column(&quick_delayed, |s| s.seen)),
        net(&quick_nodelay),
        p50_p99(&column(&quick_nodelay, |s| s.seen)),
        peer.as_ref().map_or(String::new(), |p| format!(
            " Chromium, cold: event written → the art's HTTP request p50 {:.1} ms, p99 {:.1} ms \
             (the event's delivery, the page's script, the fetch's start); request → pixels on \
             the screen p50 {:.1} ms.",
            median(&p.cold_request),
            percentile(&p.cold_request, 99.0),
            median(&p.cold) - median(&p.cold_request),
        )),
    );
    Report {
        rows,
        detail,
        breakdown,
    }
}
