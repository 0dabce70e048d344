//! The window's controller. It composes the playback engine, the session layer
//! (the player's Makapix behaviour), the decoded artworks and the link to the
//! background runtime; each frame it takes in events and input, lets each part
//! move on, carries out what the session asks, draws, and sleeps until the next
//! frame is due.

use std::path::PathBuf;
use std::time::Duration;

use eframe::egui::{self, ViewportCommand};

use crate::bridge::Action as RuntimeAction;
use crate::bridge::channel::WindowEnd;
use crate::bridge::connection::ConnectionEvent;
use crate::bridge::connection::{ConnectionAction, ConnectionState};
use crate::bridge::credentials::CredentialsEvent;
use crate::bridge::window_link::{Routed, WindowLink};
use crate::last_channel;
use crate::launch::StartOptions;
use crate::paths::AppPaths;
use crate::player::{ArtworkSource, Engine};
use crate::session::likes::LikeState;
use crate::session::{Channel, Effect, Effects, Notice, Seen, Session};
use crate::settings::{self, Settings, SettingsSaver};

use super::actions::{self, Action};
use super::artworks::Artworks;
use super::diagnostics::{self, ConnectionView};
use super::library::{Entry, Library};
use super::opening::{self, Opener, Picked, ToPlay};
use super::player_pane::PlayerPane;
use super::playlist_editor::{EditorRequest, PlaylistCommand, PlaylistEditor};
use super::wake::Wake;
use super::{canvas, menu, overlays, settings_panel, status_bar};

pub struct PlayerApp {
    settings: Settings,
    saver: SettingsSaver,
    engine: Engine,
    session: Session,
    artworks: Artworks,
    opener: Opener,
    link: WindowLink,
    /// Connection details for the tooltip and the Diagnostics window.
    net: ConnectionView,
    /// Settings › Player: the identity as the runtime last reported it.
    player: PlayerPane,
    playlist_editor: PlaylistEditor,
    picker: super::channel_picker::ChannelPicker,
    wake: Wake,
    fullscreen: bool,
    notice: Option<Notice>,
    path_input: String,
    help: overlays::HelpWindows,
    started: bool,
    start_fullscreen: bool,
    pending_paths: Vec<PathBuf>,
    log_dir: Option<PathBuf>,
    /// Per-user data folder (queued views, the last channel); `None` persists nothing.
    data_dir: Option<PathBuf>,
    /// The Makapix channel playing, kept for the next start.
    last_channel: last_channel::Keeper,
}

