//! File › Save preview image…: the save dialog and the rendering run off the
//! window thread; the window only takes the current frame's pixels (one frame
//! rendered from the compact store) and later hears how the save went.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender};

use eframe::egui;

use super::library::Entry;
use super::wake::Wake;
use crate::app::export::Done;
use crate::player::ArtworkSource;
use crate::preview::PreviewMode;
use crate::preview::render::{self, Frame, Look};
use crate::session::Notice;
use crate::settings::Settings;

/// What the dialogs and the export workers send back.
enum Report {
    Chosen(PathBuf),
    Saved(Result<PathBuf, String>),
    /// File › Export preview…: where to.
    AnimationChosen(PathBuf),
    /// Frames rendered so far, of all.
    Progress(usize, usize),
    Exported(Result<Done, String>),
}

pub(crate) struct Export {
    tx: Sender<Report>,
    rx: Receiver<Report>,
    wake: Wake,
    /// An animation export is under way (one at a time).
    exporting: bool,
}

impl Export {
    pub(crate) fn new(wake: &Wake) -> Self {
        let (tx, rx) = mpsc::channel();
        Self {
            tx,
            rx,
            wake: wake.clone(),
            exporting: false,
        }
    }

    /// Asks where to save, off the window thread; the path comes back to `finish`.
    pub(super) fn dialog(
        &self,
        ctx: &egui::Context,
        on_screen: Option<&ArtworkSource>,
        settings: &Settings,
    ) {
        let name = format!("{} preview.png", stem(on_screen, settings));
        let fut = rfd::AsyncFileDialog::new()
            .set_title("Save preview image")
            .add_filter("PNG image", &["png"])
            .set_file_name(name)
            .save_file();
        let (tx, ctx) = (self.tx.clone(), ctx.clone());
        let spawned = std::thread::Builder::new()
            .name("preview-dialog".into())
            .spawn(move || {
                if let Some(file) = pollster::block_on(fut) {
                    let _ = tx.send(Report::Chosen(file.path().to_path_buf()));
                    ctx.request_repaint();
                }
            });
        if let Err(e) = spawned {
            tracing::error!("cannot open the file dialog: {e}");
        }
    }

    /// Renders what the previews show now into a PNG at `path`, on a worker
    /// thread; the notice says why it cannot.
    pub(crate) fn save_to(
        &self,
        path: PathBuf,
        on_screen: Option<&Entry>,
        settings: &Settings,
    ) -> Option<Notice> {
        let path = with_png_extension(path);
        let Some(Entry::Ready(art)) = on_screen else {
            return Some(Notice::error(
                "There is no artwork on screen to save a preview of; wait until it shows.",
            ));
        };
        let rgba = art.frame_rgba()?;
        let size = [art.width, art.height];
        let look = super::preview_view::look(settings);
        let (tx, wake) = (self.tx.clone(), self.wake.clone());
        let spawned = std::thread::Builder::new()
            .name("preview-export".into())
            .spawn(move || {
                let result = export(&Frame { size, rgba: &rgba }, &look, &path);
                let _ = tx.send(Report::Saved(result.map(|()| path)));
                wake.wake();
            });
        if let Err(e) = spawned {
            tracing::error!("cannot start the preview export: {e}");
        }
        None
    }

    /// Chosen paths start an export; finished ones are told in the status bar.
    pub(super) fn finish(
        &mut self,
        on_screen: Option<(&ArtworkSource, &Entry)>,
        settings: &Settings,
    ) -> Vec<Notice> {
        let mut notices = Vec::new();
        while let Ok(report) = self.rx.try_recv() {
            match report {
                Report::Chosen(path) => {
                    notices.extend(self.save_to(path, on_screen.map(|(_, e)| e), settings));
                }
                Report::Saved(Ok(path)) => {
                    tracing::info!("preview saved to {}", path.display());
                    notices.push(Notice::info(format!(
                        "Preview saved to {}.",
                        path.display()
                    )));
                }
                Report::Saved(Err(e)) => {
                    tracing::warn!("{e}");
                    notices.push(Notice::error(e));
                }
                Report::AnimationChosen(path) => {
                    notices.extend(self.export_to(path, on_screen.map(|(_, e)| e), settings));
                }
                Report::Progress(done, all) => notices.push(Notice::info(format!(
                    "Exporting the preview: frame {done} of {all}…"
                ))),
                Report::Exported(result) => {
                    self.exporting = false;
                    notices.push(match result {
                        Ok(done) => {
                            tracing::info!("{}", done.sentence());
                            Notice::info(done.sentence())
                        }
                        Err(e) => {
                            tracing::warn!("{e}");
                            Notice::error(e)
                        }
                    });
                }
            }
        }
        notices
    }
}

