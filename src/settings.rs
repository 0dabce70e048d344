//! The user's settings, persisted as JSON in the per-user config folder.
//!
//! Writes happen on a background thread (never on the window thread) and are
//! atomic: a crash mid-write leaves the previous file intact. A damaged file is
//! kept aside as `settings.json.bad` so nothing the user set is silently lost,
//! and every setting it holds that can still be read is kept.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::preview::{Mirror, Rotation};

/// The saved settings read on a worker while the window opens.
pub mod load;
mod saver;

pub(crate) use saver::SettingsSaver;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScaleMode {
    /// Largest whole-number factor that fits: every art pixel is the same size.
    #[default]
    Integer,
    /// As large as fits, fractional factors allowed.
    Fit,
    /// Covers the whole canvas, cropping what overflows.
    Fill,
}

impl ScaleMode {
    pub(crate) const ALL: [ScaleMode; 3] = [ScaleMode::Integer, ScaleMode::Fit, ScaleMode::Fill];

    pub fn label(self) -> &'static str {
        match self {
            ScaleMode::Integer => "Integer (crisp)",
            ScaleMode::Fit => "Fit",
            ScaleMode::Fill => "Fill",
        }
    }
}

/// The order a Makapix channel's artworks are asked for (`query_posts` `sort`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelOrder {
    /// The server's own order.
    #[default]
    Server,
    /// Newest first.
    Newest,
    /// Random, from a seed kept across restarts so a channel does not reshuffle every launch.
    Random,
}

impl ChannelOrder {
    pub(crate) const ALL: [ChannelOrder; 3] = [
        ChannelOrder::Server,
        ChannelOrder::Newest,
        ChannelOrder::Random,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ChannelOrder::Server => "Server order",
            ChannelOrder::Newest => "Newest first",
            ChannelOrder::Random => "Random",
        }
    }

    /// `query_posts`' `sort`; `None` leaves the server's default.
    pub fn sort(self) -> Option<&'static str> {
        match self {
            ChannelOrder::Server => None,
            ChannelOrder::Newest => Some("created_at"),
            ChannelOrder::Random => Some("random"),
        }
    }

    /// The view event's `play_order`: 0 server order, 1 created_at, 2 random.
    pub fn play_order(self) -> u8 {
        match self {
            ChannelOrder::Server => 0,
            ChannelOrder::Newest => 1,
            ChannelOrder::Random => 2,
        }
    }
}

pub(crate) const MIN_DWELL_SECS: u32 = 1;
pub(crate) const MAX_DWELL_SECS: u32 = 24 * 60 * 60;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub scale_mode: ScaleMode,
    /// Colour around the artwork and behind its transparent pixels.
    pub background: [u8; 3],
    /// Draw a checkerboard behind transparent pixels instead of the plain colour.
    pub checkerboard: bool,
    pub rotation: Rotation,
    pub mirror: Mirror,
    /// 0 (black) to 100 (as authored).
    pub brightness: u8,
    /// Seconds each artwork stays (animations at least one full loop).
    pub dwell_secs: u32,
    pub shuffle: bool,
    /// How Makapix channels are ordered.
    pub channel_order: ChannelOrder,
    /// The seed for `ChannelOrder::Random`; 0 until the player picks one.
    pub channel_seed: u64,
    pub show_info: bool,
    pub show_settings: bool,
    /// Device previews (View › Preview as…).
    pub preview: crate::preview::PreviewSettings,
    /// Which way requests go (Settings › Player › Transport).
    pub transport: crate::bridge::transport::TransportChoice,
    /// LED panels the art plays on too (Settings › LED panels).
    pub outputs: Vec<crate::outputs::SavedOutput>,
    /// The CID E1.31 packets carry, picked once per installation (`Outputs::set_source_id`).
    pub led_source_id: Option<uuid::Uuid>,
    /// The first-run welcome card was dismissed: it does not come back.
    pub welcome_dismissed: bool,
    /// The settings panel's sections the user folded; a section added later starts open.
    pub closed_sections: Vec<SettingsSection>,
    /// The window's size when it was last changed (`ui/window_place.rs`); `None`: never changed.
    pub window: Option<WindowPlace>,
    /// Settings a newer version wrote that this one does not know: written
    /// back as they were, so going back to an older version and forth again
    /// loses none of them.
    #[serde(flatten)]
    pub unknown: serde_json::Map<String, serde_json::Value>,
}

