//! Device previews' controls: View › Preview as… and Settings › Device preview.

use eframe::egui::{self, Ui};

use super::actions::UserAction;
use super::preview_view::PreviewCommand;
use crate::preview::mode::{Fitting, MAX_BITS, MAX_GAMMA, MIN_BITS, MIN_GAMMA};
use crate::preview::{PreviewMode, PreviewSettings};
use crate::settings::Settings;

/// View › Preview as…: one kind, or several side by side.
pub(crate) fn menu(ui: &mut Ui, settings: &Settings, actions: &mut Vec<UserAction>) {
    ui.menu_button("Preview as…", |ui| {
        let modes = &settings.preview.modes;
        for mode in PreviewMode::PRESETS {
            let only = modes.len() == 1 && modes[0] == mode;
            if ui.radio(only, mode.label()).clicked() {
                actions.push(UserAction::Preview(PreviewCommand::ShowOnly(mode)));
                ui.close();
            }
        }
        ui.separator();
        ui.label("Side by side (up to four):");
        for mode in PreviewMode::PRESETS {
            let mut shown = modes.contains(&mode);
            if ui.checkbox(&mut shown, mode.label()).clicked() {
                actions.push(UserAction::Preview(PreviewCommand::Toggle(mode)));
            }
        }
        ui.separator();
        let next = egui::Button::new("Next preview").shortcut_text("V");
        if ui.add(next).clicked() {
            actions.push(UserAction::Preview(PreviewCommand::Cycle));
        }
    });
}

/// Settings › Device preview: how LED panels fit, quantise and glow, and a custom size.
pub(crate) fn settings_section(
    ui: &mut Ui,
    preview: &mut PreviewSettings,
    actions: &mut Vec<UserAction>,
) {
    egui::Grid::new("preview_grid")
        .num_columns(2)
        .show(ui, |ui| {
            let caption = ui.label("LED fitting");
            egui::ComboBox::from_id_salt("led_fitting")
                .selected_text(preview.fitting.label())
                .show_ui(ui, |ui| {
                    for fitting in Fitting::ALL {
                        ui.selectable_value(&mut preview.fitting, fitting, fitting.label());
                    }
                })
                .response
                .labelled_by(caption.id);
            ui.end_row();
            let caption = ui.label("LED bit depth");
            ui.add(egui::Slider::new(&mut preview.bits, MIN_BITS..=MAX_BITS).suffix(" bits"))
                .labelled_by(caption.id);
            ui.end_row();
            let caption = ui.label("LED gamma");
            ui.add(egui::Slider::new(&mut preview.gamma, MIN_GAMMA..=MAX_GAMMA).step_by(0.1))
                .labelled_by(caption.id);
            ui.end_row();
        });
    ui.checkbox(&mut preview.glow, "LED glow");
    ui.horizontal(|ui| {
        ui.label("Custom panel");
        let max = crate::preview::mode::MAX_PANEL_SIDE;
        let [w, h] = &mut preview.custom_panel;
        let width = ui.add(egui::DragValue::new(w).range(1..=max));
        named(&width, "Custom panel width in LEDs");
        ui.label("×");
        let height = ui.add(egui::DragValue::new(h).range(1..=max));
        named(&height, "Custom panel height in LEDs");
        if ui.button("Show").clicked() {
            let [w, h] = preview.custom_panel;
            let mode = PreviewMode::Led { w, h };
            actions.push(UserAction::Preview(PreviewCommand::ShowOnly(mode)));
        }
    });
}

/// Gives a bare number field the name a screen reader (and a test) finds it by.
fn named(response: &egui::Response, name: &str) {
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::SpinButton, true, name));
}
