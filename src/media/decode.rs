//! Bytes → native-size RGBA frames, without trusting the bytes.
//!
//! Artwork files come from the web and from users' folders, so every input is
//! treated as hostile: sizes are checked before anything is allocated, the
//! memory kept for an animation is capped across all its frames, and a
//! decoder panic becomes an error instead of taking the app down.

use std::error::Error as _;
use std::fmt;
use std::io::{Cursor, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::Duration;

use image::codecs::bmp::BmpDecoder;
use image::codecs::gif::GifDecoder;
use image::codecs::png::PngDecoder;
use image::codecs::webp::WebPDecoder;
use image::error::LimitErrorKind;
use image::{AnimationDecoder, DynamicImage, Frames, ImageDecoder, ImageError};

const MIB: u64 = 1024 * 1024;

/// How much a single artwork may cost before it is refused.
///
/// The defaults are:
/// - `max_file_bytes`: 64 MiB of encoded file;
/// - `max_dimension`: 4096 pixels per side;
/// - `max_decoded_bytes`: 256 MiB of decoded RGBA, summed over **all** frames;
/// - `max_frames`: 5000 frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeLimits {
    pub max_file_bytes: u64,
    pub max_dimension: u32,
    pub max_decoded_bytes: u64,
    pub max_frames: usize,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        Self {
            max_file_bytes: 64 * MIB,
            max_dimension: 4096,
            max_decoded_bytes: 256 * MIB,
            max_frames: 5000,
        }
    }
}

impl DecodeLimits {
    /// The limits handed to the `image` decoders. Their allocation cap also
    /// covers the decoders' scratch canvases (up to four full frames for
    /// APNG compositing), which is why it is larger than our own budget.
    fn image_limits(&self) -> image::Limits {
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
    fn sniff(bytes: &[u8]) -> Option<Self> {
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

/// A delay of 10 ms or less plays as 100 ms, as browsers do: many old GIFs
/// say 0 ms and expect that, and a 0 ms frame would otherwise never show.
pub fn normalize_delay(raw: Duration) -> Duration {
    if raw <= Duration::from_millis(10) {
        Duration::from_millis(100)
    } else {
        raw
    }
}

/// Why an artwork could not be shown. Each message is a full sentence meant
/// for the person looking at the empty canvas.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    #[error(
        "The file is empty (0 bytes), so there is nothing to show. Check that it finished saving or downloading."
    )]
    Empty,
    #[error(
        "This file is not an image the player can show. Supported formats are PNG, APNG, GIF, WebP and BMP."
    )]
    NotAnImage,
    #[error("This {format} file is damaged or cut short ({reason}). Try exporting it again.")]
    Damaged { format: ArtFormat, reason: String },
    #[error(
        "This {format} file uses something the player does not support ({detail}). Try exporting it again with plain 8-bit colour."
    )]
    Unsupported { format: ArtFormat, detail: String },
    #[error(
        "This {format} image is {width}×{height} pixels, larger than the limit of {max} pixels per side."
    )]
    TooLarge {
        format: ArtFormat,
        width: u32,
        height: u32,
        max: u32,
    },
    #[error(
        "This {format} animation has more than {max} frames, more than the player can hold. Try a shorter version."
    )]
    TooManyFrames { format: ArtFormat, max: usize },
    #[error(
        "This {format} artwork needs at least {} of memory once decoded, over the {} budget. Try a smaller or shorter version.",
        size_text(*.needed_bytes),
        size_text(*.budget_bytes)
    )]
    OverMemoryBudget {
        format: ArtFormat,
        needed_bytes: u64,
        budget_bytes: u64,
    },
    #[error(
        "This file is {}, larger than the {} limit. Try a smaller export of the artwork.",
        size_text(*.size_bytes),
        size_text(*.max_bytes)
    )]
    FileTooBig { size_bytes: u64, max_bytes: u64 },
    #[error("Could not read “{file}”: {reason}.")]
    Read {
        file: String,
        kind: std::io::ErrorKind,
        reason: String,
    },
    #[error(
        "The {format} decoder failed unexpectedly on this file, which is probably damaged. Try exporting it again."
    )]
    DecoderCrashed { format: ArtFormat },
}

