//! What a device will do to an artwork, in one line per device: the scale it
//! gets (whole or not), what is cropped, which colours merge at the panel's
//! bit depth, and frames beyond what the device is assumed to keep up with.
//! Pure: the window passes the artwork's facts and shows the line beside the tile.
//!
//! What p3a's firmware sets: its 720×720 screen runs in RGB888
//! (`CONFIG_P3A_PIXEL_FORMAT_RGB888`), so no colours merge, and it has no
//! mirror (it acks `set_mirror` unsupported). Assumptions, stated because the
//! devices' own sources do not state them:
//! - p3a: its repository states no frame-count limit, so the player's own
//!   decode limit (5000 frames) is assumed.
//! - LED panels: WLED's default target refresh is 42 frames a second, so a
//!   frame shorter than 1/42 s may be skipped by the panel.

use std::collections::HashSet;
use std::time::Duration;

use super::mode::{Fitting, PreviewMode};
use super::panel::{self, AxisFit, P3A_SIDE};
use super::render::Look;
use crate::preview::Mirror;

/// The frames p3a is assumed to play at most (the player's own decode limit).
pub(crate) const P3A_MAX_FRAMES: usize = 5000;
/// The shortest frame an LED panel is assumed to show: WLED's default 42 fps.
pub(crate) const LED_SHORTEST_FRAME: Duration = Duration::from_micros(1_000_000 / 42);

/// What the line is computed from.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct ArtFacts {
    /// As authored.
    pub size: [u32; 2],
    pub delays: Vec<Duration>,
    /// The distinct colours of the frames looked at, over the background.
    pub colours: Vec<[u8; 3]>,
}

/// The line for `mode`; `None` for the plain screen, which changes nothing.
pub fn note(mode: PreviewMode, art: &ArtFacts, look: &Look) -> Option<String> {
    let shown = look.rotated(art.size);
    if shown.contains(&0) {
        return None;
    }
    let parts = match mode {
        PreviewMode::Screen => return None,
        PreviewMode::P3a => p3a(shown, art, look),
        PreviewMode::Led { w, h } => led([w, h], shown, art, look)?,
    };
    Some(format!("{}: {}", mode.label(), parts.join("; ")))
}

fn p3a(shown: [u32; 2], art: &ArtFacts, look: &Look) -> Vec<String> {
    let Some([_, _, w, h]) = panel::p3a_rect(shown) else {
        return Vec::new();
    };
    let scale = scale_words(shown[0], w);
    let cropped = if w < P3A_SIDE || h < P3A_SIDE {
        "nothing cropped (background bars fill the rest)".to_owned()
    } else {
        "nothing cropped".to_owned()
    };
    let frames = art.delays.len().max(1);
    let limit = if frames > P3A_MAX_FRAMES {
        format!(
            "{} of {frames} frames beyond the {P3A_MAX_FRAMES} assumed",
            frames - P3A_MAX_FRAMES
        )
    } else {
        format!("{frames} frame{} kept", if frames == 1 { "" } else { "s" })
    };
    let mut parts = vec![
        scale,
        cropped,
        "colours kept (24-bit screen)".to_owned(),
        limit,
    ];
    if look.mirror != Mirror::None {
        parts.push("not mirrored (p3a has no mirror)".to_owned());
    }
    parts
}

fn led(panel: [u32; 2], shown: [u32; 2], art: &ArtFacts, look: &Look) -> Option<Vec<String>> {
    let [x, y] = panel::led_fit(panel, shown, look.preview.fitting)?;
    let scale = match look.preview.fitting {
        Fitting::Centred => "1:1, a whole factor".to_owned(),
        _ => scale_words(x.art, x.scaled),
    };
    let mut parts = vec![scale, cropped(&x, &y)];
    if !art.colours.is_empty() {
        parts.push(merged(art, look));
    }
    let short = art
        .delays
        .iter()
        .filter(|d| **d < LED_SHORTEST_FRAME)
        .count();
    if art.delays.len() > 1 {
        parts.push(if short > 0 {
            format!(
                "{short} frame{} shorter than 1/42 s, which a panel may skip (WLED's default rate, assumed)",
                if short == 1 { "" } else { "s" }
            )
        } else {
            "every frame within 42 fps (assumed)".to_owned()
        });
    }
    Some(parts)
}

