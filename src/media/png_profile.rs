//! A PNG's colour profile (`iCCP`) is dropped before the decoder sees it.
//! The png crate inflates the profile while reading the header, bounded only
//! by its allocation budget (512 MiB here, which the pixels need): a 1×1 file
//! of a few megabytes can hold a profile that inflates to hundreds of MiB. The
//! player draws the stored values as sRGB, as the frames it plays on do, so
//! the profile would not change a pixel.

use std::borrow::Cow;
use std::ops::Range;

const SIGNATURE_LEN: usize = 8;

/// `bytes` without the `iCCP` chunks before its image data; borrowed when it
/// has none, or when its chunks cannot be walked (the decoder then says why).
pub(super) fn without_profile(bytes: &[u8]) -> Cow<'_, [u8]> {
    let profiles = profile_chunks(bytes).unwrap_or_default();
    if profiles.is_empty() {
        return Cow::Borrowed(bytes);
    }
    let mut kept = Vec::with_capacity(bytes.len());
    let mut at = 0;
    for chunk in profiles {
        kept.extend_from_slice(&bytes[at..chunk.start]);
        at = chunk.end;
    }
    kept.extend_from_slice(&bytes[at..]);
    Cow::Owned(kept)
}

/// Where each `iCCP` chunk lies (length, type, data and CRC), up to the first
/// `IDAT`: the profile is only read before it.
fn profile_chunks(b: &[u8]) -> Option<Vec<Range<usize>>> {
    let mut found = Vec::new();
    let mut at = SIGNATURE_LEN;
    loop {
        let len = u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?) as usize;
        let end = at.checked_add(12)?.checked_add(len)?;
        match b.get(at + 4..at + 8)? {
            b"IDAT" | b"IEND" => return Some(found),
            b"iCCP" if end <= b.len() => found.push(at..end),
            _ => {}
        }
        at = end;
    }
}

/// `png` with a chunk of `kind` holding `data` put after its header (tests).
#[cfg(test)]
pub(super) fn with_chunk(png: &[u8], kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let ihdr_end = SIGNATURE_LEN + 12 + 13;
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    chunk.extend_from_slice(kind);
    chunk.extend_from_slice(data);
    chunk.extend_from_slice(&crc32fast::hash(&chunk[4..]).to_be_bytes());
    let mut with = png[..ihdr_end].to_vec();
    with.extend_from_slice(&chunk);
    with.extend_from_slice(&png[ihdr_end..]);
    with
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::decode::{DecodeLimits, decode};
    use image::ImageEncoder;

    /// A 2×1 PNG, and the same with a chunk of `kind` holding `data`.
    fn png_with(kind: &[u8; 4], data: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let rgba = vec![200, 10, 30, 255, 5, 250, 60, 255];
        let mut plain = Vec::new();
        image::codecs::png::PngEncoder::new(&mut plain)
            .write_image(&rgba, 2, 1, image::ExtendedColorType::Rgba8)
            .unwrap();
        let with = with_chunk(&plain, kind, data);
        (plain, with)
    }

    #[test]
    fn a_profile_is_cut_out_and_the_pixels_stay() {
        // A name, compression method 0, and a (tiny) zlib stream.
        let profile = b"sRGB\0\0\x78\x9c\x03\x00\x00\x00\x00\x01";
        let (plain, with) = png_with(b"iCCP", profile);
        let cut = without_profile(&with);
        assert_eq!(cut.as_ref(), plain.as_slice());
        let limits = DecodeLimits::default();
        let (a, b) = (decode(&with, &limits), decode(&cut, &limits));
        assert_eq!(a.unwrap().frames[0].rgba, b.unwrap().frames[0].rgba);
    }

    #[test]
    fn a_png_without_a_profile_is_not_copied() {
        let (_, with) = png_with(b"tEXt", b"Title\0cat");
        assert!(matches!(without_profile(&with), Cow::Borrowed(_)));
    }

    #[test]
    fn chunks_that_cannot_be_walked_are_left_to_the_decoder() {
        let (_, with) = png_with(b"iCCP", b"p\0\0\x78\x9c\x03\x00\x00\x00\x00\x01");
        let cut_short = &with[..SIGNATURE_LEN + 12 + 13 + 6];
        assert!(matches!(without_profile(cut_short), Cow::Borrowed(_)));
        assert!(matches!(without_profile(b"\x89PNG"), Cow::Borrowed(_)));
    }
}
