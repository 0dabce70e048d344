//! Unsaved playlist edits kept across a close nobody could answer. When a quit
//! signal (a session ending, a terminal closing) closes the window while the
//! playlist editor holds unsaved changes, the editor's "Discard them?" would
//! wait for a user who is gone, and the process is killed seconds later. The
//! edits are written instead to a file in the player's data folder, and the
//! next start puts them back in the editor. The file is the playlist as Save
//! writes it (so it also opens with File › Open), with the path of the file
//! it was edited from.
//!
//! Every read and write runs off the window thread: the writes on one thread
//! in order (the newest wish wins), the look at start on one of its own.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::player::playlist::{Playlist, is_network_path};
use crate::player::playlist_edit::{PlaylistEdit, dwell_text as shown_dwell};
use crate::storage::background_writer::BackgroundWriter;

use super::local_files::{PLAYLIST_EXTENSION, TextNotRead, playlist_text};

/// The file in the data folder.
pub const FILE_NAME: &str = "unsaved-playlist.makapix-playlist";
/// The saved playlist's field naming the file the edits were made to.
const ORIGINAL: &str = "recovered_from";
/// How that file was when the editor opened or last saved it: its length in
/// bytes, and when it was last modified (nanoseconds since 1970).
const ORIGINAL_LENGTH: &str = "recovered_from_length";
const ORIGINAL_MODIFIED: &str = "recovered_from_modified_ns";
/// The dwell fields whose text is not the dwell kept (text that is not yet a
/// number of seconds, say): `[{"item": 2, "text": "7 min"}]`, items counted
/// from 1. A side note the playlist format ignores, as it does the fields above.
const DWELL_TEXTS: &str = "recovered_dwell_texts";
/// No dwell typed is longer: "2 minutes 30 seconds" fits.
const MAX_DWELL_TEXT: usize = 24;
/// The words a dwell may be typed with, in any case.
const DWELL_UNITS: &[&str] = &[
    "ms", "s", "sec", "secs", "second", "seconds", "m", "min", "mins", "minute", "minutes", "h",
    "hr", "hrs", "hour", "hours",
];

/// A playlist kept at the last close, and the file it was edited from.
#[derive(Clone, Debug, PartialEq)]
pub struct Recovered {
    pub playlist: Playlist,
    pub original: Option<PathBuf>,
    /// How `original` was when the editor opened it or last saved it: a
    /// change made since, by another program, is one Save must not write
    /// over unasked.
    pub stamp: Option<Stamp>,
    /// Dwell fields as typed, by item (from 0), where that is not the dwell
    /// in `playlist`: not yet a number of seconds, or one written another way.
    pub dwell_texts: Vec<(usize, String)>,
}

impl Recovered {
    /// The edits in the editor: `edit`, made to the file `stamp` tells of.
    pub fn of(edit: &PlaylistEdit, stamp: Option<Stamp>) -> Self {
        let items = &edit.playlist().items;
        let dwell_texts = (0..items.len())
            .filter(|&i| edit.dwell_text(i) != shown_dwell(&items[i]))
            .map(|i| (i, edit.dwell_text(i).to_owned()))
            // The file is plain text: a key or token pasted by mistake must not reach it.
            .filter(|(_, text)| typed_as_dwell(text))
            .collect();
        Self {
            playlist: edit.playlist().clone(),
            original: edit.path().map(Path::to_path_buf),
            stamp,
            dwell_texts,
        }
    }

    /// The edits back in the editor: unsaved, each dwell field as it was typed.
    pub fn into_edit(self) -> PlaylistEdit {
        let mut edit = PlaylistEdit::recovered(self.playlist, self.original);
        for (i, text) in &self.dwell_texts {
            // Text that is no dwell stays in its field, the problem said under the list.
            let _ = edit.set_dwell_text(*i, text);
        }
        edit
    }
}

