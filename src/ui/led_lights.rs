//! The colour of every LED of each LED panel shown: for boards composed on the
//! CPU (`led_board`), and as a small texture (one texel per LED) that the LED
//! shader reads, filled only when the shader draws. Lit by `preview::shading`
//! (the export's own definition) from the frame on screen, again only when
//! the frame, the artwork or the look changes: a few thousand LEDs, not the
//! artwork's pixels.

use std::cell::Cell;

use eframe::egui::epaint::ImageDelta;
use eframe::egui::{self, Color32, ColorImage, TextureHandle, TextureOptions};

use super::library::LoadedArt;
use crate::player::ArtworkSource;
use crate::preview::PreviewMode;
use crate::preview::color;
use crate::preview::render::Look;
use crate::preview::shading::LedShading;

#[derive(Clone, PartialEq)]
struct Key {
    source: ArtworkSource,
    art_texture: egui::TextureId,
    frame: usize,
    look: Look,
}

struct Lit {
    panel: [u32; 2],
    key: Key,
    /// Every LED's colour, row by row.
    colours: Vec<[u8; 3]>,
    /// Which lighting this is: a new number each time the colours are lit.
    generation: u64,
    /// The colours for the LED shader, with the generation it holds.
    texture: TextureHandle,
    in_texture: Cell<u64>,
}

/// One texture per LED panel shown.
#[derive(Default)]
pub(crate) struct LedLights {
    panels: Vec<Lit>,
    lit: u64,
}

impl LedLights {
    /// Lights every LED panel in `look` from the frame of `art` on screen.
    pub fn update(
        &mut self,
        ctx: &egui::Context,
        source: &ArtworkSource,
        art: &LoadedArt,
        look: &Look,
    ) {
        let key = Key {
            source: source.clone(),
            art_texture: art.texture_id(),
            frame: art.shown_frame(),
            look: look.clone(),
        };
        let panels: Vec<[u32; 2]> = look
            .preview
            .modes
            .iter()
            .filter_map(|m| match m {
                PreviewMode::Led { w, h } => Some([*w, *h]),
                _ => None,
            })
            .collect();
        self.panels.retain(|lit| panels.contains(&lit.panel));
        // A still image's pixels are rendered once per change, not kept.
        let mut still: Option<Vec<u8>> = None;
        for panel in panels {
            let at = self.panels.iter().position(|lit| lit.panel == panel);
            if at.is_some_and(|i| self.panels[i].key == key) {
                continue;
            }
            let Some(colours) = light(panel, art, look, &mut still) else {
                continue;
            };
            self.lit += 1;
            match at {
                Some(i) => {
                    let lit = &mut self.panels[i];
                    lit.key = key.clone();
                    lit.colours = colours;
                    lit.generation = self.lit;
                }
                None => {
                    let image = image_of(panel, &colours);
                    self.panels.push(Lit {
                        panel,
                        key: key.clone(),
                        texture: ctx.load_texture("led-lights", image, TextureOptions::NEAREST),
                        in_texture: Cell::new(self.lit),
                        colours,
                        generation: self.lit,
                    });
                }
            }
        }
    }

    /// The frame a panel of `panel` LEDs is lit from.
    pub fn frame(&self, panel: [u32; 2]) -> Option<usize> {
        self.panels
            .iter()
            .find(|lit| lit.panel == panel)
            .map(|lit| lit.key.frame)
    }

    /// The texture lighting a panel of `panel` LEDs, first filled with its
    /// colours if they changed since; with the frame it shows.
    pub fn texture(
        &self,
        ctx: &egui::Context,
        panel: [u32; 2],
    ) -> Option<(egui::TextureId, usize)> {
        let lit = self.panels.iter().find(|lit| lit.panel == panel)?;
        if lit.in_texture.get() != lit.generation {
            let image = image_of(panel, &lit.colours);
            let delta = ImageDelta::full(image, TextureOptions::NEAREST);
            ctx.tex_manager().write().set(lit.texture.id(), delta);
            lit.in_texture.set(lit.generation);
        }
        Some((lit.texture.id(), lit.key.frame))
    }

    /// Every LED's colour of a panel of `panel` LEDs, row by row, with the lighting's number.
    pub fn colours(&self, panel: [u32; 2]) -> Option<(&[[u8; 3]], u64)> {
        self.panels
            .iter()
            .find(|lit| lit.panel == panel)
            .map(|lit| (lit.colours.as_slice(), lit.generation))
    }

    pub fn clear(&mut self) {
        self.panels.clear();
    }
}

fn image_of(panel: [u32; 2], colours: &[[u8; 3]]) -> ColorImage {
    let pixels = colours
        .iter()
        .map(|&[r, g, b]| Color32::from_rgb(r, g, b))
        .collect();
    ColorImage::new(panel.map(|v| v as usize), pixels)
}

/// Every LED's colour for the frame on screen, from the pixels the window
/// keeps of it (premultiplied, for an animation) or, for a still image, from
/// its pixels rendered once into `still`.
fn light(
    panel: [u32; 2],
    art: &LoadedArt,
    look: &Look,
    still: &mut Option<Vec<u8>>,
) -> Option<Vec<[u8; 3]>> {
    let size = [art.width, art.height];
    let shading = LedShading::new(look, panel, size)?;
    let width = art.width as usize;
    let colours = match art.shown_premultiplied() {
        Some(pixels) => shading.colours(|[x, y]| {
            let p = pixels[y as usize * width + x as usize];
            color::premultiplied_over_background(p.to_array(), look.background)
        }),
        None => {
            if still.is_none() {
                *still = art.frame_rgba();
            }
            let rgba = still.as_deref()?;
            shading.colours(|[x, y]| {
                let at = (y as usize * width + x as usize) * 4;
                let p = rgba
                    .get(at..at + 4)
                    .map_or([0; 4], |p| [p[0], p[1], p[2], p[3]]);
                color::over_background(p, look.background)
            })
        }
    };
    Some(colours)
}
