//! The line beside each device preview saying what the device does to the
//! artwork on screen (`preview::device_notes`), computed once per artwork and
//! look, from the frames the window holds.

use std::cell::RefCell;
use std::collections::HashSet;

use eframe::egui;

use super::library::LoadedArt;
use crate::media::frame_store::Canvas;
use crate::player::ArtworkSource;
use crate::preview::color;
use crate::preview::device_notes::{self, ArtFacts};
use crate::preview::render::Look;

/// Pixels looked at for colours, over all frames: a few ms on the window
/// thread, once per artwork. Beyond it the first frames stand for the rest.
const COLOUR_BUDGET: u64 = 1 << 20;
/// Distinct colours counted at most.
const MOST_COLOURS: usize = 1 << 16;

#[derive(Clone, PartialEq)]
struct Key {
    source: ArtworkSource,
    texture: egui::TextureId,
    look: Look,
}

#[derive(Default)]
pub(crate) struct Notes {
    cache: RefCell<Option<(Key, Vec<Option<String>>)>>,
}

impl Notes {
    /// One line per preview shown (`None` for the plain screen), in order.
    pub(crate) fn lines(
        &self,
        source: &ArtworkSource,
        art: &LoadedArt,
        look: &Look,
    ) -> Vec<Option<String>> {
        let key = Key {
            source: source.clone(),
            texture: art.texture_id(),
            look: look.clone(),
        };
        let mut cache = self.cache.borrow_mut();
        if let Some((k, lines)) = cache.as_ref()
            && *k == key
        {
            return lines.clone();
        }
        let facts = facts(art, look.background);
        let lines: Vec<Option<String>> = look
            .preview
            .modes
            .iter()
            .map(|mode| device_notes::note(*mode, &facts, look))
            .collect();
        *cache = Some((key, lines.clone()));
        lines
    }
}

fn facts(art: &LoadedArt, background: [u8; 3]) -> ArtFacts {
    let frames = art.frames();
    let pixels = u64::from(art.width) * u64::from(art.height);
    let mut colours = HashSet::new();
    let mut canvas = Canvas::default();
    let looked = (COLOUR_BUDGET / pixels.max(1)).max(1) as usize;
    for index in 0..frames.frame_count().min(looked) {
        // A frame left in the file and not decoded in time is skipped.
        if !frames.render(index, |p| p, &mut canvas) {
            continue;
        }
        for p in canvas.pixels() {
            if colours.len() >= MOST_COLOURS {
                break;
            }
            colours.insert(color::over_background(*p, background));
        }
    }
    ArtFacts {
        size: [art.width, art.height],
        delays: frames.delays().to_vec(),
        colours: colours.into_iter().collect(),
    }
}
