//! The real binary in a real X server with `--preview led64x64` on a 64×64
//! test pattern: every LED is a round disc of its own colour (after the
//! panel's gamma and quantisation), on a regular grid, with dark gaps between,
//! and the exported preview image lights each LED with the colour the screen
//! shows. Drawn at the screen's pitch, the export is the screen's board pixel
//! for pixel: the GPU shader and the CPU renderer follow one definition.

use crate::support::xvfb;

use std::collections::HashMap;
use std::process::Stdio;
use std::time::{Duration, Instant};

use makapix_player::preview::color::LedLook;
use makapix_player::preview::render;
use makapix_player::preview::{Fitting, PreviewMode, PreviewSettings};
use makapix_player::preview::{Mirror, Rotation};
use makapix_player::settings::Settings;

const SIDE: u32 = 64;

/// Every pixel its own colour: red grows to the right, green downwards.
fn pattern(x: u32, y: u32) -> [u8; 3] {
    [(64 + 3 * x) as u8, (64 + 3 * y) as u8, 0]
}

/// LED (x, y) for each colour the panel should show.
fn expected() -> HashMap<[u8; 3], (u32, u32)> {
    let leds = lit_with_blue(0);
    assert_eq!(
        leds.len(),
        (SIDE * SIDE) as usize,
        "the pattern must stay distinct after gamma"
    );
    leds
}

struct Disc {
    pixels: u32,
    min: [u32; 2],
    max: [u32; 2],
    sum: [f64; 2],
}

fn discs(
    shot: &image::RgbaImage,
    leds: &HashMap<[u8; 3], (u32, u32)>,
) -> HashMap<(u32, u32), Disc> {
    let mut found: HashMap<(u32, u32), Disc> = HashMap::new();
    for (x, y, p) in shot.enumerate_pixels() {
        if let Some(led) = leds.get(&[p[0], p[1], p[2]]) {
            let d = found.entry(*led).or_insert(Disc {
                pixels: 0,
                min: [x, y],
                max: [x, y],
                sum: [0.0; 2],
            });
            d.pixels += 1;
            d.min = [d.min[0].min(x), d.min[1].min(y)];
            d.max = [d.max[0].max(x), d.max[1].max(y)];
            d.sum[0] += f64::from(x);
            d.sum[1] += f64::from(y);
        }
    }
    found
}

