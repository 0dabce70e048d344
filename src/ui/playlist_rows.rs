//! The playlist editor's list: its rows drawn (the item, its dwell field, its
//! move and remove buttons) and the keys that select, move and remove them.

use eframe::egui::{self, InputState, Key, Modifiers, RichText, Ui};

use crate::player::playlist_edit::{PlaylistEdit, item_label};

use super::actions::KeyboardOwner;
use super::playlist_editor::PlaylistCommand;

const ROW_HEIGHT: f32 = 20.0;
/// The dwell field's width, for a few digits; it grows to show what is typed.
const DWELL_WIDTH: f32 = 34.0;

/// The row keys, when no text field has the keyboard (↑ ↓ only when no other
/// control has it either). The selection moves with its row, so Alt+↑
/// pressed twice moves one item twice.
pub(super) fn keys(
    input: &mut InputState,
    owner: KeyboardOwner,
    count: usize,
    selected: &mut Option<usize>,
    out: &mut Vec<PlaylistCommand>,
) {
    if count == 0 {
        return;
    }
    let current = selected.filter(|&i| i < count);
    // Alt+arrow before the plain arrow, which would also match it.
    // (what to do, which row is selected afterwards)
    let step = if input.consume_key(Modifiers::ALT, Key::ArrowUp) {
        current
            .filter(|&i| i > 0)
            .map(|i| (Some(PlaylistCommand::MoveUp(i)), i - 1))
    } else if input.consume_key(Modifiers::ALT, Key::ArrowDown) {
        current
            .filter(|&i| i + 1 < count)
            .map(|i| (Some(PlaylistCommand::MoveDown(i)), i + 1))
    } else if input.consume_key(Modifiers::NONE, Key::Delete) {
        current.map(|i| {
            (
                Some(PlaylistCommand::Remove(i)),
                i.min(count.saturating_sub(2)),
            )
        })
    } else if owner == KeyboardOwner::Control {
        // A focused button's arrows move the focus on, not the selection.
        None
    } else if input.consume_key(Modifiers::NONE, Key::ArrowUp) {
        Some((None, current.map_or(count - 1, |i| i.saturating_sub(1))))
    } else if input.consume_key(Modifiers::NONE, Key::ArrowDown) {
        Some((None, current.map_or(0, |i| (i + 1).min(count - 1))))
    } else {
        None
    };
    if let Some((command, now_selected)) = step {
        out.extend(command);
        *selected = Some(now_selected);
    }
}

/// The rows, or a line saying how to fill an empty list; `reveal` scrolls to
/// the selected row (the keyboard just moved it). True when a key pasted
/// into a dwell field was wiped.
pub(super) fn show(
    ui: &mut Ui,
    edit: &mut PlaylistEdit,
    selected: &mut Option<usize>,
    reveal: bool,
    out: &mut Vec<PlaylistCommand>,
) -> bool {
    if edit.is_empty() {
        ui.label("Empty. Show an artwork (a Makapix post or a local file) and press “Add current artwork”.");
        return false;
    }
    let mut wiped = false;
    ui.label(
        RichText::new(
            "Dwell in seconds; empty uses the player's setting. \
             Up/Down select a row, Alt+Up/Down move it, Delete removes it.",
        )
        .small()
        .weak(),
    );
    let count = edit.playlist().items.len();
    egui::ScrollArea::vertical()
        .max_height(ui.available_height() - 60.0)
        .auto_shrink([false, true])
        .show_rows(ui, ROW_HEIGHT, count, |ui, rows| {
            for i in rows {
                let n = i + 1;
                // Controls from the right edge; the name takes what is left, cut short if need be.
                let row = egui::vec2(ui.available_width(), ROW_HEIGHT);
                let layout = egui::Layout::right_to_left(egui::Align::Center);
                ui.allocate_ui_with_layout(row, layout, |ui| {
                    let buttons = [
                        ("🗑", format!("Remove item {n}"), PlaylistCommand::Remove(i)),
                        (
                            "⏷",
                            format!("Move item {n} down"),
                            PlaylistCommand::MoveDown(i),
                        ),
                        ("⏶", format!("Move item {n} up"), PlaylistCommand::MoveUp(i)),
                    ];
                    for (icon, name, command) in buttons {
                        let button = ui.small_button(icon).on_hover_text(&name);
                        named(&button, egui::Role::Button, name);
                        if button.clicked() {
                            out.push(command);
                        }
                    }
                    ui.label("s");
                    wiped |= dwell_field(ui, edit, i);
                    ui.with_layout(egui::Layout::left_to_right(egui::Align::Center), |ui| {
                        let label = item_label(&edit.playlist().items[i]);
                        let is_selected = *selected == Some(i);
                        let row = egui::Button::selectable(is_selected, format!("{n}. {label}"))
                            .truncate();
                        let row = ui.add(row);
                        if row.clicked() {
                            *selected = Some(i);
                        }
                        if is_selected && reveal {
                            row.scroll_to_me(None);
                        }
                    });
                });
            }
        });
    wiped
}

