//! An animated WebP's composited frames, read from `image-webp` into one
//! reused buffer.
//!
//! `image`'s `into_frames()` allocated and zeroed a new image for every
//! frame, and for a file without alpha (where `image-webp` hands out RGB)
//! converted that into a second, RGBA image: two canvases of allocation
//! and copying per frame around a decode that costs about as much. Here
//! the decoder writes each frame into a buffer the sink hands back (the
//! frame store returns the one before the frame it keeps as "previous"),
//! and always as RGBA: a file without alpha is read with its header's alpha
//! flag set (`image-webp` then skips its RGB copy of the canvas) and its
//! alpha set opaque after, which is the RGB it would have given. Compositing,
//! disposal and blending stay `image-webp`'s. A frame marked "dispose to
//! background" leaves its rectangle transparent for the next, as browsers and
//! libwebp do (the file's background colour is only a hint, which they ignore);
//! `image-webp` disposes only when given a colour, which `image` never gave.

use std::io::Cursor;
use std::time::{Duration, Instant};

use image::ImageFormat;
use image::error::{DecodingError as ImageDecodingError, ImageError};
use image_webp::{DecodingError, WebPDecoder};

use super::decode::{
    ArtFormat, DecodeError, DecodeLimits, FrameSink, canvas_bytes, normalize_delay,
};
use super::decode_error::{damaged, image_error};
use super::frame_gate::FrameGate;

const FORMAT: ArtFormat = ArtFormat::WebP;
/// Where the extended header's flags byte is, and its alpha and animation bits.
const FLAGS_AT: usize = 20;
const ALPHA_FLAG: u8 = 0x10;
const ANIMATION_FLAG: u8 = 0x02;
/// What "dispose to background" clears a frame's rectangle to.
const TRANSPARENT: [u8; 4] = [0; 4];

/// Decodes every frame of an animated WebP into `sink`, under the same
/// per-frame limits as the other animations; `None` when the file is not
/// an animation (a still goes through `image`'s own still path).
pub(super) fn decode_animation(
    bytes: &[u8],
    limits: &DecodeLimits,
    sink: &mut impl FrameSink,
) -> Option<Result<(ArtFormat, u32, u32), DecodeError>> {
    let flags = *bytes.get(FLAGS_AT)?;
    if bytes.get(12..16)? != b"VP8X" || flags & ANIMATION_FLAG == 0 {
        return None;
    }
    let opaque = flags & ALPHA_FLAG == 0;
    let mut with_alpha;
    let bytes = if opaque {
        with_alpha = bytes.to_vec();
        with_alpha[FLAGS_AT] |= ALPHA_FLAG;
        &with_alpha[..]
    } else {
        bytes
    };
    let mut decoder = match WebPDecoder::new(Cursor::new(bytes)) {
        Ok(decoder) if decoder.is_animated() => decoder,
        Ok(_) => return None,
        Err(err) => return Some(Err(webp_error(err, limits))),
    };
    if let Err(err) = decoder.set_background_color(TRANSPARENT) {
        return Some(Err(webp_error(err, limits)));
    }
    Some(read_frames(&mut decoder, opaque, limits, sink))
}

fn read_frames(
    decoder: &mut WebPDecoder<Cursor<&[u8]>>,
    opaque: bool,
    limits: &DecodeLimits,
    sink: &mut impl FrameSink,
) -> Result<(ArtFormat, u32, u32), DecodeError> {
    let (width, height) = decoder.dimensions();
    super::decode::check_canvas(FORMAT, width, height, limits)?;
    let memory = limits.image_limits().max_alloc.unwrap_or(u64::MAX);
    decoder.set_memory_limit(usize::try_from(memory).unwrap_or(usize::MAX));
    // RGBA: the header says alpha, as set above if it did not.
    let size = decoder
        .output_buffer_size()
        .filter(|&size| size as u64 == canvas_bytes(width, height))
        .ok_or_else(|| damaged(FORMAT, "its header is inconsistent"))?;
    let mut frame = Vec::new();
    let mut gate = FrameGate::new(FORMAT, Instant::now());
    while sink.wants_more() {
        // The sink's buffer back holds an older frame, or nothing yet.
        frame.resize(size, 0);
        let millis = match decoder.read_frame(&mut frame) {
            Ok(millis) => millis,
            Err(DecodingError::NoMoreFrames) => break,
            Err(err) => return Err(webp_error(err, limits)),
        };
        gate.admit(width, height, sink.kept_bytes(), limits)?;
        if opaque {
            // As whole words, so that it runs as vector ORs.
            let (pixels, _) = frame.as_chunks_mut::<4>();
            for pixel in pixels {
                *pixel = (u32::from_le_bytes(*pixel) | 0xff00_0000).to_le_bytes();
            }
        }
        let delay = normalize_delay(Duration::from_millis(u64::from(millis)));
        sink.keep_buffer(&mut frame, width, height, delay);
    }
    gate.finish(sink)?;
    Ok((FORMAT, width, height))
}

/// The same error, and so the same sentence, as through `image`.
fn webp_error(err: DecodingError, limits: &DecodeLimits) -> DecodeError {
    let err = match err {
        DecodingError::IoError(io) => ImageError::IoError(io),
        other => ImageError::Decoding(ImageDecodingError::new(ImageFormat::WebP.into(), other)),
    };
    image_error(FORMAT, err, limits)
}