/// Sizes in the units people see in file managers (1 MB = 1 MiB here).
fn size_text(bytes: u64) -> String {
    let (value, unit) = if bytes >= MIB {
        (bytes as f64 / MIB as f64, "MB")
    } else if bytes >= 1024 {
        (bytes as f64 / 1024.0, "KB")
    } else {
        return format!("{bytes} bytes");
    };
    if value.fract() == 0.0 {
        format!("{value:.0} {unit}")
    } else {
        format!("{value:.1} {unit}")
    }
}

/// Decodes an artwork held in memory. Never panics.
pub fn decode(bytes: &[u8], limits: &DecodeLimits) -> Result<Artwork, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    let size = bytes.len() as u64;
    if size > limits.max_file_bytes {
        return Err(DecodeError::FileTooBig {
            size_bytes: size,
            max_bytes: limits.max_file_bytes,
        });
    }
    let format = ArtFormat::sniff(bytes).ok_or(DecodeError::NotAnImage)?;
    // Some decoders index out of bounds or overflow on crafted input.
    match catch_unwind(AssertUnwindSafe(|| decode_as(format, bytes, limits))) {
        Ok(result) => result,
        Err(_) => {
            tracing::error!(format = format.name(), "image decoder panicked");
            Err(DecodeError::DecoderCrashed { format })
        }
    }
}

/// Reads and decodes a file, refusing oversized files before reading them.
pub fn decode_file(path: &Path, limits: &DecodeLimits) -> Result<Artwork, DecodeError> {
    let file = file_label(path);
    let read_error = |err: std::io::Error| DecodeError::Read {
        file: file.clone(),
        kind: err.kind(),
        reason: io_reason(&err),
    };
    let meta = std::fs::metadata(path).map_err(read_error)?;
    if meta.is_dir() {
        return Err(DecodeError::Read {
            file: file.clone(),
            kind: std::io::ErrorKind::IsADirectory,
            reason: "it is a folder, not a file".to_owned(),
        });
    }
    if meta.len() > limits.max_file_bytes {
        return Err(DecodeError::FileTooBig {
            size_bytes: meta.len(),
            max_bytes: limits.max_file_bytes,
        });
    }
    let handle = std::fs::File::open(path).map_err(read_error)?;
    // The file may grow after the metadata was read, or be a device with no
    // size; reading one byte past the limit is enough for decode() to refuse.
    let capacity = usize::try_from(meta.len()).unwrap_or(0);
    let mut bytes = Vec::with_capacity(capacity);
    handle
        .take(limits.max_file_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    decode(&bytes, limits)
}

/// Only the file name goes into messages: full paths are long and can
/// reveal a user's folder layout on screen.
fn file_label(path: &Path) -> String {
    match path.file_name() {
        Some(name) => name.to_string_lossy().into_owned(),
        None => path.display().to_string(),
    }
}

fn io_reason(err: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match err.kind() {
        ErrorKind::NotFound => "the file does not exist (it may have been moved or deleted)".into(),
        ErrorKind::PermissionDenied => "permission was denied".into(),
        ErrorKind::IsADirectory => "it is a folder, not a file".into(),
        _ => err.to_string().trim_end_matches('.').to_owned(),
    }
}

fn canvas_bytes(width: u32, height: u32) -> u64 {
    u64::from(width) * u64::from(height) * 4
}

fn decode_as(
    format: ArtFormat,
    bytes: &[u8],
    limits: &DecodeLimits,
) -> Result<Artwork, DecodeError> {
    // Header sizes are checked before any decoder runs, so a file claiming
    // 100000×100000 is refused without touching its pixel data.
    if let Some((width, height)) = peek_dimensions(format, bytes) {
        check_canvas(format, width, height, limits)?;
    }
    match format {
        ArtFormat::Png | ArtFormat::Apng => decode_png(bytes, limits),
        ArtFormat::Gif => decode_gif(bytes, limits),
        ArtFormat::WebP => decode_webp(bytes, limits),
        ArtFormat::Bmp => decode_bmp(bytes, limits),
    }
}

fn check_canvas(
    format: ArtFormat,
    width: u32,
    height: u32,
    limits: &DecodeLimits,
) -> Result<(), DecodeError> {
    if width > limits.max_dimension || height > limits.max_dimension {
        return Err(DecodeError::TooLarge {
            format,
            width,
            height,
            max: limits.max_dimension,
        });
    }
    let needed = canvas_bytes(width, height);
    if needed > limits.max_decoded_bytes {
        return Err(DecodeError::OverMemoryBudget {
            format,
            needed_bytes: needed,
            budget_bytes: limits.max_decoded_bytes,
        });
    }
    Ok(())
}

/// Reads the canvas size straight from the header bytes.
fn peek_dimensions(format: ArtFormat, bytes: &[u8]) -> Option<(u32, u32)> {
    let u16_le = |at: usize| Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?));
    let u24_le = |at: usize| {
        let b = bytes.get(at..at + 3)?;
        Some(u32::from(b[0]) | u32::from(b[1]) << 8 | u32::from(b[2]) << 16)
    };
    let u32_le = |at: usize| Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?));
    let u32_be = |at: usize| Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?));
    match format {
        ArtFormat::Png | ArtFormat::Apng => {
            (bytes.get(12..16)? == b"IHDR").then_some(())?;
            Some((u32_be(16)?, u32_be(20)?))
        }
        ArtFormat::Gif => Some((u32::from(u16_le(6)?), u32::from(u16_le(8)?))),
        ArtFormat::WebP => match bytes.get(12..16)? {
            b"VP8X" => Some((u24_le(24)? + 1, u24_le(27)? + 1)),
            b"VP8L" => {
                let bits = u32_le(21)?;
                Some(((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1))
            }
            b"VP8 " => Some((
                u32::from(u16_le(26)? & 0x3fff),
                u32::from(u16_le(28)? & 0x3fff),
            )),
            _ => None,
        },
        ArtFormat::Bmp => {
            if u32_le(14)? == 12 {
                Some((u32::from(u16_le(18)?), u32::from(u16_le(20)?)))
            } else {
                // Negative height means top-down rows, not a negative size.
                let width = i32::from_le_bytes(bytes.get(18..22)?.try_into().ok()?);
                let height = i32::from_le_bytes(bytes.get(22..26)?.try_into().ok()?);
                Some((width.unsigned_abs(), height.unsigned_abs()))
            }
        }
    }
}

