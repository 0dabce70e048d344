//! Termination asked of the process closes the window as its close button
//! does: SIGTERM (a session ending, `kill`), SIGINT (Ctrl+C in the terminal
//! that started it) and SIGHUP (that terminal closed). The window then saves
//! the settings and the channel kept, ends the MQTT session and removes its
//! socket file; the signals' default action ended the process on the spot.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

type Close = Box<dyn Fn() + Send + Sync>;

/// A quit asked by a signal, also one that arrived before the window could close.
#[derive(Default)]
pub struct QuitSignals {
    close: OnceLock<Close>,
    asked: AtomicBool,
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

    /// Only signals ask (none reach a Windows window).
    #[cfg(any(unix, test))]
    fn ask(&self) {
        tracing::info!("asked to quit by a signal: closing the window");
        self.asked.store(true, Ordering::SeqCst);
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
            for _ in signals.forever() {
                quit.ask();
            }
        })?;
    Ok(())
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

    #[test]
    fn a_quit_asked_before_the_window_could_close_closes_it_once_it_can() {
        let quit = QuitSignals::default();
        quit.ask();
        let closed = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&closed);
        quit.close_with(move || {
            count.fetch_add(1, Ordering::SeqCst);
        });
        assert_eq!(closed.load(Ordering::SeqCst), 1);
        quit.ask();
        assert_eq!(closed.load(Ordering::SeqCst), 2, "each signal closes again");
    }

    #[test]
    fn nothing_closes_until_a_quit_is_asked() {
        let quit = QuitSignals::default();
        let closed = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&closed);
        quit.close_with(move || flag.store(true, Ordering::SeqCst));
        assert!(!closed.load(Ordering::SeqCst));
        quit.ask();
        assert!(closed.load(Ordering::SeqCst));
    }
}
