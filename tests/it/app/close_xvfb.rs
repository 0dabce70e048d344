//! A window manager's close reaches the real binary, which then ends by itself,
//! even when the X server is held up while the close is sent (a loaded machine:
//! the soak and the player-key test saw the window stay open at load 8 to 14).

use crate::support::Running;
use crate::support::xvfb;

use std::process::Stdio;
use std::time::{Duration, Instant};

/// The real binary on `x` with its home in `home` and `args`, killed when dropped.
fn start(x: &xvfb::Xvfb, home: &std::path::Path, args: &[&str]) -> Running {
    Running(
        x.player(home)
            .args(args)
            .stderr(Stdio::null())
            .spawn()
            .expect("start makapix-player"),
    )
}

/// How the player ended, which it must do by itself within 5 s of `what`.
fn ended_within_5_s(player: &mut Running, what: &str) -> std::process::ExitStatus {
    let asked = Instant::now();
    loop {
        if let Some(status) = player.0.try_wait().unwrap() {
            return status;
        }
        // Quitting takes under 2 s (ARCHITECTURE.md); a debug build on a busy
        // machine gets some room, a close that never arrived gets none.
        assert!(
            asked.elapsed() < Duration::from_secs(5),
            "the player was still running 5 s after {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
#[ignore = "needs Xvfb: scripts/test-all.sh runs it"]
fn the_window_closes_when_the_x_server_lags_behind_the_close() {
    let x = xvfb::Xvfb::start(800, 600);
    let home = tempfile::tempdir().unwrap();
    let mut player = start(&x, home.path(), &[]);
    let pid = player.0.id();
    x.wait_for_window(pid, Duration::from_secs(30));

    x.close_window_stalled(pid, Some(Duration::from_millis(300)));
    let status = ended_within_5_s(&mut player, "its window was closed");
    assert!(status.success(), "the player ended with {status}");
}

/// Whether `dir` holds a socket file (the single-instance socket).
fn holds_socket(dir: &std::path::Path) -> bool {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .any(|e| e.file_name().to_string_lossy().ends_with(".sock"))
}

/// A session ending (SIGTERM), Ctrl+C in the starting terminal (SIGINT) or that
/// terminal closing (SIGHUP) closes the window, without asking anything: the
/// player ends by itself, and what it does on the way out (here, removing its
/// socket file) is done.
#[test]
#[ignore = "needs Xvfb: scripts/test-all.sh runs it"]
fn a_terminate_signal_closes_the_window_and_ends_the_player_cleanly() {
    let x = xvfb::Xvfb::start(800, 600);
    for (signal, name) in [
        (libc::SIGTERM, "SIGTERM"),
        (libc::SIGINT, "SIGINT"),
        (libc::SIGHUP, "SIGHUP"),
    ] {
        let home = tempfile::tempdir().unwrap();
        let run = xvfb::session_dir(home.path());
        let mut player = start(&x, home.path(), &[]);
        let pid = player.0.id();
        x.wait_for_window(pid, Duration::from_secs(30));
        assert!(holds_socket(&run), "the window listens for later launches");
        // SAFETY: signals the child this test started and still holds.
        assert_eq!(unsafe { libc::kill(pid as libc::pid_t, signal) }, 0);
        let status = ended_within_5_s(&mut player, name);
        assert!(
            status.success(),
            "after {name} the player ended with {status}"
        );
        assert!(!holds_socket(&run), "after {name} the socket file is left");
    }
}

/// A window playing to an E1.31 panel tells it, as it closes, that the stream
/// has ended (Stream_Terminated, three times a universe): the panel lets go at
/// once instead of holding the last frame until its own timeout.
#[test]
#[ignore = "needs Xvfb: scripts/test-all.sh runs it"]
fn closing_the_window_ends_its_e131_stream_with_the_terminated_packets() {
    use makapix_player::outputs::e131;
    let receiver = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    receiver
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let port = receiver.local_addr().unwrap().port();
    let x = xvfb::Xvfb::start(800, 600);
    let home = tempfile::tempdir().unwrap();
    let output = format!("e131://127.0.0.1:{port}?universe=4&size=8x8");
    let mut player = start(&x, home.path(), &["--output", &output]);
    let mut packet = [0u8; 2048];
    // The sample art reaches the panel first.
    let n = receiver.recv(&mut packet).expect("the art on the panel");
    assert!(e131::read(&packet[..n]).is_some() && !e131::is_terminated(&packet[..n]));
    let pid = player.0.id();
    // SAFETY: signals the child this test started and still holds.
    assert_eq!(unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) }, 0);
    let status = ended_within_5_s(&mut player, "SIGTERM");
    assert!(status.success(), "the player ended with {status}");
    // The player has ended: every packet it sent is waiting here.
    receiver.set_nonblocking(true).unwrap();
    let mut ends = 0;
    while let Ok(n) = receiver.recv(&mut packet) {
        if e131::is_terminated(&packet[..n]) {
            assert_eq!(e131::read(&packet[..n]).map(|(u, ..)| u), Some(4));
            ends += 1;
        }
    }
    assert_eq!(ends, 3, "three Stream_Terminated packets for universe 4");
}
