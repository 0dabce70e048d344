//! Hostile, broken and oversized input: each case must fail with the right
//! error, a readable sentence, quickly, and without panicking.

use std::path::Path;
use std::time::{Duration, Instant};

use makapix_player::media::decode::{ArtFormat, DecodeError, DecodeLimits, decode, decode_file};
use makapix_player::sample_art::encode;

use crate::support;
use support::png_chunk;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Noisy pixels, so compressed data fills the file and any cut or flipped
/// byte lands in real image data.
fn noise(w: u32, h: u32, seed: u32) -> Vec<u8> {
    let mut state = seed.max(1);
    (0..w * h * 4)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            if i % 4 == 3 { 255 } else { (state >> 24) as u8 }
        })
        .collect()
}

fn frames(w: u32, h: u32, count: u32) -> Vec<(Vec<u8>, Duration)> {
    (0..count).map(|i| (noise(w, h, i + 1), ms(50))).collect()
}

/// Decodes, and checks the error reads as a sentence and came quickly.
fn expect_err(bytes: &[u8], limits: &DecodeLimits) -> DecodeError {
    let start = Instant::now();
    let result = decode(bytes, limits);
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "took {:?}",
        start.elapsed()
    );
    let err = match result {
        Ok(art) => panic!("decoded {} frames from bad input", art.frames.len()),
        Err(err) => err,
    };
    assert_sentence(&err);
    err
}

fn expect_file_err(path: &Path, limits: &DecodeLimits) -> DecodeError {
    let err = match decode_file(path, limits) {
        Ok(_) => panic!("decoded {}", path.display()),
        Err(err) => err,
    };
    assert_sentence(&err);
    err
}

fn assert_sentence(err: &DecodeError) {
    let text = err.to_string();
    assert!(text.starts_with(char::is_uppercase), "{text}");
    assert!(text.ends_with('.'), "{text}");
}

fn is_damaged(err: &DecodeError, want: ArtFormat) -> bool {
    matches!(err, DecodeError::Damaged { format, .. } if *format == want)
}

#[test]
fn zero_byte_file_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nothing.png");
    std::fs::write(&path, b"").unwrap();
    assert_eq!(
        expect_file_err(&path, &DecodeLimits::default()),
        DecodeError::Empty
    );
    assert_eq!(
        expect_err(b"", &DecodeLimits::default()),
        DecodeError::Empty
    );
}

#[test]
fn text_is_not_an_image() {
    let err = expect_err(
        b"Hello, this is a note, not a picture.\n",
        &DecodeLimits::default(),
    );
    assert_eq!(err, DecodeError::NotAnImage);
    assert!(err.to_string().contains("PNG, APNG, GIF, WebP and BMP"));
}

#[test]
fn truncated_png_is_damaged() {
    let file = encode::png(32, 32, &noise(32, 32, 3)).unwrap();
    for cut in [40, file.len() / 2, file.len() - 30] {
        let err = expect_err(&file[..cut], &DecodeLimits::default());
        assert!(is_damaged(&err, ArtFormat::Png), "cut at {cut}: {err:?}");
    }
}

#[test]
fn truncated_apng_is_not_half_an_animation() {
    let file = encode::apng(16, 16, &frames(16, 16, 4)).unwrap();
    // Anywhere before the last frame's data is complete.
    let last_frame = file.windows(4).rposition(|w| w == b"fdAT").unwrap() + 20;
    for cut in [file.len() / 3, file.len() / 2, last_frame] {
        let err = expect_err(&file[..cut], &DecodeLimits::default());
        assert!(
            is_damaged(&err, ArtFormat::Apng) || is_damaged(&err, ArtFormat::Png),
            "cut at {cut}: {err:?}"
        );
    }
}

#[test]
fn truncated_gif_animation_fails_at_every_cut() {
    let file = encode::gif(8, 8, &frames(8, 8, 4)).unwrap();
    for cut in 6..file.len() {
        let err = expect_err(&file[..cut], &DecodeLimits::default());
        assert!(is_damaged(&err, ArtFormat::Gif), "cut at {cut}: {err:?}");
    }
}

#[test]
fn truncated_webp_fails_at_every_cut() {
    let animated = encode::webp_animated(8, 8, &frames(8, 8, 3)).unwrap();
    let still = encode::webp(8, 8, &noise(8, 8, 9)).unwrap();
    for file in [animated, still] {
        for cut in 12..file.len() {
            let err = expect_err(&file[..cut], &DecodeLimits::default());
            assert!(is_damaged(&err, ArtFormat::WebP), "cut at {cut}: {err:?}");
        }
    }
}

