//! The window's end of the background runtime: what it sends first (the
//! credentials' setup, where views wait, where artworks come from), every
//! action after that, and the runtime's events sorted by who takes them.

use std::path::{Path, PathBuf};

use crate::bridge::artwork::{ArtworkAction, ArtworkConfig, ArtworkEvent, CachedFile};
use crate::bridge::channel::WindowEnd;
use crate::bridge::connection::{ConnectionAction, ConnectionEvent, RequestFailure};
use crate::bridge::credentials::{CredentialsAction, CredentialsEvent};
use crate::bridge::{Action as RuntimeAction, RuntimeEvent};
use crate::credentials::facts::FILE_NAME as FACTS_FILE_NAME;
use crate::credentials::server::Overrides;
use crate::player::MakapixPost;
use crate::protocol::command::CommandEnvelope;
use crate::protocol::response::Response;
use crate::storage::paths::AppPaths;

/// Runtime events taken in one frame: a burst of commands is spread over a few
/// frames, so each frame stays short. Fewer when the runtime's action queue is
/// nearly full, so every command's ack fits (the rest of the queue is left for
/// the frame's other actions).
const EVENTS_PER_FRAME: usize = 64;
const ACTIONS_KEPT_FREE: usize = 32;

/// A runtime event, sorted by who takes it.
pub(crate) enum Routed {
    Command(CommandEnvelope, Option<CachedFile>),
    /// Artwork downloads under way (the status bar).
    Downloads(crate::bridge::artwork::DownloadProgress),
    Answered {
        tag: u64,
        result: Result<Response, RequestFailure>,
    },
    /// The connection's news, for the connection view; a new state for the session too.
    Connection(ConnectionEvent),
    Fetched {
        post: MakapixPost,
        result: Result<PathBuf, String>,
    },
    /// The identity's news, for the Player pane; `NotRegistered` is a
    /// connection state too. `Err`: the server's vault could not be applied.
    Credentials(CredentialsEvent, Result<(), String>),
}

pub(crate) struct WindowLink {
    /// `None` in tests that only exercise the window.
    end: Option<WindowEnd>,
    /// Sent once, before the runtime loads the credentials.
    credentials_setup: Option<CredentialsAction>,
    artwork_config: ArtworkConfig,
    /// Started with an explicit vault: the server's does not replace it.
    vault_fixed: bool,
    /// The artwork fetcher has its configuration. Until then it holds every
    /// fetch: nothing is downloaded from the built-in vault by accident.
    artwork_configured: bool,
}

impl WindowLink {
    pub fn new(paths: Option<&AppPaths>, overrides: Overrides, vault: Option<&str>) -> Self {
        Self {
            end: None,
            credentials_setup: Some(CredentialsAction::Configure {
                facts_path: paths.map(|p| p.config.join(FACTS_FILE_NAME)),
                overrides,
            }),
            artwork_config: artwork_config(paths, vault),
            vault_fixed: vault.is_some(),
            artwork_configured: false,
        }
    }

    pub fn attach(&mut self, end: WindowEnd) {
        self.end = Some(end);
    }

    /// How many runtime events this frame may take.
    pub(crate) fn events_this_frame(&self) -> usize {
        self.end.as_ref().map_or(0, |end| {
            EVENTS_PER_FRAME.min(end.room().saturating_sub(ACTIONS_KEPT_FREE))
        })
    }

    /// The next runtime event, sorted.
    pub(crate) fn next_event(&mut self) -> Option<Routed> {
        let event = self.end.as_ref()?.try_recv()?;
        Some(match event {
            RuntimeEvent::Connection(ConnectionEvent::Command(command, cached)) => {
                Routed::Command(command, cached)
            }
            RuntimeEvent::Connection(ConnectionEvent::Answered { tag, result }) => {
                Routed::Answered { tag, result }
            }
            RuntimeEvent::Connection(event) => Routed::Connection(event),
            RuntimeEvent::Artwork(ArtworkEvent::Fetched { post, result }) => {
                Routed::Fetched { post, result }
            }
            RuntimeEvent::Artwork(ArtworkEvent::Progress(progress)) => Routed::Downloads(progress),
            RuntimeEvent::Credentials(event) => {
                let configured = match &event {
                    CredentialsEvent::Server(server) => {
                        self.use_vault(&server.vault_base, &server.api_base)
                    }
                    // The server's settings cannot be read: the built-in ones are all there is.
                    CredentialsEvent::Failed(_) if !self.artwork_configured => {
                        self.configure_artworks()
                    }
                    _ => Ok(()),
                };
                Routed::Credentials(event, configured)
            }
        })
    }

    /// What the runtime needs before anything else: the credentials' setup and
    /// load, where views wait, and where artworks go. The vault is only known
    /// here when it was given at start; otherwise the artwork fetcher is
    /// configured when the server's settings arrive (`use_vault`).
    pub fn start(&mut self, data_dir: Option<&Path>) -> Result<(), String> {
        if let Some(setup) = self.credentials_setup.take() {
            self.send(RuntimeAction::Credentials(setup))?;
        }
        self.send(RuntimeAction::Credentials(CredentialsAction::Load))?;
        if let Some(data) = data_dir {
            self.send(RuntimeAction::Connection(ConnectionAction::SetViewFolder(
                data.to_path_buf(),
            )))?;
        }
        if self.vault_fixed {
            self.configure_artworks()?;
        }
        Ok(())
    }

    fn configure_artworks(&mut self) -> Result<(), String> {
        self.artwork_configured = true;
        let config = self.artwork_config.clone();
        self.send(RuntimeAction::Artwork(ArtworkAction::Configure(config)))
    }

    /// Passes an action to the runtime; the error is a sentence for the user.
    pub fn send(&mut self, action: RuntimeAction) -> Result<(), String> {
        let Some(end) = &self.end else {
            return Ok(());
        };
        end.send(action).map_err(|e| {
            tracing::warn!("{e}");
            e.to_string()
        })
    }

    /// The server's vault (Custom settings, `--vault`) is where artworks come from
    /// (and its API, for an `art_url` there), unless this window was started
    /// with a vault of its own (tests).
    pub(crate) fn use_vault(&mut self, vault_base: &str, api_base: &str) -> Result<(), String> {
        let config = &self.artwork_config;
        let same =
            self.vault_fixed || (config.vault_base == vault_base && config.also_from == [api_base]);
        if same && self.artwork_configured {
            return Ok(());
        }
        if !self.vault_fixed {
            self.artwork_config.vault_base = vault_base.to_owned();
            self.artwork_config.also_from = vec![api_base.to_owned()];
        }
        self.configure_artworks()
    }

    pub fn shutdown(&mut self) {
        if let Some(end) = &mut self.end {
            end.shutdown();
        }
    }
}

/// The artwork fetcher's settings for this window: the per-user cache folder
/// (a temporary one when there is no home folder) and the vault.
fn artwork_config(paths: Option<&AppPaths>, vault: Option<&str>) -> ArtworkConfig {
    let dir: PathBuf = paths.map_or_else(
        || std::env::temp_dir().join("makapix-player-artworks"),
        |p| p.cache.join("artworks"),
    );
    let mut config = ArtworkConfig::new(dir);
    if let Some(vault) = vault {
        config.vault_base = vault.to_owned();
    }
    config
}
