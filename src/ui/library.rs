//! Decoded artworks as the window holds them: compact frames with one GPU
//! texture at native size that shows the current frame. Which are held, and
//! the posts shown recently kept aside, is `app::library`'s. An artwork larger
//! than the GPU's largest texture is shown through a texture sampled down
//! (nearest neighbour) to fit.

use std::cell::Cell;
use std::sync::Arc;
use std::time::Duration;

use eframe::egui::epaint::ImageDelta;
use eframe::egui::{self, Color32, ColorImage, TextureHandle, TextureId, TextureOptions};

use crate::app::library::HeldArt;
use crate::media::animation::FrameClock;
use crate::media::decode::ArtFormat;
use crate::media::frame_store::{Canvas, CompactArtwork, FrameStore};

/// An artwork ready for the window: its compact frames, with the first one
/// already rendered on the decoder thread (for a large still image that is
/// the only per-pixel work, and it stays off the window thread).
pub struct PreparedArt {
    pub format: ArtFormat,
    pub frames: FrameStore,
    /// Shared, not inline: this travels inside the window's event enum.
    first: Arc<ColorImage>,
    /// Frame 0 again for an animation, for the next frames to paint over;
    /// empty for a still image, which never changes.
    canvas: Canvas<Color32>,
    /// Every `step`-th pixel of each row and column goes into the texture.
    step: usize,
}

impl PreparedArt {
    /// Renders the first frame, sampled down when a side is over
    /// `max_texture_side` (the decoder thread does that work, not the window).
    pub fn from_artwork(art: CompactArtwork, max_texture_side: usize) -> Self {
        let mut canvas = Canvas::default();
        render(&art.frames, 0, &mut canvas);
        let step = texture_step(art.width(), art.height(), max_texture_side);
        let first = Arc::new(if art.is_animated() || step > 1 {
            image_of(&art.frames, &canvas, step)
        } else {
            let size = [art.width() as usize, art.height() as usize];
            ColorImage::new(size, canvas.take_pixels())
        });
        if !art.is_animated() {
            canvas = Canvas::default();
        }
        Self {
            format: art.format,
            frames: art.frames,
            first,
            canvas,
            step,
        }
    }
}

/// Every how many pixels one is kept so the longest side fits `max_side`.
pub fn texture_step(width: u32, height: u32, max_side: usize) -> usize {
    let longest = width.max(height) as usize;
    longest.div_ceil(max_side.max(1)).max(1)
}

/// Puts frame `index` into `canvas` as egui pixels (premultiplied).
fn render(frames: &FrameStore, index: usize, canvas: &mut Canvas<Color32>) -> bool {
    frames.render(
        index,
        |[r, g, b, a]| Color32::from_rgba_unmultiplied(r, g, b, a),
        canvas,
    )
}

/// The texture's image of the frame in `canvas`: every `step`-th pixel.
fn image_of(frames: &FrameStore, canvas: &Canvas<Color32>, step: usize) -> ColorImage {
    let (width, height) = (frames.width() as usize, frames.height() as usize);
    sampled(canvas.pixels(), width, height, step)
}

fn sampled(pixels: &[Color32], width: usize, height: usize, step: usize) -> ColorImage {
    if step <= 1 || width == 0 {
        return ColorImage::new([width, height], pixels.to_vec());
    }
    let size = [width.div_ceil(step), height.div_ceil(step)];
    let mut out = Vec::with_capacity(size[0] * size[1]);
    for row in pixels.chunks_exact(width).step_by(step) {
        out.extend(row.iter().step_by(step));
    }
    ColorImage::new(size, out)
}

