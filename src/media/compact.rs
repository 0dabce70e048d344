//! One composited frame made compact: a palette with its indices (whole, or
//! only what changed since the previous frame), or run-length-coded RGBA when
//! the frame has more than 256 colours. Indices are kept run-length coded or
//! bit-packed, whichever is smaller: long runs of one colour suit the first,
//! few colours changing every pixel (dithering, moving stripes) the second.

use std::borrow::Cow;

use super::packed::Packed;
use super::run_length::Runs;

/// Slots in the colour lookup table while building a palette: a power of two
/// well over 256 keeps probe chains short.
const TABLE_SLOTS: usize = 1024;
const MAX_PALETTE: usize = 256;
/// While a change frame is built, this index means "as in the previous
/// frame", so such a frame holds at most 255 colours. Once built it becomes
/// the first index past the palette, which keeps bit-packing possible.
const KEEP: u8 = u8::MAX;

/// How a frame's changes since the previous one fit a palette.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scan {
    /// Not a change frame: a key frame, or the first.
    NotTried,
    Fits,
    /// Over 255 colours among the changes (one index means "unchanged").
    TooManyForChanges,
    /// Over 256 among the changes: the whole frame cannot fit either.
    OverPalette,
}

/// Palette indices, stored the smaller way.
#[derive(Clone, Debug)]
pub(crate) enum Indices {
    Runs(Runs<u8>),
    Packed(Packed),
}

impl Indices {
    fn bytes(&self) -> u64 {
        match self {
            Indices::Runs(runs) => runs.bytes(),
            Indices::Packed(packed) => packed.bytes(),
        }
    }

    fn apply<P: Copy>(&self, map: impl Fn(u8) -> Option<P>, out: &mut [P]) {
        match self {
            Indices::Runs(runs) => runs.apply(map, out),
            Indices::Packed(packed) => packed.apply(map, out),
        }
    }
}

#[derive(Clone, Debug)]
pub enum Pixels {
    /// At most 256 colours.
    Indexed {
        palette: Box<[[u8; 4]]>,
        indices: Indices,
    },
    /// Only the pixels that differ from the previous frame; an index past
    /// the palette elsewhere.
    Changes {
        palette: Box<[[u8; 4]]>,
        indices: Indices,
    },
    /// Too many colours for a palette.
    Direct(Runs<[u8; 4]>),
    /// Too many colours, and decoded again from the file when it comes due
    /// (see `replay`) rather than kept.
    Elsewhere,
}

impl Pixels {
    pub fn bytes(&self) -> u64 {
        match self {
            Pixels::Indexed { palette, indices } | Pixels::Changes { palette, indices } => {
                palette.len() as u64 * 4 + indices.bytes()
            }
            Pixels::Direct(runs) => runs.bytes(),
            Pixels::Elsewhere => 0,
        }
    }

    pub(crate) fn is_key(&self) -> bool {
        !matches!(self, Pixels::Changes { .. })
    }

    pub fn is_direct(&self) -> bool {
        matches!(self, Pixels::Direct(_))
    }

    pub(crate) fn is_elsewhere(&self) -> bool {
        matches!(self, Pixels::Elsewhere)
    }

    pub fn is_packed(&self) -> bool {
        matches!(
            self,
            Pixels::Indexed {
                indices: Indices::Packed(_),
                ..
            } | Pixels::Changes {
                indices: Indices::Packed(_),
                ..
            }
        )
    }

    /// Paints this frame over `out`, which holds the previous frame for a change frame.
    pub fn apply<P: Copy>(&self, map: &impl Fn([u8; 4]) -> P, out: &mut [P]) {
        match self {
            Pixels::Indexed { palette, indices } | Pixels::Changes { palette, indices } => {
                let mapped: Vec<P> = palette.iter().map(|c| map(*c)).collect();
                // An index past the palette leaves the pixel alone.
                indices.apply(|i| mapped.get(usize::from(i)).copied(), out);
            }
            Pixels::Direct(runs) => runs.apply(|p| Some(map(p)), out),
            // The caller paints it from the replayed file.
            Pixels::Elsewhere => {}
        }
    }
}

