//! The artworks the engine wants, kept decoded: decode requests to the worker,
//! results turned into textures, the file on screen watched and reloaded when
//! it changes, and the frame due put into the texture before drawing.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

use eframe::egui;

use crate::media::decode::{self, DecodeError, DecodeLimits};
use crate::media::frame_store::{self, CompactArtwork};
use crate::media::loader::Loader;
use crate::media::watch::FileWatcher;
use crate::player::{ArtworkSource, Engine, LoadOutcome, MakapixPost};
use crate::samples;

use super::canvas;
use super::library::{Entry, Library, LoadedArt, PreparedArt};
use super::wake::Wake;

/// What the decoder and the file watcher report.
enum Report {
    Decoded {
        source: ArtworkSource,
        generation: u64,
        result: Box<Result<PreparedArt, DecodeError>>,
    },
    /// Frame 0 of an animation whose other frames are still decoding.
    FirstLook {
        source: ArtworkSource,
        generation: u64,
        art: Box<PreparedArt>,
    },
    FileChanged(PathBuf),
}

/// How a decode job hands its first frame to the window early.
#[derive(Clone)]
struct EarlyLook {
    reports: Sender<Report>,
    wake: Wake,
    max_side: Arc<AtomicUsize>,
}

impl EarlyLook {
    fn for_source(
        &self,
        source: ArtworkSource,
        generation: u64,
    ) -> impl FnOnce(CompactArtwork) + Send + use<> {
        let this = self.clone();
        move |one_frame| {
            let art = PreparedArt::from_artwork(one_frame, this.max_side.load(Ordering::Relaxed));
            let _ = this.reports.send(Report::FirstLook {
                source,
                generation,
                art: Box::new(art),
            });
            this.wake.wake();
        }
    }
}

pub(crate) struct Artworks {
    library: Library,
    loader: Loader<ArtworkSource, Result<PreparedArt, DecodeError>>,
    watcher: FileWatcher,
    reports: Receiver<Report>,
    /// Decodes started since the last `wait_for_new`.
    started: Vec<ArtworkSource>,
    checker: Option<egui::TextureHandle>,
    early: EarlyLook,
    /// The GPU's largest texture side, as the window last saw it: the decoder
    /// thread samples larger artworks down to fit.
    max_texture_side: Arc<AtomicUsize>,
    /// The animation whose first frame is shown while the rest decode.
    decoding_rest: Option<ArtworkSource>,
}

impl Artworks {
    pub(crate) fn new(wake: &Wake) -> Self {
        let (tx, reports) = mpsc::channel();
        let (decoded, woken) = (tx.clone(), wake.clone());
        let loader = Loader::new(Arc::new(move |source, generation, result| {
            let _ = decoded.send(Report::Decoded {
                source,
                generation,
                result: Box::new(result),
            });
            woken.wake();
        }));
        let max_texture_side = Arc::new(AtomicUsize::new(2048));
        let early = EarlyLook {
            reports: tx.clone(),
            wake: wake.clone(),
            max_side: Arc::clone(&max_texture_side),
        };
        let woken = wake.clone();
        let watcher = FileWatcher::new(Arc::new(move |path| {
            let _ = tx.send(Report::FileChanged(path));
            woken.wake();
        }));
        Self {
            library: Library::default(),
            loader,
            watcher,
            reports,
            started: Vec::new(),
            checker: None,
            early,
            decoding_rest: None,
            // egui's own default until the first frame says.
            max_texture_side,
        }
    }

    pub(crate) fn library(&self) -> &Library {
        &self.library
    }

    /// Whether `source` is decoded and ready to show.
    /// Whether `source` shows its first frame while its other frames decode.
    pub(crate) fn decoding_rest(&self, source: &ArtworkSource) -> bool {
        self.decoding_rest.as_ref() == Some(source)
    }

    pub(crate) fn is_ready(&self, source: &ArtworkSource) -> bool {
        matches!(self.library.get(source), Some(Entry::Ready(_)))
    }

    /// Takes in what the workers reported: decoded artworks become textures,
    /// and a changed file is decoded again. Returns the Makapix posts whose
    /// files did not decode, with why: the session decides whether to fetch
    /// them again.
    pub(crate) fn take_in(
        &mut self,
        ctx: &egui::Context,
        engine: &mut Engine,
        now: Duration,
    ) -> Vec<(ArtworkSource, String)> {
        let max_side = ctx.input(|i| i.max_texture_side);
        self.max_texture_side.store(max_side, Ordering::Relaxed);
        let mut unreadable = Vec::new();
        while let Ok(report) = self.reports.try_recv() {
            self.take(report, ctx, engine, now, &mut unreadable);
        }
        unreadable
    }

