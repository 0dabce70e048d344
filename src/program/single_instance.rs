//! One window per player identity on a computer. Two windows would hold the
//! same MQTT identity and knock each other off the broker for ever, so the
//! first window listens on a local socket (a named pipe on Windows) named after
//! its config folder, and a later launch hands its paths and flags to it and
//! exits. The command-line subcommands use the same socket to tell a running
//! window that the stored credentials changed.
//!
//! Only this user's launches are obeyed, and a launch speaks only to this
//! user's window: the socket lives in a private folder (`place.rs`), both
//! ends check the other's identity, and on Windows the pipe admits this user
//! alone (`windows.rs`). Credentials reloads are spaced out (`reload_gate.rs`).

mod place;
mod reload_gate;
#[cfg(windows)]
mod windows;

use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use interprocess::local_socket::traits::{ListenerExt, Stream as _};
use interprocess::local_socket::{Listener, ListenerOptions, Name, Stream};
use serde::{Deserialize, Serialize};

use crate::logging::{Throttle, clip};

use reload_gate::ReloadGate;
pub use reload_gate::SPACING as RELOAD_SPACING;

/// A message larger than this is not from a launch of ours.
const MAX_MESSAGE: u64 = 256 * 1024;
/// How long either side waits for the other; a second launch is gone within a second.
const PATIENCE: Duration = Duration::from_millis(700);
const REPLY: &[u8] = b"ok\n";

/// What a later launch asks of the running window.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Message {
    /// Files or folders to play, absolute (the launch's working folder is not the window's).
    pub paths: Vec<PathBuf>,
    pub fullscreen: bool,
    /// `--preview` names, as typed.
    pub previews: Vec<String>,
    /// `--output` addresses, checked and written as Settings keeps them: these
    /// LED panels play too, for the running window's session.
    pub outputs: Vec<String>,
    /// The stored credentials changed (a subcommand imported, renewed or removed them).
    pub reload_credentials: bool,
}

impl Message {
    /// Paths made absolute against `cwd`.
    pub fn open(paths: &[PathBuf], cwd: &Path) -> Self {
        Self {
            paths: paths.iter().map(|p| cwd.join(p)).collect(),
            ..Self::default()
        }
    }
}

/// Which socket a window of one identity listens on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceName {
    /// The socket's file name (the pipe's name on Windows).
    file: String,
    /// The session's private folder (`$XDG_RUNTIME_DIR`), when it has one.
    runtime_dir: Option<PathBuf>,
}

impl InstanceName {
    /// The same name with `dir` in place of `$XDG_RUNTIME_DIR` (tests).
    pub fn with_runtime_dir(self, dir: Option<PathBuf>) -> Self {
        Self {
            runtime_dir: dir,
            ..self
        }
    }

    /// The socket's file name (the pipe's name on Windows).
    pub fn file_name(&self) -> &str {
        &self.file
    }

    /// The socket file (Unix): in the runtime folder, or a private folder of ours.
    #[cfg(unix)]
    pub fn socket_path(&self) -> io::Result<PathBuf> {
        let temp = std::env::temp_dir();
        Ok(place::socket_dir(self.runtime_dir.as_deref(), &temp)?.join(&self.file))
    }

    #[cfg(unix)]
    fn socket(&self) -> io::Result<Name<'static>> {
        use interprocess::local_socket::{GenericFilePath, ToFsName as _};
        self.socket_path()?.to_fs_name::<GenericFilePath>()
    }

    #[cfg(windows)]
    fn socket(&self) -> io::Result<Name<'static>> {
        use interprocess::local_socket::{GenericNamespaced, ToNsName as _};
        self.file.clone().to_ns_name::<GenericNamespaced>()
    }
}

/// The socket's name for the identity kept in `config_dir`: each config folder
/// (so each user, and each test's temporary home) has its own.
pub fn name_for(config_dir: Option<&Path>) -> InstanceName {
    // FNV-1a: stable across builds, unlike the standard library's hasher.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let text = config_dir.map(|p| p.to_string_lossy().into_owned());
    for byte in text.unwrap_or_default().bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    InstanceName {
        file: format!("club.makapix.player-{hash:016x}.sock"),
        runtime_dir: std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from),
    }
}

