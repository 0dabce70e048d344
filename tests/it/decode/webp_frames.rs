//! Animated WebP frames are read from `image-webp` directly (`media::webp_frames`)
//! rather than through `image`'s `into_frames()`: every frame must still be
//! exactly what `image` gives, through both the plain decoder and the frame
//! store, on files that use what WebP animations use (offsets, blending,
//! disposal, alpha, lossy frames with an ALPH chunk, files without alpha).
//! The files in tests/fixtures/webp were written by ImageMagick 6.9 (libwebp 1.2.4).

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use image::AnimationDecoder;
use makapix_player::media::decode::{
    ArtFormat, DecodeError, DecodeLimits, decode, normalize_delay,
};
use makapix_player::media::frame_store;
use makapix_player::sample_art::encode;

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/webp")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// ImageMagick's files: sub-rectangles at offsets, with and without disposal,
/// lossy frames with alpha (ALPH + VP8), lossless frames with alpha, and an
/// opaque lossy file (no alpha: the decoder gives RGB) whose frames blend.
const FIXTURES: [&str; 3] = [
    "anim-alpha-lossy.webp",
    "anim-alpha-lossless.webp",
    "anim-opaque-lossy.webp",
];

/// The frames and delays `image`'s own animation decoder gives, as the
/// player decoded WebP before, but disposing to transparent (which `image`
/// does only when asked).
fn image_frames(bytes: &[u8]) -> Vec<(Vec<u8>, Duration)> {
    let mut decoder = image::codecs::webp::WebPDecoder::new(std::io::Cursor::new(bytes)).unwrap();
    assert!(decoder.has_animation());
    decoder
        .set_background_color(image::Rgba([0, 0, 0, 0]))
        .unwrap();
    decoder
        .into_frames()
        .collect_frames()
        .unwrap()
        .into_iter()
        .map(|f| {
            let delay = normalize_delay(f.delay().into());
            (f.into_buffer().into_raw(), delay)
        })
        .collect()
}

/// `payload`'s RIFF chunk, padded to an even length.
fn chunk(fourcc: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut out = fourcc.to_vec();
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(payload);
    if payload.len() % 2 == 1 {
        out.push(0);
    }
    out
}

fn u24(v: u32) -> [u8; 3] {
    let b = v.to_le_bytes();
    [b[0], b[1], b[2]]
}

/// The VP8L chunk (header included) of a still lossless WebP.
fn vp8l_chunk(still: &[u8]) -> &[u8] {
    let at = still
        .windows(4)
        .position(|w| w == b"VP8L")
        .expect("a VP8L chunk");
    let len = u32::from_le_bytes(still[at + 4..at + 8].try_into().unwrap()) as usize;
    &still[at..at + 8 + len + len % 2]
}

struct SubFrame {
    x: u32,
    y: u32,
    width: u32,
    height: u32,
    millis: u32,
    blend: bool,
    dispose: bool,
    rgba: Vec<u8>,
}

/// An animated lossless WebP built frame by frame, with the offsets and
/// flags ImageMagick did not write (blending frames with alpha at offsets,
/// disposal to a background colour).
/// Without `alpha`, the header says the file has none (the decoder then
/// gives RGB, whatever the frames hold).
fn hand_built(
    width: u32,
    height: u32,
    alpha: bool,
    background: [u8; 4],
    frames: &[SubFrame],
) -> Vec<u8> {
    let mut vp8x = vec![if alpha { 0x10 | 0x02 } else { 0x02 }, 0, 0, 0];
    vp8x.extend_from_slice(&u24(width - 1));
    vp8x.extend_from_slice(&u24(height - 1));
    let mut body = b"WEBP".to_vec();
    body.extend(chunk(b"VP8X", &vp8x));
    let mut anim = background.to_vec();
    anim.extend_from_slice(&[0, 0]);
    body.extend(chunk(b"ANIM", &anim));
    for f in frames {
        let still = encode::webp(f.width, f.height, &f.rgba).unwrap();
        let mut anmf = Vec::new();
        anmf.extend_from_slice(&u24(f.x / 2));
        anmf.extend_from_slice(&u24(f.y / 2));
        anmf.extend_from_slice(&u24(f.width - 1));
        anmf.extend_from_slice(&u24(f.height - 1));
        anmf.extend_from_slice(&u24(f.millis));
        anmf.push(u8::from(!f.blend) << 1 | u8::from(f.dispose));
        anmf.extend_from_slice(vp8l_chunk(&still));
        body.extend(chunk(b"ANMF", &anmf));
    }
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend(body);
    out
}

