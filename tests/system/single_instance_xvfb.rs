//! One player per identity: with the real binary's window open, a second
//! launch with a file (as a double-click in a file manager does) hands the
//! file to the running window and ends; the window plays it.
//! The second launch never opens a window or a session of its own.

use crate::support::rig;
use crate::support::xvfb;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A colour no sample uses.
const MARK: [u8; 3] = [13, 201, 77];

fn player(x: &xvfb::Xvfb, home: &Path) -> Command {
    let mut cmd = x.player(home);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd
}

fn wait_until(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn log(home: &Path) -> String {
    std::fs::read_to_string(home.join("data/makapixplayer/logs/makapix-player.log"))
        .unwrap_or_default()
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
#[ignore = "needs Xvfb and mosquitto: scripts/test-all.sh runs it"]
fn a_second_launch_with_a_file_hands_it_over_and_exits() {
    let x = xvfb::Xvfb::start(800, 600);
    let home = tempfile::tempdir().unwrap();
    let art_dir = tempfile::tempdir().unwrap();
    image::RgbImage::from_pixel(32, 32, image::Rgb(MARK))
        .save(art_dir.path().join("mark.png"))
        .unwrap();

    let mut first = Killed(player(&x, home.path()).spawn().expect("start the player"));
    wait_until("the first window to start", Duration::from_secs(30), || {
        if let Ok(Some(status)) = first.0.try_wait() {
            panic!("the first player exited early ({status})");
        }
        log(home.path()).contains("starting")
    });

    // A relative path: the running window has another working folder.
    let started = Instant::now();
    let mut second = player(&x, home.path())
        .current_dir(art_dir.path())
        .arg("mark.png")
        .spawn()
        .expect("start the second launch");
    let status = loop {
        if let Some(status) = second.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = second.kill();
            panic!("the second launch did not exit");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let out = second.wait_with_output().unwrap();
    assert!(
        status.success(),
        "the second launch failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("already running"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    wait_until(
        "the running window to show the handed file",
        Duration::from_secs(30),
        || x.screenshot().pixels().any(|p| [p[0], p[1], p[2]] == MARK),
    );
    let log = log(home.path());
    assert!(log.contains("handed over 1 path(s)"), "{log}");
    // The second launch started nothing of its own (no runtime, no session): one start in the log.
    assert_eq!(log.matches("starting; log file").count(), 1, "{log}");
    assert!(
        first.0.try_wait().unwrap().is_none(),
        "the first window is still open"
    );
}

/// The colours of the next DDP frame from `socket` whose LEDs are all lit in one
/// colour other than black, or `None` when nothing came.
fn next_ddp_colour(socket: &std::net::UdpSocket) -> Option<[u8; 3]> {
    let mut packet = [0u8; 1500];
    let n = socket.recv(&mut packet).ok()?;
    let p = &packet[..n];
    if n < 13 || p[0] & 0xC0 != 0x40 {
        return None;
    }
    let len = usize::from(u16::from_be_bytes([p[8], p[9]])).min(n - 10);
    let leds: Vec<&[u8]> = p[10..10 + len].chunks_exact(3).collect();
    let first: [u8; 3] = leds.first()?.to_vec().try_into().ok()?;
    leds.iter().all(|c| *c == first).then_some(first)
}

/// `--output` from a second launch (a panel added while the window plays):
/// the running window plays to that panel too.
#[test]
#[ignore = "needs Xvfb: scripts/test-all.sh runs it"]
fn a_second_launch_with_an_output_makes_the_window_play_to_it() {
    let x = xvfb::Xvfb::start(800, 600);
    let home = tempfile::tempdir().unwrap();
    let art_dir = tempfile::tempdir().unwrap();
    let mark = art_dir.path().join("mark.png");
    image::RgbImage::from_pixel(32, 32, image::Rgb(MARK))
        .save(&mark)
        .unwrap();
    let _first = Killed(player(&x, home.path()).arg(&mark).spawn().unwrap());
    wait_until("the first window to start", Duration::from_secs(30), || {
        log(home.path()).contains("starting")
    });
    let panel = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    panel
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    // Colours as they are (no gamma), to find the art's by its bytes.
    let url = format!(
        "ddp://127.0.0.1:{}?size=8x8&gamma=1",
        panel.local_addr().unwrap().port()
    );
    let out = player(&x, home.path())
        .args(["--output", &url])
        .output()
        .expect("the second launch");
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("already running"),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    wait_until("the panel to show the art", Duration::from_secs(30), || {
        next_ddp_colour(&panel) == Some(MARK)
    });
    let log = log(home.path());
    assert!(log.contains("and 1 output(s)"), "{log}");
    assert_eq!(log.matches("starting; log file").count(), 1, "{log}");
}

/// With a real keyring (scripts/test-all.sh runs it inside a private D-Bus
/// session with gnome-keyring): the window holds the player's MQTT session, a
/// second launch hands its file over without a session of its own (the
/// broker sees one client for the identity), and `import` beside the running
/// window tells it to read the credentials again.
#[test]
#[ignore = "needs a running Secret Service: scripts/test-all.sh runs it inside dbus-run-session"]
fn a_second_launch_makes_no_second_mqtt_session() {
    makapix_player::net::tls::install_crypto_provider();
    let mut broker = rig::broker::Broker::start();
    let server = rig::server::TestServer::start(&broker);
    let key = rig::certs::player_key();
    let me = broker.ca.player(&key);
    let home = tempfile::tempdir().unwrap();
    let bundle = home.path().join("bundle.json");
    let text = serde_json::json!({"ca_pem": broker.ca.pem, "cert_pem": me.cert_pem,
        "key_pem": me.key_pem, "broker": {"host": "127.0.0.1", "port": broker.tls_port}});
    std::fs::write(&bundle, text.to_string()).unwrap();
    let x = xvfb::Xvfb::start(800, 600);
    let import = || {
        let out = player(&x, home.path())
            .arg("import")
            .arg(&bundle)
            .output()
            .expect("run import");
        assert!(
            out.status.success(),
            "import failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    import();
    let _first = Killed(player(&x, home.path()).spawn().expect("start the player"));
    server.wait_published("status", Duration::from_secs(60), |r| {
        r.topic.contains(&key) && r.json()["status"] == "online"
    });
    let art_dir = tempfile::tempdir().unwrap();
    image::RgbImage::from_pixel(32, 32, image::Rgb(MARK))
        .save(art_dir.path().join("mark.png"))
        .unwrap();
    let out = player(&x, home.path())
        .arg(art_dir.path().join("mark.png"))
        .output()
        .expect("the second launch");
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("already running"),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    wait_until("the handed file on screen", Duration::from_secs(30), || {
        x.screenshot().pixels().any(|p| [p[0], p[1], p[2]] == MARK)
    });
    // `import` beside the window: the window reloads (and reconnects with the set).
    import();
    wait_until(
        "the window to hear of the new credentials",
        Duration::from_secs(10),
        || log(home.path()).contains("credentials changed"),
    );
    let count = |what: &str| {
        let log = broker.log();
        log.lines()
            .filter(|l| l.contains(what) && l.contains(&key))
            .count()
    };
    // The window's first session, then its reconnect with the imported set.
    wait_until(
        "the window to connect again with the new credentials",
        Duration::from_secs(20),
        || count("New client connected") >= 2,
    );
    // Mosquitto logs a takeover ("already connected, closing old connection")
    // before the connect that caused it: both are in the log by now.
    // One session at a time: the reload replaces the window's own session, never a second client.
    let (connects, takeovers) = (count("New client connected"), count("already connected"));
    assert_eq!(connects, 2, "{}", broker.log());
    assert_eq!(
        takeovers,
        0,
        "two clients held the identity: {}",
        broker.log()
    );
}
