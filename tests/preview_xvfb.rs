//! The real binary in a real X server with `--preview led64x64` on a 64×64
//! test pattern: every LED is a round disc of its own colour (after the
//! panel's gamma and quantisation), on a regular grid, with dark gaps between,
//! and the exported preview image lights each LED with the colour the screen
//! shows. Drawn at the screen's pitch, the export is the screen's board pixel
//! for pixel: the GPU shader and the CPU renderer follow one definition.

#[path = "support/xvfb.rs"]
mod xvfb;

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use makapix_player::preview::PreviewSettings;
use makapix_player::preview::color::LedLook;
use makapix_player::preview::render;
use makapix_player::settings::Settings;

const SIDE: u32 = 64;

/// Every pixel its own colour: red grows to the right, green downwards.
fn pattern(x: u32, y: u32) -> [u8; 3] {
    [(64 + 3 * x) as u8, (64 + 3 * y) as u8, 0]
}

/// LED (x, y) for each colour the panel should show.
fn expected() -> HashMap<[u8; 3], (u32, u32)> {
    let table = LedLook {
        bits: 8,
        gamma: 2.2,
        brightness: 100,
    }
    .table();
    let mut leds = HashMap::new();
    for y in 0..SIDE {
        for x in 0..SIDE {
            let lit = pattern(x, y).map(|v| table[usize::from(v)]);
            assert!(
                leds.insert(lit, (x, y)).is_none(),
                "the pattern must stay distinct after gamma: {lit:?}"
            );
        }
    }
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
fn led64x64_shows_64_by_64_round_leds_with_dark_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let art = dir.path().join("pattern.png");
    image::RgbImage::from_fn(SIDE, SIDE, |x, y| image::Rgb(pattern(x, y)))
        .save(&art)
        .unwrap();
    let leds = expected();

    let x = xvfb::Xvfb::start(1024, 768);
    let home = tempfile::tempdir().unwrap();
    let mut app = Command::new(env!("CARGO_BIN_EXE_makapix-player"))
        .args(["--preview", "led64x64", "--window-size", "1000x740"])
        .arg(&art)
        .env("DISPLAY", &x.display)
        .env_remove("WAYLAND_DISPLAY")
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .env("LIBGL_ALWAYS_SOFTWARE", "1")
        .stdout(Stdio::null())
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
