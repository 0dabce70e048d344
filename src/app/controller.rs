//! The player behind the window: the settings, the playback engine, the
//! session layer, the decoded artworks and the link to the runtime, driven
//! together. Every session call runs here with what the player looks like
//! now (`Seen`), and what it asks is carried out here, in order
//! (`carry_out`). The window (`ui/`) draws this and turns input into calls on
//! it; nothing here knows egui: the window's textures come in as `K`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::app::launch::StartOptions;
use crate::app::timeline::ToScreen;
use crate::bridge::Action as RuntimeAction;
use crate::bridge::artwork::DownloadProgress;
use crate::bridge::channel::WindowEnd;
use crate::bridge::connection::{ConnectionAction, ConnectionEvent, ConnectionState};
use crate::bridge::credentials::CredentialsEvent;
use crate::bridge::transport::TransportChoice;
use crate::bridge::window_link::{Routed, WindowLink};
use crate::player::{ArtworkSource, Engine};
use crate::session::{Channel, Effects, Notice, Seen, Session};
use crate::settings::{Settings, SettingsSaver};
use crate::storage::last_channel::{self, LastChannel};
use crate::storage::paths::AppPaths;

use super::carry_out::{self, Clock, Outside, Player};
use super::decode_schedule::{ArtKind, DecodeSchedule, Unreadable, Upload, Waker};
use super::library::{Entry, Library};
use super::opened::{self, ToPlay};
use crate::settings::load::SettingsRead;

/// How long a pass waits for the first frame of an artwork it just sent to
/// the decoder: under a frame at 60 Hz.
const NEW_ART_WAIT: Duration = Duration::from_millis(8);

/// Who else hears the runtime's events: the window's connection view and its
/// Player pane. Each event reaches them after the session took it.
pub trait Listeners {
    fn connection(&mut self, event: ConnectionEvent);
    fn credentials(&mut self, event: CredentialsEvent);
}

/// Where the session's effects go that leave the session, engine and settings.
struct Hands<'a, K: ArtKind> {
    link: &'a mut WindowLink,
    notice: &'a mut Option<Notice>,
    last_channel: &'a mut last_channel::Keeper,
    artworks: &'a mut DecodeSchedule<K>,
}

impl<K: ArtKind> Outside for Hands<'_, K> {
    fn send(&mut self, action: RuntimeAction) {
        if let Err(text) = self.link.send(action) {
            *self.notice = Some(Notice::error(text));
        }
    }

    fn notice(&mut self, notice: Notice, unless_shown: bool) {
        if unless_shown {
            self.notice.get_or_insert(notice);
        } else {
            *self.notice = Some(notice);
        }
    }

    fn keep_channel(&mut self, channel: Option<LastChannel>) {
        match channel {
            Some(channel) => self.last_channel.keep(channel),
            None => self.last_channel.forget(),
        }
    }

    fn decode(&mut self, source: ArtworkSource, path: PathBuf) {
        self.artworks.decode_file(&source, path);
    }

    fn load_failed(&mut self, source: ArtworkSource, reason: String) {
        self.artworks.failed(source, reason);
    }

    fn load_again(&mut self, source: ArtworkSource) {
        self.artworks.forget_failed(&source);
    }
}

pub struct Controller<K: ArtKind> {
    settings: Settings,
    saver: SettingsSaver,
    engine: Engine,
    session: Session,
    artworks: DecodeSchedule<K>,
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
    to_screen: ToScreen,
    /// Artwork downloads under way, as the runtime last said.
    downloads: DownloadProgress,
    /// `NEW_ART_WAIT`, or longer for a test on a loaded machine.
    new_art_wait: Duration,
}

