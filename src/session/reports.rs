//! What the server hears of the player besides answers: the post on screen in
//! `status` and the retained `state`, each sent only when it changed. A post
//! is named only once the server confirmed it in this session (a page,
//! `get_post`, `show_artwork`): an unknown post id makes the server drop the
//! whole status update.

use std::collections::HashSet;

use crate::bridge::connection::ConnectionAction;
use crate::protocol::capabilities::PlayerState;
use crate::protocol::response::Response;

use super::effects::Effects;

#[derive(Default)]
pub(super) struct Reports {
    /// The post on screen last told to the runtime (`status`).
    sent_post: Option<Option<i64>>,
    /// The player state last told to the runtime (the retained `state`).
    sent_state: Option<PlayerState>,
    /// Posts the server confirmed in this session.
    confirmed: HashSet<i64>,
}

impl Reports {
    /// Posts in an answer exist on the server now.
    pub(super) fn confirm(&mut self, response: &Response) {
        match response {
            Response::Posts(page) => {
                let ids = page.posts.iter().flat_map(|p| p.artwork_ids());
                self.confirmed.extend(ids);
            }
            Response::Post(post) => self.confirmed.extend(post.artwork_ids()),
            _ => {}
        }
    }

    /// A post `show_artwork` named: the server sent it, so it exists.
    pub(super) fn confirm_post(&mut self, post_id: i64) {
        self.confirmed.insert(post_id);
    }

    /// `status` names the post on screen, or none while it is not confirmed.
    pub(super) fn post_on_screen(&mut self, post: Option<i64>, fx: &mut Effects) {
        let named = post.filter(|p| self.confirmed.contains(p));
        if self.sent_post != Some(named) {
            self.sent_post = Some(named);
            fx.connection(ConnectionAction::SetCurrentPost(named));
        }
    }

    /// The retained `state`, sent when it changed.
    pub(super) fn state(&mut self, state: PlayerState, fx: &mut Effects) {
        if self.sent_state.as_ref() != Some(&state) {
            self.sent_state = Some(state.clone());
            fx.connection(ConnectionAction::SetState(state));
        }
    }
}
