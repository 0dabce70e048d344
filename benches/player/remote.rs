//! Measures through the real broker: the player binary holds its MQTT session
//! with mosquitto (mutual TLS, the Makapix ACL), the test server sends
//! commands, the vault on 127.0.0.1 serves the files. The identity goes into
//! the OS keyring with `makapix-player import`, as a user would do it, so these
//! need a Secret Service (`scripts/bench.sh` starts one).

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::proc::{Home, Player, Timing, unix_us};
use crate::rig::broker::Broker;
use crate::rig::server::TestServer;
use crate::rig::vault::Vault;
use crate::stats::{Row, median, percentile};
use crate::xvfb::Xvfb;
use crate::{Mode, art};

const SHARD: &str = "be/nc";

pub struct Remote {
    // Dropped in this order: the window first, then the services it talks to.
    pub player: Player,
    pub x: Xvfb,
    _home: Home,
    server: TestServer,
    vault: Vault,
    _broker: Broker,
    key: String,
}

impl Remote {
    pub fn start(bin: &Path) -> Remote {
        Remote::start_in(bin, (1024, 768), &[])
    }

    /// The player on a `screen`-sized Xvfb, started with `window_args` besides its own.
    pub fn start_in(bin: &Path, screen: (u32, u32), window_args: &[&str]) -> Remote {
        Remote::start_on(Broker::start(), bin, screen, window_args)
    }

    /// The same, through `broker`.
    pub fn start_on(
        broker: Broker,
        bin: &Path,
        screen: (u32, u32),
        window_args: &[&str],
    ) -> Remote {
        Remote::start_with_env(broker, bin, screen, window_args, &[])
    }

    /// The same, the player started with `env` besides its own environment.
    pub fn start_with_env(
        mut broker: Broker,
        bin: &Path,
        screen: (u32, u32),
        window_args: &[&str],
        env: &[(&str, &str)],
    ) -> Remote {
        makapix_player::net::tls::install_crypto_provider();
        let server = TestServer::start(&broker);
        let vault = Vault::start();
        let key = crate::rig::certs::player_key();
        let me = broker.ca.player(&key);
        let mut home = Home::new();
        for (key, value) in env {
            home.set_env(key, value);
        }
        let bundle = home.path().join("bundle.json");
        let text = json!({"ca_pem": broker.ca.pem, "cert_pem": me.cert_pem, "key_pem": me.key_pem,
                          "broker": {"host": "127.0.0.1", "port": broker.tls_port}});
        std::fs::write(&bundle, text.to_string()).expect("write the bundle");
        let mut import = Command::new(bin);
        import
            .arg("import")
            .arg(&bundle)
            .args(["--vault", &vault.base]);
        home.apply(&mut import);
        let out = import.output().expect("run makapix-player import");
        assert!(
            out.status.success(),
            "import failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let _ = std::fs::remove_file(&bundle);
        let x = Xvfb::start(screen.0, screen.1);
        let mut args = ["--trace-timing", "--vault", &vault.base]
            .map(str::to_owned)
            .to_vec();
        args.extend(window_args.iter().map(|a| (*a).to_owned()));
        let player = Player::spawn(bin, &home, &x.display, &args);
        server.wait_published("status", Duration::from_secs(60), |r| {
            r.topic.contains(&key)
        });
        Remote {
            player,
            x,
            _home: home,
            server,
            vault,
            _broker: broker,
            key,
        }
    }

    /// Sends `show_artwork` for a post the vault holds; returns milliseconds
    /// from the publish to the first present of that post, and of those the
    /// part from the publish to the player's runtime receiving the command.
    fn show(&mut self, post_id: i64, storage_key: &str) -> (f64, f64) {
        let (sent, id) = self.send_show(post_id, storage_key);
        let art = format!("post:{post_id}");
        let shown = self
            .player
            .wait(&format!("{art} on screen"), Duration::from_secs(30), |t| {
                t.kind == "present" && t.field("art") == Some(art.as_str()) && t.unix_us >= sent
            });
        let received = self
            .player
            .timings()
            .into_iter()
            .find(|t| t.kind == "command_received" && t.field("id") == Some(id.as_str()))
            .map_or(shown.unix_us, |t| t.unix_us);
        let ms = |us: u64| us as f64 / 1000.0;
        (
            ms(shown.unix_us.saturating_sub(sent)),
            ms(received.saturating_sub(sent)),
        )
    }
}

impl Remote {
    /// Sends `show_artwork` for a 256×256 GIF post the vault holds under `SHARD`;
    /// the wall clock (µs) just before the publish, and the command's id.
    pub fn send_show(&mut self, post_id: i64, storage_key: &str) -> (u64, String) {
        let sent = unix_us();
        let id = self.server.send_command(
            &self.key,
            "show_artwork",
            json!({"post_id": post_id, "storage_key": storage_key, "storage_shard": SHARD,
                   "native_format": "gif", "width": 256, "height": 256, "title": storage_key}),
        );
        (sent, id)
    }

