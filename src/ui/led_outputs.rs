//! The window's end of the LED panel outputs: each pass it keeps the running
//! outputs in step with Settings and `--output`, and when the frame on screen
//! changes it lights each panel size once (the LED preview's own fitting,
//! `outputs::pixels::led_colours`: a few thousand LEDs, not the artwork's
//! pixels) and offers it to the sending threads. Nothing here waits on the
//! network. The Settings pane reads the outputs' figures from the `Board`
//! this leaves in the egui context.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use eframe::egui;

use super::library::{Entry, LoadedArt};
use crate::outputs::discovery::Discovery;
use crate::outputs::pixels::led_colours;
use crate::outputs::{LedColours, Outputs, Status};
use crate::player::ArtworkSource;
use crate::preview::color;
use crate::preview::render::Look;
use crate::settings::Settings;

/// What the Settings pane shows and asks, shared through the egui context.
#[derive(Default)]
pub(crate) struct Board {
    /// Every output running, by address, with its figures (or why it cannot run).
    pub statuses: Vec<(String, Result<Status, String>)>,
    /// `--output` addresses: played this run, not saved.
    pub command_line: Vec<String>,
    /// Outputs whose "Test pattern" was clicked.
    pub tests: Vec<String>,
    /// The panel finder while it is open: browsing, or why it cannot.
    pub finder: Option<Result<Discovery, String>>,
}

pub(crate) type SharedBoard = Arc<Mutex<Board>>;

pub(crate) fn board_id() -> egui::Id {
    egui::Id::unique("led-outputs-board")
}

#[derive(Clone, PartialEq)]
struct Key {
    source: ArtworkSource,
    art_texture: egui::TextureId,
    frame: usize,
    look: Look,
    urls: Vec<String>,
}

#[derive(Default)]
pub struct LedOutputs {
    outputs: Outputs,
    command_line: Vec<String>,
    sent: Option<Key>,
    board: SharedBoard,
}

impl LedOutputs {
    /// `--output`: these play too, for this run.
    pub fn play_to(&mut self, urls: Vec<String>) {
        for url in urls {
            if !self.command_line.contains(&url) {
                self.command_line.push(url);
            }
        }
    }

    /// What the output at `url` is doing (tests and the pane read this).
    pub fn status(&self, url: &str) -> Option<Result<Status, String>> {
        self.outputs.status(url)
    }

    /// One window pass: outputs in step with the settings, the frame on
    /// screen offered, the pane's board refreshed.
    pub(crate) fn update(
        &mut self,
        ctx: &egui::Context,
        on_screen: Option<(&ArtworkSource, &Entry)>,
        settings: &Settings,
    ) {
        let urls: Vec<String> = settings
            .outputs
            .iter()
            .filter(|o| o.enabled)
            .map(|o| o.url.clone())
            .chain(self.command_line.iter().cloned())
            .collect();
        if let Some(id) = settings.led_source_id {
            self.outputs.set_source_id(id);
        }
        self.outputs.sync(urls.iter().map(String::as_str));
        if let Some((source, Entry::Ready(art))) = on_screen {
            self.offer(source, art, settings, urls);
        }
        self.refresh_board(ctx, settings);
    }

    fn offer(
        &mut self,
        source: &ArtworkSource,
        art: &LoadedArt,
        settings: &Settings,
        urls: Vec<String>,
    ) {
        if self.outputs.is_empty() {
            self.sent = None;
            return;
        }
        let key = Key {
            source: source.clone(),
            art_texture: art.texture_id(),
            frame: art.shown_frame(),
            look: super::preview_view::look(settings),
            urls,
        };
        if self.sent.as_ref() == Some(&key) {
            return;
        }
        let frames: Vec<Arc<LedColours>> = self
            .outputs
            .sizes()
            .into_iter()
            .filter_map(|size| light(size, art, &key.look))
            .map(Arc::new)
            .collect();
        self.outputs.offer(&frames);
        self.sent = Some(key);
    }

    fn refresh_board(&mut self, ctx: &egui::Context, settings: &Settings) {
        let mut board = self.board.lock().unwrap_or_else(PoisonError::into_inner);
        for url in board.tests.drain(..) {
            self.outputs.test_pattern(&url);
        }
        let saved = settings.outputs.iter().map(|o| &o.url);
        board.statuses = saved
            .chain(&self.command_line)
            .filter_map(|url| Some((url.clone(), self.outputs.status(url)?)))
            .collect();
        board.command_line = self.command_line.clone();
        let open = settings.show_settings;
        if !open {
            // The pane is closed: so is the finder, and its browsing stops.
            board.finder = None;
        }
        drop(board);
        ctx.data_mut(|d| d.insert_temp(board_id(), self.board.clone()));
        if open && !self.outputs.is_empty() {
            // The figures move on their own: the pane is drawn again each second.
            ctx.request_repaint_after(Duration::from_secs(1));
        }
    }
}

/// The panel's colours for the frame on screen, from the pixels the window
/// keeps of it (an animation's canvas) or, for a still, rendered once.
fn light(panel: [u32; 2], art: &LoadedArt, look: &Look) -> Option<LedColours> {
    let size = [art.width, art.height];
    let width = art.width as usize;
    match art.shown_premultiplied() {
        Some(pixels) => led_colours(look, panel, size, |[x, y]| {
            let p = pixels[y as usize * width + x as usize];
            color::premultiplied_over_background(p.to_array(), look.background)
        }),
        None => {
            let rgba = art.frame_rgba()?;
            led_colours(look, panel, size, |[x, y]| {
                let at = (y as usize * width + x as usize) * 4;
                let p = rgba
                    .get(at..at + 4)
                    .map_or([0; 4], |p| [p[0], p[1], p[2], p[3]]);
                color::over_background(p, look.background)
            })
        }
    }
}
