//! The window's controller: it draws the player (`core.rs`: engine, session,
//! artworks, runtime link) and the panes around it, and turns keys, clicks,
//! drops and what the worker threads picked into calls on it. Each frame it
//! takes in events and input, lets the player move on, draws, and sleeps until
//! the next frame is due.

use std::path::PathBuf;
use std::time::Duration;

use eframe::egui::{self, ViewportCommand};

use crate::app::launch::StartOptions;
use crate::bridge::Action as RuntimeAction;
use crate::bridge::channel::WindowEnd;
use crate::bridge::connection::{ConnectionAction, ConnectionState};
use crate::player::{ArtworkSource, Engine};
use crate::session::likes::LikeState;
use crate::session::{Channel, Notice, Session};
use crate::settings::{Settings, SettingsSection};
use crate::storage::background_writer::WRITES_AT_QUIT;
use crate::storage::paths::AppPaths;

use super::actions::{self, EscapeDoes, UserAction};
use super::core::{Core, unix_now};
use super::diagnostics::{self, ConnectionView};
use super::library::{Entry, Library};
use super::opening::{self, Opener};
use super::player_pane::PlayerPane;
use super::playlist_editor::{PlaylistCommand, PlaylistEditor};
use super::preview_view::{self, Previews};
use super::wake::Wake;
use super::{canvas, menu, overlays, settings_panel, status_bar, welcome};

pub struct PlayerApp {
    core: Core,
    opener: Opener,
    /// Connection details for the tooltip and the Diagnostics window.
    net: ConnectionView,
    /// Settings › Player: the identity as the runtime last reported it.
    player: PlayerPane,
    playlist_editor: PlaylistEditor,
    previews: Previews,
    /// LED panels the art plays on (Settings › LED panels, `--output`).
    outputs: super::led_outputs::LedOutputs,
    picker: super::channel_picker::ChannelPicker,
    wake: Wake,
    fullscreen: bool,
    path_input: String,
    help: overlays::HelpWindows,
    started: bool,
    start_fullscreen: bool,
    pending_paths: Vec<PathBuf>,
    first_read_wait: Duration,
    log_dir: Option<PathBuf>,
    /// What later launches of the program handed over (paths, flags, credentials changed).
    handovers: Option<crate::program::single_instance::InstanceListener>,
    /// Whether the system says the screen is locked (no views then).
    screen_lock: Option<crate::screen_lock::ScreenLock>,
    /// A settings section to unfold and scroll to in the next frame.
    reveal: Option<SettingsSection>,
    /// The first-run card while no player is stored.
    welcome: welcome::Welcome,
}

impl PlayerApp {
    pub fn new(options: StartOptions) -> Self {
        let wake = Wake::default();
        let dialogs = options.file_dialogs.clone().unwrap_or_default();
        let data_dir = options.app_paths.as_ref().map(|p| p.data.as_path());
        Self {
            core: Core::new(&options, &wake),
            opener: Opener::new(&wake, dialogs.clone()),
            net: ConnectionView::default(),
            player: PlayerPane::new(dialogs.clone(), &wake),
            playlist_editor: PlaylistEditor::new(&wake, dialogs.clone(), data_dir),
            previews: Previews::new(&wake, dialogs),
            outputs: Default::default(),
            picker: Default::default(),
            wake,
            fullscreen: false,
            path_input: String::new(),
            help: overlays::HelpWindows::default(),
            started: false,
            start_fullscreen: options.fullscreen,
            log_dir: options.app_paths.as_ref().map(AppPaths::log_dir),
            // Files named at launch were chosen to play: the card does not cover them.
            welcome: welcome::Welcome::new(!options.paths.is_empty()),
            pending_paths: options.paths,
            first_read_wait: options.first_read_wait.unwrap_or(opening::FIRST_READ_WAIT),
            handovers: None,
            screen_lock: None,
            reveal: None,
        }
    }

    /// Watches `source` for a locked screen, waking the window when it changes.
    pub fn watch_screen_lock(&mut self, source: Box<dyn crate::screen_lock::LockSource>) {
        let wake = self.wake.clone();
        self.screen_lock = Some(crate::screen_lock::ScreenLock::watch(source, move || {
            wake.wake()
        }));
    }