    /// Waits up to `budget` for the first frame of the artwork the engine is
    /// waiting to show, when its decode started since the last wait. A small
    /// file's first frame is ready within a few milliseconds and is then shown
    /// in this pass, not after one more paint of what it replaces (on a
    /// software renderer a pass and its paint take a few milliseconds each).
    /// What else the workers report meanwhile is taken in, as `take_in` does;
    /// returns whether what is on screen changed meanwhile, and the unreadable
    /// posts.
    pub(crate) fn wait_for_new(
        &mut self,
        ctx: &egui::Context,
        engine: &mut Engine,
        now: Duration,
        budget: Duration,
    ) -> (bool, Vec<(ArtworkSource, String)>) {
        let started = std::mem::take(&mut self.started);
        let mut unreadable = Vec::new();
        let Some(next) = engine.pending().filter(|p| started.contains(p)).cloned() else {
            return (false, unreadable);
        };
        let before = engine.current().cloned();
        let deadline = Instant::now() + budget;
        while self.library.get(&next).is_none() && unreadable.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.reports.recv_timeout(left) {
                Ok(report) => self.take(report, ctx, engine, now, &mut unreadable),
                Err(_) => break,
            }
        }
        (engine.current() != before.as_ref(), unreadable)
    }

    /// One worker's report taken in; a Makapix post whose file did not decode
    /// goes to `unreadable`.
    fn take(
        &mut self,
        report: Report,
        ctx: &egui::Context,
        engine: &mut Engine,
        now: Duration,
        unreadable: &mut Vec<(ArtworkSource, String)>,
    ) {
        match report {
            Report::Decoded {
                source,
                generation,
                result,
            } => {
                if self.decoding_rest.as_ref() == Some(&source) {
                    self.decoding_rest = None;
                }
                let result = *result;
                if let (ArtworkSource::Makapix(_), Err(e)) = (&source, &result) {
                    if self.library.finish_load(&source, generation) {
                        // Its first frame may have been shown early: the file is bad.
                        self.library.remove(&source);
                        tracing::warn!("cannot show {}: {e}", source.display_name());
                        unreadable.push((source, e.to_string()));
                    }
                    return;
                }
                self.on_decoded(ctx, engine, source, generation, result, now);
            }
            Report::FirstLook {
                source,
                generation,
                art,
            } => self.on_first_look(ctx, engine, source, generation, *art, now),
            Report::FileChanged(path) => {
                tracing::info!("{} changed on disk; reloading", path.display());
                self.request_load(&ArtworkSource::File(path));
            }
        }
    }

    /// Shows frame 0 while the rest decode; the whole animation replaces it when ready.
    fn on_first_look(
        &mut self,
        ctx: &egui::Context,
        engine: &mut Engine,
        source: ArtworkSource,
        generation: u64,
        art: PreparedArt,
        now: Duration,
    ) {
        if !self.library.awaits_first_look(&source, generation) {
            return;
        }
        let loaded = LoadedArt::upload(ctx, &source.display_name(), art);
        let loop_duration = loaded.loop_duration();
        self.library.insert(source.clone(), Entry::Ready(loaded));
        engine.on_loaded(&source, LoadOutcome::Ready { loop_duration }, now);
        self.decoding_rest = Some(source);
    }

    fn on_decoded(
        &mut self,
        ctx: &egui::Context,
        engine: &mut Engine,
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
        engine.on_loaded(&source, outcome, now);
    }

    fn request_load(&mut self, source: &ArtworkSource) {
        let generation = self.library.start_load(source);
        self.started.push(source.clone());
        let job_source = source.clone();
        let max_side = Arc::clone(&self.max_texture_side);
        let early = self.early.for_source(source.clone(), generation);
        self.loader.request(
            source.clone(),
            generation,
            Box::new(move || {
                read_and_decode(&job_source, early)
                    .map(|art| PreparedArt::from_artwork(art, max_side.load(Ordering::Relaxed)))
            }),
        );
    }

    /// Decodes a post's fetched file on the decoder thread, on behalf of `source`.
    pub(crate) fn decode_file(&mut self, source: &ArtworkSource, path: PathBuf) {
        let generation = self.library.start_load(source);
        self.started.push(source.clone());
        let max_side = Arc::clone(&self.max_texture_side);
        let early = self.early.for_source(source.clone(), generation);
        self.loader.request(
            source.clone(),
            generation,
            Box::new(move || {
                let limits = DecodeLimits::default();
                decode::read_file(&path, &limits)
                    .and_then(|bytes| frame_store::decode_showing_first(&bytes, &limits, early))
                    .map(|art| PreparedArt::from_artwork(art, max_side.load(Ordering::Relaxed)))
            }),
        );
    }

    /// A post's file cannot be had: the placeholder says why.
    pub(crate) fn failed(
        &mut self,
        source: ArtworkSource,
        reason: String,
        engine: &mut Engine,
        now: Duration,
    ) {
        self.library.insert(source.clone(), Entry::Failed(reason));
        engine.on_loaded(&source, LoadOutcome::Failed, now);
    }

    /// Keeps exactly what the engine wants decoded, and watches the file on
    /// screen. Returns the wanted Makapix posts whose files must be asked for.
    pub(crate) fn sync(
        &mut self,
        engine: &mut Engine,
        now: Duration,
    ) -> Vec<(ArtworkSource, MakapixPost)> {
        let wanted = engine.wanted();
        self.library.retain(|s| wanted.contains(s));
        self.loader.retain(|s| wanted.contains(s));
        let mut posts = Vec::new();
        for source in &wanted {
            // The engine forgets decodes it stopped wanting; one that came back within the
            // same frame is still held here and must be reported again, or playback stalls.
            match self.library.get(source) {
                Some(Entry::Ready(art)) => {
                    let loop_duration = art.loop_duration();
                    engine.on_loaded(source, LoadOutcome::Ready { loop_duration }, now);
                }
                Some(Entry::Failed(_)) => engine.on_loaded(source, LoadOutcome::Failed, now),
                None if self.library.needs_load(source) => match source {
                    ArtworkSource::Makapix(post) => posts.push((source.clone(), post.clone())),
                    _ => self.request_load(source),
                },
                None => {}
            }
        }
        let watched = match engine.current() {
            Some(ArtworkSource::File(path)) => Some(path.as_path()),
            _ => None,
        };
        self.watcher.watch(watched);
        posts
    }

    /// Puts the frame due now into the current artwork's texture, before the canvas draws it.
    pub(crate) fn advance_frame(&mut self, engine: &Engine, now: Duration) {
        let elapsed = engine.visible_elapsed(now);
        let Some(source) = engine.current() else {
            return;
        };
        if let Some(Entry::Ready(art)) = self.library.get_mut(source) {
            let index = art.clock.frame_at(elapsed).index;
            art.show_frame(index);
        }
    }

    /// How long until the artwork on screen shows its next frame.
    pub(crate) fn frame_wait(&self, engine: &Engine, now: Duration) -> Option<Duration> {
        if engine.is_paused() {
            return None;
        }
        let Some(Entry::Ready(art)) = self.library.get(engine.current()?) else {
            return None;
        };
        art.clock.frame_at(engine.visible_elapsed(now)).until_next
    }

    pub(crate) fn checker(&mut self, ctx: &egui::Context) -> egui::TextureHandle {
        self.checker
            .get_or_insert_with(|| canvas::checker_texture(ctx))
            .clone()
    }
}

