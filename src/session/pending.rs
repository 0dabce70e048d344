//! Every request the session has sent and not yet seen answered, keyed by its
//! tag, with what it was for and when to give up on it. One registry routes
//! every answer, instead of each feature asking "is this tag mine?".

use std::collections::HashMap;
use std::time::Duration;

use crate::protocol::request::RequestBody;

/// How long an answer may take. The runtime gives up on a request after 30 s
/// and answers with a failure itself, except that a read the HTTPS API's rate
/// limit refused waits for it up to two minutes (60 reads a minute: a playset
/// of 100 channels needs two); this is the backstop for an answer that is lost
/// on the way (a runtime restarted, an event dropped).
pub(crate) const ANSWER_DEADLINE: Duration = Duration::from_secs(160);

/// What a request was for: where its answer goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// A page of the Makapix channel playing.
    ChannelPage,
    /// A page of one channel (by index) of the playset being mixed.
    PlaysetPage { channel: usize },
    /// ❤️ on (`likes`) or off for a post.
    Like { post_id: i64, likes: bool },
    /// A page of a post's comments.
    Comments { post_id: i64 },
    /// One of the owner's playsets, by name.
    OwnerPlayset { name: String },
    /// A playlist's post, asked for ahead of playback.
    PlaylistPost { post_id: i64 },
}

#[derive(Debug)]
struct Entry {
    purpose: Purpose,
    deadline: Duration,
}

#[derive(Debug, Default)]
pub struct Pending {
    last_tag: u64,
    entries: HashMap<u64, Entry>,
}

impl Pending {
    /// Registers a request and returns its tag (never 0, never reused).
    pub fn open(&mut self, purpose: Purpose, now: Duration) -> u64 {
        self.last_tag += 1;
        let tag = self.last_tag;
        self.entries.insert(
            tag,
            Entry {
                purpose,
                deadline: now + ANSWER_DEADLINE,
            },
        );
        tag
    }

    /// The answer with `tag` came: what it was for, once. `None` for a tag never
    /// opened, already answered, or already given up on.
    pub fn close(&mut self, tag: u64) -> Option<Purpose> {
        self.entries.remove(&tag).map(|e| e.purpose)
    }

    /// Requests past their deadline, each reported once and then forgotten (a
    /// late answer is dropped by `close`).
    pub(crate) fn expire(&mut self, now: Duration) -> Vec<(u64, Purpose)> {
        let mut late: Vec<u64> = self
            .entries
            .iter()
            .filter(|(_, e)| e.deadline <= now)
            .map(|(tag, _)| *tag)
            .collect();
        late.sort_unstable();
        late.into_iter()
            .filter_map(|tag| self.close(tag).map(|p| (tag, p)))
            .collect()
    }

    /// Whether any open request is for `purpose`.
    pub fn any(&self, wanted: impl Fn(&Purpose) -> bool) -> bool {
        self.entries.values().any(|e| wanted(&e.purpose))
    }

    pub fn contains(&self, tag: u64) -> bool {
        self.entries.contains_key(&tag)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The earliest deadline, so the window wakes to report it.
    pub(crate) fn next_deadline(&self) -> Option<Duration> {
        self.entries.values().map(|e| e.deadline).min()
    }
}

/// A request body with its tag, ready for the runtime.
pub fn request(tag: u64, body: RequestBody) -> crate::bridge::connection::ConnectionAction {
    crate::bridge::connection::ConnectionAction::Request {
        tag,
        body: Box::new(body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Duration = Duration::from_secs(100);

    #[test]
    fn an_answer_is_routed_once() {
        let mut p = Pending::default();
        let like = p.open(
            Purpose::Like {
                post_id: 7,
                likes: true,
            },
            T0,
        );
        let page = p.open(Purpose::ChannelPage, T0);
        assert_ne!(like, page);
        assert_eq!(p.close(page), Some(Purpose::ChannelPage));
        assert_eq!(p.close(page), None, "a second answer is dropped");
        assert_eq!(p.close(999), None, "a tag never opened is dropped");
        assert!(p.contains(like));
    }

    #[test]
    fn a_request_past_its_deadline_is_reported_once() {
        let mut p = Pending::default();
        let early = p.open(Purpose::Comments { post_id: 1 }, T0);
        let later = p.open(Purpose::ChannelPage, T0 + Duration::from_secs(10));
        assert!(
            p.expire(T0 + ANSWER_DEADLINE - Duration::from_millis(1))
                .is_empty()
        );
        assert_eq!(p.next_deadline(), Some(T0 + ANSWER_DEADLINE));
        let expired = p.expire(T0 + ANSWER_DEADLINE);
        assert_eq!(expired, vec![(early, Purpose::Comments { post_id: 1 })]);
        assert!(p.expire(T0 + ANSWER_DEADLINE).is_empty(), "reported once");
        assert_eq!(p.close(early), None, "the late answer is dropped");
        assert!(p.contains(later));
        assert_eq!(p.len(), 1);
    }
}