#[test]
#[ignore = "needs Xvfb and ImageMagick: scripts/test-all.sh runs it"]
fn led64x64_shows_64_by_64_round_leds_with_dark_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let art = dir.path().join("pattern.png");
    image::RgbImage::from_fn(SIDE, SIDE, |x, y| image::Rgb(pattern(x, y)))
        .save(&art)
        .unwrap();
    let leds = expected();

    let x = xvfb::Xvfb::start(1024, 768);
    let home = tempfile::tempdir().unwrap();
    let mut app = x
        .player(home.path())
        .args(["--preview", "led64x64", "--window-size", "1000x740"])
        .arg(&art)
        .stderr(Stdio::piped())
        .spawn()
        .expect("start makapix-player");

    let deadline = Instant::now() + Duration::from_secs(30);
    let (shot, found) = loop {
        std::thread::sleep(Duration::from_millis(500));
        if let Ok(Some(status)) = app.try_wait() {
            let mut err = String::new();
            use std::io::Read;
            let _ = app.stderr.take().unwrap().read_to_string(&mut err);
            panic!("the player exited early ({status}): {err}");
        }
        let shot = x.screenshot();
        let found = discs(&shot, &leds);
        if found.len() == leds.len() || Instant::now() > deadline {
            break (shot, found);
        }
    };
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("preview-led64x64.png");
    // A new file, not the old one rewritten: target/ may be hard-linked from another tree.
    let _ = std::fs::remove_file(&out);
    shot.save(&out).unwrap();
    let _ = app.kill();
    let _ = app.wait();
    let see = out.display();

    assert_eq!(
        found.len(),
        leds.len(),
        "LEDs of the right colour on screen; see {see}"
    );
    let centre = |led: (u32, u32)| {
        let d = &found[&led];
        let n = f64::from(d.pixels);
        [d.sum[0] / n, d.sum[1] / n]
    };
    let pitch = (centre((SIDE - 1, 0))[0] - centre((0, 0))[0]) / f64::from(SIDE - 1);
    assert!(pitch >= 6.0, "LEDs {pitch:.1} px apart; see {see}");
    for (&(lx, ly), d) in &found {
        // Round: as wide as tall, filling about π/4 of its box (a square fills all of it).
        let w = d.max[0] - d.min[0] + 1;
        let h = d.max[1] - d.min[1] + 1;
        let fill = f64::from(d.pixels) / f64::from(w * h);
        assert!(
            w.abs_diff(h) <= 1 && (0.6..0.95).contains(&fill) && f64::from(w) < pitch,
            "LED ({lx}, {ly}) is {w}×{h} px, {:.0}% filled: not a disc; see {see}",
            fill * 100.0
        );
        // On a regular grid.
        let [cx, cy] = centre((lx, ly));
        let [ox, oy] = centre((0, 0));
        assert!(
            (cx - ox - f64::from(lx) * pitch).abs() < 1.0
                && (cy - oy - f64::from(ly) * pitch).abs() < 1.0,
            "LED ({lx}, {ly}) is off the grid at ({cx:.1}, {cy:.1}); see {see}"
        );
        // A dark gap between it and its right and lower neighbours.
        for (nx, ny) in [(lx + 1, ly), (lx, ly + 1)] {
            if nx < SIDE && ny < SIDE {
                let [mx, my] = centre((nx, ny));
                let gap = shot.get_pixel(((cx + mx) / 2.0) as u32, ((cy + my) / 2.0) as u32);
                assert!(
                    gap.0[..3].iter().all(|v| *v < 40),
                    "no dark gap between LED ({lx}, {ly}) and ({nx}, {ny}): {gap:?}; see {see}"
                );
            }
        }
    }

    // The exported image lights the same LED with the same colour as the screen.
    let rgba: Vec<u8> = (0..SIDE)
        .flat_map(|y| (0..SIDE).flat_map(move |x| pattern(x, y).into_iter().chain([255])))
        .collect();
    let frame = render::Frame {
        size: [SIDE, SIDE],
        rgba: &rgba,
    };
    let look = render::Look {
        rotation: Default::default(),
        mirror: Default::default(),
        background: Settings::default().background,
        brightness: 100,
        preview: PreviewSettings::default(),
    };
    let exported = render::led_colours(&frame, &look, [SIDE, SIDE]);
    for (i, colour) in exported.iter().enumerate() {
        let led = (i as u32 % SIDE, i as u32 / SIDE);
        assert_eq!(
            leds.get(colour),
            Some(&led),
            "the export lights LED {led:?} {colour:?}, the screen showed another colour there; see {see}"
        );
    }

    // At the screen's pitch, the CPU renderer draws the very pixels of the board.
    let whole = pitch.round();
    assert!(
        (pitch - whole).abs() < 0.01,
        "LEDs {pitch:.3} px apart: not whole pixels; see {see}"
    );
    let step = whole as u32;
    // The first disc's pixels centre on its cell's middle: (index + 0.5) = min + pitch / 2.
    let [ox, oy] = centre((0, 0)).map(|c| (c + 0.5 - whole / 2.0).round() as u32);
    let drawn = render::led(&frame, &look, [SIDE, SIDE], step);
    let mut wrong = Vec::new();
    for (x, y, want) in drawn.enumerate_pixels() {
        let got = shot.get_pixel(ox + x, oy + y);
        if got.0[..3] != want.0[..3] {
            wrong.push(format!("({x}, {y}) screen {:?} export {:?}", got.0, want.0));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} board pixels differ from the export at pitch {step}, first: {:?}; see {see}",
        wrong.len(),
        drawn.width() * drawn.height(),
        &wrong[..wrong.len().min(5)]
    );
}