/// `width`×`height` pixels of varying colour and alpha (some fully
/// transparent, some half), different per `seed`.
fn pixels(width: u32, height: u32, seed: u32) -> Vec<u8> {
    (0..width * height)
        .flat_map(|i| {
            let alpha = match (i + seed) % 5 {
                0 => 0,
                1 => 128,
                2 => 200,
                _ => 255,
            };
            [
                (i * 37 + seed * 11) as u8,
                (i * 5) as u8,
                (seed * 60) as u8,
                alpha as u8,
            ]
        })
        .collect()
}

fn blended_with_disposal() -> Vec<u8> {
    let frame = |x, y, width, height, millis, blend, dispose, seed| SubFrame {
        x,
        y,
        width,
        height,
        millis,
        blend,
        dispose,
        rgba: pixels(width, height, seed),
    };
    hand_built(
        12,
        10,
        true,
        [10, 20, 30, 40],
        &[
            SubFrame {
                rgba: vec![90; 12 * 10 * 4],
                ..frame(0, 0, 12, 10, 0, false, false, 0)
            },
            frame(2, 4, 6, 4, 30, true, true, 1),
            frame(4, 2, 5, 5, 50, true, false, 2),
            frame(0, 0, 8, 6, 120, false, false, 3),
            frame(6, 6, 6, 4, 10, true, true, 4),
        ],
    )
}

/// A header without alpha over frames with it, the first not covering the
/// canvas: the pixels it leaves and its transparent ones must come out opaque.
fn header_without_alpha() -> Vec<u8> {
    let frame = |x, y, width, height, blend, seed| SubFrame {
        x,
        y,
        width,
        height,
        millis: 40,
        blend,
        dispose: false,
        rgba: pixels(width, height, seed),
    };
    hand_built(
        10,
        8,
        false,
        [0; 4],
        &[
            frame(2, 2, 6, 5, false, 5),
            frame(0, 0, 10, 8, true, 6),
            frame(4, 0, 6, 8, false, 7),
            frame(0, 4, 9, 4, true, 8),
            frame(0, 0, 10, 8, false, 9),
        ],
    )
}

fn all_files() -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = FIXTURES
        .iter()
        .map(|name| (name.to_string(), fixture(name)))
        .collect();
    files.push((
        "hand-built, blended with disposal".into(),
        blended_with_disposal(),
    ));
    files.push((
        "hand-built, header without alpha".into(),
        header_without_alpha(),
    ));
    files
}

#[test]
fn every_frame_and_delay_is_what_image_gives() {
    let limits = DecodeLimits::default();
    for (name, bytes) in all_files() {
        let want = image_frames(&bytes);
        assert!(want.len() >= 5, "{name}");
        let art = decode(&bytes, &limits).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(art.format, ArtFormat::WebP, "{name}");
        assert_eq!(art.frames.len(), want.len(), "{name}");
        for (i, (got, (rgba, delay))) in art.frames.iter().zip(&want).enumerate() {
            assert!(got.rgba == *rgba, "{name}: frame {i} differs");
            assert_eq!(got.delay, *delay, "{name}: frame {i}");
        }
        // Not one frame repeated: the reused buffer is not handed out twice.
        assert!(
            art.frames.windows(2).any(|w| w[0].rgba != w[1].rgba),
            "{name}"
        );

        let store = frame_store::decode(&bytes, &limits).unwrap();
        let delays: Vec<Duration> = want.iter().map(|(_, d)| *d).collect();
        assert_eq!(store.frames.delays(), delays.as_slice(), "{name}");
        for (i, (rgba, _)) in want.iter().enumerate() {
            assert!(
                store.frames.rgba(i).as_ref() == Some(rgba),
                "{name}: stored frame {i} differs"
            );
        }
    }
}

