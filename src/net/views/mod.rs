//! The view events waiting to go out: kept in a file until the server has
//! them (so views made offline survive a restart), sent one at a time at the
//! server's pace, and settled by the server's answers. `delivery` holds the
//! rules, `sink` the transports, `crate::disk_queue` the file.

pub mod delivery;
pub mod https_sink;
pub mod sink;

use std::path::Path;
use std::time::Instant;

use rumqttc::v5::mqttbytes::v5::{PubAck, PubAckReason};
use tokio::sync::oneshot;

use crate::disk_queue::{Journal, Loaded};
use crate::protocol::view::{ViewEvent, ViewOutcome};

use super::diagnostics::Diagnostics;
use delivery::{Changes, Delivery, Pace, ViewId};
use sink::{Handed, PublishOrder, ViewSink};

/// Views older than a few hundred are of little worth; the oldest go first.
const CAPACITY: usize = 500;

pub struct ViewOutbox {
    delivery: Delivery,
    /// `None` until the window names the file; views then wait in memory.
    journal: Option<Journal>,
    /// What the file held, while its thread still reads it.
    loading: Option<oneshot::Receiver<Loaded<ViewEvent>>>,
    order: PublishOrder,
    diag: Option<Diagnostics>,
}

impl Default for ViewOutbox {
    fn default() -> Self {
        Self {
            delivery: Delivery::new(Pace::PRODUCTION, CAPACITY),
            journal: None,
            loading: None,
            order: PublishOrder::default(),
            diag: None,
        }
    }
}

fn new_id() -> ViewId {
    uuid::Uuid::new_v4().as_u64_pair().0
}

impl ViewOutbox {
    /// Notes go to the diagnostics log as well as the program's log.
    pub fn new(diag: Diagnostics) -> Self {
        Self {
            diag: Some(diag),
            ..Self::default()
        }
    }

    /// Uses the queue file at `path` (read on the file's own thread); views
    /// that waited in memory are written there.
    pub fn open(&mut self, path: &Path) {
        let diag = self.diag.clone();
        let report = move |note: String| {
            tracing::warn!("views: {note}");
            if let Some(diag) = diag {
                diag.note(format!("views: {note}"));
            }
        };
        match Journal::open::<ViewEvent>(path, new_id, report) {
            Ok((journal, loading)) => {
                for id in self.delivery.ids() {
                    if let Some(view) = self.delivery.view(id) {
                        journal.add(id, view);
                    }
                }
                self.journal = Some(journal);
                self.loading = Some(loading);
            }
            Err(e) => self.note(format!(
                "The views queue file cannot be used ({e}); views wait in memory only."
            )),
        }
    }

    pub fn push(&mut self, view: ViewEvent) {
        self.absorb();
        let id = new_id();
        if let Some(journal) = &self.journal {
            journal.add(id, &view);
        }
        let changes = self.delivery.push(id, view);
        self.apply(changes);
    }

    pub fn len(&self) -> usize {
        self.delivery.len()
    }

    pub fn is_empty(&self) -> bool {
        self.delivery.is_empty()
    }

    /// A new session starts with `pace`: an answer awaited from the previous
    /// one will not come, and publishes are counted afresh.
    pub fn session_started(&mut self, pace: Pace) {
        self.delivery.set_pace(pace);
        self.delivery.connection_lost();
        self.order.reset();
    }

    /// Views go out at `pace` from now on (a transport without sessions).
    pub fn set_pace(&mut self, pace: Pace) {
        self.delivery.set_pace(pace);
    }

    /// The transport failed with a view on its way.
    pub fn connection_lost(&mut self) {
        self.delivery.connection_lost();
    }

    /// Gives up on overdue answers, then hands `sink` the next view if one is due.
    pub fn poll(&mut self, now: Instant, sink: &mut dyn ViewSink) {
        self.absorb();
        let changes = self.delivery.tick(now);
        self.apply(changes);
        let Some(id) = self.delivery.due(now) else {
            return;
        };
        let Some(view) = self.delivery.view(id) else {
            return;
        };
        match sink.deliver(id, view) {
            Ok(handed) => {
                if handed == Handed::MqttPublish {
                    self.order.queued_view(id);
                }
                self.delivery.sent(id, now);
            }
            Err(e) => tracing::debug!("view not sent now: {}", e.0),
        }
    }

    /// Another message was queued for publishing in this session.
    pub fn publish_queued(&self) {
        self.order.queued_other();
    }

    /// rumqttc reports a publish on the wire (`Outgoing::Publish`).
    pub fn publish_went_out(&mut self, pkid: u16) {
        self.order.went_out(pkid);
    }

