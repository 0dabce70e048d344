//! Files that take a while to read (a large folder, a slow or network drive):
//! the status bar says what is being read, and what plays goes on meanwhile.

use std::io::Write;

use crate::support;
use crate::support::screen::{file_on_screen, harness, sample_shown, step_until};
use eframe::egui;
use egui_kittest::kittest::Queryable;
use makapix_player::samples::SAMPLES;
use makapix_player::ui::StartOptions;

const WINDOW: [f32; 2] = [900.0, 640.0];

#[cfg(unix)]
#[test]
fn a_slow_read_is_said_in_the_status_bar_until_it_plays() {
    let dir = tempfile::tempdir().unwrap();
    // A playlist that arrives only when the test writes it, as from a stalled drive.
    let (list, text) = support::slow_playlist(dir.path(), "slow-art.png");
    let mut h = harness(WINDOW, StartOptions::default());
    step_until(&mut h, "the first sample", |a| {
        sample_shown(a, SAMPLES[0].name)
    });
    h.event(egui::Event::Paste(list.display().to_string()));
    h.step();
    h.step();
    h.get_by_label("Reading slow.makapix-playlist…");
    assert!(sample_shown(h.state(), SAMPLES[0].name), "the art plays on");
    // Opening blocks until the player's worker opens the playlist to read it.
    let mut fifo = std::fs::OpenOptions::new().write(true).open(&list).unwrap();
    fifo.write_all(text.as_bytes()).unwrap();
    drop(fifo);
    step_until(&mut h, "the playlist's art", |a| {
        file_on_screen(a, "slow-art.png") == Some(false)
    });
    h.step();
    assert!(h.query_by_label_contains("Reading").is_none(), "still said");
}
