//! `play_playset`: the first page of each of the playset's channels (the local
//! folder for `sdcard`) is fetched, then mixed into one queue by the playset's
//! exposure and pick modes (`player::playset_run`). The command is answered when
//! every channel has answered. While it plays, each channel's next page is
//! fetched as that channel runs low, and views name the channel of each artwork.

use crate::bridge::connection::RequestFailure;
use std::time::Duration;

use crate::bridge::Action as RuntimeAction;
use crate::bridge::connection::ConnectionAction;
use crate::player::ArtworkSource;
use crate::player::playset::{ExposureMode, PickMode};
use crate::player::playset_run::{PlaysetRun, RunChannel, ViewChannel};
use crate::protocol::command::{AckStatus, CommandAck, PlayPlayset};
use crate::protocol::request::QueryPosts;
use crate::protocol::response::{PlaysetChannel, Response};

use super::app::{Channel, Notice, PlayerApp};
use super::remote::{Outcome, Refusal};

/// A playset being fetched (its first pages), then played and paged.
pub(crate) struct Mixing {
    name: String,
    label: String,
    run: PlaysetRun,
    /// Request tag → channel index, for the answers still awaited.
    waiting: Vec<(u64, usize)>,
    /// The `play_playset` command to answer; `None` when the window asked.
    ack: Option<String>,
    /// The first pages are in and the mix is playing.
    started: bool,
    /// The post last counted as shown.
    last_shown: Option<i64>,
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
        let mut channels = Vec::new();
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
                channels.push(RunChannel::local(weight, items));
            } else {
                match query_for(channel) {
                    Ok(q) => channels.push(RunChannel::makapix(weight, q)),
                    Err(why) => return refuse(why),
                }
            }
        }
        let mut run = PlaysetRun::new(exposure, pick, self.playset_seed(), channels);
        let mut waiting = Vec::new();
        for (index, query) in run.first_requests() {
            waiting.push((self.send_query(query), index));
        }
        self.mixing = Some(Mixing {
            label: format!("Playset: {}", cmd.playset_name),
            name: cmd.playset_name,
            run,
            waiting,
            ack: command_id.map(str::to_owned),
            started: false,
            last_shown: None,
        });
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
        result: Result<Response, RequestFailure>,
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
            Ok(Response::Posts(page)) => {
                let added = mixing.run.on_page(index, page);
                tracing::info!(
                    "playset {}: channel {index} brought {added} artworks",
                    mixing.name
                );
            }
            // One channel failing leaves the others to play.
            Ok(_) => {
                tracing::warn!("playset {}: channel {index} answered oddly", mixing.name);
                mixing.run.on_failure(index);
            }
            Err(e) => {
                tracing::warn!("playset {}: channel {index}: {e}", mixing.name);
                mixing.run.on_failure(index);
            }
        }
        if !mixing.started {
            self.finish_mix(now);
        } else if self.playing_playset()
            && let Some(m) = self.mixing.as_ref()
        {
            // A later page: the mix grows; what is on screen stays.
            let label = m.label.clone();
            let items = m.run.items();
            self.extend_channel(Channel::Makapix { label, items });
        }
    }

    /// Whether the queue on screen is the playset's.
    fn playing_playset(&self) -> bool {
        self.mixing.as_ref().is_some_and(|m| {
            m.started
                && matches!(&self.channel, Channel::Makapix { label, .. } if *label == m.label)
        })
    }

    /// The view event's `play_order` while a playset plays: its channels are asked
    /// for in server order, and `random` picking shuffles them.
    pub(crate) fn playset_play_order(&self) -> Option<u8> {
        if !self.playing_playset() {
            return None;
        }
        Some(match self.mixing.as_ref()?.run.pick() {
            PickMode::Random => 2,
            PickMode::Recency => 0,
        })
    }

    /// The channel a playset's artwork on screen came from, for view events.
    pub(crate) fn playset_view_channel(&self) -> Option<ViewChannel> {
        if !self.playing_playset() {
            return None;
        }
        let post = self.engine.current().and_then(ArtworkSource::post_id)?;
        self.mixing.as_ref()?.run.channel_of(post)
    }

    /// Each frame: counts the artwork on screen against its channel, and asks
    /// for the next page of each channel that runs low.
    pub(crate) fn playset_page_ahead(&mut self) {
        if !self.playing_playset() {
            return;
        }
        let post = self.engine.current().and_then(ArtworkSource::post_id);
        let Some(m) = self.mixing.as_mut() else {
            return;
        };
        if post == m.last_shown {
            return;
        }
        m.last_shown = post;
        if let Some(post) = post {
            m.run.on_shown(post);
        }
        for (index, query) in m.run.wants_more() {
            let tag = self.send_query(query);
            if let Some(m) = self.mixing.as_mut() {
                m.waiting.push((tag, index));
            }
        }
    }

    /// Once every channel has answered: the mixed queue plays, and the command is answered.
    fn finish_mix(&mut self, now: Duration) {
        if self
            .mixing
            .as_ref()
            .is_none_or(|m| m.started || !m.waiting.is_empty())
        {
            return;
        }
        let Some(mut m) = self.mixing.take() else {
            return;
        };
        let items = m.run.items();
        let (status, error) = if items.is_empty() {
            (
                AckStatus::Error,
                Some("none of the playset's channels has artworks this player can show".to_owned()),
            )
        } else {
            (AckStatus::Ok, None)
        };
        match m.ack.take() {
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
                    label: m.label.clone(),
                    items,
                },
                now,
            );
            m.started = true;
            self.mixing = Some(m);
        }
    }
}

fn refuse(why: String) -> Outcome {
    Outcome::Refused(Refusal::Payload(why))
}
