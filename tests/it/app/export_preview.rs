//! Exporting what a device would show: the written file, decoded again with
//! the player's own decoder, has the artwork's frames and delays and one LED
//! disc per LED; the command line does it without a display and says in a
//! sentence why it cannot.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use makapix_player::app::export::{self, Request};
use makapix_player::media::decode::{self, DecodeLimits};
use makapix_player::media::frame_store;
use makapix_player::preview::PreviewMode;
use makapix_player::preview::render::{BOARD, Look};
use makapix_player::settings::Settings;

const RED: [u8; 3] = [255, 0, 0];
const GREEN: [u8; 3] = [0, 255, 0];
const BLUE: [u8; 3] = [0, 0, 255];
/// 50, 120 and 200 ms.
const DELAYS_CS: [u16; 3] = [5, 12, 20];

/// A 4×4 GIF of three frames: a red/green checkerboard, the same inverted, all blue.
fn animated_gif() -> Vec<u8> {
    let mut out = Vec::new();
    {
        let palette: Vec<u8> = [RED, GREEN, BLUE].concat();
        let mut encoder = gif::Encoder::new(&mut out, 4, 4, &palette).unwrap();
        let frames: [Vec<u8>; 3] = [
            (0..16).map(|i| ((i % 4 + i / 4) % 2) as u8).collect(),
            (0..16).map(|i| (1 - (i % 4 + i / 4) % 2) as u8).collect(),
            vec![2; 16],
        ];
        for (pixels, delay) in frames.iter().zip(DELAYS_CS) {
            let mut frame = gif::Frame::from_indexed_pixels(4, 4, pixels.clone(), None);
            frame.delay = delay;
            encoder.write_frame(&frame).unwrap();
        }
    }
    out
}

fn look() -> Look {
    Settings::default().look()
}

fn export_to(dir: &Path, name: &str, frame: Option<usize>) -> (PathBuf, decode::Artwork) {
    let input = dir.join("art.gif");
    std::fs::write(&input, animated_gif()).unwrap();
    let output = dir.join(name);
    let request = Request {
        mode: PreviewMode::Led { w: 4, h: 4 },
        scale: Some(8),
        frame,
        output: output.clone(),
    };
    let mut seen = Vec::new();
    let done =
        export::export_file(&input, &request, &look(), &mut |d, n| seen.push((d, n))).unwrap();
    assert_eq!(done.path, output);
    assert_eq!(
        seen.last().map(|(d, n)| (*d, *n)),
        Some((done.frames, done.frames))
    );
    let art = decode::decode_file(&output, &DecodeLimits::default()).unwrap();
    (output, art)
}

/// Discs: 4-connected groups of pixels that are not the board.
fn count_discs(rgba: &[u8], width: usize) -> usize {
    let height = rgba.len() / 4 / width;
    let lit = |i: usize| rgba[i * 4..i * 4 + 3] != BOARD;
    let mut seen = vec![false; width * height];
    let mut discs = 0;
    for start in 0..width * height {
        if seen[start] || !lit(start) {
            continue;
        }
        discs += 1;
        let mut stack = vec![start];
        seen[start] = true;
        while let Some(i) = stack.pop() {
            let (x, y) = (i % width, i / width);
            let mut near = Vec::new();
            if x > 0 {
                near.push(i - 1);
            }
            if x + 1 < width {
                near.push(i + 1);
            }
            if y > 0 {
                near.push(i - width);
            }
            if y + 1 < height {
                near.push(i + width);
            }
            for n in near {
                if !seen[n] && lit(n) {
                    seen[n] = true;
                    stack.push(n);
                }
            }
        }
    }
    discs
}

fn pixel(art: &decode::Artwork, frame: usize, x: u32, y: u32) -> [u8; 3] {
    let at = ((y * art.width + x) * 4) as usize;
    let p = &art.frames[frame].rgba[at..at + 3];
    [p[0], p[1], p[2]]
}