/// The window as the user left it: its inner size in points, and whether it
/// was maximised (then `size` is the size it comes back to).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct WindowPlace {
    pub size: [f32; 2],
    pub maximized: bool,
}

impl WindowPlace {
    /// The window's smallest inner size (the window is made with it too).
    pub const MIN: [f32; 2] = [320.0, 240.0];
    /// Never absurdly large.
    const MAX: f32 = 16_384.0;

    /// Within bounds, or `None` for a size that is no size (a hand-edited NaN).
    fn sanitized(self) -> Option<Self> {
        let [w, h] = self.size;
        (w.is_finite() && h.is_finite()).then(|| Self {
            size: [
                w.clamp(Self::MIN[0], Self::MAX).round(),
                h.clamp(Self::MIN[1], Self::MAX).round(),
            ],
            maximized: self.maximized,
        })
    }
}

/// The settings panel's sections, in the order they are drawn (Player comes
/// first while this computer is not registered).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SettingsSection {
    Player,
    Display,
    DevicePreview,
    /// The LED outputs list (`ui/outputs_pane.rs`).
    Outputs,
    Playback,
    Files,
}

impl SettingsSection {
    pub fn title(self) -> &'static str {
        match self {
            SettingsSection::Player => "Player",
            SettingsSection::Display => "Display",
            SettingsSection::DevicePreview => "Device preview",
            SettingsSection::Outputs => "LED panels",
            SettingsSection::Playback => "Playback",
            SettingsSection::Files => "Files",
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            scale_mode: ScaleMode::Integer,
            background: [0, 0, 0],
            checkerboard: false,
            rotation: Rotation::R0,
            mirror: Mirror::None,
            brightness: 100,
            dwell_secs: 30,
            shuffle: false,
            channel_order: ChannelOrder::Server,
            channel_seed: 0,
            show_info: false,
            show_settings: false,
            preview: Default::default(),
            transport: Default::default(),
            outputs: Vec::new(),
            led_source_id: None,
            welcome_dismissed: false,
            closed_sections: Vec::new(),
            window: None,
            unknown: serde_json::Map::new(),
        }
    }
}

impl Settings {
    /// How these settings show the device previews.
    pub fn look(&self) -> crate::preview::render::Look {
        crate::preview::render::Look {
            rotation: self.rotation,
            mirror: self.mirror,
            background: self.background,
            brightness: self.brightness,
            preview: self.preview.clone(),
        }
    }

    /// Brings values from a hand-edited or older file back into range.
    pub(crate) fn sanitized(mut self) -> Self {
        self.brightness = self.brightness.min(100);
        self.dwell_secs = self.dwell_secs.clamp(MIN_DWELL_SECS, MAX_DWELL_SECS);
        self.preview = self.preview.sanitized();
        self.window = self.window.and_then(WindowPlace::sanitized);
        self
    }

    pub fn section_open(&self, section: SettingsSection) -> bool {
        !self.closed_sections.contains(&section)
    }

    /// Unfolds or folds `section` (remembered with the other settings).
    pub(crate) fn set_section_open(&mut self, section: SettingsSection, open: bool) {
        self.closed_sections.retain(|s| *s != section);
        if !open {
            self.closed_sections.push(section);
        }
    }

