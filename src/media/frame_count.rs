//! How many frames an animation says it has, read from its container without
//! decoding a pixel, so work that would take minutes is refused in
//! microseconds. A damaged or cut container gives the frames counted so far
//! (a lower bound, which is all the check needs).

use super::decode::ArtFormat;

/// The frame count of `bytes` in `format`; `None` when the container does
/// not say (a still image, or a layout this does not read).
pub fn frame_count(format: ArtFormat, bytes: &[u8]) -> Option<usize> {
    match format {
        ArtFormat::Gif => Some(gif_frames(bytes)),
        ArtFormat::Png | ArtFormat::Apng => apng_frames(bytes),
        ArtFormat::WebP => webp_frames(bytes),
        ArtFormat::Bmp => None,
    }
}

/// Image descriptors in a GIF's block stream (the LZW data is skipped, not decoded).
fn gif_frames(b: &[u8]) -> usize {
    let mut frames = 0;
    walk_gif(b, |_, _| frames += 1);
    frames
}

/// What a GIF's frames cost beyond its canvas: the pixels of every frame's own
/// rectangle (its LZW data expands to that many indices, whatever part of it
/// lands on the canvas), and the largest rectangle, for the message.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct GifRects {
    pub pixels: u64,
    pub largest: (u32, u32),
}

pub(crate) fn gif_rects(b: &[u8]) -> GifRects {
    let mut rects = GifRects::default();
    walk_gif(b, |width, height| {
        let pixels = u64::from(width) * u64::from(height);
        rects.pixels = rects.pixels.saturating_add(pixels);
        let (w, h) = rects.largest;
        if pixels > u64::from(w) * u64::from(h) {
            rects.largest = (width, height);
        }
    });
    rects
}

/// Calls `frame` with each image descriptor's width and height, in order.
fn walk_gif(b: &[u8], mut frame: impl FnMut(u32, u32)) {
    let colour_table = |flags: u8| {
        if flags & 0x80 != 0 {
            3 << ((flags & 7) + 1)
        } else {
            0
        }
    };
    let Some(&flags) = b.get(10) else { return };
    let mut at = 13 + colour_table(flags);
    let u16_at = |at: usize| {
        b.get(at..at + 2)
            .map(|v| u32::from(u16::from_le_bytes([v[0], v[1]])))
    };
    loop {
        match b.get(at) {
            // An extension: label, then data sub-blocks.
            Some(0x21) => match skip_sub_blocks(b, at + 2) {
                Some(next) => at = next,
                None => return,
            },
            // An image: descriptor, local colour table, LZW code size, data.
            Some(0x2C) => {
                let (Some(width), Some(height), Some(&local)) =
                    (u16_at(at + 5), u16_at(at + 7), b.get(at + 9))
                else {
                    return;
                };
                frame(width, height);
                match skip_sub_blocks(b, at + 10 + colour_table(local) + 1) {
                    Some(next) => at = next,
                    None => return,
                }
            }
            // The trailer, damage or the end.
            _ => return,
        }
    }
}

fn skip_sub_blocks(b: &[u8], mut at: usize) -> Option<usize> {
    loop {
        let len = usize::from(*b.get(at)?);
        at += 1;
        if len == 0 {
            return Some(at);
        }
        at += len;
    }
}

/// `num_frames` of the `acTL` chunk, which comes before the image data.
fn apng_frames(b: &[u8]) -> Option<usize> {
    let mut at = 8;
    loop {
        let len = u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?) as usize;
        match b.get(at + 4..at + 8)? {
            b"acTL" => {
                let frames = b.get(at + 8..at + 12)?.try_into().ok()?;
                return usize::try_from(u32::from_be_bytes(frames)).ok();
            }
            b"IDAT" | b"IEND" => return None,
            _ => at = at.checked_add(12)?.checked_add(len)?,
        }
    }
}

/// `ANMF` chunks of an animated WebP.
fn webp_frames(b: &[u8]) -> Option<usize> {
    let mut at = 12;
    let mut frames = 0;
    while let Some(header) = b.get(at..at + 8) {
        let len = u32::from_le_bytes(header[4..8].try_into().ok()?) as usize;
        if &header[..4] == b"ANMF" {
            frames += 1;
        }
        at = at.checked_add(8)?.checked_add(len + (len & 1))?;
    }
    (frames > 0).then_some(frames)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample_art::encode;

    fn frames(w: u32, h: u32, n: usize) -> Vec<(Vec<u8>, std::time::Duration)> {
        (0..n)
            .map(|i| {
                let v = (i * 40 % 256) as u8;
                let rgba = [v, 255 - v, 7, 255].repeat((w * h) as usize);
                (rgba, std::time::Duration::from_millis(100))
            })
            .collect()
    }

    #[test]
    fn frames_are_counted_from_the_container_of_each_format() {
        let six = frames(4, 3, 6);
        let gif = encode::gif(4, 3, &six).unwrap();
        assert_eq!(frame_count(ArtFormat::Gif, &gif), Some(6));
        assert_eq!(
            frame_count(ArtFormat::Gif, &gif[..gif.len() / 2]).map(|n| n < 6),
            Some(true),
            "a cut file gives what was counted"
        );
        let apng = encode::apng(4, 3, &six).unwrap();
        assert_eq!(frame_count(ArtFormat::Png, &apng), Some(6));
        let webp = encode::webp_animated(4, 3, &six).unwrap();
        assert_eq!(frame_count(ArtFormat::WebP, &webp), Some(6));
        assert_eq!(frame_count(ArtFormat::Gif, b"GIF89a"), Some(0));
        assert_eq!(frame_count(ArtFormat::Png, b"\x89PNG\r\n\x1a\n"), None);
        assert_eq!(
            gif_rects(&gif),
            GifRects {
                pixels: 6 * 12,
                largest: (4, 3)
            }
        );
    }
}