    /// True while the system says the screen is locked.
    pub fn screen_locked(&self) -> bool {
        self.screen_lock.as_ref().is_some_and(|l| l.locked())
    }

    /// Later launches hand their paths and flags to this window through `server`.
    pub fn take_handovers(&mut self, server: crate::program::single_instance::InstanceListener) {
        self.handovers = Some(server);
    }

    /// The window's GL context (eframe's glow renderer): LED previews get their shader.
    pub fn use_gl(&mut self, gl: std::sync::Arc<eframe::glow::Context>) {
        self.previews.use_gl(gl);
    }

    /// Connects the window to the background runtime (network, keyring).
    pub fn attach_runtime(&mut self, runtime: WindowEnd) {
        self.core.attach(runtime);
    }

    pub fn connection(&self) -> ConnectionState {
        self.core.session().connection()
    }

    /// Passes an action to the runtime: for wiring done outside the window
    /// (stored credentials, command-line broker) and for tests.
    pub fn send_to_runtime(&mut self, action: RuntimeAction) {
        self.core.send(action);
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
        self.core.settings()
    }

    pub fn engine(&self) -> &Engine {
        self.core.engine()
    }

    pub fn session(&self) -> &Session {
        self.core.session()
    }

    pub fn channel(&self) -> &Channel {
        self.core.session().channel()
    }

    pub fn notice(&self) -> Option<&Notice> {
        self.core.notice()
    }

    pub fn is_fullscreen(&self) -> bool {
        self.fullscreen
    }

    pub(crate) fn library(&self) -> &Library {
        self.core.library()
    }

    pub fn previews(&self) -> &Previews {
        &self.previews
    }

    /// `--preview`: shows these previews (at most four, the first ones).
    pub fn set_previews(&mut self, modes: Vec<crate::preview::PreviewMode>) {
        preview_view::set_modes(self.core.settings_mut(), modes);
    }

    /// `--output`: these LED panels play the art too, for this run.
    pub fn play_to(&mut self, urls: Vec<String>) {
        self.outputs.play_to(urls);
    }

    /// The LED panels playing (their figures).
    pub fn led_outputs(&self) -> &super::led_outputs::LedOutputs {
        &self.outputs
    }

    pub(crate) fn help(&self) -> overlays::HelpWindows {
        self.help
    }

    /// The like state of the artwork on screen.
    pub fn like_state(&self) -> LikeState {
        self.core.session().like_state(self.core.engine())
    }

    /// The playlist in the editor.
    pub fn edited_playlist(&self) -> &crate::player::playlist_edit::PlaylistEdit {
        self.playlist_editor.edit()
    }

    /// The artwork on screen and whether it is a placeholder for a failed load.
    /// How many frames the artwork on screen holds: 1 while an animation's first frame
    /// is shown ahead of the rest; `None` until it is decoded.
    pub fn frames_on_screen(&self) -> Option<usize> {
        match self.library().get(self.core.engine().current()?) {
            Some(Entry::Ready(art)) => Some(art.frame_count()),
            _ => None,
        }
    }

    pub fn on_screen(&self) -> Option<(&ArtworkSource, bool)> {
        let source = self.core.engine().current()?;
        let failed = matches!(self.library().get(source), Some(Entry::Failed(_)));
        Some((source, failed))
    }

    /// The reason shown on the placeholder, when the artwork on screen failed.
    pub fn placeholder_reason(&self) -> Option<&str> {
        match self.core.on_screen()? {
            (_, Entry::Failed(reason)) => Some(reason),
            _ => None,
        }
    }

    /// Saves pending settings; the window is closing. A launch from now on
    /// waits for it to go and opens its own, rather than being confirmed and lost.
    pub fn shutdown(&mut self) {
        self.handovers.iter().for_each(|h| h.close());
        // Unsaved playlist edits first, with a budget of their own: the
        // settings can be made again, they cannot.
        self.playlist_editor.flush_at_quit();
        self.core
            .shutdown(std::time::Instant::now() + WRITES_AT_QUIT);
    }

    /// Frees what the window made on the GL context; it is going away.
    pub(crate) fn release_gl(&mut self, gl: &eframe::glow::Context) {
        self.previews.release_gl(gl);
    }

