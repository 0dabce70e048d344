//! Commands from the web, applied to the window's player. The window applies
//! them because it owns the engine and the settings, so it is also the one
//! that knows whether a change took: it writes the acknowledgement, and the
//! runtime only publishes it. A refused command changes nothing.

use std::time::Duration;

use crate::protocol::capabilities::MIRROR_VALUES;
use crate::protocol::command::{AckStatus, Command, CommandAck, CommandEnvelope};
use crate::settings::{Mirror, Rotation};

use super::app::PlayerApp;

/// Brightness as advertised in the capabilities (0..=100).
const BRIGHTNESS_MAX: i64 = 100;

/// Why a command was refused, as the web shows it to the owner.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("brightness {0} is outside 0..100")]
    Brightness(i64),
    #[error("rotation {0} is not one of 0, 90, 180, 270")]
    Rotation(i64),
    #[error("mirror `{0}` is not one of none, horizontal, vertical")]
    Mirror(String),
    #[error("the payload could not be read: {0}")]
    Payload(String),
}

/// What to acknowledge.
pub enum Outcome {
    Done,
    Refused(Refusal),
    Unsupported(&'static str),
    /// Answered later, when the outcome is known (a channel's first page).
    Pending,
}

impl PlayerApp {
    /// Applies one command and returns its acknowledgement (`None`: it comes later).
    pub(crate) fn apply_command(
        &mut self,
        envelope: &CommandEnvelope,
        now: Duration,
    ) -> Option<CommandAck> {
        let outcome = match envelope.command() {
            Ok(command) => self.run_command(command, &envelope.command_id, now),
            // The runtime answers these itself; a second reading cannot differ,
            // but an answer is still owed if it does.
            Err(e) => Outcome::Refused(Refusal::Payload(e.to_string())),
        };
        let (status, error) = match outcome {
            Outcome::Done => (AckStatus::Ok, None),
            Outcome::Refused(why) => {
                tracing::warn!(
                    "command {} ({}) refused: {why}",
                    envelope.command_type,
                    envelope.command_id
                );
                (AckStatus::Error, Some(why.to_string()))
            }
            Outcome::Unsupported(why) => (AckStatus::Unsupported, Some(why.to_owned())),
            Outcome::Pending => return None,
        };
        tracing::info!(
            "command {} ({}) answered {status:?}",
            envelope.command_type,
            envelope.command_id
        );
        Some(CommandAck {
            command_id: envelope.command_id.clone(),
            status,
            error,
        })
    }

    fn run_command(&mut self, command: Command, command_id: &str, now: Duration) -> Outcome {
        match command {
            Command::SwapNext => self.engine.next(now),
            Command::SwapBack => self.engine.previous(now),
            Command::SetPaused { paused } => self.engine.set_paused(paused, now),
            Command::SetBrightness { value } => match u8::try_from(value) {
                Ok(v) if value <= BRIGHTNESS_MAX => self.settings.brightness = v,
                _ => return Outcome::Refused(Refusal::Brightness(value)),
            },
            Command::SetRotation { value } => {
                match u16::try_from(value).ok().and_then(Rotation::from_degrees) {
                    Some(r) => self.settings.rotation = r,
                    None => return Outcome::Refused(Refusal::Rotation(value)),
                }
            }
            Command::SetMirror { value } => match mirror_from_word(&value) {
                Some(m) => self.settings.mirror = m,
                None => return Outcome::Refused(Refusal::Mirror(value)),
            },
            Command::SetBackgroundColor { r, g, b } => self.settings.background = [r, g, b],
            Command::ShowArtwork(show) => return self.show_post(show, now),
            Command::PlayChannel(channel) => {
                return self.play_channel(channel, Some(command_id), now);
            }
            Command::PlayPlayset(playset) => {
                return self.play_playset(playset, Some(command_id), now);
            }
        }
        Outcome::Done
    }
}

/// The mirror words of the capabilities (`MIRROR_VALUES`) to the setting.
fn mirror_from_word(word: &str) -> Option<Mirror> {
    let index = MIRROR_VALUES.iter().position(|w| *w == word)?;
    Mirror::ALL.get(index).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirror_words_match_the_capabilities_in_order() {
        assert_eq!(mirror_from_word("none"), Some(Mirror::None));
        assert_eq!(mirror_from_word("horizontal"), Some(Mirror::Horizontal));
        assert_eq!(mirror_from_word("vertical"), Some(Mirror::Vertical));
        assert_eq!(mirror_from_word("Vertical"), None);
        assert_eq!(mirror_from_word(""), None);
    }
}
