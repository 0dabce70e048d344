//! Bytes → native-size RGBA frames, without trusting the bytes.
//!
//! Artwork files come from the web and from users' folders, so every input is
//! treated as hostile: sizes are checked before anything is allocated, the
//! memory kept for an animation is capped across all its frames, and a
//! decoder panic becomes an error instead of taking the app down. What each
//! failure says to the user is `decode_error`'s job.

use std::fmt;
use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::{Duration, Instant};

use image::codecs::bmp::BmpDecoder;
use image::codecs::png::PngDecoder;
use image::codecs::webp::WebPDecoder;
use image::{AnimationDecoder, DynamicImage, Frames, ImageDecoder, ImageError};

pub use super::decode_error::DecodeError;
use super::decode_error::{damaged, file_too_big, image_error};
use super::frame_gate::FrameGate;
pub use super::read_file::{read_file, read_file_noting};

const MIB: u64 = 1024 * 1024;

/// How much a single artwork may cost before it is refused.
///
/// The defaults are:
/// - `max_file_bytes`: 64 MiB of encoded file;
/// - `max_dimension`: 4096 pixels per side;
/// - `max_decoded_bytes`: 256 MiB of kept pixels, summed over **all** frames
///   (full RGBA for [`decode`], compact bytes for the frame store);
/// - `max_frames`: 5000 frames;
/// - `max_pixel_work`: 1 Gpixel composited (canvas pixels × frames): the
///   memory budget counts compact bytes, so a small file of thousands of
///   tiny frames on a huge canvas passes it and would still cost minutes of
///   CPU; the frame count is read from the container and such a file is
///   refused before a pixel is decoded;
/// - `max_decode_time`: 60 s of decoding, whatever the file (a backstop for
///   what the frame count cannot foresee; a debug build on a busy machine
///   takes over 10 s for a legitimate 1000-frame 256×256 GIF);
/// - `keep_bytes`: 1 MiB of compact frames kept per artwork when its file is
///   at hand; the frames after that are not refused but left in the file and
///   decoded again as they come due (a 1000-frame 256×256 loop of 4 colours is
///   16 MiB compact and 1 MB of file; a loop of 64×64 or 128×128 pixel art is
///   far below it, and plays from memory).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeLimits {
    pub max_file_bytes: u64,
    pub max_dimension: u32,
    pub max_decoded_bytes: u64,
    pub max_frames: usize,
    pub max_pixel_work: u64,
    pub max_decode_time: Duration,
    pub keep_bytes: u64,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        Self {
            max_file_bytes: 64 * MIB,
            max_dimension: 4096,
            max_decoded_bytes: 256 * MIB,
            max_frames: 5000,
            max_pixel_work: 1 << 30,
            max_decode_time: Duration::from_secs(60),
            keep_bytes: MIB,
        }
    }
}

impl DecodeLimits {
    /// The limits handed to the `image` decoders. Their allocation cap also
    /// covers the decoders' scratch canvases (up to four full frames for
    /// APNG compositing), which is why it is larger than our own budget.
    pub(super) fn image_limits(&self) -> image::Limits {
        let canvas = canvas_bytes(self.max_dimension, self.max_dimension);
        let mut limits = image::Limits::no_limits();
        limits.max_image_width = Some(self.max_dimension);
        limits.max_image_height = Some(self.max_dimension);
        limits.max_alloc = Some(
            self.max_decoded_bytes
                .saturating_add(canvas.saturating_mul(4)),
        );
        limits
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArtFormat {
    Png,
    Apng,
    Gif,
    WebP,
    Bmp,
}

impl ArtFormat {
    pub fn name(self) -> &'static str {
        match self {
            ArtFormat::Png => "PNG",
            ArtFormat::Apng => "APNG",
            ArtFormat::Gif => "GIF",
            ArtFormat::WebP => "WebP",
            ArtFormat::Bmp => "BMP",
        }
    }

    /// Recognises a format by its signature; file names lie too often.
    /// APNG shares PNG's signature and is told apart after the header is read.
    pub(crate) fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ArtFormat::Png)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(ArtFormat::Gif)
        } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
            Some(ArtFormat::WebP)
        } else if bytes.starts_with(b"BM") {
            Some(ArtFormat::Bmp)
        } else {
            None
        }
    }
}

