//! The decoded artworks the window holds, keyed by where each came from. Only
//! what the engine wants is kept, and a few Makapix posts shown recently:
//! going back to one skips the cache read and the decode. What an artwork is
//! on screen (the window's texture) is the window's business: this holds any
//! `HeldArt`.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use crate::media::animation::FrameClock;
use crate::player::ArtworkSource;

/// A decoded artwork as the window holds it, seen from here.
pub trait HeldArt {
    /// Memory it holds (frames, canvas, texture): what the recent posts are counted in.
    fn held_bytes(&self) -> u64;
    /// Its frames' timing.
    fn clock(&self) -> &FrameClock;
    /// Makes frame `index` the one the window draws.
    fn show_frame(&mut self, index: usize);
    /// One pass of the animation (zero for a still image).
    fn loop_duration(&self) -> Duration {
        self.clock().loop_duration()
    }
}

pub enum Entry<A> {
    Ready(A),
    /// The sentence shown on the placeholder.
    Failed(String),
}

/// Memory the recently shown posts may hold besides what is wanted: a few
/// pixel-art animations, small against the window's own (llvmpipe's) needs.
pub const RECENT_BYTES: u64 = 32 * 1024 * 1024;

pub struct Library<A> {
    entries: HashMap<ArtworkSource, Entry<A>>,
    /// Posts decoded, shown, then no longer wanted, newest last, within
    /// `RECENT_BYTES`. Only posts: a post's file never changes under the same
    /// key, while a local file may have been edited since it was decoded.
    recent: VecDeque<(ArtworkSource, A)>,
    /// Bumped on every (re)load request so a slow, stale decode cannot overwrite a newer one.
    generations: HashMap<ArtworkSource, u64>,
    in_flight: HashMap<ArtworkSource, u64>,
    next_generation: u64,
}

impl<A> Default for Library<A> {
    fn default() -> Self {
        Self {
            entries: HashMap::new(),
            recent: VecDeque::new(),
            generations: HashMap::new(),
            in_flight: HashMap::new(),
            next_generation: 0,
        }
    }
}

impl<A: HeldArt> Library<A> {
    pub fn get(&self, source: &ArtworkSource) -> Option<&Entry<A>> {
        self.entries.get(source)
    }

    /// Needs a decode: neither held nor on its way.
    pub fn needs_load(&self, source: &ArtworkSource) -> bool {
        !self.entries.contains_key(source) && !self.in_flight.contains_key(source)
    }

    /// Registers a new decode and returns its generation.
    pub fn start_load(&mut self, source: &ArtworkSource) -> u64 {
        super::trace::decode_started(source);
        self.next_generation += 1;
        let generation = self.next_generation;
        self.generations.insert(source.clone(), generation);
        self.in_flight.insert(source.clone(), generation);
        generation
    }

    /// True when this result is the newest asked for `source` (and should be used).
    pub fn finish_load(&mut self, source: &ArtworkSource, generation: u64) -> bool {
        if self.generations.get(source) != Some(&generation) {
            return false;
        }
        self.in_flight.remove(source);
        true
    }

    /// True while the decode `generation` of `source` is the newest and still running,
    /// and nothing is shown for `source` yet: its first frame may then be shown early.
    pub fn awaits_first_look(&self, source: &ArtworkSource, generation: u64) -> bool {
        self.in_flight.get(source) == Some(&generation) && !self.entries.contains_key(source)
    }

    pub fn remove(&mut self, source: &ArtworkSource) {
        self.entries.remove(source);
    }

    pub fn get_mut(&mut self, source: &ArtworkSource) -> Option<&mut Entry<A>> {
        self.entries.get_mut(source)
    }

    pub fn insert(&mut self, source: ArtworkSource, entry: Entry<A>) {
        // A newer decode wins over a copy kept aside.
        self.recent.retain(|(k, _)| *k != source);
        self.entries.insert(source, entry);
    }

    /// Keeps exactly the artworks `keep` wants: recently shown posts it wants
    /// again come back as they were; the others it no longer wants are kept
    /// aside while they fit `RECENT_BYTES`, and every other one is dropped
    /// (with its texture).
    pub fn retain(&mut self, keep: impl Fn(&ArtworkSource) -> bool) {
        let (back, aside): (VecDeque<_>, VecDeque<_>) =
            self.recent.drain(..).partition(|(k, _)| keep(k));
        self.recent = aside;
        for (source, art) in back {
            self.entries.insert(source, Entry::Ready(art));
        }
        let dropped: Vec<ArtworkSource> =
            self.entries.keys().filter(|k| !keep(k)).cloned().collect();
        for source in dropped {
            if let (Some(Entry::Ready(art)), ArtworkSource::Makapix(_)) =
                (self.entries.remove(&source), &source)
            {
                self.recent.push_back((source, art));
            }
        }
        let mut held: u64 = self.recent.iter().map(|(_, art)| art.held_bytes()).sum();
        while held > RECENT_BYTES {
            let Some((_, oldest)) = self.recent.pop_front() else {
                break;
            };
            held -= oldest.held_bytes();
        }
        self.in_flight.retain(|k, _| keep(k));
        self.generations.retain(|k, _| keep(k));
    }

