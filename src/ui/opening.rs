//! Opening local files: paths from the command line, the file dialogs,
//! drag and drop, and pasted paths.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use eframe::egui;

use crate::local_files::{self, IMAGE_EXTENSIONS, PLAYLIST_EXTENSION};

/// What File › Open offers by default: images and saved playlists.
const OPENABLE: [&str; 6] = [
    IMAGE_EXTENSIONS[0],
    IMAGE_EXTENSIONS[1],
    IMAGE_EXTENSIONS[2],
    IMAGE_EXTENSIONS[3],
    IMAGE_EXTENSIONS[4],
    PLAYLIST_EXTENSION,
];

use super::actions::Action;
use super::app::{AppEvent, Channel, Notice, PlayerApp};

impl PlayerApp {
    /// Reads the given files, folders or playlist on a worker thread (a large folder
    /// must not stall the window); `AppEvent::Opened` brings the result.
    pub(crate) fn open_paths(&mut self, paths: Vec<PathBuf>) {
        let tx = self.events_tx.clone();
        let slot = Arc::clone(&self.ctx_slot);
        let spawned = std::thread::Builder::new()
            .name("open-paths".into())
            .spawn(move || {
                let _ = tx.send(AppEvent::Opened(local_files::open(&paths)));
                if let Some(ctx) = slot.get() {
                    ctx.request_repaint();
                }
            });
        if let Err(e) = spawned {
            tracing::error!("cannot read the files: {e}");
        }
    }

    /// Plays what was opened; with nothing playable, keeps what plays (the samples at start).
    pub(crate) fn on_opened(&mut self, opened: local_files::Opened, now: Duration) {
        for problem in &opened.problems {
            tracing::warn!("{problem}");
        }
        self.notice = opened.problems.first().map(|first| {
            let more = opened.problems.len() - 1;
            Notice {
                text: if more > 0 {
                    format!("{first} ({more} more problems in the log.)")
                } else {
                    first.clone()
                },
                is_error: true,
            }
        });
        if let Some(playlist) = &opened.playlist {
            if !playlist.items.is_empty() {
                self.play_playlist(playlist, opened.label.clone(), now);
            } else if self.engine.items().is_empty() {
                self.play(Channel::Samples, now);
            }
        } else if !opened.items.is_empty() {
            self.play(
                Channel::Local {
                    items: opened.items,
                    label: opened.label,
                },
                now,
            );
        } else if self.engine.items().is_empty() {
            self.play(Channel::Samples, now);
        }
    }

    /// The dialog runs off the window thread: a modal call inside a frame would freeze the window.
    pub(crate) fn open_dialog(&mut self, ctx: &egui::Context, folder: bool) {
        let dialog = rfd::AsyncFileDialog::new().set_title("Play artworks");
        let tx = self.events_tx.clone();
        let ctx = ctx.clone();
        let started = Instant::now();
        let picked: std::pin::Pin<Box<dyn std::future::Future<Output = Vec<PathBuf>> + Send>> =
            if folder {
                let fut = dialog.pick_folder();
                Box::pin(async move {
                    fut.await
                        .map(|h| vec![h.path().to_path_buf()])
                        .unwrap_or_default()
                })
            } else {
                let fut = dialog
                    .add_filter("Pixel art and playlists", &OPENABLE)
                    .add_filter("Pixel art", &IMAGE_EXTENSIONS)
                    .add_filter("Makapix Player playlists", &[PLAYLIST_EXTENSION])
                    .pick_files();
                Box::pin(async move {
                    fut.await
                        .map(|hs| hs.iter().map(|h| h.path().to_path_buf()).collect())
                        .unwrap_or_default()
                })
            };
        let spawned = std::thread::Builder::new()
            .name("file-dialog".into())
            .spawn(move || {
                let paths = pollster::block_on(picked);
                let quick = started.elapsed() < Duration::from_millis(700);
                let _ = tx.send(AppEvent::Chosen { paths, quick });
                ctx.request_repaint();
            });
        if let Err(e) = spawned {
            tracing::error!("cannot open the file dialog: {e}");
        }
    }

    pub(crate) fn dropped_or_pasted(&self, ctx: &egui::Context) -> Vec<Action> {
        let typing = ctx.egui_wants_keyboard_input();
        ctx.input(|i| {
            let mut out = Vec::new();
            let dropped: Vec<PathBuf> = i
                .raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .collect();
            if !dropped.is_empty() {
                out.push(Action::OpenPaths(dropped));
            }
            if !typing {
                for event in &i.events {
                    if let egui::Event::Paste(text) = event
                        && let Some(paths) = local_files::paths_from_pasted_text(text)
                    {
                        out.push(Action::OpenPaths(paths));
                    }
                }
            }
            out
        })
    }
}
