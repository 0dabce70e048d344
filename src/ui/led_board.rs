//! An LED tile at a whole pitch drawn as its own pixels: the panel composed on
//! the CPU (`preview::board`: runs of LED and glow pixels, written only for the
//! LEDs whose colour changed) into a texture shown one texel per screen pixel
//! through `art_gl`'s quad, which llvmpipe draws on its linear path as row
//! copies. The LED shader decides per screen pixel between LED, glow and board
//! on the general rasteriser: dearer than the plain canvas, which this is not.

use std::cell::RefCell;

use eframe::egui::{self, Rect};
use eframe::glow::{self, HasContext};

use super::art_gl::{self, ArtGl, Quad};
use crate::preview::board::Board;
use crate::preview::render::LedCell;

/// What a tile's board is composed for.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Shape {
    panel: [u32; 2],
    pitch: u32,
    cell: LedCell,
}

struct Slot {
    shape: Shape,
    board: Board,
    /// The lighting painted and uploaded (`LedLights`' generation).
    generation: Option<u64>,
    texture: Option<(glow::Texture, [usize; 2])>,
}

/// One composed board per LED tile.
#[derive(Default)]
pub(crate) struct LedBoards {
    slots: RefCell<Vec<Option<Slot>>>,
}

impl LedBoards {
    /// The paint callback drawing tile `tile`'s panel of `panel` LEDs, `pitch`
    /// whole pixels apart, lit in `colours` (generation `generation`), over `rect`
    /// (exactly the board's pixels). `None`: draw it another way.
    #[expect(clippy::too_many_arguments)]
    pub(crate) fn callback(
        &self,
        gl: &ArtGl,
        tile: usize,
        panel: [u32; 2],
        pitch: u32,
        cell: LedCell,
        (colours, generation): (&[[u8; 3]], u64),
        rect: Rect,
    ) -> Option<egui::PaintCallback> {
        let (program, context) = gl.program_and_gl()?;
        let shape = Shape { panel, pitch, cell };
        let mut slots = self.slots.borrow_mut();
        if slots.len() <= tile {
            slots.resize_with(tile + 1, || None);
        }
        let slot = &mut slots[tile];
        if slot.as_ref().is_none_or(|s| s.shape != shape) {
            let old = slot.take().and_then(|s| s.texture);
            *slot = Some(Slot {
                shape,
                board: Board::new(panel, &cell, pitch, program.bgra()),
                generation: None,
                texture: old,
            });
        }
        let slot = slot.as_mut()?;
        if slot.generation != Some(generation) || slot.texture.is_none() {
            // A new lighting may light every LED as before (a frame held, a
            // loop of one colour): the texture then keeps what it has.
            let changed = slot.board.paint(colours);
            if changed || slot.texture.is_none() {
                let size = slot.board.size().map(|v| v as usize);
                let old = slot.texture.take();
                // SAFETY: the UI pass runs with eframe's context current; the last
                // frame that drew the old texture has been painted.
                let texture =
                    unsafe { art_gl::upload(context, old, size, &program, slot.board.pixels())? };
                slot.texture = Some((texture, size));
            }
            slot.generation = Some(generation);
        }
        let (texture, _) = slot.texture?;
        Some(art_gl::paint_callback(program, texture, Quad::PLAIN, rect))
    }

    /// Forgets the boards of tiles from `count` on (fewer LED tiles shown).
    pub(crate) fn keep(&self, count: usize, gl: Option<&glow::Context>) {
        let Ok(mut slots) = self.slots.try_borrow_mut() else {
            return;
        };
        let from = count.min(slots.len());
        for slot in slots.drain(from..).flatten() {
            if let (Some(gl), Some((texture, _))) = (gl, slot.texture) {
                // SAFETY: the UI pass (or `on_exit`) runs with the context current.
                unsafe { gl.delete_texture(texture) };
            }
        }
    }
}
