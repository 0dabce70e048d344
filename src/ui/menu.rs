//! The menu bar: every action is also reachable here, with its shortcut shown.

use eframe::egui::{self, Ui};

use super::actions::Action;
use super::app::PlayerApp;
use super::preview_view::PreviewCommand;
use crate::session::likes::LikeState;

pub fn show(ui: &mut Ui, app: &PlayerApp, actions: &mut Vec<Action>) {
    egui::Panel::top("menu_bar").show(ui, |ui| {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| file_menu(ui, actions));
            ui.menu_button("Playback", |ui| playback_menu(ui, app, actions));
            ui.menu_button("View", |ui| view_menu(ui, app, actions));
            ui.menu_button("Help", |ui| help_menu(ui, actions));
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let label = if app.settings().show_settings {
                    "Hide settings"
                } else {
                    "⚙ Settings"
                };
                if ui.button(label).clicked() {
                    actions.push(Action::ToggleSettings);
                }
            });
        });
    });
}

fn file_menu(ui: &mut Ui, actions: &mut Vec<Action>) {
    item(
        ui,
        "Open files…",
        "Ctrl+O",
        Action::OpenFilesDialog,
        actions,
    );
    item(
        ui,
        "Open folder…",
        "Ctrl+Shift+O",
        Action::OpenFolderDialog,
        actions,
    );
    item(ui, "Play sample art", "", Action::PlaySamples, actions);
    ui.separator();
    item(
        ui,
        "Save preview image…",
        "",
        Action::Preview(PreviewCommand::SaveImage),
        actions,
    );
    item(
        ui,
        "Export preview…",
        "Ctrl+E",
        Action::Preview(PreviewCommand::Export),
        actions,
    );
    ui.separator();
    item(ui, "Quit", "Ctrl+Q", Action::Quit, actions);
}

fn playback_menu(ui: &mut Ui, app: &PlayerApp, actions: &mut Vec<Action>) {
    item(ui, "Next", "Right", Action::Next, actions);
    item(ui, "Previous", "Left", Action::Previous, actions);
    let pause = if app.engine().is_paused() {
        "Resume"
    } else {
        "Pause"
    };
    item(ui, pause, "Space", Action::TogglePause, actions);
    let pin = if app.engine().is_pinned() {
        "Unpin"
    } else {
        "Pin"
    };
    item(ui, pin, "P", Action::TogglePin, actions);
    if let LikeState::Liked(liked) = app.like_state() {
        let like = if liked {
            "Unlike ❤️"
        } else {
            "Like ❤️"
        };
        item(ui, like, "L", Action::ToggleLike, actions);
    }
    let mut shuffle = app.settings().shuffle;
    if ui.checkbox(&mut shuffle, "Shuffle").changed() {
        actions.push(Action::SetShuffle(shuffle));
    }
}

fn view_menu(ui: &mut Ui, app: &PlayerApp, actions: &mut Vec<Action>) {
    item(ui, "Fullscreen", "F", Action::ToggleFullscreen, actions);
    item(ui, "Info overlay", "I", Action::ToggleInfo, actions);
    super::preview_menu::menu(ui, app.settings(), actions);
    item(ui, "Settings", "S", Action::ToggleSettings, actions);
    item(ui, "Comments", "C", Action::ToggleComments, actions);
    item(
        ui,
        "Playlist editor",
        "E",
        Action::TogglePlaylistEditor,
        actions,
    );
    item(ui, "Diagnostics", "", Action::ShowDiagnostics, actions);
}

fn help_menu(ui: &mut Ui, actions: &mut Vec<Action>) {
    item(
        ui,
        "Keyboard shortcuts",
        "F1",
        Action::ShowShortcuts,
        actions,
    );
    item(ui, "Open log folder", "", Action::OpenLogFolder, actions);
    item(ui, "About Makapix Player", "", Action::ShowAbout, actions);
}

fn item(ui: &mut Ui, label: &str, shortcut: &str, action: Action, actions: &mut Vec<Action>) {
    let mut button = egui::Button::new(label);
    // An empty shortcut would still end the accessible name with a space.
    if !shortcut.is_empty() {
        button = button.shortcut_text(shortcut);
    }
    if ui.add(button).clicked() {
        actions.push(action);
        ui.close();
    }
}