/// The board drawn on screen: the bounding box of the board's own colour
/// (every LED cell's corners show it), within the window's canvas.
fn board_on(shot: &image::RgbaImage) -> Option<[u32; 4]> {
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
    for (x, y, p) in shot.enumerate_pixels() {
        if y > 30 && y < 700 && p.0[..3] == render::BOARD {
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
    }
    (x0 <= x1).then(|| [x0, y0, x1 - x0 + 1, y1 - y0 + 1])
}

/// Turned, mirrored, cropped, quantised to 5 bits, dimmed and glowing, with
/// transparent pixels over a coloured background: the board on the screen is the
/// export's, pixel for pixel, at the screen's pitch. On llvmpipe the board is
/// composed on the CPU.
#[test]
#[ignore = "needs Xvfb and ImageMagick: scripts/test-all.sh runs it"]
fn a_turned_cropped_glowing_panel_on_screen_is_the_export_pixel_for_pixel() {
    turned_panel_is_the_export(None, "preview-led64x32-turned.png");
}

/// The same where the renderer is a GPU (Mesa's `force_gl_renderer` gives
/// llvmpipe a GPU's name): the LED shader draws the board at a whole pitch, and
/// must light the same pixels as the CPU's board and the export.
#[test]
#[ignore = "needs Xvfb and ImageMagick: scripts/test-all.sh runs it"]
fn on_a_gpu_the_shader_draws_the_panel_the_export_shows_pixel_for_pixel() {
    turned_panel_is_the_export(
        Some("Pretend GPU (a test)"),
        "preview-led64x32-turned-gpu.png",
    );
}

/// Shows the turned panel with the renderer named `renderer` (llvmpipe's own
/// name if `None`) and compares it with the export; `shot_name` keeps the screenshot.
fn turned_panel_is_the_export(renderer: Option<&str>, shot_name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let art = dir.path().join("tall.png");
    let (w, h) = (40, 70);
    let pixels = image::RgbaImage::from_fn(w, h, |x, y| {
        // A transparent stripe, so the background shows through.
        let a = if (10..14).contains(&x) { 0 } else { 255 };
        image::Rgba([(x * 6) as u8, (y * 3) as u8, ((x + y) * 2) as u8, a])
    });
    pixels.save(&art).unwrap();
    let preview = PreviewSettings {
        modes: vec![PreviewMode::Led { w: 64, h: 32 }],
        fitting: Fitting::Cropped,
        bits: 5,
        gamma: 2.0,
        glow: true,
        ..PreviewSettings::default()
    };
    let settings = Settings {
        rotation: Rotation::R90,
        mirror: Mirror::Horizontal,
        brightness: 80,
        background: [40, 90, 200],
        preview: preview.clone(),
        ..Settings::default()
    };
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config/makapixplayer");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("settings.json"),
        serde_json::to_vec(&settings).unwrap(),
    )
    .unwrap();

    let x = xvfb::Xvfb::start(1024, 768);
    let log = home.path().join("stderr.log");
    let mut player = x.player(home.path());
    if let Some(name) = renderer {
        player.env("force_gl_renderer", name);
    }
    let mut app = player
        .args(["--window-size", "1000x740"])
        .arg(&art)
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("start makapix-player");

    let frame = render::Frame {
        size: [w, h],
        rgba: pixels.as_raw(),
    };
    let look = render::Look {
        rotation: settings.rotation,
        mirror: settings.mirror,
        background: settings.background,
        brightness: settings.brightness,
        preview,
    };
    let compare = |shot: &image::RgbaImage| -> Result<u32, String> {
        let [bx, by, bw, bh] = board_on(shot).ok_or("no board on the screen")?;
        let pitch = bw / 64;
        if pitch < 3 || bw != 64 * pitch || bh != 32 * pitch {
            return Err(format!("a board of {bw}×{bh} px is not 64×32 LEDs"));
        }
        let drawn = render::led(&frame, &look, [64, 32], pitch);
        let wrong: Vec<String> = drawn
            .enumerate_pixels()
            .filter_map(|(x, y, want)| {
                let got = shot.get_pixel(bx + x, by + y);
                (got.0[..3] != want.0[..3])
                    .then(|| format!("({x}, {y}) screen {:?} export {:?}", got.0, want.0))
            })
            .collect();
        match wrong.first() {
            None => Ok(pitch),
            Some(first) => Err(format!(
                "{} board pixels differ from the export at pitch {pitch}, first {first}",
                wrong.len()
            )),
        }
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    let (shot, result) = loop {
        std::thread::sleep(Duration::from_millis(500));
        let shot = x.screenshot();
        let result = compare(&shot);
        if result.is_ok() || Instant::now() > deadline {
            break (shot, result);
        }
    };
    let _ = app.kill();
    let _ = app.wait();
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(shot_name);
    let _ = std::fs::remove_file(&out);
    shot.save(&out).unwrap();
    let pitch = result.unwrap_or_else(|e| panic!("{e}; see {}", out.display()));
    assert!(pitch >= 10, "LEDs {pitch} px apart, too small to show glow");
    let log = std::fs::read_to_string(&log).unwrap();
    let kind = match renderer {
        Some(name) => format!("OpenGL renderer: {name} (a GPU)"),
        None => "(rasterises on the CPU)".to_string(),
    };
    assert!(
        log.contains(&kind),
        "the player did not log {kind:?}:\n{log}"
    );
}

/// The pattern with every blue at `blue`, as the panel lights it: LED for each colour.
fn lit_with_blue(blue: u8) -> HashMap<[u8; 3], (u32, u32)> {
    let table = LedLook {
        bits: 8,
        gamma: 2.2,
        brightness: 100,
    }
    .table();
    let mut leds = HashMap::new();
    for y in 0..SIDE {
        for x in 0..SIDE {
            let [r, g, _] = pattern(x, y);
            leds.insert([r, g, blue].map(|v| table[usize::from(v)]), (x, y));
        }
    }
    leds
}

/// Too small a tile for whole-pixel LEDs, the LED shader draws the panel; as
/// the animation moves on, it lights the LEDs of each frame.
#[test]
#[ignore = "needs Xvfb and ImageMagick: scripts/test-all.sh runs it"]
fn a_panel_under_three_pixels_an_led_follows_the_animation() {
    let dir = tempfile::tempdir().unwrap();
    let art = dir.path().join("two-frames.png");
    let blues = [0u8, 200];
    let frames: Vec<(Vec<u8>, Duration)> = blues
        .iter()
        .map(|&blue| {
            let rgba = (0..SIDE * SIDE)
                .flat_map(|i| {
                    let [r, g, _] = pattern(i % SIDE, i / SIDE);
                    [r, g, blue, 255]
                })
                .collect();
            (rgba, Duration::from_millis(700))
        })
        .collect();
    let apng = makapix_player::sample_art::encode::apng(SIDE, SIDE, &frames).unwrap();
    std::fs::write(&art, apng).unwrap();
    let wanted: Vec<HashMap<[u8; 3], (u32, u32)>> =
        blues.iter().map(|&b| lit_with_blue(b)).collect();

    let x = xvfb::Xvfb::start(1024, 768);
    let home = tempfile::tempdir().unwrap();
    let mut app = x
        .player(home.path())
        .args(["--preview", "led64x64", "--window-size", "240x200"])
        .arg(&art)
        .stderr(Stdio::null())
        .spawn()
        .expect("start makapix-player");
    // Most LEDs of each frame, seen on the screen at some point, and how far
    // apart the first row's LEDs were.
    let mut seen = [0usize; 2];
    let mut spread = None;
    let mut last = None;
    let deadline = Instant::now() + Duration::from_secs(30);
    while seen.iter().any(|&n| n * 10 < wanted[0].len() * 9) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        let shot = x.screenshot();
        for (n, leds) in seen.iter_mut().zip(&wanted) {
            let found = discs(&shot, leds);
            if let (Some(first), Some(end)) = (found.get(&(0, 0)), found.get(&(SIDE - 1, 0))) {
                spread = Some(end.max[0] - first.min[0]);
            }
            *n = (*n).max(found.len());
        }
        last = Some(shot);
    }
    let _ = app.kill();
    let _ = app.wait();
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("preview-led64x64-small.png");
    let _ = std::fs::remove_file(&out);
    let shot = last.expect("a screenshot");
    shot.save(&out).unwrap();
    let see = out.display();
    assert!(
        spread.is_some_and(|w| w < 3 * SIDE),
        "the first row of LEDs spans {spread:?} px: not under 3 px apart; see {see}"
    );
    for (blue, n) in blues.iter().zip(seen) {
        assert!(
            n * 10 >= wanted[0].len() * 9,
            "only {n} LEDs of the frame with blue {blue} were seen; see {see}"
        );
    }
}
