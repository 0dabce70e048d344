//! Why an artwork could not be shown, in sentences for people: the
//! `image` crate's errors, I/O errors and our own limits translated into
//! [`DecodeError`], each message saying what to do about it.

use std::error::Error as _;

use image::ImageError;
use image::error::{LimitErrorKind, UnsupportedErrorKind};

use super::decode::{ArtFormat, DecodeLimits};

const MIB: u64 = 1024 * 1024;

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
        "This {format} animation has {frames} frames of {width}×{height} pixels: too much work to \
decode, so the player refuses it to stay responsive. Try a smaller or shorter version."
    )]
    TooMuchWork {
        format: ArtFormat,
        frames: usize,
        width: u32,
        height: u32,
    },
    #[error(
        "This {format} animation took more than {seconds} seconds to decode, so the player \
stopped. Try a smaller or shorter version."
    )]
    TooSlow { format: ArtFormat, seconds: u64 },
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
    #[error(
        "“{file}” is not a regular file (it is a pipe, a device or a socket), so there is nothing to show. Choose an image file instead."
    )]
    NotAFile { file: String },
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

pub(super) fn io_reason(err: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match err.kind() {
        ErrorKind::NotFound => "the file does not exist (it may have been moved or deleted)".into(),
        ErrorKind::PermissionDenied => "permission was denied".into(),
        ErrorKind::IsADirectory => "it is a folder, not a file".into(),
        _ => err.to_string().trim_end_matches('.').to_owned(),
    }
}

pub(super) fn file_too_big(size_bytes: u64, limits: &DecodeLimits) -> DecodeError {
    let max_bytes = limits.max_file_bytes;
    DecodeError::FileTooBig {
        size_bytes,
        max_bytes,
    }
}

pub(super) fn damaged(format: ArtFormat, reason: impl Into<String>) -> DecodeError {
    DecodeError::Damaged {
        format,
        reason: reason.into(),
    }
}

pub(super) fn image_error(
    format: ArtFormat,
    err: ImageError,
    limits: &DecodeLimits,
) -> DecodeError {
    let reason = match err {
        ImageError::Limits(limit) => match limit.kind() {
            // Our own header check normally answers first, with exact sizes.
            LimitErrorKind::DimensionError => {
                format!(
                    "it claims to be larger than {0}×{0} pixels",
                    limits.max_dimension
                )
            }
            LimitErrorKind::InsufficientMemory => {
                return DecodeError::OverMemoryBudget {
                    format,
                    needed_bytes: limits.image_limits().max_alloc.unwrap_or(u64::MAX),
                    budget_bytes: limits.max_decoded_bytes,
                };
            }
            _ => limit.to_string(),
        },
        ImageError::Unsupported(unsupported) => {
            let detail = match unsupported.kind() {
                UnsupportedErrorKind::Color(color) => format!("{color:?} pixels"),
                UnsupportedErrorKind::GenericFeature(feature) => feature,
                _ => unsupported.to_string(),
            };
            let detail = short_reason(&detail);
            return DecodeError::Unsupported { format, detail };
        }
        ImageError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            "unexpected end of file".to_owned()
        }
        // The decoder's own error is the useful part; the wrapper only
        // repeats the format name.
        ImageError::Decoding(decoding) => match decoding.source() {
            Some(inner) => inner.to_string(),
            None => "the data is not valid".to_owned(),
        },
        other => other.to_string(),
    };
    // Decoders word a cut-off file differently; say it one way.
    let lower = reason.to_lowercase();
    let eof_word = lower
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| w == "eof");
    if lower.contains("end of file") || eof_word {
        return damaged(format, "the data ends too early");
    }
    damaged(format, short_reason(&reason))
}

