//! The menu bar: every action is also reachable here, with its shortcut shown.

use eframe::egui::{self, Ui};

use super::actions::UserAction;
use super::app::PlayerApp;
use super::preview_view::PreviewCommand;
use crate::preview::encode::ExportFormat;
use crate::session::likes::LikeState;

pub fn show(ui: &mut Ui, app: &PlayerApp, actions: &mut Vec<UserAction>) {
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
                    actions.push(UserAction::ToggleSettings);
                }
            });
        });
    });
}

fn file_menu(ui: &mut Ui, actions: &mut Vec<UserAction>) {
    item(
        ui,
        "Open files…",
        "Ctrl+O",
        UserAction::OpenFilesDialog,
        actions,
    );
    item(
        ui,
        "Open folder…",
        "Ctrl+Shift+O",
        UserAction::OpenFolderDialog,
        actions,
    );
    item(ui, "Play sample art", "", UserAction::PlaySamples, actions);
    ui.separator();
    item(
        ui,
        "Save preview image…",
        "",
        UserAction::Preview(PreviewCommand::SaveImage),
        actions,
    );
    ui.menu_button("Export preview as", |ui| {
        let formats = [
            ("Animated GIF…", ExportFormat::Gif),
            ("APNG…", ExportFormat::Png),
            ("Animated WebP…", ExportFormat::WebP),
        ];
        for (label, format) in formats {
            let action = UserAction::Preview(PreviewCommand::ExportAs(format));
            item(ui, label, "", action, actions);
        }
    });
    ui.separator();
    item(ui, "Quit", "Ctrl+Q", UserAction::Quit, actions);
}

fn playback_menu(ui: &mut Ui, app: &PlayerApp, actions: &mut Vec<UserAction>) {
    item(ui, "Next", "Right", UserAction::Next, actions);
    item(ui, "Previous", "Left", UserAction::Previous, actions);
    let pause = if app.engine().is_paused() {
        "Resume"
    } else {
        "Pause"
    };
    item(ui, pause, "Space", UserAction::TogglePause, actions);
    let pin = if app.engine().is_pinned() {
        "Unpin"
    } else {
        "Pin"
    };
    item(ui, pin, "P", UserAction::TogglePin, actions);
    if let LikeState::Liked(liked) = app.like_state() {
        let like = if liked {
            "Unlike ❤️"
        } else {
            "Like ❤️"
        };
        item(ui, like, "L", UserAction::ToggleLike, actions);
    }
    let mut shuffle = app.settings().shuffle;
    if ui.checkbox(&mut shuffle, "Shuffle").changed() {
        actions.push(UserAction::SetShuffle(shuffle));
    }
}

fn view_menu(ui: &mut Ui, app: &PlayerApp, actions: &mut Vec<UserAction>) {
    item(ui, "Fullscreen", "F", UserAction::ToggleFullscreen, actions);
    item(ui, "Info overlay", "I", UserAction::ToggleInfo, actions);
    super::preview_menu::menu(ui, app.settings(), actions);
    item(ui, "Settings", "S", UserAction::ToggleSettings, actions);
    item(ui, "Comments", "C", UserAction::ToggleComments, actions);
    item(
        ui,
        "Playlist editor",
        "E",
        UserAction::TogglePlaylistEditor,
        actions,
    );
    item(ui, "Diagnostics", "", UserAction::ShowDiagnostics, actions);
}

fn help_menu(ui: &mut Ui, actions: &mut Vec<UserAction>) {
    item(
        ui,
        "Keyboard shortcuts",
        "F1",
        UserAction::ShowShortcuts,
        actions,
    );
    item(
        ui,
        "Open log folder",
        "",
        UserAction::OpenLogFolder,
        actions,
    );
    item(
        ui,
        "About Makapix Player",
        "",
        UserAction::ShowAbout,
        actions,
    );
}

fn item(
    ui: &mut Ui,
    label: &str,
    shortcut: &str,
    action: UserAction,
    actions: &mut Vec<UserAction>,
) {
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
