//! One window per identity, but only for its own user: a launch by another user is
//! not obeyed, and a socket another user set up first (squatting the name) neither
//! receives a launch's paths nor holds the launch up. Needs root (to act as user
//! `nobody`); `scripts/test-all.sh` runs these, as root, in CI.
#![cfg(target_os = "linux")]

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use makapix_player::program::single_instance::{Claim, Message, claim, name_for};

/// Debian's own Python (package python3), which user `nobody` may run, unlike one
/// installed under root's home.
const PYTHON: &str = "/usr/bin/python3";
const NOBODY: u32 = 65534;

fn python(as_nobody: bool) -> Command {
    if as_nobody {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", PYTHON]);
        c
    } else {
        Command::new(PYTHON)
    }
}

/// Connects to the socket file `path` as the current user or, with `as_nobody`, as
/// `nobody`, sends a handover message and prints what came back.
fn knock(path: &Path, as_nobody: bool) -> String {
    let script = r#"
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
try:
    s.connect(sys.argv[1])
    s.sendall(b'{"paths": ["/tmp/not-yours.gif"]}\n')
    print(repr(s.recv(16)))
except Exception as e:
    print("error", e)
"#;
    let out = python(as_nobody)
        .args(["-c", script])
        .arg(path)
        .output()
        .expect(
            "/usr/bin/python3 (Debian package python3) and setpriv (util-linux) must be installed",
        );
    assert!(
        out.status.success(),
        "the knocking program failed (this test must run as root): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn wait_for_message(
    server: &mut makapix_player::program::single_instance::InstanceListener,
) -> Message {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(m) = server.try_recv() {
            return m;
        }
        assert!(
            Instant::now() < deadline,
            "this user's message never arrived"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
#[ignore = "needs root to connect as another user; scripts/test-all.sh runs it"]
fn a_launch_by_another_user_is_not_obeyed() {
    let dir = tempfile::tempdir().unwrap();
    let name = name_for(Some(dir.path()));
    let Ok(Claim::First(mut server)) = claim(&name, &Message::default()) else {
        panic!("nobody listened on a fresh name");
    };
    let path = name.socket_path().unwrap();

    let answer = knock(&path, true);
    // Refused at the folder, or closed unread: never the window's confirmation.
    assert_ne!(answer, "b'ok\\n'", "another user's launch was confirmed");
    // The same message from this user is obeyed: the refusal above is not an accident
    // of the message or the socket's name.
    assert_eq!(knock(&path, false), "b'ok\\n'");
    let got = wait_for_message(&mut server);
    assert_eq!(got.paths.len(), 1);
    assert!(
        server.try_recv().is_none(),
        "only one message arrived: another user's was dropped"
    );
}

/// A program run as `nobody` that listens where a launch might look for the window
/// (the abstract name older versions used, and the socket file in `folder`),
/// writes whatever it receives to `folder/received`, and confirms it as the window
/// would. Ready once it printed `ready`.
struct Squatter {
    child: Child,
    received: PathBuf,
}

impl Squatter {
    fn start(folder: &Path, file_name: &str) -> Self {
        let script = r#"
import os, socket, sys, threading
folder, name = sys.argv[1], sys.argv[2]
def serve(address):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(address)
    s.listen(8)
    while True:
        c, _ = s.accept()
        with open(os.path.join(folder, "accepted"), "ab") as f:
            f.write(b"1")
        c.settimeout(5)
        data = c.recv(65536)
        with open(os.path.join(folder, "received"), "ab") as f:
            f.write(data)
        c.sendall(b"ok\n")
        c.close()
for address in ["\0" + name, os.path.join(folder, name)]:
    threading.Thread(target=serve, args=(address,), daemon=True).start()
print("ready", flush=True)
sys.stdin.read()
"#;
        let mut child = python(true)
            .args(["-c", script])
            .arg(folder)
            .arg(file_name)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("/usr/bin/python3 and setpriv must be installed");
        let mut line = String::new();
        let stdout = child.stdout.take().unwrap();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        assert_eq!(
            line.trim(),
            "ready",
            "the squatter did not start (run as root)"
        );
        let received = folder.join("received");
        Self { child, received }
    }
}

impl Drop for Squatter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
#[ignore = "needs root to act as another user; scripts/test-all.sh runs it"]
fn a_socket_squatted_by_another_user_gets_no_paths_and_does_not_hold_up_the_launch() {
    let config = tempfile::tempdir().unwrap();
    // A runtime folder another user owns and set up: a launch must not trust it.
    let theirs = tempfile::tempdir().unwrap();
    std::os::unix::fs::chown(theirs.path(), Some(NOBODY), Some(NOBODY)).unwrap();
    std::fs::set_permissions(theirs.path(), PermissionsExt::from_mode(0o700)).unwrap();
    let name = name_for(Some(config.path())).with_runtime_dir(Some(theirs.path().into()));
    let squatter = Squatter::start(theirs.path(), name.file_name());

    let message = Message::open(&[PathBuf::from("secret.gif")], Path::new("/home/me"));
    // On a thread: a launch held up by the squatter fails the test after 20 s.
    let (tx, rx) = std::sync::mpsc::channel();
    let asking = name.clone();
    std::thread::spawn(move || tx.send(claim(&asking, &message)));
    let claimed = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the launch was held up");
    // Nothing can hold the launch up: it never even connected to the squatter.
    let accepted = std::fs::read(theirs.path().join("accepted")).unwrap_or_default();
    assert!(accepted.is_empty(), "the launch connected to the squatter");
    assert!(
        matches!(claimed, Ok(Claim::First(_))),
        "the launch handed its paths to someone instead of opening its window"
    );
    let received = std::fs::read(&squatter.received).unwrap_or_default();
    assert!(
        received.is_empty(),
        "the squatter received: {}",
        String::from_utf8_lossy(&received)
    );
    let path = name.socket_path().unwrap();
    assert!(!path.starts_with(theirs.path()), "{}", path.display());
}
