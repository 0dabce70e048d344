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

mod first_lock;
mod listener;
mod place;
mod reload_gate;
#[cfg(windows)]
mod windows;

use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use interprocess::local_socket::traits::Stream as _;
use interprocess::local_socket::{Listener, ListenerOptions, Name, Stream};
use serde::{Deserialize, Serialize};

use first_lock::FirstLock;
pub use listener::InstanceListener;
pub use reload_gate::SPACING as RELOAD_SPACING;

/// A message larger than this is not from a launch of ours.
const MAX_MESSAGE: u64 = 256 * 1024;
/// How long either side waits for the other; a second launch is gone within a second.
const PATIENCE: Duration = Duration::from_millis(700);
const REPLY: &[u8] = b"ok\n";
/// The window is closing: the launch waits for it to go, then opens its own.
const CLOSING: &[u8] = b"closing\n";
/// How long a launch waits for a window that holds the name to answer, or to
/// finish closing (under 2 s: ARCHITECTURE.md).
const WAIT_FOR_FIRST: Duration = Duration::from_secs(10);
/// How often it asks meanwhile.
const RETRY: Duration = Duration::from_millis(50);

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

    /// The lock file beside the socket that decides who listens (Unix).
    #[cfg(unix)]
    fn lock_path(&self) -> io::Result<PathBuf> {
        let temp = std::env::temp_dir();
        let dir = place::socket_dir(self.runtime_dir.as_deref(), &temp)?;
        Ok(dir.join(format!("{}.lock", self.file)))
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
    #[error(
        "The Makapix Player window that was closing has not ended yet; start the player again once it has."
    )]
    StillClosing,
    #[error(
        "Too many files to hand to the running window at once ({0}); open their folder instead, or fewer files at a time."
    )]
    TooLarge(usize),
    #[error(
        "The folder for the player's local socket cannot be used ({0}), so this window opens without checking for another one."
    )]
    Unusable(io::Error),
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

/// The message is larger than a window reads: this many paths.
#[derive(Debug, thiserror::Error)]
#[error("{0} paths are more than the running window reads at once")]
struct TooLarge(usize);

/// A failure to reach the window that asking again cannot mend.
fn final_failure(e: &io::Error) -> Option<ClaimError> {
    // Windows: a pipe of another user's cannot be replaced; this window
    // opens without one (nothing was sent to it).
    if cfg!(windows) && is_foreign(e) {
        return Some(ClaimError::Foreign);
    }
    let too_large = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<TooLarge>());
    too_large.map(|TooLarge(paths)| ClaimError::TooLarge(*paths))
}

/// Hands `message` to a running window, or becomes the one that listens.
pub fn claim(name: &InstanceName, message: &Message) -> Result<Claim, ClaimError> {
    // No folder for the socket: no window can be reached there, nor this one.
    name.socket().map_err(ClaimError::Unusable)?;
    let deadline = Instant::now() + WAIT_FOR_FIRST;
    let mut closing = false;
    loop {
        match send(name, message) {
            Ok(Reply::Taken) => return Ok(Claim::HandedOver),
            // It holds the lock until it is gone; then this launch opens the window.
            Ok(Reply::Closing) => closing = true,
            Err(e) => {
                if let Some(failure) = final_failure(&e) {
                    return Err(failure);
                }
            }
        }
        // Another launch is deciding, or a window holds the name while it starts
        // listening, closes (or does not answer): ask again until it answers.
        if let Some(lock) = FirstLock::try_take(name).map_err(ClaimError::Unusable)?
            && let Some(claimed) = claim_first(name, message, lock)?
        {
            return Ok(claimed);
        }
        if Instant::now() >= deadline {
            return Err(if closing {
                ClaimError::StillClosing
            } else {
                ClaimError::NoAnswer
            });
        }
        std::thread::sleep(RETRY);
    }
}

/// Under the lock: hands over to a window that answers now, else listens,
/// replacing a socket file nobody answers on. `None`: ask again later.
fn claim_first(
    name: &InstanceName,
    message: &Message,
    lock: FirstLock,
) -> Result<Option<Claim>, ClaimError> {
    // Asked again under the lock: a window may have started listening since.
    let take_over = match send(name, message) {
        // A window that takes no lock (an older version's).
        Ok(Reply::Taken) => return Ok(Some(Claim::HandedOver)),
        // It let the lock go: it is on its way out.
        Ok(Reply::Closing) => true,
        // Unix: a socket file nobody answers on (a crashed window's), or
        // another user's in our folder (root's), is replaced, not obeyed.
        Err(e) => {
            if let Some(failure) = final_failure(&e) {
                return Err(failure);
            }
            is_foreign(&e)
                || matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionRefused | io::ErrorKind::NotFound
                )
        }
    };
    // A socket that accepts but does not answer in time is never replaced.
    if !take_over {
        return Ok(None);
    }
    match listen(name) {
        Ok(listener) => Ok(Some(Claim::First(InstanceListener::start(
            listener, name, lock,
        )?))),
        // Windows says "access denied" for a pipe that exists (its owner is
        // closing), also when another user's pipe squats the name.
        Err(e)
            if cfg!(windows)
                && matches!(
                    e.kind(),
                    io::ErrorKind::AddrInUse | io::ErrorKind::PermissionDenied
                ) =>
        {
            Ok(None)
        }
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => Err(ClaimError::Unusable(e)),
        Err(e) => Err(e.into()),
    }
}

/// Tells a running window, if any, to read the stored credentials again.
/// False when no window answered (nothing to tell).
pub fn notify_credentials_changed(name: &InstanceName) -> bool {
    let message = Message {
        reload_credentials: true,
        ..Message::default()
    };
    matches!(send(name, &message), Ok(Reply::Taken))
}

/// What a running window answered.
enum Reply {
    /// Queued for the window.
    Taken,
    /// Not taken: the window is closing.
    Closing,
}

fn send(name: &InstanceName, message: &Message) -> io::Result<Reply> {
    let mut stream = Stream::connect(name.socket()?)?;
    // Paths and flags go to this user's window only, never to whoever holds the name.
    if !place::same_user(&stream) {
        tracing::warn!("the player's local socket is held by another user; nothing was sent");
        return Err(io::Error::new(io::ErrorKind::PermissionDenied, Foreign));
    }
    stream.set_recv_timeout(Some(PATIENCE))?;
    let mut line = serde_json::to_vec(message).map_err(io::Error::other)?;
    line.push(b'\n');
    // The window would read part of it and answer nothing.
    if line.len() as u64 > MAX_MESSAGE {
        let too_large = TooLarge(message.paths.len());
        return Err(io::Error::new(io::ErrorKind::InvalidInput, too_large));
    }
    stream.write_all(&line)?;
    stream.flush()?;
    let mut reply = Vec::new();
    BufReader::new(&mut stream)
        .take(16)
        .read_until(b'\n', &mut reply)?;
    if reply == REPLY {
        Ok(Reply::Taken)
    } else if reply == CLOSING {
        Ok(Reply::Closing)
    } else {
        Err(io::Error::other("the running window did not confirm"))
    }
}

/// Listens on `name`. Only under the lock, once nobody answered there: a
/// socket file already there is then replaced (Unix).
fn listen(name: &InstanceName) -> io::Result<Listener> {
    let options = ListenerOptions::new()
        .name(name.socket()?)
        .try_overwrite(cfg!(unix))
        .max_spin_time(Duration::from_millis(500));
    #[cfg(windows)]
    let options = windows::only_this_user(options)?;
    options.create_sync()
}

#[cfg(test)]
mod tests;
