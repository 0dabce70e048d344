//! The comments panel's state: which post it shows, the `get_comments` request
//! in flight, and what came back. It follows the artwork on screen; an answer
//! for a post no longer shown is dropped (its tag is no longer awaited).

use crate::bridge::Action as RuntimeAction;
use crate::bridge::connection::RequestFailure;
use crate::bridge::connection::{ConnectionAction, ConnectionState};
use crate::player::ArtworkSource;
use crate::protocol::request::RequestBody;
use crate::protocol::response::ErrorCode;
use crate::protocol::response::Response;

use super::app::PlayerApp;
use super::comment_thread::{CommentThread, PAGE_SIZE, Shown};

#[derive(Default)]
pub(crate) struct Comments {
    pub(crate) open: bool,
    /// The post whose comments are held.
    post: Option<i64>,
    thread: CommentThread,
    /// The tag of the page asked for.
    waiting: Option<u64>,
    error: Option<String>,
}

/// What the panel has to say about the artwork on screen.
#[derive(Clone, Debug, PartialEq)]
pub enum CommentsStatus {
    /// A local file or a sample: comments exist only for Makapix posts.
    NotAPost,
    /// Not connected, nothing loaded yet.
    Offline,
    /// The first page is on its way.
    Loading,
    /// The first page failed: the reason.
    Failed(String),
    /// Loaded (possibly empty); more pages may follow.
    Ready,
}

impl PlayerApp {
    pub fn comments_open(&self) -> bool {
        self.comments.open
    }

    pub fn comments_status(&self) -> CommentsStatus {
        let c = &self.comments;
        if c.post.is_none() {
            CommentsStatus::NotAPost
        } else if c.thread.pages() > 0 {
            CommentsStatus::Ready
        } else if let Some(e) = &c.error {
            CommentsStatus::Failed(e.clone())
        } else if c.waiting.is_some() {
            CommentsStatus::Loading
        } else {
            CommentsStatus::Offline
        }
    }

    /// The comments held, in reading order.
    pub fn comments_threaded(&self) -> Vec<Shown> {
        self.comments.thread.threaded()
    }

    /// Whether "Load more" has a page to fetch, and whether it is being fetched.
    pub(crate) fn comments_more(&self) -> (bool, bool) {
        let c = &self.comments;
        (c.thread.next_cursor().is_some(), c.waiting.is_some())
    }

    /// A later page failed: what went wrong (what was loaded stays).
    pub(crate) fn comments_error(&self) -> Option<&str> {
        self.comments.error.as_deref()
    }

    /// Each frame while the panel is open: follows the artwork on screen, and
    /// asks for the first page once connected.
    pub(crate) fn sync_comments(&mut self) {
        if !self.comments.open {
            return;
        }
        let post = self.engine.current().and_then(ArtworkSource::post_id);
        if post != self.comments.post {
            let open = self.comments.open;
            self.comments = Comments {
                open,
                post,
                ..Comments::default()
            };
        }
        let c = &self.comments;
        if c.post.is_some()
            && c.thread.pages() == 0
            && c.waiting.is_none()
            && c.error.is_none()
            && self.connection == ConnectionState::Connected
        {
            self.request_comments(None);
        }
    }

    pub(crate) fn toggle_comments(&mut self) {
        self.comments.open = !self.comments.open;
        if !self.comments.open {
            // Reopening reloads: comments may have been added meanwhile.
            self.comments = Comments::default();
        }
    }

    /// "Load more", or "Try again" after a failed first page.
    pub(crate) fn more_comments(&mut self) {
        if self.comments.waiting.is_some() || self.comments.post.is_none() {
            return;
        }
        self.comments.error = None;
        if self.comments.thread.pages() == 0 {
            self.request_comments(None);
        } else if let Some(cursor) = self.comments.thread.next_cursor().map(str::to_owned) {
            self.request_comments(Some(cursor));
        }
    }