fn decode_png(bytes: &[u8], limits: &DecodeLimits) -> Result<Artwork, DecodeError> {
    let fail = |format, err| image_error(format, err, limits);
    let decoder = PngDecoder::with_limits(Cursor::new(bytes), limits.image_limits())
        .map_err(|e| fail(ArtFormat::Png, e))?;
    let (width, height) = decoder.dimensions();
    check_canvas(ArtFormat::Png, width, height, limits)?;
    if decoder.is_apng().map_err(|e| fail(ArtFormat::Png, e))? {
        let frames = decoder
            .apng()
            .map_err(|e| fail(ArtFormat::Apng, e))?
            .into_frames();
        collect_frames(ArtFormat::Apng, width, height, frames, limits)
    } else {
        decode_still(ArtFormat::Png, decoder, limits)
    }
}

fn decode_gif(bytes: &[u8], limits: &DecodeLimits) -> Result<Artwork, DecodeError> {
    let format = ArtFormat::Gif;
    let mut decoder =
        GifDecoder::new(Cursor::new(bytes)).map_err(|e| image_error(format, e, limits))?;
    let (width, height) = decoder.dimensions();
    check_canvas(format, width, height, limits)?;
    decoder
        .set_limits(limits.image_limits())
        .map_err(|e| image_error(format, e, limits))?;
    collect_frames(format, width, height, decoder.into_frames(), limits)
}

fn decode_webp(bytes: &[u8], limits: &DecodeLimits) -> Result<Artwork, DecodeError> {
    let format = ArtFormat::WebP;
    // The WebP decoder stops quietly at the end of the data, so a file cut
    // between two frames would pass as a shorter animation: compare the
    // length the RIFF header promises with what is there.
    let promised = bytes
        .get(4..8)
        .and_then(|b| b.try_into().ok())
        .map(|b| u64::from(u32::from_le_bytes(b)) + 8);
    if promised.is_some_and(|len| len > bytes.len() as u64) {
        return Err(DecodeError::Damaged {
            format,
            reason: "the data ends too early".to_owned(),
        });
    }
    let mut decoder =
        WebPDecoder::new(Cursor::new(bytes)).map_err(|e| image_error(format, e, limits))?;
    let (width, height) = decoder.dimensions();
    check_canvas(format, width, height, limits)?;
    decoder
        .set_limits(limits.image_limits())
        .map_err(|e| image_error(format, e, limits))?;
    if decoder.has_animation() {
        collect_frames(format, width, height, decoder.into_frames(), limits)
    } else {
        decode_still(format, decoder, limits)
    }
}

