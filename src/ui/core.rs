//! The player behind the window: the settings, the playback engine, the
//! session layer, the decoded artworks and the link to the runtime, driven
//! together. Every session call runs here with what the player looks like
//! now (`Seen`), and what it asks is carried out here, in order. The window
//! (`app.rs`) draws this and turns input into calls on it.

use std::path::PathBuf;
use std::time::Duration;

use eframe::egui;

use crate::bridge::Action as RuntimeAction;
use crate::bridge::channel::WindowEnd;
use crate::bridge::connection::{ConnectionAction, ConnectionEvent, ConnectionState};
use crate::bridge::credentials::CredentialsEvent;
use crate::bridge::transport::TransportChoice;
use crate::bridge::window_link::{Routed, WindowLink};
use crate::last_channel;
use crate::launch::StartOptions;
use crate::paths::AppPaths;
use crate::player::{ArtworkSource, Engine};
use crate::session::{Channel, Effect, Effects, Notice, Seen, Session};
use crate::settings::{self, Settings, SettingsSaver};

use super::artworks::Artworks;
use super::diagnostics::ConnectionView;
use super::library::{Entry, Library};
use super::player_pane::PlayerPane;
use super::wake::Wake;

/// How long a pass waits for the first frame of an artwork it just sent to
/// the decoder: under a frame at 60 Hz.
const NEW_ART_WAIT: Duration = Duration::from_millis(8);

pub(crate) struct Core {
    settings: Settings,
    saver: SettingsSaver,
    engine: Engine,
    session: Session,
    artworks: Artworks,
    link: WindowLink,
    notice: Option<Notice>,
    /// Per-user data folder (queued views, the last channel); `None` persists nothing.
    data_dir: Option<PathBuf>,
    /// The Makapix channel playing, kept for the next start.
    last_channel: last_channel::Keeper,
    /// `--transport`, until the setting is changed in the window.
    transport_override: Option<TransportChoice>,
    /// The setting as last seen, and what the runtime was last told.
    transport_setting: TransportChoice,
    transport_sent: Option<TransportChoice>,
    /// The last command that changes what plays, until its artwork is on screen.
    to_screen: crate::timeline::ToScreen,
    /// Artwork downloads under way, as the runtime last said.
    downloads: crate::bridge::artwork::DownloadProgress,
}

impl Core {
    /// Plays what the user opened (files, a folder, a playlist), with its notice.
    pub fn play_opened(&mut self, opened: crate::local_files::Opened, now: Duration) {
        let (play, notice) = super::opening::to_play(opened);
        match notice {
            Some(notice) => self.tell(notice),
            None => self.clear_notice(),
        }
        match play {
            super::opening::ToPlay::Playlist { playlist, label } => {
                self.with_session(now, |s, seen, fx| {
                    s.play_playlist(&playlist, label, seen, fx);
                });
            }
            super::opening::ToPlay::Channel(channel) => self.play(channel, now),
            // Nothing playable: what plays goes on (the samples at start).
            super::opening::ToPlay::Fallback if self.engine().items().is_empty() => {
                self.play(Channel::Samples, now);
            }
            super::opening::ToPlay::Fallback => {}
        }
    }