pub struct LoadedArt {
    pub width: u32,
    pub height: u32,
    pub format: ArtFormat,
    pub clock: FrameClock,
    /// Shared so that an export renders every frame on its own thread.
    frames: Arc<FrameStore>,
    /// The frame shown, as pixels: the next frame paints only its changes.
    canvas: Canvas<Color32>,
    /// One egui texture for all frames, so GPU memory does not grow with the
    /// frame count. It is refilled only when egui draws the art (a preview
    /// tile, or where the art's own GL texture cannot): `art_gl` packs the
    /// canvas itself, and refilling this too would copy and upload every
    /// frame twice.
    texture: TextureHandle,
    /// The frame shown: the one in `canvas`.
    shown: usize,
    /// The frame in `texture`, behind `shown` until egui next draws it.
    in_texture: Cell<usize>,
    /// Every `step`-th pixel is in the texture (1 unless the artwork is larger
    /// than the GPU's largest texture).
    step: usize,
}

impl LoadedArt {
    /// Uploads the first frame; scaling happens on the GPU with nearest-neighbour sampling.
    pub fn upload(ctx: &egui::Context, name: &str, art: PreparedArt) -> Self {
        let max_side = ctx.input(|i| i.max_texture_side);
        let (mut first, mut step) = (art.first, art.step);
        // Prepared for a larger limit than this GPU's: sampled down once more.
        let extra = texture_step(first.width() as u32, first.height() as u32, max_side);
        if extra > 1 {
            let [w, h] = first.size;
            first = Arc::new(sampled(&first.pixels, w, h, extra));
            step *= extra;
        }
        let texture = ctx.load_texture(name, first, TextureOptions::NEAREST);
        Self {
            width: art.frames.width(),
            height: art.frames.height(),
            format: art.format,
            clock: FrameClock::new(art.frames.delays().to_vec()),
            frames: Arc::new(art.frames),
            canvas: art.canvas,
            texture,
            shown: 0,
            in_texture: Cell::new(0),
            step,
        }
    }

    pub fn loop_duration(&self) -> Duration {
        self.clock.loop_duration()
    }

    pub fn frame_count(&self) -> usize {
        self.frames.frame_count()
    }

    /// Names the artwork while the window holds it (a new artwork, even of
    /// the same source, gets a new one): caches key their work on it.
    pub fn texture_id(&self) -> TextureId {
        self.texture.id()
    }

    /// The texture for egui to draw, first filled with the frame shown if it
    /// holds an older one.
    pub fn texture_to_draw(&self, ctx: &egui::Context) -> TextureId {
        if self.in_texture.get() != self.shown {
            let image = image_of(&self.frames, &self.canvas, self.step);
            let delta = ImageDelta::full(image, TextureOptions::NEAREST);
            ctx.tex_manager().write().set(self.texture.id(), delta);
            self.in_texture.set(self.shown);
        }
        self.texture.id()
    }

    /// The texture's size: the art's, or sampled down to fit the GPU.
    pub fn texture_size(&self) -> [usize; 2] {
        self.texture.size()
    }

    /// Every how many pixels one is in the texture (1 unless the art is larger than the GPU allows).
    pub fn texture_step(&self) -> usize {
        self.step
    }

    /// The frame due on screen: what the next paint presents.
    pub fn shown_frame(&self) -> usize {
        self.shown
    }

    /// Frame `index` as straight RGBA into `canvas`, painting only the changes
    /// since the frame it holds (device previews light LEDs from it).
    pub fn render_straight(&self, index: usize, canvas: &mut Canvas<[u8; 4]>) -> bool {
        self.frames.render(index, |p| p, canvas)
    }

    /// The frame shown, every pixel at full size and premultiplied, when
    /// the window keeps it (an animation's canvas; a still image keeps none).
    pub fn shown_premultiplied(&self) -> Option<&[Color32]> {
        let pixels = self.canvas.pixels();
        (pixels.len() == self.width as usize * self.height as usize && !pixels.is_empty())
            .then_some(pixels)
    }

    /// Every frame, for File › Export preview as to render on its worker thread.
    pub fn frames(&self) -> Arc<FrameStore> {
        Arc::clone(&self.frames)
    }

    /// The frame shown as straight RGBA bytes (for exporting a preview).
    pub fn frame_rgba(&self) -> Option<Vec<u8>> {
        self.frames.rgba(self.shown)
    }

