//! The artworks the engine wants, kept decoded: decode requests to the worker,
//! its results handed to the window's side (`ArtKind`, `Upload`) and held in
//! the `Library`, the file on screen watched and decoded again when it
//! changes, and the frame due made the one shown. No egui here: the window
//! says what a decoded artwork becomes on its side.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

use crate::media::decode::{self, DecodeError, DecodeLimits};
use crate::media::frame_store::{self, CompactArtwork};
use crate::media::loader::Loader;
use crate::media::watch::{FileWatcher, ReadStamps};
use crate::player::{ArtworkSource, Engine, LoadOutcome, MakapixPost};
use crate::samples;

use super::library::{Entry, HeldArt, Library};

/// What a decoded artwork becomes for the window.
pub trait ArtKind: 'static {
    /// Made on the decoder thread, so per-pixel work stays off the window thread.
    type Prepared: Send + 'static;
    /// What the window holds and draws.
    type Art: HeldArt;
    /// The decoded frames made ready for a display whose largest side is `max_side`.
    fn prepare(art: CompactArtwork, max_side: usize) -> Self::Prepared;
}

/// The window's end of taking a decoded artwork in (its GPU, for the window).
pub trait Upload<K: ArtKind> {
    /// The largest texture side the display takes.
    fn max_side(&self) -> usize;
    fn upload(&self, name: &str, art: K::Prepared) -> K::Art;
}

/// How a worker thread wakes the window.
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// Posts whose files did not decode, with why.
pub type Unreadable = Vec<(ArtworkSource, String)>;

/// What the decoder and the file watcher report.
enum Report<P> {
    Decoded {
        source: ArtworkSource,
        generation: u64,
        result: Box<Result<P, DecodeError>>,
    },
    /// Frame 0 of an animation whose other frames are still decoding.
    FirstLook {
        source: ArtworkSource,
        generation: u64,
        art: Box<P>,
    },
    FileChanged(PathBuf),
}

/// How a decode job hands its first frame to the window early.
struct EarlyLook<P> {
    reports: Sender<Report<P>>,
    wake: Waker,
    max_side: Arc<AtomicUsize>,
}

impl<P> Clone for EarlyLook<P> {
    fn clone(&self) -> Self {
        Self {
            reports: self.reports.clone(),
            wake: Arc::clone(&self.wake),
            max_side: Arc::clone(&self.max_side),
        }
    }
}

impl<P: Send + 'static> EarlyLook<P> {
    fn for_source<K: ArtKind<Prepared = P>>(
        &self,
        source: ArtworkSource,
        generation: u64,
    ) -> impl FnOnce(CompactArtwork) + Send + use<P, K> {
        let this = self.clone();
        move |one_frame| {
            let art = K::prepare(one_frame, this.max_side.load(Ordering::Relaxed));
            let _ = this.reports.send(Report::FirstLook {
                source,
                generation,
                art: Box::new(art),
            });
            (this.wake)();
        }
    }
}

pub struct DecodeSchedule<K: ArtKind> {
    library: Library<K::Art>,
    loader: Loader<ArtworkSource, Result<K::Prepared, DecodeError>>,
    watcher: FileWatcher,
    reports: Receiver<Report<K::Prepared>>,
    /// Decodes started since the last `wait_for_new`.
    started: Vec<ArtworkSource>,
    early: EarlyLook<K::Prepared>,
    /// The display's largest texture side, as the window last said: the
    /// decoder thread samples larger artworks down to fit.
    max_texture_side: Arc<AtomicUsize>,
    /// The animation whose first frame is shown while the rest decode.
    decoding_rest: Option<ArtworkSource>,
}

