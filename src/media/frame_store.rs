//! Animation frames kept compact, expanded to pixels one frame at a time.
//!
//! Why compact frames rather than streaming from the decoder: full RGBA costs
//! 256 KiB per 256×256 frame, so a 1000-frame animation would need 256 MB, and
//! as much again as textures. Pixel art almost always has at most 256 colours
//! per frame and long runs of one colour, and its frames mostly repeat the one
//! before. So each composited frame is stored as a palette plus indices
//! (run-length coded, or bit-packed when few colours change every pixel; see
//! `compact`), most of them only as what changed since the previous frame (an
//! index that means "keep"), with a whole key frame at least every
//! [`KEY_INTERVAL`] frames so reaching any frame takes a bounded number of
//! steps. A frame with more colours is kept as run-length-coded RGBA when it
//! is the first (it shows first) or when the file is not at hand; otherwise
//! it is left in the file and decoded again when it comes due (`replay`: a
//! thread keeps a ring of a few frames decoded ahead of the clock), so a
//! 1000-frame full-colour animation costs a few frames, not 1000.
//!
//! Streaming every animation that way would bound memory for any content
//! but costs a decode per frame shown, every loop, and a thread per
//! artwork; pixel art is mostly a few colours, so it is kept compact and
//! the clock stays a lookup. What is kept is capped by the decode limits'
//! memory budget, counted on the compact bytes, so a hostile file is refused
//! with the same sentence.
//!
//! Pixels are stored exactly (straight alpha, the colour of fully transparent
//! pixels included), so expanding a frame gives back the decoder's bytes.

use std::borrow::Cow;
use std::path::Path;
use std::time::Duration;

use std::sync::Arc;

use super::compact::{Pixels, Scratch};
use super::decode::{self, ArtFormat, DecodeError, DecodeLimits, FrameSink};
use super::early_frame::EarlyFirstFrame;
use super::png_profile::without_profile;
use super::replay::Replay;

mod render;
pub use render::Reader;

/// At most this many frames from one key frame to the next.
pub(crate) const KEY_INTERVAL: usize = 16;

/// Bytes each stored frame costs beyond its pixel data (its struct and boxes).
const FRAME_OVERHEAD: u64 = std::mem::size_of::<Pixels>() as u64;

/// An artwork's frames, each compacted on arrival. Frames may only be added
/// with the size of the first (the decoders composite onto one canvas).
#[derive(Default)]
pub struct FrameStore {
    width: u32,
    height: u32,
    frames: Vec<Pixels>,
    delays: Vec<Duration>,
    bytes: u64,
    /// Change frames since the last key frame.
    since_key: usize,
    // Boxed: only needed while decoding, and the store travels inside events.
    scratch: Box<Scratch>,
    /// Decodes those frames again as they come due.
    replay: Option<Replay>,
    /// Compact bytes kept before later frames are left in the file (when
    /// `on_demand`); see [`DecodeLimits`].
    keep_bytes: u64,
}

/// One rendered frame, kept between calls so the next frame only paints its changes.
pub struct Canvas<P> {
    pixels: Vec<P>,
    frame: Option<usize>,
}

impl<P> Default for Canvas<P> {
    fn default() -> Self {
        Self {
            pixels: Vec::new(),
            frame: None,
        }
    }
}

impl<P> Canvas<P> {
    pub fn pixels(&self) -> &[P] {
        &self.pixels
    }

    /// The frame the canvas holds, if any.
    pub fn frame(&self) -> Option<usize> {
        self.frame
    }

    /// Hands over the pixels without copying them, leaving the canvas empty.
    pub(crate) fn take_pixels(&mut self) -> Vec<P> {
        self.frame = None;
        std::mem::take(&mut self.pixels)
    }
}

