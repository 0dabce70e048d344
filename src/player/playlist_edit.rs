//! The playlist being edited in the window: its items, where it is saved and
//! whether it has changed since. Pure: the editor pane draws it and the window
//! reads and writes the file.

use std::path::{Path, PathBuf};

use super::playlist::{Playlist, PlaylistItem, PlaylistSource};
use super::source::ArtworkSource;

/// Why the artwork on screen cannot be added.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NotAddable {
    #[error(
        "Sample art is built into the player and is neither a file nor a Makapix post; open a file or show a Makapix post to add it."
    )]
    Sample,
    #[error("Nothing is on screen to add.")]
    Nothing,
    #[error(
        "The playlist already has {} items, the most it can hold.",
        super::playlist::MAX_ITEMS
    )]
    Full,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlaylistEdit {
    playlist: Playlist,
    /// Where it was last saved or opened from.
    path: Option<PathBuf>,
    modified: bool,
    /// Each item's dwell field as typed (seconds), kept while it does not parse.
    dwell_texts: Vec<String>,
}

impl PlaylistEdit {
    /// A playlist opened from `path`: unmodified.
    pub fn opened(playlist: Playlist, path: PathBuf) -> Self {
        let dwell_texts = playlist.items.iter().map(dwell_text).collect();
        Self {
            playlist,
            path: Some(path),
            modified: false,
            dwell_texts,
        }
    }

    /// Edits kept at a close nobody could answer, back for the next start:
    /// unsaved, going to `path` (the file they were made to) when saved.
    pub fn recovered(playlist: Playlist, path: Option<PathBuf>) -> Self {
        Self {
            path,
            modified: true,
            ..Self::opened(playlist, PathBuf::new())
        }
    }

