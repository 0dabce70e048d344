//! The view events waiting to go out: kept on disk (so views made offline
//! survive a restart) and sent one at a time, never faster than the server's
//! limit of one view per player every few seconds.

use std::collections::VecDeque;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::disk_queue::DiskQueue;
use crate::protocol::view::ViewEvent;

/// Views older than a few hundred are of little worth; the oldest go first.
const CAPACITY: usize = 500;

#[derive(Default)]
pub struct ViewOutbox {
    /// `None` until the window names the file; views then wait in memory.
    disk: Option<DiskQueue<ViewEvent>>,
    memory: VecDeque<ViewEvent>,
    last_sent: Option<Instant>,
}

impl ViewOutbox {
    /// Uses the queue file at `path`; views that waited in memory move there.
    pub fn open(&mut self, path: &Path) {
        let mut disk = DiskQueue::open(path, CAPACITY);
        for view in self.memory.drain(..) {
            if let Err(e) = disk.push(&view) {
                tracing::warn!("{e}");
            }
        }
        self.disk = Some(disk);
    }

    pub fn push(&mut self, view: ViewEvent) {
        match &mut self.disk {
            Some(disk) => {
                if let Err(e) = disk.push(&view) {
                    tracing::warn!("{e}");
                }
            }
            None => {
                if self.memory.len() == CAPACITY {
                    self.memory.pop_front();
                }
                self.memory.push_back(view);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.disk.as_ref().map_or(0, DiskQueue::len) + self.memory.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The next view to send, when `gap` has passed since the last one.
    pub fn take_due(&mut self, now: Instant, gap: Duration) -> Option<ViewEvent> {
        if self.last_sent.is_some_and(|t| now.duration_since(t) < gap) {
            return None;
        }
        let view = match &mut self.disk {
            Some(disk) => disk.pop().unwrap_or_else(|e| {
                tracing::warn!("{e}");
                None
            }),
            None => self.memory.pop_front(),
        }?;
        self.last_sent = Some(now);
        Some(view)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::view::utc_timestamp;

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

    #[test]
    fn views_go_out_in_order_at_the_allowed_rate_and_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("views.jsonl");
        let mut outbox = ViewOutbox::default();
        outbox.push(view(1));
        outbox.open(&path);
        outbox.push(view(2));
        drop(outbox);

        let mut outbox = ViewOutbox::default();
        outbox.open(&path);
        assert_eq!(outbox.len(), 2);
        let t0 = Instant::now();
        let gap = Duration::from_secs(5);
        assert_eq!(outbox.take_due(t0, gap).map(|v| v.post_id), Some(1));
        assert_eq!(outbox.take_due(t0 + Duration::from_secs(4), gap), None);
        assert_eq!(outbox.take_due(t0 + gap, gap).map(|v| v.post_id), Some(2));
        assert!(outbox.is_empty());
        assert_eq!(ViewOutbox::default().len(), 0);
    }
}
