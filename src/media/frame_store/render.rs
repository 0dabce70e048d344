//! A store's frames painted onto a canvas: the frames kept compact, and those
//! left in the file from a replay thread, the store's own or a reader's.
//!
//! A replay decodes ahead of one cursor, the frame last asked for. The window
//! moves it as the animation plays; an export from the window renders every
//! frame in order at the same time, and through one cursor each would move
//! the other, every jump back a pass round the file (and a frame the window
//! let go of could fail the export). So the export reads through a [`Reader`]
//! with a decoder of its own, and each cursor moves on in order.

use super::super::compact::{Pixels, pixel};
use super::super::replay::Replay;
use super::{Canvas, FrameStore};

/// Reads a store's frames with a replay of its own for the frames left in the
/// file; the store's replay, and whoever plays from it, is left alone.
pub struct Reader<'a> {
    store: &'a FrameStore,
    replay: Option<Replay>,
}

impl FrameStore {
    /// Puts frame `index` into `canvas`, one mapped pixel per canvas pixel in
    /// row order; `map` turns straight RGBA into what the caller uploads (it
    /// runs once per palette entry for indexed frames). Moving on from the
    /// frame the canvas holds paints only the changes; otherwise it starts
    /// from the nearest key frame. Returns false when there is no such frame.
    pub fn render<P: Copy>(
        &self,
        index: usize,
        map: impl Fn([u8; 4]) -> P,
        canvas: &mut Canvas<P>,
    ) -> bool {
        self.render_from(self.replay.as_ref(), index, map, canvas)
    }

    /// Frame `index` as straight RGBA bytes.
    pub fn rgba(&self, index: usize) -> Option<Vec<u8>> {
        let mut canvas = Canvas::default();
        self.render(index, |p| p, &mut canvas)
            .then(|| canvas.pixels.into_iter().flatten().collect())
    }

    /// A reader of these frames with its own decoder for those left in the
    /// file (started now, from the first frame; ended when it is dropped).
    pub fn reader(&self) -> Reader<'_> {
        Reader {
            store: self,
            replay: self.replay.as_ref().map(Replay::another),
        }
    }

    /// `render`, with frames left in the file taken from `replay`.
    fn render_from<P: Copy>(
        &self,
        replay: Option<&Replay>,
        index: usize,
        map: impl Fn([u8; 4]) -> P,
        canvas: &mut Canvas<P>,
    ) -> bool {
        if index >= self.frames.len() {
            return false;
        }
        if canvas.frame == Some(index) {
            return true;
        }
        // Frame 0 is always a key frame.
        let key = (0..=index)
            .rev()
            .find(|&i| self.frames.get(i).is_some_and(Pixels::is_key))
            .unwrap_or(0);
        let start = match canvas.frame {
            Some(shown) if key <= shown && shown < index => shown + 1,
            _ => {
                let pixels = self.width as usize * self.height as usize;
                canvas.pixels.clear();
                canvas.pixels.resize(pixels, map([0; 4]));
                key
            }
        };
        for (at, frame) in self.frames.iter().enumerate().take(index + 1).skip(start) {
            if !frame.is_elsewhere() {
                frame.apply(&map, &mut canvas.pixels);
                continue;
            }
            let Some(rgba) = replay.and_then(|r| r.frame(at)) else {
                // Not decoded in time: the caller keeps showing what it has,
                // and the next call starts again from a key frame.
                canvas.frame = None;
                return false;
            };
            for (slot, chunk) in canvas.pixels.iter_mut().zip(rgba.chunks_exact(4)) {
                *slot = map(pixel(chunk));
            }
        }
        canvas.frame = Some(index);
        true
    }
}

impl Reader<'_> {
    /// As [`FrameStore::render`], from this reader's own decoder.
    pub fn render<P: Copy>(
        &self,
        index: usize,
        map: impl Fn([u8; 4]) -> P,
        canvas: &mut Canvas<P>,
    ) -> bool {
        self.store
            .render_from(self.replay.as_ref(), index, map, canvas)
    }

    /// Frames this reader's decoder has decoded again from the file.
    pub fn replay_decodes(&self) -> u64 {
        self.replay.as_ref().map_or(0, Replay::decoded)
    }
}