impl<K: ArtKind> DecodeSchedule<K> {
    pub fn new(wake: Waker) -> Self {
        let (tx, reports) = mpsc::channel();
        let (decoded, woken) = (tx.clone(), Arc::clone(&wake));
        let loader = Loader::new(Arc::new(move |source, generation, result| {
            let _ = decoded.send(Report::Decoded {
                source,
                generation,
                result: Box::new(result),
            });
            woken();
        }));
        // egui's own default until the first frame says.
        let max_texture_side = Arc::new(AtomicUsize::new(2048));
        let early = EarlyLook {
            reports: tx.clone(),
            wake: Arc::clone(&wake),
            max_side: Arc::clone(&max_texture_side),
        };
        let watcher = FileWatcher::new(Arc::new(move |path| {
            let _ = tx.send(Report::FileChanged(path));
            wake();
        }));
        Self {
            library: Library::default(),
            loader,
            watcher,
            reports,
            started: Vec::new(),
            early,
            decoding_rest: None,
            max_texture_side,
        }
    }

    pub fn library(&self) -> &Library<K::Art> {
        &self.library
    }

    /// Whether `source` shows its first frame while its other frames decode.
    pub fn decoding_rest(&self, source: &ArtworkSource) -> bool {
        self.decoding_rest.as_ref() == Some(source)
    }

    /// Whether `source` is decoded and ready to show.
    pub fn is_ready(&self, source: &ArtworkSource) -> bool {
        matches!(self.library.get(source), Some(Entry::Ready(_)))
    }

    /// Takes in what the workers reported: decoded artworks go to the window's
    /// side, and a changed file is decoded again. Returns the Makapix posts
    /// whose files did not decode, with why: the session decides whether to
    /// fetch them again.
    pub fn take_in(
        &mut self,
        window: &impl Upload<K>,
        engine: &mut Engine,
        now: Duration,
    ) -> Unreadable {
        self.max_texture_side
            .store(window.max_side(), Ordering::Relaxed);
        let mut unreadable = Vec::new();
        while let Ok(report) = self.reports.try_recv() {
            self.take(report, window, engine, now, &mut unreadable);
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
    pub fn wait_for_new(
        &mut self,
        window: &impl Upload<K>,
        engine: &mut Engine,
        now: Duration,
        budget: Duration,
    ) -> (bool, Unreadable) {
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
                Ok(report) => self.take(report, window, engine, now, &mut unreadable),
                Err(_) => break,
            }
        }
        (engine.current() != before.as_ref(), unreadable)
    }