/// Item `i`'s dwell field; true when a key pasted into it was wiped.
fn dwell_field(ui: &mut Ui, edit: &mut PlaylistEdit, i: usize) -> bool {
    let mut dwell = edit.dwell_text(i).to_owned();
    let field = ui.add(
        egui::TextEdit::singleline(&mut dwell)
            .desired_width(DWELL_WIDTH)
            .clip_text(false)
            .hint_text("—"),
    );
    named(
        &field,
        egui::Role::TextInput,
        format!("Dwell of item {}", i + 1),
    );
    // A key pasted here by mistake would stay on the screen and in the
    // field's undo history, as a dwell not valid.
    if super::secret_field::wipe_if_secret(ui, &field, &mut dwell) {
        return true;
    }
    if field.changed() {
        // A bad value stays in the field; the problem is shown below the list.
        let _ = edit.set_dwell_text(i, &dwell);
    }
    false
}

/// Gives an icon button or a bare field the name a screen reader (and a test) finds it by.
fn named(response: &egui::Response, kind: egui::Role, name: String) {
    response.widget_info(|| egui::WidgetInfo::labeled(kind, true, &name));
}

#[cfg(test)]
mod tests {
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable as _;

    use super::*;
    use crate::player::{ArtworkSource, MakapixPost};

    /// The rows of a playlist of one post whose dwell field holds `typed`;
    /// the field's width, and that of `typed` in the field's font.
    fn field_and_text_widths(typed: &str) -> (f32, f32) {
        let mut edit = PlaylistEdit::default();
        let post = ArtworkSource::Makapix(MakapixPost::for_test(5));
        edit.add(Some(&post)).expect("a post is addable");
        let _ = edit.set_dwell_text(0, typed);
        let mut h = Harness::new_ui_state(
            |ui, edit: &mut PlaylistEdit| {
                show(ui, edit, &mut None, false, &mut Vec::new());
            },
            edit,
        );
        h.run();
        let field = h.get_by_label("Dwell of item 1").rect().width();
        let font = egui::TextStyle::Body.resolve(&h.ctx.global_style());
        let text = h.ctx.fonts_mut(|f| {
            f.layout_no_wrap(typed.to_owned(), font, egui::Color32::PLACEHOLDER)
                .size()
                .x
        });
        (field, text)
    }

    #[test]
    fn a_dwell_field_shows_the_whole_of_what_was_typed() {
        for typed in ["7 min", "12.5", "1:30"] {
            let (field, text) = field_and_text_widths(typed);
            // egui's field keeps 8 px a side around its text: one sized by
            // hand to the text and 11 px more cut off the last letter.
            assert!(
                field >= text + 16.0,
                "{typed:?}: {text} px of text in {field}"
            );
        }
        let (short, _) = field_and_text_widths("5");
        assert!(short >= DWELL_WIDTH, "a short dwell keeps {short} px");
    }
}