impl fmt::Display for ArtFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Clone, Debug)]
pub struct Frame {
    /// `width * height * 4` bytes, straight (unpremultiplied) alpha.
    pub rgba: Vec<u8>,
    /// How long this frame stays up; ZERO for a still image.
    pub delay: Duration,
}

#[derive(Clone, Debug)]
pub struct Artwork {
    pub width: u32,
    pub height: u32,
    pub format: ArtFormat,
    pub frames: Vec<Frame>,
}

impl Artwork {
    pub fn is_animated(&self) -> bool {
        self.frames.len() > 1
    }

    /// Sum of the frame delays; ZERO for a still image.
    pub fn loop_duration(&self) -> Duration {
        self.frames.iter().map(|f| f.delay).sum()
    }

    pub fn delays(&self) -> Vec<Duration> {
        self.frames.iter().map(|f| f.delay).collect()
    }

    pub fn decoded_bytes(&self) -> u64 {
        self.frames.iter().map(|f| f.rgba.len() as u64).sum()
    }
}

/// Where decoding puts each composited frame: kept as RGBA by [`decode`],
/// compacted by the frame store. The memory budget counts `kept_bytes`.
pub(crate) trait FrameSink {
    fn keep(&mut self, rgba: Vec<u8>, width: u32, height: u32, delay: Duration);
    /// Like `keep`, for a frame in the decoder's reused buffer: the sink may
    /// take the buffer and leave another in its place (of any length and
    /// content; the decoder sizes it again), so that a sink that only reads
    /// the frame, or keeps it until the next one, copies nothing.
    fn keep_buffer(&mut self, rgba: &mut Vec<u8>, width: u32, height: u32, delay: Duration) {
        self.keep(rgba.clone(), width, height, delay);
    }
    fn kept_bytes(&self) -> u64;
    /// A one-frame animation is a still image and must not tick.
    fn make_still(&mut self);
    /// False stops decoding after the frame just kept, as if the file ended there.
    fn wants_more(&self) -> bool {
        true
    }
}

impl FrameSink for Vec<Frame> {
    fn keep(&mut self, rgba: Vec<u8>, _width: u32, _height: u32, delay: Duration) {
        self.push(Frame { rgba, delay });
    }

    /// Every frame is kept whole: the buffer is taken, not copied.
    fn keep_buffer(&mut self, rgba: &mut Vec<u8>, width: u32, height: u32, delay: Duration) {
        self.keep(std::mem::take(rgba), width, height, delay);
    }

    fn kept_bytes(&self) -> u64 {
        // Every frame has the canvas size (checked before it is kept), so
        // this stays O(1) however long the animation.
        self.first()
            .map_or(0, |f| f.rgba.len() as u64 * self.len() as u64)
    }

    fn make_still(&mut self) {
        if let [only] = self.as_mut_slice() {
            only.delay = Duration::ZERO;
        }
    }
}

/// A delay of 10 ms or less plays as 100 ms, as browsers do: many old GIFs
/// say 0 ms and expect that, and a 0 ms frame would otherwise never show.
pub fn normalize_delay(raw: Duration) -> Duration {
    if raw <= Duration::from_millis(10) {
        Duration::from_millis(100)
    } else {
        raw
    }
}

/// Decodes an artwork held in memory into full RGBA frames. Never panics.
pub fn decode(bytes: &[u8], limits: &DecodeLimits) -> Result<Artwork, DecodeError> {
    let mut frames = Vec::new();
    let (format, width, height) = decode_with(bytes, limits, &mut frames)?;
    Ok(Artwork {
        width,
        height,
        format,
        frames,
    })
}

