//! Whether the computer's screen is locked, where the system tells.
//!
//! A player must not report views while nobody can see the screen. The window knows
//! when it is minimised or covered (winit), but a locked session often leaves the
//! window "visible" underneath the lock screen, so this asks the system itself: logind
//! and the desktop's screen saver on Linux, the session state on Windows, the session
//! dictionary on macOS. Each system call may block (D-Bus round trips), so a worker
//! thread polls and the window only reads a flag.

#[cfg(all(unix, not(target_os = "macos")))]
mod linux;
#[cfg(target_os = "macos")]
mod macos;
#[cfg(windows)]
mod windows;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::Duration;

#[cfg(all(unix, not(target_os = "macos")))]
pub use linux::DbusLock;

/// How often the worker asks: a view needs 5 s on screen, so a lock seen within a
/// second keeps a locked screen from reporting one.
const POLL: Duration = Duration::from_secs(1);

/// One way of asking the system whether the screen is locked.
pub trait LockSource: Send {
    /// `Some(true)` locked, `Some(false)` unlocked, `None` when this source cannot tell
    /// (no such service, or it did not answer).
    fn read(&mut self) -> Option<bool>;
}

/// What several sources say together: locked when any of them says so; unknown when
/// none can tell.
pub fn combine(readings: impl IntoIterator<Item = Option<bool>>) -> Option<bool> {
    readings
        .into_iter()
        .flatten()
        .reduce(|locked, next| locked || next)
}

/// The lock state as the worker last read it.
const UNKNOWN: u8 = 0;
const UNLOCKED: u8 = 1;
const LOCKED: u8 = 2;

fn encode(reading: Option<bool>) -> u8 {
    match reading {
        None => UNKNOWN,
        Some(false) => UNLOCKED,
        Some(true) => LOCKED,
    }
}

/// A worker that keeps asking `source`; dropping the watch stops it within one poll.
pub struct ScreenLock {
    state: Arc<AtomicU8>,
    stop: Arc<AtomicBool>,
}

impl ScreenLock {
    /// Starts polling `source`; `changed` is called (from the worker) whenever the answer
    /// changes, so a sleeping window wakes to notice.
    pub fn watch(mut source: Box<dyn LockSource>, changed: impl Fn() + Send + 'static) -> Self {
        let state = Arc::new(AtomicU8::new(UNKNOWN));
        let stop = Arc::new(AtomicBool::new(false));
        let (shared, stopped) = (state.clone(), stop.clone());
        let spawned = std::thread::Builder::new()
            .name("screen-lock".into())
            .spawn(move || {
                let mut last = None;
                while !stopped.load(Ordering::Relaxed) {
                    let now = source.read();
                    if now != last {
                        tracing::info!("screen lock: {}", describe(now));
                        shared.store(encode(now), Ordering::Relaxed);
                        changed();
                        last = now;
                    }
                    std::thread::sleep(POLL);
                }
            });
        if let Err(e) = spawned {
            tracing::warn!(
                "the screen lock cannot be watched ({e}); views count while the window is visible"
            );
        }
        Self { state, stop }
    }

    /// The system's own sources, where this platform has any.
    pub fn system() -> Option<Box<dyn LockSource>> {
        #[cfg(all(unix, not(target_os = "macos")))]
        return Some(Box::new(linux::DbusLock::system()));
        #[cfg(target_os = "macos")]
        return Some(Box::new(macos::SessionLock));
        #[cfg(windows)]
        return Some(Box::new(windows::SessionLock));
        #[allow(unreachable_code)]
        None
    }

    /// True only when the system said the screen is locked.
    pub fn locked(&self) -> bool {
        self.state.load(Ordering::Relaxed) == LOCKED
    }

    /// Whether any source has answered yet (for the diagnostics).
    pub fn known(&self) -> bool {
        self.state.load(Ordering::Relaxed) != UNKNOWN
    }
}

impl Drop for ScreenLock {
    fn drop(&mut self) {
        // Not joined: a D-Bus call in progress must not hold up quitting.
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn describe(reading: Option<bool>) -> &'static str {
    match reading {
        None => "the system does not say; views count while the window is visible",
        Some(true) => "locked; no views until it is unlocked",
        Some(false) => "unlocked",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn any_source_saying_locked_wins_and_silence_is_unknown() {
        assert_eq!(combine([None, None]), None);
        assert_eq!(combine([None, Some(false)]), Some(false));
        assert_eq!(combine([Some(false), Some(true)]), Some(true));
        assert_eq!(combine([Some(true), None]), Some(true));
        assert_eq!(combine(std::iter::empty()), None);
    }

    /// Answers from a list, then keeps the last.
    struct Scripted(mpsc::Receiver<Option<bool>>, Option<bool>);

    impl LockSource for Scripted {
        fn read(&mut self) -> Option<bool> {
            if let Ok(next) = self.0.try_recv() {
                self.1 = next;
            }
            self.1
        }
    }

    #[test]
    fn the_watch_follows_its_source_and_wakes_on_each_change() {
        let (tell, answers) = mpsc::channel();
        let (woke, wakes) = mpsc::channel();
        let watch = ScreenLock::watch(Box::new(Scripted(answers, None)), move || {
            let _ = woke.send(());
        });
        assert!(!watch.locked() && !watch.known());
        for (reading, locked) in [(Some(true), true), (Some(false), false), (None, false)] {
            tell.send(reading).unwrap();
            wakes
                .recv_timeout(Duration::from_secs(5))
                .expect("a wake-up for the change");
            assert_eq!(watch.locked(), locked, "after {reading:?}");
            assert_eq!(watch.known(), reading.is_some());
        }
    }
}
