//! View events from the window: the pure `player::views` timer is fed what is
//! really on screen (loaded, not paused, not covered), and each view it lets
//! through goes to the runtime, which queues it on disk and sends it.

use std::time::{Duration, SystemTime};

use crate::bridge::Action as RuntimeAction;
use crate::bridge::connection::ConnectionAction;
use crate::player::ArtworkSource;
use crate::player::views::{ViewIntent, ViewTimer};
use crate::protocol::view::{ViewEvent, utc_timestamp};

use super::app::{Channel, PlayerApp};
use super::library::Entry;

/// What the view timer is timing.
#[derive(Default)]
pub(crate) struct ViewReporter {
    timer: ViewTimer,
    shown: Option<ArtworkSource>,
}

impl PlayerApp {
    /// Each frame: tells the timer what is seen, sends a view when one is due,
    /// and returns when to look again.
    pub(crate) fn report_views(&mut self, now: Duration) -> Option<Duration> {
        let current = self.engine.current().cloned();
        if current != self.views.shown {
            // A person's choice (`show_artwork`) or automatic playback.
            let intent = if matches!(self.channel, Channel::Post(_)) {
                ViewIntent::Artwork
            } else {
                ViewIntent::Channel
            };
            let post = current.as_ref().and_then(ArtworkSource::post_id);
            self.views.timer.show(post, intent);
            self.views.shown = current.clone();
        }
        let loaded = current
            .as_ref()
            .is_some_and(|s| matches!(self.library.get(s), Some(Entry::Ready(_))));
        let covered = self.show_shortcuts || self.show_about || self.net.open;
        let visible = loaded && !self.engine.is_paused() && !covered;
        self.views.timer.set_visible(visible, now);
        if let Some(due) = self.views.timer.poll(now) {
            let view = self.view_event(due.post_id, due.intent);
            tracing::debug!("view of post {} reported", due.post_id);
            self.send_to_runtime(RuntimeAction::Connection(ConnectionAction::View(view)));
        }
        self.views.timer.next_deadline(now)
    }

    fn view_event(&self, post_id: i64, intent: ViewIntent) -> ViewEvent {
        let (channel, user_sqid, hashtag) = self.view_channel();
        let secs = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        ViewEvent {
            post_id,
            timestamp: utc_timestamp(secs),
            timezone: String::new(),
            intent: match intent {
                ViewIntent::Artwork => "artwork",
                ViewIntent::Channel => "channel",
            }
            .to_owned(),
            // A Makapix channel is asked for in the chosen order; local files are
            // in name order unless shuffled.
            play_order: if let Some(order) = self.playset_play_order() {
                order
            } else if self.makapix.is_some() {
                self.settings.channel_order.play_order()
            } else if self.settings.shuffle {
                2
            } else {
                0
            },
            channel,
            player_key: String::new(),
            channel_user_sqid: user_sqid,
            channel_hashtag: hashtag,
        }
    }
}