/// Decodes an artwork into `sink`; returns its format and canvas size. Never panics.
pub(crate) fn decode_with(
    bytes: &[u8],
    limits: &DecodeLimits,
    sink: &mut impl FrameSink,
) -> Result<(ArtFormat, u32, u32), DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(file_too_big(bytes.len() as u64, limits));
    }
    let format = ArtFormat::sniff(bytes).ok_or(DecodeError::NotAnImage)?;
    // Some decoders index out of bounds or overflow on crafted input.
    match catch_unwind(AssertUnwindSafe(|| decode_as(format, bytes, limits, sink))) {
        Ok(result) => result,
        Err(_) => {
            tracing::error!(format = format.name(), "image decoder panicked");
            Err(DecodeError::DecoderCrashed { format })
        }
    }
}

/// Reads and decodes a file, refusing oversized files before reading them.
pub fn decode_file(path: &Path, limits: &DecodeLimits) -> Result<Artwork, DecodeError> {
    decode(&read_file(path, limits)?, limits)
}

pub(super) fn canvas_bytes(width: u32, height: u32) -> u64 {
    u64::from(width) * u64::from(height) * 4
}

fn decode_as(
    format: ArtFormat,
    bytes: &[u8],
    limits: &DecodeLimits,
    sink: &mut impl FrameSink,
) -> Result<(ArtFormat, u32, u32), DecodeError> {
    // Header sizes are checked before any decoder runs, so a file claiming
    // 100000×100000 is refused without touching its pixel data.
    if let Some((width, height)) = peek_dimensions(format, bytes) {
        check_canvas(format, width, height, limits)?;
        if let Some(frames) = super::frame_count::frame_count(format, bytes) {
            // Only an APNG's PNG says how many frames it has.
            let named = if format == ArtFormat::Png {
                ArtFormat::Apng
            } else {
                format
            };
            check_work(named, width, height, frames, limits)?;
            if format == ArtFormat::Gif {
                check_gif_rects(width, height, frames, bytes, limits)?;
            }
        }
    }
    let input = Cursor::new(bytes);
    match format {
        ArtFormat::Png | ArtFormat::Apng => {
            let bytes = super::png_profile::without_profile(bytes);
            let png = PngDecoder::with_limits(Cursor::new(bytes.as_ref()), limits.image_limits());
            let decoder = ready(ArtFormat::Png, png, limits)?;
            if decoder
                .is_apng()
                .map_err(|e| image_error(format, e, limits))?
            {
                let apng = decoder.apng().map_err(|e| image_error(format, e, limits))?;
                collect_frames(ArtFormat::Apng, apng.into_frames(), limits, sink, None)
            } else {
                decode_still(ArtFormat::Png, decoder, limits, sink)
            }
        }
        ArtFormat::Gif => {
            let (width, height, frames, spare) =
                super::gif_frames::open(input).map_err(|e| image_error(format, e, limits))?;
            check_canvas(format, width, height, limits)?;
            collect_frames(format, frames, limits, sink, Some(&spare))
        }
        ArtFormat::WebP => {
            // The WebP decoder stops quietly at the end of the data, so a file
            // cut between two frames would pass as a shorter animation: compare
            // the length the RIFF header promises with what is there.
            let promised = bytes.get(4..8).and_then(|b| b.try_into().ok());
            if promised.is_some_and(|b| u64::from(u32::from_le_bytes(b)) + 8 > bytes.len() as u64) {
                return Err(damaged(format, "the data ends too early"));
            }
            if let Some(animation) = super::webp_frames::decode_animation(bytes, limits, sink) {
                return animation;
            }
            decode_still(
                format,
                ready(format, WebPDecoder::new(input), limits)?,
                limits,
                sink,
            )
        }
        ArtFormat::Bmp => decode_still(
            format,
            ready(format, BmpDecoder::new(input), limits)?,
            limits,
            sink,
        ),
    }
}

