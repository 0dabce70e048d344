//! CPU of the device previews (issue 17): the same animated GIF on the plain
//! canvas, as one 64×64 LED panel, as screen + p3a frame + 64×64 LED panel
//! side by side, and as the LED panel drawn the way it is on a GPU, each in a
//! 720×720 full-screen window on its own Xvfb, 3 runs each. The previews must
//! cost no more than the plain canvas; the GPU's path is counted without
//! llvmpipe's rasteriser threads, the work a GPU would take over.

use std::path::Path;
use std::time::Duration;

use crate::art::{self, MARKERS};
use crate::outside::{SIDE, window_args};
use crate::proc::{self, Home, Player};
use crate::screen::Screen;
use crate::screen_cpu::{Use, measure, median_run, total};
use crate::stats::Seen;
use crate::xvfb::Xvfb;
use crate::{Mode, Report};

const SOON: Duration = Duration::from_secs(60);

/// A configuration's name, what it adds to the player's arguments, and to its environment.
type Shown = (
    &'static str,
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
);

const SHOWN: [Shown; 4] = [
    ("plain canvas", &[], &[]),
    ("LED panel 64×64", &["--preview", "led64x64"], &[]),
    (
        "screen + p3a + LED 64×64 side by side",
        &["--preview", "screen,p3a,led64x64"],
        &[],
    ),
    // Mesa's driconf option renames llvmpipe: the player then takes it for a GPU
    // and draws the panel with its shader, as it does on one.
    (
        "LED panel 64×64 by its shader (the path on a GPU)",
        &["--preview", "led64x64"],
        &[("force_gl_renderer", "Pretend GPU (a benchmark)")],
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
    // Every run of each configuration: each row takes the run whose own sum is the median.
    let mut results: Vec<Vec<Use>> = Vec::new();
    let mut profile = None;
    for (i, (name, extra, env)) in SHOWN.iter().enumerate() {
        let mut args: Vec<String> = extra.iter().map(|a| (*a).to_owned()).collect();
        args.extend(window_args(&file, false));
        let mut each = Vec::new();
        for run in 0..runs {
            let x = Xvfb::start(SIDE, SIDE);
            let screen = Screen::connect(&x.display);
            let home = Home::new();
            let player = Player::spawn_with(bin, &home, &x.display, &args, env);
            // The marker's green and dark channels survive the LED panel's gamma within tolerance.
            screen
                .locate_within(&[marker], SOON)
                .unwrap_or_else(|| panic!("no art pixels were found on the screen ({name})"));
            // A renamed renderer the player still takes for software would measure the board.
            if !env.is_empty() && !player.log().contains("(a GPU)") {
                panic!("the player did not take the renamed llvmpipe for a GPU ({name})");
            }
            std::thread::sleep(settle);
            each.push(measure(player.pid, x.pid(), span));
            // Where an LED panel's time goes, when it costs more than the plain canvas.
            if i == 1 && run == runs - 1 && !mode.smoke {
                profile = proc::perf_profile(&[player.pid, x.pid()], Duration::from_secs(10));
            }
        }
        results.push(each);
    }
    let rows = rows(&results);
    let detail = format!(
        "{runs} runs of each of {:.0} s after a {:.0} s settle, each row the median run by its \
         own sum; the 64×64 GIF at 10 \
         frames/s of the screen CPU comparison, the player alone on its own Xvfb in a 720×720 \
         full-screen window, started with `--preview led64x64` or `--preview screen,p3a,led64x64` \
         (art found on the screen before measuring). An LED panel at a whole number of pixels \
         an LED is a board composed on the CPU when the frame changes (only the LEDs whose \
         colour changed are written) and drawn one texel per pixel from a texture of the \
         player's own, as the plain canvas's art is, where the renderer rasterises on the CPU \
         (llvmpipe here); on a GPU, or at a fractional pitch, a shader draws each LED's disc. \
         The shader's run renames llvmpipe through Mesa's `force_gl_renderer`, so that the \
         player takes the GPU's path; llvmpipe's rasteriser threads (`llvmpipe-N`) then do \
         what a GPU would, and the rows outside them are what the CPU is left with.",
        span.as_secs_f64(),
        settle.as_secs_f64(),
    );
    let median: Vec<Use> = results.iter().map(|runs| median_run(runs, total)).collect();
    let per_frame = |u: &Use| total(u) / 100.0 * 1000.0 / 10.0;
    let breakdown = format!(
        "per frame shown, player + X server: plain {:.1} ms, LED 64×64 {:.1} ms, side by side \
         {:.1} ms, LED 64×64 by its shader {:.1} ms; context switches a second: {:.0}, {:.0}, \
         {:.0}, {:.0}; {}",
        per_frame(&median[0]),
        per_frame(&median[1]),
        per_frame(&median[2]),
        per_frame(&median[3]),
        median[0].switches,
        median[1].switches,
        median[2].switches,
        median[3].switches,
        proc::profile_text(profile, "the LED 64×64 run and its X server"),
    );
    Report {
        rows,
        detail,
        breakdown,
    }
}

/// The whole CPU of the first three configurations against the plain canvas's,
/// then the plain canvas and the GPU's path outside llvmpipe's rasteriser threads.
/// The player's CPU outside llvmpipe's rasteriser threads, and the X server's.
fn outside(u: &Use) -> f64 {
    u.own - u.raster + u.x
}

fn rows(results: &[Vec<Use>]) -> Vec<Seen> {
    let row = |measure: String, figure: String, target: &str| {
        Seen::new(&measure, "—".into(), figure, target)
    };
    let plain = median_run(&results[0], total);
    let mut rows: Vec<Seen> = SHOWN[..3]
        .iter()
        .zip(results)
        .enumerate()
        .map(|(i, ((name, _, _), runs))| {
            let u = &median_run(runs, total);
            let measure = format!("CPU, {name}, the player + X server (% of one core)");
            let figure = format!("{:.2}% ({:.2}% + {:.2}%)", total(u), u.own, u.x);
            if i == 0 {
                row(measure, figure, "the reference")
            } else {
                row(measure, figure, "≤ 1.1× the plain canvas").met(total(u) <= 1.1 * total(&plain))
            }
        })
        .collect();
    let plain = median_run(&results[0], outside);
    for i in [0, 3] {
        let u = &median_run(&results[i], outside);
        let measure = format!(
            "CPU a GPU would leave, {}: the player without llvmpipe's threads + X server (% of one core)",
            SHOWN[i].0
        );
        let figure = format!(
            "{:.2}% ({:.2}% + {:.2}%; llvmpipe {:.2}%)",
            outside(u),
            u.own - u.raster,
            u.x,
            u.raster
        );
        rows.push(if i == 0 {
            row(measure, figure, "the reference")
        } else {
            row(measure, figure, "≤ 1.1× the plain canvas").met(outside(u) <= 1.1 * outside(&plain))
        });
    }
    rows
}
