//! The like button and the `L` key: toggle ❤️ on the Makapix artwork on
//! screen with `submit_reaction` / `revoke_reaction`. The server does not say
//! whether this player liked a post before, so the state is what this session
//! did; both requests are idempotent on the server, so a wrong guess costs
//! one extra press.

use crate::bridge::connection::RequestFailure;
use std::collections::HashMap;

use crate::bridge::Action as RuntimeAction;
use crate::bridge::connection::ConnectionAction;
use crate::player::ArtworkSource;
use crate::protocol::request::RequestBody;
use crate::protocol::response::Response;

use super::app::{Notice, PlayerApp};

/// A like is this emoji (protocol section 7).
pub const LIKE: &str = "❤️";

#[derive(Default)]
pub(crate) struct Likes {
    liked: HashMap<i64, bool>,
    /// Request tag → (post, whether it likes).
    waiting: HashMap<u64, (i64, bool)>,
}

/// What the like button shows for the artwork on screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LikeState {
    /// Not a Makapix artwork: nothing to like.
    NotAPost,
    Liked(bool),
    /// Asked; the answer has not come yet.
    Sending,
}

impl PlayerApp {
    /// The like state of the artwork on screen.
    pub fn like_state(&self) -> LikeState {
        let Some(post) = self.engine.current().and_then(ArtworkSource::post_id) else {
            return LikeState::NotAPost;
        };
        if self.likes.waiting.values().any(|(p, _)| *p == post) {
            return LikeState::Sending;
        }
        LikeState::Liked(self.likes.liked.get(&post).copied().unwrap_or(false))
    }

    pub(crate) fn toggle_like(&mut self) {
        let LikeState::Liked(liked) = self.like_state() else {
            return;
        };
        let Some(post_id) = self.engine.current().and_then(ArtworkSource::post_id) else {
            return;
        };
        let emoji = LIKE.to_owned();
        let body = if liked {
            RequestBody::RevokeReaction { post_id, emoji }
        } else {
            RequestBody::SubmitReaction { post_id, emoji }
        };
        self.request_tag += 1;
        let tag = self.request_tag;
        self.likes.waiting.insert(tag, (post_id, !liked));
        self.send_to_runtime(RuntimeAction::Connection(ConnectionAction::Request {
            tag,
            body: Box::new(body),
        }));
    }

    pub(crate) fn awaits_like(&self, tag: u64) -> bool {
        self.likes.waiting.contains_key(&tag)
    }

    pub(crate) fn on_like_answer(&mut self, tag: u64, result: Result<Response, RequestFailure>) {
        let Some((post_id, likes)) = self.likes.waiting.remove(&tag) else {
            return;
        };
        match result {
            Ok(_) => {
                self.likes.liked.insert(post_id, likes);
            }
            Err(reason) => {
                let what = if likes { "liked" } else { "unliked" };
                tracing::warn!("post {post_id} could not be {what}: {reason}");
                self.notice = Some(Notice {
                    text: format!("The artwork could not be {what}: {reason}"),
                    is_error: true,
                });
            }
        }
    }
}