/// Checks a freshly opened decoder's canvas against our limits, then hands
/// it the `image` limits for the pixel work ahead.
fn ready<D: ImageDecoder>(
    format: ArtFormat,
    opened: Result<D, ImageError>,
    limits: &DecodeLimits,
) -> Result<D, DecodeError> {
    let mut decoder = opened.map_err(|e| image_error(format, e, limits))?;
    let (width, height) = decoder.dimensions();
    check_canvas(format, width, height, limits)?;
    decoder
        .set_limits(limits.image_limits())
        .map_err(|e| image_error(format, e, limits))?;
    Ok(decoder)
}

pub(super) fn check_canvas(
    format: ArtFormat,
    width: u32,
    height: u32,
    limits: &DecodeLimits,
) -> Result<(), DecodeError> {
    // A 0-pixel canvas would only reach the screen as a division by zero.
    if width == 0 || height == 0 {
        return Err(damaged(format, format!("it is {width}×{height} pixels")));
    }
    if width > limits.max_dimension || height > limits.max_dimension {
        let max = limits.max_dimension;
        return Err(DecodeError::TooLarge {
            format,
            width,
            height,
            max,
        });
    }
    within_budget(format, canvas_bytes(width, height), limits)
}

/// Refuses a decode that would hold more than the memory budget.
pub(super) fn within_budget(
    format: ArtFormat,
    needed_bytes: u64,
    limits: &DecodeLimits,
) -> Result<(), DecodeError> {
    if needed_bytes > limits.max_decoded_bytes {
        let budget_bytes = limits.max_decoded_bytes;
        return Err(DecodeError::OverMemoryBudget {
            format,
            needed_bytes,
            budget_bytes,
        });
    }
    Ok(())
}

/// Refuses an animation whose frames, as counted, are too many or would take
/// too much work to composite (canvas pixels × frames).
pub(super) fn check_work(
    format: ArtFormat,
    width: u32,
    height: u32,
    frames: usize,
    limits: &DecodeLimits,
) -> Result<(), DecodeError> {
    if frames > limits.max_frames {
        let max = limits.max_frames;
        return Err(DecodeError::TooManyFrames { format, max });
    }
    let pixels = u64::from(width) * u64::from(height);
    if pixels.saturating_mul(frames as u64) > limits.max_pixel_work {
        return Err(DecodeError::TooMuchWork {
            format,
            frames,
            width,
            height,
        });
    }
    Ok(())
}

/// Refuses a GIF whose frames' own rectangles are too much work: each frame's
/// LZW data expands to its whole rectangle, however little of it lands on the
/// canvas, so a 1×1 canvas can hide frames of 65535×65535.
fn check_gif_rects(
    width: u32,
    height: u32,
    frames: usize,
    bytes: &[u8],
    limits: &DecodeLimits,
) -> Result<(), DecodeError> {
    let rects = super::frame_count::gif_rects(bytes);
    let canvas = u64::from(width) * u64::from(height);
    let work = canvas
        .saturating_mul(frames as u64)
        .saturating_add(rects.pixels);
    if work > limits.max_pixel_work {
        let (width, height) = rects.largest;
        let format = ArtFormat::Gif;
        return Err(DecodeError::TooMuchWork {
            format,
            frames,
            width,
            height,
        });
    }
    Ok(())
}

/// Reads the canvas size straight from the header bytes.
fn peek_dimensions(format: ArtFormat, bytes: &[u8]) -> Option<(u32, u32)> {
    let u16_le = |at: usize| {
        Some(u32::from(u16::from_le_bytes(
            bytes.get(at..at + 2)?.try_into().ok()?,
        )))
    };
    let u24_le = |at: usize| Some(u16_le(at)? | u32::from(*bytes.get(at + 2)?) << 16);
    let u32_le = |at: usize| Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?));
    let u32_be = |at: usize| Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?));
    match format {
        ArtFormat::Png | ArtFormat::Apng => {
            (bytes.get(12..16)? == b"IHDR").then_some(())?;
            Some((u32_be(16)?, u32_be(20)?))
        }
        ArtFormat::Gif => Some((u16_le(6)?, u16_le(8)?)),
        ArtFormat::WebP => match bytes.get(12..16)? {
            b"VP8X" => Some((u24_le(24)? + 1, u24_le(27)? + 1)),
            b"VP8L" => {
                let bits = u32_le(21)?;
                Some(((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1))
            }
            b"VP8 " => Some((u16_le(26)? & 0x3fff, u16_le(28)? & 0x3fff)),
            _ => None,
        },
        // An OS/2 header (12 bytes) has 16-bit sizes; later ones 32-bit, where
        // a negative height means top-down rows, not a negative size.
        ArtFormat::Bmp if u32_le(14)? == 12 => Some((u16_le(18)?, u16_le(20)?)),
        ArtFormat::Bmp => Some((
            (u32_le(18)? as i32).unsigned_abs(),
            (u32_le(22)? as i32).unsigned_abs(),
        )),
    }
}

