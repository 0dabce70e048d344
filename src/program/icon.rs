//! The program's icon: pixel art kept as text (`assets/icon/icon.txt`) so it
//! can be edited and reviewed like code, rendered here to every size and
//! container the installers need (`cargo run --example make_icons`).
//! The shipped program only parses and resizes it for the window icon; the
//! files for the installers are written by the `dev` feature's code.

use std::collections::HashMap;

/// The icon source, also used for the window icon at run time.
pub const SOURCE: &str = include_str!("../../assets/icon/icon.txt");

/// PNG sizes shipped for Linux desktops (hicolor theme) and used inside ICO/ICNS.
pub const SIZES: [u32; 9] = [16, 24, 32, 48, 64, 128, 256, 512, 1024];

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IconError {
    #[error("Line {line} of the icon source: {reason}.")]
    Source { line: usize, reason: String },
    #[error("The icon could not be encoded: {0}.")]
    Encode(String),
}

/// An RGBA image with straight alpha.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pixels {
    pub size: u32,
    pub rgba: Vec<u8>,
}

/// Reads the text art: `#` comments, palette lines `X #RRGGBB`, then a square grid.
pub fn parse(source: &str) -> Result<Pixels, IconError> {
    let mut palette: HashMap<char, [u8; 4]> = HashMap::from([('.', [0, 0, 0, 0])]);
    let mut rows: Vec<(usize, &str)> = Vec::new();
    for (i, line) in source.lines().enumerate() {
        let number = i + 1;
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut chars = line.chars();
        if let (Some(key), Some(' '), Some('#')) = (chars.next(), chars.next(), chars.next()) {
            let hex = chars.as_str();
            let value = u32::from_str_radix(hex, 16)
                .ok()
                .filter(|_| hex.len() == 6)
                .ok_or_else(|| IconError::Source {
                    line: number,
                    reason: format!("'{hex}' is not a colour like #1a2b3c"),
                })?;
            let [_, r, g, b] = value.to_be_bytes();
            palette.insert(key, [r, g, b, 255]);
        } else {
            rows.push((number, line));
        }
    }
    let size = rows.len();
    if size == 0 {
        return Err(IconError::Source {
            line: source.lines().count(),
            reason: "the grid is missing".into(),
        });
    }
    let mut rgba = Vec::with_capacity(size * size * 4);
    for (number, row) in rows {
        if row.chars().count() != size {
            return Err(IconError::Source {
                line: number,
                reason: format!("the grid must be square: {size} characters per row"),
            });
        }
        for c in row.chars() {
            let colour = palette.get(&c).ok_or_else(|| IconError::Source {
                line: number,
                reason: format!("'{c}' is not in the palette"),
            })?;
            rgba.extend_from_slice(colour);
        }
    }
    Ok(Pixels {
        size: size as u32,
        rgba,
    })
}

/// Nearest-neighbour resize: pixel art stays crisp when it grows, and keeps
/// its shapes when it shrinks by whole steps.
pub fn resize(src: &Pixels, size: u32) -> Pixels {
    let mut rgba = Vec::with_capacity((size * size * 4) as usize);
    for y in 0..size {
        let sy = (u64::from(y) * u64::from(src.size) / u64::from(size)) as u32;
        for x in 0..size {
            let sx = (u64::from(x) * u64::from(src.size) / u64::from(size)) as u32;
            let at = ((sy * src.size + sx) * 4) as usize;
            rgba.extend_from_slice(&src.rgba[at..at + 4]);
        }
    }
    Pixels { size, rgba }
}

#[cfg(any(test, feature = "dev"))]
pub fn png(pixels: &Pixels) -> Result<Vec<u8>, IconError> {
    crate::sample_art::encode::png(pixels.size, pixels.size, &pixels.rgba)
        .map_err(|e| IconError::Encode(e.to_string()))
}

/// A Windows `.ico` holding PNG images (Windows Vista and later read PNG entries).
#[cfg(any(test, feature = "dev"))]
pub(crate) fn ico(sizes: &[Pixels]) -> Result<Vec<u8>, IconError> {
    let images = sizes.iter().map(png).collect::<Result<Vec<_>, _>>()?;
    let count = images.len() as u16;
    let mut out = Vec::new();
    out.extend_from_slice(&[0, 0, 1, 0]);
    out.extend_from_slice(&count.to_le_bytes());
    let mut offset = 6 + 16 * u32::from(count);
    for (pixels, image) in sizes.iter().zip(&images) {
        // 256 is written as 0 in the one-byte size fields.
        let side = if pixels.size >= 256 {
            0
        } else {
            pixels.size as u8
        };
        out.extend_from_slice(&[side, side, 0, 0]);
        out.extend_from_slice(&1u16.to_le_bytes());
        out.extend_from_slice(&32u16.to_le_bytes());
        out.extend_from_slice(&(image.len() as u32).to_le_bytes());
        out.extend_from_slice(&offset.to_le_bytes());
        offset += image.len() as u32;
    }
    for image in images {
        out.extend_from_slice(&image);
    }
    Ok(out)
}

