//! The settings side panel. Display and playback settings are edited in place
//! (they persist on their own); anything with consequences becomes a `UserAction`.

use std::path::PathBuf;

use eframe::egui::{self, Ui};

use super::actions::UserAction;
use super::channel_picker::ChannelPicker;
use super::player_pane::PlayerPane;
use crate::bridge::transport::TransportChoice;
use crate::preview::{Mirror, Rotation};
use crate::settings::{
    ChannelOrder, MAX_DWELL_SECS, MIN_DWELL_SECS, ScaleMode, Settings, SettingsSection,
};

/// What the panel shows of the player's state.
pub struct Facts {
    pub paused: bool,
    pub pinned: bool,
    pub connected: bool,
    pub owner_playset: crate::session::owner_playsets::OwnerPlaysetView,
    /// A player is stored: the Player section moves to the end.
    pub registered: bool,
    /// A section to unfold and scroll to this frame (the indicator, the welcome card).
    pub reveal: Option<SettingsSection>,
}

/// The panes the panel composes, besides the settings themselves.
pub(crate) struct Panes<'a> {
    pub path_input: &'a mut String,
    pub player: &'a mut PlayerPane,
    pub picker: &'a mut ChannelPicker,
}

/// The sections in the order drawn: Player first until a player is stored.
fn order(registered: bool) -> [SettingsSection; 6] {
    use SettingsSection::*;
    if registered {
        [Display, DevicePreview, Outputs, Playback, Files, Player]
    } else {
        [Player, Display, DevicePreview, Outputs, Playback, Files]
    }
}

pub fn show(
    ui: &mut Ui,
    settings: &mut Settings,
    facts: Facts,
    mut panes: Panes<'_>,
    actions: &mut Vec<UserAction>,
) {
    if let Some(section) = facts.reveal {
        settings.set_section_open(section, true);
    }
    egui::Panel::right("settings_panel")
        .resizable(false)
        .default_size(270.0)
        .show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                ui.heading("Settings");
                ui.add_space(4.0);
                for section in order(facts.registered) {
                    let open = settings.section_open(section);
                    let response = egui::CollapsingHeader::new(section.title())
                        .id_salt(("settings_section", section.title()))
                        .open(Some(open))
                        .show(ui, |ui| {
                            section_body(ui, section, settings, &facts, &mut panes, actions);
                        });
                    if response.header_response.clicked() {
                        settings.set_section_open(section, !open);
                    }
                    if facts.reveal == Some(section) {
                        response
                            .header_response
                            .scroll_to_me(Some(egui::Align::TOP));
                    }
                }
            });
        });
}

fn section_body(
    ui: &mut Ui,
    section: SettingsSection,
    settings: &mut Settings,
    facts: &Facts,
    panes: &mut Panes<'_>,
    actions: &mut Vec<UserAction>,
) {
    match section {
        SettingsSection::Player => {
            panes.player.show(ui, unix_now());
            transport(ui, settings);
        }
        SettingsSection::Display => display(ui, settings),
        SettingsSection::DevicePreview => {
            super::preview_menu::settings_section(ui, &mut settings.preview, actions);
        }
        SettingsSection::Outputs => super::outputs_pane::show(ui, &mut settings.outputs),
        SettingsSection::Playback => {
            playback(ui, settings, facts.paused, facts.pinned, actions);
            ui.separator();
            panes.picker.show(ui, facts.connected, actions);
            super::channel_picker::owner_playsets(
                ui,
                facts.connected,
                &facts.owner_playset,
                actions,
            );
        }
        SettingsSection::Files => local_files(ui, panes.path_input, actions),
    }
}

/// Settings › Player › Transport: how requests reach Makapix Club.
fn transport(ui: &mut Ui, settings: &mut Settings) {
    ui.horizontal(|ui| {
        let label = ui.label("Transport");
        egui::ComboBox::from_id_salt("transport")
            .selected_text(settings.transport.label())
            .show_ui(ui, |ui| {
                for choice in TransportChoice::ALL {
                    ui.selectable_value(&mut settings.transport, choice, choice.label());
                }
            })
            .response
            .labelled_by(label.id)
            .on_hover_text(
                "Automatic: MQTT (port 8883), and HTTPS for requests and views while 8883 is blocked. HTTPS only: no commands from makapix.club.",
            );
    });
}

