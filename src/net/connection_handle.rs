//! The runtime's handle on the connection task: starts it, passes the
//! window's actions on, and asks it to say goodbye and stop.

use tokio::sync::{mpsc, oneshot};

use crate::bridge::channel::EventSink;
use crate::bridge::connection::ConnectionAction;

use super::artwork::Fetcher;
use super::connection_task::{GOODBYE, Task};
use super::diagnostics::Diagnostics;
use super::requests::Outbound;

pub(super) enum Control {
    Action(ConnectionAction),
    Shutdown(oneshot::Sender<()>),
}

/// The runtime's handle on the connection task.
pub struct ConnectionHandle {
    controls: mpsc::UnboundedSender<Control>,
    diagnostics: Diagnostics,
}

impl ConnectionHandle {
    /// Starts the task on the current tokio runtime.
    pub fn start(sink: EventSink) -> Self {
        Self::start_with_files(sink, None)
    }

    /// Starts the task; a `show_artwork`'s post is looked up in `files` (and
    /// its fetch started) before the window is told of the command.
    pub(crate) fn start_with_files(sink: EventSink, files: Option<Fetcher>) -> Self {
        let (controls, controls_rx) = mpsc::unbounded_channel();
        let (outbound_tx, outbound_rx) = mpsc::unbounded_channel();
        let diagnostics = Diagnostics::new(sink.clone());
        let mut task = Task::new(sink, diagnostics.clone(), outbound_tx);
        task.files = files;
        tokio::spawn(task.run(Inbox {
            controls: controls_rx,
            outbound: outbound_rx,
        }));
        Self {
            controls,
            diagnostics,
        }
    }

    pub fn handle(&self, action: ConnectionAction) {
        let _ = self.controls.send(Control::Action(action));
    }

    /// Says goodbye to the broker (offline status, DISCONNECT) and stops the task.
    pub async fn shutdown(&self) {
        let (tx, rx) = oneshot::channel();
        if self.controls.send(Control::Shutdown(tx)).is_ok() {
            let _ = tokio::time::timeout(GOODBYE + std::time::Duration::from_millis(200), rx).await;
        }
    }

    pub fn diagnostics(&self) -> &Diagnostics {
        &self.diagnostics
    }
}

/// What the task takes in: the window's actions, and requests to publish.
pub(super) struct Inbox {
    pub(super) controls: mpsc::UnboundedReceiver<Control>,
    pub(super) outbound: mpsc::UnboundedReceiver<Outbound>,
}
