//! The comments panel's state: which post it shows, the `get_comments` page in
//! flight, and what came back. It follows the artwork on screen; an answer for
//! a post no longer shown, or for a page no longer awaited, is dropped.

use std::time::Duration;

use crate::bridge::connection::RequestFailure;
use crate::protocol::request::RequestBody;
use crate::protocol::response::{ErrorCode, Response};

use super::comment_thread::{CommentThread, PAGE_SIZE, Shown};
use super::effects::Effects;
use super::pending::{Pending, Purpose, request};

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

#[derive(Default)]
pub struct Comments {
    open: bool,
    /// The post whose comments are held.
    post: Option<i64>,
    thread: CommentThread,
    /// The tag of the page asked for.
    waiting: Option<u64>,
    error: Option<String>,
}

impl Comments {
    pub fn is_open(&self) -> bool {
        self.open
    }

    pub fn status(&self) -> CommentsStatus {
        if self.post.is_none() {
            CommentsStatus::NotAPost
        } else if self.thread.pages() > 0 {
            CommentsStatus::Ready
        } else if let Some(e) = &self.error {
            CommentsStatus::Failed(e.clone())
        } else if self.waiting.is_some() {
            CommentsStatus::Loading
        } else {
            CommentsStatus::Offline
        }
    }

    /// The comments held, in reading order.
    pub fn threaded(&self) -> Vec<Shown> {
        self.thread.threaded()
    }

    /// Whether "Load more" has a page to fetch, and whether one is being fetched.
    pub fn more(&self) -> (bool, bool) {
        (self.thread.next_cursor().is_some(), self.waiting.is_some())
    }

    /// A later page failed: what went wrong (what was loaded stays).
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// Reopening reloads: comments may have been added meanwhile.
    pub(crate) fn toggle(&mut self) {
        *self = Comments {
            open: !self.open,
            ..Comments::default()
        };
    }

    /// While the panel is open: follows the post on screen, and asks for the
    /// first page once connected.
    pub fn follow(
        &mut self,
        on_screen: Option<i64>,
        connected: bool,
        pending: &mut Pending,
        now: Duration,
        fx: &mut Effects,
    ) {
        if !self.open {
            return;
        }
        if on_screen != self.post {
            *self = Comments {
                open: true,
                post: on_screen,
                ..Comments::default()
            };
        }
        if self.post.is_some()
            && self.thread.pages() == 0
            && self.waiting.is_none()
            && self.error.is_none()
            && connected
        {
            self.request(None, pending, now, fx);
        }
    }

    /// "Load more", or "Try again" after a failed first page.
    pub(crate) fn load_more(&mut self, pending: &mut Pending, now: Duration, fx: &mut Effects) {
        if self.waiting.is_some() || self.post.is_none() {
            return;
        }
        self.error = None;
        if self.thread.pages() == 0 {
            self.request(None, pending, now, fx);
        } else if let Some(cursor) = self.thread.next_cursor().map(str::to_owned) {
            self.request(Some(cursor), pending, now, fx);
        }
    }

    fn request(
        &mut self,
        cursor: Option<String>,
        pending: &mut Pending,
        now: Duration,
        fx: &mut Effects,
    ) {
        let Some(post_id) = self.post else {
            return;
        };
        let tag = pending.open(Purpose::Comments { post_id }, now);
        self.waiting = Some(tag);
        let body = RequestBody::GetComments {
            post_id,
            cursor,
            limit: Some(PAGE_SIZE),
        };
        fx.connection(request(tag, body));
    }

    /// A page's answer; one for a page no longer awaited is dropped.
    pub(crate) fn on_answer(&mut self, tag: u64, result: Result<Response, RequestFailure>) {
        if self.waiting != Some(tag) {
            tracing::debug!("a comments answer no longer awaited was dropped");
            return;
        }
        self.waiting = None;
        let post = self.post.unwrap_or_default();
        match result {
            Ok(Response::Comments(mut page)) => {
                // Only this post's comments: a confused answer must not mix threads.
                page.comments.retain(|c| c.post_id == post);
                let added = self.thread.add_page(page);
                tracing::debug!("post {post}: {added} comments");
            }
            Ok(other) => {
                tracing::warn!("post {post}: comments answered with {other:?}");
                self.error =
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
                self.error = Some(said);
            }
        }
    }
}
