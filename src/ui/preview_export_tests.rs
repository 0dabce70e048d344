//! The preview export's dialogs, path prompt and waiting for every frame.

use std::time::Duration;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

use super::*;

fn no_dialog() -> Report {
    Report::NoDialog {
        title: "Save preview image".into(),
        animation: None,
        suggested: "/pictures/sun preview.png".into(),
    }
}

/// What `ask` sends, within `within`, for a dialog that answers `answer`
/// after `after`.
fn asked(after: Duration, answer: Option<&str>, within: Duration) -> Option<String> {
    let answer = answer.map(|p| vec![PathBuf::from(p)]);
    let dialogs = FileDialogs::new(move |_| {
        let answer = answer.clone();
        Box::pin(async move {
            std::thread::sleep(after);
            answer
        })
    });
    let export = Export::new(&Wake::default(), dialogs);
    let request = DialogRequest::SavePreviewImage {
        name: "sun preview.png".into(),
    };
    export.ask(request, Report::Chosen, no_dialog);
    match export.rx.recv_timeout(within) {
        Ok(Report::Chosen(path)) => Some(path.display().to_string()),
        Ok(Report::NoDialog { .. }) => Some("no dialog".into()),
        Ok(_) => Some("another report".into()),
        Err(_) => None,
    }
}

/// An animation shows its first frame while the others decode: an export
/// asked for then waits for them, or it would hold that one frame alone.
#[test]
fn an_export_asked_while_the_animation_decodes_waits_for_every_frame() {
    use crate::ui::library::tests::{art, ready};
    let dir = tempfile::tempdir().expect("a folder");
    let ctx = egui::Context::default();
    let entry = ready(&ctx, "night", art());
    let shown = ArtworkSource::File("/art/night.gif".into());
    let on_screen = Some((&shown, &entry));
    let settings = Settings::default();
    let mut export = Export::new(&Wake::default(), FileDialogs::default());
    let chosen = |export: &Export| {
        let path = dir.path().join("night.gif");
        let _ = export
            .tx
            .send(Report::AnimationChosen(path, ExportFormat::Gif));
    };
    chosen(&export);
    let said = export.finish(&ctx, on_screen, &settings, true);
    assert!(
        said[0].text.contains("still decoding"),
        "{:?}",
        said[0].text
    );
    assert!(!export.is_exporting(), "not before every frame is ready");
    export.finish(&ctx, on_screen, &settings, false);
    assert!(export.is_exporting(), "once they are");
    let done = export.rx.recv_timeout(Duration::from_secs(20));
    let Ok(Report::Exported(Ok(done))) = done else {
        panic!("the export did not finish");
    };
    assert_eq!(done.frames, 3, "every frame");
    // Asked while decoding, then another artwork came: nothing is written.
    export.exporting = None;
    chosen(&export);
    export.finish(&ctx, on_screen, &settings, true);
    let other = ArtworkSource::File("/art/day.gif".into());
    let said = export.finish(&ctx, Some((&other, &entry)), &settings, false);
    assert!(said[0].is_error && said[0].text.contains("artwork changed"));
    assert!(!export.is_exporting());
}

#[test]
fn nothing_at_once_means_no_dialog_opened_and_nothing_later_a_cancel() {
    // An answer comes from the dialog's thread, which a loaded machine can
    // hold for seconds: waited for as it comes, a minute only against a hang.
    let answered = Duration::from_secs(60);
    assert_eq!(
        asked(Duration::ZERO, None, answered).as_deref(),
        Some("no dialog")
    );
    // A cancel sends nothing: two seconds of silence are taken for one.
    let silence = Duration::from_secs(2);
    assert_eq!(asked(Duration::from_millis(900), None, silence), None);
    assert_eq!(
        asked(Duration::ZERO, Some("/a/b.png"), answered).as_deref(),
        Some("/a/b.png")
    );
}

#[test]
fn where_no_dialog_opened_the_window_asks_and_its_path_is_saved_to() {
    let export = Export::new(&Wake::default(), FileDialogs::default());
    export.tx.send(no_dialog()).unwrap();
    let state = (export, Vec::<Notice>::new());
    let mut h = Harness::new_ui_state(
        |ui, (export, notices): &mut (Export, Vec<Notice>)| {
            notices.extend(export.finish(ui.ctx(), None, &Settings::default(), false));
        },
        state,
    );
    h.run();
    h.get_by_label("Save preview image");
    h.get_by_label("Save to this file").click();
    h.run();
    let said: Vec<&str> = h.state().1.iter().map(|n| n.text.as_str()).collect();
    // Nothing is on screen here: the sentence is save_to's own.
    assert_eq!(
        said,
        ["There is no artwork on screen to save a preview of; wait until it shows."]
    );
    assert!(
        h.query_by_label("Save preview image").is_none(),
        "the prompt closed"
    );
}

#[test]
fn a_posts_title_names_one_file_in_the_folder_offered() {
    let post = |title: &str| {
        ArtworkSource::Makapix(crate::player::MakapixPost {
            title: Some(title.into()),
            ..crate::player::MakapixPost::for_test(7)
        })
    };
    for title in [
        "/tmp/x/..",
        "../../.config/autostart/..",
        "a\\b:c",
        "..",
        " . ",
    ] {
        let name = stem_of(Some(&post(title)));
        let path = Path::new("/pictures").join(format!("{name} screen.gif"));
        assert_eq!(
            path.parent(),
            Some(Path::new("/pictures")),
            "{title:?}: {name:?}"
        );
        assert!(
            !name.starts_with('.') && !name.is_empty(),
            "{title:?}: {name:?}"
        );
    }
    assert_eq!(stem_of(Some(&post("Sunset ☀"))), "Sunset ☀");
    assert_eq!(stem_of(None), "artwork");
}

#[test]
fn a_saved_preview_is_a_png() {
    assert_eq!(
        with_png_extension("/a/led".into()),
        PathBuf::from("/a/led.png")
    );
    assert_eq!(
        with_png_extension("/a/led.PNG".into()),
        PathBuf::from("/a/led.PNG")
    );
}
