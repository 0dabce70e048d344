//! Frames with more than 256 colours, decoded again from the file as they
//! come due instead of all kept: a small ring of decoded frames, filled a
//! few frames ahead of the one last asked for by a thread that owns the
//! decoder (the `image` decoders cannot move between threads mid-file).
//!
//! The frame clock stays a lookup: [`Replay::frame`] is asked for the frame
//! the clock names, and the thread only keeps the ring ahead of it, so
//! playing in order costs one decode per frame shown, done before the frame
//! comes due. A jump back (the loop's end, a seek) goes round the file again.
//! Which frames to keep and when to wait is [`place`], pure and tested alone.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::decode::{self, DecodeLimits, FrameSink};

/// Frames decoded ahead of the one asked for, that one included.
pub(crate) const AHEAD: usize = 3;
/// Frames held at most: the window ahead and the one shown before it.
pub(crate) const RING: usize = AHEAD + 1;
/// How long a paint waits for a frame the thread has not reached yet: a
/// frame late by this much is skipped rather than the window held up.
const WAIT: Duration = Duration::from_millis(50);

/// What to do with frame `decoded`, just decoded, when `wanted` is the frame
/// last asked for in an animation of `count` frames and `held` are in the ring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    /// It is in the window ahead of `wanted`: keep it.
    Keep,
    /// The window is full: hold it until `wanted` moves on.
    Wait,
    /// The window misses a frame the decoder has yet to reach: drop it and go on.
    Skip,
}

/// How far `frame` is ahead of `wanted`, going round the loop.
fn ahead(frame: usize, wanted: usize, count: usize) -> usize {
    let count = count.max(1);
    (frame + count - wanted % count) % count
}

pub fn place(decoded: usize, wanted: usize, count: usize, held: &[usize]) -> Place {
    let count = count.max(1);
    let window = AHEAD.min(count);
    if ahead(decoded, wanted, count) < window && !held.contains(&decoded) {
        return Place::Keep;
    }
    // Waiting on a full window (rather than skipping) also keeps a loop
    // shorter than the window from being decoded round and round.
    let full = (0..window).all(|k| held.contains(&((wanted + k) % count)));
    if full { Place::Wait } else { Place::Skip }
}

/// The held frame to drop when the ring is over [`RING`]: of those outside
/// the window ahead of `wanted`, the one longest behind it.
pub(crate) fn evict(wanted: usize, count: usize, held: &[usize]) -> Option<usize> {
    if held.len() <= RING {
        return None;
    }
    let window = AHEAD.min(count.max(1));
    held.iter()
        .copied()
        .filter(|&f| ahead(f, wanted, count) >= window)
        .min_by_key(|&f| ahead(f, wanted, count))
}

