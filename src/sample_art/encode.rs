//! Encoders for the sample artworks and for test fixtures.
//!
//! Frames are full-canvas RGBA (`width * height * 4` bytes, straight alpha),
//! each with its own display time. Every encoder is deterministic: the same
//! pixels give the same bytes, which the committed samples rely on.

use std::io::Cursor;
use std::time::Duration;

use image::codecs::bmp::BmpEncoder;
use image::codecs::gif::{GifEncoder, Repeat};
use image::codecs::webp::WebPEncoder;
use image::{Delay, ExtendedColorType, RgbaImage};

#[derive(thiserror::Error, Debug)]
pub enum EncodeError {
    #[error("pixel buffer has {actual} bytes, but a {width}×{height} RGBA image needs {expected}")]
    BufferSize {
        width: u32,
        height: u32,
        expected: u64,
        actual: usize,
    },
    #[error("an animation needs at least one frame")]
    NoFrames,
    #[error("frame delay {0:?} cannot be stored in this format")]
    Delay(Duration),
    #[error("WebP container: {0}")]
    WebP(String),
    #[error(transparent)]
    Image(#[from] image::ImageError),
    #[error(transparent)]
    Png(#[from] png::EncodingError),
    #[error(transparent)]
    Gif(#[from] gif::EncodingError),
}

pub type Frames = [(Vec<u8>, Duration)];

fn check_len(width: u32, height: u32, rgba: &[u8]) -> Result<(), EncodeError> {
    let expected = u64::from(width) * u64::from(height) * 4;
    if rgba.len() as u64 != expected || width == 0 || height == 0 {
        return Err(EncodeError::BufferSize {
            width,
            height,
            expected,
            actual: rgba.len(),
        });
    }
    Ok(())
}

fn png_encoder(out: &mut Vec<u8>, width: u32, height: u32) -> png::Encoder<'static, &mut Vec<u8>> {
    let mut encoder = png::Encoder::new(out, width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    // Samples are written once and shipped, so spend time on size.
    encoder.set_compression(png::Compression::High);
    encoder
}

/// A still PNG.
pub fn png(width: u32, height: u32, rgba: &[u8]) -> Result<Vec<u8>, EncodeError> {
    check_len(width, height, rgba)?;
    let mut out = Vec::new();
    let mut writer = png_encoder(&mut out, width, height).write_header()?;
    writer.write_image_data(rgba)?;
    writer.finish()?;
    Ok(out)
}

/// An animated PNG that loops forever. Each frame replaces the whole canvas
/// (blend "source", no disposal), so transparency in a frame stays
/// transparent instead of showing the previous frame through.
pub fn apng(width: u32, height: u32, frames: &Frames) -> Result<Vec<u8>, EncodeError> {
    if frames.is_empty() {
        return Err(EncodeError::NoFrames);
    }
    for (rgba, _) in frames {
        check_len(width, height, rgba)?;
    }
    let count = u32::try_from(frames.len()).map_err(|_| EncodeError::NoFrames)?;
    let mut out = Vec::new();
    let mut encoder = png_encoder(&mut out, width, height);
    encoder.set_animated(count, 0)?;
    encoder.set_blend_op(png::BlendOp::Source)?;
    encoder.set_dispose_op(png::DisposeOp::None)?;
    let mut writer = encoder.write_header()?;
    for (rgba, delay) in frames {
        let millis = u16::try_from(delay.as_millis()).map_err(|_| EncodeError::Delay(*delay))?;
        writer.set_frame_delay(millis, 1000)?;
        writer.write_image_data(rgba)?;
    }
    writer.finish()?;
    Ok(out)
}

/// An animated GIF that loops forever. GIF stores delays in 10 ms steps, so
/// delays are rounded down to a multiple of 10 ms; pixels with alpha 0
/// become the transparent colour.
pub fn gif(width: u32, height: u32, frames: &Frames) -> Result<Vec<u8>, EncodeError> {
    if frames.is_empty() {
        return Err(EncodeError::NoFrames);
    }
    let mut out = Vec::new();
    {
        // The encoder writes the GIF trailer when dropped, so it must be
        // gone before `out` is returned.
        let mut encoder = GifEncoder::new(&mut out);
        encoder.set_repeat(Repeat::Infinite)?;
        for (rgba, delay) in frames {
            check_len(width, height, rgba)?;
            let image = RgbaImage::from_raw(width, height, rgba.clone()).ok_or(
                EncodeError::BufferSize {
                    width,
                    height,
                    expected: u64::from(width) * u64::from(height) * 4,
                    actual: rgba.len(),
                },
            )?;
            let frame =
                image::Frame::from_parts(image, 0, 0, Delay::from_saturating_duration(*delay));
            encoder.encode_frame(frame)?;
        }
    }
    Ok(out)
}

/// A still lossless WebP.
pub fn webp(width: u32, height: u32, rgba: &[u8]) -> Result<Vec<u8>, EncodeError> {
    check_len(width, height, rgba)?;
    let mut out = Vec::new();
    WebPEncoder::new_lossless(&mut out).encode(rgba, width, height, ExtendedColorType::Rgba8)?;
    Ok(out)
}

/// An animated lossless WebP that loops forever.
///
/// `image` only writes still WebP, so each frame is encoded on its own and
/// its `VP8L` chunk is wrapped in the extended container (RIFF/WEBP with
/// `VP8X`, `ANIM`, and one `ANMF` per frame) described in Google's "WebP
/// Container Specification".
pub fn webp_animated(width: u32, height: u32, frames: &Frames) -> Result<Vec<u8>, EncodeError> {
    const MAX_CANVAS: u32 = 1 << 24;
    const MAX_DURATION_MS: u128 = (1 << 24) - 1;
    if frames.is_empty() {
        return Err(EncodeError::NoFrames);
    }
    if width > MAX_CANVAS || height > MAX_CANVAS {
        return Err(EncodeError::WebP(format!(
            "canvas {width}×{height} is too large"
        )));
    }
    let has_alpha = frames
        .iter()
        .any(|(rgba, _)| rgba.chunks_exact(4).any(|px| px[3] != 255));

    let mut body = Vec::new();
    // VP8X: flags, three reserved bytes, then canvas size minus one (24 bits each).
    let mut vp8x = vec![if has_alpha { 0x10 | 0x02 } else { 0x02 }, 0, 0, 0];
    vp8x.extend_from_slice(&u24(width - 1));
    vp8x.extend_from_slice(&u24(height - 1));
    write_chunk(&mut body, b"VP8X", &vp8x)?;
    // ANIM: background colour (BGRA, only a hint to players), loop count 0 = forever.
    write_chunk(&mut body, b"ANIM", &[0, 0, 0, 0, 0, 0])?;

    for (rgba, delay) in frames {
        let millis = delay.as_millis();
        if millis > MAX_DURATION_MS {
            return Err(EncodeError::Delay(*delay));
        }
        let still = webp(width, height, rgba)?;
        let vp8l = find_chunk(&still, b"VP8L")
            .ok_or_else(|| EncodeError::WebP("the still encoder wrote no VP8L chunk".into()))?;
        let mut anmf = Vec::with_capacity(16 + vp8l.len());
        anmf.extend_from_slice(&u24(0)); // x offset / 2
        anmf.extend_from_slice(&u24(0)); // y offset / 2
        anmf.extend_from_slice(&u24(width - 1));
        anmf.extend_from_slice(&u24(height - 1));
        anmf.extend_from_slice(&u24(millis as u32));
        // Bit 1 set = do not blend: every frame is a whole picture and must
        // replace the canvas, alpha included. Bit 0 clear = no disposal.
        anmf.push(0b10);
        anmf.extend_from_slice(vp8l);
        write_chunk(&mut body, b"ANMF", &anmf)?;
    }

    let mut out = Vec::with_capacity(body.len() + 12);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&chunk_len(body.len() + 4)?.to_le_bytes());
    out.extend_from_slice(b"WEBP");
    out.extend_from_slice(&body);
    Ok(out)
}

/// A BMP: 24-bit when every pixel is opaque (the most widely readable
/// kind), 32-bit with alpha otherwise.
pub fn bmp(width: u32, height: u32, rgba: &[u8]) -> Result<Vec<u8>, EncodeError> {
    check_len(width, height, rgba)?;
    let mut cursor = Cursor::new(Vec::new());
    let mut encoder = BmpEncoder::new(&mut cursor);
    if rgba.chunks_exact(4).all(|px| px[3] == 255) {
        let rgb: Vec<u8> = rgba
            .chunks_exact(4)
            .flat_map(|px| [px[0], px[1], px[2]])
            .collect();
        encoder.encode(&rgb, width, height, ExtendedColorType::Rgb8)?;
    } else {
        encoder.encode(rgba, width, height, ExtendedColorType::Rgba8)?;
    }
    Ok(cursor.into_inner())
}

fn u24(value: u32) -> [u8; 3] {
    let b = value.to_le_bytes();
    [b[0], b[1], b[2]]
}

fn chunk_len(len: usize) -> Result<u32, EncodeError> {
    u32::try_from(len).map_err(|_| EncodeError::WebP(format!("chunk of {len} bytes is too large")))
}

/// Appends a RIFF chunk, padded to an even length as RIFF requires.
fn write_chunk(out: &mut Vec<u8>, fourcc: &[u8; 4], payload: &[u8]) -> Result<(), EncodeError> {
    out.extend_from_slice(fourcc);
    out.extend_from_slice(&chunk_len(payload.len())?.to_le_bytes());
    out.extend_from_slice(payload);
    if payload.len() % 2 == 1 {
        out.push(0);
    }
    Ok(())
}

/// The whole chunk (header, payload and padding) with the given id inside a
/// RIFF/WEBP file.
fn find_chunk<'a>(file: &'a [u8], fourcc: &[u8; 4]) -> Option<&'a [u8]> {
    let mut at = 12;
    while at + 8 <= file.len() {
        let size = u32::from_le_bytes(file.get(at + 4..at + 8)?.try_into().ok()?) as usize;
        let end = at
            .checked_add(8)?
            .checked_add(size)?
            .checked_add(size % 2)?;
        if &file[at..at + 4] == fourcc {
            return file.get(at..end);
        }
        at = end;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_buffer_sizes_are_errors_not_panics() {
        assert!(matches!(
            png(2, 2, &[0; 15]),
            Err(EncodeError::BufferSize { .. })
        ));
        assert!(matches!(
            webp(2, 2, &[0; 3]),
            Err(EncodeError::BufferSize { .. })
        ));
        assert!(matches!(
            bmp(0, 0, &[]),
            Err(EncodeError::BufferSize { .. })
        ));
        let frames = [(vec![0; 16], Duration::ZERO), (vec![0; 8], Duration::ZERO)];
        assert!(apng(2, 2, &frames).is_err());
        assert!(gif(2, 2, &frames).is_err());
        assert!(webp_animated(2, 2, &frames).is_err());
        assert!(matches!(gif(2, 2, &[]), Err(EncodeError::NoFrames)));
    }

    #[test]
    fn riff_chunks_are_even_and_sizes_add_up() {
        let frames = [
            (vec![255; 3 * 3 * 4], Duration::from_millis(70)),
            (vec![9; 3 * 3 * 4], Duration::from_millis(30)),
        ];
        let file = webp_animated(3, 3, &frames).unwrap();
        let riff_len = u32::from_le_bytes(file[4..8].try_into().unwrap()) as usize;
        assert_eq!(riff_len + 8, file.len());
        assert_eq!(file.len() % 2, 0);
        let mut at = 12;
        let mut ids = Vec::new();
        while at < file.len() {
            let size = u32::from_le_bytes(file[at + 4..at + 8].try_into().unwrap()) as usize;
            ids.push(String::from_utf8_lossy(&file[at..at + 4]).into_owned());
            at += 8 + size + size % 2;
        }
        assert_eq!(at, file.len());
        assert_eq!(ids, ["VP8X", "ANIM", "ANMF", "ANMF"]);
    }
}