/// File › Export preview…: one device's render of every frame as an animated
/// GIF, APNG or WebP (a still PNG for a still artwork), on a worker thread
/// that reports its progress and ends with a sentence.
impl Export {
    /// Asks where to export, off the window thread; the path comes back to `finish`.
    pub(super) fn export_dialog(
        &self,
        ctx: &egui::Context,
        on_screen: Option<&ArtworkSource>,
        settings: &Settings,
    ) {
        let mode = export_mode(settings);
        let name = format!("{} {}.gif", stem_of(on_screen), mode.name());
        let fut = rfd::AsyncFileDialog::new()
            .set_title(format!("Export the {} preview", mode.label()))
            .add_filter("Animated GIF", &["gif"])
            .add_filter("APNG / PNG", &["png"])
            .add_filter("WebP", &["webp"])
            .set_file_name(name)
            .save_file();
        let (tx, ctx) = (self.tx.clone(), ctx.clone());
        let spawned = std::thread::Builder::new()
            .name("export-dialog".into())
            .spawn(move || {
                if let Some(file) = pollster::block_on(fut) {
                    let _ = tx.send(Report::AnimationChosen(file.path().to_path_buf()));
                    ctx.request_repaint();
                }
            });
        if let Err(e) = spawned {
            tracing::error!("cannot open the file dialog: {e}");
        }
    }

    /// Exports every frame of the artwork on screen as the first device
    /// preview shows it, to `path` (its extension picks the format; none: GIF).
    pub(crate) fn export_to(
        &mut self,
        path: PathBuf,
        on_screen: Option<&Entry>,
        settings: &Settings,
    ) -> Option<Notice> {
        if self.exporting {
            return Some(Notice::error(
                "A preview export is under way; wait for it to finish, then export again.",
            ));
        }
        let Some(Entry::Ready(art)) = on_screen else {
            return Some(Notice::error(
                "There is no artwork on screen to export; wait until it shows.",
            ));
        };
        let request = crate::app::export::Request {
            mode: export_mode(settings),
            scale: None,
            frame: None,
            output: with_extension_or(path, "gif"),
        };
        let (frames, look) = (art.frames(), super::preview_view::look(settings));
        let (tx, wake) = (self.tx.clone(), self.wake.clone());
        let spawned = std::thread::Builder::new()
            .name("preview-animation".into())
            .spawn(move || {
                let cancel = std::sync::atomic::AtomicBool::new(false);
                let mut last = std::time::Instant::now();
                let mut progress = |done: usize, all: usize| {
                    // A few reports a second: each one repaints the window.
                    if last.elapsed() >= std::time::Duration::from_millis(200) {
                        last = std::time::Instant::now();
                        let _ = tx.send(Report::Progress(done, all));
                        wake.wake();
                    }
                };
                let result = crate::app::export::export_frames(
                    &frames,
                    &request,
                    &look,
                    &cancel,
                    &mut progress,
                );
                let _ = tx.send(Report::Exported(result));
                wake.wake();
            });
        match spawned {
            Ok(_) => {
                self.exporting = true;
                Some(Notice::info("Exporting the preview…"))
            }
            Err(e) => Some(Notice::error(format!(
                "The export could not start ({e}); try again."
            ))),
        }
    }
}

/// The device exported: the first LED panel or p3a shown, else the plain screen.
fn export_mode(settings: &Settings) -> PreviewMode {
    let modes = &settings.preview.modes;
    modes
        .iter()
        .copied()
        .find(|m| *m != PreviewMode::Screen)
        .unwrap_or(PreviewMode::Screen)
}

fn stem_of(on_screen: Option<&ArtworkSource>) -> String {
    let name = on_screen
        .map(|s| s.display_name())
        .unwrap_or_else(|| "artwork".into());
    Path::new(&name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or(name)
}

/// A name without a known extension gets `ext`.
fn with_extension_or(path: PathBuf, ext: &str) -> PathBuf {
    if crate::preview::encode::ExportFormat::from_path(&path).is_ok() {
        return path;
    }
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".");
    name.push(ext);
    path.with_file_name(name)
}

/// The suggested file name: the artwork's, then the previews shown.
fn stem(on_screen: Option<&ArtworkSource>, settings: &Settings) -> String {
    let name = on_screen
        .map(|s| s.display_name())
        .unwrap_or_else(|| "artwork".into());
    let stem = Path::new(&name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or(name);
    let modes: Vec<String> = settings.preview.modes.iter().map(|m| m.name()).collect();
    format!("{stem} {}", modes.join("+"))
}

fn export(frame: &Frame, look: &Look, path: &Path) -> Result<(), String> {
    let image = render::render_all(frame, look);
    let mut png = Vec::new();
    image
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| format!("The preview image could not be encoded: {e}."))?;
    crate::storage::atomic_file::write_document(path, &png).map_err(|e| {
        format!(
            "The preview image could not be saved to {}: {e}. Choose another folder with File › Save preview image….",
            path.display()
        )
    })
}

fn with_png_extension(path: PathBuf) -> PathBuf {
    let is_png = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("png"));
    if is_png {
        return path;
    }
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".png");
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
