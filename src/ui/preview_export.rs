//! File › Save preview image…: the save dialog and the rendering run off the
//! window thread; the window only takes the current frame's pixels (one frame
//! rendered from the compact store) and later hears how the save went.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender};

use eframe::egui;

use super::app::PlayerApp;
use super::library::Entry;
use crate::preview::render::{self, Frame, Look};

/// What the dialog and the export worker send back.
enum Report {
    Chosen(PathBuf),
    Saved(Result<PathBuf, String>),
}

pub(crate) struct Export {
    tx: Sender<Report>,
    rx: Receiver<Report>,
}

impl Default for Export {
    fn default() -> Self {
        let (tx, rx) = mpsc::channel();
        Self { tx, rx }
    }
}

impl PlayerApp {
    pub(super) fn save_preview_dialog(&mut self, ctx: &egui::Context) {
        let name = format!("{} preview.png", self.preview_stem());
        let fut = rfd::AsyncFileDialog::new()
            .set_title("Save preview image")
            .add_filter("PNG image", &["png"])
            .set_file_name(name)
            .save_file();
        let tx = self.preview.export.tx.clone();
        let ctx = ctx.clone();
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

    /// Renders what the previews show now into a PNG at `path`, on a worker thread.
    pub fn save_preview_to(&mut self, path: PathBuf) {
        let path = with_png_extension(path);
        let art = match self.engine.current().and_then(|s| self.library.get(s)) {
            Some(Entry::Ready(art)) => art,
            _ => {
                self.tell(
                    "There is no artwork on screen to save a preview of; wait until it shows."
                        .into(),
                    true,
                );
                return;
            }
        };
        let Some(rgba) = art.frame_rgba() else {
            return;
        };
        let size = [art.width, art.height];
        let look = super::preview_view::look(&self.settings);
        let tx = self.preview.export.tx.clone();
        let slot = std::sync::Arc::clone(&self.ctx_slot);
        let spawned = std::thread::Builder::new()
            .name("preview-export".into())
            .spawn(move || {
                let result = export(&Frame { size, rgba: &rgba }, &look, &path);
                let _ = tx.send(Report::Saved(result.map(|()| path)));
                if let Some(ctx) = slot.get() {
                    ctx.request_repaint();
                }
            });
        if let Err(e) = spawned {
            tracing::error!("cannot start the preview export: {e}");
        }
    }

    /// Chosen paths start an export; finished ones are told in the status bar.
    pub(super) fn finish_exports(&mut self) {
        while let Ok(report) = self.preview.export.rx.try_recv() {
            match report {
                Report::Chosen(path) => self.save_preview_to(path),
                Report::Saved(Ok(path)) => {
                    tracing::info!("preview saved to {}", path.display());
                    self.tell(format!("Preview saved to {}.", path.display()), false);
                }
                Report::Saved(Err(e)) => {
                    tracing::warn!("{e}");
                    self.tell(e, true);
                }
            }
        }
    }

    fn preview_stem(&self) -> String {
        let name = self
            .engine
            .current()
            .map(|s| s.display_name())
            .unwrap_or_else(|| "artwork".into());
        let stem = Path::new(&name)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or(name);
        let modes: Vec<String> = self
            .settings
            .preview
            .modes
            .iter()
            .map(|m| m.name())
            .collect();
        format!("{stem} {}", modes.join("+"))
    }
}

fn export(frame: &Frame, look: &Look, path: &Path) -> Result<(), String> {
    let image = render::render_all(frame, look);
    let mut png = Vec::new();
    image
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| format!("The preview image could not be encoded: {e}."))?;
    crate::atomic_file::write(path, &png).map_err(|e| {
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
