//! The playlist editor: a creator's playlist built from what is on screen,
//! its commands carried out (new, open and save on file threads, play, copy
//! its post ids for the web), and its unsaved edits asked about at a close or
//! kept for the next start. The list itself is the pure
//! `player::playlist_edit`; the pane that draws it is `playlist_pane`.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender};

use eframe::egui;

use crate::player::playlist::{Playlist, PlaylistSource, is_network_path};
use crate::player::playlist_edit::PlaylistEdit;
use crate::player::{ArtworkSource, MakapixPost};
use crate::session::Notice;

use crate::app::file_dialog::FileDialogs;
use crate::app::playlist_files::{self, FileDone};
use crate::app::playlist_recovery::{Found, Recovery, Stamp, recovered_sentence};

use super::path_prompt::PathPrompt;
use super::unsaved_changes::{self, OnClose, Replace};
use super::wake::Wake;

/// What the pane's buttons ask for.
#[derive(Clone, Debug, PartialEq)]
pub enum PlaylistCommand {
    New,
    /// Asks for a file with a dialog (after asking about unsaved changes).
    Open,
    /// The file asked for in the window where no dialog opened.
    OpenPath(PathBuf),
    Save,
    /// Asks where with a dialog.
    SaveAs,
    SaveTo(PathBuf),
    AddCurrent,
    MoveUp(usize),
    MoveDown(usize),
    Remove(usize),
    Play,
    CopyPostIds,
    /// The unsaved changes may go: carry out what was asked.
    Discard,
    KeepEditing,
    /// A file thread (dialog, read, save) finished.
    File(FileDone),
    /// What the look for edits kept at the last close found.
    Recovery(Found),
}

/// The editor's state; `playlist_pane` draws it and edits the list, the
/// title, the selection and the path asked for.
pub(crate) struct PlaylistEditor {
    pub(super) edit: PlaylistEdit,
    open: bool,
    /// The row the keyboard acts on (Up/Down select, Alt+Up/Down move, Delete removes).
    pub(super) selected: Option<usize>,
    pub(super) confirm: Option<Replace>,
    /// The user chose to quit without saving: the next close goes through.
    quitting: bool,
    /// The system closes the window: unsaved edits are kept as it goes.
    closed_by_system: bool,
    /// Where unsaved edits are kept when the system closes the window, and
    /// whether the playlist in the editor is the one kept at the last close.
    recovery: Recovery,
    /// Playlists put in the editor so far (new or opened), and which of them
    /// the last save was of: a save that ends after another playlist came in
    /// must not give that one its path.
    edits: u64,
    saving: u64,
    /// What the dialogs picked and the workers read or wrote, all off the window thread.
    done_tx: Sender<PlaylistCommand>,
    done: Receiver<PlaylistCommand>,
    wake: Wake,
    /// Asking for a path where no dialog opened; true for Save As.
    pub(super) prompt: Option<(PathPrompt, bool)>,
    dialogs: FileDialogs,
}

/// What the editor asks of the window.
#[derive(Debug)]
pub(crate) enum EditorRequest {
    Play {
        playlist: Playlist,
        label: String,
    },
    /// A post whose artwork is on screen: a playlist needs no `get_post` for it.
    Remember(MakapixPost),
    Tell(Notice),
    CopyText(String),
    /// The user chose to quit without saving.
    Close,
}

impl PlaylistEditor {
    /// The editor; with a data folder, edits kept there at the last close
    /// come back into it.
    pub(crate) fn new(wake: &Wake, dialogs: FileDialogs, data_dir: Option<&Path>) -> Self {
        let (done_tx, done) = mpsc::channel();
        let (tx, woken) = (done_tx.clone(), wake.clone());
        let recovery = Recovery::new(data_dir, move |found| {
            let _ = tx.send(PlaylistCommand::Recovery(found));
            woken.wake();
        });
        Self {
            edit: PlaylistEdit::default(),
            open: false,
            selected: None,
            confirm: None,
            quitting: false,
            closed_by_system: false,
            recovery,
            edits: 0,
            saving: 0,
            done_tx,
            done,
            wake: wake.clone(),
            prompt: None,
            dialogs,
        }
    }