fn decode_still(
    format: ArtFormat,
    decoder: impl ImageDecoder,
    limits: &DecodeLimits,
    sink: &mut impl FrameSink,
) -> Result<(ArtFormat, u32, u32), DecodeError> {
    let image = DynamicImage::from_decoder(decoder)
        .map_err(|e| image_error(format, e, limits))?
        .into_rgba8();
    let (width, height) = image.dimensions();
    sink.keep(image.into_raw(), width, height, Duration::ZERO);
    Ok((format, width, height))
}

/// Pulls composited frames one at a time through a [`FrameGate`]. Any
/// error, including one after several good frames, fails the whole artwork:
/// half an animation is not shown. With `spare`, each frame's buffer (or the
/// one the sink leaves in its place) goes back to the decoder for the next.
fn collect_frames(
    format: ArtFormat,
    frames: Frames<'_>,
    limits: &DecodeLimits,
    sink: &mut impl FrameSink,
    spare: Option<&super::gif_frames::Spare>,
) -> Result<(ArtFormat, u32, u32), DecodeError> {
    let mut canvas = None;
    let mut gate = FrameGate::new(format, Instant::now());
    for item in frames {
        if !sink.wants_more() {
            break;
        }
        let frame = item.map_err(|e| image_error(format, e, limits))?;
        let (width, height) = frame.buffer().dimensions();
        gate.admit(width, height, sink.kept_bytes(), limits)?;
        // The decoders composite onto the full canvas; anything else would
        // be drawn wrongly, so it is treated as damage.
        let placed = (frame.left(), frame.top()) == (0, 0);
        if !placed || *canvas.get_or_insert((width, height)) != (width, height) {
            return Err(damaged(format, "a frame does not match the canvas size"));
        }
        let delay = normalize_delay(frame.delay().into());
        let mut rgba = frame.into_buffer().into_raw();
        match spare {
            Some(spare) => {
                sink.keep_buffer(&mut rgba, width, height, delay);
                spare.set(rgba);
            }
            None => sink.keep(rgba, width, height, delay),
        }
    }
    gate.finish(sink)?;
    let (width, height) = canvas.unwrap_or_default();
    Ok((format, width, height))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiny_delays_play_at_browser_speed() {
        let ms = Duration::from_millis;
        assert_eq!(normalize_delay(Duration::ZERO), ms(100));
        assert_eq!(normalize_delay(ms(10)), ms(100));
        assert_eq!(normalize_delay(ms(11)), ms(11));
        assert_eq!(normalize_delay(ms(20)), ms(20));
        assert_eq!(
            normalize_delay(Duration::from_secs(3)),
            Duration::from_secs(3)
        );
    }

    #[test]
    fn formats_are_told_by_content() {
        assert_eq!(ArtFormat::sniff(b"GIF89a...."), Some(ArtFormat::Gif));
        assert_eq!(
            ArtFormat::sniff(b"RIFF\0\0\0\0WEBPVP8L"),
            Some(ArtFormat::WebP)
        );
        assert_eq!(ArtFormat::sniff(b"RIFF\0\0\0\0WAVEfmt "), None);
        assert_eq!(ArtFormat::sniff(b"hello"), None);
    }
}