    /// One worker's report taken in; a Makapix post whose file did not decode
    /// goes to `unreadable`.
    fn take(
        &mut self,
        report: Report<K::Prepared>,
        window: &impl Upload<K>,
        engine: &mut Engine,
        now: Duration,
        unreadable: &mut Unreadable,
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
                self.on_decoded(window, engine, (source, generation), result, now);
            }
            Report::FirstLook {
                source,
                generation,
                art,
            } => self.on_first_look(window, engine, (source, generation), *art, now),
            Report::FileChanged(path) => {
                tracing::info!("{} changed on disk; reloading", path.display());
                self.request_load(&ArtworkSource::File(path));
            }
        }
    }

    /// Shows frame 0 while the rest decode; the whole animation replaces it when ready.
    fn on_first_look(
        &mut self,
        window: &impl Upload<K>,
        engine: &mut Engine,
        (source, generation): (ArtworkSource, u64),
        art: K::Prepared,
        now: Duration,
    ) {
        if !self.library.awaits_first_look(&source, generation) {
            return;
        }
        let loaded = window.upload(&source.display_name(), art);
        let loop_duration = loaded.loop_duration();
        self.library.insert(source.clone(), Entry::Ready(loaded));
        engine.on_loaded(&source, LoadOutcome::Ready { loop_duration }, now);
        self.decoding_rest = Some(source);
    }

    fn on_decoded(
        &mut self,
        window: &impl Upload<K>,
        engine: &mut Engine,
        (source, generation): (ArtworkSource, u64),
        result: Result<K::Prepared, DecodeError>,
        now: Duration,
    ) {
        if !self.library.finish_load(&source, generation) {
            return;
        }
        let (entry, outcome) = match result {
            Ok(art) => {
                let loaded = window.upload(&source.display_name(), art);
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
        let job_source = source.clone();
        let stamps = self.watcher.read_stamps();
        self.request(source, move |early| {
            read_and_decode(&job_source, &stamps, early)
        });
    }

    /// Decodes a post's fetched file on the decoder thread, on behalf of `source`.
    pub fn decode_file(&mut self, source: &ArtworkSource, path: PathBuf) {
        self.request(source, move |early| {
            let limits = DecodeLimits::default();
            decode::read_file(&path, &limits)
                .and_then(|bytes| frame_store::decode_showing_first(&bytes, &limits, early))
        });
    }

    /// Sends `decode` to the decoder thread as the newest decode of `source`.
    fn request(
        &mut self,
        source: &ArtworkSource,
        decode: impl FnOnce(
            Box<dyn FnOnce(CompactArtwork) + Send>,
        ) -> Result<CompactArtwork, DecodeError>
        + Send
        + 'static,
    ) {
        let generation = self.library.start_load(source);
        self.started.push(source.clone());
        let max_side = Arc::clone(&self.max_texture_side);
        let early: Box<dyn FnOnce(CompactArtwork) + Send> =
            Box::new(self.early.for_source::<K>(source.clone(), generation));
        self.loader.request(
            source.clone(),
            generation,
            Box::new(move || {
                decode(early).map(|art| K::prepare(art, max_side.load(Ordering::Relaxed)))
            }),
        );
    }

    /// A post's file cannot be had: the placeholder says why (the engine is
    /// told by whoever asked).
    pub fn failed(&mut self, source: ArtworkSource, reason: String) {
        self.library.insert(source, Entry::Failed(reason));
    }

    /// A post's file may be had now: its placeholder goes, so the next `sync`
    /// reports the post again while the engine wants it.
    pub fn forget_failed(&mut self, source: &ArtworkSource) {
        if matches!(self.library.get(source), Some(Entry::Failed(_))) {
            self.library.remove(source);
        }
    }

    /// Keeps exactly what the engine wants decoded, and watches the file on
    /// screen. Returns the wanted Makapix posts whose files must be asked for.
    pub fn sync(
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
        // Files decoded ahead are watched too: an edit before their turn must show.
        let watched = wanted.iter().filter_map(|source| match source {
            ArtworkSource::File(path) => Some(path.clone()),
            _ => None,
        });
        self.watcher.watch(watched.collect());
        posts
    }

    /// Makes the frame due now the current artwork's, before the window draws it.
    pub fn advance_frame(&mut self, engine: &Engine, now: Duration) {
        let elapsed = engine.visible_elapsed(now);
        let Some(source) = engine.current() else {
            return;
        };
        if let Some(Entry::Ready(art)) = self.library.get_mut(source) {
            let index = art.clock().frame_at(elapsed).index;
            art.show_frame(index);
        }
    }

    /// How long until the artwork on screen shows its next frame.
    pub fn frame_wait(&self, engine: &Engine, now: Duration) -> Option<Duration> {
        if engine.is_paused() {
            return None;
        }
        let Some(Entry::Ready(art)) = self.library.get(engine.current()?) else {
            return None;
        };
        art.clock().frame_at(engine.visible_elapsed(now)).until_next
    }
}

fn read_and_decode(
    source: &ArtworkSource,
    stamps: &ReadStamps,
    early: impl FnOnce(CompactArtwork),
) -> Result<CompactArtwork, DecodeError> {
    let limits = DecodeLimits::default();
    match source {
        ArtworkSource::Embedded(name) => match samples::bytes(name) {
            Some(bytes) => frame_store::decode_showing_first(bytes, &limits, early),
            None => Err(DecodeError::NotAnImage),
        },
        ArtworkSource::File(path) => decode::read_file_noting(path, &limits, |meta| {
            stamps.read(path, meta);
        })
        .and_then(|bytes| frame_store::decode_showing_first(&bytes, &limits, early)),
        // Posts are decoded from their fetched file (`decode_file`).
        ArtworkSource::Makapix(_) => Err(DecodeError::NotAnImage),
    }
}

#[cfg(test)]
#[path = "decode_schedule_tests.rs"]
mod tests;