    pub fn playlist(&self) -> &Playlist {
        &self.playlist
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    pub fn is_modified(&self) -> bool {
        self.modified
    }

    pub fn is_empty(&self) -> bool {
        self.playlist.items.is_empty()
    }

    /// The title as the pane heading shows it: a `*` marks unsaved changes.
    pub fn heading(&self) -> String {
        let title = match self.playlist.title.trim() {
            "" => self
                .path
                .as_ref()
                .and_then(|p| p.file_stem())
                .map_or_else(|| "Untitled".to_owned(), |s| s.to_string_lossy().into()),
            title => title.to_owned(),
        };
        if self.modified {
            format!("{title} *")
        } else {
            title
        }
    }

    pub(crate) fn set_title(&mut self, title: &str) {
        if self.playlist.title != title {
            self.playlist.title = title.to_owned();
            self.modified = true;
        }
    }

    /// Adds the artwork on screen at the end: a Makapix post by its id, a local
    /// file by its full path.
    pub fn add(&mut self, on_screen: Option<&ArtworkSource>) -> Result<(), NotAddable> {
        let source = match on_screen {
            None => return Err(NotAddable::Nothing),
            Some(ArtworkSource::Embedded(_)) => return Err(NotAddable::Sample),
            Some(ArtworkSource::Makapix(post)) => PlaylistSource::Post {
                post_id: post.post_id,
            },
            Some(ArtworkSource::File(file)) => PlaylistSource::File { file: file.clone() },
        };
        if self.playlist.items.len() >= super::playlist::MAX_ITEMS {
            return Err(NotAddable::Full);
        }
        self.playlist.items.push(PlaylistItem {
            source,
            dwell_ms: None,
        });
        self.dwell_texts.push(String::new());
        self.modified = true;
        Ok(())
    }

    pub(crate) fn move_up(&mut self, index: usize) {
        if index > 0 && index < self.playlist.items.len() {
            self.swap(index - 1, index);
        }
    }

    pub(crate) fn move_down(&mut self, index: usize) {
        if index + 1 < self.playlist.items.len() {
            self.swap(index, index + 1);
        }
    }

    fn swap(&mut self, a: usize, b: usize) {
        self.playlist.items.swap(a, b);
        self.dwell_texts.swap(a, b);
        self.modified = true;
    }

    pub fn remove(&mut self, index: usize) {
        if index < self.playlist.items.len() {
            self.playlist.items.remove(index);
            self.dwell_texts.remove(index);
            self.modified = true;
        }
    }

    pub(crate) fn dwell_text(&self, index: usize) -> &str {
        self.dwell_texts.get(index).map_or("", String::as_str)
    }

    /// Takes an item's dwell field as typed, in seconds: empty is the default
    /// dwell. Text that is not a dwell stays in the field and the item keeps
    /// its last good dwell; the error says why. That text is an unsaved
    /// edit all the same: the user typed it, and a close must not lose it
    /// unasked.
    pub(crate) fn set_dwell_text(&mut self, index: usize, text: &str) -> Result<(), String> {
        let (Some(item), Some(typed)) = (
            self.playlist.items.get_mut(index),
            self.dwell_texts.get_mut(index),
        ) else {
            return Ok(());
        };
        let retyped = *typed != text;
        *typed = text.to_owned();
        let dwell_ms = parse_dwell(text).inspect_err(|_| self.modified |= retyped)?;
        if item.dwell_ms != dwell_ms {
            item.dwell_ms = dwell_ms;
            self.modified = true;
        }
        Ok(())
    }

    /// The first dwell field that does not parse, as a sentence.
    pub(crate) fn dwell_problem(&self) -> Option<String> {
        self.dwell_texts
            .iter()
            .enumerate()
            .find_map(|(i, t)| parse_dwell(t).err().map(|e| format!("Item {}: {e}", i + 1)))
    }

    /// `written` was saved to `path`: no longer modified, unless it was
    /// edited since `written` was taken (the save runs off the window
    /// thread), or a dwell field holds text that is not a dwell (the file
    /// has the last good dwell, not what was typed).
    pub(crate) fn saved_as(&mut self, path: PathBuf, written: &Playlist) {
        self.path = Some(path);
        if self.playlist == *written && self.dwell_problem().is_none() {
            self.modified = false;
        }
    }

    /// The Makapix post ids in order, comma-separated, for the web's playlist form.
    pub(crate) fn post_ids(&self) -> String {
        self.playlist
            .items
            .iter()
            .filter_map(|i| match i.source {
                PlaylistSource::Post { post_id } => Some(post_id.to_string()),
                PlaylistSource::File { .. } => None,
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A playlist item's name in the editor: the post id or the file's name.
pub fn item_label(item: &PlaylistItem) -> String {
    match &item.source {
        PlaylistSource::Post { post_id } => format!("Post {post_id}"),
        PlaylistSource::File { file } => ArtworkSource::File(file.clone()).display_name(),
    }
}

/// What an item's dwell field shows when its playlist is opened.
pub(crate) fn dwell_text(item: &PlaylistItem) -> String {
    item.dwell_ms.map_or_else(String::new, |ms| {
        let secs = ms as f64 / 1000.0;
        format!("{secs}")
    })
}

/// Seconds as typed (`"5"`, `"2.5"`, `""`) to milliseconds.
fn parse_dwell(text: &str) -> Result<Option<u64>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let secs: f64 = text
        .replace(',', ".")
        .parse()
        .map_err(|_| format!("\"{text}\" is not a number of seconds."))?;
    if !(1.0..=86_400.0).contains(&secs) {
        return Err("use between 1 second and 24 hours.".to_owned());
    }
    Ok(Some((secs * 1000.0).round() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::player::MakapixPost;

    fn post(post_id: i64) -> ArtworkSource {
        ArtworkSource::Makapix(MakapixPost::for_test(post_id))
    }

    fn labels(edit: &PlaylistEdit) -> Vec<String> {
        edit.playlist().items.iter().map(item_label).collect()
    }

    #[test]
    fn posts_and_files_are_added_and_samples_are_refused_with_a_reason() {
        let mut edit = PlaylistEdit::default();
        assert!(!edit.is_modified());
        edit.add(Some(&post(41))).unwrap();
        edit.add(Some(&ArtworkSource::File("/art/frog.gif".into())))
            .unwrap();
        let err = edit
            .add(Some(&ArtworkSource::Embedded("sun-64.png")))
            .unwrap_err();
        assert!(err.to_string().contains("built into the player"), "{err}");
        assert_eq!(edit.add(None), Err(NotAddable::Nothing));
        assert_eq!(labels(&edit), ["Post 41", "frog.gif"]);
        assert!(edit.is_modified());
        assert_eq!(edit.heading(), "Untitled *");
    }

    #[test]
    fn items_move_and_go_with_their_dwell_fields() {
        let mut edit = PlaylistEdit::default();
        for id in [1, 2, 3] {
            edit.add(Some(&post(id))).unwrap();
        }
        edit.set_dwell_text(0, "5").unwrap();
        edit.move_down(0);
        edit.move_down(2); // the last cannot go further down
        edit.move_up(0); // nor the first further up
        assert_eq!(labels(&edit), ["Post 2", "Post 1", "Post 3"]);
        assert_eq!(edit.dwell_text(1), "5");
        assert_eq!(edit.playlist().items[1].dwell_ms, Some(5_000));
        edit.move_up(2);
        assert_eq!(labels(&edit), ["Post 2", "Post 3", "Post 1"]);
        edit.remove(0);
        edit.remove(9);
        assert_eq!(labels(&edit), ["Post 3", "Post 1"]);
        assert_eq!(edit.dwell_text(1), "5");
        assert_eq!(edit.post_ids(), "3, 1");
    }

    #[test]
    fn dwell_fields_take_seconds_and_keep_bad_text_without_losing_the_dwell() {
        let mut edit = PlaylistEdit::default();
        edit.add(Some(&post(1))).unwrap();
        edit.set_dwell_text(0, "2,5").unwrap();
        assert_eq!(edit.playlist().items[0].dwell_ms, Some(2_500));
        let err = edit.set_dwell_text(0, "soon").unwrap_err();
        assert!(err.contains("not a number"), "{err}");
        assert_eq!(edit.dwell_text(0), "soon", "what was typed stays");
        assert_eq!(edit.playlist().items[0].dwell_ms, Some(2_500));
        assert!(
            edit.dwell_problem()
                .is_some_and(|p| p.starts_with("Item 1"))
        );
        assert!(edit.set_dwell_text(0, "0.5").is_err(), "under a second");
        edit.set_dwell_text(0, "").unwrap();
        assert_eq!(
            edit.playlist().items[0].dwell_ms,
            None,
            "empty: the default"
        );
        assert_eq!(edit.dwell_problem(), None);
    }

    #[test]
    fn saving_clears_the_modified_mark_and_editing_sets_it_again() {
        let mut edit = PlaylistEdit::default();
        edit.set_title("Spring drop");
        assert_eq!(edit.heading(), "Spring drop *");
        edit.saved_as(
            "/a/spring.makapix-playlist".into(),
            &edit.playlist().clone(),
        );
        assert!(!edit.is_modified());
        assert_eq!(edit.heading(), "Spring drop");
        edit.set_title("Spring drop");
        assert!(!edit.is_modified(), "the same title is no change");
        edit.add(Some(&post(5))).unwrap();
        assert!(edit.is_modified());
        edit.set_dwell_text(0, "").unwrap();
        let reopened =
            PlaylistEdit::opened(edit.playlist().clone(), "/a/x.makapix-playlist".into());
        assert!(!reopened.is_modified());
        assert_eq!(reopened.heading(), "Spring drop");
    }

    /// Text typed into a dwell field that is not yet a dwell is an edit
    /// like any other: marked unsaved (and so asked about at a close, kept
    /// at a system close) until it is a dwell again and saved.
    #[test]
    fn a_dwell_typed_but_not_valid_is_an_unsaved_edit() {
        let mut list = Playlist::default();
        list.items.push(PlaylistItem {
            source: PlaylistSource::Post { post_id: 3 },
            dwell_ms: Some(7_000),
        });
        let path = PathBuf::from("/a/b.makapix-playlist");
        let mut edit = PlaylistEdit::opened(list.clone(), path.clone());
        assert!(edit.set_dwell_text(0, "7 min").is_err());
        assert!(edit.is_modified());
        assert_eq!(edit.heading(), "b *");
        edit.saved_as(path.clone(), &list);
        assert!(edit.is_modified(), "what was typed is not in the file");
        edit.set_dwell_text(0, "7").unwrap();
        edit.saved_as(path, &list);
        assert!(!edit.is_modified());
    }

    #[test]
    fn an_opened_playlist_shows_its_dwell_in_seconds() {
        let mut list = Playlist::default();
        list.items.push(PlaylistItem {
            source: PlaylistSource::Post { post_id: 3 },
            dwell_ms: Some(7_500),
        });
        let edit = PlaylistEdit::opened(list, "/a/b.makapix-playlist".into());
        assert_eq!(edit.dwell_text(0), "7.5");
        assert_eq!(edit.heading(), "b");
    }
}
