//! The view events waiting to go out: kept in a file until the server has
//! them (so views made offline survive a restart), sent one at a time at the
//! server's pace, and settled by the server's answers. Each identity (server
//! and player key) has its own queue and file (`identity`): a view is only
//! ever sent as the player and to the server it was made with. `delivery`
//! holds the rules, `sink` the transports, `crate::storage::disk_queue` the file.

pub mod delivery;
pub(crate) mod https_sink;
pub mod identity;
pub mod sink;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rumqttc::v5::mqttbytes::v5::{PubAck, PubAckReason};
use tokio::sync::oneshot;

use crate::bridge::connection::SessionConfig;
use crate::protocol::view::{ViewEvent, ViewOutcome};
use crate::storage::disk_queue::{Journal, Loaded};

use super::diagnostics::Diagnostics;
use super::standing::Refusal;
use crate::bridge::connection::ViewFate;
use delivery::{Changes, Delivery, Pace, ViewId};
use sink::{Handed, PublishOrder, ViewSink};

/// Views older than a few hundred are of little worth; the oldest go first.
const CAPACITY: usize = 500;

/// One identity's views: in memory, and in its file once the folder is known.
struct Queue {
    delivery: Delivery,
    journal: Option<Journal>,
    /// What the file held, while its thread still reads it.
    loading: Option<oneshot::Receiver<Loaded<ViewEvent>>>,
    /// The identity was removed while its file was being read: what it held goes too.
    discard_loaded: bool,
}

impl Queue {
    fn new(pace: Pace) -> Self {
        Self {
            delivery: Delivery::new(pace, CAPACITY),
            journal: None,
            loading: None,
            discard_loaded: false,
        }
    }
}

pub struct ViewOutbox {
    /// The queue of the identity in use.
    current: Queue,
    /// Its file name; `None` until a session names one (views then wait in
    /// memory, and go to the first identity named).
    identity: Option<String>,
    /// Other identities used in this run, by file name.
    parked: HashMap<String, Queue>,
    /// Where the files are; `None` until the window names the folder.
    dir: Option<PathBuf>,
    order: PublishOrder,
    diag: Option<Diagnostics>,
}