/// Whether `text` reads as a dwell typed in: short, and only digits, spaces,
/// `:` `.` `,` and unit words. A list of what is allowed, not of what is
/// refused: a player key, an API token or a key's PEM pasted into the field
/// by mistake is none of it, nor is any secret no list foresaw. Losing a
/// note is fine (it only brings back text that is not yet a dwell).
fn typed_as_dwell(text: &str) -> bool {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, ' ' | ':' | '.' | ',');
    let unit = |word: &str| DWELL_UNITS.iter().any(|u| u.eq_ignore_ascii_case(word));
    text.chars().count() <= MAX_DWELL_TEXT
        && text.chars().all(allowed)
        && (text.split(|c: char| !c.is_ascii_alphabetic())).all(|w| w.is_empty() || unit(w))
}

/// The dwell texts noted in a recovery file's `value`, for `count` items;
/// a note out of place is left out (the edits matter more than one field).
fn dwell_texts(value: &serde_json::Value, count: usize) -> Vec<(usize, String)> {
    let notes = value[DWELL_TEXTS].as_array().map_or(&[][..], Vec::as_slice);
    let texts: Vec<_> = notes
        .iter()
        .filter_map(|note| {
            let item = usize::try_from(note["item"].as_u64()?).ok()?;
            let text = note["text"].as_str()?;
            let fits = (1..=count).contains(&item) && typed_as_dwell(text);
            fits.then(|| (item - 1, text.to_owned()))
        })
        .collect();
    if texts.len() < notes.len() {
        tracing::warn!(
            "{} of the dwell fields kept as typed name no item or are no dwell: they are left out",
            notes.len() - texts.len()
        );
    }
    texts
}

/// How a file was: its length and modification time. One that differs
/// from it since is a file someone changed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stamp {
    length: u64,
    modified_ns: u64,
}

/// What the look at start found.
#[derive(Clone, Debug, PartialEq)]
pub enum Found {
    Recovered {
        edits: Recovered,
        /// The file the edits were made to, when it changed after they were
        /// kept: Save would write over those changes, so it asks where
        /// (`edits.original` is `None` then).
        changed: Option<PathBuf>,
    },
    /// The file could not be read: the sentence says why and where it went.
    Damaged(String),
}

/// The recovery file's text: the playlist as Save writes it to `folder`
/// (where the file lives), with the file it was edited from and how that
/// file was when opened or saved.
pub fn to_text(recovered: &Recovered, folder: &Path) -> Result<String, String> {
    let text = recovered.playlist.to_json(folder)?;
    let mut value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("it could not be written out ({e})"))?;
    if let (false, Some(fields)) = (recovered.dwell_texts.is_empty(), value.as_object_mut()) {
        let notes = (recovered.dwell_texts.iter())
            .map(|(i, text)| serde_json::json!({ "item": i + 1, "text": text }))
            .collect();
        fields.insert(DWELL_TEXTS.into(), serde_json::Value::Array(notes));
    }
    if let (Some(original), Some(fields)) = (&recovered.original, value.as_object_mut()) {
        match original.to_str() {
            Some(original) => {
                fields.insert(ORIGINAL.into(), original.into());
                if let Some(Stamp {
                    length,
                    modified_ns,
                }) = recovered.stamp
                {
                    fields.insert(ORIGINAL_LENGTH.into(), length.into());
                    fields.insert(ORIGINAL_MODIFIED.into(), modified_ns.into());
                }
            }
            // The edits matter more than where they were going: Save asks where.
            None => tracing::warn!(
                "the playlist's file name is not Unicode; its recovered edits will be saved where the user says"
            ),
        }
    }
    serde_json::to_string_pretty(&value).map_err(|e| format!("it could not be written out ({e})"))
}

