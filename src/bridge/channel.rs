//! The channel pair between window and runtime.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc as std_mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};

use super::connection::ConnectionEvent;
use super::{Action, RuntimeEvent};

/// How many actions may wait before the window is told the runtime is busy.
pub const ACTION_QUEUE: usize = 256;

/// How many events of each kind that outside parties cause at will may wait
/// for the window: commands (a web page's burst is hundreds), diagnostics
/// entries (one per MQTT message). The rest answer what the window asked, or
/// say a state changed, and are few; these could grow without bound while the
/// window is slow or not drawing (minimised), so past this a diagnostics entry
/// is dropped and a command is answered "busy" by the runtime.
pub(crate) const FLOOD_QUEUE: [usize; 2] = [COMMAND_QUEUE, 1024];
pub(crate) const COMMAND_QUEUE: usize = 4096;

/// How long quitting waits for the runtime's goodbye to the broker; work still
/// running after that (a download, a keyring prompt, a renewal) is abandoned,
/// so the window always closes within 2 s.
pub(crate) const EXIT_BUDGET: Duration = Duration::from_millis(1200);

pub(crate) type Wake = Arc<dyn Fn() + Send + Sync>;

/// Sees each event a sink sends, on the sending thread, before the window does.
pub(crate) type Observer = Arc<dyn Fn(&RuntimeEvent) + Send + Sync>;

/// Creates both ends. `wake` is called after every event (the window passes
/// `egui::Context::request_repaint`), so a sleeping window draws it at once.
pub fn pair(wake: Wake) -> (WindowEnd, RuntimeEnd) {
    let (action_tx, action_rx) = mpsc::channel(ACTION_QUEUE);
    let (event_tx, event_rx) = std_mpsc::channel();
    let (stop_tx, stop_rx) = watch::channel(false);
    let flooding = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
    (
        WindowEnd {
            actions: action_tx,
            events: event_rx,
            flooding: Arc::clone(&flooding),
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
                flooding,
            },
        },
    )
}

/// Which `FLOOD_QUEUE` counts `event`, if outside parties can cause it at will.
fn floods(event: &RuntimeEvent) -> Option<usize> {
    match event {
        RuntimeEvent::Connection(ConnectionEvent::Command(..)) => Some(0),
        RuntimeEvent::Connection(ConnectionEvent::Logged(_)) => Some(1),
        _ => None,
    }
}

type Flooding = Arc<[AtomicUsize; 2]>;

/// The runtime's way back to the window.
#[derive(Clone)]
pub struct EventSink {
    tx: std_mpsc::Sender<RuntimeEvent>,
    wake: Wake,
    /// Events of each `FLOOD_QUEUE` kind sent and not yet taken by the window.
    flooding: Flooding,
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

    /// Sends `event`; one of a `FLOOD_QUEUE` kind is dropped when that many wait.
    pub fn send(&self, event: RuntimeEvent) {
        let _ = self.offer(event);
    }

    /// Sends `event`, or hands it back when it is of a `FLOOD_QUEUE` kind and
    /// that many wait (the caller answers for it).
    pub fn offer(&self, event: RuntimeEvent) -> Result<(), Box<RuntimeEvent>> {
        if let Some(observer) = &self.observer {
            observer(&event);
        }
        if let Some(kind) = floods(&event) {
            let waiting = &self.flooding[kind];
            if waiting.fetch_add(1, Ordering::AcqRel) >= FLOOD_QUEUE[kind] {
                waiting.fetch_sub(1, Ordering::AcqRel);
                return Err(Box::new(event));
            }
        }
        // The window is gone when this fails; nothing is left to tell.
        if self.tx.send(event).is_ok() {
            (self.wake)();
        }
        Ok(())
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
    flooding: Flooding,
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
        let event = self.events.try_recv().ok()?;
        if let Some(kind) = floods(&event) {
            self.flooding[kind].fetch_sub(1, Ordering::AcqRel);
        }
        Some(event)
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
    use crate::bridge::connection::{ConnectionState, Direction, LogEntry};
    use crate::protocol::command::CommandEnvelope;

    fn logged() -> RuntimeEvent {
        RuntimeEvent::Connection(ConnectionEvent::Logged(LogEntry {
            at: std::time::SystemTime::UNIX_EPOCH,
            direction: Direction::Note,
            topic: String::new(),
            size: 0,
            summary: "a message".into(),
        }))
    }

    #[test]
    fn a_flood_while_the_window_is_not_reading_waits_within_the_bound() {
        let (window, runtime) = pair(Arc::new(|| {}));
        for _ in 0..10_000 {
            runtime.sink.send(logged());
        }
        let command = |id: &str| {
            let envelope: CommandEnvelope =
                serde_json::from_value(serde_json::json!({"command_id": id, "command_type": "x"}))
                    .unwrap();
            RuntimeEvent::Connection(ConnectionEvent::Command(envelope, None))
        };
        for i in 0..COMMAND_QUEUE {
            assert!(runtime.sink.offer(command(&i.to_string())).is_ok());
        }
        // A command past the bound comes back to the runtime, which answers it.
        assert!(runtime.sink.offer(command("late")).is_err());
        // What the window asked for, or a change of state, is never dropped.
        let state = RuntimeEvent::Connection(ConnectionEvent::State(ConnectionState::Connected));
        runtime.sink.send(state);
        let mut waiting = 0;
        let mut last = None;
        while let Some(event) = window.try_recv() {
            waiting += 1;
            last = Some(event);
        }
        let most = FLOOD_QUEUE.iter().sum::<usize>() + 1;
        assert_eq!(waiting, most, "the flood waited within its bound");
        assert!(matches!(
            last,
            Some(RuntimeEvent::Connection(ConnectionEvent::State(_)))
        ));
        // Read, there is room again.
        assert!(runtime.sink.offer(command("next")).is_ok());
        assert!(window.try_recv().is_some());
    }

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
