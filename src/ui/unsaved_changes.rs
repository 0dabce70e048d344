//! Unsaved playlist edits when something would lose them: the question
//! asked in the editor (discard them, or keep editing) before a new
//! playlist, another one opened, or the window closing.

use eframe::egui::{self, Ui};

use crate::player::playlist_edit::PlaylistEdit;

use super::playlist_editor::PlaylistCommand;

/// What waits for the user's word on unsaved changes.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Replace {
    New,
    /// The window was asked to close.
    Quit,
    OpenDialog,
}

/// The question in the editor pane, with its two answers.
pub(super) fn confirm(
    ui: &mut Ui,
    edit: &PlaylistEdit,
    replace: &Replace,
    out: &mut Vec<PlaylistCommand>,
) {
    let what = match replace {
        Replace::New => "starting a new one",
        Replace::Quit => "quitting",
        Replace::OpenDialog => "opening another",
    };
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.label(format!(
            "“{}” has unsaved changes. Discard them before {what}?",
            edit.heading().trim_end_matches(" *")
        ));
        ui.horizontal(|ui| {
            if ui.button("Discard changes").clicked() {
                out.push(PlaylistCommand::Discard);
            }
            if ui.button("Keep editing").clicked() {
                out.push(PlaylistCommand::KeepEditing);
            }
        });
    });
}
