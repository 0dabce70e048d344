//! The artworks the engine wants, kept decoded: decode requests to the worker,
//! results turned into textures, the file on screen watched, and the window put
//! to sleep until the next frame or dwell end is due.

use std::time::Duration;

use eframe::egui;

use crate::media::decode::{DecodeError, DecodeLimits};
use crate::media::frame_store::{self, CompactArtwork};
use crate::player::{ArtworkSource, LoadOutcome};
use crate::samples;

use super::app::PlayerApp;
use super::canvas;
use super::library::{Entry, LoadedArt, PreparedArt};

impl PlayerApp {
    pub(crate) fn on_decoded(
        &mut self,
        ctx: &egui::Context,
        source: ArtworkSource,
        generation: u64,
        result: Result<PreparedArt, DecodeError>,
        now: Duration,
    ) {
        if !self.library.finish_load(&source, generation) {
            return;
        }
        let (entry, outcome) = match result {
            Ok(art) => {
                let loaded = LoadedArt::upload(ctx, &source.display_name(), art);
                let loop_duration = loaded.loop_duration();
                (Entry::Ready(loaded), LoadOutcome::Ready { loop_duration })
            }
            Err(err) => {
                tracing::warn!("cannot show {}: {err}", source.display_name());
                (Entry::Failed(err.to_string()), LoadOutcome::Failed)
            }
        };
        self.library.insert(source.clone(), entry);
        self.engine.on_loaded(&source, outcome, now);
    }

    pub(crate) fn request_load(&mut self, source: &ArtworkSource) {
        let generation = self.library.start_load(source);
        let job_source = source.clone();
        self.loader.request(
            source.clone(),
            generation,
            Box::new(move || read_and_decode(&job_source).map(PreparedArt::from_artwork)),
        );
    }

    /// Keeps exactly what the engine wants decoded, and watches the file on screen.
    pub(crate) fn sync_loads(&mut self, now: Duration) {
        let wanted = self.engine.wanted();
        self.downloads.retain(&wanted);
        self.library.retain(|s| wanted.contains(s));
        self.loader.retain(|s| wanted.contains(s));
        for source in &wanted {
            // The engine forgets decodes it stopped wanting; one that came back within the
            // same frame is still held here and must be reported again, or playback stalls.
            match self.library.get(source) {
                Some(Entry::Ready(art)) => {
                    let loop_duration = art.loop_duration();
                    self.engine
                        .on_loaded(source, LoadOutcome::Ready { loop_duration }, now);
                }
                Some(Entry::Failed(_)) => self.engine.on_loaded(source, LoadOutcome::Failed, now),
                None if self.library.needs_load(source) => match source {
                    ArtworkSource::Makapix(post) => self.load_post(source, post, now),
                    _ => self.request_load(source),
                },
                None => {}
            }
        }
        let watched = match self.engine.current() {
            Some(ArtworkSource::File(path)) => Some(path.as_path()),
            _ => None,
        };
        self.watcher.watch(watched);
    }

    /// Sleeps until the next animation frame or the end of the dwell; a still artwork costs nothing.
    pub(crate) fn schedule_repaint(&self, ctx: &egui::Context, now: Duration) {
        let mut wait = self
            .engine
            .next_deadline()
            .map(|deadline| deadline.saturating_sub(now));
        if let Some(frame_wait) = self.frame_wait(now) {
            wait = Some(wait.map_or(frame_wait, |w| w.min(frame_wait)));
        }
        if let Some(wait) = wait {
            ctx.request_repaint_after(wait);
        }
    }

    /// Puts the frame due now into the current artwork's texture, before the canvas draws it.
    pub(crate) fn advance_frame(&mut self, now: Duration) {
        let elapsed = self.engine.visible_elapsed(now);
        if let Some(source) = self.engine.current()
            && let Some(Entry::Ready(art)) = self.library.get_mut(source)
        {
            let index = art.clock.frame_at(elapsed).index;
            art.show_frame(index);
        }
        // LED previews light the same frame.
        self.prepare_previews();
    }

    fn frame_wait(&self, now: Duration) -> Option<Duration> {
        if self.engine.is_paused() {
            return None;
        }
        let Some(Entry::Ready(art)) = self.library.get(self.engine.current()?) else {
            return None;
        };
        art.clock
            .frame_at(self.engine.visible_elapsed(now))
            .until_next
    }

    pub(crate) fn checker_texture(&mut self, ctx: &egui::Context) -> egui::TextureHandle {
        self.checker
            .get_or_insert_with(|| canvas::checker_texture(ctx))
            .clone()
    }
}

fn read_and_decode(source: &ArtworkSource) -> Result<CompactArtwork, DecodeError> {
    let limits = DecodeLimits::default();
    match source {
        ArtworkSource::Embedded(name) => match samples::bytes(name) {
            Some(bytes) => frame_store::decode(bytes, &limits),
            None => Err(DecodeError::NotAnImage),
        },
        ArtworkSource::File(path) => frame_store::decode_file(path, &limits),
        // Posts are decoded from their fetched file (`request_load_file`).
        ArtworkSource::Makapix(_) => Err(DecodeError::NotAnImage),
    }
}