impl FrameStore {
    /// A store for frames decoded from a file at hand: frames of many colours,
    /// and those past `limits.keep_bytes`, are left in it and replayed.
    fn for_file(limits: &DecodeLimits) -> Self {
        let mut frames = FrameStore {
            keep_bytes: limits.keep_bytes,
            ..FrameStore::default()
        };
        frames.scratch.on_demand = true;
        frames
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    pub fn frame_count(&self) -> usize {
        self.frames.len()
    }

    pub fn delays(&self) -> &[Duration] {
        &self.delays
    }

    /// Memory held by the frames themselves (what the decode budget counts).
    pub fn byte_count(&self) -> u64 {
        self.bytes
    }

    /// Memory held for the frames: what `byte_count` counts, and for frames
    /// played from the file, the file and the frames decoded from it.
    pub fn held_bytes(&self) -> u64 {
        let canvas = u64::from(self.width) * u64::from(self.height) * 4;
        let replay = self.replay.as_ref().map_or(0, |r| r.held_bytes(canvas));
        self.bytes + replay
    }

    /// How many frames are stored whole rather than as changes.
    pub fn key_frames(&self) -> usize {
        self.frames.iter().filter(|f| f.is_key()).count()
    }

    /// How many frames fell back to RGBA (more than 256 colours).
    pub fn direct_frames(&self) -> usize {
        self.frames.iter().filter(|f| f.is_direct()).count()
    }

    /// How many frames keep their palette indices bit-packed.
    pub fn packed_frames(&self) -> usize {
        self.frames.iter().filter(|f| f.is_packed()).count()
    }

    /// Adds a frame of `width * height * 4` straight-alpha bytes. The decoder
    /// checks every frame against the canvas first; should a length still be
    /// off, rendering pads or cuts to the canvas instead of failing.
    pub fn push(&mut self, rgba: &[u8], width: u32, height: u32, delay: Duration) {
        self.add(Cow::Borrowed(rgba), width, height, delay);
    }

    fn add(&mut self, rgba: Cow<'_, [u8]>, width: u32, height: u32, delay: Duration) {
        if self.frames.is_empty() {
            (self.width, self.height) = (width, height);
        }
        let key = self.frames.is_empty() || self.since_key + 1 >= KEY_INTERVAL;
        let direct = !self.scratch.on_demand || self.frames.is_empty();
        // Not `direct`: the file is at hand and this is not the first frame.
        let frame = if !direct && self.bytes >= self.keep_bytes {
            self.scratch.leave(rgba)
        } else {
            self.scratch.compact(rgba, key, direct)
        };
        self.since_key = if frame.is_key() {
            0
        } else {
            self.since_key + 1
        };
        self.bytes += frame.bytes() + FRAME_OVERHEAD;
        self.frames.push(frame);
        self.delays.push(delay);
    }

    /// How many frames are left in the file, decoded again when they come due.
    pub fn replayed_frames(&self) -> usize {
        self.frames.iter().filter(|f| f.is_elsewhere()).count()
    }

    /// Frames decoded again from the file so far (by the replay thread, which
    /// decodes a few ahead of the one last shown).
    pub fn replay_decodes(&self) -> u64 {
        self.replay.as_ref().map_or(0, Replay::decoded)
    }

    #[cfg(test)]
    pub(super) fn replay_handle(&self) -> Option<&Replay> {
        self.replay.as_ref()
    }

    /// Drops the scratch buffers once decoding is done, and starts replaying
    /// `bytes` if frames were left in them. A PNG's colour profile is cut out
    /// of the copy kept, once, rather than by the decoder on every lap.
    fn finish(&mut self, format: ArtFormat, bytes: &[u8], limits: &DecodeLimits) {
        *self.scratch = Scratch::default();
        self.frames.shrink_to_fit();
        self.delays.shrink_to_fit();
        if self.replayed_frames() > 0 {
            let file: Arc<[u8]> = match format {
                ArtFormat::Png | ArtFormat::Apng => Arc::from(without_profile(bytes).as_ref()),
                _ => Arc::from(bytes),
            };
            self.replay = Some(Replay::start(file, *limits, self.frames.len()));
        }
    }
}

impl FrameSink for FrameStore {
    fn keep(&mut self, rgba: Vec<u8>, width: u32, height: u32, delay: Duration) {
        self.add(Cow::Owned(rgba), width, height, delay);
    }

