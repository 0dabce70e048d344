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
    /// What the newest open read (an open overtaken by a later one is dropped).
    Opened(local_files::Opened),
    /// What File › Open's dialog came to.
    Dialog(Outcome<Vec<PathBuf>>),
    /// The Makapix channel kept by the last session, if any.
    LastChannel(Option<Box<LastChannel>>),
    /// A worker's read, with the number of the open that asked for it.
    Read(u64, local_files::Opened),
}

/// "Reading art…" or "Reading art and 2 more…": the first name opened.
fn reading_what(paths: &[PathBuf]) -> String {
    let first = paths.first().map(|p| local_files::display_name(p));
    match (first, paths.len()) {
        (Some(name), 1) => format!("Reading {name}…"),
        (Some(name), n) => format!("Reading {name} and {} more…", n - 1),
        (None, _) => "Reading…".to_owned(),
    }
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
    /// Opens asked for so far: each worker's answer carries its number.
    opens: u64,
    /// What the newest open is reading, while it reads.
    reading: Option<String>,
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
            opens: 0,
            reading: None,
        }
    }

    /// Reads the given files, folders or playlist on a worker thread. The
    /// last open asked for wins, however long an earlier one takes.
    pub(crate) fn open_paths(&mut self, paths: Vec<PathBuf>) {
        self.opens += 1;
        let number = self.opens;
        self.reading = Some(reading_what(&paths));
        let (tx, wake) = (self.tx.clone(), self.wake.clone());
        let spawned = std::thread::Builder::new()
            .name("open-paths".into())
            .spawn(move || {
                let _ = tx.send(Picked::Read(number, local_files::open(&paths)));
                wake.wake();
            });
        if let Err(e) = spawned {
            tracing::error!("cannot read the files: {e}");
            self.reading = None;
        }
    }

    /// What an open under way is reading ("Reading art…"), for the status bar.
    pub(crate) fn reading(&self) -> Option<&str> {
        self.reading.as_deref()
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
        loop {
            match self.held.take().or_else(|| self.rx.try_recv().ok())? {
                Picked::Read(number, opened) if number == self.opens => {
                    self.reading = None;
                    return Some(Picked::Opened(opened));
                }
                Picked::Read(..) => tracing::info!("an open overtaken by a later one is dropped"),
                picked => return Some(picked),
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn of_two_opens_the_later_wins_whichever_is_read_first() {
        let dir = tempfile::tempdir().expect("a folder");
        let (first, later) = (dir.path().join("first.png"), dir.path().join("later.png"));
        let mut opener = Opener::new(&Wake::default(), FileDialogs::default());
        opener.open_paths(vec![first]);
        opener.open_paths(vec![later.clone()]);
        assert_eq!(opener.reading(), Some("Reading later.png…"));
        // Both reads done, then handed in as a slow disk would: the later first.
        let wait = Duration::from_secs(10);
        let mut read: Vec<Picked> = (0..2)
            .filter_map(|_| opener.rx.recv_timeout(wait).ok())
            .collect();
        read.sort_by_key(|p| match p {
            Picked::Read(number, _) => std::cmp::Reverse(*number),
            _ => std::cmp::Reverse(0),
        });
        read.into_iter()
            .for_each(|p| opener.tx.send(p).expect("sent"));
        let Some(Picked::Opened(opened)) = opener.take() else {
            panic!("the later open is played");
        };
        assert!(
            opened.problems.iter().any(|p| p.contains("later.png")),
            "{:?}",
            opened.problems
        );
        assert!(
            opener.take().is_none(),
            "the earlier open, read last, is dropped"
        );
        assert_eq!(opener.reading(), None);
    }
}
