//! Every supported format decodes to the right size, frames, delays and
//! pixels. Fixtures are made with the crate's own encoders at test time; the
//! committed samples are checked separately at the end.

use std::path::PathBuf;
use std::time::Duration;

use makapix_player::media::decode::{ArtFormat, Artwork, DecodeLimits, decode, decode_file};
use makapix_player::sample_art::{SAMPLE_NAMES, encode, generate_all};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A small image with a distinct colour per pixel and per `seed`, and a
/// transparent corner, so mixed-up frames or lost alpha show up.
fn pattern(w: u32, h: u32, seed: u8, alpha: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity((w * h * 4) as usize);
    for y in 0..h {
        for x in 0..w {
            let clear = alpha && x == 0 && y == 0;
            out.extend_from_slice(&[
                (x as u8).wrapping_mul(40).wrapping_add(seed),
                (y as u8).wrapping_mul(50),
                seed.wrapping_mul(30),
                if clear { 0 } else { 255 },
            ]);
        }
    }
    out
}

/// Equal pixels, except that a fully transparent pixel may carry any colour
/// (GIF and WebP do not keep it).
fn assert_same_visible(got: &[u8], want: &[u8], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (i, (g, w)) in got.chunks_exact(4).zip(want.chunks_exact(4)).enumerate() {
        if w[3] == 0 {
            assert_eq!(g[3], 0, "{what}, pixel {i}");
        } else {
            assert_eq!(g, w, "{what}, pixel {i}");
        }
    }
}

fn limits() -> DecodeLimits {
    DecodeLimits::default()
}

fn assert_still(art: &Artwork, format: ArtFormat, w: u32, h: u32) {
    assert_eq!((art.width, art.height, art.format), (w, h, format));
    assert_eq!(art.frames.len(), 1);
    assert!(!art.is_animated());
    assert_eq!(art.frames[0].delay, Duration::ZERO);
    assert_eq!(art.loop_duration(), Duration::ZERO);
    assert_eq!(art.frames[0].rgba.len(), (w * h * 4) as usize);
}

#[test]
fn png_still_keeps_straight_alpha() {
    let mut rgba = pattern(5, 3, 7, true);
    // A half-transparent pixel must come back unpremultiplied.
    rgba[4..8].copy_from_slice(&[200, 100, 50, 128]);
    let art = decode(&encode::png(5, 3, &rgba).unwrap(), &limits()).unwrap();
    assert_still(&art, ArtFormat::Png, 5, 3);
    assert_eq!(art.frames[0].rgba, rgba);
    assert_eq!(art.decoded_bytes(), 5 * 3 * 4);
}

#[test]
fn apng_keeps_every_frame_and_delay() {
    let frames = vec![
        (pattern(6, 4, 1, true), ms(50)),
        (pattern(6, 4, 2, false), ms(120)),
        (pattern(6, 4, 3, true), ms(2000)),
    ];
    let art = decode(&encode::apng(6, 4, &frames).unwrap(), &limits()).unwrap();
    assert_eq!((art.width, art.height, art.format), (6, 4, ArtFormat::Apng));
    assert!(art.is_animated());
    assert_eq!(art.delays(), vec![ms(50), ms(120), ms(2000)]);
    assert_eq!(art.loop_duration(), ms(2170));
    for (got, (want, _)) in art.frames.iter().zip(&frames) {
        assert_eq!(&got.rgba, want);
    }
    assert_eq!(art.decoded_bytes(), 3 * 6 * 4 * 4);
}

#[test]
fn gif_delays_are_normalised_like_browsers() {
    let frames: Vec<_> = [0, 10, 20, 70]
        .iter()
        .enumerate()
        .map(|(i, d)| (pattern(4, 4, i as u8 * 9, true), ms(*d)))
        .collect();
    let art = decode(&encode::gif(4, 4, &frames).unwrap(), &limits()).unwrap();
    assert_eq!((art.width, art.height, art.format), (4, 4, ArtFormat::Gif));
    assert_eq!(art.frames.len(), 4);
    // 0 ms and 10 ms play at 100 ms; 20 ms is fast but real and kept.
    assert_eq!(art.delays(), vec![ms(100), ms(100), ms(20), ms(70)]);
    for (i, (got, (want, _))) in art.frames.iter().zip(&frames).enumerate() {
        // Under 256 colours GIF is exact, and the transparent corner stays clear.
        assert_same_visible(&got.rgba, want, &format!("frame {i}"));
    }
}

#[test]
fn gif_transparency_does_not_show_the_previous_frame() {
    let opaque = vec![255u8; 2 * 2 * 4];
    let mut holed = opaque.clone();
    holed[3] = 0;
    let frames = vec![(opaque, ms(50)), (holed, ms(50))];
    let art = decode(&encode::gif(2, 2, &frames).unwrap(), &limits()).unwrap();
    assert_eq!(art.frames[1].rgba[3], 0);
}

#[test]
fn one_frame_gif_is_a_still_image() {
    let frames = vec![(pattern(3, 3, 5, true), ms(500))];
    let art = decode(&encode::gif(3, 3, &frames).unwrap(), &limits()).unwrap();
    assert_still(&art, ArtFormat::Gif, 3, 3);
}

