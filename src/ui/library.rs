//! Decoded artworks held as GPU textures, one per frame at native size, keyed
//! by where the artwork came from. Only what the engine wants is kept.

use std::collections::HashMap;
use std::time::Duration;

use eframe::egui::{self, ColorImage, TextureHandle, TextureOptions};

use crate::media::animation::FrameClock;
use crate::media::decode::{ArtFormat, Artwork};
use crate::player::ArtworkSource;

/// An artwork's frames converted for the GPU, made on the decoder thread so the
/// window only hands them over (no per-pixel work in a frame).
pub struct PreparedArt {
    pub width: u32,
    pub height: u32,
    pub format: ArtFormat,
    pub frames: Vec<ColorImage>,
    pub delays: Vec<Duration>,
}

impl PreparedArt {
    pub fn from_artwork(art: Artwork) -> Self {
        let size = [art.width as usize, art.height as usize];
        let delays = art.delays();
        let frames = art
            .frames
            .into_iter()
            .map(|frame| ColorImage::from_rgba_unmultiplied(size, &frame.rgba))
            .collect();
        Self {
            width: art.width,
            height: art.height,
            format: art.format,
            frames,
            delays,
        }
    }
}

pub struct LoadedArt {
    pub width: u32,
    pub height: u32,
    pub format: ArtFormat,
    pub frames: Vec<TextureHandle>,
    pub clock: FrameClock,
}

impl LoadedArt {
    /// Uploads every frame once; scaling happens on the GPU with nearest-neighbour sampling.
    pub fn upload(ctx: &egui::Context, name: &str, art: PreparedArt) -> Self {
        let frames = art
            .frames
            .into_iter()
            .enumerate()
            .map(|(i, image)| {
                ctx.load_texture(format!("{name}#{i}"), image, TextureOptions::NEAREST)
            })
            .collect();
        Self {
            width: art.width,
            height: art.height,
            format: art.format,
            frames,
            clock: FrameClock::new(art.delays),
        }
    }

    pub fn loop_duration(&self) -> Duration {
        self.clock.loop_duration()
    }
}

pub enum Entry {
    Ready(LoadedArt),
    /// The sentence shown on the placeholder.
    Failed(String),
}

#[derive(Default)]
pub struct Library {
    entries: HashMap<ArtworkSource, Entry>,
    /// Bumped on every (re)load request so a slow, stale decode cannot overwrite a newer one.
    generations: HashMap<ArtworkSource, u64>,
    in_flight: HashMap<ArtworkSource, u64>,
    next_generation: u64,
}

impl Library {
    pub fn get(&self, source: &ArtworkSource) -> Option<&Entry> {
        self.entries.get(source)
    }

    /// Needs a decode: neither held nor on its way.
    pub fn needs_load(&self, source: &ArtworkSource) -> bool {
        !self.entries.contains_key(source) && !self.in_flight.contains_key(source)
    }

    /// Registers a new decode and returns its generation.
    pub fn start_load(&mut self, source: &ArtworkSource) -> u64 {
        self.next_generation += 1;
        let generation = self.next_generation;
        self.generations.insert(source.clone(), generation);
        self.in_flight.insert(source.clone(), generation);
        generation
    }

    /// True when this result is the newest asked for `source` (and should be used).
    pub fn finish_load(&mut self, source: &ArtworkSource, generation: u64) -> bool {
        if self.generations.get(source) != Some(&generation) {
            return false;
        }
        self.in_flight.remove(source);
        true
    }

    pub fn insert(&mut self, source: ArtworkSource, entry: Entry) {
        self.entries.insert(source, entry);
    }

    /// Frees textures of artworks the engine no longer wants.
    pub fn retain(&mut self, keep: impl Fn(&ArtworkSource) -> bool) {
        self.entries.retain(|k, _| keep(k));
        self.in_flight.retain(|k, _| keep(k));
        self.generations.retain(|k, _| keep(k));
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
