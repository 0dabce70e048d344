//! What an output puts on the wire for one frame: the LED colours the
//! preview's own code chooses (`preview::shading`: fit, crop, orientation,
//! background), then the panel's wiring (serpentine), gamma and brightness.

use crate::preview::render::Look;
use crate::preview::shading::LedShading;

/// Every LED's colour, row by row from the top-left, as the art shows it
/// (before the output's brightness and gamma).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedColours {
    pub size: [u32; 2],
    pub colours: Vec<[u8; 3]>,
}

/// The colours of a panel of `panel` LEDs showing art of `art` pixels:
/// `pixel` gives an authored pixel over the background. The preview's
/// shading decides which pixel each LED shows; its monitor table is left
/// out, since a real panel makes the light itself.
pub fn led_colours(
    look: &Look,
    panel: [u32; 2],
    art: [u32; 2],
    pixel: impl Fn([u32; 2]) -> [u8; 3],
) -> Option<LedColours> {
    let mut shading = LedShading::new(look, panel, art)?;
    shading.table = std::array::from_fn(|v| v as u8);
    Some(LedColours {
        size: panel,
        colours: shading.colours(pixel),
    })
}

/// How one output drives its LEDs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Wiring {
    pub serpentine: bool,
    pub brightness: u8,
    pub gamma: Option<f32>,
}

impl Wiring {
    /// A channel value as sent: gamma (if any), then brightness.
    pub fn table(&self) -> [u8; 256] {
        let scale = f32::from(self.brightness.min(100)) / 100.0;
        std::array::from_fn(|v| {
            let mut light = v as f32 / 255.0;
            if let Some(gamma) = self.gamma {
                light = light.powf(gamma);
            }
            (light * scale * 255.0).round() as u8
        })
    }

    /// The bytes for every LED in the order the strip runs: row by row, every
    /// odd row reversed when the wiring zig-zags.
    pub(crate) fn wire_bytes(&self, leds: &LedColours) -> Vec<u8> {
        let table = self.table();
        let [w, h] = leds.size.map(|v| v as usize);
        let mut out = Vec::with_capacity(w * h * 3);
        for y in 0..h {
            let Some(row) = leds.colours.get(y * w..(y + 1) * w) else {
                break;
            };
            let reversed = self.serpentine && y % 2 == 1;
            let mut push = |c: &[u8; 3]| out.extend(c.map(|v| table[usize::from(v)]));
            if reversed {
                row.iter().rev().for_each(&mut push);
            } else {
                row.iter().for_each(&mut push);
            }
        }
        out
    }
}

/// Four quarters, red top-left, green top-right, blue bottom-left, white
/// bottom-right, with the top-left LED dark: a wrong size, a turned panel or
/// zig-zag wiring not set shows at a glance.
pub(crate) fn test_pattern(size: [u32; 2]) -> LedColours {
    let [w, h] = size;
    let colours = (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .map(|(x, y)| match (x < w.div_ceil(2), y < h.div_ceil(2)) {
            _ if x == 0 && y == 0 => [0, 0, 0],
            (true, true) => [255, 0, 0],
            (false, true) => [0, 255, 0],
            (true, false) => [0, 0, 255],
            (false, false) => [255, 255, 255],
        })
        .collect();
    LedColours { size, colours }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preview::PreviewSettings;
    use crate::preview::mode::Fitting;
    use crate::preview::{Mirror, Rotation};

    const PLAIN: Wiring = Wiring {
        serpentine: false,
        brightness: 100,
        gamma: None,
    };

    fn three_by_two() -> LedColours {
        LedColours {
            size: [3, 2],
            colours: (0..6).map(|i| [i, i, i]).collect(),
        }
    }

    #[test]
    fn serpentine_reverses_every_other_row() {
        let straight = PLAIN.wire_bytes(&three_by_two());
        assert_eq!(
            straight.chunks(3).map(|c| c[0]).collect::<Vec<_>>(),
            [0, 1, 2, 3, 4, 5]
        );
        let zigzag = Wiring {
            serpentine: true,
            ..PLAIN
        }
        .wire_bytes(&three_by_two());
        assert_eq!(
            zigzag.chunks(3).map(|c| c[0]).collect::<Vec<_>>(),
            [0, 1, 2, 5, 4, 3]
        );
    }

    #[test]
    fn brightness_and_gamma_scale_each_channel() {
        let half = Wiring {
            brightness: 50,
            ..PLAIN
        };
        assert_eq!(half.table()[255], 128);
        assert_eq!(half.table()[100], 50);
        assert_eq!(
            PLAIN.table()[77],
            77,
            "no gamma, full brightness: unchanged"
        );
        let gamma = Wiring {
            gamma: Some(2.2),
            ..PLAIN
        };
        // (128/255)^2.2 × 255 = 55.97.
        assert_eq!(gamma.table()[128], 56);
        assert_eq!(gamma.table()[255], 255);
    }

    #[test]
    fn leds_show_the_pixels_the_preview_fits_without_its_monitor_table() {
        let look = Look {
            rotation: Rotation::R0,
            mirror: Mirror::None,
            background: [40, 40, 40],
            brightness: 30,
            preview: PreviewSettings {
                fitting: Fitting::Centred,
                ..PreviewSettings::default()
            },
        };
        // 1×1 art centred on 3×1: background beside it, the pixel as authored.
        let leds = led_colours(&look, [3, 1], [1, 1], |_| [255, 128, 20]).unwrap();
        assert_eq!(leds.colours, [[40, 40, 40], [255, 128, 20], [40, 40, 40]]);
    }

    #[test]
    fn the_test_pattern_marks_each_quarter_and_the_first_led() {
        let p = test_pattern([4, 4]);
        assert_eq!(p.colours[0], [0, 0, 0]);
        assert_eq!(p.colours[1], [255, 0, 0]);
        assert_eq!(p.colours[3], [0, 255, 0]);
        assert_eq!(p.colours[12], [0, 0, 255]);
        assert_eq!(p.colours[15], [255, 255, 255]);
    }
}
