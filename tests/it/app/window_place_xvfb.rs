//! The second day: the window opens at the size the user left it at, and
//! `--window-size` still decides for the run it is given to. The real binary
//! on Xvfb (no window manager: the test resizes the window as a user would).

use crate::support::Running;
use crate::support::xvfb;

use std::process::Stdio;
use std::time::Duration;

const SOON: Duration = Duration::from_secs(30);

/// Waits for the window's first frames: the bare X screen is black, the
/// window's menu bar and welcome card are not.
fn painted(x: &xvfb::Xvfb) {
    until("the window painted", || {
        x.try_screenshot()
            .is_some_and(|shot| shot.pixels().filter(|p| p.0[..3] != [0, 0, 0]).count() > 5000)
    });
}

fn start(x: &xvfb::Xvfb, home: &std::path::Path, args: &[&str]) -> (Running, u32) {
    let player = Running(
        x.player(home)
            .args(args)
            .stderr(Stdio::null())
            .spawn()
            .expect("start makapix-player"),
    );
    let window = x.wait_for_window(player.0.id(), SOON);
    (player, window)
}

/// Waits until `done` holds, at most `SOON`.
fn until(what: &str, mut done: impl FnMut() -> bool) {
    crate::support::rig::wait_for(what, SOON, || done().then_some(()));
}

/// Closes the window as its close button does, and waits for the player to end.
fn close(x: &xvfb::Xvfb, mut player: Running) {
    x.close_window(player.0.id());
    until("the player ending", || {
        player.0.try_wait().unwrap().is_some()
    });
}

#[test]
#[ignore = "needs Xvfb: scripts/test-all.sh runs it"]
fn the_window_opens_at_the_size_it_was_left_at() {
    let x = xvfb::Xvfb::start(1600, 1200);
    let home = tempfile::tempdir().unwrap();
    let settings = home.path().join("config/makapixplayer/settings.json");

    let (player, window) = start(&x, home.path(), &[]);
    painted(&x);
    let first = x.window_size(window);
    x.resize_window(window, 1100, 820);
    until("the new size saved with the settings", || {
        std::fs::read_to_string(&settings)
            .is_ok_and(|t| t.contains("1100.0") && t.contains("820.0"))
    });
    close(&x, player);

    let (player, window) = start(&x, home.path(), &[]);
    until("the window at its size of yesterday", || {
        x.window_size(window) == (1100, 820)
    });
    close(&x, player);
    assert_ne!(
        first,
        (1100, 820),
        "the test needs a size other than the first"
    );

    let (player, window) = start(&x, home.path(), &["--window-size", "700x500"]);
    // Given on the command line: that size, still once frames are on the screen.
    // A remembered size would have been asked for before the first frame.
    painted(&x);
    assert_eq!(x.window_size(window), (700, 500));
    close(&x, player);
}