    pub fn dwell(&self) -> Duration {
        Duration::from_secs(u64::from(self.dwell_secs))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("Could not read the settings file {path}: {source}. Default settings are used.")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "The settings file {path} is damaged ({reason}). It was kept as {kept} and default settings are used."
    )]
    Damaged {
        path: PathBuf,
        reason: String,
        kept: PathBuf,
    },
    #[error(
        "Some settings in {path} could not be read ({lost}): they are back to their defaults, the others are kept. The file as it was is kept as {kept}."
    )]
    Partly {
        path: PathBuf,
        lost: String,
        kept: PathBuf,
    },
    #[error("Could not save the settings to {path}: {source}. Check that the folder is writable.")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Reads the settings; a missing file gives the defaults without error.
pub fn load(path: &Path) -> (Settings, Option<SettingsError>) {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (Settings::default(), None),
        Err(source) => {
            let err = SettingsError::Read {
                path: path.to_path_buf(),
                source,
            };
            return (Settings::default(), Some(err));
        }
    };
    let e = match serde_json::from_str::<Settings>(&text) {
        Ok(settings) => return (settings.sanitized(), None),
        Err(e) => e,
    };
    let kept = crate::storage::paths::bad_path(path);
    // Keep the user's file for inspection rather than overwriting it on the next save.
    let _ = std::fs::rename(path, &kept);
    let path = path.to_path_buf();
    match salvage(&text) {
        Some((settings, lost)) => {
            let lost = lost.join(", ");
            (
                settings.sanitized(),
                Some(SettingsError::Partly { path, lost, kept }),
            )
        }
        None => {
            let reason = e.to_string();
            let err = SettingsError::Damaged { path, reason, kept };
            (Settings::default(), Some(err))
        }
    }
}

/// The settings of a file this version cannot read whole (a value a newer
/// version wrote, one damaged entry), read setting by setting: those it
/// cannot read go back to their defaults, and their names come back too.
/// `None` when the file is not a JSON object at all.
fn salvage(text: &str) -> Option<(Settings, Vec<String>)> {
    let serde_json::Value::Object(found) = serde_json::from_str(text).ok()? else {
        return None;
    };
    let mut kept = serde_json::to_value(Settings::default()).ok()?;
    let mut lost = Vec::new();
    for (name, value) in found {
        let mut tried = kept.clone();
        tried[name.as_str()] = value;
        if serde_json::from_value::<Settings>(tried.clone()).is_ok() {
            kept = tried;
        } else {
            lost.push(name);
        }
    }
    Some((serde_json::from_value(kept).ok()?, lost))
}