    /// The broker's PUBACK: for a view, it has it (or says why not).
    pub fn puback(&mut self, ack: &PubAck, now: Instant) {
        let Some(id) = self.order.acked(ack.pkid) else {
            return;
        };
        let changes = match ack.reason {
            PubAckReason::Success => {
                self.delivery.broker_has(id, now);
                return;
            }
            PubAckReason::NoMatchingSubscribers => self.delivery.unheard(id, now),
            reason => self
                .delivery
                .refused_by_broker(id, &format!("broker: {reason:?}"), now),
        };
        self.apply(changes);
    }

    /// The server's answer on `view/ack`; true when it says the server no
    /// longer knows this player (`player_not_registered`: it was removed).
    pub fn ack(&mut self, payload: &[u8], now: Instant) -> bool {
        match ViewOutcome::from_ack(payload) {
            Ok(outcome) => {
                self.settle(&outcome, now);
                outcome.says_player_removed()
            }
            Err(e) => {
                self.note(format!("unreadable view answer ignored: {e}"));
                false
            }
        }
    }

    /// The outcome of the view that awaits one, from any transport.
    pub fn settle(&mut self, outcome: &ViewOutcome, now: Instant) {
        let changes = self.delivery.settle(outcome, now);
        self.apply(changes);
    }

    /// Writes out everything queued so far, then sends `done` (from the file's
    /// thread; this never waits). For quitting: nothing is lost.
    pub fn close_then(&mut self, done: oneshot::Sender<()>) {
        match &self.journal {
            Some(journal) => journal.flush_then(done),
            None => {
                let _ = done.send(());
            }
        }
    }

    /// Takes in what the file held, once its thread has read it.
    fn absorb(&mut self) {
        let Some(loading) = &mut self.loading else {
            return;
        };
        let loaded = match loading.try_recv() {
            Ok(loaded) => loaded,
            Err(oneshot::error::TryRecvError::Empty) => return,
            Err(oneshot::error::TryRecvError::Closed) => {
                self.loading = None;
                return;
            }
        };
        self.loading = None;
        if !loaded.items.is_empty() {
            self.note(format!(
                "{} view(s) from an earlier session wait to be sent",
                loaded.items.len()
            ));
        }
        let changes = self.delivery.restore(loaded.items);
        self.apply(changes);
    }

    fn apply(&mut self, changes: Changes) {
        if let Some(journal) = &self.journal {
            for id in &changes.removed {
                journal.done(*id);
            }
        }
        for note in changes.notes {
            self.note(note);
        }
    }

    fn note(&self, line: String) {
        tracing::info!("views: {line}");
        if let Some(diag) = &self.diag {
            diag.note(format!("views: {line}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::view::utc_timestamp;
    use std::time::Duration;

    fn view(post_id: i64) -> ViewEvent {
        ViewEvent {
            post_id,
            timestamp: utc_timestamp(0),
            timezone: String::new(),
            intent: "channel".into(),
            play_order: 0,
            channel: "all".into(),
            player_key: String::new(),
            channel_user_sqid: None,
            channel_hashtag: None,
        }
    }

    /// Takes every view, as a transport that answers itself.
    #[derive(Default)]
    struct Taken(Vec<i64>);

    impl ViewSink for Taken {
        fn deliver(&mut self, _id: ViewId, view: &ViewEvent) -> Result<Handed, sink::NotTaken> {
            self.0.push(view.post_id);
            Ok(Handed::Taken)
        }
    }

    fn wait_loaded(outbox: &mut ViewOutbox) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while outbox.loading.is_some() {
            assert!(Instant::now() < deadline, "the queue file was not read");
            outbox.absorb();
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn close(outbox: &mut ViewOutbox) {
        let (tx, rx) = oneshot::channel();
        outbox.close_then(tx);
        rx.blocking_recv().unwrap();
    }

    #[test]
    fn views_survive_a_restart_until_the_server_answers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("views.jsonl");
        let mut outbox = ViewOutbox::default();
        outbox.push(view(1));
        outbox.open(&path);
        outbox.push(view(2));
        wait_loaded(&mut outbox);
        close(&mut outbox);
        drop(outbox);

        let mut outbox = ViewOutbox::default();
        outbox.open(&path);
        wait_loaded(&mut outbox);
        assert_eq!(outbox.len(), 2);
        let t0 = Instant::now();
        let mut sink = Taken::default();
        outbox.poll(t0, &mut sink);
        // Sent but unanswered: still queued, on disk too.
        close(&mut outbox);
        let mut again = ViewOutbox::default();
        again.open(&path);
        wait_loaded(&mut again);
        assert_eq!(again.len(), 2);
        drop(again);

        outbox.settle(&ViewOutcome::Accepted, t0);
        outbox.poll(t0 + Duration::from_secs(6), &mut sink);
        outbox.settle(&ViewOutcome::Refused("post_not_found".into()), t0);
        assert_eq!(sink.0, vec![1, 2]);
        assert!(outbox.is_empty());
        close(&mut outbox);
        let mut again = ViewOutbox::default();
        again.open(&path);
        wait_loaded(&mut again);
        assert!(again.is_empty());
    }
}