#[test]
fn animated_webp_round_trips_frames_and_delays() {
    // Frame 2 is transparent where frame 1 is opaque: the container marks
    // frames "do not blend", so it must not show frame 1 through.
    let first = pattern(8, 6, 10, false);
    let mut second = pattern(8, 6, 60, false);
    for px in second.chunks_exact_mut(4).take(8) {
        px[3] = 0;
    }
    let third = pattern(8, 6, 110, true);
    let frames = vec![(first, ms(40)), (second, ms(250)), (third, ms(15))];
    let file = encode::webp_animated(8, 6, &frames).unwrap();

    let art = decode(&file, &limits()).unwrap();
    assert_eq!((art.width, art.height, art.format), (8, 6, ArtFormat::WebP));
    assert_eq!(art.delays(), vec![ms(40), ms(250), ms(15)]);
    for (i, (got, (want, _))) in art.frames.iter().zip(&frames).enumerate() {
        assert_same_visible(&got.rgba, want, &format!("frame {i}"));
    }
    assert_ne!(art.frames[0].rgba, art.frames[1].rgba);
    assert_ne!(art.frames[1].rgba, art.frames[2].rgba);
}

#[test]
fn animated_webp_reads_back_with_image_own_decoder() {
    use image::AnimationDecoder;
    let frames = vec![
        (pattern(5, 5, 1, false), ms(70)),
        (pattern(5, 5, 2, false), ms(90)),
    ];
    let file = encode::webp_animated(5, 5, &frames).unwrap();
    let decoder = image::codecs::webp::WebPDecoder::new(std::io::Cursor::new(&file)).unwrap();
    assert!(decoder.has_animation());
    let decoded = decoder.into_frames().collect_frames().unwrap();
    assert_eq!(decoded.len(), 2);
    assert_eq!(Duration::from(decoded[1].delay()), ms(90));
    assert_eq!(decoded[0].buffer().as_raw(), &frames[0].0);
}

#[test]
fn still_webp_and_bmp_decode() {
    let rgba = pattern(7, 5, 3, true);
    let art = decode(&encode::webp(7, 5, &rgba).unwrap(), &limits()).unwrap();
    assert_still(&art, ArtFormat::WebP, 7, 5);
    assert_same_visible(&art.frames[0].rgba, &rgba, "still WebP");

    let opaque = pattern(7, 5, 3, false);
    let art = decode(&encode::bmp(7, 5, &opaque).unwrap(), &limits()).unwrap();
    assert_still(&art, ArtFormat::Bmp, 7, 5);
    assert_eq!(art.frames[0].rgba, opaque);

    let art = decode(&encode::bmp(7, 5, &rgba).unwrap(), &limits()).unwrap();
    assert_eq!(art.frames[0].rgba, rgba);
}

#[test]
fn format_comes_from_content_not_the_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let gif = encode::gif(3, 2, &[(pattern(3, 2, 1, false), ms(80))]).unwrap();
    let png = encode::png(3, 2, &pattern(3, 2, 1, false)).unwrap();
    let webp = encode::webp_animated(
        3,
        2,
        &[
            (pattern(3, 2, 1, false), ms(80)),
            (pattern(3, 2, 2, false), ms(80)),
        ],
    )
    .unwrap();
    for (name, bytes, format) in [
        ("looks-like.png", &gif, ArtFormat::Gif),
        ("looks-like.webp", &png, ArtFormat::Png),
        ("no-extension", &webp, ArtFormat::WebP),
        ("looks-like.bmp.gif", &webp, ArtFormat::WebP),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let art = decode_file(&path, &limits()).unwrap();
        assert_eq!(art.format, format, "{name}");
        assert_eq!((art.width, art.height), (3, 2));
    }
}

fn samples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/samples")
}

#[test]
fn committed_samples_decode_as_described() {
    // (name, side, format, animated, has transparency)
    let expected = [
        ("heart-8.png", 8, ArtFormat::Png, false, true),
        ("mushroom-16.bmp", 16, ArtFormat::Bmp, false, false),
        ("slime-32.gif", 32, ArtFormat::Gif, true, true),
        ("sun-64.png", 64, ArtFormat::Apng, true, true),
        ("night-128.webp", 128, ArtFormat::WebP, true, false),
        ("mountains-256.png", 256, ArtFormat::Png, false, false),
    ];
    assert_eq!(expected.len(), SAMPLE_NAMES.len());
    for (name, side, format, animated, transparent) in expected {
        assert!(SAMPLE_NAMES.contains(&name), "{name}");
        let art = decode_file(&samples_dir().join(name), &limits()).unwrap();
        assert_eq!(
            (art.width, art.height, art.format),
            (side, side, format),
            "{name}"
        );
        assert_eq!(art.is_animated(), animated, "{name}");
        if animated {
            assert!((8..=12).contains(&art.frames.len()), "{name}");
            assert!(art.delays().iter().all(|d| *d > ms(10)), "{name}");
        }
        let any_clear = art
            .frames
            .iter()
            .any(|f| f.rgba.chunks_exact(4).any(|px| px[3] < 255));
        assert_eq!(any_clear, transparent, "{name}");
    }
}

#[test]
fn committed_samples_match_their_program() {
    let generated = generate_all();
    assert_eq!(
        generated.iter().map(|(name, _)| *name).collect::<Vec<_>>(),
        SAMPLE_NAMES
    );
    let mut total = 0;
    for (name, bytes) in generated {
        let committed = std::fs::read(samples_dir().join(name)).unwrap();
        assert!(
            committed == bytes,
            "assets/samples/{name} differs from what sample_art draws; \
             run `cargo run --example make_samples` and commit the result"
        );
        total += bytes.len();
    }
    assert!(total < 1_500_000, "samples take {total} bytes");
}