    /// The playlist in the editor.
    pub(crate) fn edit(&self) -> &PlaylistEdit {
        &self.edit
    }

    pub(crate) fn is_open(&self) -> bool {
        self.open
    }

    pub(crate) fn toggle(&mut self) {
        self.open = !self.open;
    }

    /// A close asked of the window: held while the playlist has unsaved
    /// changes, until the user says, or let go when the system asked (the
    /// changes are kept for the next start as the window goes). True when
    /// the user is asked. Called from the window's `logic`, which eframe runs
    /// even while the window is minimised or covered and not drawn.
    pub(crate) fn close_requested(&mut self, ctx: &egui::Context) -> bool {
        if !ctx.input(|i| i.viewport().close_requested()) {
            return false;
        }
        let by_system = super::system_close::asked(ctx);
        self.closed_by_system |= by_system;
        match unsaved_changes::on_close(self.edit.is_modified(), self.quitting, by_system) {
            OnClose::Close => false,
            OnClose::Ask => {
                ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
                self.open = true;
                self.confirm = Some(Replace::Quit);
                true
            }
            // Kept now, should the process die before the window goes (the
            // X server gone at logout, a panic while drawing); and kept
            // again as it goes (`flush_at_quit`), with the keys this pass's
            // fields have still to take.
            OnClose::KeepAndClose => {
                self.recovery.keep(&self.edit);
                false
            }
        }
    }

    /// What the dialogs and workers finished.
    pub(crate) fn take_done(&mut self) -> Vec<PlaylistCommand> {
        self.done.try_iter().collect()
    }

    /// The window is closing, after its last pass: when the system closed
    /// it, the unsaved edits are kept again, those of that pass too (the
    /// newer keep replaces the one made as the close was taken); waits for
    /// them to be written (a few seconds at most, a budget of their own).
    pub(crate) fn flush_at_quit(&mut self) {
        self.keep_at_quit();
        self.recovery.flush_at_quit();
    }

    /// As `flush_at_quit`, waiting for the write until `deadline`: tests
    /// read the file next, and a loaded disk's fsync can outlast the quit's
    /// few seconds.
    #[cfg(test)]
    pub(crate) fn flush_by(&mut self, deadline: std::time::Instant) {
        self.keep_at_quit();
        self.recovery.flush_by(deadline);
    }

    fn keep_at_quit(&mut self) {
        let modified = self.edit.is_modified();
        if self.closed_by_system
            && unsaved_changes::on_close(modified, self.quitting, true) == OnClose::KeepAndClose
        {
            self.recovery.keep(&self.edit);
        }
    }

    /// Edits kept at the last close, back in the editor; unless the user
    /// began other edits meanwhile, which stay (the file stays too).
    fn recover(&mut self, found: Found) -> EditorRequest {
        let (edits, changed) = match found {
            Found::Recovered { edits, changed } => (edits, changed),
            Found::Damaged(said) => return tell(said, true),
        };
        if self.edit.is_modified() {
            let kept = (self.recovery.kept_file()).map(|k| k.display().to_string());
            return tell(
                format!(
                    "Unsaved playlist changes from when the player was last closed by the system are kept in {}: open that file to get them back.",
                    kept.unwrap_or_default()
                ),
                true,
            );
        }
        let stamp = edits.stamp;
        self.replace(edits.into_edit());
        self.recovery.recovered(stamp);
        self.open = true;
        let heading = self.edit.heading();
        let said = recovered_sentence(
            heading.trim_end_matches(" *"),
            self.edit.path(),
            changed.as_deref(),
        );
        match self.edit.dwell_problem() {
            Some(problem) => tell(
                format!("{said} A dwell typed then needs fixing: {problem}"),
                false,
            ),
            None => tell(said, false),
        }
    }