impl Default for ViewOutbox {
    fn default() -> Self {
        Self {
            current: Queue::new(Pace::PRODUCTION),
            identity: None,
            parked: HashMap::new(),
            dir: None,
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

    /// Keeps the queue files in `dir` (each read on its own thread), and drops
    /// the queue every identity shared in earlier versions.
    pub(crate) fn open_dir(&mut self, dir: &Path) {
        self.dir = Some(dir.to_path_buf());
        let (folder, diag) = (dir.to_path_buf(), self.diag.clone());
        let cleanup = std::thread::Builder::new()
            .name("views-cleanup".into())
            .spawn(move || {
                if let Some(note) = identity::drop_shared_queue(&folder) {
                    tracing::info!("views: {note}");
                    if let Some(diag) = diag {
                        diag.note(format!("views: {note}"));
                    }
                }
            });
        if let Err(e) = cleanup {
            self.note(format!("the old views queue was not looked for: {e}"));
        }
        if self.identity.is_some() {
            self.open_journal();
        }
    }

    /// A session with `config` replaces the last one: its identity is in use.
    pub(crate) fn set_identity(&mut self, config: &SessionConfig) {
        self.use_identity(&config.broker.to_string(), &config.player_key);
    }

    /// Makapix Club refuses the player: one removed for sure loses its
    /// waiting views (a ban may end, so then they wait).
    pub(crate) fn follow_refusal(&mut self, refusal: Refusal) {
        if refusal.is_final() {
            self.drop_identity("the player was removed from its Makapix account");
        }
    }

    /// Views from now on are made as `player_key` on `server`, and only that
    /// identity's waiting views are sent. A first identity takes the views
    /// made before any was named; another one's views stay in their file.
    pub(crate) fn use_identity(&mut self, server: &str, player_key: &str) {
        let name = identity::queue_name(server, player_key);
        if self.identity.as_deref() == Some(name.as_str()) {
            return;
        }
        if let Some(old) = self.identity.take() {
            let pace = self.current.delivery.pace();
            let next = self
                .parked
                .remove(&name)
                .unwrap_or_else(|| Queue::new(pace));
            let left = std::mem::replace(&mut self.current, next);
            self.parked.insert(old, left);
            self.current.delivery.set_pace(pace);
            self.current.delivery.connection_lost();
            self.order.reset();
        }
        self.identity = Some(name);
        if self.current.journal.is_none() && self.dir.is_some() {
            self.open_journal();
        }
    }

    /// The identity in use was removed from its account: its waiting views
    /// will never be accepted, and are dropped with a line in the log.
    pub(crate) fn drop_identity(&mut self, why: &str) {
        self.absorb();
        let ids: Vec<ViewId> = self.current.delivery.ids().collect();
        if let Some(journal) = &self.current.journal {
            for id in &ids {
                journal.done(*id);
            }
        }
        let pace = self.current.delivery.pace();
        self.current.delivery = Delivery::new(pace, CAPACITY);
        self.current.discard_loaded = self.current.loading.is_some();
        if !ids.is_empty() {
            self.note(format!(
                "{} waiting view(s) of this player dropped: {why}",
                ids.len()
            ));
        }
    }

    /// Opens the current identity's file; views that waited in memory are written there.
    fn open_journal(&mut self) {
        let (Some(dir), Some(name)) = (&self.dir, &self.identity) else {
            return;
        };
        let path = dir.join(name);
        let diag = self.diag.clone();
        let report = move |note: String| {
            tracing::warn!("views: {note}");
            if let Some(diag) = diag {
                diag.note(format!("views: {note}"));
            }
        };
        match Journal::open::<ViewEvent>(&path, new_id, report) {
            Ok((journal, loading)) => {
                for id in self.current.delivery.ids() {
                    if let Some(view) = self.current.delivery.view(id) {
                        journal.add(id, view);
                    }
                }
                self.current.journal = Some(journal);
                self.current.loading = Some(loading);
            }
            Err(e) => self.note(format!(
                "The views queue file cannot be used ({e}); views wait in memory only."
            )),
        }
    }

    pub fn push(&mut self, view: ViewEvent) {
        self.absorb();
        let id = new_id();
        if let Some(journal) = &self.current.journal {
            journal.add(id, &view);
        }
        let changes = self.current.delivery.push(id, view);
        self.apply(changes);
        self.fate(ViewFate::Queued);
    }

    pub fn len(&self) -> usize {
        self.current.delivery.len()
    }

    pub fn is_empty(&self) -> bool {
        self.current.delivery.is_empty()
    }

    /// A new session starts with `pace`: an answer awaited from the previous
    /// one will not come, and publishes are counted afresh.
    pub(crate) fn session_started(&mut self, pace: Pace) {
        self.current.delivery.set_pace(pace);
        self.current.delivery.connection_lost();
        self.current.delivery.reached();
        self.order.reset();
    }

    /// Views go out at `pace` from now on (a transport without sessions).
    pub(crate) fn set_pace(&mut self, pace: Pace) {
        self.current.delivery.set_pace(pace);
    }

    /// Gives up on overdue answers, then hands `sink` the next view if one is due.
    pub fn poll(&mut self, now: Instant, sink: &mut dyn ViewSink) {
        self.absorb();
        let changes = self.current.delivery.tick(now);
        self.apply(changes);
        let delivery = &mut self.current.delivery;
        let Some(id) = delivery.due(now) else {
            return;
        };
        let Some(view) = delivery.view(id) else {
            return;
        };
        match sink.deliver(id, view) {
            Ok(handed) => {
                if handed == Handed::MqttPublish {
                    self.order.queued_view(id);
                }
                delivery.sent(id, now);
            }
            Err(e) => tracing::debug!("view not sent now: {}", e.0),
        }
    }

    /// Another message was queued for publishing in this session.
    pub(crate) fn publish_queued(&self) {
        self.order.queued_other();
    }

    /// rumqttc reports a publish on the wire (`Outgoing::Publish`).
    pub(crate) fn publish_went_out(&mut self, pkid: u16) {
        self.order.went_out(pkid);
    }

    /// The broker's PUBACK: for a view, it has it (or says why not).
    pub(crate) fn puback(&mut self, ack: &PubAck, now: Instant) {
        let Some(id) = self.order.acked(ack.pkid) else {
            return;
        };
        let delivery = &mut self.current.delivery;
        let changes = match ack.reason {
            PubAckReason::Success => {
                delivery.broker_has(id, now);
                return;
            }
            PubAckReason::NoMatchingSubscribers => delivery.unheard(id, now),
            reason => delivery.refused_by_broker(id, &format!("broker: {reason:?}"), now),
        };
        self.apply(changes);
    }

    /// The server's answer on `view/ack`; `Some` when it says the server no
    /// longer knows this player (`player_not_registered`: it was removed), or
    /// no longer serves its owner (`owner_not_permitted`: banned or
    /// deactivated). A ban may end, so that view is kept for a later session.
    pub fn ack(&mut self, payload: &[u8], now: Instant) -> Option<Refusal> {
        match ViewOutcome::from_ack(payload) {
            Ok(outcome) if outcome.says_owner_banned() => {
                self.note("the owner's account is banned or deactivated; the view waits".into());
                Some(Refusal::Banned)
            }
            Ok(outcome) => {
                self.settle(&outcome, now);
                outcome
                    .says_player_removed()
                    .then_some(Refusal::NotRegistered)
            }
            Err(e) => {
                self.note(format!("unreadable view answer ignored: {e}"));
                None
            }
        }
    }

    /// The outcome of the view that awaits one, from any transport.
    pub fn settle(&mut self, outcome: &ViewOutcome, now: Instant) {
        let changes = self.current.delivery.settle(outcome, now);
        self.settled(outcome, changes);
    }

    /// Carries out what an answer did, and tells the plot what became of the view.
    fn settled(&mut self, outcome: &ViewOutcome, changes: Changes) {
        let fate = match outcome {
            _ if changes.removed.is_empty() => None,
            ViewOutcome::Accepted | ViewOutcome::Duplicate => Some(ViewFate::Delivered),
            ViewOutcome::Refused(_) => Some(ViewFate::Refused),
            _ => None,
        };
        self.apply(changes);
        if let Some(fate) = fate {
            self.fate(fate);
        }
    }

    /// Tells the window's Diagnostics plot.
    fn fate(&self, fate: ViewFate) {
        if let Some(diag) = &self.diag {
            diag.view_fate(fate);
        }
    }

    /// Writes out everything queued so far, then sends `done` (from the file's
    /// thread; this never waits). For quitting: nothing is lost. The files of
    /// other identities finish their writes as they are dropped.
    pub(crate) fn close_then(&mut self, done: oneshot::Sender<()>) {
        match &self.current.journal {
            Some(journal) => journal.flush_then(done),
            None => {
                let _ = done.send(());
            }
        }
    }

    /// Takes in what the file held, once its thread has read it.
    fn absorb(&mut self) {
        let queue = &mut self.current;
        let Some(loading) = &mut queue.loading else {
            return;
        };
        let loaded = match loading.try_recv() {
            Ok(loaded) => loaded,
            Err(oneshot::error::TryRecvError::Empty) => return,
            Err(oneshot::error::TryRecvError::Closed) => {
                queue.loading = None;
                return;
            }
        };
        queue.loading = None;
        if std::mem::take(&mut queue.discard_loaded) {
            if let Some(journal) = &queue.journal {
                for (id, _) in &loaded.items {
                    journal.done(*id);
                }
            }
            return;
        }
        if !loaded.items.is_empty() {
            self.note(format!(
                "{} view(s) from an earlier session wait to be sent",
                loaded.items.len()
            ));
        }
        let changes = self.current.delivery.restore(loaded.items);
        self.apply(changes);
    }

    fn apply(&mut self, changes: Changes) {
        if let Some(journal) = &self.current.journal {
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

    /// A view of `post_id` on `all`; shared with the transports' tests.
    pub(super) fn view(post_id: i64) -> ViewEvent {
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
        while outbox.current.loading.is_some() {
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

    /// An outbox keeping its files in `dir`, as player `key` of one server.
    fn opened(dir: &Path, key: &str) -> ViewOutbox {
        let mut outbox = ViewOutbox::default();
        outbox.use_identity("makapix.club:8883", key);
        outbox.open_dir(dir);
        outbox
    }

    #[test]
    fn views_survive_a_restart_until_the_server_answers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path();
        let mut outbox = ViewOutbox::default();
        outbox.push(view(1));
        outbox.use_identity("makapix.club:8883", "k");
        outbox.open_dir(path);
        outbox.push(view(2));
        wait_loaded(&mut outbox);
        close(&mut outbox);
        drop(outbox);

        let mut outbox = opened(path, "k");
        wait_loaded(&mut outbox);
        assert_eq!(outbox.len(), 2);
        let t0 = Instant::now();
        let mut sink = Taken::default();
        outbox.poll(t0, &mut sink);
        // Sent but unanswered: still queued, on disk too.
        close(&mut outbox);
        let mut again = opened(path, "k");
        wait_loaded(&mut again);
        assert_eq!(again.len(), 2);
        drop(again);

        outbox.settle(&ViewOutcome::Accepted, t0);
        outbox.poll(t0 + Duration::from_secs(6), &mut sink);
        outbox.settle(&ViewOutcome::Refused("post_not_found".into()), t0);
        assert_eq!(sink.0, vec![1, 2]);
        assert!(outbox.is_empty());
        close(&mut outbox);
        let mut again = opened(path, "k");
        wait_loaded(&mut again);
        assert!(again.is_empty());
    }

    #[test]
    fn views_made_as_one_player_are_only_sent_as_that_player() {
        let dir = tempfile::tempdir().unwrap();
        let mut outbox = opened(dir.path(), "player-a");
        wait_loaded(&mut outbox);
        outbox.push(view(1));
        outbox.push(view(2));
        // Player B is imported: A's views wait in A's file, B's go.
        outbox.use_identity("makapix.club:8883", "player-b");
        wait_loaded(&mut outbox);
        assert!(outbox.is_empty());
        outbox.push(view(3));
        let t0 = Instant::now();
        let mut sink = Taken::default();
        outbox.poll(t0, &mut sink);
        outbox.settle(&ViewOutcome::Accepted, t0);
        outbox.poll(t0 + Duration::from_secs(60), &mut sink);
        assert_eq!(sink.0, vec![3]);
        // The same key on another server is another identity.
        outbox.use_identity("development.makapix.club:8883", "player-a");
        wait_loaded(&mut outbox);
        assert!(outbox.is_empty());
        // Back to A: its views go, as A.
        outbox.use_identity("makapix.club:8883", "player-a");
        outbox.poll(t0 + Duration::from_secs(120), &mut sink);
        assert_eq!(sink.0, vec![3, 1]);
        close(&mut outbox);
        drop(outbox);
        // After a restart too, only A's file holds A's views.
        let mut a = opened(dir.path(), "player-a");
        wait_loaded(&mut a);
        assert_eq!(a.len(), 2);
        let mut b = opened(dir.path(), "player-b");
        wait_loaded(&mut b);
        assert!(b.is_empty(), "B's view was answered");
    }

    #[test]
    fn a_removed_players_views_are_dropped_from_memory_and_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut outbox = opened(dir.path(), "gone");
        wait_loaded(&mut outbox);
        outbox.push(view(1));
        outbox.push(view(2));
        outbox.drop_identity("the player was removed from its Makapix account");
        assert!(outbox.is_empty());
        close(&mut outbox);
        drop(outbox);
        let mut again = opened(dir.path(), "gone");
        wait_loaded(&mut again);
        assert!(again.is_empty());
    }
}