    /// What runs in every pass, also while the window is minimised or
    /// covered, when eframe runs only this and draws nothing: a close asked
    /// of the window, which unsaved playlist edits hold (asked about in the
    /// window, brought back to the user) or which keeps them (the system asked).
    pub fn logic(&mut self, ctx: &egui::Context) {
        if self.playlist_editor.close_requested(ctx) {
            self.set_fullscreen(ctx, false);
            ctx.send_viewport_cmd(ViewportCommand::Minimized(false));
            ctx.send_viewport_cmd(ViewportCommand::Focus);
        }
        if super::system_close::asked(ctx) {
            // The pass that takes the close command only makes it an event; a
            // hidden window asks for no other pass, so the close would wait.
            ctx.request_repaint();
        }
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
        // Minimised, fully behind other windows, or behind the lock screen (where the
        // system says so).
        let hidden = ctx.input(|i| {
            let viewport = i.viewport();
            viewport.minimized == Some(true) || viewport.occluded == Some(true)
        }) || self.screen_locked();
        let covered = hidden || self.help.shortcuts || self.help.about || self.net.open;
        let mut due = self.core.tick(now, covered);
        if self.core.wait_for_new_art(&ctx, now) {
            // Art that came during the wait is followed in this pass too: its
            // `status` and view start with the pass that shows it.
            due = self.core.follow_screen(now, covered);
        }
        if let Some(due) = due {
            ctx.request_repaint_after(due.saturating_sub(now));
        }

        let mut clicked = Vec::new();
        if !self.fullscreen {
            self.panes(ui, &mut clicked);
        }
        let checker = super::artworks::checker(&ctx);
        self.core.advance_frame(now);
        // LED previews light the same frame.
        let shown = (self.core.on_screen(), self.decoding_on_screen());
        let told = self.previews.prepare(&ctx, shown, self.core.settings());
        told.into_iter().for_each(|n| self.core.tell(n));
        // LED panels get the same frame, sent off this thread.
        self.outputs
            .update(&ctx, self.core.on_screen(), self.core.settings());
        let canvas_rect = canvas::show(ui, self, &checker);
        if let Some(took) = self.core.command_on_screen() {
            self.net.command_shown(took);
        }
        let banner = self.player.banner(&ctx, canvas_rect, unix_now() as i64);
        self.help = overlays::show(&ctx, self, now, canvas_rect, banner, &mut clicked);
        let renderer = self.previews.renderer();
        let facts = super::support_report::Facts::of(&self.player, self.core.settings(), renderer);
        diagnostics::show(&ctx, &mut self.net, &facts, &mut clicked);
        let state = self.connection();
        let settings = self.core.settings_mut();
        let chosen = self
            .welcome
            .show(&ctx, canvas_rect, &mut self.player, state, settings);
        clicked.extend(chosen);
        if self.player.overlay(&ctx, canvas_rect, unix_now() as i64) {
            ctx.request_repaint_after(Duration::from_secs(1));
        }
        for action in self.player.take_actions() {
            self.core.send(RuntimeAction::Credentials(action));
        }

        if !clicked.is_empty() {
            for action in clicked {
                self.apply(action, &ctx, now);
            }
            self.core.sync_loads(now);
            ctx.request_repaint();
        }
        self.core.save_settings(&ctx);
        self.core.schedule_repaint(&ctx, now);
    }

    /// Artwork downloads under way (count and bytes read so far).
    pub fn downloads(&self) -> crate::bridge::artwork::DownloadProgress {
        self.core.downloads()
    }

    /// The animation on screen shows its first frame while the rest decode.
    pub fn decoding_on_screen(&self) -> bool {
        self.core.decoding_on_screen()
    }

    /// What an open under way is reading, while it reads.
    pub(crate) fn reading(&self) -> Option<&str> {
        self.opener.reading()
    }

    /// Whether the first-run welcome card is on screen.
    pub fn welcome_shown(&self) -> bool {
        self.welcome.drawn()
    }