    fn request_comments(&mut self, cursor: Option<String>) {
        let Some(post_id) = self.comments.post else {
            return;
        };
        self.request_tag += 1;
        let tag = self.request_tag;
        self.comments.waiting = Some(tag);
        self.send_to_runtime(RuntimeAction::Connection(ConnectionAction::Request {
            tag,
            body: Box::new(RequestBody::GetComments {
                post_id,
                cursor,
                limit: Some(PAGE_SIZE),
            }),
        }));
    }

    pub(crate) fn awaits_comments(&self, tag: u64) -> bool {
        self.comments.waiting == Some(tag)
    }

    pub(crate) fn on_comments_answer(&mut self, result: Result<Response, RequestFailure>) {
        self.comments.waiting = None;
        let post = self.comments.post.unwrap_or_default();
        match result {
            Ok(Response::Comments(page)) => {
                // Only this post's comments: a confused answer must not mix threads.
                let mut page = page;
                page.comments.retain(|c| c.post_id == post);
                let added = self.comments.thread.add_page(page);
                tracing::debug!("post {post}: {added} comments");
            }
            Ok(other) => {
                tracing::warn!("post {post}: comments answered with {other:?}");
                self.comments.error =
                    Some("Makapix Club answered with something other than comments.".into());
            }
            Err(reason) => {
                tracing::warn!("post {post}: comments could not be loaded: {reason}");
                let said = if reason.is(&ErrorCode::RateLimited) {
                    "Makapix Club is receiving too many requests from this player; wait a \
                     minute and try again."
                        .to_owned()
                } else {
                    reason.sentence
                };
                self.comments.error = Some(said);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::response::CommentsPage;
    use crate::ui::StartOptions;
    use serde_json::json;

    fn page(post: i64, ids: &[&str]) -> Result<Response, RequestFailure> {
        let comments: Vec<_> = ids
            .iter()
            .map(|id| json!({"comment_id": id, "post_id": post, "body": "hi"}))
            .collect();
        let page: CommentsPage =
            serde_json::from_value(json!({"comments": comments, "has_more": false})).unwrap();
        Ok(Response::Comments(page))
    }

    #[test]
    fn answers_for_a_post_no_longer_shown_are_dropped() {
        let mut app = PlayerApp::new(StartOptions::default());
        app.comments.open = true;
        app.comments.post = Some(1);
        app.request_comments(None);
        let stale = app.comments.waiting.expect("asked for post 1");
        // Nothing on screen any more: the panel forgets post 1 and its request.
        app.sync_comments();
        assert_eq!(app.comments_status(), CommentsStatus::NotAPost);
        assert!(!app.awaits_comments(stale));

        app.comments.post = Some(2);
        app.request_comments(None);
        let tag = app.comments.waiting.expect("asked for post 2");
        assert!(app.awaits_comments(tag) && tag != stale);
        // An answer carrying another post's comments does not mix threads.
        app.on_comments_answer(page(1, &["x"]));
        assert_eq!(app.comments_status(), CommentsStatus::Ready);
        assert!(app.comments_threaded().is_empty());
        app.more_comments();
        assert!(app.comments.waiting.is_none(), "no more pages to ask for");
    }

    #[test]
    fn a_failed_first_page_is_told_and_can_be_tried_again() {
        let mut app = PlayerApp::new(StartOptions::default());
        app.comments.open = true;
        app.comments.post = Some(3);
        app.request_comments(None);
        app.on_comments_answer(Err(RequestFailure {
            code: Some(ErrorCode::RateLimited),
            sentence: "Makapix Club refused the request: slow down (rate_limited)".into(),
        }));
        let CommentsStatus::Failed(said) = app.comments_status() else {
            panic!("a failure is shown");
        };
        assert!(said.contains("too many requests"), "{said}");
        app.more_comments();
        assert_eq!(app.comments_status(), CommentsStatus::Loading);
        app.on_comments_answer(Err(RequestFailure {
            code: None,
            sentence: "Not connected to Makapix Club.".into(),
        }));
        assert_eq!(
            app.comments_status(),
            CommentsStatus::Failed("Not connected to Makapix Club.".into())
        );
        app.more_comments();
        assert_eq!(app.comments_status(), CommentsStatus::Loading);
        app.on_comments_answer(page(3, &["a", "b"]));
        assert_eq!(app.comments_threaded().len(), 2);
    }
}