fn decode_bmp(bytes: &[u8], limits: &DecodeLimits) -> Result<Artwork, DecodeError> {
    let format = ArtFormat::Bmp;
    let mut decoder =
        BmpDecoder::new(Cursor::new(bytes)).map_err(|e| image_error(format, e, limits))?;
    let (width, height) = decoder.dimensions();
    check_canvas(format, width, height, limits)?;
    decoder
        .set_limits(limits.image_limits())
        .map_err(|e| image_error(format, e, limits))?;
    decode_still(format, decoder, limits)
}

fn decode_still(
    format: ArtFormat,
    decoder: impl ImageDecoder,
    limits: &DecodeLimits,
) -> Result<Artwork, DecodeError> {
    let image = DynamicImage::from_decoder(decoder)
        .map_err(|e| image_error(format, e, limits))?
        .into_rgba8();
    let (width, height) = image.dimensions();
    Ok(Artwork {
        width,
        height,
        format,
        frames: vec![Frame {
            rgba: image.into_raw(),
            delay: Duration::ZERO,
        }],
    })
}

/// Pulls composited frames one at a time, enforcing the frame count and the
/// memory budget across the whole animation (the `image` limits only apply
/// to one frame at a time). Any error, including one after several good
/// frames, fails the whole artwork: half an animation is not shown.
fn collect_frames(
    format: ArtFormat,
    width: u32,
    height: u32,
    frames: Frames<'_>,
    limits: &DecodeLimits,
) -> Result<Artwork, DecodeError> {
    let frame_bytes = canvas_bytes(width, height);
    let mut kept: Vec<Frame> = Vec::new();
    for item in frames {
        let frame = item.map_err(|e| image_error(format, e, limits))?;
        if kept.len() >= limits.max_frames {
            return Err(DecodeError::TooManyFrames {
                format,
                max: limits.max_frames,
            });
        }
        let needed = frame_bytes.saturating_mul(kept.len() as u64 + 1);
        if needed > limits.max_decoded_bytes {
            return Err(DecodeError::OverMemoryBudget {
                format,
                needed_bytes: needed,
                budget_bytes: limits.max_decoded_bytes,
            });
        }
        let delay = normalize_delay(frame.delay().into());
        let full_canvas = frame.left() == 0 && frame.top() == 0;
        let buffer = frame.into_buffer();
        if !full_canvas || buffer.dimensions() != (width, height) {
            return Err(DecodeError::Damaged {
                format,
                reason: "a frame does not match the canvas size".to_owned(),
            });
        }
        kept.push(Frame {
            rgba: buffer.into_raw(),
            delay,
        });
    }
    match kept.as_mut_slice() {
        [] => Err(DecodeError::Damaged {
            format,
            reason: "it contains no frames".to_owned(),
        }),
        // A one-frame animation is a still image and must not tick.
        [only] => {
            only.delay = Duration::ZERO;
            Ok(Artwork {
                width,
                height,
                format,
                frames: kept,
            })
        }
        _ => Ok(Artwork {
            width,
            height,
            format,
            frames: kept,
        }),
    }
}

fn image_error(format: ArtFormat, err: ImageError, limits: &DecodeLimits) -> DecodeError {
    match err {
        ImageError::Limits(limit) => match limit.kind() {
            LimitErrorKind::DimensionError => DecodeError::Damaged {
                format,
                reason: format!(
                    "it claims to be larger than {0}×{0} pixels",
                    limits.max_dimension
                ),
            },
            LimitErrorKind::InsufficientMemory => DecodeError::OverMemoryBudget {
                format,
                needed_bytes: limits.image_limits().max_alloc.unwrap_or(u64::MAX),
                budget_bytes: limits.max_decoded_bytes,
            },
            _ => DecodeError::Damaged {
                format,
                reason: short_reason(&limit.to_string()),
            },
        },
        ImageError::Unsupported(unsupported) => DecodeError::Unsupported {
            format,
            detail: short_reason(&unsupported.to_string()),
        },
        ImageError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            DecodeError::Damaged {
                format,
                reason: "the data ends too early".to_owned(),
            }
        }
        ImageError::Decoding(decoding) => {
            // The decoder's own error is the useful part; the wrapper only
            // repeats the format name.
            let reason = match decoding.source() {
                Some(inner) => inner.to_string(),
                None => "the data is not valid".to_owned(),
            };
            DecodeError::Damaged {
                format,
                reason: short_reason(&reason),
            }
        }
        other => DecodeError::Damaged {
            format,
            reason: short_reason(&other.to_string()),
        },
    }
}

