//! GIF frames composited onto the canvas straight from their palette indices.
//!
//! The `image` crate's GIF frames expand each frame to RGBA first and then
//! blend it pixel by pixel through bounds-checked lookups, which made GIF the
//! one format the player decoded slower than Pillow. Here each frame's
//! indices go through a 256-entry table onto a copy of the canvas, row by
//! row. The result is the same frames: a transparent index, or one past the
//! palette, shows the canvas beneath; disposal follows `image` (keep, clear
//! the frame's rectangle to transparent, or restore what was before it).
//!
//! Each frame is written into the buffer the caller handed back through
//! [`Spare`] after the frame before, if it did: a frame played from the file
//! again and again then costs no allocation.

use std::cell::Cell;
use std::io::Read;
use std::rc::Rc;

use gif::{ColorOutput, DisposalMethod};
use image::error::{DecodingError, ImageFormatHint, LimitError, LimitErrorKind};
use image::{Delay, Frame, Frames, ImageError, ImageFormat, ImageResult, RgbaImage};

/// Where the caller puts a frame's buffer back when done with it, for the
/// next frame to be written into.
pub type Spare = Rc<Cell<Vec<u8>>>;

/// Opens a GIF: its canvas size, its composited frames and their [`Spare`].
pub fn open<'a, R: Read + 'a>(input: R) -> ImageResult<(u32, u32, Frames<'a>, Spare)> {
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(ColorOutput::Indexed);
    let decoder = options.read_info(input).map_err(error)?;
    let (width, height) = (u32::from(decoder.width()), u32::from(decoder.height()));
    let global = decoder.global_palette().unwrap_or_default().to_vec();
    let spare = Spare::default();
    let frames = Composited {
        decoder,
        global,
        width: usize::from(width as u16),
        height: usize::from(height as u16),
        canvas: Vec::new(),
        spare: Rc::clone(&spare),
        done: false,
    };
    Ok((width, height, Frames::new(Box::new(frames)), spare))
}

fn error(err: gif::DecodingError) -> ImageError {
    match err {
        gif::DecodingError::Io(io) => ImageError::IoError(io),
        other => ImageError::Decoding(DecodingError::new(
            ImageFormatHint::Exact(ImageFormat::Gif),
            other,
        )),
    }
}

struct Composited<R: Read> {
    decoder: gif::Decoder<R>,
    /// The colour table of frames without their own.
    global: Vec<u8>,
    width: usize,
    height: usize,
    /// What the next frame is drawn over (after the last one's disposal).
    canvas: Vec<u8>,
    spare: Spare,
    done: bool,
}

impl<R: Read> Composited<R> {
    fn next_frame(&mut self) -> ImageResult<Option<Frame>> {
        let Some(frame) = self.decoder.read_next_frame().map_err(error)? else {
            return Ok(None);
        };
        if self.canvas.is_empty() {
            self.canvas = vec![0; self.width * self.height * 4];
        }
        let palette = match &frame.palette {
            Some(local) => local.as_slice(),
            None => self.global.as_slice(),
        };
        // None: the pixel beneath shows through.
        let mut table = [None; 256];
        for (index, slot) in table.iter_mut().enumerate() {
            if frame.transparent != Some(index as u8)
                && let Some(rgb) = palette.get(index * 3..index * 3 + 3)
            {
                *slot = Some([rgb[0], rgb[1], rgb[2], 255]);
            }
        }
        let mut out = self.spare.take();
        out.clear();
        out.extend_from_slice(&self.canvas);
        let (left, top) = (usize::from(frame.left), usize::from(frame.top));
        let frame_width = usize::from(frame.width);
        // The part of the frame's rectangle that lies on the canvas; a frame
        // wholly outside it (left or top past the edge) draws nothing, and its
        // start would lie past the canvas's end.
        let columns = frame_width.min(self.width.saturating_sub(left));
        let rows = match columns {
            0 => 0,
            _ => usize::from(frame.height).min(self.height.saturating_sub(top)),
        };
        if rows > 0 {
            for (row, indices) in frame
                .buffer
                .chunks_exact(frame_width)
                .take(rows)
                .enumerate()
            {
                let start = ((top + row) * self.width + left) * 4;
                let pixels = &mut out[start..start + columns * 4];
                for (pixel, &index) in pixels.chunks_exact_mut(4).zip(indices) {
                    if let Some(colour) = table[usize::from(index)] {
                        pixel.copy_from_slice(&colour);
                    }
                }
            }
        }
        for row in 0..rows {
            let start = ((top + row) * self.width + left) * 4;
            let span = start..start + columns * 4;
            match frame.dispose {
                DisposalMethod::Any | DisposalMethod::Keep => {
                    self.canvas[span.clone()].copy_from_slice(&out[span]);
                }
                DisposalMethod::Background => self.canvas[span].fill(0),
                DisposalMethod::Previous => {}
            }
        }
        let delay = Delay::from_numer_denom_ms(u32::from(frame.delay) * 10, 1);
        let Some(image) = RgbaImage::from_raw(self.width as u32, self.height as u32, out) else {
            let kind = LimitErrorKind::InsufficientMemory;
            return Err(ImageError::Limits(LimitError::from_kind(kind)));
        };
        Ok(Some(Frame::from_parts(image, 0, 0, delay)))
    }
}

