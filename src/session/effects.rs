//! What the session layer asks of the rest of the program. It never acts
//! itself: each call appends effects, and the window carries them out in
//! order, so a test reads what would happen without a window or a runtime.

use std::path::PathBuf;
use std::time::Duration;

use crate::bridge::Action as RuntimeAction;
use crate::bridge::connection::ConnectionAction;
use crate::player::{ArtworkSource, Engine, QueueItem};
use crate::preview::{Mirror, Rotation};
use crate::settings::Settings;
use crate::storage::last_channel::LastChannel;

/// A message for the user in the status bar.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub text: String,
    pub is_error: bool,
}

impl Notice {
    pub fn error(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            is_error: true,
        }
    }

    pub fn info(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            is_error: false,
        }
    }
}

/// A change to the playback engine.
#[derive(Clone, Debug, PartialEq)]
pub enum EngineCommand {
    Next,
    Previous,
    SetPaused(bool),
    /// A new queue, played from its first item.
    Play(Vec<QueueItem>),
    /// The same queue with more or reordered items, without its first
    /// `dropped` (played long ago): what is on screen stays.
    Reorder {
        items: Vec<QueueItem>,
        dropped: usize,
    },
}

impl EngineCommand {
    pub fn apply(self, engine: &mut Engine, now: Duration) {
        match self {
            EngineCommand::Next => engine.next(now),
            EngineCommand::Previous => engine.previous(now),
            EngineCommand::SetPaused(paused) => engine.set_paused(paused, now),
            EngineCommand::Play(items) => engine.set_items(items, 0, now),
            EngineCommand::Reorder { items, dropped } => engine.reorder(items, dropped),
        }
    }
}

/// A display setting changed by a command from the web.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DisplayChange {
    Brightness(u8),
    Rotation(Rotation),
    Mirror(Mirror),
    Background([u8; 3]),
}

impl DisplayChange {
    pub fn apply(self, settings: &mut Settings) {
        match self {
            DisplayChange::Brightness(v) => settings.brightness = v,
            DisplayChange::Rotation(r) => settings.rotation = r,
            DisplayChange::Mirror(m) => settings.mirror = m,
            DisplayChange::Background(rgb) => settings.background = rgb,
        }
    }
}

#[derive(Debug)]
pub enum Effect {
    /// For the background runtime (network, artwork cache).
    Runtime(RuntimeAction),
    Engine(EngineCommand),
    Display(DisplayChange),
    Notice(Notice),
    /// A notice only when the status bar shows none.
    NoticeUnlessShown(Notice),
    /// Keep this Makapix channel for the next start (`None`: forget it).
    KeepChannel(Option<Box<LastChannel>>),
    /// A post's file is on disk: decode it for `source`.
    Decode {
        source: ArtworkSource,
        path: PathBuf,
    },
    /// A post's file cannot be had: show the placeholder with the reason.
    LoadFailed {
        source: ArtworkSource,
        reason: String,
    },
    /// A post whose file could not be had may be now: forget its placeholder,
    /// so the engine's next want asks the session for it again.
    LoadAgain(ArtworkSource),
}

/// The effects of one call, in order.
#[derive(Debug, Default)]
pub struct Effects(Vec<Effect>);

impl Effects {
    pub fn push(&mut self, effect: Effect) {
        self.0.push(effect);
    }

    pub fn connection(&mut self, action: ConnectionAction) {
        self.push(Effect::Runtime(RuntimeAction::Connection(action)));
    }

    pub fn engine(&mut self, command: EngineCommand) {
        self.push(Effect::Engine(command));
    }

    pub fn notice(&mut self, notice: Notice) {
        self.push(Effect::Notice(notice));
    }

    pub fn take(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.0)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Effect> {
        self.0.iter()
    }
}