impl PlayerApp {
    pub fn new(options: StartOptions) -> Self {
        let settings_path = options.app_paths.as_ref().map(AppPaths::settings_file);
        let (mut settings, said) = settings::initial(options.settings, settings_path.as_deref());
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x5eed, |d| d.as_nanos() as u64);
        let saver = SettingsSaver::new(settings_path, settings.clone());
        // Picked once and saved with the settings (after the saver's baseline, so it is
        // written), so a random channel keeps its order across restarts.
        if settings.channel_seed == 0 {
            settings.channel_seed = seed | 1;
        }
        let wake = Wake::default();
        let paths = options.app_paths.as_ref();
        Self {
            engine: Engine::new(settings.dwell()),
            saver,
            settings,
            session: Session::new(seed),
            artworks: Artworks::new(&wake),
            opener: Opener::new(&wake),
            link: WindowLink::new(paths, options.server_overrides, options.vault.as_deref()),
            net: ConnectionView::default(),
            player: PlayerPane::default(),
            playlist_editor: PlaylistEditor::new(&wake),
            picker: Default::default(),
            wake,
            fullscreen: false,
            notice: said.map(Notice::error),
            path_input: String::new(),
            help: overlays::HelpWindows::default(),
            started: false,
            start_fullscreen: options.fullscreen,
            pending_paths: options.paths,
            log_dir: paths.map(AppPaths::log_dir),
            data_dir: paths.map(|p| p.data.clone()),
            last_channel: last_channel::Keeper::new(
                paths.map(|p| p.data.join(last_channel::FILE_NAME)),
            ),
        }
    }

    /// Connects the window to the background runtime (network, keyring).
    pub fn attach_runtime(&mut self, runtime: WindowEnd) {
        self.link.attach(runtime);
        self.session.set_online(true);
    }

    pub fn connection(&self) -> ConnectionState {
        self.session.connection()
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

    pub fn session(&self) -> &Session {
        &self.session
    }

    pub fn channel(&self) -> &Channel {
        self.session.channel()
    }

    pub fn notice(&self) -> Option<&Notice> {
        self.notice.as_ref()
    }

    pub fn is_fullscreen(&self) -> bool {
        self.fullscreen
    }

    pub(crate) fn library(&self) -> &Library {
        self.artworks.library()
    }

    pub(crate) fn help(&self) -> overlays::HelpWindows {
        self.help
    }

    /// The like state of the artwork on screen.
    pub fn like_state(&self) -> LikeState {
        self.session.like_state(&self.engine)
    }

    /// The playlist in the editor.
    pub fn edited_playlist(&self) -> &crate::player::playlist_edit::PlaylistEdit {
        self.playlist_editor.edit()
    }

    /// Save As without the dialog (tests, and where no dialog is available).
    pub fn save_playlist_as(&mut self, path: PathBuf) {
        self.playlist_command(PlaylistCommand::SaveTo(path), None);
    }

    /// Opens a saved playlist in the editor without the dialog; unsaved changes
    /// are asked about first, as with Open….
    pub fn open_playlist_in_editor(&mut self, path: PathBuf) {
        self.playlist_editor.open_path(path);
    }

    /// The artwork on screen and whether it is a placeholder for a failed load.
    pub fn on_screen(&self) -> Option<(&ArtworkSource, bool)> {
        let source = self.engine.current()?;
        let failed = matches!(self.library().get(source), Some(Entry::Failed(_)));
        Some((source, failed))
    }

    /// The reason shown on the placeholder, when the artwork on screen failed.
    pub fn placeholder_reason(&self) -> Option<&str> {
        match self.library().get(self.engine.current()?) {
            Some(Entry::Failed(reason)) => Some(reason),
            _ => None,
        }
    }

    /// Saves pending settings; the window is closing.
    pub fn shutdown(&mut self) {
        self.saver.flush();
        self.link.shutdown();
    }

    /// One frame: the whole window.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        super::present_trace::pass_started();
        let ctx = ui.ctx().clone();
        self.wake.know(&ctx);
        let now = now(&ctx);
        if !self.started {
            self.started = true;
            self.start(&ctx, now);
        }

        self.take_in(&ctx, now);
        let mut pending = actions::from_keyboard(&ctx);
        self.player.take_dropped_or_pasted(&ctx);
        pending.extend(opening::dropped_or_pasted(&ctx));
        for action in pending {
            self.apply(action, &ctx, now);
        }
        self.engine.set_dwell(self.settings.dwell());
        self.engine.tick(now);
        self.sync_loads(now);
        let visible = self.artwork_visible();
        if let Some(due) = self.with_session(now, |s, seen, fx| s.tick(seen, visible, fx)) {
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
                    connected: self.connection() == ConnectionState::Connected,
                    owner_playset: self.session.owner_playset(),
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
            if self.session.comments().is_open() {
                super::comments_panel::show(ui, self.session.comments(), &mut clicked);
            }
            if self.playlist_editor.is_open() {
                super::playlist_editor::show(ui, &mut self.playlist_editor, &mut clicked);
            }
        }
        let checker = self.artworks.checker(&ctx);
        self.artworks.advance_frame(&self.engine, now);
        let canvas_rect = canvas::show(ui, self, &checker);
        self.help = overlays::show(&ctx, self, now, canvas_rect, &mut clicked);
        diagnostics::show(&ctx, &mut self.net, &mut clicked);
        if self.player.overlay(&ctx, canvas_rect, unix_now() as i64) {
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
        self.schedule_repaint(&ctx, now);
    }

    fn start(&mut self, ctx: &egui::Context, now: Duration) {
        let started = self.link.start(self.data_dir.as_deref());
        self.tell_failure(started);
        if self.start_fullscreen {
            self.apply(Action::ToggleFullscreen, ctx, now);
        }
        let paths = std::mem::take(&mut self.pending_paths);
        if !paths.is_empty() {
            self.opener.open_paths(paths);
            return;
        }
        match &self.data_dir {
            // Read off the window thread; the samples play if nothing was kept.
            Some(data) => self.opener.read_last_channel(data),
            None => self.play(Channel::Samples, now),
        }
    }

    /// Runs one session call with what the player looks like now, then carries
    /// out what it asked, in order.
    fn with_session<R>(
        &mut self,
        now: Duration,
        call: impl FnOnce(&mut Session, &Seen, &mut Effects) -> R,
    ) -> R {
        let mut fx = Effects::default();
        let seen = Seen {
            engine: &self.engine,
            settings: &self.settings,
            now,
            unix_secs: unix_now(),
        };
        let result = call(&mut self.session, &seen, &mut fx);
        for effect in fx.take() {
            self.carry_out(effect, now);
        }
        result
    }

    fn carry_out(&mut self, effect: Effect, now: Duration) {
        match effect {
            Effect::Runtime(action) => self.send(action),
            Effect::Engine(command) => command.apply(&mut self.engine, now),
            Effect::Display(change) => change.apply(&mut self.settings),
            Effect::Notice(notice) => self.notice = Some(notice),
            Effect::NoticeUnlessShown(notice) => {
                self.notice.get_or_insert(notice);
            }
            Effect::KeepChannel(Some(channel)) => self.last_channel.keep(*channel),
            Effect::KeepChannel(None) => self.last_channel.forget(),
            Effect::Decode { source, path } => self.artworks.decode_file(&source, path),
            Effect::LoadFailed { source, reason } => {
                self.artworks.failed(source, reason, &mut self.engine, now);
            }
        }
    }

    fn play(&mut self, channel: Channel, now: Duration) {
        self.with_session(now, |s, seen, fx| s.play(channel, seen, fx));
    }

    /// What the runtime, the workers, the dialogs and the editor's files reported.
    fn take_in(&mut self, ctx: &egui::Context, now: Duration) {
        self.take_runtime_events(ctx, now);
        self.artworks.take_in(ctx, &mut self.engine, now);
        while let Some(picked) = self.opener.take() {
            match picked {
                Picked::Opened(opened) => self.play_opened(opened, now),
                Picked::Chosen { paths, .. } if !paths.is_empty() => self.opener.open_paths(paths),
                Picked::Chosen { quick: true, .. } => {
                    self.notice = Some(Notice::error(opening::NO_DIALOG));
                }
                Picked::Chosen { .. } => {}
                Picked::LastChannel(last) => {
                    let resumed = last.is_some_and(|last| {
                        self.with_session(now, |s, seen, fx| s.resume(*last, seen, fx))
                    });
                    if !resumed && self.engine.items().is_empty() {
                        self.play(Channel::Samples, now);
                    }
                }
            }
        }
        let (done, ask) = self.playlist_editor.take_in(ctx);
        if ask {
            self.set_fullscreen(ctx, false);
        }
        for command in done {
            self.playlist_command(command, Some((ctx, now)));
        }
    }

    fn take_runtime_events(&mut self, ctx: &egui::Context, now: Duration) {
        for _ in 0..self.link.events_this_frame() {
            let Some(event) = self.link.next_event() else {
                return;
            };
            match event {
                Routed::Command(command) => {
                    self.with_session(now, |s, seen, fx| s.on_command(&command, seen, fx));
                }
                Routed::Answered { tag, result } => {
                    self.with_session(now, |s, seen, fx| s.on_answer(tag, result, seen, fx));
                }
                Routed::Connection(event) => {
                    if let ConnectionEvent::State(state) = event {
                        self.player.on_connection(state);
                        self.with_session(now, |s, seen, fx| s.on_connection(state, seen, fx));
                    }
                    self.net.apply(event);
                }
                Routed::Fetched { post, result } => self.session.on_fetched(&post, result),
                Routed::Credentials(event, configured) => {
                    self.tell_failure(configured);
                    if let CredentialsEvent::NotRegistered = event {
                        let state = ConnectionState::NotRegistered;
                        self.with_session(now, |s, seen, fx| s.on_connection(state, seen, fx));
                    }
                    self.player.on_event(event);
                }
            }
        }
        // More may be waiting: the next frame takes them.
        ctx.request_repaint();
    }

    fn play_opened(&mut self, opened: crate::local_files::Opened, now: Duration) {
        let (play, notice) = opening::to_play(opened);
        self.notice = notice;
        match play {
            ToPlay::Playlist { playlist, label } => {
                self.with_session(now, |s, seen, fx| {
                    s.play_playlist(&playlist, label, seen, fx)
                });
            }
            ToPlay::Channel(channel) => self.play(channel, now),
            // Nothing playable: what plays goes on (the samples at start).
            ToPlay::Fallback if self.engine.items().is_empty() => self.play(Channel::Samples, now),
            ToPlay::Fallback => {}
        }
    }

    /// Keeps exactly what the engine wants decoded; posts' files are asked for.
    fn sync_loads(&mut self, now: Duration) {
        let posts = self.artworks.sync(&mut self.engine, now);
        self.session.keep_posts(&self.engine.wanted());
        if !posts.is_empty() {
            self.with_session(now, |s, _, fx| {
                for (source, post) in &posts {
                    s.want_post(source, post, fx);
                }
            });
        }
    }

    /// The artwork on screen is loaded, playing, and not behind a window.
    fn artwork_visible(&self) -> bool {
        let loaded = self
            .engine
            .current()
            .is_some_and(|s| self.artworks.is_ready(s));
        let covered = self.help.shortcuts || self.help.about || self.net.open;
        loaded && !self.engine.is_paused() && !covered
    }

    /// Sleeps until the next animation frame or the end of the dwell; a still artwork costs nothing.
    fn schedule_repaint(&self, ctx: &egui::Context, now: Duration) {
        let dwell = self.engine.next_deadline().map(|d| d.saturating_sub(now));
        let frame = self.artworks.frame_wait(&self.engine, now);
        if let Some(wait) = [dwell, frame].into_iter().flatten().min() {
            ctx.request_repaint_after(wait);
        }
    }

    fn apply(&mut self, action: Action, ctx: &egui::Context, now: Duration) {
        match action {
            Action::Next => self.engine.next(now),
            Action::Previous => self.engine.previous(now),
            Action::TogglePause => {
                let paused = !self.engine.is_paused();
                self.engine.set_paused(paused, now);
            }
            Action::ToggleLike => self.with_session(now, |s, seen, fx| s.toggle_like(seen, fx)),
            Action::TogglePin => {
                let pinned = !self.engine.is_pinned();
                self.engine.set_pinned(pinned);
            }
            Action::ToggleFullscreen => self.set_fullscreen(ctx, !self.fullscreen),
            Action::LeaveFullscreen => self.set_fullscreen(ctx, false),
            Action::ToggleInfo => self.settings.show_info = !self.settings.show_info,
            Action::ToggleSettings => self.settings.show_settings = !self.settings.show_settings,
            Action::ToggleComments => self.session.toggle_comments(),
            Action::MoreComments => self.with_session(now, |s, seen, fx| s.more_comments(seen, fx)),
            Action::PlayOwnerPlayset(name) => {
                self.with_session(now, |s, seen, fx| s.request_owner_playset(name, seen, fx));
            }
            Action::TogglePlaylistEditor => self.playlist_editor.toggle(),
            Action::Playlist(command) => self.playlist_command(command, Some((ctx, now))),
            Action::OpenFilesDialog => self.opener.open_dialog(false),
            Action::OpenFolderDialog => self.opener.open_dialog(true),
            Action::OpenPaths(paths) => self.opener.open_paths(paths),
            Action::PlaySamples => self.play(Channel::Samples, now),
            Action::SetShuffle(on) => {
                self.settings.shuffle = on;
                self.with_session(now, |s, seen, fx| s.reorder(seen, fx));
            }
            Action::ShowShortcuts => self.help.shortcuts = true,
            Action::ShowAbout => self.help.about = true,
            Action::OpenLogFolder => self.open_log_folder(),
            Action::PlayChannel(channel) => {
                self.with_session(now, |s, seen, fx| {
                    s.play_channel_from_window(channel, seen, fx)
                });
            }
            Action::ShowDiagnostics => self.net.open = true,
            Action::ReconnectNow => {
                self.send(RuntimeAction::Connection(ConnectionAction::ReconnectNow));
            }
            Action::TestConnection => {
                self.send(RuntimeAction::Connection(ConnectionAction::TestConnection));
            }
            Action::Quit => ctx.send_viewport_cmd(ViewportCommand::Close),
        }
    }

    /// A playlist editor command; `frame` is `None` outside a frame (tests).
    fn playlist_command(
        &mut self,
        command: PlaylistCommand,
        frame: Option<(&egui::Context, Duration)>,
    ) {
        let on_screen = self
            .engine
            .current()
            .map(|s| (s, self.artworks.is_ready(s)));
        for request in self.playlist_editor.on_command(command, on_screen) {
            match (request, frame) {
                (EditorRequest::Play { playlist, label }, Some((_, now))) => {
                    self.with_session(now, |s, seen, fx| {
                        s.play_playlist(&playlist, label, seen, fx);
                    });
                }
                (EditorRequest::Remember(post), _) => self.session.remember_post(&post),
                (EditorRequest::Tell(notice), _) => self.notice = Some(notice),
                (EditorRequest::CopyText(text), Some((ctx, _))) => ctx.copy_text(text),
                (EditorRequest::Close, Some((ctx, _))) => {
                    ctx.send_viewport_cmd(ViewportCommand::Close);
                }
                (request, None) => tracing::debug!("{request:?} waits for a frame"),
            }
        }
    }

    fn open_log_folder(&mut self) {
        let opened = crate::desktop::open_log_folder(self.log_dir.as_deref());
        self.tell_failure(opened);
    }

    fn set_fullscreen(&mut self, ctx: &egui::Context, on: bool) {
        if self.fullscreen != on {
            self.fullscreen = on;
            ctx.send_viewport_cmd(ViewportCommand::Fullscreen(on));
        }
    }

    fn send(&mut self, action: RuntimeAction) {
        let sent = self.link.send(action);
        self.tell_failure(sent);
    }

    fn tell_failure(&mut self, result: Result<(), String>) {
        if let Err(text) = result {
            self.notice = Some(Notice::error(text));
        }
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
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