fn display(ui: &mut Ui, settings: &mut Settings) {
    egui::Grid::new("display_grid")
        .num_columns(2)
        .show(ui, |ui| {
            let caption = ui.label("Scaling");
            egui::ComboBox::from_id_salt("scale_mode")
                .selected_text(settings.scale_mode.label())
                .show_ui(ui, |ui| {
                    for mode in ScaleMode::ALL {
                        ui.selectable_value(&mut settings.scale_mode, mode, mode.label());
                    }
                })
                .response
                .labelled_by(caption.id);
            ui.end_row();

            let caption = ui.label("Rotation");
            egui::ComboBox::from_id_salt("rotation")
                .selected_text(format!("{}°", settings.rotation.degrees()))
                .show_ui(ui, |ui| {
                    for rotation in Rotation::ALL {
                        let label = format!("{}°", rotation.degrees());
                        ui.selectable_value(&mut settings.rotation, rotation, label);
                    }
                })
                .response
                .labelled_by(caption.id);
            ui.end_row();

            let caption = ui.label("Mirror");
            egui::ComboBox::from_id_salt("mirror")
                .selected_text(settings.mirror.label())
                .show_ui(ui, |ui| {
                    for mirror in Mirror::ALL {
                        ui.selectable_value(&mut settings.mirror, mirror, mirror.label());
                    }
                })
                .response
                .labelled_by(caption.id);
            ui.end_row();

            let caption = ui.label("Brightness");
            ui.add(egui::Slider::new(&mut settings.brightness, 0..=100).suffix("%"))
                .labelled_by(caption.id);
            ui.end_row();

            ui.label("Background");
            let button = ui.color_edit_button_srgb(&mut settings.background);
            // egui names every colour button "Color": a screen reader would not say which.
            let [r, g, b] = settings.background;
            button.widget_info(|| {
                let mut info =
                    egui::WidgetInfo::labeled(egui::Role::ColorWell, true, "Background colour");
                info.current_text_value = Some(format!("#{r:02x}{g:02x}{b:02x}"));
                info
            });
            ui.end_row();
        });
    ui.checkbox(
        &mut settings.checkerboard,
        "Checkerboard behind transparency",
    );
    ui.checkbox(&mut settings.show_info, "Info overlay");
}

fn playback(
    ui: &mut Ui,
    settings: &mut Settings,
    paused: bool,
    pinned: bool,
    actions: &mut Vec<UserAction>,
) {
    ui.horizontal(|ui| {
        let caption = ui.label("Show each artwork for");
        ui.add(
            egui::DragValue::new(&mut settings.dwell_secs)
                .range(MIN_DWELL_SECS..=MAX_DWELL_SECS)
                .suffix(" s"),
        )
        .labelled_by(caption.id);
    });
    ui.label(egui::RichText::new("Animations always play at least one full loop.").small());
    let order = settings.channel_order;
    ui.horizontal(|ui| {
        let label = ui.label("Makapix channels");
        egui::ComboBox::from_id_salt("channel_order")
            .selected_text(settings.channel_order.label())
            .show_ui(ui, |ui| {
                for order in ChannelOrder::ALL {
                    ui.selectable_value(&mut settings.channel_order, order, order.label());
                }
            })
            .response
            .labelled_by(label.id);
    });
    if settings.channel_order != order {
        // The channel playing is asked for again in the new order.
        actions.push(UserAction::Reorder);
    }
    let mut shuffle = settings.shuffle;
    if ui.checkbox(&mut shuffle, "Shuffle").changed() {
        actions.push(UserAction::SetShuffle(shuffle));
    }
    ui.horizontal(|ui| {
        if ui.button("⏮ Previous").clicked() {
            actions.push(UserAction::Previous);
        }
        if ui
            .button(if paused { "▶ Resume" } else { "⏸ Pause" })
            .clicked()
        {
            actions.push(UserAction::TogglePause);
        }
        if ui.button("Next ⏭").clicked() {
            actions.push(UserAction::Next);
        }
    });
    if ui.selectable_label(pinned, "📌 Pin this artwork").clicked() {
        actions.push(UserAction::TogglePin);
    }
}

fn local_files(ui: &mut Ui, path_input: &mut String, actions: &mut Vec<UserAction>) {
    ui.horizontal(|ui| {
        if ui.button("Open files…").clicked() {
            actions.push(UserAction::OpenFilesDialog);
        }
        if ui.button("Open folder…").clicked() {
            actions.push(UserAction::OpenFolderDialog);
        }
    });
    let caption = ui.label("Or type a file or folder path:");
    let response = ui
        .add(
            egui::TextEdit::singleline(path_input)
                .hint_text("/home/me/pixel-art")
                .desired_width(f32::INFINITY),
        )
        .labelled_by(caption.id);
    // A key pasted here by mistake is neither opened (and logged as a path) nor kept.
    if super::secret_field::wipe_if_secret(ui, &response, path_input) {
        actions.push(UserAction::Tell(crate::session::Notice::error(
            crate::credentials::secret_text::REFUSED,
        )));
    }
    let entered = response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
    if (ui.button("Play this path").clicked() || entered) && !path_input.trim().is_empty() {
        actions.push(UserAction::OpenPaths(vec![PathBuf::from(
            path_input.trim(),
        )]));
    }
    ui.label(egui::RichText::new("You can also drop files or folders onto the window.").small());
    if ui.button("Play sample art").clicked() {
        actions.push(UserAction::PlaySamples);
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