/// Keeps decoder messages short enough for a canvas placeholder and lets
/// them sit inside parentheses mid-sentence.
fn short_reason(text: &str) -> String {
    const MAX_CHARS: usize = 120;
    let text = text.trim().trim_end_matches('.');
    let mut short: String = text.chars().take(MAX_CHARS).collect();
    if text.chars().count() > MAX_CHARS {
        short.push('…');
    }
    let mut chars = short.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => "no details given".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_sentence(text: &str) -> bool {
        text.starts_with(char::is_uppercase) && text.ends_with('.')
    }

    #[test]
    fn tiny_delays_play_at_browser_speed() {
        assert_eq!(normalize_delay(Duration::ZERO), Duration::from_millis(100));
        assert_eq!(
            normalize_delay(Duration::from_millis(10)),
            Duration::from_millis(100)
        );
        assert_eq!(
            normalize_delay(Duration::from_millis(11)),
            Duration::from_millis(11)
        );
        assert_eq!(
            normalize_delay(Duration::from_millis(20)),
            Duration::from_millis(20)
        );
        assert_eq!(
            normalize_delay(Duration::from_secs(3)),
            Duration::from_secs(3)
        );
    }

    #[test]
    fn every_error_reads_as_a_sentence() {
        let format = ArtFormat::Gif;
        let errors = [
            DecodeError::Empty,
            DecodeError::NotAnImage,
            DecodeError::Damaged {
                format,
                reason: "unexpected end of file".into(),
            },
            DecodeError::Unsupported {
                format,
                detail: "16-bit animation".into(),
            },
            DecodeError::TooLarge {
                format,
                width: 9000,
                height: 20,
                max: 4096,
            },
            DecodeError::TooManyFrames { format, max: 5000 },
            DecodeError::OverMemoryBudget {
                format,
                needed_bytes: 300 * MIB,
                budget_bytes: 256 * MIB,
            },
            DecodeError::FileTooBig {
                size_bytes: 70 * MIB + MIB / 2,
                max_bytes: 64 * MIB,
            },
            DecodeError::Read {
                file: "cat.gif".into(),
                kind: std::io::ErrorKind::PermissionDenied,
                reason: "permission was denied".into(),
            },
            DecodeError::DecoderCrashed { format },
        ];
        for err in errors {
            let text = err.to_string();
            assert!(is_sentence(&text), "not a sentence: {text}");
        }
    }

    #[test]
    fn messages_carry_the_numbers_people_act_on() {
        let too_large = DecodeError::TooLarge {
            format: ArtFormat::Png,
            width: 100_000,
            height: 100_000,
            max: 4096,
        };
        assert!(too_large.to_string().contains("100000×100000"));
        assert!(too_large.to_string().contains("4096"));

        let too_big = DecodeError::FileTooBig {
            size_bytes: 70 * MIB + MIB / 2,
            max_bytes: 64 * MIB,
        }
        .to_string();
        assert!(
            too_big.contains("70.5 MB") && too_big.contains("64 MB"),
            "{too_big}"
        );

        let budget = DecodeError::OverMemoryBudget {
            format: ArtFormat::WebP,
            needed_bytes: 300 * MIB,
            budget_bytes: 256 * MIB,
        }
        .to_string();
        assert!(
            budget.contains("300 MB") && budget.contains("256 MB"),
            "{budget}"
        );

        let not_image = DecodeError::NotAnImage.to_string();
        for name in ["PNG", "APNG", "GIF", "WebP", "BMP"] {
            assert!(not_image.contains(name), "{not_image}");
        }

        let read = DecodeError::Read {
            file: "cat.gif".into(),
            kind: std::io::ErrorKind::NotFound,
            reason: "the file does not exist".into(),
        }
        .to_string();
        assert!(
            read.contains("cat.gif") && read.contains("does not exist"),
            "{read}"
        );
    }

    #[test]
    fn sizes_use_readable_units() {
        assert_eq!(size_text(512), "512 bytes");
        assert_eq!(size_text(1536), "1.5 KB");
        assert_eq!(size_text(64 * MIB), "64 MB");
    }

    #[test]
    fn short_reason_trims_and_bounds() {
        assert_eq!(short_reason("Unexpected EOF."), "unexpected EOF");
        assert!(short_reason(&"x".repeat(500)).chars().count() <= 121);
        assert_eq!(short_reason(""), "no details given");
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
