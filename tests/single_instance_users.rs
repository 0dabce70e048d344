//! One window per identity, but only for its own user: on Linux the window's local
//! socket is an abstract name that every local user can reach, so a launch by another
//! user must not be obeyed. Needs root (to connect as user `nobody`); `scripts/test-all.sh`
//! runs it, as root, in CI.
#![cfg(target_os = "linux")]

use std::process::Command;
use std::time::{Duration, Instant};

use makapix_player::single_instance::{Claim, Message, claim, name_for};

/// Debian's own Python (package python3), which user `nobody` may run, unlike one
/// installed under root's home.
const PYTHON: &str = "/usr/bin/python3";

/// Connects to the abstract socket `name` as the current user or, with `as_nobody`, as
/// `nobody`, sends a handover message and prints what came back.
fn knock(name: &str, as_nobody: bool) -> String {
    let script = r#"
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect("\0" + sys.argv[1])
s.sendall(b'{"paths": ["/tmp/not-yours.gif"]}\n')
try:
    print(repr(s.recv(16)))
except Exception as e:
    print("error", e)
"#;
    let mut command = if as_nobody {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", PYTHON]);
        c
    } else {
        Command::new(PYTHON)
    };
    let out = command.args(["-c", script, name]).output().expect(
        "/usr/bin/python3 (Debian package python3) and setpriv (util-linux) must be installed",
    );
    assert!(
        out.status.success(),
        "the knocking program failed (this test must run as root): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
#[ignore = "needs root to connect as another user; scripts/test-all.sh runs it"]
fn a_launch_by_another_user_is_not_obeyed() {
    let dir = tempfile::tempdir().unwrap();
    let name = name_for(Some(dir.path()));
    let Ok(Claim::First(server)) = claim(&name, &Message::default()) else {
        panic!("nobody listened on a fresh name");
    };

    let answer = knock(&name, true);
    // Closed unread: an empty read or a reset, never the window's confirmation.
    assert_ne!(answer, "b'ok\\n'", "another user's launch was confirmed");
    // The same message from this user is obeyed: the refusal above is not an accident
    // of the message or the socket's name.
    assert_eq!(knock(&name, false), "b'ok\\n'");
    let deadline = Instant::now() + Duration::from_secs(5);
    let got = loop {
        if let Some(m) = server.try_recv() {
            break m;
        }
        assert!(
            Instant::now() < deadline,
            "this user's message never arrived"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(got.paths.len(), 1);
    assert!(
        server.try_recv().is_none(),
        "only one message arrived: another user's was dropped"
    );
}
