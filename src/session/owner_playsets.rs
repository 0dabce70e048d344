//! The owner's playsets, asked for from the window (Settings › Makapix
//! channels › Followed artists): `get_playset`, then the answer plays through
//! the same path as a `play_playset` command. The answer is kept so the
//! picker can show what the playset holds.

use std::time::Duration;

use crate::bridge::connection::RequestFailure;
use crate::protocol::command::PlayPlayset;
use crate::protocol::request::RequestBody;
use crate::protocol::response::{ErrorCode, Playset, Response};

use super::comment_thread::plain;
use super::effects::{Effects, Notice};
use super::pending::{Pending, Purpose, request};

/// The playset Makapix keeps for every owner: the artists they follow.
pub(crate) const FOLLOWED_ARTISTS: &str = "followed_artists";

/// What the picker shows about the owner's playset.
#[derive(Clone, Debug, PartialEq)]
pub enum OwnerPlaysetView {
    Idle,
    Asking,
    /// The channels' display names (or identifiers).
    Playing(Vec<String>),
    Said(String),
}

#[derive(Default)]
pub(crate) struct OwnerPlaysets {
    /// The tag of the playset asked for.
    waiting: Option<u64>,
    /// The last playset received.
    last: Option<Playset>,
    /// A sentence about the last request, when it brought no playset.
    status: Option<String>,
}

impl OwnerPlaysets {
    pub fn view(&self) -> OwnerPlaysetView {
        if self.waiting.is_some() {
            OwnerPlaysetView::Asking
        } else if let Some(said) = &self.status {
            OwnerPlaysetView::Said(said.clone())
        } else if let Some(p) = &self.last {
            OwnerPlaysetView::Playing(
                p.channels
                    .iter()
                    .map(|c| {
                        let name = c.display_name.as_ref().or(c.identifier.as_ref());
                        plain(name.or(c.name.as_ref()).unwrap_or(&c.kind))
                    })
                    .collect(),
            )
        } else {
            OwnerPlaysetView::Idle
        }
    }

    pub fn request(
        &mut self,
        name: String,
        pending: &mut Pending,
        now: Duration,
        fx: &mut Effects,
    ) {
        let tag = pending.open(Purpose::OwnerPlayset { name: name.clone() }, now);
        self.waiting = Some(tag);
        self.status = None;
        fx.connection(request(tag, RequestBody::GetPlayset { playset_name: name }));
    }

    /// The answer: the playset to play, or `None` (what went wrong is said).
    pub(crate) fn on_answer(
        &mut self,
        tag: u64,
        name: &str,
        result: Result<Response, RequestFailure>,
        fx: &mut Effects,
    ) -> Option<PlayPlayset> {
        if self.waiting != Some(tag) {
            return None;
        }
        self.waiting = None;
        let playset = match result {
            Ok(Response::Playset(p)) => p,
            Ok(other) => {
                tracing::warn!("get_playset {name}: answered with {other:?}");
                self.say(
                    format!("Makapix Club answered oddly for the playset {name}; try again later."),
                    fx,
                );
                return None;
            }
            Err(failure) if failure.is(&ErrorCode::PlaysetNotFound) => {
                tracing::info!("get_playset {name}: not found");
                self.status = Some(if name == FOLLOWED_ARTISTS {
                    "You follow no artists yet: follow some on Makapix Club to fill this playset."
                        .to_owned()
                } else {
                    format!("Makapix Club has no playset called {name}.")
                });
                return None;
            }
            Err(reason) => {
                tracing::warn!("get_playset {name}: {reason}");
                self.say(format!("The playset could not be fetched. {reason}"), fx);
                return None;
            }
        };
        let cmd = PlayPlayset {
            playset_name: playset.playset_name.clone(),
            channels: playset.channels.clone(),
            exposure_mode: playset.exposure_mode.clone(),
            pick_mode: playset.pick_mode.clone(),
        };
        self.last = Some(playset);
        Some(cmd)
    }

    /// A failure told both in the picker and in the status bar.
    pub fn say(&mut self, text: String, fx: &mut Effects) {
        self.status = Some(text.clone());
        fx.notice(Notice::error(text));
    }
}