fn check_animation(art: &decode::Artwork) {
    assert_eq!((art.width, art.height), (32, 32));
    assert_eq!(art.frames.len(), 3);
    assert_eq!(
        art.delays(),
        DELAYS_CS.map(|cs| Duration::from_millis(u64::from(cs) * 10))
    );
    for frame in &art.frames {
        assert_eq!(count_discs(&frame.rgba, 32), 16);
    }
    // Each LED's centre shows its art pixel; the corner of its cell is the board.
    assert_eq!(pixel(art, 0, 4, 4), RED);
    assert_eq!(pixel(art, 0, 12, 4), GREEN);
    assert_eq!(pixel(art, 1, 4, 4), GREEN);
    assert_eq!(pixel(art, 2, 28, 28), BLUE);
    assert_eq!(pixel(art, 2, 0, 0), BOARD);
}

#[test]
fn an_led_gif_has_the_artworks_frames_delays_and_one_disc_per_led() {
    let dir = tempfile::tempdir().unwrap();
    let (_, art) = export_to(dir.path(), "led.gif", None);
    assert_eq!(art.format, decode::ArtFormat::Gif);
    check_animation(&art);
}

#[test]
fn an_led_apng_has_the_artworks_frames_delays_and_one_disc_per_led() {
    let dir = tempfile::tempdir().unwrap();
    let (_, art) = export_to(dir.path(), "led.png", None);
    assert_eq!(art.format, decode::ArtFormat::Apng);
    check_animation(&art);
}

#[test]
fn an_led_webp_has_the_artworks_frames_delays_and_one_disc_per_led() {
    let dir = tempfile::tempdir().unwrap();
    let (_, art) = export_to(dir.path(), "led.webp", None);
    assert_eq!(art.format, decode::ArtFormat::WebP);
    check_animation(&art);
}

#[test]
fn one_frame_is_a_still_png_of_that_frame() {
    let dir = tempfile::tempdir().unwrap();
    let (_, art) = export_to(dir.path(), "frame2.png", Some(1));
    assert_eq!(art.format, decode::ArtFormat::Png);
    assert_eq!(art.frames.len(), 1);
    assert_eq!(count_discs(&art.frames[0].rgba, 32), 16);
    assert_eq!(pixel(&art, 0, 4, 4), GREEN);
}