    /// Memory this artwork holds: its frames (with those played from its
    /// file), the canvas and the texture.
    pub fn held_bytes(&self) -> u64 {
        let [w, h] = self.texture.size();
        self.frames.held_bytes() + (self.canvas.pixels().len() as u64 + (w * h) as u64) * 4
    }

    /// Makes frame `index` the one shown unless it is already.
    pub fn show_frame(&mut self, index: usize) {
        if index != self.shown && render(&self.frames, index, &mut self.canvas) {
            self.shown = index;
        }
    }
}

impl HeldArt for LoadedArt {
    fn held_bytes(&self) -> u64 {
        LoadedArt::held_bytes(self)
    }

    fn clock(&self) -> &FrameClock {
        &self.clock
    }

    fn show_frame(&mut self, index: usize) {
        LoadedArt::show_frame(self, index);
    }
}

/// An artwork the window holds, or why it cannot.
pub type Entry = crate::app::library::Entry<LoadedArt>;

/// The artworks the window holds, and the posts shown recently (`app::library`).
pub type Library = crate::app::library::Library<LoadedArt>;

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::media::frame_store::FrameStore;
    use eframe::egui::ImageData;

    const COLOURS: [[u8; 4]; 3] = [[255, 0, 0, 255], [0, 0, 255, 128], [0, 0, 0, 0]];

    pub(crate) fn art() -> PreparedArt {
        let mut frames = FrameStore::default();
        for colour in COLOURS {
            frames.push(&colour.repeat(4), 2, 2, Duration::from_millis(50));
        }
        PreparedArt::from_artwork(
            CompactArtwork {
                format: ArtFormat::Gif,
                frames,
            },
            2048,
        )
    }

    /// The artwork texture's pixels, as uploaded since the last call.
    fn uploaded(ctx: &egui::Context, art: &LoadedArt) -> Vec<Vec<Color32>> {
        let mut delta = ctx.tex_manager().write().take_delta();
        let mut images = Vec::new();
        if let Some(deltas) = delta.set.get(&art.texture_id()) {
            for delta in deltas {
                let ImageData::Color(image) = &delta.image;
                images.push(image.pixels.clone());
            }
        }
        // There is no GPU here to apply them to.
        delta.clear();
        images
    }

    fn expected(colour: [u8; 4]) -> Vec<Color32> {
        let [r, g, b, a] = colour;
        vec![Color32::from_rgba_unmultiplied(r, g, b, a); 4]
    }

    pub(crate) fn ready(ctx: &egui::Context, name: &str, art: PreparedArt) -> Entry {
        Entry::Ready(LoadedArt::upload(ctx, name, art))
    }

    /// What `app::library` keeps aside keeps its texture; what it drops frees it.
    #[test]
    fn a_post_kept_aside_keeps_its_texture_and_a_dropped_file_frees_its() {
        use crate::app::library::tests::post;
        use crate::player::ArtworkSource;
        let ctx = egui::Context::default();
        let mut library = Library::default();
        let atlas = ctx.tex_manager().read().num_allocated();
        library.insert(post(1), ready(&ctx, "one", art()));
        let file = ArtworkSource::File("/art/mine.gif".into());
        library.insert(file, ready(&ctx, "mine", art()));
        assert_eq!(ctx.tex_manager().read().num_allocated(), atlas + 2);
        library.retain(|s| *s == post(2));
        assert_eq!(library.recent_len(), 1);
        assert_eq!(
            ctx.tex_manager().read().num_allocated(),
            atlas + 1,
            "the post's texture is kept aside, the file's freed"
        );
    }

    #[test]
    fn all_frames_share_one_texture_filled_when_egui_draws_them() {
        let ctx = egui::Context::default();
        let before = ctx.tex_manager().read().num_allocated();
        let mut loaded = LoadedArt::upload(&ctx, "three", art());
        assert_eq!(ctx.tex_manager().read().num_allocated(), before + 1);
        assert_eq!(loaded.frame_count(), 3);
        let _ = uploaded(&ctx, &loaded);

        for index in [1, 2, 0, 2] {
            loaded.show_frame(index);
            assert_eq!(loaded.texture_to_draw(&ctx), loaded.texture_id());
            assert_eq!(
                uploaded(&ctx, &loaded),
                vec![expected(COLOURS[index])],
                "frame {index}"
            );
        }
        // The frame already in the texture is not uploaded again.
        loaded.show_frame(2);
        loaded.texture_to_draw(&ctx);
        assert!(uploaded(&ctx, &loaded).is_empty());
        // Nor is anything for a frame that does not exist.
        loaded.show_frame(7);
        loaded.texture_to_draw(&ctx);
        assert!(uploaded(&ctx, &loaded).is_empty());
        assert_eq!(ctx.tex_manager().read().num_allocated(), before + 1);
    }

    /// While the art's own GL texture draws it, frames go by without egui's
    /// texture being filled; when egui draws it again, it gets the frame shown.
    #[test]
    fn frames_egui_does_not_draw_are_not_uploaded() {
        let ctx = egui::Context::default();
        let mut loaded = LoadedArt::upload(&ctx, "three", art());
        let _ = uploaded(&ctx, &loaded);
        for index in [1, 2, 0, 1] {
            loaded.show_frame(index);
            assert_eq!(loaded.shown_frame(), index);
            assert!(uploaded(&ctx, &loaded).is_empty(), "frame {index}");
        }
        // The art's own texture packs the frame shown from the canvas.
        assert_eq!(
            loaded.shown_premultiplied(),
            Some(&expected(COLOURS[1])[..])
        );
        loaded.texture_to_draw(&ctx);
        assert_eq!(uploaded(&ctx, &loaded), vec![expected(COLOURS[1])]);
    }

    #[test]
    fn a_still_image_is_uploaded_once_and_keeps_no_second_copy() {
        let mut frames = FrameStore::default();
        frames.push(&COLOURS[1].repeat(4), 2, 2, Duration::ZERO);
        let art = PreparedArt::from_artwork(
            CompactArtwork {
                format: ArtFormat::Png,
                frames,
            },
            2048,
        );
        assert!(art.canvas.pixels().is_empty());
        let ctx = egui::Context::default();
        let mut loaded = LoadedArt::upload(&ctx, "still", art);
        assert_eq!(uploaded(&ctx, &loaded), vec![expected(COLOURS[1])]);
        loaded.show_frame(0);
        assert!(uploaded(&ctx, &loaded).is_empty());
    }

    #[test]
    fn an_artwork_wider_than_the_largest_texture_is_sampled_down_to_fit() {
        let (w, h) = (3000u32, 10u32);
        let mut rgba = Vec::new();
        for _y in 0..h {
            for x in 0..w {
                rgba.extend_from_slice(&[(x % 2 * 255) as u8, 0, 0, 255]);
            }
        }
        let mut frames = FrameStore::default();
        frames.push(&rgba, w, h, Duration::ZERO);
        let art = PreparedArt::from_artwork(
            CompactArtwork {
                format: ArtFormat::Png,
                frames,
            },
            2048,
        );
        let ctx = egui::Context::default();
        assert_eq!(ctx.input(|i| i.max_texture_side), 2048);
        let loaded = LoadedArt::upload(&ctx, "wide", art);
        assert_eq!(
            (loaded.width, loaded.height),
            (w, h),
            "the artwork keeps its size"
        );
        assert_eq!(loaded.texture_size(), [1500, 5], "every second pixel");
        // Prepared for a larger GPU, then uploaded to this one: sampled again.
        let mut frames = FrameStore::default();
        frames.push(&rgba, w, h, Duration::ZERO);
        let art = PreparedArt::from_artwork(
            CompactArtwork {
                format: ArtFormat::Png,
                frames,
            },
            4096,
        );
        let loaded = LoadedArt::upload(&ctx, "wide", art);
        assert!(
            loaded.texture_size()[0] <= 2048,
            "{:?}",
            loaded.texture_size()
        );
    }
}