/// Reused between frames so compacting allocates only what is kept.
#[derive(Default)]
pub(crate) struct Scratch {
    /// `(colour + 1, index)`; a zero key marks an empty slot.
    table: Vec<(u64, u8)>,
    palette: Vec<[u8; 4]>,
    indices: Vec<u8>,
    control: Vec<u8>,
    index_values: Vec<u8>,
    pixels: Vec<[u8; 4]>,
    pixel_values: Vec<[u8; 4]>,
    /// The previous frame's bytes, for change frames.
    previous: Vec<u8>,
    /// The frame before that, when `recycle`: a buffer the decoder can
    /// write the next frame into rather than allocate one.
    spare: Vec<u8>,
    pub recycle: bool,
    /// Frames of more than 256 colours after the first are left in the file
    /// and replayed from it rather than kept (set when the file is at hand).
    pub on_demand: bool,
}

impl Scratch {
    /// Compacts a frame, as changes to the previous frame unless `key` or
    /// the changes need more than 255 colours. A frame whose every pixel
    /// changed is kept whole (a key frame): it needs nothing from before.
    /// Without `direct`, a frame of more than 256 colours is not kept at all
    /// ([`Pixels::Elsewhere`]).
    pub fn compact(&mut self, rgba: Cow<'_, [u8]>, key: bool, direct: bool) -> Pixels {
        let scan = if !key && self.previous.len() == rgba.len() {
            self.index_changes(&rgba)
        } else {
            Scan::NotTried
        };
        let pixels = if scan == Scan::Fits {
            let keep = self.palette.len() as u8;
            let mut kept = false;
            for index in &mut self.indices {
                let same = *index == KEEP;
                kept |= same;
                *index = if same { keep } else { *index };
            }
            let indices = self.pack_indices(self.palette.len() + usize::from(kept));
            let palette = self.palette.as_slice().into();
            if kept {
                Pixels::Changes { palette, indices }
            } else {
                Pixels::Indexed { palette, indices }
            }
        } else {
            // Over 256 colours among the changes alone: the whole frame has as many.
            self.compact_key(&rgba, direct, scan != Scan::OverPalette)
        };
        self.remember(rgba);
        pixels
    }

    /// A frame not kept at all ([`Pixels::Elsewhere`]): only remembered as
    /// the previous frame, as a compacted one is.
    pub fn leave(&mut self, rgba: Cow<'_, [u8]>) -> Pixels {
        self.remember(rgba);
        Pixels::Elsewhere
    }

    fn remember(&mut self, rgba: Cow<'_, [u8]>) {
        // A frame handed over is kept as it is, not copied.
        match rgba {
            Cow::Owned(frame) => {
                let before = std::mem::replace(&mut self.previous, frame);
                if self.recycle {
                    self.spare = before;
                }
            }
            Cow::Borrowed(frame) => {
                self.previous.clear();
                self.previous.extend_from_slice(frame);
            }
        }
    }