fn read_and_decode(
    source: &ArtworkSource,
    early: impl FnOnce(CompactArtwork),
) -> Result<CompactArtwork, DecodeError> {
    let limits = DecodeLimits::default();
    match source {
        ArtworkSource::Embedded(name) => match samples::bytes(name) {
            Some(bytes) => frame_store::decode_showing_first(bytes, &limits, early),
            None => Err(DecodeError::NotAnImage),
        },
        ArtworkSource::File(path) => decode::read_file(path, &limits)
            .and_then(|bytes| frame_store::decode_showing_first(&bytes, &limits, early)),
        // Posts are decoded from their fetched file (`decode_file`).
        ArtworkSource::Makapix(_) => Err(DecodeError::NotAnImage),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::player::QueueItem;

    /// `source` made the whole queue; its decode started as the pass's sync asks.
    fn asked_for(artworks: &mut Artworks, engine: &mut Engine, source: &ArtworkSource) {
        engine.set_items(vec![QueueItem::new(source.clone())], 0, Duration::ZERO);
        artworks.sync(engine, Duration::ZERO);
    }

    #[test]
    fn an_artwork_asked_for_in_a_pass_is_on_screen_when_the_pass_draws() {
        let ctx = egui::Context::default();
        let mut artworks = Artworks::new(&Wake::default());
        let mut engine = Engine::new(Duration::from_secs(30));
        for name in ["sun-64.png", "slime-32.gif"] {
            let source = ArtworkSource::Embedded(name);
            asked_for(&mut artworks, &mut engine, &source);
            let budget = Duration::from_secs(10);
            let (changed, unreadable) =
                artworks.wait_for_new(&ctx, &mut engine, Duration::ZERO, budget);
            assert!(changed && unreadable.is_empty(), "{name}: {unreadable:?}");
            assert_eq!(engine.current(), Some(&source), "{name}");
        }
    }

    #[test]
    fn a_pass_that_started_no_decode_does_not_wait() {
        let ctx = egui::Context::default();
        let mut artworks = Artworks::new(&Wake::default());
        let mut engine = Engine::new(Duration::from_secs(30));
        let source = ArtworkSource::Embedded("sun-64.png");
        asked_for(&mut artworks, &mut engine, &source);
        // As if the decode had started in an earlier pass.
        artworks.started.clear();
        let started = Instant::now();
        let budget = Duration::from_secs(10);
        let (changed, _) = artworks.wait_for_new(&ctx, &mut engine, Duration::ZERO, budget);
        assert!(!changed, "it waited for a decode an earlier pass started");
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(engine.pending(), Some(&source));
    }
}
