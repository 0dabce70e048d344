//! The channel pair between window and runtime.

use std::sync::Arc;
use std::sync::mpsc as std_mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};

use super::{Action, RuntimeEvent};

/// How many actions may wait before the window is told the runtime is busy.
pub const ACTION_QUEUE: usize = 256;

/// How long quitting waits for the runtime's goodbye to the broker; work still
/// running after that (a download, a keyring prompt, a renewal) is abandoned,
/// so the window always closes within 2 s.
pub const EXIT_BUDGET: Duration = Duration::from_millis(1200);

pub type Wake = Arc<dyn Fn() + Send + Sync>;

/// Sees each event a sink sends, on the sending thread, before the window does.
pub type Observer = Arc<dyn Fn(&RuntimeEvent) + Send + Sync>;

/// Creates both ends. `wake` is called after every event (the window passes
/// `egui::Context::request_repaint`), so a sleeping window draws it at once.
pub fn pair(wake: Wake) -> (WindowEnd, RuntimeEnd) {
    let (action_tx, action_rx) = mpsc::channel(ACTION_QUEUE);
    let (event_tx, event_rx) = std_mpsc::channel();
    let (stop_tx, stop_rx) = watch::channel(false);
    (
        WindowEnd {
            actions: action_tx,
            events: event_rx,
            stop: stop_tx,
            thread: None,
        },
        RuntimeEnd {
            actions: action_rx,
            stop: Stop(stop_rx),
            sink: EventSink {
                tx: event_tx,
                wake,
                observer: None,
            },
        },
    )
}

/// The runtime's way back to the window.
#[derive(Clone)]
pub struct EventSink {
    tx: std_mpsc::Sender<RuntimeEvent>,
    wake: Wake,
    observer: Option<Observer>,
}

impl EventSink {
    /// The same sink, with `observer` shown every event first: how one part of
    /// the runtime follows another's (the credentials follow the session's state).
    pub fn observed(&self, observer: Observer) -> EventSink {
        EventSink {
            observer: Some(observer),
            ..self.clone()
        }
    }

    pub fn send(&self, event: RuntimeEvent) {
        if let Some(observer) = &self.observer {
            observer(&event);
        }
        // The window is gone when this fails; nothing is left to tell.
        if self.tx.send(event).is_ok() {
            (self.wake)();
        }
    }
}

pub struct RuntimeEnd {
    pub actions: mpsc::Receiver<Action>,
    /// Quitting: apart from the action queue, so a full queue cannot lose it.
    pub stop: Stop,
    pub sink: EventSink,
}

/// The runtime's side of the quit signal.
pub struct Stop(watch::Receiver<bool>);

impl Stop {
    /// Resolves once the window quits (or is gone).
    pub async fn requested(&mut self) {
        let _ = self.0.wait_for(|stop| *stop).await;
    }
}

/// The window's end: sends actions without ever blocking, reads events without waiting.
pub struct WindowEnd {
    actions: mpsc::Sender<Action>,
    events: std_mpsc::Receiver<RuntimeEvent>,
    stop: watch::Sender<bool>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("The background service is busy; try again in a moment.")]
    Busy,
    #[error("The background service has stopped; restart the player.")]
    Stopped,
}

impl WindowEnd {
    /// The runtime thread to wait for at shutdown.
    pub fn attach(&mut self, thread: JoinHandle<()>) {
        self.thread = Some(thread);
    }

    pub fn send(&self, action: Action) -> Result<(), SendError> {
        self.actions.try_send(action).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => SendError::Busy,
            mpsc::error::TrySendError::Closed(_) => SendError::Stopped,
        })
    }

    /// How many more actions the queue takes now without refusing one as busy.
    pub fn room(&self) -> usize {
        self.actions.capacity()
    }

    pub fn try_recv(&self) -> Option<RuntimeEvent> {
        self.events.try_recv().ok()
    }

    /// Asks the runtime to finish (goodbye to the broker) and waits for it, at
    /// most `EXIT_BUDGET`. True when the runtime thread ended in time.
    pub fn shutdown(&mut self) -> bool {
        // Never through the bounded queue: when it is full the request would be lost.
        self.stop.send_replace(true);
        let Some(thread) = self.thread.take() else {
            return true;
        };
        let deadline = Instant::now() + EXIT_BUDGET;
        while !thread.is_finished() {
            if Instant::now() >= deadline {
                tracing::warn!("the background runtime did not finish in time; quitting anyway");
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let _ = thread.join();
        true
    }
}

impl Drop for WindowEnd {
    fn drop(&mut self) {
        self.shutdown();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quitting_with_a_full_queue_and_a_stuck_runtime_takes_at_most_the_budget() {
        let (mut window, runtime) = pair(Arc::new(|| {}));
        // A runtime that never reads its actions again.
        window.attach(std::thread::spawn(move || {
            let _keep = runtime;
            std::thread::sleep(Duration::from_secs(30));
        }));
        while window.send(Action::Shutdown).is_ok() {}
        assert!(matches!(
            window.send(Action::Shutdown),
            Err(SendError::Busy)
        ));
        let started = Instant::now();
        assert!(!window.shutdown(), "the stuck runtime is abandoned");
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}