/// A recovery file's text read back, relative paths taken from `folder`.
pub fn from_text(text: &str, folder: &Path) -> Result<Recovered, String> {
    let playlist = Playlist::from_json(text, folder).map_err(|e| e.to_string())?;
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let original = match value.get(ORIGINAL) {
        None => None,
        Some(serde_json::Value::String(path)) if !path.is_empty() => {
            fit_original(PathBuf::from(path), folder)
        }
        Some(_) => return Err(format!("its \"{ORIGINAL}\" is not a file path")),
    };
    let stamp = match (
        value[ORIGINAL_LENGTH].as_u64(),
        value[ORIGINAL_MODIFIED].as_u64(),
    ) {
        (Some(length), Some(modified_ns)) => Some(Stamp {
            length,
            modified_ns,
        }),
        _ => None,
    };
    let stamp = original.is_some().then_some(stamp).flatten();
    let dwell_texts = dwell_texts(&value, playlist.items.len());
    Ok(Recovered {
        playlist,
        original,
        stamp,
        dwell_texts,
    })
}

impl Stamp {
    /// How `path` is now; `None` when it cannot be looked at (gone, say).
    /// Taken on a file thread, before a playlist is read or after it is written.
    pub fn of(path: &Path) -> Option<Stamp> {
        let meta = std::fs::metadata(path).ok()?;
        let since = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH);
        Some(Stamp {
            length: meta.len(),
            modified_ns: u64::try_from(since.ok()?.as_nanos()).ok()?,
        })
    }
}

/// The edits read back, and the file they were made to given up when it
/// is not as it was when the editor opened or last saved it.
fn checked(mut edits: Recovered) -> Found {
    let changed = (edits.original.as_deref())
        .filter(|original| Stamp::of(original) != edits.stamp)
        .map(Path::to_path_buf);
    if let Some(original) = &changed {
        tracing::warn!(
            "{} changed after the editor opened or saved it, before its unsaved changes were recovered: Save will ask where to write them",
            original.display()
        );
        edits.original = None;
        edits.stamp = None;
    }
    Found::Recovered { edits, changed }
}

/// The file the edits were made to, if Save may write there without
/// asking: the recovery file sits where any program the user runs can write,
/// so it may name any file. Only an absolute path to a playlist on this
/// computer is taken, and never the recovery file itself (which goes once
/// saved).
fn fit_original(path: PathBuf, folder: &Path) -> Option<PathBuf> {
    let playlist = (path.extension()).is_some_and(|e| e.eq_ignore_ascii_case(PLAYLIST_EXTENSION));
    if path.is_absolute() && playlist && !is_network_path(&path) && path != folder.join(FILE_NAME) {
        return Some(path);
    }
    tracing::warn!(
        "the recovered playlist changes name {} as the file they were made to, which is not a playlist on this computer: Save will ask where to write them",
        path.display()
    );
    None
}

/// What the user is told of edits recovered into the editor, titled
/// `title`; `original`: where Save writes them (`None`: Save asks where);
/// `changed`: the file they were made to, changed since the editor opened or saved it.
pub fn recovered_sentence(title: &str, original: Option<&Path>, changed: Option<&Path>) -> String {
    let save = match (original, changed) {
        (Some(path), _) => format!("Save writes them to {}", path.display()),
        (None, Some(path)) => format!(
            "{} changed since it was opened or saved here, so Save asks where to write them rather than write over that",
            path.display()
        ),
        (None, None) => "Save asks where to write them".to_owned(),
    };
    format!(
        "Recovered the unsaved changes to “{title}” from when the player was last closed by the system. {save}; or discard them."
    )
}

/// How long keeping the edits may take at quit. Not the 600 ms the settings'
/// writes share (`WRITES_AT_QUIT`): settings can be set again, these edits
/// cannot be made again; and they are written only at a close the system
/// asked for, where the process has seconds before it is killed. With
/// nothing to write, the wait ends at once.
pub const WRITE_AT_QUIT: Duration = Duration::from_secs(3);

