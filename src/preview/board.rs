//! An LED panel composed into 4-byte pixels at a whole pitch, for the window to
//! show one pixel per texel. Every cell has the same shape, so its rows are
//! measured once as runs of LED and glow pixels (`render::LedCell` decides, as
//! for the export and the LED shader: the same pixels); the board between them
//! is filled once. A frame then writes only the runs of the LEDs whose colour
//! changed: fills of a few pixels each, no per-pixel decision.

use super::render::{BOARD, LedCell, Light, glow_over_board};

/// A run of pixels in one row of a cell: `[start, end)` and what lights it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Run {
    pub start: u32,
    pub end: u32,
    pub glow: bool,
}

/// Each row of a `pitch`-pixel cell as its runs of LED and glow (the board is left out).
pub(crate) fn cell_runs(cell: &LedCell, pitch: u32) -> Vec<Vec<Run>> {
    (0..pitch)
        .map(|y| {
            let mut runs: Vec<Run> = Vec::new();
            for x in 0..pitch {
                let glow = match cell.light([x as f32 + 0.5, y as f32 + 0.5]) {
                    Light::Led => false,
                    Light::Glow => true,
                    Light::Board => continue,
                };
                match runs.last_mut() {
                    Some(run) if run.end == x && run.glow == glow => run.end = x + 1,
                    _ => runs.push(Run {
                        start: x,
                        end: x + 1,
                        glow,
                    }),
                }
            }
            runs
        })
        .collect()
}

/// An LED panel's pixels, 4 bytes each in the order the texture takes.
pub(crate) struct Board {
    panel: [u32; 2],
    pitch: u32,
    bgra: bool,
    runs: Vec<Vec<Run>>,
    /// The colour each LED was last drawn in (`None`: not drawn yet).
    drawn: Vec<Option<[u8; 3]>>,
    pixels: Vec<u8>,
}

impl Board {
    /// A board of `panel` LEDs, `pitch` pixels apart, shaped as `cell`; `bgra`:
    /// bytes blue first, else red first. Every pixel starts as the board.
    pub fn new(panel: [u32; 2], cell: &LedCell, pitch: u32, bgra: bool) -> Self {
        let pitch = pitch.max(1);
        let count = (panel[0] * pitch) as usize * (panel[1] * pitch) as usize;
        let board = pixel(BOARD, bgra);
        Self {
            panel,
            pitch,
            bgra,
            runs: cell_runs(cell, pitch),
            drawn: vec![None; (panel[0] * panel[1]) as usize],
            pixels: board.repeat(count),
        }
    }

    /// Width and height in pixels.
    pub fn size(&self) -> [u32; 2] {
        self.panel.map(|v| v * self.pitch)
    }

    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }

    /// Lights every LED in `colours` (row by row, one per LED); returns whether
    /// any pixel changed.
    pub fn paint(&mut self, colours: &[[u8; 3]]) -> bool {
        let [w, _] = self.panel;
        let row_bytes = (w * self.pitch) as usize * 4;
        let mut changed = false;
        for (i, (&colour, drawn)) in colours.iter().zip(&mut self.drawn).enumerate() {
            if *drawn == Some(colour) {
                continue;
            }
            *drawn = Some(colour);
            changed = true;
            let (lx, ly) = (i as u32 % w, i as u32 / w);
            let lit = pixel(colour, self.bgra);
            let glow = pixel(glow_over_board(colour), self.bgra);
            let top = (ly * self.pitch) as usize;
            let left = (lx * self.pitch) as usize;
            for (y, runs) in self.runs.iter().enumerate() {
                let row = (top + y) * row_bytes;
                for run in runs {
                    let from = row + (left + run.start as usize) * 4;
                    let to = row + (left + run.end as usize) * 4;
                    let value = if run.glow { glow } else { lit };
                    // A run is a few pixels: stores the compiler inlines,
                    // not a call to memcpy per run.
                    for px in self.pixels[from..to].chunks_exact_mut(4) {
                        px.copy_from_slice(&value);
                    }
                }
            }
        }
        changed
    }
}

fn pixel([r, g, b]: [u8; 3], bgra: bool) -> [u8; 4] {
    if bgra { [b, g, r, 255] } else { [r, g, b, 255] }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runs_cover_exactly_the_cells_led_and_glow_pixels() {
        for (pitch, glow) in [(10, true), (10, false), (7, true), (3, false)] {
            let cell = LedCell::new(pitch as f32, glow);
            let runs = cell_runs(&cell, pitch);
            for y in 0..pitch {
                for x in 0..pitch {
                    let light = cell.light([x as f32 + 0.5, y as f32 + 0.5]);
                    let run = runs[y as usize]
                        .iter()
                        .find(|r| (r.start..r.end).contains(&x));
                    let expected = match light {
                        Light::Led => Some(false),
                        Light::Glow => Some(true),
                        Light::Board => None,
                    };
                    assert_eq!(run.map(|r| r.glow), expected, "pitch {pitch} ({x}, {y})");
                }
            }
        }
    }

    #[test]
    fn a_painted_board_matches_the_exports_pixels() {
        let (pitch, panel) = (10, [3, 2]);
        let cell = LedCell::new(pitch as f32, true);
        let colours: Vec<[u8; 3]> = (0..6u8).map(|i| [i * 40, 255 - i * 40, 7]).collect();
        let mut board = Board::new(panel, &cell, pitch, false);
        assert!(board.paint(&colours));
        assert_eq!(board.size(), [30, 20]);
        for y in 0..20u32 {
            for x in 0..30u32 {
                let colour = colours[((y / pitch) * 3 + x / pitch) as usize];
                let want = match cell.light([(x % pitch) as f32 + 0.5, (y % pitch) as f32 + 0.5]) {
                    Light::Led => colour,
                    Light::Glow => glow_over_board(colour),
                    Light::Board => BOARD,
                };
                let at = ((y * 30 + x) * 4) as usize;
                assert_eq!(board.pixels()[at..at + 4], [want[0], want[1], want[2], 255]);
            }
        }
    }

    #[test]
    fn only_changed_leds_are_written_and_bgra_puts_blue_first() {
        let cell = LedCell::new(4.0, false);
        let mut board = Board::new([2, 1], &cell, 4, true);
        assert!(board.paint(&[[1, 2, 3], [4, 5, 6]]));
        assert!(!board.paint(&[[1, 2, 3], [4, 5, 6]]), "nothing changed");
        assert!(board.paint(&[[1, 2, 3], [9, 9, 9]]));
        // A pitch-4 cell is a square a pixel short of the pitch: (0, 0) is lit.
        assert_eq!(board.pixels()[..4], [3, 2, 1, 255]);
        assert_eq!(board.pixels()[16..20], [9, 9, 9, 255]);
        // The line between LEDs stays the board.
        assert_eq!(board.pixels()[12..16], [BOARD[2], BOARD[1], BOARD[0], 255]);
    }
}
