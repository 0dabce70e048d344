//! How a device turns an artwork's 8-bit colours into light, and how that
//! light is shown again on a monitor (taken as gamma 2.2).
//!
//! An LED panel's driver corrects gamma, scales by its brightness and keeps
//! only `bits` bits per channel for its PWM: dark shades merge into one step
//! or go out. p3a dims its backlight instead, with a cubic curve.

/// A monitor's transfer curve, used to show a device's linear light.
pub(crate) const MONITOR_GAMMA: f32 = 2.2;

/// An LED panel's colour pipeline.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LedLook {
    /// PWM depth per channel, 1–8.
    pub bits: u8,
    /// The driver's gamma correction; 1.0 drives LEDs with the 8-bit values as they are.
    pub gamma: f32,
    /// 0–100, like the player's brightness.
    pub brightness: u8,
}

impl LedLook {
    /// The PWM level (0 ..= 2^bits − 1) a channel value drives its LED at.
    pub(crate) fn level(&self, value: u8) -> u32 {
        let max = self.max_level();
        let light = (f32::from(value) / 255.0).powf(self.gamma.max(0.1));
        let light = light * f32::from(self.brightness.min(100)) / 100.0;
        (light * max as f32).round() as u32
    }

    pub(crate) fn max_level(&self) -> u32 {
        (1u32 << self.bits.clamp(1, 8)) - 1
    }

    /// What the monitor shows for a channel value: the LED's light, re-encoded.
    pub fn table(&self) -> [u8; 256] {
        let max = self.max_level() as f32;
        std::array::from_fn(|v| {
            let light = self.level(v as u8) as f32 / max;
            (light.powf(1.0 / MONITOR_GAMMA) * 255.0).round() as u8
        })
    }
}

/// An artwork pixel (straight alpha) over the background colour: devices have
/// no transparency, they show the background through it.
pub(crate) fn over_background(pixel: [u8; 4], background: [u8; 3]) -> [u8; 3] {
    let a = u32::from(pixel[3]);
    std::array::from_fn(|i| {
        let blended = u32::from(pixel[i]) * a + u32::from(background[i]) * (255 - a);
        ((blended + 127) / 255) as u8
    })
}

/// The same for a premultiplied pixel (the window's textures hold those): the
/// pixel's light plus the background's through what it leaves uncovered. Equal
/// to `over_background` of its straight pixel, up to the premultiplication's rounding.
pub(crate) fn premultiplied_over_background(pixel: [u8; 4], background: [u8; 3]) -> [u8; 3] {
    let uncovered = 255 - u32::from(pixel[3]);
    std::array::from_fn(|i| {
        let blended = u32::from(pixel[i]) * 255 + u32::from(background[i]) * uncovered;
        ((blended + 127) / 255).min(255) as u8
    })
}

/// The p3a's backlight for a brightness setting: its firmware eases the
/// percentage cubically (50% lights the panel at 13%).
pub(crate) fn p3a_backlight_percent(brightness: u8) -> u8 {
    let p = f32::from(brightness.min(100)) / 100.0;
    (p * p * p * 100.0).round() as u8
}

/// The multiplier (0–255) a monitor applies to show the p3a's dimmed backlight.
pub(crate) fn p3a_tint(brightness: u8) -> u8 {
    let light = f32::from(p3a_backlight_percent(brightness)) / 100.0;
    (light.powf(1.0 / MONITOR_GAMMA) * 255.0).round() as u8
}

/// A colour scaled by a tint the way the GPU does (`value × tint / 255`).
pub(crate) fn tinted(value: u8, tint: u8) -> u8 {
    ((u32::from(value) * u32::from(tint) + 127) / 255) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: LedLook = LedLook {
        bits: 8,
        gamma: 2.2,
        brightness: 100,
    };

    #[test]
    fn eight_bits_with_gamma_keep_mid_tones_and_crush_the_darkest() {
        let t = FULL.table();
        assert_eq!(t[0], 0);
        assert_eq!(t[255], 255);
        // 128: (128/255)^2.2 × 255 = 55.97 → level 56; (56/255)^(1/2.2) × 255 = 128.02.
        assert_eq!(FULL.level(128), 56);
        assert_eq!(t[128], 128);
        // 64: 12.18 → 12; (12/255)^(1/2.2) × 255 = 63.6 → 64.
        assert_eq!(t[64], 64);
        // 20: (20/255)^2.2 × 255 = 0.96 → level 1, shown as (1/255)^(1/2.2) × 255 = 20.5.
        assert_eq!(FULL.level(20), 1);
        assert_eq!(t[20], 21);
        // 10: 0.21 → level 0: the LED stays dark.
        assert_eq!(t[10], 0);
    }

    #[test]
    fn four_bits_leave_sixteen_steps() {
        let look = LedLook { bits: 4, ..FULL };
        assert_eq!(look.max_level(), 15);
        // 128: 0.2195 × 15 = 3.29 → 3; (3/15)^(1/2.2) × 255 = 122.7 → 123.
        assert_eq!(look.level(128), 3);
        assert_eq!(look.table()[128], 123);
        let mut steps: Vec<u8> = look.table().to_vec();
        steps.dedup();
        assert_eq!(steps.len(), 16);
    }

    #[test]
    fn no_gamma_correction_washes_colours_out() {
        let look = LedLook { gamma: 1.0, ..FULL };
        // 128 drives the LED at half light, which a monitor shows as 186.
        assert_eq!(look.level(128), 128);
        assert_eq!(look.table()[128], 186);
    }

    #[test]
    fn brightness_scales_the_light_before_quantising() {
        let look = LedLook {
            brightness: 50,
            ..FULL
        };
        // 255 at half brightness: level 127.5 → 128, shown as 186.
        assert_eq!(look.level(255), 128);
        assert_eq!(look.table()[255], 186);
        let off = LedLook {
            brightness: 0,
            ..FULL
        };
        assert!(off.table().iter().all(|v| *v == 0));
    }

    #[test]
    fn transparency_shows_the_background() {
        assert_eq!(
            over_background([200, 100, 0, 255], [9, 9, 9]),
            [200, 100, 0]
        );
        assert_eq!(over_background([200, 100, 0, 0], [9, 8, 7]), [9, 8, 7]);
        // Half alpha: (200 × 128 + 0 × 127) / 255 = 100.4.
        assert_eq!(over_background([200, 0, 0, 128], [0, 0, 0]), [100, 0, 0]);
        // Premultiplied: the same for opaque and clear pixels; half alpha over
        // grey 100: 100 + 100 × 127 / 255 = 149.8 → 150.
        let bg = [9, 8, 7];
        assert_eq!(
            premultiplied_over_background([200, 100, 0, 255], bg),
            [200, 100, 0]
        );
        assert_eq!(premultiplied_over_background([0, 0, 0, 0], bg), bg);
        assert_eq!(
            premultiplied_over_background([100, 0, 0, 128], [100, 100, 100]),
            [150, 50, 50]
        );
    }

    #[test]
    fn p3a_dims_its_backlight_cubically() {
        assert_eq!(p3a_backlight_percent(100), 100);
        assert_eq!(p3a_backlight_percent(50), 13);
        assert_eq!(p3a_backlight_percent(0), 0);
        assert_eq!(p3a_tint(100), 255);
        // 13% light: 0.13^(1/2.2) × 255 = 100.9 → 101.
        assert_eq!(p3a_tint(50), 101);
        assert_eq!(p3a_tint(0), 0);
        assert_eq!(tinted(200, 128), 100);
    }
}