/// The ICNS element types that hold PNG data, by pixel size.
#[cfg(any(test, feature = "dev"))]
const ICNS_TYPES: [(&[u8; 4], u32); 6] = [
    (b"icp4", 16),
    (b"icp5", 32),
    (b"icp6", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic09", 512),
];

/// A macOS `.icns`: a header and one PNG element per size.
#[cfg(any(test, feature = "dev"))]
pub(crate) fn icns(source: &Pixels) -> Result<Vec<u8>, IconError> {
    let mut body = Vec::new();
    for (kind, size) in ICNS_TYPES {
        let image = png(&resize(source, size))?;
        body.extend_from_slice(kind);
        body.extend_from_slice(&(image.len() as u32 + 8).to_be_bytes());
        body.extend_from_slice(&image);
    }
    let mut out = b"icns".to_vec();
    out.extend_from_slice(&(body.len() as u32 + 8).to_be_bytes());
    out.extend_from_slice(&body);
    Ok(out)
}

/// Every generated file, by its path under `assets/icon/`.
#[cfg(any(test, feature = "dev"))]
pub fn generate_all() -> Result<Vec<(String, Vec<u8>)>, IconError> {
    let source = parse(SOURCE)?;
    let mut files = Vec::new();
    for size in SIZES {
        files.push((
            format!("png/{size}x{size}.png"),
            png(&resize(&source, size))?,
        ));
    }
    let ico_sizes: Vec<Pixels> = [16, 24, 32, 48, 64, 128, 256]
        .iter()
        .map(|&s| resize(&source, s))
        .collect();
    files.push(("makapix-player.ico".into(), ico(&ico_sizes)?));
    files.push(("makapix-player.icns".into(), icns(&source)?));
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_source_is_a_32_pixel_square_with_transparent_corners() {
        let icon = parse(SOURCE).unwrap();
        assert_eq!(icon.size, 32);
        assert_eq!(icon.rgba[3], 0, "top-left corner is transparent");
        let centre = ((16 * 32 + 16) * 4) as usize;
        assert_eq!(icon.rgba[centre + 3], 255);
    }

    #[test]
    fn mistakes_in_the_source_name_their_line() {
        let err = parse("K #zz0000\nKK\nKK\n").unwrap_err();
        assert_eq!(
            err,
            IconError::Source {
                line: 1,
                reason: "'zz0000' is not a colour like #1a2b3c".into()
            }
        );
        let err = parse("K #000000\nKK\nKX\n").unwrap_err();
        assert!(matches!(err, IconError::Source { line: 3, .. }), "{err}");
        let err = parse("K #000000\nKKK\nKK\n").unwrap_err();
        assert!(err.to_string().contains("square"), "{err}");
    }

    #[test]
    fn resizing_by_whole_steps_repeats_pixels_exactly() {
        let src = Pixels {
            size: 2,
            rgba: vec![1, 1, 1, 255, 2, 2, 2, 255, 3, 3, 3, 255, 4, 4, 4, 255],
        };
        let big = resize(&src, 4);
        let row0: Vec<u8> = big.rgba[..16].chunks(4).map(|p| p[0]).collect();
        assert_eq!(row0, [1, 1, 2, 2]);
        assert_eq!(resize(&big, 2), src);
    }

    #[test]
    fn ico_and_icns_are_well_formed() {
        let src = parse(SOURCE).unwrap();
        let sizes = [resize(&src, 16), resize(&src, 256)];
        let ico = ico(&sizes).unwrap();
        assert_eq!(&ico[..6], &[0, 0, 1, 0, 2, 0]);
        assert_eq!(ico[6], 16);
        assert_eq!(ico[22], 0, "256 px is written as 0");
        let first_offset = u32::from_le_bytes(ico[18..22].try_into().unwrap()) as usize;
        assert_eq!(&ico[first_offset..first_offset + 4], b"\x89PNG");

        let icns = icns(&src).unwrap();
        assert_eq!(&icns[..4], b"icns");
        assert_eq!(
            u32::from_be_bytes(icns[4..8].try_into().unwrap()) as usize,
            icns.len()
        );
        assert_eq!(&icns[8..12], b"icp4");
        assert_eq!(&icns[16..20], b"\x89PNG");
    }
}
