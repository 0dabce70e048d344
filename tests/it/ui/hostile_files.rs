//! Hostile files met by the real window (decoder threads included): an
//! artwork wider than the GPU's largest texture is shown sampled down, and a
//! playlist naming a pipe and a device plays its other items.

use crate::support::screen::{file_on_screen as showing_file, harness, step_until};
use std::path::Path;

use egui_kittest::Harness;
use makapix_player::sample_art::encode;
use makapix_player::ui::{PlayerApp, StartOptions};

fn window(paths: Vec<std::path::PathBuf>) -> Harness<'static, PlayerApp> {
    harness(
        [800.0, 600.0],
        StartOptions {
            paths,
            ..StartOptions::default()
        },
    )
}

fn write_png(path: &Path, width: u32, height: u32) {
    let rgba: Vec<u8> = (0..width * height)
        .flat_map(|i| [(i % 251) as u8, (i % 7 * 30) as u8, 90, 255])
        .collect();
    std::fs::write(path, encode::png(width, height, &rgba).unwrap()).unwrap();
}

#[test]
fn a_3000_by_10_png_shows_without_a_panic_when_max_texture_side_is_2048() {
    let dir = tempfile::tempdir().unwrap();
    let wide = dir.path().join("wide.png");
    write_png(&wide, 3000, 10);
    let mut h = window(vec![wide]);
    h.input_mut().max_texture_side = Some(2048);
    step_until(&mut h, "the wide artwork on screen", |a| {
        showing_file(a, "wide.png") == Some(false)
    });
    // A few frames drawn with it: nothing gives way.
    for _ in 0..5 {
        h.step();
    }
    assert_eq!(showing_file(h.state(), "wide.png"), Some(false));
}

#[cfg(unix)]
#[test]
fn a_playlist_with_a_fifo_and_dev_zero_plays_its_other_items() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.png");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    write_png(&dir.path().join("good.png"), 16, 16);
    let playlist = serde_json::json!({
        "format": "makapix-player-playlist", "version": 1, "title": "Traps",
        "items": [{"file": "pipe.png"}, {"file": "/dev/zero"}, {"file": "good.png"}]
    });
    let path = dir.path().join("traps.makapix-playlist");
    std::fs::write(&path, playlist.to_string()).unwrap();
    let mut h = window(vec![path]);
    step_until(&mut h, "the good file plays", |a| {
        showing_file(a, "good.png") == Some(false)
    });
    let notice = h
        .state()
        .notice()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(
        notice.contains("item 1") && notice.contains("left out"),
        "{notice}"
    );
}
