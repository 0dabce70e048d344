//! Opening local files: paths from the command line, the file dialogs,
//! drag and drop, and pasted paths.

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;

use eframe::egui;

use crate::app::file_dialog::{self, DialogRequest, FileDialogs, Outcome};
use crate::app::local_files;

use super::actions::{KeyboardOwner, UserAction};
use super::wake::Wake;
use crate::storage::last_channel::{self, LastChannel};

/// How long the window's first pass waits for the files named at launch (or the
/// kept channel) to be read: a file or a small folder is read well within it; a
/// large folder is not waited for.
pub(crate) const FIRST_READ_WAIT: Duration = Duration::from_millis(25);

/// What a worker thread read or a dialog picked.
pub(crate) enum Picked {
    Opened(local_files::Opened),
    /// What File › Open's dialog came to.
    Dialog(Outcome<Vec<PathBuf>>),
    /// The Makapix channel kept by the last session, if any.
    LastChannel(Option<Box<LastChannel>>),
}

/// Files, folders and playlists read off the window thread (a large folder
/// must not stall the window), and the file dialogs, which run off it too (a
/// modal call inside a frame would freeze the window).
pub(crate) struct Opener {
    tx: Sender<Picked>,
    rx: Receiver<Picked>,
    wake: Wake,
    /// A report already taken off `rx` by `wait_briefly`, handed out first.
    held: Option<Picked>,
    dialogs: FileDialogs,
}

impl Opener {
    pub(crate) fn new(wake: &Wake, dialogs: FileDialogs) -> Self {
        let (tx, rx) = mpsc::channel();
        Self {
            tx,
            rx,
            wake: wake.clone(),
            held: None,
            dialogs,
        }
    }

    /// Reads the given files, folders or playlist on a worker thread.
    pub(crate) fn open_paths(&self, paths: Vec<PathBuf>) {
        let tx = self.tx.clone();
        let wake = self.wake.clone();
        let spawned = std::thread::Builder::new()
            .name("open-paths".into())
            .spawn(move || {
                let _ = tx.send(Picked::Opened(local_files::open(&paths)));
                wake.wake();
            });
        if let Err(e) = spawned {
            tracing::error!("cannot read the files: {e}");
        }
    }

    /// Reads the channel the last session kept (in `data_dir`).
    pub(crate) fn read_last_channel(&self, data_dir: &std::path::Path) {
        let path = data_dir.join(last_channel::FILE_NAME);
        let tx = self.tx.clone();
        let wake = self.wake.clone();
        let spawned = std::thread::Builder::new()
            .name("last-channel".into())
            .spawn(move || {
                let last = last_channel::load(&path).map(Box::new);
                let _ = tx.send(Picked::LastChannel(last));
                wake.wake();
            });
        if let Err(e) = spawned {
            tracing::error!("cannot read the last channel: {e}");
            let _ = self.tx.send(Picked::LastChannel(None));
        }
    }

    pub(crate) fn take(&mut self) -> Option<Picked> {
        self.held.take().or_else(|| self.rx.try_recv().ok())
    }

    /// Waits at most `budget` for the worker started last to report, so the
    /// pass that takes its report is the one under way: at launch, the art is
    /// then in the window's first frame instead of a "Loading…" frame (which,
    /// on software OpenGL, also compiles shaders the art does not need).
    pub(crate) fn wait_briefly(&mut self, budget: Duration) {
        if self.held.is_none() {
            self.held = self.rx.recv_timeout(budget).ok();
        }
    }

    pub(crate) fn open_dialog(&self, folder: bool) {
        let request = if folder {
            DialogRequest::ArtFolder
        } else {
            DialogRequest::ArtFiles
        };
        let tx = self.tx.clone();
        let wake = self.wake.clone();
        let opened = self.dialogs.open(request, "file-dialog", move |outcome| {
            let _ = tx.send(Picked::Dialog(outcome));
            wake.wake();
        });
        if let Err(e) = opened {
            tracing::error!("cannot open the file dialog: {e}");
        }
    }
}

/// The sentence when File › Open's dialog came back at once with nothing.
pub(crate) fn no_dialog() -> String {
    file_dialog::no_dialog("Drop files onto the window, or copy a file's path and press Ctrl+V.")
}

/// Files dropped on the window, and paths pasted while no text field has focus.
pub(crate) fn dropped_or_pasted(ctx: &egui::Context) -> Vec<UserAction> {
    let typing = KeyboardOwner::of(ctx) == KeyboardOwner::Text;
    ctx.input(|i| {
        let mut out = Vec::new();
        let dropped: Vec<PathBuf> = i
            .raw
            .dropped_files
            .iter()
            .map(|f| f.path().to_path_buf())
            .collect();
        if !dropped.is_empty() {
            out.push(UserAction::OpenPaths(dropped));
        }
        if !typing {
            for event in &i.events {
                if let egui::Event::Paste(text) = event
                    && let Some(paths) = local_files::paths_from_pasted_text(text)
                {
                    out.push(UserAction::OpenPaths(paths));
                }
            }
        }
        out
    })
}