#[derive(Default)]
struct State {
    wanted: usize,
    ring: VecDeque<(usize, Arc<[u8]>)>,
    /// Frames dropped from the ring, to be written over by the next frames
    /// kept instead of allocating one per frame.
    spare: Vec<Arc<[u8]>>,
    closed: bool,
    /// The file no longer decodes (it did once): the sentence, logged once.
    failed: bool,
    /// Frames decoded by the thread, for tests and traces.
    decoded: u64,
    /// Frames kept in a new allocation rather than a spare one (tests).
    allocated: u64,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    /// Frames in the animation.
    count: usize,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The decoder thread's handle; dropping it ends the thread.
pub(crate) struct Replay {
    shared: Arc<Shared>,
    /// The file and its limits, for another replay of it (`another`).
    bytes: Arc<[u8]>,
    limits: DecodeLimits,
}

impl Replay {
    /// Starts replaying `bytes`, which decoded before into `count` frames.
    pub fn start(bytes: Arc<[u8]>, limits: DecodeLimits, count: usize) -> Self {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
            count,
        });
        let worker = Arc::clone(&shared);
        // The thread waits on the window between frames, so the decode time
        // limit would only measure how long the animation has been playing.
        let limits = DecodeLimits {
            max_decode_time: Duration::MAX,
            ..limits
        };
        let file = Arc::clone(&bytes);
        let started = std::thread::Builder::new()
            .name("frame-replay".into())
            .spawn(move || run(&worker, &file, &limits, count));
        if let Err(e) = started {
            tracing::error!("cannot start the frame replay thread: {e}");
            shared.lock().failed = true;
        }
        Self {
            shared,
            bytes,
            limits,
        }
    }

    /// A replay of the same file with a decoder and a cursor of its own, for
    /// a second reader: sharing one, each would send the other round the file.
    pub fn another(&self) -> Self {
        Self::start(Arc::clone(&self.bytes), self.limits, self.shared.count)
    }

    /// Frame `index` as straight RGBA, waiting briefly if the thread has not
    /// decoded it yet; None when it is not there in time (the paint keeps
    /// the frame it has) or the file no longer decodes.
    pub fn frame(&self, index: usize) -> Option<Arc<[u8]>> {
        if index >= self.shared.count {
            return None;
        }
        let mut state = self.shared.lock();
        if state.wanted != index {
            state.wanted = index;
            self.shared.changed.notify_all();
        }
        let (state, _) = self
            .shared
            .changed
            .wait_timeout_while(state, WAIT, |s| {
                !s.failed && !s.ring.iter().any(|(i, _)| *i == index)
            })
            .unwrap_or_else(PoisonError::into_inner);
        let found = state.ring.iter().find(|(i, _)| *i == index);
        found.map(|(_, rgba)| Arc::clone(rgba))
    }

    /// Memory this replay holds: its copy of the file, the frames in its ring
    /// and spare, and the decoder's own canvases (two, as compositing keeps the
    /// frame and the one before).
    pub fn held_bytes(&self, canvas_bytes: u64) -> u64 {
        let state = self.shared.lock();
        let frames = state.ring.iter().map(|(_, f)| f).chain(&state.spare);
        let frames: u64 = frames.map(|f| f.len() as u64).sum();
        self.bytes.len() as u64 + frames + 2 * canvas_bytes
    }

    /// The length of the file replayed (tests).
    #[cfg(test)]
    pub fn file_len(&self) -> usize {
        self.bytes.len()
    }

    /// Frames the thread has decoded so far.
    pub fn decoded(&self) -> u64 {
        self.shared.lock().decoded
    }

    /// Frames kept in new memory rather than in a spare frame (tests).
    #[cfg(test)]
    pub fn allocated(&self) -> u64 {
        self.shared.lock().allocated
    }

    /// The frames in the ring (tests).
    #[cfg(test)]
    pub fn held(&self) -> Vec<usize> {
        self.shared.lock().ring.iter().map(|(i, _)| *i).collect()
    }

    /// Waits until the thread has nothing to do before `wanted` moves (tests).
    #[cfg(test)]
    pub fn settle(&self, within: Duration) -> bool {
        let state = self.shared.lock();
        let count = self.shared.count;
        let (_state, timeout) = self
            .shared
            .changed
            .wait_timeout_while(state, within, |s| {
                let held: Vec<usize> = s.ring.iter().map(|(i, _)| *i).collect();
                let window = AHEAD.min(count);
                !(0..window).all(|k| held.contains(&((s.wanted + k) % count)))
            })
            .unwrap_or_else(PoisonError::into_inner);
        !timeout.timed_out()
    }
}

impl Drop for Replay {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.changed.notify_all();
    }
}

fn run(shared: &Shared, bytes: &[u8], limits: &DecodeLimits, count: usize) {
    loop {
        let mut sink = Sink {
            shared,
            count,
            next: 0,
            stop: false,
        };
        let result = decode::decode_with(bytes, limits, &mut sink);
        let mut state = shared.lock();
        if state.closed {
            return;
        }
        // Fewer frames than the first time would leave the window waiting for ever.
        if let Err(err) = result.map_err(|e| e.to_string()).and_then(|_| {
            (sink.next == count)
                .then_some(())
                .ok_or_else(|| format!("it now has {} frames, not {count}", sink.next))
        }) {
            tracing::error!("an animation's file no longer decodes while playing: {err}");
            state.failed = true;
            shared.changed.notify_all();
            return;
        }
    }
}

impl State {
    /// `rgba` copied into a spare frame no paint holds any more, if there is one.
    fn reuse(&mut self, rgba: &[u8]) -> Option<Arc<[u8]>> {
        // A paint may still hold a frame it was given: those are left to it.
        self.spare
            .retain(|f| Arc::strong_count(f) == 1 && f.len() == rgba.len());
        let mut frame = self.spare.pop()?;
        Arc::get_mut(&mut frame)?.copy_from_slice(rgba);
        Some(frame)
    }
}

