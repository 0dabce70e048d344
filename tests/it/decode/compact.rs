//! Decoding into the compact frame store: long animations stay small, every
//! frame comes back exactly as the plain decoder gives it, and hostile files
//! are still refused by the limits.

use std::time::{Duration, Instant};

use makapix_player::media::decode::{self, ArtFormat, DecodeError, DecodeLimits};
use makapix_player::media::frame_store;
use makapix_player::sample_art::{encode, long_animation};

const MIB: u64 = 1024 * 1024;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Every frame of the compact decode equals the plain RGBA decode, delays included.
fn assert_same_as_plain(file: &[u8]) -> frame_store::CompactArtwork {
    let limits = DecodeLimits::default();
    let plain = decode::decode(file, &limits).expect("plain decode");
    let compact = frame_store::decode(file, &limits).expect("compact decode");
    assert_eq!(compact.format, plain.format);
    assert_eq!(
        (compact.width(), compact.height()),
        (plain.width, plain.height)
    );
    assert_eq!(compact.frames.frame_count(), plain.frames.len());
    assert_eq!(compact.frames.delays(), plain.delays().as_slice());
    for (i, frame) in plain.frames.iter().enumerate() {
        let got = compact.frames.rgba(i).expect("frame exists");
        assert!(got == frame.rgba, "frame {i} differs");
    }
    compact
}

/// Frame `index`, asked for until the replay thread has decoded it: each ask
/// waits on the thread briefly, and a slow machine may need many.
fn rgba_once_decoded(frames: &frame_store::FrameStore, index: usize) -> Vec<u8> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(rgba) = frames.rgba(index) {
            return rgba;
        }
        assert!(Instant::now() < deadline, "frame {index} never came back");
    }
}

#[test]
fn a_1000_frame_256px_animation_stays_far_under_150_mb() {
    let file = long_animation::gif(256, 1000, ms(40)).unwrap();
    let art = frame_store::decode(&file, &DecodeLimits::default()).unwrap();
    assert_eq!(art.format, ArtFormat::Gif);
    assert_eq!((art.width(), art.height()), (256, 256));
    assert_eq!(art.frames.frame_count(), 1000);
    let raw = 1000 * 256 * 256 * 4;
    let kept = art.frames.byte_count();
    eprintln!(
        "1000 frames: {:.1} MB kept, {:.1} MB as RGBA",
        kept as f64 / MIB as f64,
        raw as f64 / MIB as f64
    );
    // Each frame mostly repeats the one before: a few MB, far under 150 MB.
    assert!(kept < 16 * MIB, "{kept} bytes kept");
    assert!(kept * 20 < raw, "{kept} bytes kept");
    // Past the keep budget, the last frame comes from the file again.
    assert!(art.frames.replayed_frames() > 0);
    // The corner is transparent in every frame, the scene opaque.
    let last = rgba_once_decoded(&art.frames, 999);
    assert_eq!(last[3], 0);
    assert_eq!(last[last.len() - 1], 255);
}

#[test]
fn long_pixel_art_frames_match_the_plain_decoder_exactly() {
    let file = long_animation::gif(256, 120, ms(40)).unwrap();
    let art = assert_same_as_plain(&file);
    assert_eq!(art.frames.direct_frames(), 0);
    // Each frame moves the sprite: no two neighbours are alike.
    assert_ne!(art.frames.rgba(1), art.frames.rgba(2));
}

/// Many colours per frame, as in the decode benchmark, must not lose a bit either.
fn colourful(side: u32, n: u32) -> Vec<u8> {
    let mut rgba = Vec::new();
    for y in 0..side {
        for x in 0..side {
            let alpha = if x == y { 0 } else { 255 };
            rgba.extend_from_slice(&[(x * 9 + n) as u8, (y * 5) as u8, (x ^ y) as u8, alpha]);
        }
    }
    rgba
}

#[test]
fn colourful_frames_of_every_format_round_trip() {
    let frames: Vec<(Vec<u8>, Duration)> = (0..4).map(|n| (colourful(40, n), ms(60))).collect();
    let files = [
        encode::webp_animated(40, 40, &frames).unwrap(),
        encode::apng(40, 40, &frames).unwrap(),
        encode::gif(40, 40, &frames).unwrap(),
        encode::png(40, 40, &frames[0].0).unwrap(),
        encode::bmp(40, 40, &frames[0].0).unwrap(),
    ];
    for file in files {
        assert_same_as_plain(&file);
    }
    let webp = frame_store::decode(
        &encode::webp_animated(40, 40, &frames).unwrap(),
        &DecodeLimits::default(),
    )
    .unwrap();
    assert!(
        webp.frames.direct_frames() > 0,
        "the RGBA fallback was used"
    );
}

#[test]
fn hostile_animations_are_still_refused() {
    let file = long_animation::gif(64, 50, ms(40)).unwrap();
    let few_frames = DecodeLimits {
        max_frames: 20,
        ..DecodeLimits::default()
    };
    let Err(err) = frame_store::decode(&file, &few_frames) else {
        panic!("50 frames passed a 20-frame limit");
    };
    assert_eq!(
        err,
        DecodeError::TooManyFrames {
            format: ArtFormat::Gif,
            max: 20
        }
    );

    // The budget counts what is kept, plus the frame being decoded.
    let tight = DecodeLimits {
        max_decoded_bytes: 64 * 64 * 4 + 1024,
        ..DecodeLimits::default()
    };
    let Err(err) = frame_store::decode(&file, &tight) else {
        panic!("50 frames fit a budget of one frame");
    };
    assert!(
        matches!(err, DecodeError::OverMemoryBudget { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("budget"), "{err}");

    // Empty and foreign files get the same sentences as before.
    assert_eq!(
        frame_store::decode(&[], &DecodeLimits::default()).err(),
        Some(DecodeError::Empty)
    );
    assert_eq!(
        frame_store::decode(b"hello", &DecodeLimits::default()).err(),
        Some(DecodeError::NotAnImage)
    );
}
