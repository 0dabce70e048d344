//! What lights one LED panel: the fitting per axis, the orientation, the
//! colour table and the background, and every LED's colour from them. Both
//! the export (`render`) and the window (a panel-sized texture its LED shader
//! reads, `ui::led_shader`) light their LEDs here, so there is one definition
//! of what a panel shows.

use super::panel::{self, AxisFit, Orientation};
use super::render::Look;

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct LedShading {
    pub panel: [u32; 2],
    /// How the artwork, as oriented on screen, lies along each of the panel's axes.
    pub fit: [AxisFit; 2],
    /// From the artwork as shown back to the authored pixels.
    pub orientation: Orientation,
    /// A channel value as the panel lights it and a monitor shows that light.
    pub table: [u8; 256],
    /// Transparent pixels show this (before the panel's table).
    pub background: [u8; 3],
}

impl LedShading {
    /// A panel of `panel` LEDs showing art of `art` pixels (as authored).
    pub fn new(look: &Look, panel: [u32; 2], art: [u32; 2]) -> Option<Self> {
        let fit = panel::led_fit(panel, look.rotated(art), look.preview.fitting)?;
        Some(Self {
            panel,
            fit,
            orientation: Orientation::new(art, look.rotation, look.mirror),
            table: look.led().table(),
            background: look.background,
        })
    }

    /// The authored artwork pixel LED (`x`, `y`) shows; `None` outside the art.
    /// `colours` finds the same for every LED at once.
    #[cfg(test)]
    pub fn source(&self, [x, y]: [u32; 2]) -> Option<[u32; 2]> {
        let shown = [self.fit[0].source(x)?, self.fit[1].source(y)?];
        Some(self.orientation.apply(shown))
    }

    /// Every LED's colour, row by row: the artwork pixel it shows as `shown`
    /// gives it (over the background), or the background, through the panel's table.
    pub fn colours(&self, shown: impl Fn([u32; 2]) -> [u8; 3]) -> Vec<[u8; 3]> {
        // Each axis's sources once, as `source` finds them: two divisions per
        // row and column, not per LED (an animation lights every frame).
        let [columns, rows] = self.fit.each_ref().map(|fit| fit.table());
        let mut colours = Vec::with_capacity(columns.len() * rows.len());
        for y in &rows {
            colours.extend(columns.iter().map(|x| {
                let colour = match (x, y) {
                    (Some(x), Some(y)) => shown(self.orientation.apply([*x, *y])),
                    _ => self.background,
                };
                colour.map(|v| self.table[usize::from(v)])
            }));
        }
        colours
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preview::PreviewSettings;
    use crate::preview::mode::Fitting;
    use crate::preview::{Mirror, Rotation};

    fn look(rotation: Rotation, mirror: Mirror, fitting: Fitting) -> Look {
        Look {
            rotation,
            mirror,
            background: [40, 40, 40],
            brightness: 100,
            preview: PreviewSettings {
                fitting,
                ..PreviewSettings::default()
            },
        }
    }

    /// Calls `check` with the shading of every orientation and fitting of
    /// `art` on each of `panels`, and a label naming the case.
    fn every_shading(
        art: [u32; 2],
        panels: &[[u32; 2]],
        mut check: impl FnMut(&Look, &LedShading, &str),
    ) {
        for rotation in [Rotation::R0, Rotation::R90, Rotation::R180, Rotation::R270] {
            for mirror in [Mirror::None, Mirror::Horizontal, Mirror::Vertical] {
                for fitting in Fitting::ALL {
                    for &panel in panels {
                        let look = look(rotation, mirror, fitting);
                        let shading = LedShading::new(&look, panel, art).unwrap();
                        let label = format!("{rotation:?} {mirror:?} {fitting:?} {panel:?}");
                        check(&look, &shading, &label);
                    }
                }
            }
        }
    }

    #[test]
    fn each_led_shows_the_pixel_the_maps_choose_in_every_orientation_and_fitting() {
        let art = [5, 3];
        every_shading(art, &[[4, 4], [8, 3], [2, 7]], |look, shading, label| {
            let [w, h] = shading.panel;
            let map = panel::led_map([w, h], look.rotated(art), look.preview.fitting).unwrap();
            for y in 0..h {
                for x in 0..w {
                    let expected = map
                        .at(x, y)
                        .map(|p| panel::orient(p, art, look.rotation, look.mirror));
                    assert_eq!(shading.source([x, y]), expected, "{label} LED ({x}, {y})");
                }
            }
        });
    }

    #[test]
    fn a_quarter_turn_shows_the_authored_columns_as_rows() {
        // 5×3 art turned clockwise is 3 wide, 5 tall; centred on a 3×5 panel,
        // the top-left LED shows the authored bottom-left pixel.
        let look = look(Rotation::R90, Mirror::None, Fitting::Centred);
        let shading = LedShading::new(&look, [3, 5], [5, 3]).unwrap();
        assert_eq!(shading.source([0, 0]), Some([0, 2]));
        assert_eq!(shading.source([2, 0]), Some([0, 0]));
        assert_eq!(shading.source([2, 4]), Some([4, 0]));
    }

    #[test]
    fn every_led_is_lit_from_the_pixel_its_source_names() {
        // Each authored pixel its own colour, none on the table's flat ends.
        let pixel = |[x, y]: [u32; 2]| [40 + x as u8 * 20, 40 + y as u8 * 30, 99];
        every_shading(
            [7, 4],
            &[[5, 5], [16, 3], [2, 9]],
            |look, shading, label| {
                let [w, h] = shading.panel;
                let colours = shading.colours(pixel);
                assert_eq!(colours.len(), (w * h) as usize, "{label}");
                for (i, colour) in colours.iter().enumerate() {
                    let led = [i as u32 % w, i as u32 / w];
                    let want = shading
                        .source(led)
                        .map_or(look.background, pixel)
                        .map(|v| shading.table[usize::from(v)]);
                    assert_eq!(*colour, want, "{label} LED {led:?}");
                }
            },
        );
    }

    #[test]
    fn colours_go_through_the_panel_table_and_the_background_fills_the_rest() {
        // 1×1 art centred on a 3×1 panel: the LEDs beside it show the background.
        let look = look(Rotation::R0, Mirror::None, Fitting::Centred);
        let shading = LedShading::new(&look, [3, 1], [1, 1]).unwrap();
        let colours = shading.colours(|p| {
            assert_eq!(p, [0, 0]);
            [255, 128, 20]
        });
        // 40 → level 4 → 39 and 20 → level 1 → 21 (color.rs).
        assert_eq!(colours, [[39, 39, 39], [255, 128, 21], [39, 39, 39]]);
    }
}