#[test]
fn corrupted_png_data_is_damaged() {
    let mut file = encode::png(32, 32, &noise(32, 32, 5)).unwrap();
    let middle = file.len() / 2;
    for b in &mut file[middle..middle + 16] {
        *b ^= 0x5a;
    }
    let err = expect_err(&file, &DecodeLimits::default());
    assert!(is_damaged(&err, ArtFormat::Png), "{err:?}");
    assert!(err.to_string().contains("exporting it again"));
}

#[test]
fn huge_png_header_is_refused_before_decoding() {
    let mut file = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    png_chunk(&mut file, b"IHDR", &ihdr);
    png_chunk(
        &mut file,
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    png_chunk(&mut file, b"IEND", &[]);

    // The one IDAT holds no pixels, so a decode that went past the header
    // would call the file damaged: a size error comes from the header alone.
    // (expect_err also bounds the time, as a hang guard.)
    let err = expect_err(&file, &DecodeLimits::default());
    assert_eq!(
        err,
        DecodeError::TooLarge {
            format: ArtFormat::Png,
            width: 100_000,
            height: 100_000,
            max: 4096
        }
    );
    assert!(err.to_string().contains("100000×100000"));

    // Allowed that size, it is refused for the memory its canvas would take,
    // reckoned from the header: the 40 GB are never asked of the allocator.
    let wide = DecodeLimits {
        max_dimension: 100_000,
        ..DecodeLimits::default()
    };
    assert_eq!(
        expect_err(&file, &wide),
        DecodeError::OverMemoryBudget {
            format: ArtFormat::Png,
            needed_bytes: 100_000 * 100_000 * 4,
            budget_bytes: DecodeLimits::default().max_decoded_bytes,
        }
    );
}

#[test]
fn huge_headers_of_other_formats_are_refused() {
    let mut gif = b"GIF89a".to_vec();
    gif.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0, 0, 0, b';']);
    let mut bmp = b"BM".to_vec();
    bmp.extend_from_slice(&[0; 12]);
    bmp.extend_from_slice(&40u32.to_le_bytes());
    bmp.extend_from_slice(&20_000i32.to_le_bytes());
    bmp.extend_from_slice(&(-20_000i32).to_le_bytes());
    bmp.extend_from_slice(&[1, 0, 32, 0]);
    bmp.resize(64, 0);
    for (file, format) in [(gif, ArtFormat::Gif), (bmp, ArtFormat::Bmp)] {
        let err = expect_err(&file, &DecodeLimits::default());
        assert!(
            matches!(err, DecodeError::TooLarge { format: f, .. } if f == format),
            "{err:?}"
        );
    }
}

#[test]
fn a_canvas_without_pixels_is_damaged() {
    let mut gif = b"GIF89a".to_vec();
    gif.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, b';']);
    let err = expect_err(&gif, &DecodeLimits::default());
    assert!(is_damaged(&err, ArtFormat::Gif), "{err:?}");
}

#[test]
fn animations_over_the_frame_limit_are_refused() {
    let limits = DecodeLimits {
        max_frames: 5,
        ..DecodeLimits::default()
    };
    let many = frames(4, 4, 6);
    let files = [
        (encode::gif(4, 4, &many).unwrap(), ArtFormat::Gif),
        (encode::apng(4, 4, &many).unwrap(), ArtFormat::Apng),
        (encode::webp_animated(4, 4, &many).unwrap(), ArtFormat::WebP),
    ];
    for (file, format) in files {
        let err = expect_err(&file, &limits);
        assert_eq!(err, DecodeError::TooManyFrames { format, max: 5 });
        // Exactly at the limit is fine.
        assert!(
            decode(
                &file,
                &DecodeLimits {
                    max_frames: 6,
                    ..limits
                }
            )
            .is_ok()
        );
    }
}

