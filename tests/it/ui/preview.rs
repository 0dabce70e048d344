//! Device previews in the window (egui_kittest): switching modes with the
//! cycle key and the command line's names, and four previews side by side
//! showing the same animation frame, the LED panels' own texture included.

use crate::support::dialogs::Dialogs;
use crate::support::screen::{harness, sample_shown as showing, step_until};
use std::collections::HashSet;

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use makapix_player::app::file_dialog::DialogRequest;
use makapix_player::preview::{PreviewMode, PreviewSettings};
use makapix_player::samples::SAMPLES;
use makapix_player::settings::Settings;
use makapix_player::ui::{PlayerApp, StartOptions};

fn window(preview: PreviewSettings) -> Harness<'static, PlayerApp> {
    window_with(preview, &Dialogs::default())
}

/// One 16×16 LED panel as the only preview (quick to export), the first
/// sample on screen, and the file dialogs the test answers.
fn small_led_window() -> (Harness<'static, PlayerApp>, Dialogs) {
    let dialogs = Dialogs::default();
    let preview = PreviewSettings {
        modes: vec![PreviewMode::Led { w: 16, h: 16 }],
        ..PreviewSettings::default()
    };
    let mut h = window_with(preview, &dialogs);
    step_until(&mut h, "first sample", |a| showing(a, SAMPLES[0].name));
    (h, dialogs)
}

/// The same, its file dialogs answered by `dialogs`.
fn window_with(preview: PreviewSettings, dialogs: &Dialogs) -> Harness<'static, PlayerApp> {
    let settings = Settings {
        preview,
        ..Settings::default()
    };
    harness(
        [1000.0, 700.0],
        StartOptions {
            settings: Some(settings),
            file_dialogs: Some(dialogs.file_dialogs()),
            ..StartOptions::default()
        },
    )
}

/// The label of the tile previewing as `mode`, if it is drawn.
fn tile(h: &Harness<'_, PlayerApp>, mode: PreviewMode) -> Option<String> {
    let prefix = format!("{} preview: ", mode.label());
    h.query_by_label_contains(&prefix)
        .and_then(|node| node.accesskit_node().label())
}

/// The animation frame a tile says it shows.
fn frame_of(label: &str) -> Option<u32> {
    label.rsplit_once(", frame ")?.1.parse().ok()
}

#[test]
fn the_cycle_key_and_the_names_switch_what_the_canvas_previews() {
    let mut h = window(PreviewSettings::default());
    step_until(&mut h, "first sample", |a| showing(a, SAMPLES[0].name));
    // The plain canvas has no preview tiles.
    assert!(tile(&h, PreviewMode::Screen).is_none());
    h.get_by_label(&format!("Artwork: {}", SAMPLES[0].name));

    h.key_press(egui::Key::V);
    h.run_steps(2);
    assert_eq!(h.state().settings().preview.modes, [PreviewMode::P3a]);
    let label = tile(&h, PreviewMode::P3a).expect("a p3a tile");
    assert!(label.contains(SAMPLES[0].name), "{label}");

    h.key_press(egui::Key::V);
    h.run_steps(2);
    let led16 = PreviewMode::Led { w: 16, h: 16 };
    assert_eq!(h.state().settings().preview.modes, [led16]);
    assert!(tile(&h, PreviewMode::P3a).is_none());
    assert!(tile(&h, led16).is_some());
    assert_eq!(
        h.state().previews().led_frame(),
        Some(0),
        "the LED texture is lit"
    );

    // As `--preview screen,led128x64` does.
    let wide = PreviewMode::parse("led128x64").unwrap();
    h.state_mut().set_previews(vec![PreviewMode::Screen, wide]);
    h.run_steps(2);
    assert!(tile(&h, PreviewMode::Screen).is_some());
    assert!(tile(&h, wide).is_some());
    // Back to the plain canvas: the LED copy of the frame is freed.
    h.state_mut().set_previews(vec![PreviewMode::Screen]);
    h.run_steps(2);
    assert!(tile(&h, PreviewMode::Screen).is_none());
    assert_eq!(h.state().previews().led_frame(), None);
}

