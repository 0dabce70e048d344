//! Device renders written as an animated GIF, APNG or WebP, or a still PNG,
//! each frame kept as long as the artwork keeps it. Pure: bytes in memory;
//! the caller writes the file.
//!
//! Animated WebP: `image` 0.25 and `image-webp` write still, lossless WebP
//! only, and no maintained pure-Rust crate writes the animated container
//! (`webp-animation` binds libwebp, a C library). The container itself is
//! small and published (RIFF `VP8X` + `ANIM` + one `ANMF` per frame), so each
//! frame is encoded by `image-webp` as a still and wrapped here.

use std::time::Duration;

use image::RgbaImage;

/// What the export writes, from the output file's extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Gif,
    /// `.png`: APNG for an animation, a plain PNG for one frame.
    Png,
    WebP,
}

impl ExportFormat {
    pub(crate) fn from_path(path: &std::path::Path) -> Result<Self, String> {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "gif" => Ok(Self::Gif),
            "png" | "apng" => Ok(Self::Png),
            "webp" => Ok(Self::WebP),
            _ => Err(format!(
                "{} does not end in .gif, .png or .webp: name the output file with the format you want.",
                path.display()
            )),
        }
    }

    /// What a file of this format is named with, when the user gave no extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Gif => "gif",
            Self::Png => "png",
            Self::WebP => "webp",
        }
    }

    pub fn name(self, animated: bool) -> &'static str {
        match (self, animated) {
            (Self::Gif, _) => "GIF",
            (Self::Png, true) => "APNG",
            (Self::Png, false) => "PNG",
            (Self::WebP, _) => "WebP",
        }
    }
}

/// Writes frames of one size into `out`, one `add` per frame.
pub struct Encoder<'a> {
    kind: Kind<'a>,
    size: [u32; 2],
    frames: usize,
    added: usize,
}

enum Kind<'a> {
    Gif {
        encoder: gif::Encoder<&'a mut Vec<u8>>,
        clock: Centiseconds,
        /// The frame before, as RGB: the next one writes only what changed.
        previous: Option<Vec<u8>>,
    },
    Png(Option<png::Writer<&'a mut Vec<u8>>>),
    WebP {
        out: &'a mut Vec<u8>,
        body: Vec<u8>,
    },
}

fn failed(format: &str) -> impl Fn(&dyn std::fmt::Display) -> String + '_ {
    move |e| format!("The {format} could not be encoded: {e}.")
}

impl<'a> Encoder<'a> {
    /// An encoder for `frames` frames of `size` pixels (one frame: a still image).
    pub fn new(
        format: ExportFormat,
        size: [u32; 2],
        frames: usize,
        out: &'a mut Vec<u8>,
    ) -> Result<Self, String> {
        let animated = frames > 1;
        let err = failed(format.name(animated));
        let [w, h] = size;
        let kind = match format {
            ExportFormat::Gif => {
                let (gw, gh) = (u16::try_from(w), u16::try_from(h));
                let (Ok(gw), Ok(gh)) = (gw, gh) else {
                    return Err(err(&"a GIF is at most 65535 pixels a side"));
                };
                let mut encoder = gif::Encoder::new(out, gw, gh, &[]).map_err(|e| err(&e))?;
                if animated {
                    encoder
                        .set_repeat(gif::Repeat::Infinite)
                        .map_err(|e| err(&e))?;
                }
                Kind::Gif {
                    encoder,
                    clock: Centiseconds::default(),
                    previous: None,
                }
            }
            ExportFormat::Png => {
                let mut encoder = png::Encoder::new(out, w, h);
                encoder.set_color(png::ColorType::Rgb);
                encoder.set_depth(png::BitDepth::Eight);
                encoder.set_compression(png::Compression::Fast);
                if animated {
                    let count = u32::try_from(frames).map_err(|e| err(&e))?;
                    // 0 plays: loop for ever, as the player does.
                    encoder.set_animated(count, 0).map_err(|e| err(&e))?;
                }
                Kind::Png(Some(encoder.write_header().map_err(|e| err(&e))?))
            }
            ExportFormat::WebP => Kind::WebP {
                out,
                body: Vec::new(),
            },
        };
        Ok(Self {
            kind,
            size,
            frames,
            added: 0,
        })
    }