    /// Carries out a command. `on_screen`: the artwork on screen, and whether it showed.
    pub(crate) fn on_command(
        &mut self,
        command: PlaylistCommand,
        on_screen: Option<(&ArtworkSource, bool)>,
    ) -> Vec<EditorRequest> {
        let mut out = Vec::new();
        let modified = self.edit.is_modified();
        match command {
            PlaylistCommand::New if modified => self.confirm = Some(Replace::New),
            PlaylistCommand::New => self.replace(PlaylistEdit::default()),
            PlaylistCommand::Open if modified => self.confirm = Some(Replace::OpenDialog),
            PlaylistCommand::Open => self.dialog(false),
            // Unsaved changes were asked about before Open… asked for a file.
            PlaylistCommand::OpenPath(path) => self.read(path),
            PlaylistCommand::Discard => match self.confirm.take() {
                Some(Replace::New) => self.replace(PlaylistEdit::default()),
                Some(Replace::OpenDialog) => self.dialog(false),
                Some(Replace::Quit) => {
                    self.recovery.forget();
                    self.quitting = true;
                    out.push(EditorRequest::Close);
                }
                None => {}
            },
            PlaylistCommand::KeepEditing => self.confirm = None,
            PlaylistCommand::Save => match self.edit.path() {
                Some(path) => {
                    let path = path.to_path_buf();
                    self.save_to(path);
                }
                None => self.dialog(true),
            },
            PlaylistCommand::SaveAs => self.dialog(true),
            PlaylistCommand::SaveTo(path) => self.save_to(path),
            PlaylistCommand::File(FileDone::OpenPicked(path)) => self.read(path),
            PlaylistCommand::File(FileDone::SavePicked(path)) => self.save_to(path),
            PlaylistCommand::File(FileDone::NoDialog { suggested, save }) => {
                self.ask_for_path(&suggested, save);
            }
            PlaylistCommand::File(FileDone::Loaded {
                path,
                result,
                stamp,
            }) => match result {
                Ok(playlist) => {
                    self.opened(playlist, path, stamp);
                    self.open = true;
                }
                Err(problem) => out.push(tell(problem, true)),
            },
            PlaylistCommand::File(FileDone::Saved {
                path,
                result,
                written,
                stamp,
            }) => out.push(self.saved(path, result, &written, stamp)),
            PlaylistCommand::AddCurrent => self.add_current(on_screen, &mut out),
            PlaylistCommand::MoveUp(i) => self.edit.move_up(i),
            PlaylistCommand::MoveDown(i) => self.edit.move_down(i),
            PlaylistCommand::Remove(i) => self.edit.remove(i),
            PlaylistCommand::Play => out.extend(self.play()),
            PlaylistCommand::CopyPostIds => out.extend(self.copy_post_ids()),
            PlaylistCommand::Recovery(found) => out.push(self.recover(found)),
        }
        out
    }

    /// A save ended: `written` went to `path`, which was then as `stamp` says.
    fn saved(
        &mut self,
        path: PathBuf,
        result: Result<(), String>,
        written: &Playlist,
        stamp: Option<Stamp>,
    ) -> EditorRequest {
        if let Err(e) = result {
            return tell(
                format!(
                    "The playlist could not be saved to {}: {e}. It is still open in the editor.",
                    path.display()
                ),
                true,
            );
        }
        if self.saving == self.edits {
            self.edit.saved_as(path.clone(), written);
            self.recovery.stamped(stamp);
            // Edits made since the save began are unsaved still: a
            // recovered playlist's kept file stays until they are saved too.
            if !self.edit.is_modified() {
                self.recovery.forget();
            }
        }
        tell(format!("Playlist saved to {}.", path.display()), false)
    }

    fn read(&self, path: PathBuf) {
        playlist_files::read(path, self.report());
    }

    fn save_to(&mut self, path: PathBuf) {
        self.saving = self.edits;
        playlist_files::save(path, self.edit.playlist().clone(), self.report());
    }

