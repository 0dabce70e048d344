//! File › Save preview image…: the save dialog and the rendering run off the
//! window thread; the window only takes the current frame's pixels (one frame
//! rendered from the compact store) and later hears how the save went.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::mpsc::{self, Receiver, Sender};

use eframe::egui;

use super::library::Entry;
use super::path_prompt::{self, PathPrompt};
use super::wake::Wake;
use crate::app::export::Done;
use crate::app::file_dialog::{self, DialogRequest, FileDialogs, Outcome};
use crate::player::ArtworkSource;
use crate::preview::PreviewMode;
use crate::preview::encode::ExportFormat;
use crate::preview::render::{self, Frame, Look};
use crate::session::Notice;
use crate::settings::Settings;

/// What the dialogs and the export workers send back.
enum Report {
    Chosen(PathBuf),
    Saved(Result<PathBuf, String>),
    /// File › Export preview as: where to, in the format chosen in the window.
    AnimationChosen(PathBuf, ExportFormat),
    /// Frames rendered so far, of all.
    Progress(usize, usize),
    Exported(Result<Done, String>),
    /// No dialog could open: ask in the window, titled so, for an animation
    /// in this format or (`None`) a preview image.
    NoDialog {
        title: String,
        animation: Option<ExportFormat>,
        suggested: PathBuf,
    },
}

pub(crate) struct Export {
    tx: Sender<Report>,
    rx: Receiver<Report>,
    wake: Wake,
    /// An animation export under way (one at a time): the flag that cancels it.
    exporting: Option<Arc<AtomicBool>>,
    /// Asking for the path where no dialog opened; an animation's format.
    prompt: Option<(PathPrompt, Option<ExportFormat>)>,
    /// The animation format chosen last: Ctrl+E exports in it.
    format: ExportFormat,
    dialogs: FileDialogs,
    /// An export asked for while its animation was still decoding: it starts
    /// when every frame is ready, if the same artwork is still on screen.
    deferred: Option<(PathBuf, ExportFormat, ArtworkSource)>,
}

impl Export {
    pub(crate) fn new(wake: &Wake, dialogs: FileDialogs) -> Self {
        let (tx, rx) = mpsc::channel();
        Self {
            tx,
            rx,
            wake: wake.clone(),
            exporting: None,
            prompt: None,
            format: ExportFormat::Gif,
            deferred: None,
            dialogs,
        }
    }

    /// Asks where to save, off the window thread; the path comes back to `finish`.
    pub(super) fn dialog(&self, on_screen: Option<&ArtworkSource>, settings: &Settings) {
        let name = format!("{} preview.png", stem(on_screen, settings));
        let request = DialogRequest::SavePreviewImage { name: name.clone() };
        let no_dialog = move || Report::NoDialog {
            title: "Save preview image".to_owned(),
            animation: None,
            suggested: file_dialog::pictures().join(name),
        };
        self.ask(request, Report::Chosen, no_dialog);
    }