    /// Adds the next frame, shown for `delay`.
    pub fn add(&mut self, image: &RgbaImage, delay: Duration) -> Result<(), String> {
        if image.dimensions() != (self.size[0], self.size[1]) || self.added >= self.frames {
            return Err("The export's frames changed size or number while it ran.".into());
        }
        let animated = self.frames > 1;
        let rgb = rgb_of(image);
        let [w, h] = self.size;
        match &mut self.kind {
            Kind::Gif {
                encoder,
                clock,
                previous,
            } => {
                let [x, y, cw, ch] = match previous.as_deref() {
                    Some(before) => changed(before, &rgb, [w, h]),
                    None => [0, 0, w, h],
                };
                let part = crop(&rgb, w, [x, y, cw, ch]);
                let mut frame = gif_frame(cw as u16, ch as u16, &part);
                (frame.left, frame.top) = (x as u16, y as u16);
                frame.dispose = gif::DisposalMethod::Keep;
                frame.delay = clock.next(delay);
                encoder.write_frame(&frame).map_err(|e| failed("GIF")(&e))?;
                *previous = Some(rgb);
            }
            Kind::Png(writer) => {
                let err = failed(if animated { "APNG" } else { "PNG" });
                let Some(writer) = writer.as_mut() else {
                    return Err(err(&"it was already finished"));
                };
                if animated {
                    let (num, den) = apng_delay(delay);
                    writer.set_frame_delay(num, den).map_err(|e| err(&e))?;
                }
                writer.write_image_data(&rgb).map_err(|e| err(&e))?;
            }
            Kind::WebP { body, .. } => {
                let still = webp_still(&rgb, w, h)?;
                if animated {
                    write_anmf(body, &still, [w, h], delay);
                } else {
                    body.extend_from_slice(&still);
                }
            }
        }
        self.added += 1;
        Ok(())
    }

    /// Ends the file; every frame announced must have been added.
    pub fn finish(self) -> Result<(), String> {
        if self.added != self.frames {
            return Err(format!(
                "The export stopped after {} of {} frames.",
                self.added, self.frames
            ));
        }
        let animated = self.frames > 1;
        match self.kind {
            Kind::Gif { encoder, .. } => {
                encoder.into_inner().map_err(|e| failed("GIF")(&e))?;
            }
            Kind::Png(writer) => {
                if let Some(writer) = writer {
                    writer
                        .finish()
                        .map_err(|e| failed(if animated { "APNG" } else { "PNG" })(&e))?;
                }
            }
            Kind::WebP { out, body } => {
                if animated {
                    write_animated_webp(out, self.size, &body);
                } else {
                    out.extend_from_slice(&body);
                }
            }
        }
        Ok(())
    }
}

/// The device renders are opaque: RGB is all an encoder needs.
fn rgb_of(image: &RgbaImage) -> Vec<u8> {
    image
        .as_raw()
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect()
}

/// The rectangle [x, y, w, h] holding every pixel that differs between two
/// RGB frames of `size`; one pixel when none does (a GIF frame cannot be empty).
fn changed(before: &[u8], after: &[u8], [w, h]: [u32; 2]) -> [u32; 4] {
    let row = w as usize * 3;
    let rows: Vec<usize> = (0..h as usize)
        .filter(|y| before[y * row..(y + 1) * row] != after[y * row..(y + 1) * row])
        .collect();
    let (Some(&top), Some(&bottom)) = (rows.first(), rows.last()) else {
        return [0, 0, 1, 1];
    };
    let (mut left, mut right) = (w as usize, 0);
    for y in top..=bottom {
        let (a, b) = (
            &before[y * row..(y + 1) * row],
            &after[y * row..(y + 1) * row],
        );
        for x in 0..w as usize {
            if a[x * 3..x * 3 + 3] != b[x * 3..x * 3 + 3] {
                left = left.min(x);
                right = right.max(x);
            }
        }
    }
    [left, top, right - left + 1, bottom - top + 1].map(|v| v as u32)
}