/// The outcome of starting: this process holds the window, or another did and has our message.
pub enum Claim {
    First(InstanceListener),
    HandedOver,
}

#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    #[error(
        "Another Makapix Player window for this player is running but does not answer; close it (or end it in the task manager) and start the player again."
    )]
    NoAnswer,
    #[error(
        "Another user's program holds the name of the player's local pipe, so a later launch will open a window of its own; sign out and in again if it stays."
    )]
    Foreign,
    #[error("The player could not check for a window already running: {0}")]
    Io(#[from] io::Error),
}

/// The other end of the local socket runs as another user.
#[derive(Debug, thiserror::Error)]
#[error("the local socket belongs to another user")]
struct Foreign;

fn is_foreign(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<Foreign>())
}

/// Hands `message` to a running window, or becomes the one that listens.
pub fn claim(name: &InstanceName, message: &Message) -> Result<Claim, ClaimError> {
    // Two launches at once: one wins the name, the other then reaches it.
    for _ in 0..3 {
        let take_over = match send(name, message) {
            Ok(()) => return Ok(Claim::HandedOver),
            // Windows: a pipe of another user's cannot be replaced; this window
            // opens without one (nothing was sent to it).
            Err(e) if cfg!(windows) && is_foreign(&e) => return Err(ClaimError::Foreign),
            // Unix: a socket file nobody answers on (a crashed window's), or
            // another user's in our folder (root's), is replaced, not obeyed.
            Err(e) => {
                is_foreign(&e)
                    || matches!(
                        e.kind(),
                        io::ErrorKind::ConnectionRefused | io::ErrorKind::NotFound
                    )
            }
        };
        match listen(name, take_over) {
            Ok(listener) => return Ok(Claim::First(InstanceListener::start(listener, name)?)),
            // Taken meanwhile (Windows says "access denied" for a pipe that exists,
            // also when another user's pipe squats the name).
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::AddrInUse | io::ErrorKind::PermissionDenied
                ) =>
            {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ClaimError::NoAnswer)
}

/// Tells a running window, if any, to read the stored credentials again.
/// False when no window answered (nothing to tell).
pub fn notify_credentials_changed(name: &InstanceName) -> bool {
    let message = Message {
        reload_credentials: true,
        ..Message::default()
    };
    send(name, &message).is_ok()
}

fn send(name: &InstanceName, message: &Message) -> io::Result<()> {
    let mut stream = Stream::connect(name.socket()?)?;
    // Paths and flags go to this user's window only, never to whoever holds the name.
    if !place::same_user(&stream) {
        tracing::warn!("the player's local socket is held by another user; nothing was sent");
        return Err(io::Error::new(io::ErrorKind::PermissionDenied, Foreign));
    }
    stream.set_recv_timeout(Some(PATIENCE))?;
    let mut line = serde_json::to_vec(message).map_err(io::Error::other)?;
    line.push(b'\n');
    stream.write_all(&line)?;
    stream.flush()?;
    let mut reply = Vec::new();
    BufReader::new(&mut stream)
        .take(16)
        .read_until(b'\n', &mut reply)?;
    if reply == REPLY {
        Ok(())
    } else {
        Err(io::Error::other("the running window did not confirm"))
    }
}

/// Listens on `name`; `take_over`: a socket file already there is replaced (Unix).
fn listen(name: &InstanceName, take_over: bool) -> io::Result<Listener> {
    let options = ListenerOptions::new()
        .name(name.socket()?)
        .try_overwrite(cfg!(unix) && take_over)
        .max_spin_time(Duration::from_millis(500));
    #[cfg(windows)]
    let options = windows::only_this_user(options)?;
    options.create_sync()
}

type Waker = Arc<Mutex<Option<Box<dyn Fn() + Send>>>>;

/// The first window's end: a thread answers later launches at once (even while
/// the window is busy) and queues their messages for the window.
pub struct InstanceListener {
    rx: Receiver<Message>,
    waker: Waker,
    reloads: ReloadGate,
    /// The socket file, removed when the window closes: the thread answering
    /// launches is never joined, so the listener's own clean-up never runs.
    #[cfg(unix)]
    file: Option<place::SocketFile>,
}

impl Drop for InstanceListener {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(file) = &self.file {
            file.remove();
        }
    }
}

