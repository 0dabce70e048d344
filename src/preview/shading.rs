//! What lights one LED panel, as plain numbers: the fitting per axis, the
//! orientation, the colour table, the background and the LED cell. The export
//! (`render`) lights LEDs through `LedShading::colour`, and the window's LED
//! shader receives these very numbers as uniforms and does the same integer
//! arithmetic per screen pixel, so there is one definition of what a panel shows.

use super::color;
use super::panel::{self, AxisFit, Orientation};
use super::render::{LedCell, Look};

#[derive(Clone, Debug, PartialEq)]
pub struct LedShading {
    pub panel: [u32; 2],
    /// How the artwork, as oriented on screen, lies along each of the panel's axes.
    pub fit: [AxisFit; 2],
    /// From the artwork as shown back to the authored pixels.
    pub orientation: Orientation,
    /// A channel value as the panel lights it and a monitor shows that light.
    pub table: [u8; 256],
    /// Transparent pixels show this (before the panel's table).
    pub background: [u8; 3],
    pub cell: LedCell,
}

impl LedShading {
    /// A panel of `panel` LEDs, `pitch` pixels apart, showing art of `art` pixels (as authored).
    pub fn new(look: &Look, panel: [u32; 2], art: [u32; 2], pitch: f32) -> Option<Self> {
        let fit = panel::led_fit(panel, look.rotated(art), look.preview.fitting)?;
        Some(Self {
            panel,
            fit,
            orientation: Orientation::new(art, look.rotation, look.mirror),
            table: look.led().table(),
            background: look.background,
            cell: LedCell::new(pitch, look.preview.glow),
        })
    }

    /// The authored artwork pixel LED (`x`, `y`) shows; `None` outside the art.
    pub fn source(&self, [x, y]: [u32; 2]) -> Option<[u32; 2]> {
        let shown = [self.fit[0].source(x)?, self.fit[1].source(y)?];
        Some(self.orientation.apply(shown))
    }

    /// The colour an LED shows for its artwork pixel (straight RGBA; `None`
    /// outside the art): over the background, then through the panel's table.
    pub fn colour(&self, pixel: Option<[u8; 4]>) -> [u8; 3] {
        let shown = match pixel {
            Some(p) => color::over_background(p, self.background),
            None => self.background,
        };
        shown.map(|v| self.table[usize::from(v)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preview::PreviewSettings;
    use crate::preview::mode::Fitting;
    use crate::settings::{Mirror, Rotation};

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

    #[test]
    fn each_led_shows_the_pixel_the_maps_choose_in_every_orientation_and_fitting() {
        let art = [5, 3];
        for rotation in [Rotation::R0, Rotation::R90, Rotation::R180, Rotation::R270] {
            for mirror in [Mirror::None, Mirror::Horizontal, Mirror::Vertical] {
                for fitting in Fitting::ALL {
                    for panel in [[4, 4], [8, 3], [2, 7]] {
                        let look = look(rotation, mirror, fitting);
                        let shading = LedShading::new(&look, panel, art, 10.0).unwrap();
                        let map = panel::led_map(panel, look.rotated(art), fitting).unwrap();
                        for y in 0..panel[1] {
                            for x in 0..panel[0] {
                                let expected = map
                                    .at(x, y)
                                    .map(|p| panel::orient(p, art, rotation, mirror));
                                assert_eq!(
                                    shading.source([x, y]),
                                    expected,
                                    "{rotation:?} {mirror:?} {fitting:?} {panel:?} LED ({x}, {y})"
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_quarter_turn_shows_the_authored_columns_as_rows() {
        // 5×3 art turned clockwise is 3 wide, 5 tall; centred on a 3×5 panel,
        // the top-left LED shows the authored bottom-left pixel.
        let look = look(Rotation::R90, Mirror::None, Fitting::Centred);
        let shading = LedShading::new(&look, [3, 5], [5, 3], 10.0).unwrap();
        assert_eq!(shading.source([0, 0]), Some([0, 2]));
        assert_eq!(shading.source([2, 0]), Some([0, 0]));
        assert_eq!(shading.source([2, 4]), Some([4, 0]));
    }

    #[test]
    fn colours_go_over_the_background_and_through_the_panel_table() {
        let look = look(Rotation::R0, Mirror::None, Fitting::Nearest);
        let shading = LedShading::new(&look, [1, 1], [1, 1], 10.0).unwrap();
        assert_eq!(shading.colour(Some([255, 128, 0, 255])), [255, 128, 0]);
        // 40 → level 4 → 39 (color.rs), for a transparent pixel and outside the art.
        assert_eq!(shading.colour(Some([255, 0, 0, 0])), [39, 39, 39]);
        assert_eq!(shading.colour(None), [39, 39, 39]);
    }
}