#[test]
fn the_hand_built_file_blends_at_offsets() {
    // The comparison above only means something if the file really uses
    // what it is meant to: frame 1 blends half-transparent pixels over
    // frame 0 at an offset.
    let frames = image_frames(&blended_with_disposal());
    let at = |f: usize, x: usize, y: usize| {
        let i = (y * 12 + x) * 4;
        frames[f].0[i..i + 4].to_vec()
    };
    assert_eq!(at(0, 0, 0), vec![90; 4]);
    // Outside every sub-frame, frame 1 keeps frame 0's pixels.
    assert_eq!(at(1, 11, 0), vec![90; 4]);
    // Inside frame 1's rectangle, a half-transparent pixel was blended.
    let changed = (2..8).any(|x| (4..8).any(|y| at(1, x, y) != vec![90; 4]));
    assert!(changed);
    // Blended, not replaced: a half-transparent pixel of frame 1 (alpha
    // 128, its first, at (2, 4)) is neither its own colour nor frame 0's.
    let own = pixels(6, 4, 1)[..4].to_vec();
    assert_eq!(own[3], 128);
    assert_ne!(at(1, 2, 4), own);
    assert_ne!(at(1, 2, 4), vec![90; 4]);
}

#[test]
fn a_disposed_frame_leaves_its_rectangle_transparent_not_its_file_background() {
    // Frame 1 (at 2,4, 6×4) is disposed; frame 2 (at 4,2, 5×5) covers only part
    // of it. Where frame 2 does not reach, frame 1's rectangle is cleared, to
    // transparent as browsers show it, not to the file's hint [10, 20, 30, 40].
    let art = decode(&blended_with_disposal(), &DecodeLimits::default()).unwrap();
    let at = |f: usize, x: usize, y: usize| {
        let i = (y * 12 + x) * 4;
        art.frames[f].rgba[i..i + 4].to_vec()
    };
    assert_ne!(at(1, 2, 7), vec![0; 4], "frame 1 drew there");
    assert_eq!(at(2, 2, 7), vec![0; 4], "cleared after frame 1");
    assert_eq!(at(2, 3, 4), vec![0; 4]);
    // Outside frame 1's rectangle, frame 0 stays.
    assert_eq!(at(2, 11, 0), vec![90; 4]);
}

#[test]
fn a_file_whose_header_has_no_alpha_comes_out_opaque() {
    let art = decode(&header_without_alpha(), &DecodeLimits::default()).unwrap();
    for (i, frame) in art.frames.iter().enumerate() {
        assert!(frame.rgba.chunks_exact(4).all(|p| p[3] == 255), "frame {i}");
    }
    // Where the first frame does not reach, the canvas was never drawn on.
    assert_eq!(art.frames[0].rgba[..4], [0, 0, 0, 255]);
}

#[test]
fn frame_zero_comes_first_then_every_frame_is_stored() {
    let limits = DecodeLimits::default();
    for (name, bytes) in all_files() {
        let want = image_frames(&bytes);
        let (tx, rx) = mpsc::channel();
        let store = frame_store::decode_showing_first(&bytes, &limits, |early| {
            tx.send(early.frames.rgba(0)).unwrap();
        })
        .unwrap();
        let early: Vec<Option<Vec<u8>>> = rx.try_iter().collect();
        assert_eq!(early, vec![Some(want[0].0.clone())], "{name}");
        assert_eq!(store.frames.frame_count(), want.len(), "{name}");
    }
}

#[test]
fn cut_files_fail_with_damage_at_every_length() {
    let limits = DecodeLimits::default();
    for (name, bytes) in all_files() {
        // ImageMagick writes bytes after the RIFF data, which readers ignore.
        let riff_end = u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize + 8;
        assert!(riff_end <= bytes.len(), "{name}");
        for cut in 13..riff_end {
            let err = match decode(&bytes[..cut], &limits) {
                Ok(art) => panic!("{name} cut at {cut}: {} frames", art.frames.len()),
                Err(err) => err,
            };
            assert!(
                matches!(
                    err,
                    DecodeError::Damaged {
                        format: ArtFormat::WebP,
                        ..
                    }
                ),
                "{name} cut at {cut}: {err:?}"
            );
        }
    }
}

#[test]
fn a_corrupt_frame_fails_the_whole_animation_with_the_decoder_reason() {
    let limits = DecodeLimits::default();
    let mut bytes = blended_with_disposal();
    // The last frame's VP8L signature byte (0x2f) broken.
    let at = bytes
        .windows(4)
        .rposition(|w| w == b"VP8L")
        .expect("a VP8L chunk")
        + 8;
    assert_eq!(bytes[at], 0x2f);
    bytes[at] = 0x30;
    let err = decode(&bytes, &limits).unwrap_err();
    let DecodeError::Damaged { format, reason } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(*format, ArtFormat::WebP);
    assert!(reason.to_lowercase().contains("signature"), "{err}");
    assert!(frame_store::decode(&bytes, &limits).is_err());
}
