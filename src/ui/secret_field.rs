//! A text field that received a secret (a private key pasted into a path or
//! URL field): the text is wiped, and so is the field's undo history, which
//! would otherwise bring it back with Ctrl+Z.

use eframe::egui::{self, Response, Ui};

use crate::credentials::secret_text::looks_secret;

/// True when `text` (the field behind `field`) held a secret and was wiped.
pub(crate) fn wipe_if_secret(ui: &Ui, field: &Response, text: &mut String) -> bool {
    if !looks_secret(text) {
        return false;
    }
    // Overwrite in place before emptying, so the bytes do not linger in the buffer.
    let len = text.len();
    text.clear();
    text.extend(std::iter::repeat_n('\0', len));
    text.clear();
    egui::TextEdit::store_state(
        ui.ctx(),
        field.id,
        egui::text_edit::TextEditState::default(),
    );
    true
}