    /// A playlist read from `path`. The edits kept at the last close, opened
    /// by hand (the editor held others when they were found), are recovered
    /// ones: unsaved, Save asking where rather than writing over the file
    /// kept, and that file removed once they are saved, discarded or replaced.
    fn opened(&mut self, playlist: Playlist, path: PathBuf, stamp: Option<Stamp>) {
        if self.recovery.kept_file() == Some(path.as_path()) {
            self.replace(PlaylistEdit::recovered(playlist, None));
            self.recovery.recovered(None);
        } else {
            self.replace(PlaylistEdit::opened(playlist, path));
            self.recovery.stamped(stamp);
        }
    }

    fn replace(&mut self, edit: PlaylistEdit) {
        self.recovery.forget();
        self.recovery.stamped(None);
        self.edits += 1;
        self.edit = edit;
    }

    fn dialog(&self, save: bool) {
        let name = save.then(|| playlist_files::file_stem(&self.edit));
        playlist_files::dialog(&self.dialogs, name, self.report());
    }

    /// No dialog could open: the window asks for the path, from `suggested`.
    fn ask_for_path(&mut self, suggested: &Path, save: bool) {
        tracing::info!("no file dialog could open: the window asks for the playlist's path");
        let prompt = if save {
            PathPrompt::new(
                "Save playlist",
                "Type where to save:",
                "Save to this file",
                suggested,
            )
        } else {
            PathPrompt::new(
                "Open playlist",
                "Type the playlist's path:",
                "Open this file",
                suggested,
            )
        };
        self.prompt = Some((prompt, save));
    }

    /// Where a file thread reports: back to this editor, waking the window.
    fn report(&self) -> playlist_files::Done {
        let (tx, wake) = (self.done_tx.clone(), self.wake.clone());
        Box::new(move |done| {
            let _ = tx.send(PlaylistCommand::File(done));
            wake.wake();
        })
    }

    fn add_current(
        &mut self,
        on_screen: Option<(&ArtworkSource, bool)>,
        out: &mut Vec<EditorRequest>,
    ) {
        match self.edit.add(on_screen.map(|(s, _)| s)) {
            // A post whose artwork came in needs no `get_post` when the playlist
            // plays in this session; one that failed is asked about again.
            Ok(()) => {
                if let Some((ArtworkSource::Makapix(post), true)) = on_screen {
                    out.push(EditorRequest::Remember(post.clone()));
                }
            }
            Err(why) => out.push(tell(format!("Not added to the playlist: {why}"), true)),
        }
    }

    fn play(&self) -> Vec<EditorRequest> {
        if self.edit.is_empty() {
            return vec![tell(
                "The playlist is empty: add artworks to it first.".into(),
                true,
            )];
        }
        let mut playlist = self.edit.playlist().clone();
        // An opened playlist can come from anyone: a network share in it would
        // be handed the user's Windows sign-in, as File › Open never allows.
        let before = playlist.items.len();
        playlist.items.retain(
            |i| !matches!(&i.source, PlaylistSource::File { file } if is_network_path(file)),
        );
        let mut out = Vec::new();
        let left = before - playlist.items.len();
        if left > 0 {
            out.push(tell(format!("{left} item(s) on a network share are left out: a playlist may only name files on this computer."), true));
        }
        if !playlist.items.is_empty() {
            out.push(EditorRequest::Play {
                playlist,
                label: self.edit.heading().trim_end_matches(" *").to_owned(),
            });
        }
        out
    }

    fn copy_post_ids(&self) -> Vec<EditorRequest> {
        let ids = self.edit.post_ids();
        if ids.is_empty() {
            return vec![tell(
                "This playlist has no Makapix posts whose ids could be copied.".into(),
                true,
            )];
        }
        vec![
            EditorRequest::CopyText(ids.clone()),
            tell(
                format!("Copied the post ids {ids}: paste them into a playlist on makapix.club."),
                false,
            ),
        ]
    }
}

fn tell(text: String, is_error: bool) -> EditorRequest {
    if is_error {
        tracing::warn!("{text}");
    } else {
        tracing::info!("{text}");
    }
    EditorRequest::Tell(Notice { text, is_error })
}

#[cfg(test)]
#[path = "playlist_editor_tests.rs"]
pub(super) mod tests;

#[cfg(test)]
#[path = "playlist_editor_recovery_tests.rs"]
mod recovery_tests;
