//! Unsaved playlist edits when something would lose them: the question
//! asked in the editor (discard them, or keep editing) before a new
//! playlist, another one opened, or the window closing; and, when the system
//! closes the window (a quit signal), where nobody will answer, the edits
//! kept for the next start (`app::playlist_recovery`).

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

/// What a close asked of the window does to the editor's playlist.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum OnClose {
    /// Nothing unsaved, or the user let it go: the window closes.
    Close,
    /// The window stays open and asks (the close button: the user is there).
    Ask,
    /// Nobody will answer (the system asked: the process is ended seconds
    /// later, or by the next signal): the edits are kept, the window closes.
    KeepAndClose,
}

/// `modified`: the editor holds unsaved changes; `discarded`: the user chose
/// to quit without them; `by_system`: a quit signal asked for the close.
pub(super) fn on_close(modified: bool, discarded: bool, by_system: bool) -> OnClose {
    match (modified && !discarded, by_system) {
        (false, _) => OnClose::Close,
        (true, false) => OnClose::Ask,
        (true, true) => OnClose::KeepAndClose,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unsaved_edits_hold_a_close_and_only_the_user_is_asked() {
        // (modified, discarded, by the system) → what the close does
        let cases = [
            ((false, false, false), OnClose::Close),
            ((false, false, true), OnClose::Close),
            ((true, false, false), OnClose::Ask),
            ((true, false, true), OnClose::KeepAndClose),
            ((true, true, false), OnClose::Close),
            // The user let the edits go before the signal came: none are kept.
            ((true, true, true), OnClose::Close),
        ];
        for ((modified, discarded, by_system), expected) in cases {
            assert_eq!(
                on_close(modified, discarded, by_system),
                expected,
                "modified {modified}, discarded {discarded}, by the system {by_system}"
            );
        }
    }
}
