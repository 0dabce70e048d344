//! View events: the pure `player::views` timer is told what is really on
//! screen (loaded, not paused, not covered), and each view it lets through
//! goes to the runtime, which queues it on disk and sends it.

use std::time::Duration;

use crate::bridge::connection::ConnectionAction;
use crate::player::ArtworkSource;
use crate::player::playset_run::ViewChannel;
use crate::player::views::{ViewIntent, ViewTimer};
use crate::protocol::view::{ViewEvent, utc_timestamp};

use super::effects::Effects;

/// Where the artwork on screen came from, as a view event names it.
#[derive(Clone, Debug, PartialEq)]
pub struct ViewContext {
    pub channel: ViewChannel,
    pub play_order: u8,
}

#[derive(Default)]
pub struct Views {
    timer: ViewTimer,
    shown: Option<ArtworkSource>,
}

impl Views {
    /// Tells the timer what is seen; sends a view when one is due. `chosen`:
    /// a person picked the artwork (`show_artwork`) rather than automatic
    /// playback. Returns when to look again.
    #[allow(clippy::too_many_arguments)]
    pub fn report(
        &mut self,
        on_screen: Option<&ArtworkSource>,
        chosen: bool,
        visible: bool,
        context: impl FnOnce() -> ViewContext,
        timezone: &str,
        unix_secs: u64,
        now: Duration,
        fx: &mut Effects,
    ) -> Option<Duration> {
        if on_screen != self.shown.as_ref() {
            let intent = if chosen {
                ViewIntent::Artwork
            } else {
                ViewIntent::Channel
            };
            self.timer
                .show(on_screen.and_then(ArtworkSource::post_id), intent);
            self.shown = on_screen.cloned();
        }
        self.timer.set_visible(visible, now);
        if let Some(due) = self.timer.poll(now) {
            let context = context();
            tracing::debug!("view of post {} reported", due.post_id);
            fx.connection(ConnectionAction::View(ViewEvent {
                post_id: due.post_id,
                timestamp: utc_timestamp(unix_secs),
                timezone: timezone.to_owned(),
                intent: match due.intent {
                    ViewIntent::Artwork => "artwork",
                    ViewIntent::Channel => "channel",
                }
                .to_owned(),
                play_order: context.play_order,
                channel: context.channel.channel,
                player_key: String::new(),
                channel_user_sqid: context.channel.user_sqid,
                channel_hashtag: context.channel.hashtag,
            }));
        }
        self.timer.next_deadline(now)
    }
}