    /// The buffer of the frame before the previous one, if any (else empty).
    pub(crate) fn take_spare(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.spare)
    }

    /// `indices` run-length coded or packed, whichever is smaller.
    fn pack_indices(&mut self, symbols: usize) -> Indices {
        let runs = Runs::encode(&self.indices, &mut self.control, &mut self.index_values);
        match Packed::encode(&self.indices, symbols) {
            Some(packed) if packed.bytes() < runs.bytes() => Indices::Packed(packed),
            _ => Indices::Runs(runs),
        }
    }

    /// Like `index`, with [`KEEP`] for pixels equal to the previous frame's.
    fn index_changes(&mut self, rgba: &[u8]) -> Scan {
        self.reset_palette();
        let previous = std::mem::take(&mut self.previous);
        let mut scan = Scan::Fits;
        let mut last: Option<(u32, u8)> = None;
        let pairs = rgba.chunks_exact(4).zip(previous.chunks_exact(4));
        for (at, (chunk, before)) in pairs.enumerate() {
            let colour = word(chunk);
            if colour == word(before) {
                self.indices.push(KEEP);
                continue;
            }
            if let Some((last_colour, index)) = last
                && last_colour == colour
            {
                self.indices.push(index);
                continue;
            }
            match self.lookup(colour, MAX_PALETTE - 1) {
                Some(index) => {
                    self.indices.push(index);
                    last = Some((colour, index));
                }
                None => {
                    scan = self.rest_of_changes(&rgba[at * 4..], &previous[at * 4..]);
                    break;
                }
            }
        }
        self.previous = previous;
        scan
    }

    /// After a change frame ran out of indices at the first of `rgba`: whether
    /// its changes go on past 256 colours, which no key frame can hold either
    /// (so many-colour frames are scanned once, not twice).
    fn rest_of_changes(&mut self, rgba: &[u8], previous: &[u8]) -> Scan {
        for (chunk, before) in rgba.chunks_exact(4).zip(previous.chunks_exact(4)) {
            let colour = word(chunk);
            if colour != word(before) && self.lookup(colour, MAX_PALETTE).is_none() {
                return Scan::OverPalette;
            }
        }
        Scan::TooManyForChanges
    }

    fn reset_palette(&mut self) {
        self.table.clear();
        self.table.resize(TABLE_SLOTS, (0, 0));
        self.palette.clear();
        self.indices.clear();
        self.indices.reserve(self.previous.len() / 4);
    }

    fn compact_key(&mut self, rgba: &[u8], direct: bool, may_fit: bool) -> Pixels {
        if may_fit && self.index(rgba) {
            let indices = self.pack_indices(self.palette.len());
            return Pixels::Indexed {
                palette: self.palette.as_slice().into(),
                indices,
            };
        }
        if !direct {
            return Pixels::Elsewhere;
        }
        self.pixels.clear();
        self.pixels.extend(rgba.chunks_exact(4).map(pixel));
        Pixels::Direct(Runs::encode(
            &self.pixels,
            &mut self.control,
            &mut self.pixel_values,
        ))
    }

    /// Fills `palette` and `indices`; false once a 257th colour turns up.
    fn index(&mut self, rgba: &[u8]) -> bool {
        self.reset_palette();
        let mut last: Option<(u32, u8)> = None;
        for chunk in rgba.chunks_exact(4) {
            let colour = word(chunk);
            // Pixel art repeats its neighbour most of the time.
            if let Some((last_colour, index)) = last
                && last_colour == colour
            {
                self.indices.push(index);
                continue;
            }
            let Some(index) = self.lookup(colour, MAX_PALETTE) else {
                return false;
            };
            self.indices.push(index);
            last = Some((colour, index));
        }
        true
    }

    /// The colour's palette index, added if new and the palette has fewer than `max`.
    fn lookup(&mut self, colour: u32, max: usize) -> Option<u8> {
        let key = u64::from(colour) + 1;
        let mask = TABLE_SLOTS - 1;
        let mut slot = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 54) as usize & mask;
        loop {
            let (held, index) = self.table[slot];
            if held == key {
                return Some(index);
            }
            if held == 0 {
                if self.palette.len() >= max {
                    return None;
                }
                // len < 256 here, so it fits in a byte.
                let index = self.palette.len() as u8;
                self.palette.push(colour.to_le_bytes());
                self.table[slot] = (key, index);
                return Some(index);
            }
            slot = (slot + 1) & mask;
        }
    }
}

/// A pixel's four bytes as one word, compared in one step.
fn word(chunk: &[u8]) -> u32 {
    u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]])
}

pub fn pixel(chunk: &[u8]) -> [u8; 4] {
    [chunk[0], chunk[1], chunk[2], chunk[3]]
}
