//! What the server hears of the player besides answers: the post on screen in
//! `status` and the retained `state`, each sent only when it changed. A post
//! is named only once the server confirmed it in this session (a page,
//! `get_post`, `show_artwork`): an unknown post id makes the server drop the
//! whole status update.
//!
//! Only what plays and what played before it need to be named, so the posts
//! confirmed are kept in two generations, the older dropped at each new
//! choice: a player left running for weeks does not keep every page's ids.

use std::collections::HashSet;

use crate::bridge::connection::ConnectionAction;
use crate::protocol::capabilities::PlayerState;
use crate::protocol::response::Response;

use super::effects::Effects;

/// Posts confirmed within one choice before a generation is closed anyway:
/// above the 50,000 the first pages of the largest playset bring (1,000
/// channels of 50), so only a channel paged for weeks reaches it.
pub(super) const MAX_CONFIRMED: usize = 65_536;

#[derive(Default)]
pub(super) struct Reports {
    /// The post on screen last told to the runtime (`status`).
    sent_post: Option<Option<i64>>,
    /// The player state last told to the runtime (the retained `state`).
    sent_state: Option<PlayerState>,
    /// Posts the server confirmed since what plays was chosen (its pages
    /// come before it plays, so they are here or in `older`).
    confirmed: HashSet<i64>,
    /// Posts confirmed for the choice before.
    older: HashSet<i64>,
}

impl Reports {
    /// Posts in an answer exist on the server now.
    pub(super) fn confirm(&mut self, response: &Response) {
        match response {
            Response::Posts(page) => {
                for id in page.posts.iter().flat_map(|p| p.artwork_ids()) {
                    self.confirm_post(id);
                }
            }
            Response::Post(post) => {
                for id in post.artwork_ids() {
                    self.confirm_post(id);
                }
            }
            _ => {}
        }
    }

    /// A post `show_artwork` named: the server sent it, so it exists.
    pub(super) fn confirm_post(&mut self, post_id: i64) {
        self.confirmed.insert(post_id);
        if self.confirmed.len() >= MAX_CONFIRMED {
            self.new_choice();
        }
    }

    /// Something new plays: the posts of the choice before last are not
    /// needed any more.
    pub(super) fn new_choice(&mut self) {
        self.older = std::mem::take(&mut self.confirmed);
    }

    fn is_confirmed(&self, post: i64) -> bool {
        self.confirmed.contains(&post) || self.older.contains(&post)
    }

    /// `status` names the post on screen, or none while it is not confirmed.
    pub(super) fn post_on_screen(&mut self, post: Option<i64>, fx: &mut Effects) {
        let named = post.filter(|p| self.is_confirmed(*p));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posts_of_the_choice_before_last_are_forgotten() {
        let mut reports = Reports::default();
        (1..=3).for_each(|id| reports.confirm_post(id));
        reports.new_choice();
        reports.confirm_post(10);
        assert!(reports.is_confirmed(1) && reports.is_confirmed(10));
        reports.new_choice();
        reports.confirm_post(20);
        assert!(!reports.is_confirmed(1), "two choices ago");
        assert!(reports.is_confirmed(10) && reports.is_confirmed(20));
        assert_eq!(reports.confirmed.len() + reports.older.len(), 2);
    }

    #[test]
    fn a_choice_confirming_without_end_stays_bounded() {
        let mut reports = Reports::default();
        let many = 3 * MAX_CONFIRMED as i64;
        (0..many).for_each(|id| reports.confirm_post(id));
        assert!(reports.confirmed.len() + reports.older.len() <= 2 * MAX_CONFIRMED);
        assert!(reports.is_confirmed(many - 1));
        assert!(
            reports.is_confirmed(many - MAX_CONFIRMED as i64),
            "the last ones stay"
        );
    }
}
