//! Opening local files: paths from the command line, the file dialogs,
//! drag and drop, and pasted paths.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use eframe::egui;

use crate::local_files::{self, IMAGE_EXTENSIONS};

use super::actions::Action;
use super::app::{AppEvent, Channel, Notice, PlayerApp};

impl PlayerApp {
    /// Plays the given files and folders as a local channel; false when they held nothing to play.
    pub(crate) fn open_paths(&mut self, paths: &[PathBuf], now: Duration) -> bool {
        let collected = local_files::collect(paths);
        for problem in &collected.problems {
            tracing::warn!("{problem}");
        }
        if let Some(first) = collected.problems.first() {
            let more = collected.problems.len() - 1;
            let text = if more > 0 {
                format!("{first} ({more} more problems in the log.)")
            } else {
                first.clone()
            };
            self.notice = Some(Notice {
                text,
                is_error: true,
            });
        }
        if collected.files.is_empty() {
            return false;
        }
        let label = match paths {
            [one] if one.is_dir() => format!(
                "Folder {}",
                one.file_name().map_or_else(
                    || one.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                )
            ),
            _ => "Local files".to_owned(),
        };
        if collected.problems.is_empty() {
            self.notice = None;
        }
        self.play(
            Channel::Local {
                files: collected.files,
                label,
            },
            now,
        );
        true
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
                    .add_filter("Pixel art", &IMAGE_EXTENSIONS)
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
