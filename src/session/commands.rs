//! Commands from the web: each is checked and turned into what the session
//! does with it, and its outcome into the acknowledgement. Pure; a refused
//! command changes nothing.

use std::time::Duration;

use crate::logging::{Throttle, clip};
use crate::preview::{Mirror, Rotation};
use crate::protocol::capabilities::{MIRROR_VALUES, PlayerState};
use crate::protocol::command::{
    AckStatus, Command, CommandAck, CommandEnvelope, PlayChannel, PlayPlayset, ShowArtwork,
};
use crate::settings::Settings;

use super::effects::{DisplayChange, EngineCommand};

/// Brightness as advertised in the capabilities (0..=100).
const BRIGHTNESS_MAX: i64 = 100;

/// Why a command of a type this player does not know is `unsupported`.
pub const UNKNOWN_COMMAND: &str = "this player does not know this command type";

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
#[derive(Debug)]
pub enum Outcome {
    Done,
    Refused(Refusal),
    Unsupported(&'static str),
    /// Answered later, when the outcome is known (a channel's first page).
    Pending,
}

/// What a command asks of the session.
#[derive(Debug)]
pub(crate) enum Decision {
    Engine(EngineCommand),
    Display(DisplayChange),
    ShowArtwork(ShowArtwork),
    PlayChannel(PlayChannel),
    PlayPlayset(PlayPlayset),
    Refused(Refusal),
}

/// Checks a command's values against what the capabilities advertise.
pub(crate) fn decide(command: Command) -> Decision {
    match command {
        Command::SwapNext => Decision::Engine(EngineCommand::Next),
        Command::SwapBack => Decision::Engine(EngineCommand::Previous),
        Command::SetPaused { paused } => Decision::Engine(EngineCommand::SetPaused(paused)),
        Command::SetBrightness { value } => match u8::try_from(value) {
            Ok(v) if value <= BRIGHTNESS_MAX => Decision::Display(DisplayChange::Brightness(v)),
            _ => Decision::Refused(Refusal::Brightness(value)),
        },
        Command::SetRotation { value } => {
            match u16::try_from(value).ok().and_then(Rotation::from_degrees) {
                Some(r) => Decision::Display(DisplayChange::Rotation(r)),
                None => Decision::Refused(Refusal::Rotation(value)),
            }
        }
        Command::SetMirror { value } => match mirror_from_word(&value) {
            Some(m) => Decision::Display(DisplayChange::Mirror(m)),
            None => Decision::Refused(Refusal::Mirror(value)),
        },
        Command::SetBackgroundColor { r, g, b } => {
            Decision::Display(DisplayChange::Background([r, g, b]))
        }
        Command::ShowArtwork(show) => Decision::ShowArtwork(show),
        Command::PlayChannel(channel) => Decision::PlayChannel(channel),
        Command::PlayPlayset(playset) => Decision::PlayPlayset(playset),
    }
}

/// The acknowledgement of a command, or `None` when it comes later.
pub fn ack(envelope: &CommandEnvelope, outcome: Outcome) -> Option<CommandAck> {
    let (status, error) = match outcome {
        Outcome::Done => (AckStatus::Ok, None),
        Outcome::Refused(why) => (AckStatus::Error, Some(why.to_string())),
        Outcome::Unsupported(why) => (AckStatus::Unsupported, Some(why.to_owned())),
        Outcome::Pending => return None,
    };
    let (kind, id) = (clip(&envelope.command_type), clip(&envelope.command_id));
    match &error {
        None => tracing::info!("command {kind} ({id}) answered {status:?}"),
        // Anyone who can publish commands can send bad ones by the thousand.
        Some(why) => {
            static REFUSED: Throttle = Throttle::new(10, Duration::from_secs(60));
            if let Some(note) = REFUSED.allow() {
                let why = clip(why);
                tracing::warn!("command {kind} ({id}) answered {status:?}: {why}{}", note);
            }
        }
    }
    Some(CommandAck {
        command_id: envelope.command_id.clone(),
        status,
        error,
    })
}

/// An acknowledgement given once the outcome of a pending command is known.
pub(crate) fn late_ack(command_id: String, outcome: Result<(), String>) -> CommandAck {
    let (status, error) = match outcome {
        Ok(()) => (AckStatus::Ok, None),
        Err(reason) => (AckStatus::Error, Some(reason)),
    };
    CommandAck {
        command_id,
        status,
        error,
    }
}

/// The state the broker is told about (retained `state`), from the settings
/// and the engine: the same words and ranges the commands take.
pub(crate) fn player_state(settings: &Settings, paused: bool) -> PlayerState {
    let mirror = Mirror::ALL
        .iter()
        .position(|m| *m == settings.mirror)
        .and_then(|i| MIRROR_VALUES.get(i))
        .unwrap_or(&"none");
    PlayerState {
        is_paused: Some(paused),
        brightness: Some(settings.brightness),
        rotation: Some(settings.rotation.degrees()),
        mirror: Some((*mirror).to_owned()),
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

    #[test]
    fn the_state_uses_the_words_the_commands_take() {
        for mirror in Mirror::ALL {
            let settings = Settings {
                mirror,
                ..Settings::default()
            };
            let word = player_state(&settings, false)
                .mirror
                .expect("a mirror word");
            assert_eq!(mirror_from_word(&word), Some(mirror));
        }
    }

    #[test]
    fn values_outside_the_capabilities_are_refused() {
        assert!(matches!(
            decide(Command::SetBrightness { value: 101 }),
            Decision::Refused(Refusal::Brightness(101))
        ));
        assert!(matches!(
            decide(Command::SetBrightness { value: -1 }),
            Decision::Refused(Refusal::Brightness(-1))
        ));
        assert!(matches!(
            decide(Command::SetBrightness { value: 100 }),
            Decision::Display(DisplayChange::Brightness(100))
        ));
        assert!(matches!(
            decide(Command::SetRotation { value: 45 }),
            Decision::Refused(Refusal::Rotation(45))
        ));
        assert!(matches!(
            decide(Command::SetRotation { value: 270 }),
            Decision::Display(DisplayChange::Rotation(Rotation::R270))
        ));
    }
}
