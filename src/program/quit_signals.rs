//! Termination asked of the process closes the window: SIGTERM (a session
//! ending, `kill`), SIGINT (Ctrl+C in the terminal that started it) and
//! SIGHUP (that terminal closed). Unlike its close button, this close asks
//! nothing: nobody may be there to answer, so unsaved playlist edits are kept
//! for the next start instead (`ui::system_close`). The window then saves the
//! settings and the channel kept, ends the MQTT session and removes its
//! socket file; the signals' default action ended the process on the spot.
//! A second signal gets that default action: a window held up by something
//! (or a user pressing Ctrl+C again) must not outlast the ask to end. One
//! that follows the first within a second is the same ask: at logout logind
//! sends SIGTERM and SIGHUP together, and a closing terminal's shell passes
//! its SIGHUP on to its jobs.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// Signals this soon after the first are part of the same ask.
const SAME_ASK: Duration = Duration::from_secs(1);

type Close = Box<dyn Fn() + Send + Sync>;
/// Ends the process as the signal (its number) would have.
type End = Box<dyn Fn(i32) + Send + Sync>;

/// A quit asked by a signal, also one that arrived before the window could close.
pub struct QuitSignals {
    close: OnceLock<Close>,
    asked: AtomicBool,
    first_at: OnceLock<Instant>,
    // Only signals ask, and none reach a Windows window.
    #[cfg_attr(not(unix), allow(dead_code))]
    end: End,
}

impl Default for QuitSignals {
    fn default() -> Self {
        Self::ending_with(end_now)
    }
}

impl QuitSignals {
    /// Catches the signals from now on (logged when they cannot be).
    pub fn start() -> Arc<Self> {
        let this = Arc::new(Self::default());
        if let Err(e) = watch(Arc::clone(&this)) {
            tracing::warn!("a terminate signal will end the player without saving: {e}");
        }
        this
    }

    /// How to close the window, once it is open; a quit asked before now closes it at once.
    pub fn close_with(&self, close: impl Fn() + Send + Sync + 'static) {
        let _ = self.close.set(Box::new(close));
        if self.asked.load(Ordering::SeqCst) {
            self.close_now();
        }
    }

    /// A second signal calls `end` in place of closing the window again.
    fn ending_with(end: impl Fn(i32) + Send + Sync + 'static) -> Self {
        Self {
            close: OnceLock::new(),
            asked: AtomicBool::new(false),
            first_at: OnceLock::new(),
            end: Box::new(end),
        }
    }

    /// Only signals ask (none reach a Windows window).
    #[cfg(any(unix, test))]
    fn ask(&self, signal: i32) {
        self.ask_at(signal, Instant::now());
    }

    #[cfg(any(unix, test))]
    fn ask_at(&self, signal: i32, now: Instant) {
        if self.asked.swap(true, Ordering::SeqCst) {
            let first = self.first_at.get().copied().unwrap_or(now);
            if now.saturating_duration_since(first) < SAME_ASK {
                tracing::info!("signal {signal} right after the first: still closing");
                return;
            }
            tracing::warn!("asked to quit again by a signal: ending at once");
            (self.end)(signal);
            return;
        }
        let _ = self.first_at.set(now);
        tracing::info!("asked to quit by a signal: closing the window");
        self.close_now();
    }

    fn close_now(&self) {
        if let Some(close) = self.close.get() {
            close();
        }
    }
}

/// Asks `quit` on each signal, from a thread of its own.
#[cfg(unix)]
fn watch(quit: Arc<QuitSignals>) -> std::io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGINT, SIGHUP])?;
    std::thread::Builder::new()
        .name("quit-signals".into())
        .spawn(move || {
            for signal in signals.forever() {
                quit.ask(signal);
            }
        })?;
    Ok(())
}

/// The signal's own default action (the shell sees "Terminated"), else an exit.
fn end_now(signal: i32) {
    #[cfg(unix)]
    if let Err(e) = signal_hook::low_level::emulate_default_handler(signal) {
        tracing::warn!("signal {signal}'s default action could not be taken: {e}");
    }
    std::process::exit(128 + signal);
}

/// Windows sends a window no such signals: its close arrives as a window message.
#[cfg(not(unix))]
fn watch(_quit: Arc<QuitSignals>) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    const SIGTERM: i32 = 15;
    const SIGINT: i32 = 2;
    const SIGHUP: i32 = 1;

    #[test]
    fn a_quit_asked_before_the_window_could_close_closes_it_once_it_can() {
        let quit = QuitSignals::default();
        quit.ask(SIGTERM);
        let closed = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&closed);
        quit.close_with(move || {
            count.fetch_add(1, Ordering::SeqCst);
        });
        assert_eq!(closed.load(Ordering::SeqCst), 1);
    }

    /// Ctrl+C again, or a session ending while a dialog holds the window: the
    /// process ends at once, as without the player's handler.
    #[test]
    fn a_second_signal_ends_the_process_at_once() {
        let ended = Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = Arc::clone(&ended);
        let quit = QuitSignals::ending_with(move |signal| seen.lock().unwrap().push(signal));
        let closed = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&closed);
        quit.close_with(move || {
            count.fetch_add(1, Ordering::SeqCst);
        });
        let t0 = Instant::now();
        quit.ask_at(SIGTERM, t0);
        assert_eq!(closed.load(Ordering::SeqCst), 1);
        assert!(
            ended.lock().unwrap().is_empty(),
            "the first signal closes the window"
        );
        // Logout: logind's SIGHUP right behind its SIGTERM is the same ask.
        quit.ask_at(SIGHUP, t0 + Duration::from_millis(5));
        assert!(ended.lock().unwrap().is_empty(), "still closing");
        quit.ask_at(SIGINT, t0 + SAME_ASK);
        assert_eq!(*ended.lock().unwrap(), [SIGINT]);
        assert_eq!(closed.load(Ordering::SeqCst), 1, "not closed again");
    }

    #[test]
    fn nothing_closes_until_a_quit_is_asked() {
        let quit = QuitSignals::default();
        let closed = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&closed);
        quit.close_with(move || flag.store(true, Ordering::SeqCst));
        assert!(!closed.load(Ordering::SeqCst));
        quit.ask(SIGTERM);
        assert!(closed.load(Ordering::SeqCst));
    }
}
