//! The window's controller: owns the playback engine, the decoded artworks and
//! the settings; each frame it takes in events and input, lets the engine move
//! on, draws, and sleeps until the next frame is due.

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use eframe::egui::{self, ViewportCommand};

use crate::bridge::Action as RuntimeAction;
use crate::bridge::artwork::ArtworkAction;
use crate::bridge::channel::WindowEnd;
use crate::bridge::connection::{ConnectionAction, ConnectionState};
use crate::bridge::credentials::{CredentialsAction, FACTS_FILE_NAME, Overrides};
use crate::media::decode::DecodeError;
use crate::media::loader::Loader;
use crate::media::watch::FileWatcher;
use crate::paths::AppPaths;
use crate::player::{ArtworkSource, Engine, order};
use crate::protocol::capabilities::PlayerState;
use crate::settings::{self, Settings, SettingsSaver};

use super::actions::{self, Action};
pub use super::channel::Channel;
use super::diagnostics::{self, ConnectionView};
use super::library::{Entry, Library, PreparedArt};
use super::makapix::{self, Downloads};
use super::player_pane::PlayerPane;
use super::{canvas, menu, overlays, settings_panel, status_bar};

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
    /// `--broker`, `--api`, `--vault`.
    pub server_overrides: Overrides,
    /// The artwork vault's base URL; `None` is Makapix's own.
    pub vault: Option<String>,
}

/// What the worker threads tell the window.
pub(crate) enum AppEvent {
    Decoded {
        source: ArtworkSource,
        generation: u64,
        result: Result<PreparedArt, DecodeError>,
    },
    FileChanged(PathBuf),
    /// `quick`: the dialog came back at once, so it probably never showed.
    Chosen {
        paths: Vec<PathBuf>,
        quick: bool,
    },
    /// Paths read on a worker thread (folders walked, playlists parsed).
    Opened(crate::local_files::Opened),
}

/// A message for the user in the status bar.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub text: String,
    pub is_error: bool,
}

pub struct PlayerApp {
    pub(crate) settings: Settings,
    saver: SettingsSaver,
    pub(crate) engine: Engine,
    pub(crate) library: Library,
    pub(crate) loader: Loader<ArtworkSource, Result<PreparedArt, DecodeError>>,
    pub(crate) watcher: FileWatcher,
    pub(crate) events: Receiver<AppEvent>,
    pub(crate) events_tx: Sender<AppEvent>,
    /// The window's context, known from the first frame on; the workers use it to wake the window.
    pub(crate) ctx_slot: Arc<OnceLock<egui::Context>>,
    pub(crate) channel: Channel,
    shuffle_seed: u64,
    pub(crate) fullscreen: bool,
    pub(crate) notice: Option<Notice>,
    pub(crate) path_input: String,
    pub(crate) show_shortcuts: bool,
    pub(crate) show_about: bool,
    pub(crate) checker: Option<egui::TextureHandle>,
    /// The background runtime; `None` in tests that only exercise the window.
    pub(crate) runtime: Option<WindowEnd>,
    pub(crate) connection: ConnectionState,
    /// Connection details for the tooltip and the Diagnostics window.
    pub(crate) net: ConnectionView,
    /// The player state last told to the runtime (published to the broker).
    sent_state: Option<PlayerState>,
    pub(crate) player: PlayerPane,
    picker: super::channel_picker::ChannelPicker,
    /// Sent to the runtime once, before it loads the credentials.
    credentials_setup: Option<CredentialsAction>,
    /// The post on screen last told to the runtime (`status`).
    pub(crate) sent_post: Option<Option<i64>>,
    /// Makapix posts' files, as the runtime fetches them.
    pub(crate) downloads: Downloads,
    artwork_config: crate::bridge::artwork::ArtworkConfig,
    /// Started with an explicit vault: the server's does not replace it.
    vault_fixed: bool,
    /// The Makapix channel being paged through, if any.
    pub(crate) makapix: Option<super::channels::Playing>,
    /// The last local files or folder played: `play_channel` `sdcard` returns to them.
    pub(crate) last_local: Option<Channel>,
    pub(crate) views: super::views::ViewReporter,
    /// A playset whose channels are being fetched.
    pub(crate) mixing: Option<super::playsets::Mixing>,
    /// ❤️ given in this session.
    pub(crate) likes: super::likes::Likes,
    pub(crate) comments: super::comments::Comments,
    pub(crate) owner_playsets: super::owner_playsets::OwnerPlaysets,
    /// The creator's playlist playing, and the posts its items resolved to.
    pub(crate) playlists: super::playlists::Playlists,
    pub(crate) playlist_editor: super::playlist_editor::PlaylistEditor,
    /// Tags of this window's requests to the runtime.
    pub(crate) request_tag: u64,
    started: bool,
    start_fullscreen: bool,
    pending_paths: Vec<PathBuf>,
    log_dir: Option<PathBuf>,
    /// Per-user data folder (queued views); `None` persists nothing.
    pub(crate) data_dir: Option<PathBuf>,
    /// The Makapix channel playing, kept for the next start.
    pub(crate) last_channel: crate::last_channel::Keeper,
    /// A channel brought back from the last session, to fetch anew once connected.
    pub(crate) resumed: bool,
    pub(crate) preview: super::preview_view::Previews,
}