impl<R: Read> Iterator for Composited<R> {
    type Item = ImageResult<Frame>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_frame() {
            Ok(Some(frame)) => Some(Ok(frame)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(err) => {
                self.done = true;
                Some(Err(err))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::AnimationDecoder;
    use image::codecs::gif::GifDecoder;
    use std::borrow::Cow;
    use std::io::Cursor;

    /// A frame at (`left`, `top`) of `size`, with its own colour table if given.
    fn part(
        (left, top): (u16, u16),
        (width, height): (u16, u16),
        indices: Vec<u8>,
        palette: Option<Vec<u8>>,
        transparent: Option<u8>,
        dispose: DisposalMethod,
    ) -> gif::Frame<'static> {
        gif::Frame {
            left,
            top,
            width,
            height,
            buffer: Cow::Owned(indices),
            palette,
            transparent,
            dispose,
            delay: 7,
            ..gif::Frame::default()
        }
    }

    /// A GIF exercising what compositing must get right: a partial frame
    /// with a local palette and a transparent index, each disposal method,
    /// a frame reaching past the canvas and an index past the palette.
    fn tricky() -> Vec<u8> {
        let global = [0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255];
        let local = Some(vec![9, 9, 9, 200, 100, 50]);
        let frames = [
            part(
                (0, 0),
                (8, 6),
                (0..48).map(|i| i % 3).collect(),
                None,
                None,
                DisposalMethod::Keep,
            ),
            part(
                (2, 1),
                (3, 3),
                vec![0, 1, 0, 1, 3, 1, 0, 1, 0],
                local,
                Some(0),
                DisposalMethod::Background,
            ),
            part(
                (1, 2),
                (4, 2),
                vec![2; 8],
                None,
                None,
                DisposalMethod::Previous,
            ),
            part(
                (6, 4),
                (4, 4),
                vec![1; 16],
                None,
                Some(2),
                DisposalMethod::Keep,
            ),
            part(
                (0, 0),
                (8, 6),
                vec![2; 48],
                None,
                Some(2),
                DisposalMethod::Any,
            ),
        ];
        let mut out = Vec::new();
        {
            let mut encoder = gif::Encoder::new(&mut out, 8, 6, &global).unwrap();
            for frame in &frames {
                encoder.write_frame(frame).unwrap();
            }
        }
        out
    }

    #[test]
    fn frames_match_the_image_crates_compositing() {
        let bytes = tricky();
        let theirs: Vec<Frame> = GifDecoder::new(Cursor::new(&bytes))
            .unwrap()
            .into_frames()
            .collect::<ImageResult<_>>()
            .unwrap();
        let (width, height, ours, _) = open(Cursor::new(&bytes)).unwrap();
        let ours: Vec<Frame> = ours.collect::<ImageResult<_>>().unwrap();
        assert_eq!((width, height), (8, 6));
        assert_eq!(ours.len(), theirs.len());
        for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
            assert_eq!(a.buffer(), b.buffer(), "frame {i}");
            assert_eq!(a.delay(), b.delay(), "frame {i}");
        }
    }

    #[test]
    fn frames_outside_the_canvas_are_clipped_without_a_panic() {
        let global = [0, 0, 0, 255, 0, 0];
        let frames = [
            part((0, 0), (2, 2), vec![1; 4], None, None, DisposalMethod::Keep),
            // Right of the canvas, below it, and past both.
            part(
                (5, 0),
                (3, 1),
                vec![0; 3],
                None,
                None,
                DisposalMethod::Background,
            ),
            part((0, 9), (1, 3), vec![0; 3], None, None, DisposalMethod::Keep),
            part(
                (7, 7),
                (4, 4),
                vec![0; 16],
                None,
                None,
                DisposalMethod::Keep,
            ),
        ];
        let mut bytes = Vec::new();
        {
            let mut encoder = gif::Encoder::new(&mut bytes, 2, 2, &global).unwrap();
            for frame in &frames {
                encoder.write_frame(frame).unwrap();
            }
        }
        let (_, _, ours, _) = open(Cursor::new(&bytes)).unwrap();
        let ours: Vec<Frame> = ours.collect::<ImageResult<_>>().unwrap();
        assert_eq!(ours.len(), 4);
        // Nothing outside the canvas touched what is on it.
        for frame in &ours {
            assert_eq!(frame.buffer().as_raw(), &[255, 0, 0, 255].repeat(4));
        }
    }

    /// A buffer handed back is written over by the next frame, which is
    /// still composited right: no allocation per frame.
    #[test]
    fn each_frame_is_written_into_the_buffer_handed_back() {
        let bytes = tricky();
        let (_, _, plain, _) = open(Cursor::new(&bytes)).unwrap();
        let want: Vec<Vec<u8>> = plain.map(|f| f.unwrap().into_buffer().into_raw()).collect();
        let (_, _, mut frames, spare) = open(Cursor::new(&bytes)).unwrap();
        let mut at = None;
        for (i, want) in want.iter().enumerate() {
            let rgba = frames.next().unwrap().unwrap().into_buffer().into_raw();
            assert_eq!(&rgba, want, "frame {i}");
            if let Some(at) = at {
                assert_eq!(rgba.as_ptr(), at, "frame {i} was given new memory");
            }
            at = Some(rgba.as_ptr());
            spare.set(rgba);
        }
    }

    #[test]
    fn a_cut_file_is_an_error_not_a_short_animation() {
        let bytes = tricky();
        let (_, _, frames, _) = open(Cursor::new(&bytes[..bytes.len() - 30])).unwrap();
        assert!(frames.collect::<ImageResult<Vec<_>>>().is_err());
    }
}