pub fn save(path: &Path, settings: &Settings) -> Result<(), SettingsError> {
    let json = serde_json::to_vec_pretty(settings).map_err(|e| SettingsError::Write {
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    })?;
    crate::storage::atomic_file::write(path, &json).map_err(|source| SettingsError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// The settings to start from: given, saved, or the defaults. A damaged
/// settings file is kept aside; the sentence says so.
pub(crate) fn initial(given: Option<Settings>, saved: Option<&Path>) -> (Settings, Option<String>) {
    match (given, saved) {
        (Some(s), _) => (s, None),
        (None, Some(path)) => {
            let (s, err) = load(path);
            let notice = err.map(|err| {
                tracing::warn!("{err}");
                err.to_string()
            });
            (s, notice)
        }
        (None, None) => (Settings::default(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_gives_defaults_without_error() {
        let dir = tempfile::tempdir().unwrap();
        let (settings, err) = load(&dir.path().join("settings.json"));
        assert_eq!(settings, Settings::default());
        assert!(err.is_none());
    }

    #[test]
    fn saved_settings_come_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("settings.json");
        let settings = Settings {
            rotation: Rotation::R270,
            mirror: Mirror::Vertical,
            brightness: 42,
            background: [1, 2, 3],
            scale_mode: ScaleMode::Fill,
            ..Settings::default()
        };
        let mut saver = SettingsSaver::new(Some(path.clone()), Settings::default());
        saver.save_if_changed(&settings, std::time::Instant::now());
        saver.flush();
        let (loaded, err) = load(&path);
        assert!(err.is_none());
        assert_eq!(loaded, settings);
    }

    #[test]
    fn damaged_file_is_kept_aside_and_defaults_used() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        std::fs::write(&path, b"{ not json").unwrap();
        let (settings, err) = load(&path);
        assert_eq!(settings, Settings::default());
        let err = err.expect("a damaged file must be reported");
        assert!(err.to_string().contains("damaged"), "{err}");
        assert_eq!(
            std::fs::read(dir.path().join("settings.json.bad")).unwrap(),
            b"{ not json"
        );
    }

    #[test]
    fn a_value_this_version_cannot_read_resets_that_setting_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        // As a newer version might write it: an order this one does not know.
        let text = br#"{"brightness": 40, "channel_order": "Sideways", "shuffle": true,
            "outputs": [{"url": "ddp://10.0.0.9", "enabled": true}]}"#;
        std::fs::write(&path, text).unwrap();
        let (settings, err) = load(&path);
        assert_eq!(settings.brightness, 40);
        assert!(settings.shuffle);
        assert_eq!(settings.outputs.len(), 1, "the LED panels are kept");
        assert_eq!(settings.channel_order, Settings::default().channel_order);
        let err = err.expect("the lost setting is reported").to_string();
        assert!(err.contains("(channel_order)"), "{err}");
        let bad = dir.path().join("settings.json.bad");
        assert_eq!(std::fs::read(bad).unwrap(), text, "the file as it was");
    }

    #[test]
    fn out_of_range_values_are_clamped_and_unknown_fields_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        std::fs::write(
            &path,
            br#"{"brightness": 250, "dwell_secs": 0, "rotation": "90", "future_field": {"a": [1]}}"#,
        )
        .unwrap();
        let (mut settings, err) = load(&path);
        assert!(err.is_none());
        assert_eq!(settings.brightness, 100);
        assert_eq!(settings.dwell_secs, MIN_DWELL_SECS);
        assert_eq!(settings.rotation, Rotation::R90);
        settings.dwell_secs = 30;
        save(&path, &settings).unwrap();
        let written: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(written["future_field"], serde_json::json!({"a": [1]}));
        assert_eq!(written["dwell_secs"], 30);
        assert_eq!(load(&path).0, settings);
    }

    #[test]
    fn a_remembered_window_size_is_kept_within_the_window_s_bounds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        let text = br#"{"window": {"size": [10.4, 99999.0], "maximized": true}}"#;
        std::fs::write(&path, text).unwrap();
        let (settings, err) = load(&path);
        assert!(err.is_none(), "{err:?}");
        let expected = WindowPlace {
            size: [320.0, 16_384.0],
            maximized: true,
        };
        assert_eq!(settings.window, Some(expected));
        std::fs::write(
            &path,
            br#"{"window": {"size": [1200.4, 800.6], "maximized": false}}"#,
        )
        .unwrap();
        assert_eq!(load(&path).0.window.map(|w| w.size), Some([1200.0, 801.0]));
    }

    #[test]
    fn channel_order_maps_to_the_protocol() {
        assert_eq!(ChannelOrder::Server.sort(), None);
        assert_eq!(ChannelOrder::Newest.sort(), Some("created_at"));
        assert_eq!(ChannelOrder::Random.sort(), Some("random"));
        let orders: Vec<u8> = ChannelOrder::ALL.iter().map(|o| o.play_order()).collect();
        assert_eq!(orders, [0, 1, 2]);
    }

    #[test]
    fn led_panel_outputs_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        let settings = Settings {
            outputs: vec![crate::outputs::SavedOutput {
                url: "ddp://192.168.1.50?size=32x32&serpentine".into(),
                enabled: false,
            }],
            ..Settings::default()
        };
        let mut saver = SettingsSaver::new(Some(path.clone()), Settings::default());
        saver.save_if_changed(&settings, std::time::Instant::now());
        saver.flush();
        assert_eq!(load(&path).0, settings);
        // A file from before LED panels existed has none.
        std::fs::write(&path, r#"{"brightness": 50}"#).unwrap();
        assert!(load(&path).0.outputs.is_empty());
    }
}
