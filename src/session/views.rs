//! View events: the pure `player::views` timer is told what is really on
//! screen (loaded, not paused, not covered), and each view it lets through
//! goes to the runtime, which queues it on disk and sends it.

use std::time::Duration;

use crate::bridge::connection::ConnectionAction;
use crate::player::ArtworkSource;
use crate::player::playset_run::ViewChannel;
use crate::player::views::{ViewIntent, ViewTimer};
use crate::protocol::view::{ViewEvent, utc_timestamp};

use super::Seen;
use super::channel::Channel;
use super::channels::Channels;
use super::effects::Effects;
use super::playsets::Playsets;

/// Where the artwork on screen came from, as a view event names it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ViewContext {
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
            let timestamp = utc_timestamp(unix_secs);
            // One line per view made (at most one per 5 s): what a lost view is traced by.
            tracing::info!("view of post {} made at {timestamp}", due.post_id);
            fx.connection(ConnectionAction::View(ViewEvent {
                post_id: due.post_id,
                timestamp,
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

/// Where the artwork on screen came from, for its view event.
pub fn context(
    playing: &Channel,
    channels: &Channels,
    playsets: &Playsets,
    seen: &Seen,
) -> ViewContext {
    let named = |name: &str| ViewChannel {
        channel: name.to_owned(),
        ..ViewChannel::default()
    };
    let channel = if matches!(*playing, Channel::Post(_)) {
        // Chosen by a person (`show_artwork`): it counts as the artwork itself,
        // in no channel.
        named("artwork")
    } else if let Some(v) = playsets.view_channel(playing, seen.post_on_screen()) {
        v
    } else if matches!(*playing, Channel::Playlist { .. }) {
        // A creator's playlist is no Makapix channel and has no name the server
        // knows; it is a list kept on this computer, which is what the protocol's
        // device-local channel, `sdcard`, stands for (p3a plays its playlists there).
        named("sdcard")
    } else {
        channels.view_channel().unwrap_or_else(|| named("all"))
    };
    // `play_order` is the order artworks really come in: shuffle reorders
    // every queue, a Makapix channel's too, so it is random then. Otherwise a
    // Makapix channel plays in the order its query asked for (the chosen
    // one, server order for `reactions`), and local files in name order.
    let shuffled = seen.settings.shuffle && !matches!(*playing, Channel::Post(_));
    let play_order = if shuffled {
        2
    } else if let Some(order) = playsets.play_order(playing) {
        order
    } else {
        channels.play_order().unwrap_or_default()
    };
    ViewContext {
        channel,
        play_order,
    }
}