#[test]
fn four_previews_show_the_same_animation_frame() {
    let modes = vec![
        PreviewMode::Screen,
        PreviewMode::P3a,
        PreviewMode::Led { w: 64, h: 64 },
        PreviewMode::Led { w: 32, h: 32 },
    ];
    let mut h = window(PreviewSettings {
        modes: modes.clone(),
        ..PreviewSettings::default()
    });
    step_until(&mut h, "first sample", |a| showing(a, SAMPLES[0].name));
    h.key_press(egui::Key::ArrowRight);
    step_until(&mut h, "the animated slime", |a| {
        showing(a, SAMPLES[1].name)
    });

    let mut frames_seen = HashSet::new();
    for _ in 0..60 {
        h.step();
        let labels: Vec<String> = modes
            .iter()
            .map(|m| tile(&h, *m).unwrap_or_else(|| panic!("no {} tile", m.label())))
            .collect();
        let frames: Vec<Option<u32>> = labels.iter().map(|l| frame_of(l)).collect();
        assert!(
            frames.iter().all(|f| f.is_some() && *f == frames[0]),
            "previews out of step: {labels:?}"
        );
        assert!(
            labels.iter().all(|l| l.contains(SAMPLES[1].name)),
            "{labels:?}"
        );
        frames_seen.insert(frames[0]);
    }
    assert!(
        frames_seen.len() >= 3,
        "the animation moved on in step: {frames_seen:?}"
    );
}

#[test]
fn save_preview_image_writes_the_previews_as_a_png() {
    use makapix_player::media::decode::{DecodeLimits, decode};
    use makapix_player::preview::render::{EXPORT_PITCH, Frame, Look, led_colours};

    let led = PreviewMode::Led { w: 32, h: 32 };
    let preview = PreviewSettings {
        modes: vec![led],
        bits: 5,
        ..PreviewSettings::default()
    };
    let dialogs = Dialogs::default();
    let mut h = window_with(preview.clone(), &dialogs);
    step_until(&mut h, "first sample", |a| showing(a, SAMPLES[0].name));
    let dir = tempfile::tempdir().unwrap();
    // Without an extension: the export adds `.png`.
    dialogs.will_pick_one(dir.path().join("mountains"));
    h.get_by_label("File").click();
    h.run_steps(2);
    h.get_by_label("Save preview image…").click();
    step_until(&mut h, "the export to finish", |a| {
        a.notice().is_some_and(|n| n.text.contains("Preview saved"))
    });
    assert_eq!(
        dialogs.asked(),
        [DialogRequest::SavePreviewImage {
            name: "mountains-256 led32x32 preview.png".into()
        }]
    );
    let saved = image::open(dir.path().join("mountains.png"))
        .expect("a PNG")
        .to_rgba8();

    let art = decode(SAMPLES[0].bytes, &DecodeLimits::default()).unwrap();
    let settings = Settings::default();
    let look = Look {
        rotation: settings.rotation,
        mirror: settings.mirror,
        background: settings.background,
        brightness: settings.brightness,
        preview,
    };
    let frame = Frame {
        size: [art.width, art.height],
        rgba: &art.frames[0].rgba,
    };
    let colours = led_colours(&frame, &look, [32, 32]);
    let side = 32 * EXPORT_PITCH;
    let margin = (saved.width() - side) / 2;
    assert_eq!(saved.height(), saved.width());
    for (i, colour) in colours.iter().enumerate() {
        let (x, y) = ((i % 32) as u32, (i / 32) as u32);
        let centre = |v: u32| margin + v * EXPORT_PITCH + EXPORT_PITCH / 2;
        let p = saved.get_pixel(centre(x), centre(y)).0;
        assert_eq!([p[0], p[1], p[2]], *colour, "LED ({x}, {y})");
    }
}

#[test]
fn export_preview_writes_every_frame_as_the_led_panel_shows_it() {
    use makapix_player::media::decode::{DecodeLimits, decode, decode_file};

    let led = PreviewMode::Led { w: 32, h: 32 };
    let dialogs = Dialogs::default();
    let preview = PreviewSettings {
        modes: vec![PreviewMode::Screen, led],
        ..PreviewSettings::default()
    };
    let mut h = window_with(preview, &dialogs);
    step_until(&mut h, "first sample", |a| showing(a, SAMPLES[0].name));
    h.key_press(egui::Key::ArrowRight);
    step_until(&mut h, "the animated sample", |a| {
        showing(a, SAMPLES[1].name)
    });
    let dir = tempfile::tempdir().unwrap();
    // Without a known extension: a GIF; the LED panel, not the plain screen, is exported.
    dialogs.will_pick_one(dir.path().join("slime"));
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::E);
    step_until(&mut h, "the export to finish", |a| {
        a.notice().is_some_and(|n| n.text.starts_with("Exported"))
    });
    assert!(
        matches!(&dialogs.asked()[..], [DialogRequest::ExportPreview { title, .. }] if title.contains("LED")),
        "{:?}",
        dialogs.asked()
    );
    let text = h
        .state()
        .notice()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    let source = decode(SAMPLES[1].bytes, &DecodeLimits::default()).unwrap();
    assert!(source.frames.len() > 1);
    assert!(
        text.contains(&format!("GIF (320×320, {} frames)", source.frames.len())),
        "{text}"
    );
    let exported = decode_file(&dir.path().join("slime.gif"), &DecodeLimits::default()).unwrap();
    assert_eq!((exported.width, exported.height), (320, 320));
    assert_eq!(exported.delays(), source.delays());
}