    /// The menu, the status bar and the side panes.
    fn panes(&mut self, ui: &mut egui::Ui, clicked: &mut Vec<UserAction>) {
        menu::show(ui, self, clicked);
        status_bar::show(ui, self, clicked);
        if self.core.settings().show_settings {
            let engine = self.core.engine();
            let facts = settings_panel::Facts {
                paused: engine.is_paused(),
                pinned: engine.is_pinned(),
                connected: self.connection() == ConnectionState::Connected,
                owner_playset: self.core.session().owner_playset(),
                registered: self.player.summary().is_some(),
                reveal: self.reveal.take(),
            };
            let panes = settings_panel::Panes {
                path_input: &mut self.path_input,
                player: &mut self.player,
                picker: &mut self.picker,
            };
            settings_panel::show(ui, self.core.settings_mut(), facts, panes, clicked);
        }
        let comments = self.core.session().comments();
        if comments.is_open() {
            super::comments_panel::show(ui, comments, clicked);
        }
        if self.playlist_editor.is_open() {
            super::playlist_pane::show(ui, &mut self.playlist_editor, clicked);
        }
    }

    fn start(&mut self, ctx: &egui::Context, now: Duration) {
        self.core.start_link();
        if self.start_fullscreen {
            self.apply(UserAction::ToggleFullscreen, ctx, now);
        }
        let paths = std::mem::take(&mut self.pending_paths);
        if !paths.is_empty() {
            self.opener.open_paths(paths);
        } else if let Some(data) = self.core.data_dir() {
            // Read off the window thread; the samples play if nothing was kept.
            self.opener.read_last_channel(data);
        } else {
            self.core.play(Channel::Samples, now);
            return;
        }
        self.opener.wait_briefly(self.first_read_wait);
    }

    /// What the runtime, the workers, the dialogs and the editor's files reported.
    fn take_in(&mut self, ctx: &egui::Context, now: Duration) {
        if self
            .core
            .take_runtime_events(now, &mut self.net, &mut self.player)
        {
            ctx.request_repaint();
        }
        self.core.take_artworks(ctx, now);
        while let Some(message) = self.handovers.as_mut().and_then(|s| s.try_recv()) {
            self.handed_over(message, ctx, now);
        }
        // A credentials reload held back (at most one per 10 s) wakes the window when due.
        if let Some(due) = self.handovers.as_ref().and_then(|s| s.next_due()) {
            ctx.request_repaint_after(due.saturating_duration_since(std::time::Instant::now()));
        }
        while let Some(picked) = self.opener.take() {
            if let Some(paths) = self.core.picked(picked, now) {
                self.apply(UserAction::OpenPaths(paths), ctx, now);
            }
        }
        for command in self.playlist_editor.take_done() {
            self.playlist_command(command, Some((ctx, now)));
        }
    }

    /// A later launch's wishes, as if they had been this window's own.
    fn handed_over(
        &mut self,
        message: crate::program::single_instance::Message,
        ctx: &egui::Context,
        now: Duration,
    ) {
        if message.reload_credentials {
            self.core.send(RuntimeAction::Credentials(
                crate::bridge::credentials::CredentialsAction::Load,
            ));
        }
        let previews = crate::preview::PreviewMode::parse_known(&message.previews);
        if !previews.is_empty() {
            self.set_previews(previews);
        }
        if message.fullscreen {
            self.set_fullscreen(ctx, true);
        }
        self.outputs.play_to(message.outputs);
        if !message.paths.is_empty() {
            self.apply(UserAction::OpenPaths(message.paths), ctx, now);
            ctx.send_viewport_cmd(ViewportCommand::Focus);
        }
    }