    /// The frame becomes the scratch's previous frame, and the one before
    /// goes back to the decoder to be written over.
    fn keep_buffer(&mut self, rgba: &mut Vec<u8>, width: u32, height: u32, delay: Duration) {
        self.scratch.recycle = true;
        self.add(Cow::Owned(std::mem::take(rgba)), width, height, delay);
        *rgba = self.scratch.take_spare();
    }

    fn kept_bytes(&self) -> u64 {
        self.bytes
    }

    fn make_still(&mut self) {
        if let [only] = self.delays.as_mut_slice() {
            *only = Duration::ZERO;
        }
    }
}

/// A decoded artwork whose frames are kept compact.
pub struct CompactArtwork {
    pub format: ArtFormat,
    pub frames: FrameStore,
}

impl CompactArtwork {
    pub fn width(&self) -> u32 {
        self.frames.width()
    }

    pub fn height(&self) -> u32 {
        self.frames.height()
    }

    pub fn is_animated(&self) -> bool {
        self.frames.frame_count() > 1
    }
}

/// Like [`decode::decode`], with the frames compacted as they arrive, so the
/// full RGBA of the whole animation never exists at once. The memory budget
/// in `limits` counts the compact bytes.
pub fn decode(bytes: &[u8], limits: &DecodeLimits) -> Result<CompactArtwork, DecodeError> {
    let mut frames = FrameStore::for_file(limits);
    let (format, _, _) = decode::decode_with(bytes, limits, &mut frames)?;
    frames.finish(format, bytes, limits);
    Ok(CompactArtwork { format, frames })
}

/// Like [`decode::decode_file`], with compact frames.
pub fn decode_file(path: &Path, limits: &DecodeLimits) -> Result<CompactArtwork, DecodeError> {
    let bytes = decode::read_file(path, limits)?;
    decode(&bytes, limits)
}

/// Like [`decode`]; for an animation, `early` first gets frame 0 alone (as a one-frame
/// artwork) while the rest decode.
pub fn decode_showing_first(
    bytes: &[u8],
    limits: &DecodeLimits,
    early: impl FnOnce(CompactArtwork),
) -> Result<CompactArtwork, DecodeError> {
    let mut frames = FrameStore::for_file(limits);
    let sniffed = ArtFormat::sniff(bytes);
    let (format, _, _) = {
        let mut tap = EarlyFirstFrame::new(&mut frames, |(rgba, width, height, delay)| {
            let mut one = FrameStore::default();
            one.push(&rgba, width, height, delay);
            if let Some(format) = sniffed {
                early(CompactArtwork {
                    format,
                    frames: one,
                });
            }
        });
        decode::decode_with(bytes, limits, &mut tap)?
    };
    frames.finish(format, bytes, limits);
    Ok(CompactArtwork { format, frames })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// `colours` distinct colours laid out in runs of `run` pixels, with a
    /// transparent pixel that keeps a non-zero colour.
    fn frame(width: u32, height: u32, colours: u32, run: u32, seed: u32) -> Vec<u8> {
        let mut rgba = Vec::new();
        for i in 0..width * height {
            let c = (i / run + seed) % colours;
            let alpha = if c == 1 { 0 } else { 255 };
            rgba.extend_from_slice(&[(c * 7) as u8, (c >> 8) as u8, (c * 13 + seed) as u8, alpha]);
        }
        rgba
    }

    fn store(frames: &[Vec<u8>], width: u32, height: u32) -> FrameStore {
        let mut store = FrameStore::default();
        for (i, rgba) in frames.iter().enumerate() {
            store.push(rgba, width, height, ms(10 + i as u64));
        }
        store
    }

    #[test]
    fn every_frame_round_trips_exactly() {
        let frames: Vec<Vec<u8>> = [(2, 1), (16, 5), (200, 1), (256, 3), (256, 200)]
            .iter()
            .enumerate()
            .map(|(seed, &(colours, run))| frame(37, 23, colours, run, seed as u32))
            .collect();
        let store = store(&frames, 37, 23);
        assert_eq!(store.frame_count(), frames.len());
        assert_eq!(store.direct_frames(), 0);
        for (i, want) in frames.iter().enumerate() {
            assert_eq!(store.rgba(i).as_ref(), Some(want), "frame {i}");
        }
        assert_eq!(store.delays(), &[ms(10), ms(11), ms(12), ms(13), ms(14)]);
        assert_eq!(store.rgba(frames.len()), None);
    }

    #[test]
    fn more_than_256_colours_fall_back_to_rgba_exactly() {
        let noisy = frame(40, 40, 1600, 1, 0);
        let borderline = frame(40, 40, 257, 2, 3);
        let store = store(&[noisy.clone(), borderline.clone()], 40, 40);
        assert_eq!(store.direct_frames(), 2);
        assert_eq!(store.rgba(0), Some(noisy.clone()));
        assert_eq!(store.rgba(1), Some(borderline));
        // Incompressible pixels cost at most one control byte per 128.
        let raw = noisy.len() as u64;
        let frame_bytes = store.byte_count() / 2;
        assert!(frame_bytes <= raw + raw / 4 / 128 + 1 + FRAME_OVERHEAD);
    }

    #[test]
    fn transparency_is_kept_with_its_colour() {
        let rgba = vec![
            0, 0, 0, 0, //
            255, 0, 0, 0, // invisible, but not black
            10, 20, 30, 128, //
            10, 20, 30, 255,
        ];
        let store = store(std::slice::from_ref(&rgba), 2, 2);
        assert_eq!(store.rgba(0), Some(rgba));
    }

    #[test]
    fn flat_pixel_art_is_far_smaller_than_rgba() {
        let side = 256;
        let frames: Vec<Vec<u8>> = (0..10).map(|s| frame(side, side, 12, 16, s)).collect();
        let store = store(&frames, side, side);
        let raw: u64 = frames.iter().map(|f| f.len() as u64).sum();
        assert!(
            store.byte_count() * 20 < raw,
            "{} of {raw}",
            store.byte_count()
        );
    }

    #[test]
    fn expansion_maps_each_palette_colour_once() {
        use std::cell::Cell;
        let rgba = frame(64, 64, 5, 1, 0);
        let store = store(std::slice::from_ref(&rgba), 64, 64);
        let calls = Cell::new(0);
        let mut canvas = Canvas::default();
        assert!(store.render(
            0,
            |p| {
                calls.set(calls.get() + 1);
                u32::from_le_bytes(p)
            },
            &mut canvas
        ));
        assert_eq!(canvas.pixels().len(), 64 * 64);
        // Five colours plus the blank used for padding.
        assert_eq!(calls.get(), 6);
    }

    /// A sprite moving over a fixed scene, as most pixel-art animations are.
    fn moving(count: usize) -> Vec<Vec<u8>> {
        let scene = frame(48, 32, 20, 6, 0);
        (0..count)
            .map(|n| {
                let mut rgba = scene.clone();
                for y in 0..5 {
                    let row = (y + n % 20) * 48 * 4 + (n * 2 % 40) * 4;
                    rgba[row..row + 20].copy_from_slice(&[n as u8, 9, 200, 255].repeat(5));
                }
                rgba
            })
            .collect()
    }

    #[test]
    fn frames_that_mostly_repeat_are_kept_as_changes() {
        let frames = moving(40);
        let store = store(&frames, 48, 32);
        // Keys at 0, 16 and 32: never more than KEY_INTERVAL apart.
        assert_eq!(store.key_frames(), 3);
        for (i, want) in frames.iter().enumerate() {
            assert_eq!(store.rgba(i).as_ref(), Some(want), "frame {i}");
        }
        // Under a third of what 40 whole frames would take, even on this small canvas.
        let whole = super::tests::store(&frames[..1], 48, 32).byte_count();
        assert!(
            store.byte_count() * 3 < whole * 40,
            "{} vs {whole}",
            store.byte_count()
        );
    }

    #[test]
    fn one_canvas_follows_playback_forwards_backwards_and_round_the_loop() {
        let frames = moving(40);
        let store = store(&frames, 48, 32);
        let mut canvas = Canvas::default();
        let order = [0, 1, 2, 5, 15, 16, 17, 39, 0, 38, 3, 3, 20, 19, 31, 32, 33];
        for index in order {
            assert!(store.render(index, |p| p, &mut canvas));
            assert_eq!(canvas.frame(), Some(index));
            let got: Vec<u8> = canvas.pixels().iter().flatten().copied().collect();
            assert!(got == frames[index], "frame {index}");
        }
        assert!(!store.render(40, |p| p, &mut canvas));
        assert_eq!(canvas.frame(), Some(33));
    }

    #[test]
    fn changes_with_too_many_colours_become_a_key_frame() {
        let frames = vec![
            frame(30, 30, 4, 30, 0),
            frame(30, 30, 256, 1, 1),
            frame(30, 30, 256, 1, 1),
        ];
        let store = store(&frames, 30, 30);
        // Frame 1 changes nearly every pixel to 256 colours: only a key frame holds them.
        assert_eq!(store.key_frames(), 2);
        for (i, want) in frames.iter().enumerate() {
            assert_eq!(store.rgba(i).as_ref(), Some(want), "frame {i}");
        }
    }

    #[test]
    fn changes_of_over_256_colours_after_a_flat_frame_are_kept_exactly() {
        // Found over 256 colours while scanning the changes: stored as RGBA
        // without a second, whole-frame scan, and still exact.
        let frames = vec![frame(40, 40, 4, 40, 0), frame(40, 40, 1600, 1, 0)];
        let store = store(&frames, 40, 40);
        assert_eq!(store.direct_frames(), 1);
        for (i, want) in frames.iter().enumerate() {
            assert_eq!(store.rgba(i).as_ref(), Some(want), "frame {i}");
        }
    }

    #[test]
    fn few_colours_changing_every_pixel_are_bit_packed() {
        // Diagonal stripes of 4 colours moving a pixel per frame: no run
        // longer than one pixel, no pixel kept from the frame before.
        let side = 256;
        let colours = [
            [0, 0, 0, 255],
            [255, 0, 0, 255],
            [0, 255, 0, 255],
            [0, 0, 255, 255],
        ];
        let frames: Vec<Vec<u8>> = (0..20)
            .map(|n| {
                (0..side * side)
                    .flat_map(|i| colours[(i % side + i / side + n) % 4])
                    .collect()
            })
            .collect();
        let store = store(&frames, side as u32, side as u32);
        // Two bits a pixel: 16 KiB a frame, not the 64 KiB of a byte per index.
        let per_frame = store.byte_count() / frames.len() as u64;
        assert!(per_frame <= 16 * 1024 + 64 + FRAME_OVERHEAD, "{per_frame}");
        assert_eq!(store.packed_frames(), frames.len());
        let mut canvas = Canvas::default();
        for (i, want) in frames.iter().enumerate() {
            assert!(store.render(i, |p| p, &mut canvas));
            let got: Vec<u8> = canvas.pixels().iter().flatten().copied().collect();
            assert!(got == *want, "frame {i}");
        }
    }

    #[test]
    fn sparse_changes_of_few_colours_round_trip_packed() {
        // Every other pixel flips between two colours: changes with a keep
        // index, three symbols, packed at two bits.
        let side = 64;
        let frames: Vec<Vec<u8>> = (0..6)
            .map(|n| {
                (0..side * side)
                    .flat_map(|i| {
                        if i % 2 == 0 && n % 2 == 1 {
                            [9, 9, 9, 255]
                        } else if i % 2 == 0 {
                            [1, 2, 3, 255]
                        } else {
                            [200, 0, 0, 255]
                        }
                    })
                    .collect()
            })
            .collect();
        let store = store(&frames, side as u32, side as u32);
        assert_eq!(store.key_frames(), 1);
        assert_eq!(store.packed_frames(), frames.len());
        for (i, want) in frames.iter().enumerate() {
            assert_eq!(store.rgba(i).as_ref(), Some(want), "frame {i}");
        }
    }

    #[test]
    fn a_one_frame_animation_becomes_still() {
        let mut store = store(&[frame(2, 2, 2, 1, 0)], 2, 2);
        store.make_still();
        assert_eq!(store.delays(), &[Duration::ZERO]);
    }
}