    pub fn put(&self, storage_key: &str, gif: Vec<u8>) {
        self.vault.put(SHARD, storage_key, "gif", gif);
    }
}

pub fn command_to_screen(remote: &mut Remote, mode: Mode) -> (Vec<Row>, String) {
    let runs = if mode.smoke { 2 } else { 50 };
    // 256×256, 8 frames of 40 ms: the file the issue names.
    let gif = art::gif(256, &[40; 8]);
    let (mut cold, mut cold_net) = (Vec::new(), Vec::new());
    for i in 0..runs {
        let key = format!("cold-{i}");
        remote.vault.put(SHARD, &key, "gif", gif.clone());
        let (total, net) = remote.show(1000 + i, &key);
        cold.push(total);
        cold_net.push(net);
        std::thread::sleep(Duration::from_millis(100));
    }
    // Two posts alternate: each was shown a moment before, so the player still holds it
    // decoded (recently shown posts are kept aside); the screen section also times a post
    // whose file is only in the artwork cache.
    for (i, key) in ["warm-a", "warm-b"].iter().enumerate() {
        remote.vault.put(SHARD, key, "gif", gif.clone());
        let _ = remote.show(1 + i as i64, key);
    }
    let (mut warm, mut warm_net) = (Vec::new(), Vec::new());
    for i in 0..runs {
        let (post, key) = if i % 2 == 0 {
            (1, "warm-a")
        } else {
            (2, "warm-b")
        };
        let (total, net) = remote.show(post, key);
        warm.push(total);
        warm_net.push(net);
        std::thread::sleep(Duration::from_millis(100));
    }
    let rows = vec![
        Row::new(
            "command → screen, warm (shown a moment ago), p50",
            format!("{:.1} ms", median(&warm)),
            "≤ 30 ms",
            Some(median(&warm) <= 30.0),
        ),
        Row::new(
            "command → screen, warm (shown a moment ago), p99",
            format!("{:.1} ms", percentile(&warm, 99.0)),
            "≤ 50 ms",
            Some(percentile(&warm, 99.0) <= 50.0),
        ),
        Row::new(
            "command → screen, cold cache, p50",
            format!("{:.1} ms", median(&cold)),
            "≤ 60 ms",
            Some(median(&cold) <= 60.0),
        ),
        Row::new(
            "command → screen, cold cache, p99",
            format!("{:.1} ms", percentile(&cold, 99.0)),
            "—",
            None,
        ),
    ];
    let detail = format!(
        "{runs} runs each of a 256×256 GIF (8 frames of a 256-colour synthetic pattern: small \
         and quick to decode, a best case for real posts); cold min/p50/max {:.1}/{:.1}/{:.1} ms, \
         warm {:.1}/{:.1}/{:.1} ms. Of these, test server → broker → player runtime took p50 \
         {:.1} ms (cold) and {:.1} ms (warm); the rest is the player: the fetch and the \
         decode (cold; a warm post is still held decoded), texture upload, paint.",
        percentile(&cold, 0.0),
        median(&cold),
        percentile(&cold, 100.0),
        percentile(&warm, 0.0),
        median(&warm),
        percentile(&warm, 100.0),
        median(&cold_net),
        median(&warm_net),
    );
    (rows, detail)
}

/// 1,000 `set_brightness` in one second while an animation plays.
pub fn burst(remote: &mut Remote, mode: Mode) -> (Vec<Row>, String) {
    let count = if mode.smoke { 50 } else { 1000 };
    let span = Duration::from_millis(if mode.smoke { 50 } else { 1000 });
    let start_us = unix_us();
    let start = Instant::now();
    let mut ids = HashSet::new();
    for i in 0..count {
        let due = start + span.mul_f64(i as f64 / count as f64);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        let value = 10 + (i % 90) as i64;
        ids.insert(remote.server.send_command(
            &remote.key,
            "set_brightness",
            json!({"value": value}),
        ));
    }
    let sent_in = start.elapsed();
    let acked = |server: &TestServer| -> (usize, usize) {
        let mut seen = HashSet::new();
        let mut ok = 0;
        for r in server.published() {
            if !r.topic.ends_with("/command/ack") {
                continue;
            }
            let ack = r.json();
            let Some(id) = ack["command_id"].as_str() else {
                continue;
            };
            if ids.contains(id) && seen.insert(id.to_owned()) && ack["status"] == "ok" {
                ok += 1;
            }
        }
        (seen.len(), ok)
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while acked(&remote.server).0 < count && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let end_us = unix_us();
    let (answered, ok) = acked(&remote.server);
    let presents: Vec<Timing> = remote
        .player
        .timings()
        .into_iter()
        .filter(|t| t.kind == "present" && t.unix_us >= start_us && t.unix_us <= end_us)
        .collect();
    let gaps: Vec<f64> = presents
        .windows(2)
        .map(|w| (w[1].unix_us.saturating_sub(w[0].unix_us)) as f64 / 1000.0)
        .collect();
    let max_gap = percentile(&gaps, 100.0);
    let max_pass = presents
        .iter()
        .filter_map(|t| t.number("pass_us"))
        .max()
        .unwrap_or(0) as f64
        / 1000.0;
    assert!(
        !presents.is_empty(),
        "no frame was presented during the burst"
    );
    let rows = vec![
        Row::new(
            "command burst: acknowledged",
            format!("{answered} of {count} ({ok} ok)"),
            "every one",
            Some(answered == count && ok == count),
        ),
        Row::new(
            "command burst: longest gap between frames",
            format!("{max_gap:.1} ms"),
            "≤ 50 ms",
            Some(max_gap <= 50.0),
        ),
    ];
    let waited = (end_us - start_us) as f64 / 1000.0;
    let answered_when = if answered == count {
        format!("all answered {waited:.0} ms after the first")
    } else {
        format!("{} never answered within {waited:.0} ms", count - answered)
    };
    let detail = format!(
        "{count} commands sent in {:.0} ms, {answered_when}; {} frames presented, \
         longest UI pass to paint {max_pass:.1} ms (the animation's own frames are 40 ms apart).",
        sent_in.as_secs_f64() * 1000.0,
        presents.len(),
    );
    (rows, detail)
}