impl InstanceListener {
    fn start(listener: Listener, name: &InstanceName) -> io::Result<Self> {
        #[cfg(unix)]
        let file = name.socket_path().ok().and_then(place::SocketFile::made_at);
        #[cfg(not(unix))]
        let _ = name;
        let (tx, rx) = mpsc::channel();
        let waker: Waker = Arc::default();
        let wake = Arc::clone(&waker);
        std::thread::Builder::new()
            .name("single-instance".into())
            .spawn(move || serve(&listener, &tx, &wake))?;
        Ok(Self {
            rx,
            waker,
            reloads: ReloadGate::default(),
            #[cfg(unix)]
            file,
        })
    }

    /// How to wake the window when a message arrives (known once the window exists).
    pub fn set_wake(&self, wake: impl Fn() + Send + 'static) {
        *self.waker.lock().unwrap_or_else(|p| p.into_inner()) = Some(Box::new(wake));
    }

    /// The next message, with credentials reloads at most one per
    /// [`RELOAD_SPACING`]; a reload held back comes alone once it is due.
    pub fn try_recv(&mut self) -> Option<Message> {
        self.try_recv_at(Instant::now())
    }

    pub(crate) fn try_recv_at(&mut self, now: Instant) -> Option<Message> {
        while let Ok(mut message) = self.rx.try_recv() {
            if message.reload_credentials {
                message.reload_credentials = self.reloads.ask(now);
            }
            if message != Message::default() {
                return Some(message);
            }
        }
        self.reloads.due(now).then(|| Message {
            reload_credentials: true,
            ..Message::default()
        })
    }

    /// When a held-back credentials reload is due: the window wakes then.
    pub(crate) fn next_due(&self) -> Option<Instant> {
        self.reloads.next_due()
    }
}

fn serve(listener: &Listener, tx: &Sender<Message>, wake: &Waker) {
    for conn in listener.incoming() {
        // Another local program can connect in a loop: a few warnings a minute.
        static WARNINGS: Throttle = Throttle::new(10, Duration::from_secs(60));
        let mut stream = match conn {
            Ok(stream) => stream,
            Err(e) => {
                if let Some(note) = WARNINGS.allow() {
                    tracing::warn!("a later launch could not be answered: {e}{}", note);
                }
                continue;
            }
        };
        if !place::same_user(&stream) {
            // Another local user reached the socket (root, or a misconfigured
            // folder): their paths and flags are not obeyed.
            if let Some(note) = WARNINGS.allow() {
                tracing::warn!(
                    "a connection from another user on the player's local socket was refused{}",
                    note
                );
            }
            continue;
        }
        match read_message(&mut stream) {
            Ok(message) => {
                tracing::info!(
                    "a later launch handed over {} path(s) and {} output(s){}",
                    message.paths.len(),
                    message.outputs.len(),
                    if message.reload_credentials {
                        "; credentials changed"
                    } else {
                        ""
                    }
                );
                if tx.send(message).is_err() {
                    return; // the window is gone
                }
                if let Some(wake) = wake.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
                    wake();
                }
                // Confirmed once queued and the window woken: the launch may then end.
                let _ = stream.write_all(REPLY);
            }
            Err(e) => {
                if let Some(note) = WARNINGS.allow() {
                    let e = clip(&e.to_string()).into_owned();
                    tracing::warn!(
                        "an unreadable message on the player's local socket: {e}{}",
                        note
                    );
                }
            }
        }
    }
}

