//! Which device a preview imitates, and the preview settings that persist.
//! Names are what `--preview` and `settings.json` use: `screen`, `p3a`,
//! `led64x64` (any `ledWxH` up to 256×256).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The largest LED panel side: HUB75 chains beyond this are not pixel-art displays.
pub(crate) const MAX_PANEL_SIDE: u32 = 256;
/// Previews shown side by side at most.
pub(crate) const MAX_PREVIEWS: usize = 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PreviewMode {
    /// The plain canvas (today's window).
    Screen,
    /// p3a: a 4-inch 720×720 IPS frame.
    P3a,
    /// An LED matrix of `w`×`h` round LEDs.
    Led { w: u32, h: u32 },
}

impl PreviewMode {
    /// What the menu offers and the cycle key steps through, in order.
    pub(crate) const PRESETS: [PreviewMode; 7] = [
        PreviewMode::Screen,
        PreviewMode::P3a,
        PreviewMode::Led { w: 16, h: 16 },
        PreviewMode::Led { w: 32, h: 32 },
        PreviewMode::Led { w: 64, h: 32 },
        PreviewMode::Led { w: 64, h: 64 },
        PreviewMode::Led { w: 128, h: 64 },
    ];

    /// The names among `names` that are previews, in order (a later launch's
    /// `--preview`, checked by that launch already: the rest are dropped).
    pub(crate) fn parse_known(names: &[String]) -> Vec<Self> {
        names.iter().filter_map(|n| Self::parse(n).ok()).collect()
    }

    /// Reads `screen`, `p3a`, `ledWxH` (case and spaces ignored; `×` allowed).
    pub fn parse(text: &str) -> Result<Self, String> {
        let name: String = text
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        match name.as_str() {
            "screen" => return Ok(PreviewMode::Screen),
            "p3a" => return Ok(PreviewMode::P3a),
            _ => {}
        }
        let bad = || {
            format!(
                "`{text}` is not a preview: use screen, p3a, or ledWxH such as led64x64 (sides 1 to {MAX_PANEL_SIDE})"
            )
        };
        let size = name.strip_prefix("led").ok_or_else(bad)?;
        let (w, h) = size.split_once(['x', '×']).ok_or_else(bad)?;
        let w: u32 = w.parse().map_err(|_| bad())?;
        let h: u32 = h.parse().map_err(|_| bad())?;
        if !(1..=MAX_PANEL_SIDE).contains(&w) || !(1..=MAX_PANEL_SIDE).contains(&h) {
            return Err(bad());
        }
        Ok(PreviewMode::Led { w, h })
    }

    /// The name `parse` reads back.
    pub fn name(self) -> String {
        match self {
            PreviewMode::Screen => "screen".into(),
            PreviewMode::P3a => "p3a".into(),
            PreviewMode::Led { w, h } => format!("led{w}x{h}"),
        }
    }

    /// As the menu and the tile captions say it.
    pub fn label(self) -> String {
        match self {
            PreviewMode::Screen => "Screen".into(),
            PreviewMode::P3a => "p3a frame".into(),
            PreviewMode::Led { w, h } => format!("LED panel {w}×{h}"),
        }
    }

    /// The next preset after this one (a custom size goes back to the first).
    pub fn next(self) -> Self {
        let at = Self::PRESETS.iter().position(|m| *m == self);
        match at {
            Some(i) => Self::PRESETS[(i + 1) % Self::PRESETS.len()],
            None => Self::PRESETS[0],
        }
    }
}

impl fmt::Display for PreviewMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl Serialize for PreviewMode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name())
    }
}

impl<'de> Deserialize<'de> for PreviewMode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        PreviewMode::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// How a panel driver puts an artwork of another size on its LEDs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fitting {
    /// Nearest-neighbour resampling to the largest size that fits, centred.
    #[default]
    Nearest,
    /// One art pixel per LED, centred: larger art loses its edges, smaller art gets a border.
    Centred,
    /// Nearest-neighbour resampling until the panel is covered, centred, the overflow cut.
    Cropped,
}

impl Fitting {
    pub(crate) const ALL: [Fitting; 3] = [Fitting::Nearest, Fitting::Centred, Fitting::Cropped];

    pub fn label(self) -> &'static str {
        match self {
            Fitting::Nearest => "Nearest (fit)",
            Fitting::Centred => "Centred (1:1)",
            Fitting::Cropped => "Cropped (fill)",
        }
    }
}

pub(crate) const MIN_BITS: u8 = 1;
pub(crate) const MAX_BITS: u8 = 8;
pub(crate) const MIN_GAMMA: f32 = 1.0;
pub(crate) const MAX_GAMMA: f32 = 3.0;

/// Everything about device previews that `settings.json` keeps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PreviewSettings {
    /// Shown side by side, left to right; never empty, at most `MAX_PREVIEWS`.
    pub modes: Vec<PreviewMode>,
    /// How LED panels fit an artwork of another size.
    pub fitting: Fitting,
    /// LED panels' brightness steps per channel, as bits (PWM depth).
    pub bits: u8,
    /// The panel driver's gamma correction (1.0 = none).
    pub gamma: f32,
    /// A soft halo around each LED.
    pub glow: bool,
    /// The size the settings pane offers for a custom LED panel.
    pub custom_panel: [u32; 2],
}

impl Default for PreviewSettings {
    fn default() -> Self {
        Self {
            modes: vec![PreviewMode::Screen],
            fitting: Fitting::Nearest,
            bits: 8,
            gamma: 2.2,
            glow: false,
            custom_panel: [96, 48],
        }
    }
}

