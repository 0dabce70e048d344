//! The like button and the `L` key: ❤️ on or off for the Makapix artwork on
//! screen, with `submit_reaction` / `revoke_reaction`. The server does not say
//! whether this player liked a post before, so the state is what this session
//! did; both requests are idempotent on the server, so a wrong guess costs
//! one extra press.

use std::collections::HashMap;
use std::time::Duration;

use crate::bridge::connection::RequestFailure;
use crate::protocol::request::RequestBody;
use crate::protocol::response::Response;

use super::effects::{Effects, Notice};
use super::pending::{Pending, Purpose, request};

/// A like is this emoji (protocol section 7).
pub(crate) const LIKE: &str = "❤️";

/// What the like button shows for the artwork on screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LikeState {
    /// Not a Makapix artwork: nothing to like.
    NotAPost,
    Liked(bool),
    /// Asked; the answer has not come yet.
    Sending,
}

#[derive(Default)]
pub(crate) struct Likes {
    liked: HashMap<i64, bool>,
}

impl Likes {
    pub fn state(&self, post: Option<i64>, pending: &Pending) -> LikeState {
        let Some(post) = post else {
            return LikeState::NotAPost;
        };
        if pending.any(|p| matches!(p, Purpose::Like { post_id, .. } if *post_id == post)) {
            return LikeState::Sending;
        }
        LikeState::Liked(self.liked.get(&post).copied().unwrap_or(false))
    }

    /// Likes the post, or takes the like back; nothing while an answer is awaited.
    pub(crate) fn toggle(
        &mut self,
        post: Option<i64>,
        pending: &mut Pending,
        now: Duration,
        fx: &mut Effects,
    ) {
        let (Some(post_id), LikeState::Liked(liked)) = (post, self.state(post, pending)) else {
            return;
        };
        let emoji = LIKE.to_owned();
        let body = if liked {
            RequestBody::RevokeReaction { post_id, emoji }
        } else {
            RequestBody::SubmitReaction { post_id, emoji }
        };
        let tag = pending.open(
            Purpose::Like {
                post_id,
                likes: !liked,
            },
            now,
        );
        fx.connection(request(tag, body));
    }

    pub(crate) fn on_answer(
        &mut self,
        post_id: i64,
        likes: bool,
        result: Result<Response, RequestFailure>,
        fx: &mut Effects,
    ) {
        match result {
            Ok(_) => {
                self.liked.insert(post_id, likes);
            }
            Err(reason) => {
                let what = if likes { "liked" } else { "unliked" };
                tracing::warn!("post {post_id} could not be {what}: {reason}");
                fx.notice(Notice::error(format!(
                    "The artwork could not be {what}: {reason}"
                )));
            }
        }
    }
}