    fn apply(&mut self, action: UserAction, ctx: &egui::Context, now: Duration) {
        let core = &mut self.core;
        match action {
            UserAction::Next => core.engine_mut().next(now),
            UserAction::Previous => core.engine_mut().previous(now),
            UserAction::TogglePause => {
                let paused = !core.engine().is_paused();
                core.engine_mut().set_paused(paused, now);
            }
            UserAction::ToggleLike => core.with_session(now, |s, seen, fx| s.toggle_like(seen, fx)),
            UserAction::TogglePin => {
                let pinned = !core.engine().is_pinned();
                core.engine_mut().set_pinned(pinned);
            }
            UserAction::ToggleFullscreen => self.set_fullscreen(ctx, !self.fullscreen),
            UserAction::Escape => self.escape(ctx),
            UserAction::ToggleInfo => core.settings_mut().show_info ^= true,
            UserAction::ToggleSettings => core.settings_mut().show_settings ^= true,
            UserAction::ToggleComments => core.with_session(now, |s, _, _| s.toggle_comments()),
            UserAction::MoreComments => {
                core.with_session(now, |s, seen, fx| s.more_comments(seen, fx))
            }
            UserAction::PlayOwnerPlayset(name) => {
                core.with_session(now, |s, seen, fx| s.request_owner_playset(name, seen, fx));
            }
            UserAction::TogglePlaylistEditor => self.playlist_editor.toggle(),
            UserAction::Playlist(command) => self.playlist_command(command, Some((ctx, now))),
            UserAction::OpenFilesDialog => self.opener.open_dialog(false),
            UserAction::OpenFolderDialog => self.opener.open_dialog(true),
            UserAction::OpenPaths(paths) => {
                self.welcome.hide();
                self.opener.open_paths(paths);
            }
            UserAction::PlaySamples => core.play(Channel::Samples, now),
            UserAction::SetShuffle(on) => {
                core.settings_mut().shuffle = on;
                core.with_session(now, |s, seen, fx| s.reorder(seen, fx));
            }
            UserAction::Reorder => core.with_session(now, |s, seen, fx| s.reorder(seen, fx)),
            UserAction::ShowShortcuts => self.help.shortcuts = true,
            UserAction::ShowAbout => self.help.about = true,
            UserAction::OpenLogFolder => {
                let opened = crate::program::desktop::open_log_folder(self.log_dir.as_deref());
                core.tell_failure(opened);
            }
            UserAction::PlayChannel(channel) => {
                core.with_session(now, |s, seen, fx| {
                    s.play_channel_from_window(channel, seen, fx)
                });
            }
            UserAction::ShowDiagnostics => self.net.open = true,
            UserAction::OpenSettingsSection(section) => {
                core.settings_mut().show_settings = true;
                self.reveal = Some(section);
            }
            UserAction::ReconnectNow => {
                core.send(RuntimeAction::Connection(ConnectionAction::ReconnectNow));
            }
            UserAction::TestConnection => {
                core.send(RuntimeAction::Connection(ConnectionAction::TestConnection));
            }
            UserAction::Preview(command) => {
                let current = core.engine().current().cloned();
                let settings = core.settings_mut();
                let refused = self.previews.command(command, current.as_ref(), settings);
                refused.into_iter().for_each(|n| core.tell(n));
            }
            UserAction::Tell(notice) => core.tell(notice),
            UserAction::Quit => ctx.send_viewport_cmd(ViewportCommand::Close),
        }
    }

    /// A playlist editor command; `frame` is `None` outside a frame (tests).
    fn playlist_command(
        &mut self,
        command: PlaylistCommand,
        frame: Option<(&egui::Context, Duration)>,
    ) {
        let on_screen = self
            .core
            .engine()
            .current()
            .map(|s| (s, matches!(self.library().get(s), Some(Entry::Ready(_)))));
        for request in self.playlist_editor.on_command(command, on_screen) {
            self.core.editor_asks(request, frame);
        }
    }

    /// One Esc does one thing, the topmost: a prompt cancels itself; else
    /// fullscreen is left, or one window over the art closed; else an export
    /// under way is cancelled.
    fn escape(&mut self, ctx: &egui::Context) {
        let open = actions::OpenToEscape {
            prompt: super::path_prompt::is_open(ctx),
            fullscreen: self.fullscreen,
            shortcuts: self.help.shortcuts,
            about: self.help.about,
            diagnostics: self.net.open,
        };
        match actions::escape_does(open) {
            EscapeDoes::Prompt => {}
            EscapeDoes::LeaveFullscreen => self.set_fullscreen(ctx, false),
            EscapeDoes::CloseShortcuts => self.help.shortcuts = false,
            EscapeDoes::CloseAbout => self.help.about = false,
            EscapeDoes::CloseDiagnostics => self.net.open = false,
            EscapeDoes::CancelExport => self.previews.cancel_export(),
        }
    }

    fn set_fullscreen(&mut self, ctx: &egui::Context, on: bool) {
        if self.fullscreen != on {
            self.fullscreen = on;
            ctx.send_viewport_cmd(ViewportCommand::Fullscreen(on));
        }
    }
}

fn now(ctx: &egui::Context) -> Duration {
    Duration::from_secs_f64(ctx.input(|i| i.time).max(0.0))
}