#[test]
fn animations_over_the_memory_budget_are_refused() {
    // Four 16×16 frames need 4096 bytes; allow three frames' worth.
    let limits = DecodeLimits {
        max_decoded_bytes: 3 * 1024,
        ..DecodeLimits::default()
    };
    let file = encode::gif(16, 16, &frames(16, 16, 4)).unwrap();
    let err = expect_err(&file, &limits);
    assert_eq!(
        err,
        DecodeError::OverMemoryBudget {
            format: ArtFormat::Gif,
            needed_bytes: 4 * 1024,
            budget_bytes: 3 * 1024
        }
    );
    assert!(err.to_string().contains("4 KB") && err.to_string().contains("3 KB"));

    let file = encode::webp_animated(16, 16, &frames(16, 16, 4)).unwrap();
    let err = expect_err(&file, &limits);
    assert!(
        matches!(err, DecodeError::OverMemoryBudget { .. }),
        "{err:?}"
    );
}

#[test]
fn a_still_image_over_the_memory_budget_is_refused() {
    let limits = DecodeLimits {
        max_decoded_bytes: 1000,
        ..DecodeLimits::default()
    };
    let file = encode::png(32, 32, &noise(32, 32, 1)).unwrap();
    let err = expect_err(&file, &limits);
    assert!(
        matches!(
            err,
            DecodeError::OverMemoryBudget {
                needed_bytes: 4096,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn files_over_the_size_limit_are_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.png");
    let file = encode::png(32, 32, &noise(32, 32, 2)).unwrap();
    std::fs::write(&path, &file).unwrap();
    let limits = DecodeLimits {
        max_file_bytes: 100,
        ..DecodeLimits::default()
    };
    let err = expect_file_err(&path, &limits);
    assert_eq!(
        err,
        DecodeError::FileTooBig {
            size_bytes: file.len() as u64,
            max_bytes: 100
        }
    );
    assert!(err.to_string().contains("100 bytes"), "{err}");
    // The in-memory path enforces the same limit.
    assert_eq!(expect_err(&file, &limits), err);
}

#[test]
fn a_folder_is_not_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("art.png");
    std::fs::create_dir(&folder).unwrap();
    let err = expect_file_err(&folder, &DecodeLimits::default());
    assert!(
        matches!(&err, DecodeError::Read { file, kind: std::io::ErrorKind::IsADirectory, .. } if file == "art.png"),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("art.png") && text.contains("folder"),
        "{text}"
    );
    // Only the name is shown, never the full path.
    assert!(!text.contains(&*dir.path().to_string_lossy()), "{text}");
}

#[test]
fn a_missing_file_names_the_file_only() {
    let dir = tempfile::tempdir().unwrap();
    let err = expect_file_err(&dir.path().join("gone.gif"), &DecodeLimits::default());
    assert!(
        matches!(
            &err,
            DecodeError::Read {
                kind: std::io::ErrorKind::NotFound,
                ..
            }
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains("gone.gif") && !text.contains(&*dir.path().to_string_lossy()));
}

#[test]
fn random_garbage_never_panics() {
    let limits = DecodeLimits {
        max_dimension: 256,
        ..DecodeLimits::default()
    };
    let magics: [&[u8]; 5] = [
        b"",
        b"\x89PNG\r\n\x1a\n",
        b"GIF89a",
        b"RIFF\x40\0\0\0WEBP",
        b"BM",
    ];
    let mut state = 0x2545_f491u32;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state
    };
    for round in 0..400 {
        let magic = magics[round % magics.len()];
        let len = (next() % 300) as usize;
        let mut bytes = magic.to_vec();
        bytes.extend((0..len).map(|_| next() as u8));
        if bytes.is_empty() {
            continue;
        }
        let err = expect_err(&bytes, &limits);
        if magic.is_empty() && !bytes.starts_with(b"BM") {
            assert_eq!(err, DecodeError::NotAnImage, "round {round}");
        }
    }
}

#[test]
fn flipped_bytes_in_real_files_never_panic() {
    let limits = DecodeLimits {
        max_dimension: 256,
        ..DecodeLimits::default()
    };
    let anim = frames(8, 8, 3);
    let files = [
        encode::png(8, 8, &anim[0].0).unwrap(),
        encode::apng(8, 8, &anim).unwrap(),
        encode::gif(8, 8, &anim).unwrap(),
        encode::webp_animated(8, 8, &anim).unwrap(),
        encode::bmp(8, 8, &anim[0].0).unwrap(),
    ];
    let mut state = 0x9e37_79b9u32;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state as usize
    };
    for file in &files {
        for _ in 0..150 {
            let mut bytes = file.clone();
            for _ in 0..1 + next() % 4 {
                let at = next() % bytes.len();
                bytes[at] ^= 1 << (next() % 8);
            }
            let start = Instant::now();
            // Some flips are harmless (e.g. in a pixel); only a panic or a
            // slow decode is a failure here.
            if let Err(err) = decode(&bytes, &limits) {
                assert_sentence(&err);
            }
            assert!(start.elapsed() < Duration::from_secs(2));
        }
    }
}

/// A ~120 KB GIF whose 5,000 one-pixel frames sit on a 4096×4096 canvas:
/// within every size, frame and memory limit, yet compositing it would cost
/// minutes of CPU.
fn hostile_gif() -> Vec<u8> {
    let mut out = Vec::new();
    {
        let palette = [0, 0, 0, 255, 255, 255];
        let mut encoder = gif::Encoder::new(&mut out, 4096, 4096, &palette).unwrap();
        for i in 0..5000u32 {
            let frame = gif::Frame {
                width: 1,
                height: 1,
                left: (i % 4096) as u16,
                top: 0,
                delay: 2,
                buffer: std::borrow::Cow::Owned(vec![(i % 2) as u8]),
                ..gif::Frame::default()
            };
            encoder.write_frame(&frame).unwrap();
        }
    }
    out
}

#[test]
fn a_gif_of_5000_frames_at_4096_pixels_is_refused_within_2_seconds() {
    let gif = hostile_gif();
    assert!(gif.len() < 200_000, "{} bytes", gif.len());
    let err = refused_as_too_much_work(&gif, (5000, 4096, 4096));
    let sentence = err.to_string();
    assert!(
        sentence.contains("5000 frames of 4096×4096") && sentence.contains("Try a smaller"),
        "{sentence}"
    );
}

#[test]
fn decoding_that_runs_past_its_time_budget_is_stopped() {
    // Frames the container count cannot see coming (a budget of work that
    // lets them through), stopped by time instead.
    let many = frames(64, 64, 40);
    let gif = encode::gif(64, 64, &many).unwrap();
    let limits = DecodeLimits {
        max_decode_time: Duration::ZERO,
        ..DecodeLimits::default()
    };
    let err = expect_err(&gif, &limits);
    assert_eq!(
        err,
        DecodeError::TooSlow {
            format: ArtFormat::Gif,
            seconds: 0
        }
    );
}

/// A GIF whose canvas is 1×1 while each of its 2,000 frames is 2048×2048 (one
/// LZW stream, compressed once and repeated): counted by canvas it is 2,000
/// pixels of work, while decoding it would expand 8 Gpixels of indices.
fn tiny_canvas_huge_frames() -> Vec<u8> {
    let mut frame = gif::Frame {
        width: 2048,
        height: 2048,
        buffer: std::borrow::Cow::Owned(vec![0; 2048 * 2048]),
        ..gif::Frame::default()
    };
    frame.make_lzw_pre_encoded();
    let mut out = Vec::new();
    {
        let palette = [0, 0, 0, 255, 255, 255];
        let mut encoder = gif::Encoder::new(&mut out, 1, 1, &palette).unwrap();
        for i in 0..2000u16 {
            // Placed across the canvas and far past it: clipped, never a panic.
            frame.left = i % 3;
            frame.top = i % 2;
            encoder.write_lzw_pre_encoded_frame(&frame).unwrap();
        }
    }
    out
}

#[test]
fn a_1x1_gif_with_huge_frames_is_refused_within_2_seconds() {
    let gif = tiny_canvas_huge_frames();
    assert!(gif.len() < DecodeLimits::default().max_file_bytes as usize);
    let err = refused_as_too_much_work(&gif, (2000, 2048, 2048));
    assert_sentence(&err);
}

/// Decodes `gif` with the frame store (what the window decodes with) and checks it
/// is refused, within 2 s, as too much work for `(frames, width, height)`.
fn refused_as_too_much_work(gif: &[u8], (frames, width, height): (usize, u32, u32)) -> DecodeError {
    let start = Instant::now();
    let err = makapix_player::media::frame_store::decode(gif, &DecodeLimits::default())
        .err()
        .expect("refused");
    let took = start.elapsed();
    assert!(took < Duration::from_secs(2), "took {took:?}");
    let format = ArtFormat::Gif;
    assert_eq!(
        err,
        DecodeError::TooMuchWork {
            format,
            frames,
            width,
            height
        }
    );
    err
}