    /// Asks the dialog for `request` off the window thread: its path becomes
    /// `chosen`; nothing at once means no dialog opened (`no_dialog`, which
    /// finds the folder to suggest there too).
    fn ask(
        &self,
        request: DialogRequest,
        chosen: impl FnOnce(PathBuf) -> Report + Send + 'static,
        no_dialog: impl FnOnce() -> Report + Send + 'static,
    ) {
        let (tx, wake) = (self.tx.clone(), self.wake.clone());
        let opened = self
            .dialogs
            .open(request, "preview-dialog", move |outcome| {
                let report = match outcome {
                    Outcome::Chosen(paths) => match paths.into_iter().next() {
                        Some(path) => chosen(path),
                        None => return,
                    },
                    Outcome::NeverOpened => no_dialog(),
                    Outcome::Cancelled => return,
                };
                let _ = tx.send(report);
                wake.wake();
            });
        if let Err(e) = opened {
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
    /// `decoding`: the animation on screen shows its first frame while the
    /// others decode, so an export waits for them.
    pub(super) fn finish(
        &mut self,
        ctx: &egui::Context,
        on_screen: Option<(&ArtworkSource, &Entry)>,
        settings: &Settings,
        decoding: bool,
    ) -> Vec<Notice> {
        let mut notices = Vec::new();
        if !decoding && let Some((path, format, source)) = self.deferred.take() {
            notices.extend(match on_screen {
                Some((shown, entry)) if *shown == source => {
                    self.export_to(path, format, Some(entry), settings)
                }
                _ => Some(Notice::error(
                    "The artwork changed before its export could start; export it again.",
                )),
            });
        }
        while let Ok(report) = self.rx.try_recv() {
            match report {
                Report::NoDialog {
                    title,
                    animation,
                    suggested,
                } => {
                    tracing::info!("no file dialog opened; asking for the path in the window");
                    let action = match animation {
                        Some(_) => "Export",
                        None => "Save to this file",
                    };
                    let prompt = PathPrompt::new(title, "Type where to save:", action, &suggested);
                    self.prompt = Some((prompt, animation));
                }
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
                Report::AnimationChosen(path, format) => {
                    notices
                        .extend(self.export_decoded(path, format, on_screen, settings, decoding));
                }
                Report::Progress(done, all) => notices.push(Notice::info(format!(
                    "Exporting the preview: frame {done} of {all}…"
                ))),
                Report::Exported(result) => {
                    let cancelled = self.exporting.take().is_some_and(|c| c.load(Relaxed));
                    notices.push(match result {
                        Ok(done) => {
                            tracing::info!("{}", done.sentence());
                            Notice::info(done.sentence())
                        }
                        Err(e) if cancelled => {
                            tracing::info!("{e}");
                            Notice::info(e)
                        }
                        Err(e) => {
                            tracing::warn!("{e}");
                            Notice::error(e)
                        }
                    });
                }
            }
        }
        notices.extend(self.prompted(ctx, on_screen, settings, decoding));
        notices
    }

    /// The path prompt, while it is open; its path saves or exports as a dialog's would.
    fn prompted(
        &mut self,
        ctx: &egui::Context,
        on_screen: Option<(&ArtworkSource, &Entry)>,
        settings: &Settings,
        decoding: bool,
    ) -> Option<Notice> {
        let (path, animation) = path_prompt::ask(&mut self.prompt, ctx)?;
        match animation {
            Some(format) => self.export_decoded(path, format, on_screen, settings, decoding),
            None => self.save_to(path, on_screen.map(|(_, e)| e), settings),
        }
    }

    /// Exports now, or once the animation on screen has every frame: its
    /// first shows while the others decode, and an export of it then would
    /// hold that one frame alone.
    fn export_decoded(
        &mut self,
        path: PathBuf,
        format: ExportFormat,
        on_screen: Option<(&ArtworkSource, &Entry)>,
        settings: &Settings,
        decoding: bool,
    ) -> Option<Notice> {
        match on_screen {
            Some((source, _)) if decoding => {
                self.deferred = Some((path, format, source.clone()));
                Some(Notice::info(
                    "The animation is still decoding; its export starts when every frame is ready.",
                ))
            }
            _ => self.export_to(path, format, on_screen.map(|(_, e)| e), settings),
        }
    }
}

/// File › Export preview as: one device's render of every frame as an animated
/// GIF, APNG or WebP (a still PNG for a still artwork), on a worker thread
/// that reports its progress and ends with a sentence.
impl Export {
    /// Asks where to export in `format` (`None`: the one chosen last), off the
    /// window thread; the path comes back to `finish`.
    pub(super) fn export_dialog(
        &mut self,
        on_screen: Option<&ArtworkSource>,
        settings: &Settings,
        format: Option<ExportFormat>,
    ) {
        let format = format.unwrap_or(self.format);
        self.format = format;
        let mode = export_mode(settings);
        let name = format!(
            "{} {}.{}",
            stem_of(on_screen),
            mode.name(),
            format.extension()
        );
        let title = format!("Export the {} preview", mode.label());
        let request = DialogRequest::ExportPreview {
            title: title.clone(),
            name: name.clone(),
            format,
        };
        let no_dialog = move || Report::NoDialog {
            title,
            animation: Some(format),
            suggested: file_dialog::pictures().join(name),
        };
        self.ask(
            request,
            move |path| Report::AnimationChosen(path, format),
            no_dialog,
        );
    }

    /// Exports every frame of the artwork on screen as the first device
    /// preview shows it, to `path`: its extension picks the format; without
    /// one, `format` (chosen in the window) adds its own.
    pub(crate) fn export_to(
        &mut self,
        path: PathBuf,
        format: ExportFormat,
        on_screen: Option<&Entry>,
        settings: &Settings,
    ) -> Option<Notice> {
        if self.exporting.is_some() {
            return Some(Notice::error(
                "A preview export is under way; wait for it to finish, then export again.",
            ));
        }
        let Some(Entry::Ready(art)) = on_screen else {
            return Some(Notice::error(
                "There is no artwork on screen to export; wait until it shows.",
            ));
        };
        let (output, added) = crate::app::export::output_for(path, format);
        let request = crate::app::export::Request {
            mode: export_mode(settings),
            scale: None,
            frame: None,
            output,
        };
        let (frames, look) = (art.frames(), super::preview_view::look(settings));
        let (tx, wake) = (self.tx.clone(), self.wake.clone());
        let cancel = Arc::new(AtomicBool::new(false));
        let cancelled = Arc::clone(&cancel);
        let spawned = std::thread::Builder::new()
            .name("preview-animation".into())
            .spawn(move || {
                let mut last = std::time::Instant::now();
                let mut progress = |done: usize, all: usize| {
                    // A few reports a second: each one repaints the window.
                    if last.elapsed() >= std::time::Duration::from_millis(200) {
                        last = std::time::Instant::now();
                        let _ = tx.send(Report::Progress(done, all));
                        wake.wake();
                    }
                };
                let result = if added && request.output.exists() {
                    Err(crate::app::export::already_there(&request.output))
                } else {
                    crate::app::export::export_frames(
                        &frames,
                        &request,
                        &look,
                        &cancel,
                        &mut progress,
                    )
                };
                let _ = tx.send(Report::Exported(result));
                wake.wake();
            });
        match spawned {
            Ok(_) => {
                self.exporting = Some(cancelled);
                Some(Notice::info("Exporting the preview…"))
            }
            Err(e) => Some(Notice::error(format!(
                "The export could not start ({e}); try again."
            ))),
        }
    }
}

/// The Cancel button beside the export's progress, and Esc.
impl Export {
    pub(crate) fn is_exporting(&self) -> bool {
        self.exporting.is_some()
    }

    /// The export under way was asked to stop, and has not yet.
    pub(crate) fn is_cancelling(&self) -> bool {
        (self.exporting.as_ref()).is_some_and(|c| c.load(Relaxed))
    }

    /// Stops the export under way before its next frame: no file is written.
    pub(crate) fn cancel(&self) {
        if let Some(cancel) = &self.exporting {
            cancel.store(true, Relaxed);
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

/// The artwork's name as the start of a suggested file name: a file's stem, a
/// post's title. A title comes from the server: with its separators and the
/// characters file systems refuse replaced, it cannot point the save at another
/// folder, and `..` cannot climb out of Pictures.
fn stem_of(on_screen: Option<&ArtworkSource>) -> String {
    let name = on_screen.map(|s| s.display_name()).unwrap_or_default();
    let stem = Path::new(&name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or(name);
    let clean: String = stem
        .chars()
        .map(|c| {
            if c.is_control() || r#"/\:*?"<>|"#.contains(c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    let clean = clean.trim_matches(|c: char| c == '.' || c.is_whitespace());
    if clean.is_empty() {
        "artwork".into()
    } else {
        clean.to_owned()
    }
}

/// The suggested file name: the artwork's, then the previews shown.
fn stem(on_screen: Option<&ArtworkSource>, settings: &Settings) -> String {
    let stem = stem_of(on_screen);
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
#[path = "preview_export_tests.rs"]
mod tests;
