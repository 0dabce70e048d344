//! The playlist editor's files: Open and Save As dialogs off the window
//! thread, reading a playlist into the editor, and atomic saving.

use std::path::{Path, PathBuf};

use eframe::egui;

use crate::local_files::{self, PLAYLIST_EXTENSION};
use crate::player::playlist_edit::PlaylistEdit;

use super::app::PlayerApp;
use super::playlist_editor::PlaylistCommand;

impl PlayerApp {
    /// Reads a playlist into the editor. A playlist is a few kilobytes (4 MiB at
    /// most), so it is read here rather than on a worker.
    pub(super) fn open_in_editor(&mut self, path: &Path) {
        match local_files::read_playlist(path) {
            Ok(playlist) => {
                self.playlist_editor.edit = PlaylistEdit::opened(playlist, path.to_path_buf());
                self.playlist_editor.open = true;
            }
            Err(problem) => self.tell(problem, true),
        }
    }

    pub(super) fn save_playlist(&mut self, path: PathBuf) {
        let path = with_playlist_extension(path);
        let folder = path.parent().unwrap_or(Path::new("."));
        let text = self.playlist_editor.edit.playlist().to_json(folder);
        // Replaced whole, so a crash or a full disk never leaves half a playlist
        // where the old one was.
        match crate::atomic_file::write(&path, text.as_bytes()) {
            Ok(()) => {
                self.playlist_editor.edit.saved_as(path.clone());
                self.tell(format!("Playlist saved to {}.", path.display()), false);
            }
            Err(e) => self.tell(
                format!(
                    "The playlist could not be saved to {}: {e}. It is still open in the editor.",
                    path.display()
                ),
                true,
            ),
        }
    }

    /// Open (`save` is `None`) or Save As, off the window thread; the picked path
    /// comes back as a command.
    pub(super) fn playlist_dialog(&mut self, ctx: &egui::Context, save: Option<()>) {
        let filter = [PLAYLIST_EXTENSION];
        let dialog = rfd::AsyncFileDialog::new().add_filter("Makapix Player playlists", &filter);
        let tx = self.playlist_editor.chosen_tx.clone();
        let ctx = ctx.clone();
        let spawned = if save.is_some() {
            let name = format!(
                "{}.{PLAYLIST_EXTENSION}",
                file_stem(&self.playlist_editor.edit)
            );
            let fut = dialog
                .set_title("Save playlist")
                .set_file_name(name)
                .save_file();
            std::thread::Builder::new()
                .name("playlist-dialog".into())
                .spawn(move || {
                    if let Some(file) = pollster::block_on(fut) {
                        let _ = tx.send(PlaylistCommand::SaveTo(file.path().to_path_buf()));
                        ctx.request_repaint();
                    }
                })
        } else {
            let fut = dialog.set_title("Open playlist").pick_file();
            std::thread::Builder::new()
                .name("playlist-dialog".into())
                .spawn(move || {
                    if let Some(file) = pollster::block_on(fut) {
                        let _ = tx.send(PlaylistCommand::OpenPath(file.path().to_path_buf()));
                        ctx.request_repaint();
                    }
                })
        };
        if let Err(e) = spawned {
            tracing::error!("cannot open the file dialog: {e}");
        }
    }
}

fn file_stem(edit: &PlaylistEdit) -> String {
    let title = edit.heading().trim_end_matches(" *").to_owned();
    let clean: String = title
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == ' ' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    clean.trim().to_owned()
}

fn with_playlist_extension(path: PathBuf) -> PathBuf {
    if local_files::is_playlist(&path) {
        return path;
    }
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{PLAYLIST_EXTENSION}"));
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_playlist_gets_its_extension() {
        assert_eq!(
            with_playlist_extension("/a/show".into()),
            PathBuf::from("/a/show.makapix-playlist")
        );
        assert_eq!(
            with_playlist_extension("/a/show.makapix-playlist".into()),
            PathBuf::from("/a/show.makapix-playlist")
        );
    }
}