impl<K: ArtKind> Controller<K> {
    /// The player as `options` start it; worker threads wake the window through `wake`.
    pub fn new(options: &StartOptions, wake: Waker) -> Self {
        let paths = options.app_paths.as_ref();
        let settings_path = paths.map(AppPaths::settings_file);
        let (mut settings, said) = match (&options.settings, &options.settings_read) {
            (Some(given), _) => (given.clone(), None),
            (None, Some(read)) => read.wait(),
            (None, None) => SettingsRead::start(settings_path.clone()).wait(),
        };
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x5eed, |d| d.as_nanos() as u64);
        let saver = SettingsSaver::new(settings_path, settings.clone());
        // Picked once and saved with the settings (after the saver's baseline, so it is
        // written), so a random channel keeps its order across restarts.
        if settings.channel_seed == 0 {
            settings.channel_seed = seed | 1;
        }
        // The same way, E1.31's source id stays the same across restarts.
        settings
            .led_source_id
            .get_or_insert_with(uuid::Uuid::new_v4);
        let overrides = options.server_overrides.clone();
        Self {
            engine: Engine::new(settings.dwell()),
            saver,
            session: Session::new(seed, options.timezone.clone()),
            artworks: DecodeSchedule::new(wake),
            link: WindowLink::new(paths, overrides, options.vault.as_deref()),
            notice: said.map(Notice::error),
            data_dir: paths.map(|p| p.data.clone()),
            last_channel: last_channel::Keeper::new(
                paths.map(|p| p.data.join(last_channel::FILE_NAME)),
            ),
            transport_override: options.transport,
            transport_setting: settings.transport,
            transport_sent: None,
            to_screen: ToScreen::default(),
            downloads: DownloadProgress::default(),
            new_art_wait: options.new_art_wait.unwrap_or(NEW_ART_WAIT),
            settings,
        }
    }

    pub fn attach(&mut self, runtime: WindowEnd) {
        self.link.attach(runtime);
        self.session.set_online(true);
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn settings_mut(&mut self) -> &mut Settings {
        &mut self.settings
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// For what the user does to playback directly (next, previous, pause, pin).
    pub fn engine_mut(&mut self) -> &mut Engine {
        &mut self.engine
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    pub fn library(&self) -> &Library<K::Art> {
        self.artworks.library()
    }

    pub fn data_dir(&self) -> Option<&std::path::Path> {
        self.data_dir.as_deref()
    }

    /// The artwork on screen and what is held for it.
    pub fn on_screen(&self) -> Option<(&ArtworkSource, &Entry<K::Art>)> {
        let source = self.engine.current()?;
        Some((source, self.artworks.library().get(source)?))
    }

    /// The waiting command's time to the screen, once its artwork is drawn.
    pub fn command_on_screen(&mut self) -> Option<Duration> {
        let shown = match self.on_screen() {
            Some((source, Entry::Ready(_))) => Some(source.clone()),
            _ => None,
        };
        self.to_screen.screen(shown.as_ref(), Instant::now())
    }

    /// Artwork downloads under way.
    pub fn downloads(&self) -> DownloadProgress {
        self.downloads
    }

    /// The animation on screen shows its first frame while the rest decode.
    pub fn decoding_on_screen(&self) -> bool {
        self.engine
            .current()
            .is_some_and(|s| self.artworks.decoding_rest(s))
    }

    pub fn notice(&self) -> Option<&Notice> {
        self.notice.as_ref()
    }

    pub fn tell(&mut self, notice: Notice) {
        self.notice = Some(notice);
    }

    pub fn clear_notice(&mut self) {
        self.notice = None;
    }

    pub fn tell_failure(&mut self, result: Result<(), String>) {
        if let Err(text) = result {
            self.notice = Some(Notice::error(text));
        }
    }

    pub fn send(&mut self, action: RuntimeAction) {
        let sent = self.link.send(action);
        self.tell_failure(sent);
    }

    /// What the runtime needs before anything else.
    pub fn start_link(&mut self) {
        // Before the stored credentials start a session: it goes the chosen way from the start.
        self.send_transport();
        let started = self.link.start(self.data_dir.as_deref());
        self.tell_failure(started);
    }

    /// Runs one session call with what the player looks like now, then carries
    /// out what it asked, in order.
    pub fn with_session<R>(
        &mut self,
        now: Duration,
        call: impl FnOnce(&mut Session, &Seen, &mut Effects) -> R,
    ) -> R {
        let player = Player {
            session: &mut self.session,
            engine: &mut self.engine,
            settings: &mut self.settings,
        };
        let mut hands = Hands {
            link: &mut self.link,
            notice: &mut self.notice,
            last_channel: &mut self.last_channel,
            artworks: &mut self.artworks,
        };
        let clock = Clock {
            now,
            unix_secs: unix_now(),
        };
        carry_out::run_session(player, clock, &mut hands, call)
    }

    pub fn play(&mut self, channel: Channel, now: Duration) {
        self.with_session(now, |s, seen, fx| s.play(channel, seen, fx));
    }

    /// Plays what the user opened (files, a folder, a playlist), with its notice.
    pub fn play_opened(&mut self, opened: crate::app::local_files::Opened, now: Duration) {
        let (play, notice) = opened::to_play(opened);
        match notice {
            Some(notice) => self.tell(notice),
            None => self.clear_notice(),
        }
        match play {
            ToPlay::Playlist { playlist, label } => {
                self.with_session(now, |s, seen, fx| {
                    s.play_playlist(&playlist, label, seen, fx);
                });
            }
            ToPlay::Channel(channel) => self.play(channel, now),
            // Nothing playable: what plays goes on (the samples at start).
            ToPlay::Fallback if self.engine.items().is_empty() => {
                self.play(Channel::Samples, now);
            }
            ToPlay::Fallback => {}
        }
    }

    /// The runtime's events of this frame: the session's part goes to the
    /// session, the connection's and the identity's then to `listeners`.
    /// Returns whether more may be waiting (the next frame takes them).
    pub fn take_runtime_events(&mut self, now: Duration, listeners: &mut impl Listeners) -> bool {
        let budget = self.link.events_this_frame();
        for _ in 0..budget {
            let Some(event) = self.link.next_event() else {
                return false;
            };
            self.take_runtime_event(event, now, listeners);
        }
        budget > 0
    }

    fn take_runtime_event(&mut self, event: Routed, now: Duration, listeners: &mut impl Listeners) {
        match event {
            Routed::Command(command, cached) => {
                let on_screen = self.engine.current();
                self.to_screen.command(&command, on_screen, Instant::now());
                // Known before the engine wants it: decoded in this same pass.
                if let Some(file) = cached {
                    self.session.on_fetched(&file.post, Ok(file.path), now);
                }
                self.with_session(now, |s, seen, fx| s.on_command(&command, seen, fx));
            }
            Routed::Answered { tag, result } => {
                self.with_session(now, |s, seen, fx| s.on_answer(tag, result, seen, fx));
            }
            Routed::Connection(event) => {
                if let ConnectionEvent::State(state) = event {
                    self.with_session(now, |s, seen, fx| s.on_connection(state, seen, fx));
                }
                listeners.connection(event);
            }
            Routed::Fetched { post, result } => self.session.on_fetched(&post, result, now),
            Routed::Downloads(progress) => self.downloads = progress,
            Routed::Credentials(event, configured) => {
                self.tell_failure(configured);
                if let CredentialsEvent::NotRegistered = event {
                    let state = ConnectionState::NotRegistered;
                    self.with_session(now, |s, seen, fx| s.on_connection(state, seen, fx));
                }
                listeners.credentials(event);
            }
        }
    }

    /// Decoded artworks and changed files, taken in before the frame.
    pub fn take_artworks(&mut self, window: &impl Upload<K>, now: Duration) {
        let unreadable = self.artworks.take_in(window, &mut self.engine, now);
        self.tell_unreadable(unreadable, now);
    }

    /// Gives the decoder a moment to deliver the artwork just asked for, so it
    /// shows in this pass (`DecodeSchedule::wait_for_new`); whether what is on
    /// screen changed meanwhile.
    pub fn wait_for_new_art(&mut self, window: &impl Upload<K>, now: Duration) -> bool {
        let (changed, unreadable) =
            self.artworks
                .wait_for_new(window, &mut self.engine, now, self.new_art_wait);
        self.tell_unreadable(unreadable, now);
        changed
    }

    /// Posts whose files did not decode: the session fetches them again or gives up.
    fn tell_unreadable(&mut self, unreadable: Unreadable, now: Duration) {
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
    pub fn tick(&mut self, now: Duration, covered: bool) -> Option<Duration> {
        self.engine.set_dwell(self.settings.dwell());
        self.engine.tick(now);
        self.sync_loads(now);
        self.follow_screen(now, covered)
    }

    /// The session follows what is on screen (`Session::tick`): `status`, the
    /// next pages, comments, views. Returns when it wants to look again.
    pub fn follow_screen(&mut self, now: Duration, covered: bool) -> Option<Duration> {
        let loaded = self
            .engine
            .current()
            .is_some_and(|s| self.artworks.is_ready(s));
        let visible = loaded && !self.engine.is_paused() && !covered;
        self.with_session(now, |s, seen, fx| s.tick(seen, visible, fx))
    }

    /// Keeps exactly what the engine wants decoded; posts' files are asked for.
    pub fn sync_loads(&mut self, now: Duration) {
        let posts = self.artworks.sync(&mut self.engine, now);
        let wanted = self.engine.wanted();
        self.with_session(now, |s, seen, fx| {
            s.keep_posts(&wanted, fx);
            for (source, post) in &posts {
                s.want_post(source, post, seen, fx);
            }
        });
    }

    /// How long until the next animation frame or the end of the dwell; a
    /// still artwork needs nothing.
    pub fn repaint_wait(&self, now: Duration) -> Option<Duration> {
        let dwell = self.engine.next_deadline().map(|d| d.saturating_sub(now));
        let frame = self.artworks.frame_wait(&self.engine, now);
        [dwell, frame].into_iter().flatten().min()
    }

    /// Makes the frame due now the current artwork's, before the window draws it.
    pub fn advance_frame(&mut self, now: Duration) {
        self.artworks.advance_frame(&self.engine, now);
    }

    pub fn save_settings(&mut self) {
        let now = std::time::Instant::now();
        if let Some(why) = self.saver.save_if_changed(&self.settings, now) {
            self.tell(Notice::error(why));
        }
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

    /// Saves pending settings and the channel kept, then ends the runtime; the
    /// window is closing. The files share one budget, ending at `deadline`
    /// (`background_writer::WRITES_AT_QUIT` from the start of the quit), so
    /// quitting stays within 2 s whatever the disk does.
    pub fn shutdown(&mut self, deadline: std::time::Instant) {
        self.saver.flush_by(deadline);
        self.last_channel.flush_by(deadline);
        self.link.shutdown();
    }
}

/// Wall-clock seconds since the Unix epoch (0 if the clock is before it).
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