/// The RGB pixels of `rect` in an image `width` pixels wide.
fn crop(rgb: &[u8], width: u32, [x, y, w, h]: [u32; 4]) -> Vec<u8> {
    let (row, start) = (width as usize * 3, x as usize * 3);
    (y as usize..(y + h) as usize)
        .flat_map(|r| &rgb[r * row + start..r * row + start + w as usize * 3])
        .copied()
        .collect()
}

/// A frame of at most 256 colours (a device render nearly always is: the
/// board, each LED's colour, its glow) keeps every colour exactly; more are
/// quantised by the `gif` crate's NeuQuant.
fn gif_frame(w: u16, h: u16, rgb: &[u8]) -> gif::Frame<'static> {
    let mut palette: Vec<[u8; 3]> = Vec::new();
    let mut index = std::collections::HashMap::<[u8; 3], u8>::new();
    let mut pixels = Vec::with_capacity(rgb.len() / 3);
    let mut last: Option<([u8; 3], u8)> = None;
    for p in rgb.chunks_exact(3) {
        let colour = [p[0], p[1], p[2]];
        // Runs of one colour are the rule: skip the map for them.
        if let Some((c, i)) = last
            && c == colour
        {
            pixels.push(i);
            continue;
        }
        let i = match index.get(&colour) {
            Some(i) => *i,
            None if palette.len() < 256 => {
                let i = palette.len() as u8;
                palette.push(colour);
                index.insert(colour, i);
                i
            }
            None => return gif::Frame::from_rgb_speed(w, h, rgb, 10),
        };
        last = Some((colour, i));
        pixels.push(i);
    }
    let palette: Vec<u8> = palette.into_iter().flatten().collect();
    gif::Frame::from_palette_pixels(w, h, pixels, palette, None)
}

/// GIF delays are whole centiseconds: each frame ends at the artwork's own
/// time rounded to the nearest one, so the loop keeps its length however the
/// delays round; at least 2 cs, since browsers play 0 and 1 as 10. A frame
/// longer than a GIF holds (655.35 s) is cut to that, its excess dropped:
/// carried on, it would stretch the frames after it.
#[derive(Default)]
struct Centiseconds {
    elapsed: Duration,
    written: u64,
}

impl Centiseconds {
    fn next(&mut self, delay: Duration) -> u16 {
        self.elapsed += delay;
        let end = (self.elapsed.as_millis() as u64 + 5) / 10;
        let cs = end
            .saturating_sub(self.written)
            .clamp(2, u64::from(u16::MAX));
        self.written = (self.written + cs).max(end);
        cs as u16
    }
}

/// An APNG delay as a fraction of a second: milliseconds while they fit.
fn apng_delay(delay: Duration) -> (u16, u16) {
    let ms = delay.as_millis();
    match u16::try_from(ms) {
        Ok(ms) => (ms, 1000),
        Err(_) => (u16::try_from(ms / 100).unwrap_or(u16::MAX), 10),
    }
}