impl PlayerApp {
    pub fn new(options: StartOptions) -> Self {
        let settings_path = options.app_paths.as_ref().map(AppPaths::settings_file);
        let mut notice = None;
        let settings = match (options.settings, &settings_path) {
            (Some(s), _) => s,
            (None, Some(path)) => {
                let (s, err) = settings::load(path);
                if let Some(err) = err {
                    tracing::warn!("{err}");
                    notice = Some(Notice {
                        text: err.to_string(),
                        is_error: true,
                    });
                }
                s
            }
            (None, None) => Settings::default(),
        };
        let ctx_slot: Arc<OnceLock<egui::Context>> = Arc::new(OnceLock::new());
        let (events_tx, events) = mpsc::channel();

        let tx = events_tx.clone();
        let slot = Arc::clone(&ctx_slot);
        let loader = Loader::new(Arc::new(move |source, generation, result| {
            let _ = tx.send(AppEvent::Decoded {
                source,
                generation,
                result,
            });
            wake(&slot);
        }));
        let tx = events_tx.clone();
        let slot = Arc::clone(&ctx_slot);
        let watcher = FileWatcher::new(Arc::new(move |path| {
            let _ = tx.send(AppEvent::FileChanged(path));
            wake(&slot);
        }));
        let shuffle_seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x5eed, |d| d.as_nanos() as u64);
        let mut app = Self {
            engine: Engine::new(settings.dwell()),
            saver: SettingsSaver::new(settings_path, settings.clone()),
            settings,
            library: Library::default(),
            loader,
            watcher,
            events,
            events_tx,
            ctx_slot,
            channel: Channel::Samples,
            shuffle_seed,
            fullscreen: false,
            notice,
            path_input: String::new(),
            show_shortcuts: false,
            show_about: false,
            checker: None,
            runtime: None,
            connection: ConnectionState::NotRegistered,
            net: ConnectionView::default(),
            sent_state: None,
            player: PlayerPane::default(),
            picker: Default::default(),
            credentials_setup: Some(CredentialsAction::Configure {
                facts_path: options
                    .app_paths
                    .as_ref()
                    .map(|p| p.config.join(FACTS_FILE_NAME)),
                overrides: options.server_overrides,
            }),
            sent_post: None,
            makapix: None,
            last_local: None,
            request_tag: 0,
            mixing: None,
            likes: Default::default(),
            comments: Default::default(),
            owner_playsets: Default::default(),
            playlists: Default::default(),
            playlist_editor: Default::default(),
            views: Default::default(),
            downloads: Downloads::default(),
            vault_fixed: options.vault.is_some(),
            artwork_config: makapix::artwork_config(
                options.app_paths.as_ref(),
                options.vault.as_deref(),
            ),
            started: false,
            start_fullscreen: options.fullscreen,
            pending_paths: options.paths,
            log_dir: options.app_paths.as_ref().map(AppPaths::log_dir),
            data_dir: options.app_paths.as_ref().map(|p| p.data.clone()),
            last_channel: crate::last_channel::Keeper::new(
                options
                    .app_paths
                    .as_ref()
                    .map(|p| p.data.join(crate::last_channel::FILE_NAME)),
            ),
            resumed: false,
            preview: Default::default(),
        };
        // Picked once and saved with the settings (after the saver's baseline, so it is
        // written), so a random channel keeps its order across restarts.
        if app.settings.channel_seed == 0 {
            app.settings.channel_seed = shuffle_seed | 1;
        }
        app
    }

    /// Connects the window to the background runtime (network, keyring).
    pub fn attach_runtime(&mut self, runtime: WindowEnd) {
        self.runtime = Some(runtime);
    }

    /// The server's vault (Custom settings, `--vault`) is where artworks come from,
    /// unless this window was started with a vault of its own (tests).
    pub(crate) fn use_vault(&mut self, vault_base: &str) {
        if self.vault_fixed || self.artwork_config.vault_base == vault_base {
            return;
        }
        self.artwork_config.vault_base = vault_base.to_owned();
        let config = self.artwork_config.clone();
        self.send(RuntimeAction::Artwork(ArtworkAction::Configure(config)));
    }

    /// Whether requests reach a runtime (windows in tests may have none).
    pub(crate) fn has_runtime(&self) -> bool {
        self.runtime.is_some()
    }

    pub fn connection(&self) -> ConnectionState {
        self.connection
    }

    /// Passes an action to the runtime: for wiring done outside the window
    /// (stored credentials, command-line broker) and for tests.
    pub fn send_to_runtime(&mut self, action: RuntimeAction) {
        self.send(action);
    }

    pub fn open_diagnostics(&mut self) {
        self.net.open = true;
    }

    pub fn connection_view(&self) -> &ConnectionView {
        &self.net
    }

    /// Settings › Player: the identity as the runtime last reported it.
    pub fn player(&self) -> &PlayerPane {
        &self.player
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn channel(&self) -> &Channel {
        &self.channel
    }

    pub fn notice(&self) -> Option<&Notice> {
        self.notice.as_ref()
    }

    pub fn is_fullscreen(&self) -> bool {
        self.fullscreen
    }

    /// The artwork on screen and whether it is a placeholder for a failed load.
    pub fn on_screen(&self) -> Option<(&ArtworkSource, bool)> {
        let source = self.engine.current()?;
        let failed = matches!(self.library.get(source), Some(Entry::Failed(_)));
        Some((source, failed))
    }

    /// The reason shown on the placeholder, when the artwork on screen failed.
    pub fn placeholder_reason(&self) -> Option<&str> {
        match self.library.get(self.engine.current()?) {
            Some(Entry::Failed(reason)) => Some(reason),
            _ => None,
        }
    }

    /// Saves pending settings; the window is closing.
    pub fn shutdown(&mut self) {
        self.saver.flush();
        if let Some(runtime) = &mut self.runtime {
            runtime.shutdown();
        }
    }

    /// One frame: the whole window.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        super::present_trace::pass_started();
        let ctx = ui.ctx().clone();
        let _ = self.ctx_slot.set(ctx.clone());
        let now = now(&ctx);
        if !self.started {
            self.started = true;
            self.start(&ctx, now);
        }

        self.drain_events(&ctx, now);
        let mut pending = actions::from_keyboard(&ctx);
        self.player.take_dropped_or_pasted(&ctx);
        pending.extend(self.dropped_or_pasted(&ctx));
        for action in pending {
            self.apply(action, &ctx, now);
        }
        self.engine.set_dwell(self.settings.dwell());
        self.engine.tick(now);
        self.sync_loads(now);
        self.sync_current_post();
        self.page_ahead();
        self.sync_comments();
        self.playlist_dialogs(&ctx, now);
        self.playlist_ahead(now);
        if let Some(due) = self.report_views(now) {
            ctx.request_repaint_after(due.saturating_sub(now));
        }

        let mut clicked = Vec::new();
        if !self.fullscreen {
            menu::show(ui, self, &mut clicked);
            status_bar::show(ui, self, &mut clicked);
            if self.settings.show_settings {
                let facts = settings_panel::Facts {
                    paused: self.engine.is_paused(),
                    pinned: self.engine.is_pinned(),
                    connected: self.connection == ConnectionState::Connected,
                    owner_playset: self.owner_playset(),
                };
                settings_panel::show(
                    ui,
                    &mut self.settings,
                    &mut self.path_input,
                    facts,
                    &mut self.player,
                    &mut self.picker,
                    &mut clicked,
                );
            }
            if self.comments.open {
                super::comments_panel::show(ui, self, &mut clicked);
            }
            if self.playlist_editor.open {
                super::playlist_editor::show(ui, &mut self.playlist_editor, &mut clicked);
            }
        }
        let checker = self.checker_texture(&ctx);
        self.advance_frame(now);
        let canvas_rect = canvas::show(ui, self, &checker);
        overlays::show(&ctx, self, now, canvas_rect, &mut clicked);
        diagnostics::show(&ctx, &mut self.net, &mut clicked);
        if self.player.overlay(&ctx, canvas_rect, unix_now()) {
            ctx.request_repaint_after(Duration::from_secs(1));
        }
        for action in self.player.take_actions() {
            self.send(RuntimeAction::Credentials(action));
        }

        if !clicked.is_empty() {
            for action in clicked {
                self.apply(action, &ctx, now);
            }
            self.sync_loads(now);
            ctx.request_repaint();
        }
        self.saver.save_if_changed(&self.settings);
        self.sync_player_state();
        self.schedule_repaint(&ctx, now);
    }

    fn start(&mut self, ctx: &egui::Context, now: Duration) {
        if let Some(setup) = self.credentials_setup.take() {
            self.send(RuntimeAction::Credentials(setup));
        }
        self.send(RuntimeAction::Credentials(CredentialsAction::Load));
        if let Some(data) = &self.data_dir {
            let queue = data.join("views-queue.jsonl");
            self.send(RuntimeAction::Connection(ConnectionAction::SetViewQueue(
                queue,
            )));
        }
        let config = self.artwork_config.clone();
        self.send(RuntimeAction::Artwork(ArtworkAction::Configure(config)));
        if self.start_fullscreen {
            self.apply(Action::ToggleFullscreen, ctx, now);
        }
        let paths = std::mem::take(&mut self.pending_paths);
        if paths.is_empty() {
            if !self.resume_last_channel(now) {
                self.play(Channel::Samples, now);
            }
        } else {
            self.open_paths(paths);
        }
    }

    pub(crate) fn play(&mut self, channel: Channel, now: Duration) {
        let mut items = channel.items();
        if self.settings.shuffle {
            items = order::shuffled(items, self.shuffle_seed);
        }
        if matches!(channel, Channel::Local { .. }) {
            self.last_local = Some(channel.clone());
        }
        let same_makapix_channel = matches!((&channel, &self.makapix),
            (Channel::Makapix { label, .. }, Some(p)) if *label == p.label());
        if !same_makapix_channel {
            // Something else plays now: the next start begins with it, not the old channel.
            self.last_channel.forget();
            self.resumed = false;
        }
        self.channel = channel;
        self.engine.set_items(items, 0, now);
    }

    fn apply(&mut self, action: Action, ctx: &egui::Context, now: Duration) {
        match action {
            Action::Next => self.engine.next(now),
            Action::Previous => self.engine.previous(now),
            Action::TogglePause => {
                let paused = !self.engine.is_paused();
                self.engine.set_paused(paused, now);
            }
            Action::ToggleLike => self.toggle_like(),
            Action::TogglePin => {
                let pinned = !self.engine.is_pinned();
                self.engine.set_pinned(pinned);
            }
            Action::ToggleFullscreen => self.set_fullscreen(ctx, !self.fullscreen),
            Action::LeaveFullscreen => self.set_fullscreen(ctx, false),
            Action::ToggleInfo => self.settings.show_info = !self.settings.show_info,
            Action::ToggleSettings => self.settings.show_settings = !self.settings.show_settings,
            Action::ToggleComments => self.toggle_comments(),
            Action::MoreComments => self.more_comments(),
            Action::PlayOwnerPlayset(name) => self.request_owner_playset(name),
            Action::TogglePlaylistEditor => self.toggle_playlist_editor(),
            Action::Playlist(command) => self.on_playlist_command(command, ctx, now),
            Action::OpenFilesDialog => self.open_dialog(ctx, false),
            Action::OpenFolderDialog => self.open_dialog(ctx, true),
            Action::OpenPaths(paths) => self.open_paths(paths),
            Action::PlaySamples => self.play(Channel::Samples, now),
            Action::SetShuffle(on) => {
                self.settings.shuffle = on;
                self.extend_channel(self.channel.clone());
            }
            Action::ShowShortcuts => self.show_shortcuts = true,
            Action::ShowAbout => self.show_about = true,
            Action::OpenLogFolder => self.open_log_folder(),
            Action::PlayChannel(channel) => self.play_channel_from_window(channel, now),
            Action::ShowDiagnostics => self.net.open = true,
            Action::ReconnectNow => {
                self.send(RuntimeAction::Connection(ConnectionAction::ReconnectNow))
            }
            Action::TestConnection => {
                self.send(RuntimeAction::Connection(ConnectionAction::TestConnection));
            }
            Action::Preview(command) => self.on_preview_command(command, ctx),
            Action::Quit => ctx.send_viewport_cmd(ViewportCommand::Close),
        }
    }

    /// The seed for random picks: one per run, like shuffling.
    pub(crate) fn playset_seed(&self) -> u64 {
        self.shuffle_seed
    }

    /// The same channel with more (or reordered) items: what is on screen stays.
    pub(crate) fn extend_channel(&mut self, channel: Channel) {
        self.channel = channel;
        let items = self.channel.items();
        let items = if self.settings.shuffle {
            order::shuffled(items, self.shuffle_seed)
        } else {
            items
        };
        self.engine.reorder(items);
    }

    fn open_log_folder(&mut self) {
        let Some(dir) = self.log_dir.clone() else {
            self.notice = Some(Notice {
                text: "This session keeps no log file (no per-user folder was found).".into(),
                is_error: true,
            });
            return;
        };
        if let Err(e) = crate::desktop::open_folder(&dir) {
            self.notice = Some(Notice {
                text: format!("The log folder {} could not be opened: {e}.", dir.display()),
                is_error: true,
            });
        }
    }

    fn set_fullscreen(&mut self, ctx: &egui::Context, on: bool) {
        if self.fullscreen != on {
            self.fullscreen = on;
            ctx.send_viewport_cmd(ViewportCommand::Fullscreen(on));
        }
    }

    pub(crate) fn send(&mut self, action: RuntimeAction) {
        let Some(runtime) = &self.runtime else {
            return;
        };
        if let Err(e) = runtime.send(action) {
            tracing::warn!("{e}");
            self.notice = Some(Notice {
                text: e.to_string(),
                is_error: true,
            });
        }
    }

    /// Tells the runtime when pause, brightness, rotation or mirror change, from
    /// any source, so the broker's retained `state` stays true.
    fn sync_player_state(&mut self) {
        let state = diagnostics::player_state(&self.settings, self.engine.is_paused());
        if self.runtime.is_some() && self.sent_state.as_ref() != Some(&state) {
            self.sent_state = Some(state.clone());
            self.send(RuntimeAction::Connection(ConnectionAction::SetState(state)));
        }
    }
}

fn wake(slot: &OnceLock<egui::Context>) {
    if let Some(ctx) = slot.get() {
        ctx.request_repaint();
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn now(ctx: &egui::Context) -> Duration {
    Duration::from_secs_f64(ctx.input(|i| i.time).max(0.0))
}

impl eframe::App for PlayerApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.shutdown();
    }

    fn clear_color(&self, _visuals: &egui::Visuals) -> [f32; 4] {
        let [r, g, b] = self.settings.background;
        egui::Color32::from_rgb(r, g, b).to_normalized_gamma_f32()
    }
}