    /// How many recently shown posts are kept aside.
    pub fn recent_len(&self) -> usize {
        self.recent.len()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An artwork as a test holds it: its size and the frame it shows.
    pub(crate) struct Art {
        pub bytes: u64,
        pub shown: usize,
        pub clock: FrameClock,
    }

    impl Art {
        pub(crate) fn of(bytes: u64) -> Self {
            Self {
                bytes,
                shown: 0,
                clock: FrameClock::new(vec![Duration::from_millis(50); 3]),
            }
        }
    }

    impl HeldArt for Art {
        fn held_bytes(&self) -> u64 {
            self.bytes
        }
        fn clock(&self) -> &FrameClock {
            &self.clock
        }
        fn show_frame(&mut self, index: usize) {
            self.shown = index;
        }
    }

    pub(crate) fn post(id: i64) -> ArtworkSource {
        ArtworkSource::Makapix(crate::player::MakapixPost {
            post_id: id,
            title: None,
            storage_key: format!("key-{id}"),
            storage_shard: "a/b".into(),
            native_format: "gif".into(),
            art_url: None,
        })
    }

    fn ready(bytes: u64) -> Entry<Art> {
        Entry::Ready(Art::of(bytes))
    }

    #[test]
    fn a_post_shown_again_comes_back_as_it_was_without_a_decode() {
        let mut library = Library::default();
        library.insert(post(1), ready(100));
        if let Some(Entry::Ready(one)) = library.get_mut(&post(1)) {
            one.show_frame(2);
        }
        // Post 2 plays: post 1 is no longer wanted, but kept aside.
        library.retain(|s| *s == post(2));
        assert!(library.get(&post(1)).is_none());
        assert_eq!(library.recent_len(), 1);

        // Back to post 1: there at once, on the frame it had, with nothing to load.
        library.retain(|s| *s == post(1));
        let Some(Entry::Ready(one)) = library.get(&post(1)) else {
            panic!("post 1 should be back from the recently shown");
        };
        assert_eq!(one.shown, 2);
        assert!(!library.needs_load(&post(1)));
        assert_eq!(library.recent_len(), 0);
    }

    #[test]
    fn a_local_file_or_a_failed_post_is_not_kept_aside() {
        let mut library = Library::default();
        let file = ArtworkSource::File("/art/mine.gif".into());
        library.insert(file.clone(), ready(100));
        library.insert(post(3), Entry::Failed("gone".into()));
        library.retain(|_| false);
        assert_eq!(
            library.recent_len(),
            0,
            "an edited file must be decoded again"
        );
        library.retain(|_| true);
        assert!(library.get(&file).is_none());
        assert!(library.needs_load(&file));
        assert!(library.needs_load(&post(3)));
    }

    #[test]
    fn posts_kept_aside_stay_within_the_budget_newest_first() {
        let mut library = Library::default();
        let each = 16 * 1024 * 1024;
        for id in 1..=6 {
            library.insert(post(id), ready(each));
            // Each post plays in turn; the one before goes aside.
            library.retain(|s| *s == post(id));
        }
        library.retain(|_| false);
        let kept = library.recent_len();
        assert!(
            kept >= 1 && kept as u64 * each <= RECENT_BYTES,
            "{kept} kept"
        );
        assert!(kept < 6, "the oldest went");
        // The newest is among them; the oldest is not.
        library.retain(|s| *s == post(6) || *s == post(1));
        assert!(library.get(&post(6)).is_some());
        assert!(library.get(&post(1)).is_none());
    }

    #[test]
    fn a_stale_decode_does_not_replace_a_newer_one() {
        let mut library: Library<Art> = Library::default();
        let older = library.start_load(&post(1));
        let newer = library.start_load(&post(1));
        assert!(library.awaits_first_look(&post(1), newer));
        assert!(!library.awaits_first_look(&post(1), older));
        assert!(
            !library.finish_load(&post(1), older),
            "the older result is dropped"
        );
        assert!(!library.needs_load(&post(1)), "the newer one is on its way");
        assert!(library.finish_load(&post(1), newer));
    }
}
