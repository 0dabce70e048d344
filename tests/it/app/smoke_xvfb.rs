//! The real binary in a real X server, with empty per-user folders, as a new
//! user would first start it: after a few seconds the window shows sample art.

use crate::support::xvfb;

use std::collections::HashSet;
use std::process::Stdio;
use std::time::{Duration, Instant};

use makapix_player::media::decode::{DecodeLimits, decode};
use makapix_player::samples::SAMPLES;

#[test]
#[ignore = "needs Xvfb and ImageMagick: scripts/test-all.sh runs it"]
fn the_binary_shows_the_sample_art_in_a_real_window() {
    let x = xvfb::Xvfb::start(1024, 768);
    let home = tempfile::tempdir().unwrap();
    let mut app = x
        .player(home.path())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start makapix-player");

    // The first sample's own colours must be on screen: exact under Mesa's software GL.
    let first = decode(SAMPLES[0].bytes, &DecodeLimits::default()).unwrap();
    let palette: HashSet<[u8; 3]> = first.frames[0]
        .rgba
        .chunks_exact(4)
        .map(|p| [p[0], p[1], p[2]])
        .collect();

    let deadline = Instant::now() + Duration::from_secs(30);
    let (shot, seen) = loop {
        std::thread::sleep(Duration::from_millis(500));
        if let Ok(Some(status)) = app.try_wait() {
            let mut err = String::new();
            use std::io::Read;
            let _ = app.stderr.take().unwrap().read_to_string(&mut err);
            panic!("the player exited early ({status}): {err}");
        }
        let shot = x.screenshot();
        let seen: HashSet<[u8; 3]> = shot
            .pixels()
            .map(|p| [p[0], p[1], p[2]])
            .filter(|c| palette.contains(c))
            .collect();
        if seen.len() * 2 >= palette.len().min(16) || Instant::now() > deadline {
            break (shot, seen);
        }
    };
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("smoke-screenshot.png");
    shot.save(&out).unwrap();
    let _ = app.kill();
    let _ = app.wait();
    assert!(
        seen.len() * 2 >= palette.len().min(16),
        "only {} of the sample's {} colours are on screen; see {}",
        seen.len(),
        palette.len(),
        out.display()
    );
    // Not a blank window: the art covers a real area, drawn at an integer scale.
    let art_pixels = shot
        .pixels()
        .filter(|p| palette.contains(&[p[0], p[1], p[2]]))
        .count();
    assert!(
        art_pixels > 256 * 256 / 2,
        "art covers only {art_pixels} pixels; see {}",
        out.display()
    );
}

/// The canvas is no longer filled each frame (one full-window pass less on software
/// OpenGL): the window is cleared to the background instead. Seen from outside, the
/// canvas around the art must still be the chosen background dimmed by the brightness.
#[test]
#[ignore = "needs Xvfb and ImageMagick: scripts/test-all.sh runs it"]
fn the_canvas_around_the_art_is_the_chosen_background_dimmed() {
    let x = xvfb::Xvfb::start(800, 600);
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config/makapixplayer");
    std::fs::create_dir_all(&config).unwrap();
    // 50 % brightness halves each channel (rounded through a 0–255 tint).
    std::fs::write(
        config.join("settings.json"),
        r#"{"background": [200, 100, 40], "brightness": 50}"#,
    )
    .unwrap();
    let expected = [100u8, 50, 20];
    let mut app = x
        .player(home.path())
        .args(["--fullscreen", "--window-size", "800x600"])
        .stderr(Stdio::piped())
        .spawn()
        .expect("start makapix-player");
    let near = |p: &image::Rgba<u8>| {
        p.0[..3]
            .iter()
            .zip(expected)
            .all(|(a, b)| a.abs_diff(b) <= 1)
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    let shot = loop {
        std::thread::sleep(Duration::from_millis(300));
        let Some(shot) = x.try_screenshot() else {
            assert!(Instant::now() < deadline, "no screenshot could be taken");
            continue;
        };
        // The corners are canvas: the sample art is centred and smaller than the screen.
        let corners = [(2, 2), (797, 2), (2, 597), (797, 597)];
        if corners.iter().all(|&(cx, cy)| near(shot.get_pixel(cx, cy))) && art_dimmed(&shot) {
            break None;
        }
        if Instant::now() > deadline {
            break Some(shot);
        }
    };
    let exited = app.try_wait().ok().flatten();
    let _ = app.kill();
    let _ = app.wait();
    if let Some(shot) = shot {
        let mut err = String::new();
        use std::io::Read;
        if let Some(mut e) = app.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        let out =
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("background-screenshot.png");
        shot.save(&out).unwrap();
        panic!(
            "the canvas corners are not {expected:?} (background dimmed to 50 %), or the art is not \
             dimmed: {:?}; see {}; the player {}: {err}",
            shot.get_pixel(2, 2),
            out.display(),
            exited.map_or("was still running".to_owned(), |s| format!(
                "had exited ({s})"
            )),
        );
    }
}

/// The first sample is on screen at half brightness: in a strip of the art
/// below the first-run card (whose text is not art), art pixels (not the
/// background) are there, and none is brighter than half its brightest colour.
fn art_dimmed(shot: &image::RgbaImage) -> bool {
    let first = decode(SAMPLES[0].bytes, &DecodeLimits::default()).unwrap();
    let brightest = first.frames[0]
        .rgba
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .max()
        .unwrap_or(0);
    let background = [100u8, 50, 20];
    let strip: Vec<[u8; 3]> = (460..540)
        .flat_map(|y| (160..640).map(move |x| (x, y)))
        .map(|(x, y)| {
            let p = shot.get_pixel(x, y).0;
            [p[0], p[1], p[2]]
        })
        .collect();
    let art = strip.iter().filter(|p| **p != background).count();
    let limit = u32::from(brightest) / 2 + 3;
    let bright = strip
        .iter()
        .filter(|p| p.iter().any(|&v| u32::from(v) > limit))
        .count();
    art > 1000 && bright == 0
}
