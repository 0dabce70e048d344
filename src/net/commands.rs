//! Commands from the server: duplicates dropped, unknown types and
//! unreadable payloads answered here, the rest passed to the window, whose
//! answers are published on `command/ack`.

use std::time::Duration;

use crate::bridge::RuntimeEvent;
use crate::bridge::connection::ConnectionEvent;
use crate::logging::{Throttle, clip};
use crate::player::MakapixPost;
use crate::protocol::command::{AckStatus, Command, CommandAck, CommandEnvelope, CommandError};

use super::connection_task::{Live, SEEN_COMMANDS, Task};

/// How long a `show_artwork` waits for its post to be looked up in the
/// artwork cache (well under a millisecond, unless the disk is very busy).
const LOOK_AHEAD: Duration = Duration::from_millis(50);

/// A command's answer while the window has too many waiting.
const BUSY_REASON: &str =
    "the player is busy with earlier commands; send this one again in a moment";

impl Task {
    pub(super) async fn on_command(&mut self, live: &Live<'_>, payload: &[u8]) {
        let envelope: CommandEnvelope = match serde_json::from_slice(payload) {
            Ok(e) => e,
            Err(e) => {
                self.diag.note(format!("malformed command dropped: {e}"));
                return;
            }
        };
        crate::timing::event(
            "command_received",
            format_args!(
                "id={} type={}",
                crate::timing::token(&envelope.command_id),
                crate::timing::token(&envelope.command_type)
            ),
        );
        if self.seen_commands.contains(&envelope.command_id) {
            self.diag
                .note(format!("duplicate command {} ignored", envelope.command_id));
            return;
        }
        if self.seen_commands.len() == SEEN_COMMANDS {
            self.seen_commands.pop_front();
        }
        self.seen_commands.push_back(envelope.command_id.clone());
        let mut cached = None;
        let refused = match envelope.command() {
            Ok(Command::ShowArtwork(show)) => {
                if let (Some(files), Some(post)) = (&self.files, MakapixPost::from_show(&show)) {
                    cached = files.look_ahead(post, LOOK_AHEAD).await;
                }
                None
            }
            Ok(_) => None,
            Err(CommandError::Unsupported(kind)) => Some((
                AckStatus::Unsupported,
                format!("this player does not know `{kind}`"),
            )),
            Err(e @ CommandError::BadPayload { .. }) => Some((AckStatus::Error, e.to_string())),
        };
        if let Some((status, reason)) = refused {
            // Anyone who can publish commands can send these by the thousand.
            static REFUSED: Throttle = Throttle::new(10, Duration::from_secs(60));
            if let Some(note) = REFUSED.allow() {
                tracing::warn!(
                    "command {} ({}) refused: {}{}",
                    clip(&envelope.command_type),
                    clip(&envelope.command_id),
                    clip(&reason),
                    note
                );
            }
            let ack = CommandAck {
                command_id: envelope.command_id.clone(),
                status,
                error: Some(reason),
            };
            self.send_ack(live, &ack).await;
            return;
        }
        let event = RuntimeEvent::Connection(ConnectionEvent::Command(envelope, cached));
        // The window has COMMAND_QUEUE commands waiting: this one is
        // answered now rather than queued without bound.
        if let Err(refused) = self.sink.offer(event)
            && let RuntimeEvent::Connection(ConnectionEvent::Command(envelope, _)) = *refused
        {
            static BUSY: Throttle = Throttle::new(10, Duration::from_secs(60));
            if let Some(note) = BUSY.allow() {
                let id = clip(&envelope.command_id);
                tracing::warn!("command {id} refused: the window is behind{note}");
            }
            let ack = CommandAck {
                command_id: envelope.command_id,
                status: AckStatus::Error,
                error: Some(BUSY_REASON.to_owned()),
            };
            self.send_ack(live, &ack).await;
        }
    }

    pub(super) async fn send_ack(&self, live: &Live<'_>, ack: &CommandAck) {
        let payload = serde_json::to_vec(ack).unwrap_or_default();
        self.publish(live.client, live.topics.command_ack(), false, payload)
            .await;
        crate::timing::event(
            "ack_sent",
            format_args!("id={}", crate::timing::token(&ack.command_id)),
        );
    }
}
