//! The window's keys where they meet menus, windows and fullscreen.

use crate::support::screen::harness;
use eframe::egui;
use egui_kittest::kittest::Queryable;
use makapix_player::ui::StartOptions;

const WINDOW: [f32; 2] = [900.0, 640.0];

#[test]
fn escape_closes_a_menu_then_the_shortcuts_window_then_leaves_fullscreen() {
    let mut h = harness(WINDOW, StartOptions::default());
    h.run_steps(2);
    h.get_by_label("File").click();
    h.run_steps(2);
    h.get_by_label("Play sample art");
    h.key_press(egui::Key::Escape);
    h.run_steps(2);
    assert!(
        h.query_by_label("Play sample art").is_none(),
        "the menu closes"
    );
    h.key_press(egui::Key::F1);
    h.run_steps(2);
    h.get_by_label("Open a folder");
    h.key_press(egui::Key::Escape);
    h.run_steps(2);
    assert!(
        h.query_by_label("Open a folder").is_none(),
        "the shortcuts window closes"
    );
    h.key_press(egui::Key::F);
    h.run_steps(2);
    assert!(h.state().is_fullscreen());
    h.key_press(egui::Key::Escape);
    h.run_steps(2);
    assert!(!h.state().is_fullscreen(), "Esc leaves fullscreen");
}
