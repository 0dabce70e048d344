//! The window under test: one way to build its harness, one way to wait for it,
//! one way to ask what it shows. A wait that times out saves a screenshot.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use makapix_player::player::ArtworkSource;
use makapix_player::ui::{PlayerApp, StartOptions};

/// How long a test waits for the window before it fails: long enough for a
/// loaded CI machine, short enough that a hang is reported, not waited out.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(20);

/// A harness of `size` points around `app`. `step_dt` is the app time one step
/// advances (egui_kittest's default, ¼ s, when `None`).
pub fn harness_of(
    app: PlayerApp,
    size: [f32; 2],
    step_dt: Option<f32>,
) -> Harness<'static, PlayerApp> {
    let mut builder = Harness::builder().with_size(size);
    if let Some(dt) = step_dt {
        builder = builder.with_step_dt(dt);
    }
    // As eframe runs a pass of a window it draws: its logic, then its ui.
    let pass = |ui: &mut eframe::egui::Ui, app: &mut PlayerApp| {
        app.logic(ui.ctx());
        app.show(ui);
    };
    builder.build_ui_state(pass, app)
}

/// A window of `size` started with `options` (default settings unless given,
/// so the tester's own settings file is never read, and dialogs that answer
/// nothing unless given), stepping 0.05 s of app time.
pub fn harness(size: [f32; 2], options: StartOptions) -> Harness<'static, PlayerApp> {
    // Unless the test answers them, dialogs answer nothing: never a real one.
    let dialogs = (options.file_dialogs.clone())
        .unwrap_or_else(|| crate::support::dialogs::Dialogs::default().file_dialogs());
    let app = PlayerApp::new(StartOptions {
        settings: Some(options.settings.clone().unwrap_or_default()),
        file_dialogs: Some(dialogs),
        ..options
    });
    harness_of(app, size, Some(0.05))
}

/// Steps the window until `done` holds. After [`STEP_TIMEOUT`] it saves a
/// screenshot and panics naming `what`, the screenshot and what was on screen.
pub fn step_until(h: &mut Harness<'_, PlayerApp>, what: &str, done: impl Fn(&PlayerApp) -> bool) {
    let deadline = Instant::now() + STEP_TIMEOUT;
    loop {
        h.step();
        if done(h.state()) {
            return;
        }
        if Instant::now() >= deadline {
            timed_out(h, what);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Panics for a wait on `what` that timed out, after saving a screenshot.
pub fn timed_out(h: &Harness<'_, PlayerApp>, what: &str) -> ! {
    let saved = match save_screenshot(h) {
        Ok(path) => format!("screenshot: {}", path.display()),
        Err(e) => format!("no screenshot: {e}"),
    };
    panic!(
        "timed out waiting for: {what}\n  on screen: {:?}\n  {saved}",
        showing(h.state())
    );
}

/// What the window shows, in words: the artwork's source and whether it failed.
pub fn showing(app: &PlayerApp) -> Option<String> {
    let (source, failed) = app.on_screen()?;
    let what = match source {
        ArtworkSource::Makapix(post) => format!("post {}", post.post_id),
        ArtworkSource::File(path) => format!("file {}", path.display()),
        ArtworkSource::Embedded(name) => format!("sample {name}"),
    };
    Some(if failed {
        format!("{what} (failed)")
    } else {
        what
    })
}

/// The Makapix post on screen: its id, and whether it failed to load.
pub fn post_on_screen(app: &PlayerApp) -> Option<(i64, bool)> {
    match app.on_screen()? {
        (ArtworkSource::Makapix(post), failed) => Some((post.post_id, failed)),
        _ => None,
    }
}

/// The Makapix post on screen, loaded.
pub fn post_shown(app: &PlayerApp) -> Option<i64> {
    post_on_screen(app).and_then(|(id, failed)| (!failed).then_some(id))
}

/// The name of the file on screen, loaded.
pub fn file_shown(app: &PlayerApp) -> Option<String> {
    match app.on_screen()? {
        (ArtworkSource::File(path), false) => {
            Some(path.file_name()?.to_string_lossy().into_owned())
        }
        _ => None,
    }
}

/// True when the embedded sample `name` is on screen, loaded.
pub fn sample_shown(app: &PlayerApp, name: &str) -> bool {
    matches!(app.on_screen(), Some((ArtworkSource::Embedded(n), false)) if *n == name)
}

/// Whether the file named `file` is on screen (`Some(failed)`), or `None`.
pub fn file_on_screen(app: &PlayerApp, file: &str) -> Option<bool> {
    match app.on_screen()? {
        (ArtworkSource::File(p), failed) if p.file_name().is_some_and(|n| n == file) => {
            Some(failed)
        }
        _ => None,
    }
}

/// Renders the window's last frame to target/test-screenshots/<test>.png.
pub fn save_screenshot(h: &Harness<'_, PlayerApp>) -> Result<PathBuf, String> {
    let image = super::raster::render(&h.ctx, h.output())?;
    // Cargo names its scratch folder (target/tmp) to tests and benches only.
    let scratch = option_env!("CARGO_TARGET_TMPDIR").unwrap_or("target/tmp");
    let dir = std::path::Path::new(scratch)
        .parent()
        .ok_or("no target folder")?
        .join("test-screenshots");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    // libtest names each test's thread after the test (its module path).
    let test = std::thread::current()
        .name()
        .unwrap_or("unnamed")
        .replace("::", ".");
    let path = dir.join(format!("{test}.png"));
    image.save(&path).map_err(|e| e.to_string())?;
    Ok(path)
}
