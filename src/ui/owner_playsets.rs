//! The owner's playsets, asked for from the window (Settings › Makapix
//! channels › Followed artists): `get_playset`, then the answer plays through
//! the same path as a `play_playset` command. The answer is kept so the
//! picker can show what the playset holds.

use crate::bridge::connection::RequestFailure;
use crate::protocol::response::ErrorCode;
use std::time::Duration;

use crate::bridge::Action as RuntimeAction;
use crate::bridge::connection::ConnectionAction;
use crate::protocol::command::PlayPlayset;
use crate::protocol::request::RequestBody;
use crate::protocol::response::{Playset, Response};

use super::app::{Notice, PlayerApp};
use super::remote::Outcome;

/// The playset Makapix keeps for every owner: the artists they follow.
pub const FOLLOWED_ARTISTS: &str = "followed_artists";

#[derive(Default)]
pub(crate) struct OwnerPlaysets {
    /// Tag and name of the playset asked for.
    waiting: Option<(u64, String)>,
    /// The last playset received.
    last: Option<Playset>,
    /// A sentence about the last request, when it brought no playset.
    status: Option<String>,
}

/// What the picker shows about the owner's playset.
#[derive(Clone, Debug, PartialEq)]
pub enum OwnerPlaysetView {
    Idle,
    Asking,
    /// The channels' display names (or identifiers).
    Playing(Vec<String>),
    Said(String),
}

impl PlayerApp {
    pub fn owner_playset(&self) -> OwnerPlaysetView {
        let o = &self.owner_playsets;
        if o.waiting.is_some() {
            OwnerPlaysetView::Asking
        } else if let Some(said) = &o.status {
            OwnerPlaysetView::Said(said.clone())
        } else if let Some(p) = &o.last {
            OwnerPlaysetView::Playing(
                p.channels
                    .iter()
                    .map(|c| {
                        c.display_name
                            .clone()
                            .or(c.identifier.clone())
                            .or(c.name.clone())
                            .unwrap_or_else(|| c.kind.clone())
                    })
                    .map(|s| super::comment_thread::plain(&s))
                    .collect(),
            )
        } else {
            OwnerPlaysetView::Idle
        }
    }

    pub(crate) fn request_owner_playset(&mut self, name: String) {
        self.request_tag += 1;
        let tag = self.request_tag;
        self.owner_playsets.waiting = Some((tag, name.clone()));
        self.owner_playsets.status = None;
        self.send_to_runtime(RuntimeAction::Connection(ConnectionAction::Request {
            tag,
            body: Box::new(RequestBody::GetPlayset { playset_name: name }),
        }));
    }

    pub(crate) fn awaits_owner_playset(&self, tag: u64) -> bool {
        self.owner_playsets
            .waiting
            .as_ref()
            .is_some_and(|(t, _)| *t == tag)
    }

    pub(crate) fn on_owner_playset(
        &mut self,
        result: Result<Response, RequestFailure>,
        now: Duration,
    ) {
        let Some((_, name)) = self.owner_playsets.waiting.take() else {
            return;
        };
        let playset = match result {
            Ok(Response::Playset(p)) => p,
            Ok(other) => {
                tracing::warn!("get_playset {name}: answered with {other:?}");
                self.say(format!(
                    "Makapix Club answered oddly for the playset {name}; try again later."
                ));
                return;
            }
            Err(failure) if failure.is(&ErrorCode::PlaysetNotFound) => {
                tracing::info!("get_playset {name}: not found");
                let said = if name == FOLLOWED_ARTISTS {
                    "You follow no artists yet: follow some on Makapix Club to fill this playset."
                        .to_owned()
                } else {
                    format!("Makapix Club has no playset called {name}.")
                };
                self.owner_playsets.status = Some(said);
                return;
            }
            Err(reason) => {
                tracing::warn!("get_playset {name}: {reason}");
                self.say(format!("The playset could not be fetched. {reason}"));
                return;
            }
        };
        let cmd = PlayPlayset {
            playset_name: playset.playset_name.clone(),
            channels: playset.channels.clone(),
            exposure_mode: playset.exposure_mode.clone(),
            pick_mode: playset.pick_mode.clone(),
        };
        self.owner_playsets.last = Some(playset);
        match self.play_playset(cmd, None, now) {
            Outcome::Refused(why) => self.say(format!("The playset cannot be played: {why}.")),
            Outcome::Unsupported(why) => {
                self.say(format!("The playset cannot be played: {why}."));
            }
            Outcome::Done | Outcome::Pending => {}
        }
    }

    /// A failure told both in the picker and in the status bar.
    fn say(&mut self, text: String) {
        self.owner_playsets.status = Some(text.clone());
        self.notice = Some(Notice {
            text,
            is_error: true,
        });
    }
}