fn read_message(stream: &mut Stream) -> io::Result<Message> {
    stream.set_recv_timeout(Some(PATIENCE))?;
    let mut line = Vec::new();
    BufReader::new(stream)
        .take(MAX_MESSAGE)
        .read_until(b'\n', &mut line)?;
    serde_json::from_slice(&line).map_err(io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn unique_name() -> InstanceName {
        let dir = std::env::temp_dir().join(uuid::Uuid::new_v4().to_string());
        name_for(Some(&dir))
    }

    #[test]
    fn names_differ_by_config_folder_and_stay_the_same_for_one() {
        let a = name_for(Some(Path::new("/home/a/.config/makapixplayer")));
        assert_eq!(
            a,
            name_for(Some(Path::new("/home/a/.config/makapixplayer")))
        );
        assert_ne!(
            a,
            name_for(Some(Path::new("/home/b/.config/makapixplayer")))
        );
    }

    #[test]
    fn a_second_claim_hands_its_message_to_the_first() {
        let name = unique_name();
        let Claim::First(mut server) = claim(&name, &Message::default()).unwrap() else {
            panic!("nobody listened yet");
        };
        let woken = Arc::new(Mutex::new(0));
        let count = Arc::clone(&woken);
        server.set_wake(move || *count.lock().unwrap() += 1);
        let message = Message {
            outputs: vec!["ddp://127.0.0.1:4048?size=8x8".into()],
            ..Message::open(&[PathBuf::from("art.gif")], Path::new("/work"))
        };
        let started = Instant::now();
        assert!(matches!(claim(&name, &message), Ok(Claim::HandedOver)));
        assert!(started.elapsed() < Duration::from_secs(1));
        let got = server.try_recv().expect("the message arrived");
        assert_eq!(got.paths, [PathBuf::from("/work/art.gif")]);
        assert_eq!(got.outputs, ["ddp://127.0.0.1:4048?size=8x8"]);
        assert_eq!(*woken.lock().unwrap(), 1);
        assert!(notify_credentials_changed(&name));
        assert!(server.try_recv().unwrap().reload_credentials);
    }

    #[test]
    fn a_burst_of_credentials_changes_reloads_once_now_and_once_later() {
        let name = unique_name();
        let Claim::First(mut server) = claim(&name, &Message::default()).unwrap() else {
            panic!("nobody listened yet");
        };
        for _ in 0..5 {
            assert!(notify_credentials_changed(&name));
        }
        let message = Message::open(&[PathBuf::from("a.gif")], Path::new("/w"));
        assert!(matches!(claim(&name, &message), Ok(Claim::HandedOver)));
        let now = Instant::now();
        let mut got = Vec::new();
        while let Some(m) = server.try_recv_at(now) {
            got.push(m);
        }
        let reloads = got.iter().filter(|m| m.reload_credentials).count();
        assert_eq!(reloads, 1, "one reconnect for the burst: {got:?}");
        assert_eq!(
            got.last().map(|m| m.paths.len()),
            Some(1),
            "paths still arrive"
        );
        // The changes after the first are not lost: one more reload once spaced.
        assert_eq!(server.next_due(), Some(now + RELOAD_SPACING));
        assert!(server.try_recv_at(now + RELOAD_SPACING / 2).is_none());
        let later = server.try_recv_at(now + RELOAD_SPACING);
        assert!(later.is_some_and(|m| m.reload_credentials && m.paths.is_empty()));
        assert!(server.try_recv_at(now + RELOAD_SPACING * 2).is_none());
    }

    #[cfg(unix)]
    #[test]
    fn a_socket_file_left_by_a_crashed_window_is_taken_over() {
        let name = unique_name();
        let path = name.socket_path().unwrap();
        // Bound, then gone without removing its file, as a crashed window leaves it.
        drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
        assert!(path.exists());
        let started = Instant::now();
        assert!(matches!(
            claim(&name, &Message::default()),
            Ok(Claim::First(_))
        ));
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[cfg(unix)]
    #[test]
    fn a_closing_window_removes_its_socket_file_but_not_a_later_ones() {
        let name = unique_name();
        let path = name.socket_path().unwrap();
        let Ok(Claim::First(server)) = claim(&name, &Message::default()) else {
            panic!("nobody listened yet");
        };
        assert!(path.exists());
        drop(server);
        assert!(!path.exists(), "the closed window's socket file is gone");
        // A window whose file a later one replaced leaves the later one's alone.
        let Ok(Claim::First(old)) = claim(&name, &Message::default()) else {
            panic!("the name is free again");
        };
        std::fs::remove_file(&path).unwrap();
        let Ok(Claim::First(new)) = claim(&name, &Message::default()) else {
            panic!("the name is free again");
        };
        drop(old);
        assert!(path.exists(), "the later window's file stays");
        drop(new);
        assert!(!path.exists());
    }

    #[test]
    fn without_a_window_nothing_is_told() {
        assert!(!notify_credentials_changed(&unique_name()));
    }
}