/// What the writer thread is asked.
enum Job {
    Keep(Recovered),
    Forget,
}

/// The recovery file of one data folder, written and removed off the window thread.
pub struct Keeper {
    path: PathBuf,
    writer: BackgroundWriter<Job>,
}

impl Keeper {
    /// The recovery file in `data_dir`.
    pub fn new(data_dir: &Path) -> Self {
        let path = data_dir.join(FILE_NAME);
        let file = path.clone();
        let writer = BackgroundWriter::spawn("playlist-recovery", move |job| match job {
            Job::Keep(recovered) => keep(&file, &recovered),
            Job::Forget => forget(&file),
        });
        Self { path, writer }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `recovered` for the next start.
    pub fn keep(&self, recovered: Recovered) {
        self.writer.send(Job::Keep(recovered));
    }

    /// Removes the file: its edits were saved, discarded or replaced.
    pub fn forget(&self) {
        self.writer.send(Job::Forget);
    }

    /// Waits for the last write (the window is closing), until `deadline` at most.
    pub fn flush_by(&mut self, deadline: Instant) {
        self.writer.flush_by(deadline);
    }

    /// Waits for the last write as the window closes, `WRITE_AT_QUIT` at most.
    pub fn flush_at_quit(&mut self) {
        self.flush_by(Instant::now() + WRITE_AT_QUIT);
    }

    /// Looks for a file kept at the last close, on a thread of its own;
    /// `done` hears what was found (nothing, when there is no file).
    pub fn look(&self, done: impl FnOnce(Found) + Send + 'static) {
        let path = self.path.clone();
        let spawned = std::thread::Builder::new()
            .name("playlist-recovery-look".into())
            .spawn(move || {
                if let Some(found) = look(&path) {
                    done(found);
                }
            });
        if let Err(e) = spawned {
            tracing::error!("cannot look for unsaved playlist changes kept at the last close: {e}");
        }
    }
}

/// The playlist editor's side of the kept edits: where they go when the
/// system closes the window, and whether the playlist in the editor is the
/// one kept, at the last close or this one (its file goes once it is saved,
/// discarded or replaced, never before).
pub struct Recovery {
    /// None without a data folder.
    keeper: Option<Keeper>,
    recovered: bool,
    /// How the file in the editor was when opened or last saved.
    stamp: Option<Stamp>,
}

impl Recovery {
    /// Kept edits in `data_dir`, if any; `found` hears what the look for
    /// those of the last close found, on a thread of its own.
    pub fn new(data_dir: Option<&Path>, found: impl FnOnce(Found) + Send + 'static) -> Self {
        let keeper = data_dir.map(Keeper::new);
        if let Some(keeper) = &keeper {
            keeper.look(found);
        }
        Self {
            keeper,
            recovered: false,
            stamp: None,
        }
    }

    /// The file the edits are kept in.
    pub fn kept_file(&self) -> Option<&Path> {
        self.keeper.as_ref().map(Keeper::path)
    }

    /// Whether the playlist in the editor is the one kept, at the last
    /// close or this one.
    pub fn is_recovered(&self) -> bool {
        self.recovered
    }

    /// The playlist now in the editor is the one kept at the last close;
    /// `stamp`: how the file it was made to was when opened or saved.
    pub fn recovered(&mut self, stamp: Option<Stamp>) {
        self.recovered = true;
        self.stamp = stamp;
    }

    /// The file in the editor was like this when it was opened or saved
    /// (`None`: no file, or one that could not be looked at).
    pub fn stamped(&mut self, stamp: Option<Stamp>) {
        self.stamp = stamp;
    }

    /// The kept edits' file goes: they were saved, discarded or replaced.
    pub fn forget(&mut self) {
        if std::mem::take(&mut self.recovered)
            && let Some(keeper) = &self.keeper
        {
            keeper.forget();
        }
    }