/// `art` pixels drawn over `scaled` device pixels, in words.
fn scale_words(art: u32, scaled: u32) -> String {
    if scaled == art {
        "1:1, a whole factor".to_owned()
    } else if scaled.is_multiple_of(art) {
        format!("×{}, a whole factor", scaled / art)
    } else if art.is_multiple_of(scaled) {
        match art / scaled {
            2 => "shrunk to 1/2: every other pixel shows".to_owned(),
            k => format!("shrunk to 1/{k}: one pixel in {k} shows"),
        }
    } else {
        let factor = f64::from(scaled) / f64::from(art);
        if factor > 1.0 {
            format!(
                "×{factor:.2}, not a whole factor: pixels are {} or {} wide",
                scaled / art,
                scaled / art + 1
            )
        } else {
            format!("×{factor:.2}, not a whole factor: some pixels are dropped")
        }
    }
}

/// The artwork pixels (as shown) the panel never reaches along one axis: (before, after).
fn cut(axis: &AxisFit) -> (u32, u32) {
    // Shrunk art loses pixels between the ones shown, not at its edges.
    if axis.scaled <= axis.panel {
        return (0, 0);
    }
    let seen: Vec<u32> = (0..axis.panel).filter_map(|i| axis.source(i)).collect();
    match (seen.iter().min(), seen.iter().max()) {
        (Some(&lo), Some(&hi)) => (lo, axis.art - 1 - hi),
        _ => (0, axis.art),
    }
}

fn cropped(x: &AxisFit, y: &AxisFit) -> String {
    let ((left, right), (top, bottom)) = (cut(x), cut(y));
    let mut lost = Vec::new();
    if left + right > 0 {
        lost.push(format!("{left} columns left and {right} right"));
    }
    if top + bottom > 0 {
        lost.push(format!("{top} rows at the top and {bottom} at the bottom"));
    }
    if lost.is_empty() {
        "nothing cropped".to_owned()
    } else {
        format!("crops {}", lost.join(", "))
    }
}

