//! The player key works as a password at Makapix (`GET /player/{key}/credentials`
//! hands out the private key to whoever knows it). A whole session of the real
//! binary, as a user runs it: registration, a certificate renewal, the window
//! connected over MQTT and told a command, closed cleanly, and a request that
//! fails. Nothing the player printed or wrote may hold the whole key, not even
//! `player.json` (backups and sync tools read it): the key is only in the
//! keyring. Every file it made is 0600 in 0700 folders.
//!
//! The real keyring and a real X server: scripts/test-all.sh runs it inside a
//! private D-Bus session with gnome-keyring, like tests/keyring_real.rs.

use crate::support::Running;
use crate::support::rig;
use crate::support::xvfb;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use rig::api::MakapixApi;
use rig::broker::Broker;
use rig::server::TestServer;
use time::OffsetDateTime;

/// The program with its per-user folders under `home` (the keyring daemon
/// keeps the session's own `XDG_DATA_HOME`; the player's data folder is ours),
/// its HTTPS API the rig's `api`.
fn player(x: &xvfb::Xvfb, home: &Path, api: &MakapixApi, args: &[&str]) -> Command {
    let mut cmd = x.player_with_api(home, &api.base);
    cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd
}

/// Everything a process printed, stdout then stderr.
fn printed(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Reads `stream` to its end on a thread of its own.
fn drain(mut stream: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stream.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// `register`: shows the code; the owner enters it on the web; the player stores the set.
fn register(x: &xvfb::Xvfb, home: &Path, api: &MakapixApi, key: &str) -> String {
    let mut child = Running(
        player(x, home, api, &["register", "--verbose"])
            .spawn()
            .expect("start register"),
    );
    let err = drain(child.0.stderr.take().unwrap());
    let mut stdout = BufReader::new(child.0.stdout.take().unwrap());
    let mut shown = String::new();
    while !shown.contains("Registration code") {
        let mut line = String::new();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "register ended before showing a code: {shown}"
        );
        shown.push_str(&line);
    }
    api.enter_code(key);
    stdout.read_to_string(&mut shown).unwrap();
    let err = err.join().unwrap();
    let status = child.0.wait().unwrap();
    assert!(status.success(), "register failed: {shown}{err}");
    shown + &err
}

/// The window connects, answers a command, and is closed as a window
/// manager's close button does; it must end by itself, successfully.
fn window_session(
    x: &xvfb::Xvfb,
    home: &Path,
    api: &MakapixApi,
    broker: &Broker,
    key: &str,
) -> String {
    let server = TestServer::start(broker);
    let mut window = Running(
        player(x, home, api, &["--verbose"])
            .spawn()
            .expect("start the window"),
    );
    // Read as it comes: a full pipe would stop the window.
    let out = drain(window.0.stdout.take().unwrap());
    let err = drain(window.0.stderr.take().unwrap());
    server.wait_published("status", Duration::from_secs(60), |r| {
        r.topic.contains(key) && r.json()["status"] == "online"
    });
    let id = server.send_command(key, "no_such_command", serde_json::json!({}));
    server.wait_published("command/ack", Duration::from_secs(20), |r| {
        r.json()["command_id"] == id.as_str()
    });
    x.close_window(window.0.id());
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = window.0.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the window did not close");
        std::thread::sleep(Duration::from_millis(50));
    };
    let text = out.join().unwrap() + &err.join().unwrap();
    assert!(status.success(), "the window ended with {status}: {text}");
    text
}

#[test]
#[ignore = "needs a running Secret Service: scripts/test-all.sh runs it inside dbus-run-session"]
fn no_whole_player_key_in_anything_the_player_printed_or_wrote() {
    makapix_player::net::tls::install_crypto_provider();
    let mut broker = Broker::start();
    let api = MakapixApi::start(&broker.ca.pem, broker.tls_port);
    let key = rig::certs::player_key();
    let short = format!("{}…", &key[..8]);
    // The first certificate is inside its renewal window, so `renew` gets the next.
    let now = OffsetDateTime::now_utc();
    let first = broker.ca.player_valid(
        &key,
        now - time::Duration::days(1),
        now + time::Duration::days(30),
    );
    api.provision_as(&key, first);
    api.next_certificate(&key, broker.ca.player(&key));
    let x = xvfb::Xvfb::start(800, 600);
    let home = tempfile::tempdir().unwrap();
    // What an older version left: the umask's modes. Tightened at start-up.
    let config = home.path().join("config/makapixplayer");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("settings.json"), "{}").unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        let loose = |p: &Path, mode| {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap()
        };
        loose(&config, 0o755);
        loose(&config.join("settings.json"), 0o644);
    }
    let mut streams = Vec::new();

    let shown = register(&x, home.path(), &api, &key);
    assert!(
        shown.contains(&format!("Registered: player {short}")),
        "{shown}"
    );
    streams.push(("register", shown));

    let out = player(
        &x,
        home.path(),
        &api,
        &["credentials", "renew", "--verbose"],
    )
    .output()
    .unwrap();
    assert!(
        out.status.success() && printed(&out).contains("Renewed"),
        "{}",
        printed(&out)
    );
    streams.push(("credentials renew", printed(&out)));

    streams.push((
        "the window",
        window_session(&x, home.path(), &api, &broker, &key),
    ));

    let out = player(&x, home.path(), &api, &["credentials", "show"])
        .output()
        .unwrap();
    assert!(
        printed(&out).contains(&format!("Player key: {short}")),
        "{}",
        printed(&out)
    );
    streams.push(("credentials show", printed(&out)));

    // The owner removed the player: the renewal's token and its rotation
    // (whose address holds the key) are refused.
    api.remove_player(&key);
    let out = player(
        &x,
        home.path(),
        &api,
        &["credentials", "renew", "--verbose"],
    )
    .output()
    .unwrap();
    assert!(!out.status.success(), "{}", printed(&out));
    streams.push(("a refused renewal", printed(&out)));
    assert!(
        api.log()
            .iter()
            .any(|(_, path)| path.contains(&format!("{key}/token/rotate"))),
        "the refused request was not made: {:?}",
        api.log()
    );

    for (what, text) in &streams {
        assert!(
            !text.contains(&key),
            "{what} printed the whole player key:\n{text}"
        );
    }
    let files = files_under(home.path());
    assert!(
        files.iter().any(|f| f.ends_with("makapix-player.log")),
        "no log was written: {files:?}"
    );
    for file in &files {
        let text = String::from_utf8_lossy(&std::fs::read(file).unwrap()).into_owned();
        let name = file.display().to_string();
        assert!(
            !name.contains(&key),
            "a file is named after the whole key: {name}"
        );
        assert!(
            !text.contains(&key),
            "{name} holds the whole player key:\n{text}"
        );
    }
    assert_private(home.path());
    broker.stop();
}

/// Every file below `root`'s config, data and cache folders.
fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = ["config", "data", "cache"]
        .iter()
        .map(|d| root.join(d))
        .collect();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

/// The player's own folders are 0700 and its files 0600.
fn assert_private(root: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777;
    let mut stack: Vec<PathBuf> = [
        "config/makapixplayer",
        "data/makapixplayer",
        "cache/makapixplayer",
    ]
    .iter()
    .map(|d| root.join(d))
    .filter(|d| d.exists())
    .collect();
    assert!(!stack.is_empty(), "the player made no folder");
    while let Some(dir) = stack.pop() {
        assert_eq!(mode(&dir), 0o700, "{}", dir.display());
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                assert_eq!(mode(&path), 0o600, "{}", path.display());
            }
        }
    }
}
