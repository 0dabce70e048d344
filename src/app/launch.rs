//! How the program was started: what the command line hands the window.

use std::path::PathBuf;

use crate::credentials::server::Overrides;
use crate::settings::Settings;
use crate::settings::load::SettingsRead;
use crate::storage::paths::AppPaths;

/// How the program was started.
#[derive(Clone, Debug, Default)]
pub struct StartOptions {
    /// Files or folders to play; empty plays the samples.
    pub paths: Vec<PathBuf>,
    pub fullscreen: bool,
    /// Per-user folders; `None` persists nothing (tests, or no home folder).
    pub app_paths: Option<AppPaths>,
    /// Settings to start from instead of the saved ones (tests).
    pub settings: Option<Settings>,
    /// The saved settings, read on a worker since before the window opened;
    /// `None`: the window starts the read itself.
    pub settings_read: Option<SettingsRead>,
    /// `--broker`, `--api`, `--vault`.
    pub server_overrides: Overrides,
    /// The artwork vault's base URL; `None` is Makapix's own.
    pub vault: Option<String>,
    /// `--transport`: for this run, until the setting is changed in the window.
    pub transport: Option<crate::bridge::transport::TransportChoice>,
    /// The computer's IANA time zone (`Europe/Paris`), which view events carry;
    /// empty when the system does not say.
    pub timezone: String,
    /// How long the first pass waits for the files named at launch to be
    /// read; `None`: 25 ms. Tests on a loaded machine give it longer.
    pub first_read_wait: Option<std::time::Duration>,
    /// How long a pass waits for the first frame of an artwork it just asked
    /// the decoder for; `None`: 8 ms. Tests on a loaded machine give it longer.
    pub new_art_wait: Option<std::time::Duration>,
    /// The dialogs that pick files; `None`: the desktop's own. Tests answer for the user.
    pub file_dialogs: Option<crate::app::file_dialog::FileDialogs>,
}

/// The computer's IANA time zone name, or empty when the system does not say.
pub fn system_timezone() -> String {
    iana_time_zone::get_timezone().unwrap_or_else(|e| {
        tracing::info!("the computer's time zone is unknown ({e}); views carry none");
        String::new()
    })
}