/// Receives each frame of one pass through the file and waits, in the
/// decoder's own call, while the window ahead is full.
struct Sink<'a> {
    shared: &'a Shared,
    count: usize,
    next: usize,
    stop: bool,
}

impl FrameSink for Sink<'_> {
    fn keep(&mut self, rgba: Vec<u8>, _width: u32, _height: u32, _delay: Duration) {
        self.offer(Cow::Owned(rgba));
    }

    fn keep_buffer(&mut self, rgba: &mut Vec<u8>, _width: u32, _height: u32, _delay: Duration) {
        self.offer(Cow::Borrowed(rgba));
    }

    fn kept_bytes(&self) -> u64 {
        0
    }

    fn make_still(&mut self) {}

    fn wants_more(&self) -> bool {
        !self.stop
    }
}

impl Sink<'_> {
    /// Puts the next frame of the pass in the ring if it is wanted (copied
    /// only then), waiting while the window ahead is full.
    fn offer(&mut self, rgba: Cow<'_, [u8]>) {
        let index = self.next;
        self.next += 1;
        let mut state = self.shared.lock();
        state.decoded += 1;
        let mut rgba = Some(rgba);
        loop {
            if state.closed {
                self.stop = true;
                return;
            }
            let held: Vec<usize> = state.ring.iter().map(|(i, _)| *i).collect();
            match place(index, state.wanted, self.count, &held) {
                Place::Skip => return,
                Place::Wait => {
                    state = self
                        .shared
                        .changed
                        .wait(state)
                        .unwrap_or_else(PoisonError::into_inner);
                }
                Place::Keep => {
                    if let Some(rgba) = rgba.take() {
                        let frame = state.reuse(&rgba).unwrap_or_else(|| {
                            state.allocated += 1;
                            rgba.into()
                        });
                        state.ring.push_back((index, frame));
                    }
                    let held: Vec<usize> = state.ring.iter().map(|(i, _)| *i).collect();
                    if let Some(out) = evict(state.wanted, self.count, &held) {
                        let at = state.ring.iter().position(|(i, _)| *i == out);
                        if let Some((_, old)) = at.and_then(|at| state.ring.remove(at)) {
                            state.spare.push(old);
                        }
                    }
                    self.shared.changed.notify_all();
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::frame_store::{self, Canvas};
    use crate::sample_art::encode;

    #[test]
    fn the_window_ahead_is_kept_then_the_decoder_waits() {
        // Asked for frame 5 of 10, nothing held yet: 5, 6 and 7 are kept.
        assert_eq!(place(5, 5, 10, &[]), Place::Keep);
        assert_eq!(place(7, 5, 10, &[5, 6]), Place::Keep);
        // The window is full, so frame 8 waits for the clock to move on.
        assert_eq!(place(8, 5, 10, &[4, 5, 6, 7]), Place::Wait);
        // A frame before the window (catching up after a late paint) is skipped.
        assert_eq!(place(3, 5, 10, &[]), Place::Skip);
        // Past the window with part of it missing (a jump back): go round the file.
        assert_eq!(place(8, 2, 10, &[5, 6, 7]), Place::Skip);
    }

    #[test]
    fn the_window_wraps_round_the_end_of_the_loop() {
        assert_eq!(place(0, 8, 10, &[8, 9]), Place::Keep);
        assert_eq!(place(1, 8, 10, &[8, 9, 0]), Place::Wait);
        assert_eq!(evict(9, 10, &[7, 8, 9, 0, 1]), Some(7));
        assert_eq!(evict(9, 10, &[8, 9, 0, 1]), None);
        assert_eq!(evict(5, 10, &[3, 4, 5, 6, 7]), Some(3));
    }

    #[test]
    fn a_loop_shorter_than_the_window_is_decoded_once_then_waits() {
        // Two frames, both held: the next pass's frames wait instead of spinning.
        assert_eq!(place(0, 0, 2, &[0, 1]), Place::Wait);
        assert_eq!(place(1, 1, 2, &[0, 1]), Place::Wait);
        assert_eq!(place(1, 0, 2, &[0]), Place::Keep);
    }

    /// `count` frames of `side`² pixels, 20 ms each: pixel `i` of frame `n`
    /// is `colour(n, i)`.
    fn frames_of(
        side: u32,
        count: usize,
        colour: impl Fn(u32, u32) -> [u8; 4],
    ) -> Vec<(Vec<u8>, Duration)> {
        (0..count as u32)
            .map(|n| {
                let rgba = (0..side * side).flat_map(|i| colour(n, i)).collect();
                (rgba, Duration::from_millis(20))
            })
            .collect()
    }

    /// Every pixel a different colour and every frame different: far over
    /// 256 colours.
    fn many_colours(side: u32, count: usize) -> Vec<(Vec<u8>, Duration)> {
        frames_of(side, count, |n, i| {
            [(i % 256) as u8, (i / 256) as u8, (n * 20) as u8, 255]
        })
    }

    #[test]
    fn frames_of_many_colours_play_in_order_round_the_loop_from_the_file() {
        let (side, count) = (32, 12);
        let frames = many_colours(side, count);
        let bytes = encode::apng(side, side, &frames).unwrap();
        let art = frame_store::decode(&bytes, &DecodeLimits::default()).unwrap();
        let store = &art.frames;
        // Frame 0 is kept (it shows first); the others stay in the file.
        assert_eq!(store.replayed_frames(), count - 1);
        let whole = u64::from(side * side * 4);
        assert!(store.byte_count() < 2 * whole, "{}", store.byte_count());
        let replay = store_replay(store);

        let mut canvas = Canvas::default();
        for round in 0..2 {
            for (i, (want, _)) in frames.iter().enumerate() {
                let got = rendered(store, i, &mut canvas);
                assert!(got.as_ref() == Some(want), "round {round} frame {i}");
                // Before the next frame comes due it is already decoded.
                assert!(replay.settle(Duration::from_secs(10)));
                let next = (i + 1) % count;
                assert!(replay.held().contains(&next), "frame {next} not ready");
                assert!(replay.held().len() <= RING);
            }
        }
        // In order, each frame is decoded once a loop (plus the window ahead
        // and the frame waiting on it), never round the file again.
        let decoded = store.replay_decodes();
        assert!(decoded <= 2 * count as u64 + RING as u64, "{decoded}");
        // Frames dropped from the ring are written over, not freed and
        // allocated again: one allocation per frame would churn the heap.
        let allocated = replay.allocated();
        assert!(allocated <= RING as u64 + 1, "{allocated} frames allocated");
    }

    #[test]
    fn frames_played_from_the_file_hold_the_file_and_the_frames_decoded() {
        let (side, count) = (32, 12);
        let bytes = encode::apng(side, side, &many_colours(side, count)).unwrap();
        let art = frame_store::decode(&bytes, &DecodeLimits::default()).unwrap();
        let store = &art.frames;
        assert!(store_replay(store).settle(Duration::from_secs(10)));
        // What the recent posts are counted in sees the window ahead too.
        let ring = AHEAD as u64 * u64::from(side * side * 4);
        let least = store.byte_count() + bytes.len() as u64 + ring;
        assert!(
            store.held_bytes() >= least,
            "{} < {least}",
            store.held_bytes()
        );
    }

    #[test]
    fn an_animation_with_a_colour_profile_replays_a_file_without_it() {
        let (side, count) = (32, 12);
        let frames = many_colours(side, count);
        let plain = encode::apng(side, side, &frames).unwrap();
        // Stored (not compressed) bytes: the chunk's size is what is held.
        let profile = [b"p\0\0".as_slice(), &[0x78, 0x01], &[0; 4096]].concat();
        let bytes = super::super::png_profile::with_chunk(&plain, b"iCCP", &profile);
        let art = frame_store::decode(&bytes, &DecodeLimits::default()).unwrap();
        let replay = store_replay(&art.frames);
        // Cut once here, not again by the decoder on every lap of the loop.
        assert_eq!(replay.file_len(), plain.len());
        let mut canvas = Canvas::default();
        for (i, (want, _)) in frames.iter().enumerate().skip(1) {
            assert!(replay.settle(Duration::from_secs(10)));
            assert!(rendered(&art.frames, i, &mut canvas).as_ref() == Some(want));
        }
    }

    #[test]
    fn a_jump_back_goes_round_the_file_and_lands_on_the_frame() {
        let (side, count) = (16, 9);
        let frames = many_colours(side, count);
        let bytes = encode::apng(side, side, &frames).unwrap();
        let art = frame_store::decode(&bytes, &DecodeLimits::default()).unwrap();
        let mut canvas = Canvas::default();
        for i in [7, 2, 8, 1, 5] {
            // A jump may take longer than a paint waits: ask until it is there.
            let shown = (0..200).any(|_| art.frames.render(i, |p| p, &mut canvas));
            assert!(shown, "frame {i}");
            let got: Vec<u8> = canvas.pixels().iter().flatten().copied().collect();
            assert!(got == frames[i].0, "frame {i}");
        }
    }

    /// 4 colours in diagonal stripes that move a pixel a frame: every pixel
    /// changes, so each frame is kept whole (bit-packed).
    fn moving_stripes(side: u32, count: usize) -> Vec<(Vec<u8>, Duration)> {
        const COLOURS: [[u8; 4]; 4] = [
            [255, 0, 0, 255],
            [0, 255, 0, 255],
            [0, 0, 255, 255],
            [255, 255, 255, 255],
        ];
        frames_of(side, count, |n, i| {
            COLOURS[((i % side + i / side + n) % 4) as usize]
        })
    }

    #[test]
    fn frames_of_few_colours_past_the_keep_budget_play_from_the_file() {
        let (side, count) = (32, 10);
        let frames = moving_stripes(side, count);
        let bytes = encode::gif(side, side, &frames).unwrap();
        // Under the budget (the default), every frame is kept.
        let kept = frame_store::decode(&bytes, &DecodeLimits::default()).unwrap();
        assert_eq!(kept.frames.replayed_frames(), 0);
        // Over it after three frames: the rest stay in the file.
        let packed = kept.frames.byte_count() / count as u64;
        let limits = DecodeLimits {
            keep_bytes: 3 * packed,
            ..DecodeLimits::default()
        };
        let art = frame_store::decode(&bytes, &limits).unwrap();
        let store = &art.frames;
        assert_eq!(store.replayed_frames(), count - 3);
        assert!(store.byte_count() < kept.frames.byte_count());
        let replay = store_replay(store);
        let mut canvas = Canvas::default();
        for round in 0..2 {
            for (i, (want, _)) in frames.iter().enumerate() {
                assert!(replay.settle(Duration::from_secs(10)));
                let got = rendered(store, i, &mut canvas);
                assert!(got.as_ref() == Some(want), "round {round} frame {i}");
            }
        }
    }

    #[test]
    fn a_second_reader_does_not_send_the_first_round_the_file() {
        // The window plays frame i + 32 while an export renders frame i.
        let (side, count) = (16, 64);
        let bytes = encode::gif(side, side, &many_colours(side, count)).unwrap();
        let limits = DecodeLimits {
            keep_bytes: 0,
            ..DecodeLimits::default()
        };
        let art = frame_store::decode(&bytes, &limits).unwrap();
        let store = &art.frames;
        assert_eq!(store.replayed_frames(), count - 1);
        let export = store.reader();
        let (mut shown, mut exported) = (Canvas::default(), Canvas::default());
        for i in 0..count {
            let played = (i + count / 2) % count;
            // A paint waits only briefly: ask until the frame is there.
            let ok = (0..400).any(|_| export.render(i, |p| p, &mut exported));
            assert!(ok, "exported frame {i}");
            let ok = (0..400).any(|_| store.render(played, |p| p, &mut shown));
            assert!(ok, "played frame {played}");
        }
        let decoded = store.replay_decodes() + export.replay_decodes();
        assert!(decoded <= 3 * count as u64, "{decoded} frames decoded");
    }

    /// Frame `i` as straight RGBA, rendered on `canvas`; None when not in time.
    fn rendered(
        store: &frame_store::FrameStore,
        i: usize,
        canvas: &mut Canvas<[u8; 4]>,
    ) -> Option<Vec<u8>> {
        store
            .render(i, |p| p, canvas)
            .then(|| canvas.pixels().iter().flatten().copied().collect())
    }

    fn store_replay(store: &frame_store::FrameStore) -> &Replay {
        store
            .replay_handle()
            .expect("a replay for frames left in the file")
    }
}
