//! What arrives from the background runtime and the worker threads, routed to
//! the part of the window it belongs to: answers by their request tag,
//! commands, connection and credential news, decoded artworks, opened files.

use std::time::Duration;

use eframe::egui;

use crate::bridge::RuntimeEvent;
use crate::bridge::artwork::ArtworkEvent;
use crate::bridge::channel::WindowEnd;
use crate::bridge::connection::{ConnectionAction, ConnectionEvent, ConnectionState};
use crate::bridge::credentials::CredentialsEvent;
use crate::player::ArtworkSource;

use super::app::{AppEvent, Notice, PlayerApp};
use crate::bridge::Action as RuntimeAction;

/// Runtime events taken in one frame: a burst of commands is spread over a few
/// frames, so each frame stays short. Fewer when the runtime's action queue is
/// nearly full, so every command's ack fits (the rest of the queue is left for
/// the frame's other actions).
const EVENTS_PER_FRAME: usize = 64;
const ACTIONS_KEPT_FREE: usize = 32;

impl PlayerApp {
    fn drain_runtime(&mut self, ctx: &egui::Context, now: Duration) {
        let Some(room) = self.runtime.as_ref().map(WindowEnd::room) else {
            return;
        };
        for _ in 0..EVENTS_PER_FRAME.min(room.saturating_sub(ACTIONS_KEPT_FREE)) {
            let Some(event) = self.runtime.as_ref().and_then(WindowEnd::try_recv) else {
                return;
            };
            match event {
                RuntimeEvent::Connection(ConnectionEvent::Command(command)) => {
                    if let Some(ack) = self.apply_command(&command, now) {
                        self.send(RuntimeAction::Connection(ConnectionAction::Ack(ack)));
                    }
                }
                RuntimeEvent::Connection(ConnectionEvent::Answered { tag, result })
                    if self.awaits(tag) =>
                {
                    self.on_page_answer(result, now);
                }
                RuntimeEvent::Connection(ConnectionEvent::Answered { tag, result })
                    if self.awaits_like(tag) =>
                {
                    self.on_like_answer(tag, result);
                }
                RuntimeEvent::Connection(ConnectionEvent::Answered { tag, result })
                    if self.awaits_comments(tag) =>
                {
                    self.on_comments_answer(result);
                }
                RuntimeEvent::Connection(ConnectionEvent::Answered { tag, result })
                    if self.awaits_owner_playset(tag) =>
                {
                    self.on_owner_playset(result, now);
                }
                RuntimeEvent::Connection(ConnectionEvent::Answered { tag, result })
                    if self.awaits_post(tag) =>
                {
                    self.on_post_answer(tag, result);
                }
                RuntimeEvent::Connection(ConnectionEvent::Answered { tag, result })
                    if self.awaits_mix(tag) =>
                {
                    self.on_mix_answer(tag, result, now);
                }
                RuntimeEvent::Connection(event) => {
                    if let ConnectionEvent::State(state) = event {
                        self.connection = state;
                        self.player.on_connection(state);
                        if state == ConnectionState::Connected {
                            self.refresh_resumed_channel();
                        }
                    }
                    self.net.apply(event);
                }
                RuntimeEvent::Artwork(ArtworkEvent::Fetched { post, result }) => {
                    self.on_fetched(post, result);
                }
                RuntimeEvent::Credentials(CredentialsEvent::NotRegistered) => {
                    self.connection = ConnectionState::NotRegistered;
                    self.player.on_event(CredentialsEvent::NotRegistered);
                }
                RuntimeEvent::Credentials(event) => {
                    if let CredentialsEvent::Server(server) = &event {
                        self.use_vault(&server.vault_base);
                    }
                    self.player.on_event(event);
                }
            }
        }
        // More may be waiting: the next frame takes them.
        ctx.request_repaint();
    }

    pub(crate) fn drain_events(&mut self, ctx: &egui::Context, now: Duration) {
        self.drain_runtime(ctx, now);
        while let Ok(event) = self.events.try_recv() {
            match event {
                AppEvent::Decoded {
                    source,
                    generation,
                    result,
                } => self.on_decoded(ctx, source, generation, result, now),
                AppEvent::FileChanged(path) => {
                    tracing::info!("{} changed on disk; reloading", path.display());
                    let source = ArtworkSource::File(path);
                    self.request_load(&source);
                }
                AppEvent::Opened(opened) => self.on_opened(opened, now),
                AppEvent::Chosen { paths, quick } => {
                    if !paths.is_empty() {
                        self.open_paths(paths);
                    } else if quick {
                        self.notice = Some(Notice {
                            text: "No file dialog is available on this desktop. Drop files onto the window, or copy a file's path and press Ctrl+V.".into(),
                            is_error: true,
                        });
                    }
                }
            }
        }
    }
}