/// Keeps decoder messages short enough for a canvas placeholder and lets
/// them sit inside parentheses mid-sentence.
fn short_reason(text: &str) -> String {
    const MAX_CHARS: usize = 100;
    let text = without_debug_structs(text);
    let text = text.trim().trim_end_matches('.');
    // Hostile files can put control characters into chunk names.
    let mut short: String = text
        .chars()
        .take(MAX_CHARS)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if text.chars().count() > MAX_CHARS {
        short.push('…');
    }
    // Lower-case the first word to fit mid-sentence, unless it is an
    // acronym such as "CRC" or "LZW".
    let mut chars = short.chars();
    match (chars.next(), chars.next()) {
        (None, _) => "no details given".to_owned(),
        (Some(_), Some(second)) if second.is_uppercase() => short,
        (Some(first), _) => first.to_lowercase().chain(short.chars().skip(1)).collect(),
    }
}

/// Some decoders put Rust debug output in their messages, such as
/// `ChunkType { type: IDAT, critical: true, … }`; people need only the name.
fn without_debug_structs(text: &str) -> String {
    let mut out = text.to_owned();
    while let (Some(open), Some(close)) = (out.find(" { "), out.find(" }")) {
        if close < open {
            break;
        }
        let name = out[open + 3..close]
            .split(',')
            .find_map(|field| field.trim().strip_prefix("type:"))
            .map(|name| name.trim().to_owned())
            .unwrap_or_default();
        let start = out[..open].rfind(' ').map_or(0, |space| space + 1);
        out.replace_range(start..close + 2, &name);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_is_a_sentence_with_what_to_act_on() {
        use std::io::ErrorKind;
        let format = ArtFormat::Gif;
        let cases: [(DecodeError, &[&str]); 10] = [
            (DecodeError::Empty, &["empty", "0 bytes"]),
            (DecodeError::NotAnImage, &["PNG, APNG, GIF, WebP and BMP"]),
            (
                damaged(format, "unexpected code"),
                &["GIF", "(unexpected code)", "again"],
            ),
            (
                DecodeError::Unsupported {
                    format,
                    detail: "16-bit".into(),
                },
                &["GIF", "16-bit"],
            ),
            (
                DecodeError::TooLarge {
                    format,
                    width: 100_000,
                    height: 9,
                    max: 4096,
                },
                &["100000×9", "4096"],
            ),
            (
                DecodeError::TooManyFrames { format, max: 5000 },
                &["5000 frames"],
            ),
            (
                DecodeError::OverMemoryBudget {
                    format,
                    needed_bytes: 300 * MIB,
                    budget_bytes: 256 * MIB,
                },
                &["300 MB", "256 MB"],
            ),
            (
                file_too_big(70 * MIB + MIB / 2, &DecodeLimits::default()),
                &["70.5 MB", "64 MB"],
            ),
            (
                DecodeError::Read {
                    file: "cat.gif".into(),
                    kind: ErrorKind::NotFound,
                    reason: io_reason(&ErrorKind::NotFound.into()),
                },
                &["“cat.gif”", "does not exist"],
            ),
            (DecodeError::DecoderCrashed { format }, &["GIF", "damaged"]),
        ];
        for (err, needles) in cases {
            let text = err.to_string();
            assert!(text.starts_with(char::is_uppercase), "{text}");
            assert!(text.ends_with('.') && !text.ends_with(".."), "{text}");
            for needle in needles {
                assert!(text.contains(needle), "{text:?} lacks {needle:?}");
            }
        }
    }

    #[test]
    fn sizes_and_reasons_read_well() {
        assert_eq!(size_text(512), "512 bytes");
        assert_eq!(size_text(1536), "1.5 KB");
        assert_eq!(size_text(64 * MIB), "64 MB");
        assert_eq!(short_reason("Bad CRC."), "bad CRC");
        assert_eq!(short_reason("CRC error"), "CRC error");
        assert_eq!(
            short_reason("chunk length wrong: ChunkType { type: IHDR, critical: true }"),
            "chunk length wrong: IHDR"
        );
        assert_eq!(
            short_reason("ChunkType { type: IHXR, private: false } chunk appeared before IHDR"),
            "IHXR chunk appeared before IHDR"
        );
        assert!(short_reason(&"x".repeat(500)).chars().count() <= 101);
        assert_eq!(short_reason(""), "no details given");
    }
}