#[test]
fn the_window_form_exports_the_frames_it_holds_and_can_be_cancelled() {
    let dir = tempfile::tempdir().unwrap();
    let art = frame_store::decode(&animated_gif(), &DecodeLimits::default()).unwrap();
    let request = Request {
        mode: PreviewMode::P3a,
        scale: None,
        frame: None,
        output: dir.path().join("p3a.gif"),
    };
    let done = export::export_frames(
        &art.frames,
        &request,
        &look(),
        &AtomicBool::new(false),
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!((done.size, done.frames), ([720, 720], 3));
    assert!(
        done.sentence().contains("GIF (720×720, 3 frames)"),
        "{}",
        done.sentence()
    );
    let cancelled = Request {
        output: dir.path().join("cancelled.gif"),
        ..request
    };
    let err = export::export_frames(
        &art.frames,
        &cancelled,
        &look(),
        &AtomicBool::new(true),
        &mut |_, _| {},
    )
    .unwrap_err();
    assert!(err.contains("cancelled"), "{err}");
    assert!(!cancelled.output.exists());
}

#[test]
fn the_window_exports_large_art_on_screen_at_the_largest_scale_that_fits() {
    // The window asks for no scale and has none to offer: 600 pixels at the
    // usual 8 would be 4800 a side, over the limit.
    let mut png = Vec::new();
    image::RgbaImage::from_pixel(600, 600, image::Rgba([255, 0, 0, 255]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let art = frame_store::decode(&png, &DecodeLimits::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let request = Request {
        mode: PreviewMode::Screen,
        scale: None,
        frame: None,
        output: dir.path().join("large.png"),
    };
    let done = export::export_frames(
        &art.frames,
        &request,
        &look(),
        &AtomicBool::new(false),
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(done.size, [3600, 3600]);
    // Asked for explicitly, as on the command line, it is still refused with advice.
    let err = export::export_frames(
        &art.frames,
        &Request {
            scale: Some(8),
            ..request
        },
        &look(),
        &AtomicBool::new(false),
        &mut |_, _| {},
    )
    .unwrap_err();
    assert!(err.contains("scale of 6 or less"), "{err}");
}

/// Runs the real binary with no display at all; (success, stdout, stderr).
fn player(root: &Path, args: &[&str]) -> (bool, String, String) {
    let child = crate::support::headless_player(root)
        .args(args)
        .current_dir(root)
        .spawn()
        .unwrap();
    // A window that opened instead would never end: the test fails after 60 s.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    let out = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the export ended")
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_command_line_exports_without_any_display() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("art.gif"), animated_gif()).unwrap();
    let (ok, out, err) = player(
        root.path(),
        &[
            "export",
            "art.gif",
            "--preview",
            "led4x4",
            "--scale",
            "8",
            "-o",
            "led.gif",
        ],
    );
    assert!(ok, "{out}{err}");
    assert!(out.contains("Exported GIF (32×32, 3 frames)"), "{out}");
    let art = decode::decode_file(&root.path().join("led.gif"), &DecodeLimits::default()).unwrap();
    check_animation(&art);
}

#[test]
fn bad_input_is_a_sentence_and_a_failure_and_writes_nothing() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("art.gif"), animated_gif()).unwrap();
    // A GIF header and then garbage.
    let mut hostile = b"GIF89a\xff\xff\xff\xff\xf7\x00\x00".to_vec();
    hostile.extend(std::iter::repeat_n(0xAB, 4000));
    std::fs::write(root.path().join("hostile.gif"), hostile).unwrap();
    let cases: [(&[&str], &str); 6] = [
        (
            &["export", "missing.gif", "--preview", "p3a", "-o", "out.gif"],
            "missing.gif",
        ),
        (
            &["export", "hostile.gif", "--preview", "p3a", "-o", "out.gif"],
            "GIF",
        ),
        (
            &[
                "export",
                "art.gif",
                "--preview",
                "led64x64",
                "--scale",
                "0",
                "-o",
                "out.gif",
            ],
            "1 to 64",
        ),
        (
            &[
                "export",
                "art.gif",
                "--preview",
                "p3a",
                "--scale",
                "8",
                "-o",
                "out.gif",
            ],
            "scale of 5 or less",
        ),
        (
            &["export", "art.gif", "--preview", "tv", "-o", "out.gif"],
            "led64x64",
        ),
        (
            &["export", "art.gif", "--preview", "p3a", "-o", "out.jpg"],
            ".gif, .png or .webp",
        ),
    ];
    for (args, says) in cases {
        let (ok, out, err) = player(root.path(), args);
        assert!(!ok, "{args:?} succeeded: {out}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(!root.path().join("out.gif").exists(), "{args:?}");
    }
}

#[test]
fn a_gif_that_writes_only_changes_decodes_to_the_same_frames_as_the_apng() {
    // 4×4 red; then one pixel turns green; then nothing changes; then it turns back.
    let mut gif = Vec::new();
    {
        let palette: Vec<u8> = [RED, GREEN].concat();
        let mut encoder = gif::Encoder::new(&mut gif, 4, 4, &palette).unwrap();
        let mut one = vec![0u8; 16];
        one[6] = 1;
        for pixels in [vec![0u8; 16], one.clone(), one, vec![0u8; 16]] {
            let mut frame = gif::Frame::from_indexed_pixels(4, 4, pixels, None);
            frame.delay = 7;
            encoder.write_frame(&frame).unwrap();
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("blink.gif");
    std::fs::write(&input, gif).unwrap();
    let decoded: Vec<decode::Artwork> = ["blink-led.gif", "blink-led.png"]
        .iter()
        .map(|name| {
            let request = Request {
                mode: PreviewMode::Led { w: 4, h: 4 },
                scale: Some(6),
                frame: None,
                output: dir.path().join(name),
            };
            export::export_file(&input, &request, &look(), &mut |_, _| {}).unwrap();
            decode::decode_file(&request.output, &DecodeLimits::default()).unwrap()
        })
        .collect();
    let [gif, apng] = &decoded[..] else {
        panic!("two exports")
    };
    assert_eq!(gif.frames.len(), 4);
    for (i, (a, b)) in gif.frames.iter().zip(&apng.frames).enumerate() {
        assert!(a.rgba == b.rgba, "frame {i} differs");
        assert_eq!(count_discs(&a.rgba, 24), 16);
    }
    assert_eq!(pixel(gif, 1, 2 * 6 + 3, 6 + 3), GREEN);
    assert_eq!(pixel(gif, 3, 2 * 6 + 3, 6 + 3), RED);
}
