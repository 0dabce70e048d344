//! CPU of the device previews (issue 17): the same animated GIF on the plain
//! canvas, as one 64×64 LED panel, and as screen + p3a frame + 64×64 LED panel
//! side by side, each in a 720×720 full-screen window on its own Xvfb, 3 runs
//! each. The previews must cost no more than the plain canvas.

use std::path::Path;
use std::time::Duration;

use crate::art::{self, MARKERS};
use crate::outside::{SIDE, window_args};
use crate::proc::{self, Home, Player};
use crate::screen::Screen;
use crate::screen_cpu::{Use, measure, medians};
use crate::stats::Seen;
use crate::xvfb::Xvfb;
use crate::{Mode, Report};

const SOON: Duration = Duration::from_secs(60);

/// What each configuration adds to the player's arguments.
const SHOWN: [(&str, &[&str]); 3] = [
    ("plain canvas", &[]),
    ("LED panel 64×64", &["--preview", "led64x64"]),
    (
        "screen + p3a + LED 64×64 side by side",
        &["--preview", "screen,p3a,led64x64"],
    ),
];

pub fn cpu(bin: &Path, dir: &Path, mode: Mode) -> Report {
    let runs = if mode.smoke { 1 } else { 3 };
    let span = Duration::from_secs(if mode.smoke { 2 } else { 20 });
    let settle = Duration::from_secs(if mode.smoke { 1 } else { 3 });
    let marker = MARKERS[1];
    // The screen CPU comparison's GIF: 64×64 at 10 frames/s.
    let file = art::write(
        dir,
        "screen-preview-64-10fps.gif",
        &art::marked_gif(64, &[100; 20], &[marker; 20]),
    );
    let mut results: Vec<Use> = Vec::new();
    let mut profile = None;
    for (i, (name, extra)) in SHOWN.iter().enumerate() {
        let mut args: Vec<String> = extra.iter().map(|a| (*a).to_owned()).collect();
        args.extend(window_args(&file, false));
        let mut each = Vec::new();
        for run in 0..runs {
            let x = Xvfb::start(SIDE, SIDE);
            let screen = Screen::connect(&x.display);
            let home = Home::new();
            let player = Player::spawn(bin, &home, &x.display, &args);
            // The marker's green and dark channels survive the LED panel's gamma within tolerance.
            screen
                .locate_within(&[marker], SOON)
                .unwrap_or_else(|| panic!("no art pixels were found on the screen ({name})"));
            std::thread::sleep(settle);
            each.push(measure(player.pid, x.pid(), span));
            // Where an LED panel's time goes, when it costs more than the plain canvas.
            if i == 1 && run == runs - 1 && !mode.smoke {
                profile = proc::perf_profile(&[player.pid, x.pid()], Duration::from_secs(10));
            }
        }
        results.push(medians(&each));
    }
    let plain = results[0];
    let rows = SHOWN
        .iter()
        .zip(&results)
        .enumerate()
        .map(|(i, ((name, _), u))| {
            let row = Seen::new(
                &format!("CPU, {name}, the player + X server (% of one core)"),
                "—".into(),
                format!("{:.2}% ({:.2}% + {:.2}%)", u.own + u.x, u.own, u.x),
                if i == 0 {
                    "the reference"
                } else {
                    "≤ 1.1× the plain canvas"
                },
            );
            if i == 0 {
                row
            } else {
                row.met(u.own + u.x <= 1.1 * (plain.own + plain.x))
            }
        })
        .collect();
    let detail = format!(
        "{runs} runs of each of {:.0} s after a {:.0} s settle, medians; the 64×64 GIF at 10 \
         frames/s of the screen CPU comparison, the player alone on its own Xvfb in a 720×720 \
         full-screen window, started with `--preview led64x64` or `--preview screen,p3a,led64x64` \
         (art found on the screen before measuring). An LED panel at a whole number of pixels \
         an LED is a board composed on the CPU when the frame changes (only the LEDs whose \
         colour changed are written) and drawn one texel per pixel from a texture of the \
         player's own, as the plain canvas's art is; at a fractional pitch a shader draws \
         each LED's disc.",
        span.as_secs_f64(),
        settle.as_secs_f64(),
    );
    let per_frame = |u: &Use| (u.own + u.x) / 100.0 * 1000.0 / 10.0;
    let breakdown = format!(
        "per frame shown, player + X server: plain {:.1} ms, LED 64×64 {:.1} ms, side by side \
         {:.1} ms; context switches a second: {:.0}, {:.0}, {:.0}; {}",
        per_frame(&results[0]),
        per_frame(&results[1]),
        per_frame(&results[2]),
        results[0].switches,
        results[1].switches,
        results[2].switches,
        proc::profile_text(profile, "the LED 64×64 run and its X server"),
    );
    Report {
        rows,
        detail,
        breakdown,
    }
}