impl PreviewSettings {
    /// Brings a hand-edited file back into range.
    pub(crate) fn sanitized(mut self) -> Self {
        let mut seen = Vec::new();
        for mode in self.modes {
            if !seen.contains(&mode) && seen.len() < MAX_PREVIEWS {
                seen.push(mode);
            }
        }
        if seen.is_empty() {
            seen.push(PreviewMode::Screen);
        }
        self.modes = seen;
        self.bits = self.bits.clamp(MIN_BITS, MAX_BITS);
        self.custom_panel = self.custom_panel.map(|v| v.clamp(1, MAX_PANEL_SIDE));
        self.gamma = if self.gamma.is_finite() {
            self.gamma.clamp(MIN_GAMMA, MAX_GAMMA)
        } else {
            2.2
        };
        self
    }

    /// Only the plain canvas: the window looks as it always did.
    pub(crate) fn is_plain_screen(&self) -> bool {
        self.modes == [PreviewMode::Screen]
    }

    /// Shows only `mode`.
    pub(crate) fn show_only(&mut self, mode: PreviewMode) {
        self.modes = vec![mode];
    }

    /// Adds `mode` beside the others, or takes it away (the last one stays).
    /// Returns false when four are already shown.
    pub(crate) fn toggle(&mut self, mode: PreviewMode) -> bool {
        if let Some(at) = self.modes.iter().position(|m| *m == mode) {
            if self.modes.len() > 1 {
                self.modes.remove(at);
            }
            return true;
        }
        if self.modes.len() >= MAX_PREVIEWS {
            return false;
        }
        self.modes.push(mode);
        true
    }

    /// The cycle key: the first preview steps to the next preset not already shown.
    pub fn cycle(&mut self) {
        let mut next = self.modes[0].next();
        while self.modes[1..].contains(&next) {
            next = next.next();
        }
        self.modes[0] = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_print_back() {
        for mode in PreviewMode::PRESETS {
            assert_eq!(PreviewMode::parse(&mode.name()), Ok(mode));
        }
        assert_eq!(
            PreviewMode::parse(" LED 128×64 "),
            Ok(PreviewMode::Led { w: 128, h: 64 })
        );
        assert_eq!(
            PreviewMode::parse("led7x3"),
            Ok(PreviewMode::Led { w: 7, h: 3 })
        );
    }

    #[test]
    fn bad_names_say_what_works() {
        for bad in ["", "led", "led0x8", "led64", "led300x10", "tv", "ledaxb"] {
            let err = PreviewMode::parse(bad).unwrap_err();
            assert!(err.contains("led64x64"), "{bad}: {err}");
        }
    }

    #[test]
    fn settings_round_trip_as_names() {
        let settings = PreviewSettings {
            modes: vec![PreviewMode::P3a, PreviewMode::Led { w: 20, h: 10 }],
            ..PreviewSettings::default()
        };
        let json = serde_json::to_string(&settings).unwrap();
        assert!(json.contains(r#""modes":["p3a","led20x10"]"#), "{json}");
        let back: PreviewSettings = serde_json::from_str(&json).unwrap();
        assert_eq!(back, settings);
    }

    #[test]
    fn sanitizing_drops_repeats_extras_and_fixes_ranges() {
        let settings = PreviewSettings {
            modes: vec![
                PreviewMode::P3a,
                PreviewMode::P3a,
                PreviewMode::Screen,
                PreviewMode::Led { w: 8, h: 8 },
                PreviewMode::Led { w: 9, h: 9 },
                PreviewMode::Led { w: 10, h: 10 },
            ],
            bits: 12,
            gamma: f32::NAN,
            ..PreviewSettings::default()
        }
        .sanitized();
        assert_eq!(settings.modes.len(), 4);
        assert_eq!(settings.modes[..2], [PreviewMode::P3a, PreviewMode::Screen]);
        assert_eq!(settings.bits, 8);
        assert_eq!(settings.gamma, 2.2);
        let empty = PreviewSettings {
            modes: vec![],
            ..PreviewSettings::default()
        };
        assert!(empty.sanitized().is_plain_screen());
    }

    #[test]
    fn toggling_keeps_one_to_four() {
        let mut s = PreviewSettings::default();
        assert!(s.toggle(PreviewMode::P3a));
        assert!(s.toggle(PreviewMode::Led { w: 64, h: 64 }));
        assert!(s.toggle(PreviewMode::Led { w: 32, h: 32 }));
        assert!(!s.toggle(PreviewMode::Led { w: 16, h: 16 }));
        assert_eq!(s.modes.len(), 4);
        for mode in s.modes.clone() {
            s.toggle(mode);
        }
        assert_eq!(s.modes, [PreviewMode::Led { w: 32, h: 32 }]);
    }

    #[test]
    fn cycling_steps_the_first_and_skips_the_others() {
        let mut s = PreviewSettings::default();
        s.cycle();
        assert_eq!(s.modes, [PreviewMode::P3a]);
        s.modes.push(PreviewMode::Led { w: 16, h: 16 });
        s.cycle();
        assert_eq!(s.modes[0], PreviewMode::Led { w: 32, h: 32 });
        s.modes[0] = PreviewMode::Led { w: 128, h: 64 };
        s.cycle();
        assert_eq!(s.modes[0], PreviewMode::Screen);
    }
}
