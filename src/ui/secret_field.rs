//! Text fields that hold a secret. One that received a secret by mistake (a
//! private key pasted into a path or URL field): the text is wiped, and so is
//! the field's undo history, which would otherwise bring it back with Ctrl+Z.
//! The "Paste certificates" box, where a private key belongs: masked, and
//! wiped the same way once its text is imported.

use eframe::egui::{self, Response, Ui};

use crate::credentials::secret_text::looks_secret;
use crate::protocol::http::Secret;

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
    forget_history(ui, field);
    true
}

/// The field's undo history (and cursor) starts again from nothing.
fn forget_history(ui: &Ui, field: &Response) {
    egui::TextEdit::store_state(
        ui.ctx(),
        field.id,
        egui::text_edit::TextEditState::default(),
    );
}

/// The most the paste box grows to, in points (about six lines).
const PASTE_BOX_HEIGHT: f32 = 100.0;

/// The "Paste certificates" box and its Import button; the pasted text when
/// imported. The box is a password field: what it holds (a private key) is
/// shown, told to screen readers and the AccessKit tree as `•`s, and cannot
/// be copied back out. On import the text moves into the `Secret` and the
/// box's undo history is wiped, so Ctrl+Z cannot bring the key back.
pub(crate) fn paste_box(ui: &mut Ui, paste: &mut String) -> Option<Secret> {
    // A whole bundle is some 70 lines: the box scrolls rather than pushing
    // its Import button a screen further down.
    let field = egui::ScrollArea::vertical()
        .id_salt("paste certificates")
        .max_height(PASTE_BOX_HEIGHT)
        .show(ui, |ui| {
            ui.add(
                egui::TextEdit::multiline(paste)
                    .password(true)
                    .hint_text("Paste the bundle JSON or the PEM blocks here")
                    .desired_rows(3)
                    .desired_width(f32::INFINITY),
            )
        })
        .inner;
    field.widget_info(|| {
        egui::WidgetInfo::labeled(egui::Role::PasswordInput, true, "Certificates to import")
    });
    if !ui.button("Import pasted text").clicked() || paste.trim().is_empty() {
        return None;
    }
    let text = std::mem::take(paste);
    forget_history(ui, &field);
    Some(Secret::new(text))
}

/// For the tests of each field that wipes a pasted secret.
#[cfg(test)]
pub(crate) mod pasted {
    use eframe::egui::{Key, Modifiers};
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable as _;

    /// What a user pastes by mistake: a private key, on one line.
    const KEY: &str =
        "-----BEGIN PRIVATE KEY----- MIIEvQIBADANBgkqhkiG9w0BAQEFAASC -----END PRIVATE KEY-----";

    /// Pastes a private key into the field named `label`: it must leave the
    /// field, stay off the screen and not come back with undo.
    pub(crate) fn key_into<S>(h: &mut Harness<'_, S>, label: &str) {
        h.get_by_label(label).focus();
        h.run();
        h.get_by_label(label).type_text(KEY);
        h.run();
        let left = h.get_by_label(label).value().unwrap_or_default();
        assert_eq!(left, "", "{label} kept the key");
        h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
        h.run();
        let left = h.get_by_label(label).value().unwrap_or_default();
        assert_eq!(left, "", "undo brought the key back into {label}");
        assert!(
            h.query_by_label_contains("MIIEvQ").is_none(),
            "the key is on the screen"
        );
    }
}
