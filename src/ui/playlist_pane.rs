//! The playlist editor's pane: its heading, the New, Open, Save and Save As
//! buttons, the question about unsaved changes, the title, the list
//! (`playlist_rows`), Play and Copy post ids, the path asked for where no
//! file dialog opens, and the pane's keys. It draws `PlaylistEditor`'s state
//! and turns clicks and keys into `PlaylistCommand`s.

use eframe::egui::{self, Key, KeyboardShortcut, Modifiers, RichText, Ui};

use crate::session::Notice;

use super::actions::{KeyboardOwner, UserAction};
use super::path_prompt;
use super::playlist_editor::{PlaylistCommand, PlaylistEditor};
use super::playlist_rows;
use super::unsaved_changes;

const SAVE_AS: KeyboardShortcut =
    KeyboardShortcut::new(Modifiers::COMMAND.plus(Modifiers::SHIFT), Key::S);
const SAVE: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::S);

/// The title's field; true when a key pasted into it was wiped.
fn title_field(ui: &mut Ui, editor: &mut PlaylistEditor) -> bool {
    ui.horizontal(|ui| {
        let caption = ui.label("Title");
        let mut title = editor.edit.playlist().title.clone();
        let field = egui::TextEdit::singleline(&mut title)
            .hint_text("Untitled")
            .desired_width(f32::INFINITY);
        let field = ui.add(field).labelled_by(caption.id);
        // A key pasted here by mistake would be saved in the playlist's file.
        if super::secret_field::wipe_if_secret(ui, &field, &mut title) {
            return true;
        }
        if field.changed() {
            editor.edit.set_title(&title);
        }
        false
    })
    .inner
}

pub(crate) fn show(ui: &mut Ui, editor: &mut PlaylistEditor, actions: &mut Vec<UserAction>) {
    let before = editor.selected;
    let mut out = keyboard(ui.ctx(), editor);
    let reveal = editor.selected != before;
    egui::Panel::right("playlist_editor")
        .resizable(false)
        .exact_size(300.0)
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.heading("Playlist");
                ui.label(RichText::new(editor.edit.heading()).strong());
            });
            ui.horizontal(|ui| {
                for (label, command) in [
                    ("New", PlaylistCommand::New),
                    ("Open…", PlaylistCommand::Open),
                    ("Save", PlaylistCommand::Save),
                    ("Save As…", PlaylistCommand::SaveAs),
                ] {
                    if ui.button(label).clicked() {
                        out.push(command);
                    }
                }
            });
            if let Some(replace) = &editor.confirm {
                unsaved_changes::confirm(ui, &editor.edit, replace, &mut out);
            }
            let title_wiped = title_field(ui, editor);
            if ui
                .button("➕ Add current artwork")
                .on_hover_text("A Makapix post is added by its id, a local file by its path")
                .clicked()
            {
                out.push(PlaylistCommand::AddCurrent);
            }
            ui.separator();
            let rows = &mut editor.edit;
            let row_wiped = playlist_rows::show(ui, rows, &mut editor.selected, reveal, &mut out);
            if title_wiped || row_wiped {
                actions.push(UserAction::Tell(Notice::error(
                    crate::credentials::secret_text::REFUSED,
                )));
            }
            if let Some(problem) = editor.edit.dwell_problem() {
                ui.label(RichText::new(problem).color(egui::Color32::from_rgb(255, 170, 90)));
            }
            ui.separator();
            ui.horizontal(|ui| {
                if ui.button("▶ Play").clicked() {
                    out.push(PlaylistCommand::Play);
                }
                if ui
                    .button("Copy post ids")
                    .on_hover_text("For the playlist form on makapix.club")
                    .clicked()
                {
                    out.push(PlaylistCommand::CopyPostIds);
                }
            });
        });
    if let Some((path, save)) = path_prompt::ask(&mut editor.prompt, ui.ctx()) {
        out.push(if save {
            PlaylistCommand::SaveTo(path)
        } else {
            PlaylistCommand::OpenPath(path)
        });
    }
    actions.extend(out.into_iter().map(UserAction::Playlist));
}

/// The pane's keys: Ctrl+S and Ctrl+Shift+S even while typing (as in any
/// editor); A and the row keys (`playlist_rows::keys`) only when no text
/// field has the keyboard.
fn keyboard(ctx: &egui::Context, editor: &mut PlaylistEditor) -> Vec<PlaylistCommand> {
    let owner = KeyboardOwner::of(ctx);
    let count = editor.edit.playlist().items.len();
    let mut out = Vec::new();
    ctx.input_mut(|input| {
        // The longer combination first: Ctrl+Shift+S must not also count as Ctrl+S.
        if input.consume_shortcut(&SAVE_AS) {
            out.push(PlaylistCommand::SaveAs);
        } else if input.consume_shortcut(&SAVE) {
            out.push(PlaylistCommand::Save);
        }
        if owner == KeyboardOwner::Text {
            return;
        }
        if input.consume_key(Modifiers::NONE, Key::A) {
            out.push(PlaylistCommand::AddCurrent);
        }
        playlist_rows::keys(input, owner, count, &mut editor.selected, &mut out);
    });
    out
}

#[cfg(test)]
mod tests {
    use crate::app::file_dialog::FileDialogs;
    use crate::player::ArtworkSource;
    use crate::ui::actions::UserAction;
    use crate::ui::playlist_editor::PlaylistEditor;
    use crate::ui::playlist_editor::tests::{drawn, spring};
    use crate::ui::wake::Wake;

    #[test]
    fn a_key_pasted_for_the_title_is_wiped_and_never_saved() {
        let editor = PlaylistEditor::new(&Wake::default(), FileDialogs::default(), None);
        let mut h = drawn(editor);
        h.run();
        crate::ui::secret_field::pasted::key_into(&mut h, "Title");
        assert_eq!(h.state().0.edit.playlist().title, "");
        let told = |a: &UserAction| matches!(a, UserAction::Tell(n) if n.text == crate::credentials::secret_text::REFUSED);
        assert!(h.state().1.iter().any(told), "{:?}", h.state().1);
    }

    #[test]
    fn a_key_pasted_for_a_dwell_is_wiped_and_never_kept() {
        let dir = tempfile::tempdir().unwrap();
        let mut editor = spring(&dir.path().join("spring.makapix-playlist"));
        let post = crate::player::MakapixPost::for_test(5);
        editor
            .edit
            .add(Some(&ArtworkSource::Makapix(post)))
            .unwrap();
        let mut h = drawn(editor);
        h.run();
        crate::ui::secret_field::pasted::key_into(&mut h, "Dwell of item 1");
        assert_eq!(h.state().0.edit.dwell_text(0), "", "no dwell typed");
        let told = |a: &UserAction| matches!(a, UserAction::Tell(n) if n.text == crate::credentials::secret_text::REFUSED);
        assert!(h.state().1.iter().any(told), "{:?}", h.state().1);
    }
}