#[test]
fn a_name_without_extension_gets_the_format_chosen_in_the_window() {
    use makapix_player::media::decode::{ArtFormat, decode_file};
    use makapix_player::preview::encode::ExportFormat;

    let (mut h, dialogs) = small_led_window();
    let dir = tempfile::tempdir().unwrap();
    // A GIF of the same name, which the dialog never asked about replacing.
    let gif = dir.path().join("sunset.gif");
    std::fs::write(&gif, b"not to be replaced").unwrap();
    dialogs.will_pick_one(dir.path().join("sunset"));
    h.get_by_label("File").click();
    h.run_steps(2);
    h.get_by_label("Export preview as").click();
    h.run_steps(2);
    h.get_by_label("Animated WebP…").click();
    step_until(&mut h, "the export to finish", |a| {
        a.notice().is_some_and(|n| n.text.starts_with("Exported"))
    });
    assert!(
        matches!(
            &dialogs.asked()[..],
            [DialogRequest::ExportPreview { name, format: ExportFormat::WebP, .. }]
                if name.ends_with(".webp")
        ),
        "{:?}",
        dialogs.asked()
    );
    let exported = decode_file(&dir.path().join("sunset.webp"), &Default::default()).unwrap();
    assert_eq!(exported.format, ArtFormat::WebP);
    assert_eq!(std::fs::read(&gif).unwrap(), b"not to be replaced");
}

/// The p3a preview on, the many-colour sample decoded on screen: many
/// frames of many colours, each 720×720, so an export of it takes long
/// enough to cancel.
fn at_the_many_colour_animation(dialogs: &Dialogs) -> Harness<'static, PlayerApp> {
    let preview = PreviewSettings {
        modes: vec![PreviewMode::P3a],
        ..PreviewSettings::default()
    };
    let mut h = window_with(preview, dialogs);
    step_until(&mut h, "first sample", |a| showing(a, SAMPLES[0].name));
    h.key_press(egui::Key::ArrowRight);
    h.key_press(egui::Key::ArrowRight);
    step_until(&mut h, "the many-colour animation, decoded", |a| {
        showing(a, SAMPLES[2].name) && !a.decoding_on_screen()
    });
    h
}

#[test]
fn an_export_under_way_is_cancelled_by_its_button_or_esc_and_writes_nothing() {
    const CANCELLED: &str = "Export cancelled; no file was written.";
    let dialogs = Dialogs::default();
    let mut h = at_the_many_colour_animation(&dialogs);
    let dir = tempfile::tempdir().unwrap();
    for by_key in [false, true] {
        dialogs.will_pick_one(dir.path().join("night.gif"));
        h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::E);
        step_until(&mut h, "the export to start", |a| {
            a.previews().is_exporting()
        });
        h.run_steps(2);
        if by_key {
            h.key_press(egui::Key::Escape);
        } else {
            h.get_by_label("Cancel export").click();
        }
        step_until(&mut h, "the export to stop", |a| {
            !a.previews().is_exporting()
        });
        let said = h.state().notice().map(|n| (n.text.clone(), n.is_error));
        assert_eq!(
            said,
            Some((CANCELLED.to_owned(), false)),
            "by key: {by_key}"
        );
        h.run_steps(2);
        assert!(h.query_by_label("Cancel export").is_none());
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(left.is_empty(), "by key: {by_key}: {left:?}");
    }
}

