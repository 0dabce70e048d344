//! The command line as a user types it: the server flags go before or after a
//! subcommand, and a subcommand never opens the window.

use std::time::{Duration, Instant};

/// Runs the program with `args`, no display and no keyring service, its
/// folders under `root`; (success, stdout + stderr). A command still running
/// after 20 s fails the test: a window that opened instead of the command
/// would wait for ever.
fn player(root: &std::path::Path, args: &[&str]) -> (bool, String) {
    let mut child = crate::support::headless_player(root)
        .args(args)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut hung = false;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            hung = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !hung,
        "`{}` did not end within 20 s: {text}",
        args.join(" ")
    );
    (out.status.success(), text)
}

#[test]
fn a_server_flag_before_the_subcommand_runs_the_subcommand() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("run")).unwrap();
    let api = "http://127.0.0.1:9/api";
    let after = player(root.path(), &["credentials", "show", "--api", api]);
    let before = player(root.path(), &["--api", api, "credentials", "show"]);
    assert_eq!(
        before, after,
        "the same command whichever side the flag is on"
    );
    let (ok, text) = before;
    // The command ran (nothing stored here) with the flag taken: it makes the server Custom.
    assert!(ok, "{text}");
    assert!(
        text.starts_with("Not registered.") && text.contains("Server:     Custom"),
        "{text}"
    );
    assert!(
        !text.contains("window") && !text.contains("credentials\""),
        "{text}"
    );
}

#[test]
fn a_window_flag_with_a_subcommand_is_refused_in_one_sentence() {
    let root = tempfile::tempdir().unwrap();
    let (ok, text) = player(root.path(), &["--fullscreen", "credentials", "show"]);
    assert!(!ok);
    assert!(
        text.contains("runs without a window") && text.contains("--fullscreen"),
        "{text}"
    );
    assert_eq!(text.trim().lines().count(), 1, "{text}");
}