/// How many of the artwork's colours become the same LED colour.
fn merged(art: &ArtFacts, look: &Look) -> String {
    let table = look.led().table();
    let lit: HashSet<[u8; 3]> = art
        .colours
        .iter()
        .map(|c| c.map(|v| table[usize::from(v)]))
        .collect();
    let bits = look.preview.bits;
    let (before, after) = (art.colours.len(), lit.len());
    if after < before {
        format!("{before} colours merge into {after} at {bits} bits a channel")
    } else {
        format!("all {before} colours kept at {bits} bits a channel")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preview::PreviewSettings;
    use crate::preview::{Mirror, Rotation};

    fn look(fitting: Fitting, bits: u8) -> Look {
        Look {
            rotation: Rotation::R0,
            mirror: Mirror::None,
            background: [0, 0, 0],
            brightness: 100,
            preview: PreviewSettings {
                fitting,
                bits,
                ..PreviewSettings::default()
            },
        }
    }

    fn art(size: [u32; 2], colours: Vec<[u8; 3]>, delays: &[u64]) -> ArtFacts {
        ArtFacts {
            size,
            delays: delays.iter().map(|ms| Duration::from_millis(*ms)).collect(),
            colours,
        }
    }

    const LED64: PreviewMode = PreviewMode::Led { w: 64, h: 64 };

    #[test]
    fn the_p3a_line_says_it_does_not_mirror() {
        let facts = art([64, 64], vec![[255, 0, 0]], &[100]);
        let mut mirrored = look(Fitting::Nearest, 8);
        mirrored.mirror = Mirror::Vertical;
        let line = note(PreviewMode::P3a, &facts, &mirrored).unwrap();
        assert!(line.ends_with("not mirrored (p3a has no mirror)"), "{line}");
        let plain = note(PreviewMode::P3a, &facts, &look(Fitting::Nearest, 8)).unwrap();
        assert!(!plain.contains("mirror"), "{plain}");
        assert!(plain.contains("colours kept (24-bit screen)"), "{plain}");
    }

    #[test]
    fn art_of_the_panels_size_is_one_to_one_and_whole() {
        let facts = art([64, 64], vec![[255, 0, 0], [0, 0, 255]], &[100, 100]);
        let line = note(LED64, &facts, &look(Fitting::Nearest, 8)).unwrap();
        assert_eq!(
            line,
            "LED panel 64×64: 1:1, a whole factor; nothing cropped; all 2 colours kept at 8 bits a channel; every frame within 42 fps (assumed)"
        );
    }

    #[test]
    fn wide_art_on_p3a_gets_a_scale_that_is_not_whole() {
        let facts = art([100, 50], vec![[1, 2, 3]], &[]);
        let line = note(PreviewMode::P3a, &facts, &look(Fitting::Nearest, 8)).unwrap();
        assert!(
            line.starts_with("p3a frame: ×7.20, not a whole factor: pixels are 7 or 8 wide"),
            "{line}"
        );
        assert!(line.contains("background bars"), "{line}");
        let square = note(
            PreviewMode::P3a,
            &art([64, 64], vec![], &[]),
            &look(Fitting::Nearest, 8),
        )
        .unwrap();
        assert!(
            square.contains("×11.25, not a whole factor: pixels are 11 or 12 wide"),
            "{square}"
        );
        let whole = note(
            PreviewMode::P3a,
            &art([72, 72], vec![], &[]),
            &look(Fitting::Nearest, 8),
        )
        .unwrap();
        assert!(whole.contains("×10, a whole factor"), "{whole}");
    }

    #[test]
    fn larger_art_centred_on_a_panel_is_cropped_and_said_where() {
        let facts = art([100, 64], vec![], &[]);
        let line = note(LED64, &facts, &look(Fitting::Centred, 8)).unwrap();
        assert!(line.contains("1:1"), "{line}");
        assert!(
            line.contains("crops 18 columns left and 18 right"),
            "{line}"
        );
        let covered = note(
            LED64,
            &art([128, 64], vec![], &[]),
            &look(Fitting::Cropped, 8),
        )
        .unwrap();
        assert!(
            covered.contains("crops 32 columns left and 32 right"),
            "{covered}"
        );
        let halved = note(
            LED64,
            &art([128, 128], vec![], &[]),
            &look(Fitting::Nearest, 8),
        )
        .unwrap();
        assert!(
            halved.contains("shrunk to 1/2") && halved.contains("nothing cropped"),
            "{halved}"
        );
    }

    #[test]
    fn dark_shades_merge_at_a_low_bit_depth() {
        // At 4 bits with gamma 2.2, 1, 2 and 3 all light nothing: they merge with black.
        let facts = art(
            [8, 8],
            vec![[0, 0, 0], [1, 1, 1], [2, 2, 2], [3, 3, 3], [255, 255, 255]],
            &[],
        );
        let line = note(LED64, &facts, &look(Fitting::Nearest, 4)).unwrap();
        assert!(
            line.contains("5 colours merge into 2 at 4 bits a channel"),
            "{line}"
        );
    }

    #[test]
    fn frames_beyond_the_assumed_limits_are_counted() {
        let facts = art([64, 64], vec![], &[10, 20, 100]);
        let line = note(LED64, &facts, &look(Fitting::Nearest, 8)).unwrap();
        assert!(line.contains("2 frames shorter than 1/42 s"), "{line}");
        let long = ArtFacts {
            delays: vec![Duration::from_millis(100); P3A_MAX_FRAMES + 3],
            ..art([64, 64], vec![], &[])
        };
        let line = note(PreviewMode::P3a, &long, &look(Fitting::Nearest, 8)).unwrap();
        assert!(
            line.contains("3 of 5003 frames beyond the 5000 assumed"),
            "{line}"
        );
        assert!(note(PreviewMode::Screen, &long, &look(Fitting::Nearest, 8)).is_none());
    }
}
