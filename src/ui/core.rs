//! The window's end of the controller (`app::controller`): the player with its
//! artworks as textures, and the calls that need the egui context or the
//! window's panes. Everything else is `Controller`'s, reached through `Deref`.

use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::time::Duration;

use eframe::egui;

use crate::app::controller::{Controller, Listeners};
use crate::app::file_dialog::Outcome;
use crate::app::launch::StartOptions;
use crate::bridge::connection::ConnectionEvent;
use crate::bridge::credentials::CredentialsEvent;
use crate::session::{Channel, Notice};

use super::artworks::Textures;
use super::diagnostics::ConnectionView;
use super::opening::Picked;
use super::player_pane::PlayerPane;
use super::playlist_editor::EditorRequest;
use super::wake::Wake;

pub(crate) use crate::app::controller::unix_now;

pub(crate) struct Core(Controller<Textures>);

impl Deref for Core {
    type Target = Controller<Textures>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl DerefMut for Core {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

/// The panes that hear the runtime's connection and identity events.
struct Panes<'a> {
    net: &'a mut ConnectionView,
    player: &'a mut PlayerPane,
}

impl Listeners for Panes<'_> {
    fn connection(&mut self, event: ConnectionEvent) {
        if let ConnectionEvent::State(state) = &event {
            self.player.on_connection(*state);
        }
        self.net.apply(event);
    }

    fn credentials(&mut self, event: CredentialsEvent) {
        self.player.on_event(event);
    }
}

impl Core {
    pub(crate) fn new(options: &StartOptions, wake: &Wake) -> Self {
        Self(Controller::new(options, wake.waker()))
    }

    /// The runtime's events of this frame, for the player and then the panes.
    /// Returns whether more may be waiting (the next frame takes them).
    pub(crate) fn take_runtime_events(
        &mut self,
        now: Duration,
        net: &mut ConnectionView,
        player: &mut PlayerPane,
    ) -> bool {
        self.0.take_runtime_events(now, &mut Panes { net, player })
    }

    /// Decoded artworks and changed files, uploaded before the frame.
    pub(crate) fn take_artworks(&mut self, ctx: &egui::Context, now: Duration) {
        self.0.take_artworks(ctx, now);
    }

    /// Gives the decoder a moment to deliver the artwork just asked for;
    /// whether what is on screen changed meanwhile.
    pub(crate) fn wait_for_new_art(&mut self, ctx: &egui::Context, now: Duration) -> bool {
        self.0.wait_for_new_art(ctx, now)
    }

    /// Saves the settings if they changed this frame, with the window's size
    /// if the user changed it.
    pub(crate) fn save_settings(&mut self, ctx: &egui::Context) {
        super::window_place::follow(ctx, self.0.settings_mut());
        self.0.save_settings();
    }

    /// Sleeps until the next animation frame or the end of the dwell; a still artwork costs nothing.
    pub(crate) fn schedule_repaint(&self, ctx: &egui::Context, now: Duration) {
        if let Some(wait) = self.0.repaint_wait(now) {
            ctx.request_repaint_after(wait);
        }
    }

    /// What the playlist editor asks of the window; `frame` is `None`
    /// outside a frame (tests), where only a notice can be told.
    pub(crate) fn editor_asks(
        &mut self,
        request: EditorRequest,
        frame: Option<(&egui::Context, Duration)>,
    ) {
        match (request, frame) {
            (EditorRequest::Play { playlist, label }, Some((_, now))) => {
                self.with_session(now, |s, seen, fx| {
                    s.play_playlist(&playlist, label, seen, fx);
                });
            }
            (EditorRequest::Remember(post), Some((_, now))) => {
                self.with_session(now, |s, _, _| s.remember_post(&post));
            }
            (EditorRequest::Tell(notice), _) => self.tell(notice),
            (EditorRequest::CopyText(text), Some((ctx, _))) => ctx.copy_text(text),
            (EditorRequest::Close, Some((ctx, _))) => {
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
            (request, None) => tracing::debug!("{request:?} waits for a frame"),
        }
    }

    /// What an open brought: played, told, or (files a dialog chose) the
    /// paths to open as if dropped.
    pub(crate) fn picked(&mut self, picked: Picked, now: Duration) -> Option<Vec<PathBuf>> {
        match picked {
            Picked::Opened(opened) => self.play_opened(opened, now),
            Picked::Dialog(Outcome::Chosen(paths)) if !paths.is_empty() => return Some(paths),
            Picked::Dialog(Outcome::NeverOpened) => {
                self.tell(Notice::error(super::opening::no_dialog()));
            }
            Picked::Dialog(_) | Picked::Read(..) => {}
            Picked::LastChannel(last) => {
                let resumed = last.is_some_and(|last| {
                    self.with_session(now, |s, seen, fx| s.resume(*last, seen, fx))
                });
                if !resumed && self.engine().items().is_empty() {
                    self.play(Channel::Samples, now);
                }
            }
        }
        None
    }
}