/// One frame as a lossless still WebP file, from `image-webp`.
fn webp_still(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, String> {
    let mut still = Vec::new();
    image_webp::WebPEncoder::new(&mut still)
        .encode(rgb, w, h, image_webp::ColorType::Rgb8)
        .map_err(|e| failed("WebP")(&e))?;
    Ok(still)
}

/// The still file's image chunk (`VP8L`, after the 12-byte RIFF header) wrapped
/// in an `ANMF` chunk: the frame at 0,0, full size, `delay` long, not blended
/// (every frame is opaque and whole).
fn write_anmf(body: &mut Vec<u8>, still: &[u8], [w, h]: [u32; 2], delay: Duration) {
    let image = still.get(12..).unwrap_or_default();
    let mut payload = Vec::with_capacity(16 + image.len());
    payload.extend_from_slice(&[0; 6]); // x / 2, y / 2
    payload.extend_from_slice(&u24(w - 1));
    payload.extend_from_slice(&u24(h - 1));
    let ms = u32::try_from(delay.as_millis()).unwrap_or(u32::MAX);
    payload.extend_from_slice(&u24(ms.min(0xFF_FFFF)));
    payload.push(0b10); // do not blend, do not dispose
    payload.extend_from_slice(image);
    chunk(body, b"ANMF", &payload);
}

fn write_animated_webp(out: &mut Vec<u8>, [w, h]: [u32; 2], frames: &[u8]) {
    let mut body = Vec::with_capacity(frames.len() + 64);
    body.extend_from_slice(b"WEBP");
    let mut vp8x = vec![0b10, 0, 0, 0]; // the animation flag
    vp8x.extend_from_slice(&u24(w - 1));
    vp8x.extend_from_slice(&u24(h - 1));
    chunk(&mut body, b"VP8X", &vp8x);
    // Background (BGRA, unused: every frame covers the canvas), loop for ever.
    chunk(&mut body, b"ANIM", &[0, 0, 0, 255, 0, 0]);
    body.extend_from_slice(frames);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
}

fn chunk(out: &mut Vec<u8>, name: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(name);
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(data);
    if data.len() % 2 == 1 {
        out.push(0);
    }
}

fn u24(v: u32) -> [u8; 3] {
    let [a, b, c, _] = v.to_le_bytes();
    [a, b, c]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gif_delays_keep_the_loop_length_in_centiseconds() {
        let mut clock = Centiseconds::default();
        let delays: Vec<u16> = [33, 33, 34, 15]
            .map(|ms| clock.next(Duration::from_millis(ms)))
            .to_vec();
        // Ends at 3.3, 6.6, 10.0, 11.5 cs → 3, 7, 10, 12 when rounded: the differences.
        assert_eq!(delays, [3, 4, 3, 2]);
    }

    #[test]
    fn a_gif_frame_too_long_is_cut_without_stretching_the_next() {
        let mut clock = Centiseconds::default();
        let delays: Vec<u16> = [Duration::from_secs(1000), Duration::from_millis(100)]
            .map(|d| clock.next(d))
            .to_vec();
        assert_eq!(delays, [u16::MAX, 10]);
    }

    #[test]
    fn a_gif_frame_holds_only_what_changed() {
        // 3×2, one pixel changes at (1, 1).
        let before = vec![0u8; 18];
        let mut after = before.clone();
        after[(3 + 1) * 3] = 9;
        assert_eq!(changed(&before, &after, [3, 2]), [1, 1, 1, 1]);
        assert_eq!(crop(&after, 3, [1, 1, 1, 1]), [9, 0, 0]);
        assert_eq!(changed(&before, &before, [3, 2]), [0, 0, 1, 1]);
    }

    #[test]
    fn apng_delays_are_exact_milliseconds() {
        assert_eq!(apng_delay(Duration::from_millis(70)), (70, 1000));
        assert_eq!(apng_delay(Duration::from_secs(100)), (1000, 10));
    }

    #[test]
    fn the_format_comes_from_the_extension() {
        use std::path::Path;
        assert_eq!(
            ExportFormat::from_path(Path::new("a.GIF")),
            Ok(ExportFormat::Gif)
        );
        assert_eq!(
            ExportFormat::from_path(Path::new("a.png")),
            Ok(ExportFormat::Png)
        );
        assert_eq!(
            ExportFormat::from_path(Path::new("a.webp")),
            Ok(ExportFormat::WebP)
        );
        let err = ExportFormat::from_path(Path::new("a.jpg")).unwrap_err();
        assert!(err.contains(".gif, .png or .webp"), "{err}");
    }
}
