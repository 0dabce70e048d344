//! The runtime thread: a tokio runtime that takes `Action`s from the window
//! and answers with `RuntimeEvent`s, waking the window after each one.

use std::sync::Arc;
use std::thread::JoinHandle;

use crate::bridge::Action;
use crate::bridge::channel::RuntimeEnd;

use super::connection_handle::ConnectionHandle;
use super::credentials_task::CredentialsTask;

/// Starts the runtime thread on its end of the bridge.
pub fn start(end: RuntimeEnd) -> std::io::Result<JoinHandle<()>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name("runtime".into())
        .spawn(move || {
            runtime.block_on(run(end));
            // Blocking work still running (a download, a keyring prompt, a renewal) is
            // abandoned: waiting for it could hold the quitting window for minutes.
            runtime.shutdown_background();
        })
}

async fn run(end: RuntimeEnd) {
    let RuntimeEnd {
        mut actions,
        mut stop,
        sink,
    } = end;
    let artworks = super::artwork::Fetcher::new(sink.clone());
    let mut credentials = CredentialsTask::new(sink.clone());
    // The credentials follow the session: renewal is checked after each connect.
    let connection = Arc::new(ConnectionHandle::start_with_files(
        sink.observed(credentials.session_observer()),
        Some(artworks.clone()),
    ));
    let link = Arc::clone(&connection);
    credentials.link_session(Arc::new(move |action| link.handle(action)));
    let mut dispatch = |action: Action| {
        match action {
            Action::Credentials(action) => credentials.handle(action),
            Action::Connection(action) => connection.handle(action),
            Action::Artwork(action) => artworks.handle(action),
            Action::Shutdown => return false,
        }
        true
    };
    loop {
        tokio::select! {
            biased;
            () = stop.requested() => {
                // What the window sent before quitting (a last view to queue) is still
                // handed on: each action only starts work, so even a full queue drains at once.
                while let Ok(action) = actions.try_recv() {
                    if !dispatch(action) {
                        break;
                    }
                }
                break;
            }
            action = actions.recv() => {
                if !action.is_some_and(&mut dispatch) {
                    break;
                }
            }
        }
    }
    credentials.shutdown();
    // Goodbye to the broker (offline status) before the thread ends.
    connection.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bridge::RuntimeEvent;
    use crate::bridge::channel::{SendError, pair};
    use crate::bridge::credentials::{CredentialsAction, CredentialsEvent};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::{Duration, Instant};

    #[test]
    fn actions_are_answered_and_each_event_wakes_the_window() {
        let wakes = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&wakes);
        let (mut handle, runtime_end) = pair(Arc::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        }));
        handle.attach(start(runtime_end).unwrap());
        handle
            .send(Action::Credentials(CredentialsAction::Load))
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        let event = loop {
            if let Some(event) = handle.try_recv() {
                break event;
            }
            assert!(Instant::now() < deadline, "no answer from the runtime");
            std::thread::sleep(Duration::from_millis(5));
        };
        assert!(matches!(
            event,
            RuntimeEvent::Credentials(CredentialsEvent::NotRegistered)
        ));
        assert_eq!(wakes.load(Ordering::SeqCst), 1);
        handle.shutdown();
        assert!(matches!(
            handle.send(Action::Credentials(CredentialsAction::Load)),
            Err(SendError::Stopped)
        ));
    }
}