    pub(crate) fn new(options: &StartOptions, wake: &Wake) -> Self {
        let paths = options.app_paths.as_ref();
        let settings_path = paths.map(AppPaths::settings_file);
        let given = options.settings.clone();
        let (mut settings, said) = settings::initial(given, settings_path.as_deref());
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x5eed, |d| d.as_nanos() as u64);
        let saver = SettingsSaver::new(settings_path, settings.clone());
        // Picked once and saved with the settings (after the saver's baseline, so it is
        // written), so a random channel keeps its order across restarts.
        if settings.channel_seed == 0 {
            settings.channel_seed = seed | 1;
        }
        let overrides = options.server_overrides.clone();
        Self {
            engine: Engine::new(settings.dwell()),
            saver,
            session: Session::new(seed, options.timezone.clone()),
            artworks: Artworks::new(wake.waker()),
            link: WindowLink::new(paths, overrides, options.vault.as_deref()),
            notice: said.map(Notice::error),
            data_dir: paths.map(|p| p.data.clone()),
            last_channel: last_channel::Keeper::new(
                paths.map(|p| p.data.join(last_channel::FILE_NAME)),
            ),
            transport_override: options.transport,
            transport_setting: settings.transport,
            transport_sent: None,
            to_screen: Default::default(),
            downloads: Default::default(),
            settings,
        }
    }

    pub(crate) fn attach(&mut self, runtime: WindowEnd) {
        self.link.attach(runtime);
        self.session.set_online(true);
    }

    pub(crate) fn settings(&self) -> &Settings {
        &self.settings
    }

    pub(crate) fn settings_mut(&mut self) -> &mut Settings {
        &mut self.settings
    }

    pub(crate) fn engine(&self) -> &Engine {
        &self.engine
    }

    /// For what the user does to playback directly (next, previous, pause, pin).
    pub(crate) fn engine_mut(&mut self) -> &mut Engine {
        &mut self.engine
    }

    pub(crate) fn session(&self) -> &Session {
        &self.session
    }

    pub(crate) fn library(&self) -> &Library {
        self.artworks.library()
    }

    pub(crate) fn data_dir(&self) -> Option<&std::path::Path> {
        self.data_dir.as_deref()
    }

    /// The artwork on screen and what is held for it.
    pub(crate) fn on_screen(&self) -> Option<(&ArtworkSource, &Entry)> {
        let source = self.engine.current()?;
        Some((source, self.artworks.library().get(source)?))
    }

    /// The waiting command's time to the screen, once its artwork is drawn.
    pub(crate) fn command_on_screen(&mut self) -> Option<Duration> {
        let shown = match self.on_screen() {
            Some((source, Entry::Ready(_))) => Some(source.clone()),
            _ => None,
        };
        self.to_screen
            .screen(shown.as_ref(), std::time::Instant::now())
    }

    /// Artwork downloads under way.
    pub(crate) fn downloads(&self) -> crate::bridge::artwork::DownloadProgress {
        self.downloads
    }

    /// The animation on screen shows its first frame while the rest decode.
    pub(crate) fn decoding_on_screen(&self) -> bool {
        self.engine
            .current()
            .is_some_and(|s| self.artworks.decoding_rest(s))
    }

    pub(crate) fn notice(&self) -> Option<&Notice> {
        self.notice.as_ref()
    }

    pub(crate) fn tell(&mut self, notice: Notice) {
        self.notice = Some(notice);
    }

    pub(crate) fn clear_notice(&mut self) {
        self.notice = None;
    }

    pub(crate) fn tell_failure(&mut self, result: Result<(), String>) {
        if let Err(text) = result {
            self.notice = Some(Notice::error(text));
        }
    }

    pub(crate) fn send(&mut self, action: RuntimeAction) {
        let sent = self.link.send(action);
        self.tell_failure(sent);
    }

    /// What the runtime needs before anything else.
    pub(crate) fn start_link(&mut self) {
        // Before the stored credentials start a session: it goes the chosen way from the start.
        self.send_transport();
        let started = self.link.start(self.data_dir.as_deref());
        self.tell_failure(started);
    }

    /// Runs one session call with what the player looks like now, then carries
    /// out what it asked, in order.
    pub(crate) fn with_session<R>(
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

    pub(crate) fn play(&mut self, channel: Channel, now: Duration) {
        self.with_session(now, |s, seen, fx| s.play(channel, seen, fx));
    }

    /// The runtime's events of this frame: the session's part goes to the
    /// session, the connection's to `net`, the identity's to `player`.
    /// Returns whether more may be waiting (the next frame takes them).
    pub(crate) fn take_runtime_events(
        &mut self,
        now: Duration,
        net: &mut ConnectionView,
        player: &mut PlayerPane,
    ) -> bool {
        let budget = self.link.events_this_frame();
        for _ in 0..budget {
            let Some(event) = self.link.next_event() else {
                return false;
            };
            match event {
                Routed::Command(command, cached) => {
                    let on_screen = self.engine.current();
                    let at = std::time::Instant::now();
                    self.to_screen.command(&command, on_screen, at);
                    // Known before the engine wants it: decoded in this same pass.
                    if let Some(file) = cached {
                        self.session.on_fetched(&file.post, Ok(file.path));
                    }
                    self.with_session(now, |s, seen, fx| s.on_command(&command, seen, fx));
                }
                Routed::Answered { tag, result } => {
                    self.with_session(now, |s, seen, fx| s.on_answer(tag, result, seen, fx));
                }
                Routed::Connection(event) => {
                    if let ConnectionEvent::State(state) = event {
                        player.on_connection(state);
                        self.with_session(now, |s, seen, fx| s.on_connection(state, seen, fx));
                    }
                    net.apply(event);
                }
                Routed::Fetched { post, result } => self.session.on_fetched(&post, result),
                Routed::Downloads(progress) => self.downloads = progress,
                Routed::Credentials(event, configured) => {
                    self.tell_failure(configured);
                    if let CredentialsEvent::NotRegistered = event {
                        let state = ConnectionState::NotRegistered;
                        self.with_session(now, |s, seen, fx| s.on_connection(state, seen, fx));
                    }
                    player.on_event(event);
                }
            }
        }
        budget > 0
    }

    /// Decoded artworks and changed files, taken in before the frame.
    pub(crate) fn take_artworks(&mut self, ctx: &egui::Context, now: Duration) {
        let unreadable = self.artworks.take_in(ctx, &mut self.engine, now);
        self.tell_unreadable(unreadable, now);
    }

    /// Gives the decoder a moment to deliver the artwork just asked for, so it
    /// shows in this pass (`Artworks::wait_for_new`); whether what is on
    /// screen changed meanwhile.
    pub(crate) fn wait_for_new_art(&mut self, ctx: &egui::Context, now: Duration) -> bool {
        let (changed, unreadable) =
            self.artworks
                .wait_for_new(ctx, &mut self.engine, now, NEW_ART_WAIT);
        self.tell_unreadable(unreadable, now);
        changed
    }

    /// Posts whose files did not decode: the session fetches them again or gives up.
    fn tell_unreadable(&mut self, unreadable: Vec<(ArtworkSource, String)>, now: Duration) {
        if !unreadable.is_empty() {
            self.with_session(now, |s, _, fx| {
                for (source, reason) in unreadable {
                    s.unreadable_post(&source, reason, fx);
                }
            });
        }
    }

    /// Playback moves on, what it wants is decoded, and the session follows
    /// what is on screen. `covered`: a window hides the artwork. Returns when
    /// the session wants to look again.
    pub(crate) fn tick(&mut self, now: Duration, covered: bool) -> Option<Duration> {
        self.engine.set_dwell(self.settings.dwell());
        self.engine.tick(now);
        self.sync_loads(now);
        self.follow_screen(now, covered)
    }

    /// The session follows what is on screen (`Session::tick`): `status`, the
    /// next pages, comments, views. Returns when it wants to look again.
    pub(crate) fn follow_screen(&mut self, now: Duration, covered: bool) -> Option<Duration> {
        let loaded = self
            .engine
            .current()
            .is_some_and(|s| self.artworks.is_ready(s));
        let visible = loaded && !self.engine.is_paused() && !covered;
        self.with_session(now, |s, seen, fx| s.tick(seen, visible, fx))
    }

    /// Keeps exactly what the engine wants decoded; posts' files are asked for.
    pub(crate) fn sync_loads(&mut self, now: Duration) {
        let posts = self.artworks.sync(&mut self.engine, now);
        let wanted = self.engine.wanted();
        self.with_session(now, |s, _, fx| {
            s.keep_posts(&wanted, fx);
            for (source, post) in &posts {
                s.want_post(source, post, fx);
            }
        });
    }

    /// Sleeps until the next animation frame or the end of the dwell; a still artwork costs nothing.
    pub(crate) fn schedule_repaint(&self, ctx: &egui::Context, now: Duration) {
        let dwell = self.engine.next_deadline().map(|d| d.saturating_sub(now));
        let frame = self.artworks.frame_wait(&self.engine, now);
        if let Some(wait) = [dwell, frame].into_iter().flatten().min() {
            ctx.request_repaint_after(wait);
        }
    }

    /// Puts the frame due now into the current artwork's texture.
    pub(crate) fn advance_frame(&mut self, now: Duration) {
        self.artworks.advance_frame(&self.engine, now);
    }

    pub(crate) fn save_settings(&mut self) {
        self.saver.save_if_changed(&self.settings);
        if self.transport_sent.is_some() {
            self.send_transport();
        }
    }

    /// Tells the runtime the transport when it changed (the window's setting
    /// replaces `--transport` once it is changed).
    fn send_transport(&mut self) {
        if self.settings.transport != self.transport_setting {
            self.transport_setting = self.settings.transport;
            self.transport_override = None;
        }
        let choice = self.transport_override.unwrap_or(self.settings.transport);
        if self.transport_sent != Some(choice) {
            self.transport_sent = Some(choice);
            self.send(RuntimeAction::Connection(ConnectionAction::SetTransport(
                choice,
            )));
        }
    }

    /// Saves pending settings and ends the runtime; the window is closing.
    pub(crate) fn shutdown(&mut self) {
        self.saver.flush();
        self.link.shutdown();
    }
}

pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