/// A prompt open over an export under way: one Esc closes the prompt, and
/// only that: the export is not asked to stop. A second Esc, with the export
/// still running, ends it: cancelled, or exported if it ended on its own
/// before that Esc was taken (the two race). Nothing waits for the long export to end (under load it may take minutes).
#[test]
fn one_escape_closes_a_prompt_and_leaves_the_export_running() {
    const CANCELLED: &str = "Export cancelled; no file was written.";
    let dialogs = Dialogs::default();
    let mut h = at_the_many_colour_animation(&dialogs);
    // The playlist editor's Save As, where no dialog opens: a prompt, its field focused.
    h.key_press(egui::Key::E);
    h.run_steps(2);
    h.key_press_modifiers(
        egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
        egui::Key::S,
    );
    let prompt = |h: &Harness<'static, PlayerApp>| h.query_by_label("Save playlist").is_some();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !prompt(&h) {
        if std::time::Instant::now() >= deadline {
            crate::support::screen::timed_out(&h, "the path prompt");
        }
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let dir = tempfile::tempdir().unwrap();
    dialogs.will_pick_one(dir.path().join("night.gif"));
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::E);
    step_until(&mut h, "the export to start", |a| {
        a.previews().is_exporting()
    });

    // Under way as Esc is pressed: the pass that saw it start was the last.
    assert!(prompt(&h), "the prompt closed early");
    h.key_press(egui::Key::Escape);
    h.run_steps(2);
    assert!(!prompt(&h), "Esc closes the prompt");
    let previews = h.state().previews();
    assert!(
        !previews.is_cancelling_export(),
        "the Esc that closed the prompt cancelled the export too"
    );
    if previews.is_exporting() {
        h.key_press(egui::Key::Escape);
        step_until(&mut h, "the export to stop", |a| {
            !a.previews().is_exporting()
        });
        // Cancelled, or ended on its own before the second Esc came.
        let said = h.state().notice().map(|n| n.text.clone());
        let ended = said.as_deref() == Some(CANCELLED)
            || said.as_deref().is_some_and(|s| s.starts_with("Exported"));
        assert!(ended, "{said:?}");
    } else {
        // It ended on its own in the passes the Esc took: not cancelled.
        let said = h.state().notice().map(|n| n.text.clone());
        assert_ne!(said.as_deref(), Some(CANCELLED));
    }
}

#[test]
fn each_device_preview_says_what_the_device_does_to_the_art() {
    use egui_kittest::kittest::By;
    let mut h = window(PreviewSettings {
        modes: vec![PreviewMode::P3a, PreviewMode::Led { w: 64, h: 64 }],
        ..PreviewSettings::default()
    });
    // mountains-256.png: 256×256, shrunk to a quarter on 64×64 LEDs, ×2.81 on the p3a.
    step_until(&mut h, "first sample", |a| showing(a, SAMPLES[0].name));
    h.run_steps(2);
    let line = |start: &'static str| {
        h.query(By::new().predicate(move |n| n.value().is_some_and(|v| v.starts_with(start))))
            .and_then(|n| n.accesskit_node().value())
    };
    let p3a = line("p3a frame: ×2.81, not a whole factor: pixels are 2 or 3 wide");
    assert!(
        p3a.as_ref().is_some_and(|l| l.contains("nothing cropped")),
        "{p3a:?}"
    );
    let led = line("LED panel 64×64: shrunk to 1/4: one pixel in 4 shows; nothing cropped");
    assert!(
        led.as_ref()
            .is_some_and(|l| l.contains("at 8 bits a channel")),
        "{led:?}"
    );
}

#[test]
fn a_file_the_added_extension_names_is_not_replaced_unasked() {
    let (mut h, dialogs) = small_led_window();
    let dir = tempfile::tempdir().unwrap();
    let gif = dir.path().join("sunset.gif");
    std::fs::write(&gif, b"last week's export").unwrap();
    dialogs.will_pick_one(dir.path().join("sunset"));
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::E);
    step_until(&mut h, "the refusal", |a| {
        a.notice()
            .is_some_and(|n| n.is_error && n.text.starts_with("sunset.gif already exists"))
    });
    assert_eq!(std::fs::read(&gif).unwrap(), b"last week's export");
    // Picked by its whole name, the dialog asked: it is replaced.
    dialogs.will_pick_one(gif.clone());
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::E);
    step_until(&mut h, "the export", |a| {
        a.notice().is_some_and(|n| n.text.starts_with("Exported"))
    });
    assert_ne!(std::fs::read(&gif).unwrap(), b"last week's export");
}
