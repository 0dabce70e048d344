//! The channel pair between window and runtime.

use std::sync::Arc;
use std::sync::mpsc as std_mpsc;
use std::thread::JoinHandle;

use tokio::sync::mpsc;

use super::{Action, RuntimeEvent};

/// How many actions may wait before the window is told the runtime is busy.
pub const ACTION_QUEUE: usize = 256;

pub type Wake = Arc<dyn Fn() + Send + Sync>;

/// Creates both ends. `wake` is called after every event (the window passes
/// `egui::Context::request_repaint`), so a sleeping window draws it at once.
pub fn pair(wake: Wake) -> (WindowEnd, RuntimeEnd) {
    let (action_tx, action_rx) = mpsc::channel(ACTION_QUEUE);
    let (event_tx, event_rx) = std_mpsc::channel();
    (
        WindowEnd {
            actions: action_tx,
            events: event_rx,
            thread: None,
        },
        RuntimeEnd {
            actions: action_rx,
            sink: EventSink { tx: event_tx, wake },
        },
    )
}

/// The runtime's way back to the window.
#[derive(Clone)]
pub struct EventSink {
    tx: std_mpsc::Sender<RuntimeEvent>,
    wake: Wake,
}

impl EventSink {
    pub fn send(&self, event: RuntimeEvent) {
        // The window is gone when this fails; nothing is left to tell.
        if self.tx.send(event).is_ok() {
            (self.wake)();
        }
    }
}

pub struct RuntimeEnd {
    pub actions: mpsc::Receiver<Action>,
    pub sink: EventSink,
}

/// The window's end: sends actions without ever blocking, reads events without waiting.
pub struct WindowEnd {
    actions: mpsc::Sender<Action>,
    events: std_mpsc::Receiver<RuntimeEvent>,
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

    /// Asks the runtime to finish (goodbye to the broker) and waits for it.
    pub fn shutdown(&mut self) {
        let _ = self.actions.try_send(Action::Shutdown);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for WindowEnd {
    fn drop(&mut self) {
        self.shutdown();
    }
}