    /// Keeps `edit`'s playlist for the next start: the system closes the
    /// window. Its file goes too if the edits are saved or let go before
    /// the window is gone (a save ending in the closing pass, say).
    pub fn keep(&mut self, edit: &PlaylistEdit) {
        let recovered = Recovered::of(edit, self.stamp);
        match &self.keeper {
            Some(keeper) => {
                tracing::info!("closed by the system with unsaved playlist changes: keeping them");
                self.recovered = true;
                keeper.keep(recovered);
            }
            None => tracing::error!(
                "closed by the system with unsaved playlist changes, which are lost: the player has no data folder to keep them in"
            ),
        }
    }

    /// Waits for the edits being kept as the window closes (a few seconds
    /// at most, a budget of their own).
    pub fn flush_at_quit(&mut self) {
        if let Some(keeper) = &mut self.keeper {
            keeper.flush_at_quit();
        }
    }

    /// Waits for the edits being kept until `deadline`: tests read the file
    /// next, and a loaded disk's fsync can outlast `WRITE_AT_QUIT`.
    #[cfg(test)]
    pub(crate) fn flush_by(&mut self, deadline: Instant) {
        if let Some(keeper) = &mut self.keeper {
            keeper.flush_by(deadline);
        }
    }
}

/// Writes the file whole (a temporary file renamed over it) or says why not.
fn write(path: &Path, recovered: &Recovered) -> Result<(), String> {
    let folder = path.parent().unwrap_or(Path::new("."));
    let text = to_text(recovered, folder)?;
    crate::storage::atomic_file::write(path, text.as_bytes()).map_err(|e| e.to_string())
}

fn keep(path: &Path, recovered: &Recovered) {
    match write(path, recovered) {
        Ok(()) => tracing::info!(
            "the unsaved playlist changes were kept for the next start in {}",
            path.display()
        ),
        Err(e) => tracing::error!(
            "the unsaved playlist changes could not be kept in {}: {e}; they are lost",
            path.display()
        ),
    }
}

fn forget(path: &Path) {
    match std::fs::remove_file(path) {
        Ok(()) => tracing::info!("removed the recovered playlist changes' file"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => tracing::warn!(
            "the recovered playlist changes' file {} could not be removed: {e}; delete it by hand",
            path.display()
        ),
    }
}

/// What `path` holds, if anything; a file that cannot be read is moved aside.
fn look(path: &Path) -> Option<Found> {
    let problem = match read(path) {
        Ok(None) => return None,
        Ok(Some(text)) => match from_text(&text, path.parent().unwrap_or(Path::new("."))) {
            Ok(edits) => return Some(checked(edits)),
            Err(problem) => problem,
        },
        Err(problem) => problem,
    };
    let kept = crate::storage::paths::bad_path(path);
    let said = match std::fs::rename(path, &kept) {
        Ok(()) => format!(
            "The unsaved playlist changes kept when the player was last closed by the system could not be read ({problem}). The file was moved to {}.",
            kept.display()
        ),
        Err(e) => format!(
            "The unsaved playlist changes kept when the player was last closed by the system could not be read ({problem}), nor moved aside ({e}). Delete {} to stop this message.",
            path.display()
        ),
    };
    tracing::warn!("{said}");
    Some(Found::Damaged(said))
}

/// The file's text; `None` when there is none. Only a regular file within a
/// playlist's size is read (a FIFO put there would block the read for ever).
fn read(path: &Path) -> Result<Option<String>, String> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("it cannot be looked at: {e}")),
    };
    if !meta.is_file() {
        return Err("it is not a regular file".into());
    }
    let text = playlist_text(path).map_err(|e| match e {
        TextNotRead::TooLarge => "it is too large to be a playlist".to_owned(),
        TextNotRead::Io(e) => format!("it cannot be read: {e}"),
    })?;
    Ok(Some(text))
}

#[cfg(test)]
#[path = "playlist_recovery_tests.rs"]
mod tests;
