//! `play_playset`: the first page of each of the playset's channels (the local
//! folder for `sdcard`) is fetched, then mixed into one queue by the playset's
//! exposure and pick modes (`player::mix`). The command is answered when every
//! channel has answered.

use std::time::Duration;

use crate::bridge::Action as RuntimeAction;
use crate::bridge::connection::ConnectionAction;
use crate::player::feed::items_of;
use crate::player::mix::{MixChannel, mix};
use crate::player::playset::{ExposureMode, PickMode};
use crate::protocol::command::{AckStatus, CommandAck, PlayPlayset};
use crate::protocol::request::{QueryPosts, RequestBody};
use crate::protocol::response::{PlaysetChannel, Response};

use super::app::{Channel, Notice, PlayerApp};
use super::remote::{Outcome, Refusal};

/// How many artworks a playset's queue holds (it wraps after).
const MIX_LENGTH: usize = 500;

/// A playset whose channels are being fetched.
pub(crate) struct Mixing {
    name: String,
    exposure: ExposureMode,
    pick: PickMode,
    channels: Vec<MixChannel>,
    /// Request tag → channel index, for the answers still awaited.
    waiting: Vec<(u64, usize)>,
    /// The `play_playset` command to answer; `None` when the window asked.
    ack: Option<String>,
}

fn query_for(channel: &PlaysetChannel) -> Result<QueryPosts, String> {
    let identifier = channel.identifier.clone().or(channel.name.clone());
    let mut q = QueryPosts::default();
    match channel.kind.as_str() {
        "named" => q.channel = Some(channel.name.clone().unwrap_or_else(|| "all".into())),
        "user" => {
            q.channel = Some("by_user".into());
            q.user_sqid = Some(identifier.ok_or("a `user` channel needs an `identifier`")?);
        }
        "hashtag" => {
            q.channel = Some("hashtag".into());
            let tag = identifier.ok_or("a `hashtag` channel needs an `identifier`")?;
            q.hashtag = Some(tag.trim_start_matches('#').to_owned());
        }
        other => {
            return Err(format!(
                "`{other}` is not a playset channel type this player knows"
            ));
        }
    }
    q.limit = Some(crate::player::feed::PAGE_SIZE);
    Ok(q)
}

impl PlayerApp {
    pub(crate) fn play_playset(
        &mut self,
        cmd: PlayPlayset,
        command_id: Option<&str>,
        now: Duration,
    ) -> Outcome {
        let exposure = match cmd.exposure_mode.as_deref().unwrap_or("equal") {
            "equal" => ExposureMode::Equal,
            "manual" => ExposureMode::Manual,
            "proportional" => ExposureMode::Proportional,
            other => {
                return refuse(format!(
                    "exposure mode `{other}` is not one of equal, manual, proportional"
                ));
            }
        };
        let pick = match cmd.pick_mode.as_deref().unwrap_or("recency") {
            "recency" => PickMode::Recency,
            "random" => PickMode::Random,
            other => return refuse(format!("pick mode `{other}` is not one of recency, random")),
        };
        if cmd.channels.is_empty() {
            return refuse("the playset has no channels".into());
        }
        let mut plan = Vec::new();
        for channel in &cmd.channels {
            let weight = channel
                .weight
                .map_or(1, |w| w.clamp(0.0, 1e6).round() as u32);
            if channel.kind == "sdcard" {
                let items = self
                    .last_local
                    .as_ref()
                    .map(Channel::items)
                    .unwrap_or_default();
                plan.push((MixChannel { weight, items }, None));
            } else {
                match query_for(channel) {
                    Ok(q) => plan.push((
                        MixChannel {
                            weight,
                            items: Vec::new(),
                        },
                        Some(q),
                    )),
                    Err(why) => return refuse(why),
                }
            }
        }
        let mut mixing = Mixing {
            name: cmd.playset_name,
            exposure,
            pick,
            channels: Vec::new(),
            waiting: Vec::new(),
            ack: command_id.map(str::to_owned),
        };
        for (index, (channel, query)) in plan.into_iter().enumerate() {
            mixing.channels.push(channel);
            if let Some(q) = query {
                self.request_tag += 1;
                let tag = self.request_tag;
                self.send_to_runtime(RuntimeAction::Connection(ConnectionAction::Request {
                    tag,
                    body: Box::new(RequestBody::QueryPosts(q)),
                }));
                mixing.waiting.push((tag, index));
            }
        }
        self.mixing = Some(mixing);
        // Only local channels: nothing to wait for.
        self.finish_mix(now);
        Outcome::Pending
    }

    pub(crate) fn awaits_mix(&self, tag: u64) -> bool {
        self.mixing
            .as_ref()
            .is_some_and(|m| m.waiting.iter().any(|(t, _)| *t == tag))
    }

    pub(crate) fn on_mix_answer(
        &mut self,
        tag: u64,
        result: Result<Response, String>,
        now: Duration,
    ) {
        let Some(mixing) = self.mixing.as_mut() else {
            return;
        };
        let Some(pos) = mixing.waiting.iter().position(|(t, _)| *t == tag) else {
            return;
        };
        let (_, index) = mixing.waiting.remove(pos);
        match result {
            Ok(Response::Posts(page)) => mixing.channels[index].items = items_of(&page.posts),
            // One channel failing leaves the others to play.
            Ok(_) => tracing::warn!("playset {}: channel {index} answered oddly", mixing.name),
            Err(e) => tracing::warn!("playset {}: channel {index}: {e}", mixing.name),
        }
        self.finish_mix(now);
    }

    /// Once every channel has answered: the mixed queue plays, and the command is answered.
    fn finish_mix(&mut self, now: Duration) {
        if self.mixing.as_ref().is_none_or(|m| !m.waiting.is_empty()) {
            return;
        }
        let Some(m) = self.mixing.take() else {
            return;
        };
        let items = mix(
            &m.channels,
            m.exposure,
            m.pick,
            self.playset_seed(),
            MIX_LENGTH,
        );
        let (status, error) = if items.is_empty() {
            (
                AckStatus::Error,
                Some("none of the playset's channels has artworks this player can show".to_owned()),
            )
        } else {
            (AckStatus::Ok, None)
        };
        match m.ack {
            Some(command_id) => {
                self.send_to_runtime(RuntimeAction::Connection(ConnectionAction::Ack(
                    CommandAck {
                        command_id,
                        status,
                        error,
                    },
                )));
            }
            None => {
                if let Some(error) = error {
                    self.notice = Some(Notice {
                        text: format!("The playset {} cannot be played: {error}.", m.name),
                        is_error: true,
                    });
                }
            }
        }
        if !items.is_empty() {
            self.makapix = None;
            self.play(
                Channel::Makapix {
                    label: format!("Playset: {}", m.name),
                    items,
                },
                now,
            );
        }
    }
}

fn refuse(why: String) -> Outcome {
    Outcome::Refused(Refusal::Payload(why))
}
