//! What a user can ask for, whatever the input (key, menu, button, drop).
//! Widgets only produce these; `app` carries them out.

use std::path::PathBuf;

use eframe::egui::{self, Key, KeyboardShortcut, Modifiers};

use super::preview_view::PreviewCommand;

#[derive(Clone, Debug, PartialEq)]
pub enum UserAction {
    Next,
    Previous,
    TogglePause,
    TogglePin,
    /// ❤️ on the Makapix artwork on screen, or off again.
    ToggleLike,
    ToggleFullscreen,
    /// Esc: one thing, the topmost (`escape_does`): a prompt's own, else
    /// leave fullscreen, else close a Help or Diagnostics window, else cancel
    /// a preview export under way.
    Escape,
    ToggleInfo,
    ToggleSettings,
    /// The comments of the Makapix post on screen.
    ToggleComments,
    /// The next page of comments (or the first again after a failure).
    MoreComments,
    /// Play one of the owner's playsets (`get_playset`), e.g. `followed_artists`.
    PlayOwnerPlayset(String),
    TogglePlaylistEditor,
    /// A button of the playlist editor (or a path it was given).
    Playlist(super::playlist_editor::PlaylistCommand),
    OpenFilesDialog,
    OpenFolderDialog,
    OpenPaths(Vec<PathBuf>),
    PlaySamples,
    SetShuffle(bool),
    /// The channels' order changed in the settings: what plays follows it.
    Reorder,
    ShowShortcuts,
    ShowAbout,
    OpenLogFolder,
    /// Play a Makapix channel picked in the window.
    PlayChannel(crate::protocol::command::PlayChannel),
    ShowDiagnostics,
    /// The settings panel, with this section unfolded and scrolled to.
    OpenSettingsSection(crate::settings::SettingsSection),
    ReconnectNow,
    TestConnection,
    /// Device previews: View › Preview as…, the cycle key, File › Save preview image….
    Preview(super::preview_view::PreviewCommand),
    /// A sentence for the status bar (an input the window refused).
    Tell(crate::session::Notice),
    Quit,
}

/// (keys as shown to the user, what they do) — the single list behind the
/// shortcut handler, the Help window and the README. Key names are words where
/// the window's fonts have no glyph (arrows would show as empty boxes).
pub(crate) const SHORTCUTS: [(&str, &str); 24] = [
    ("Right", "Next artwork"),
    ("Left", "Previous artwork"),
    ("Space", "Pause / resume"),
    ("P", "Pin the current artwork (stays until unpinned)"),
    ("L", "Like / unlike the Makapix artwork on screen (❤️)"),
    ("F or F11", "Fullscreen"),
    (
        "Esc",
        "One at a time: close a menu or prompt; leave fullscreen; close a window; cancel an export",
    ),
    ("I", "Info overlay"),
    ("S", "Settings panel"),
    ("C", "Comments of the Makapix artwork on screen"),
    ("M", "Load more comments (comments panel)"),
    ("E", "Playlist editor"),
    ("A", "Add the artwork on screen (playlist editor)"),
    ("Up / Down", "Select a row (playlist editor)"),
    (
        "Alt+Up / Alt+Down",
        "Move the selected row (playlist editor)",
    ),
    ("Delete", "Remove the selected row (playlist editor)"),
    ("Ctrl+S / Ctrl+Shift+S", "Save / save as (playlist editor)"),
    ("V", "Next device preview (screen, p3a, LED panels)"),
    (
        "Ctrl+E",
        "Export the device preview in the format chosen last (GIF at first)",
    ),
    ("Ctrl+O", "Open files"),
    ("Ctrl+Shift+O", "Open a folder"),
    (
        "Ctrl+V",
        "Play the file or folder whose path is on the clipboard",
    ),
    ("Ctrl+Q", "Quit"),
    ("F1", "Keyboard shortcuts"),
];

const OPEN_FOLDER: KeyboardShortcut =
    KeyboardShortcut::new(Modifiers::COMMAND.plus(Modifiers::SHIFT), Key::O);
const OPEN_FILES: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::O);
const QUIT: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Q);
const EXPORT: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::E);

/// What has the keyboard this frame.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyboardOwner {
    /// Nothing focused: every shortcut is the window's.
    Window,
    /// A button, box, slider or list: Enter presses it and the arrows move
    /// on from it or change its value; the other keys, Space too (pause:
    /// the docs say Enter presses a button), are still the window's.
    Control,
    /// A text field: it takes every key it can type or edit with.
    Text,
}

impl KeyboardOwner {
    pub(crate) fn of(ctx: &egui::Context) -> Self {
        if ctx.text_edit_focused() {
            Self::Text
        } else if ctx.memory(|m| m.focused().is_some()) {
            Self::Control
        } else {
            Self::Window
        }
    }
}

/// What is open that Esc could close, top first.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct OpenToEscape {
    /// A window asking for a path: it hears Esc itself.
    pub prompt: bool,
    pub fullscreen: bool,
    pub shortcuts: bool,
    pub about: bool,
    pub diagnostics: bool,
}

/// What one Esc press does: one thing, the topmost. An export under way is
/// cancelled only when nothing else is open, so dismissing a prompt or a
/// window never costs the export too.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum EscapeDoes {
    /// Nothing more: the prompt cancels itself.
    Prompt,
    /// Leaves fullscreen (the status bar, with an export's Cancel button, is hidden there).
    LeaveFullscreen,
    CloseShortcuts,
    CloseAbout,
    CloseDiagnostics,
    CancelExport,
}

pub(crate) fn escape_does(open: OpenToEscape) -> EscapeDoes {
    if open.prompt {
        EscapeDoes::Prompt
    } else if open.fullscreen {
        EscapeDoes::LeaveFullscreen
    } else if open.shortcuts {
        EscapeDoes::CloseShortcuts
    } else if open.about {
        EscapeDoes::CloseAbout
    } else if open.diagnostics {
        EscapeDoes::CloseDiagnostics
    } else {
        EscapeDoes::CancelExport
    }
}

/// Keys a focused control (not only a text field) uses as its own.
const CONTROL_KEYS: [Key; 4] = [
    Key::ArrowLeft,
    Key::ArrowRight,
    Key::ArrowUp,
    Key::ArrowDown,
];

/// Reads this frame's key presses. Single-key shortcuts are skipped while a
/// text field has the keyboard, so typing a path does not flip the artwork,
/// and the arrows while another control has it.
pub(crate) fn from_keyboard(ctx: &egui::Context) -> Vec<UserAction> {
    let owner = KeyboardOwner::of(ctx);
    // An open menu or list closes on Esc by itself; the key is left to it.
    let popup = egui::Popup::is_any_open(ctx);
    ctx.input_mut(|input| {
        let mut actions = Vec::new();
        // Longest combination first: Ctrl+Shift+O must not also count as Ctrl+O.
        if input.consume_shortcut(&OPEN_FOLDER) {
            actions.push(UserAction::OpenFolderDialog);
        }
        if input.consume_shortcut(&OPEN_FILES) {
            actions.push(UserAction::OpenFilesDialog);
        }
        if input.consume_shortcut(&QUIT) {
            actions.push(UserAction::Quit);
        }
        if input.consume_shortcut(&EXPORT) {
            actions.push(UserAction::Preview(PreviewCommand::Export));
        }
        if owner == KeyboardOwner::Text {
            return actions;
        }
        if !popup && input.key_pressed(Key::Escape) && input.modifiers.is_none() {
            // Read, not taken: a prompt's own Esc (Cancel) still hears it.
            actions.push(UserAction::Escape);
        }
        let plain = [
            (Key::ArrowRight, UserAction::Next),
            (Key::ArrowLeft, UserAction::Previous),
            (Key::Space, UserAction::TogglePause),
            (Key::P, UserAction::TogglePin),
            (Key::L, UserAction::ToggleLike),
            (Key::F, UserAction::ToggleFullscreen),
            (Key::F11, UserAction::ToggleFullscreen),
            (Key::I, UserAction::ToggleInfo),
            (Key::S, UserAction::ToggleSettings),
            (Key::C, UserAction::ToggleComments),
            (Key::E, UserAction::TogglePlaylistEditor),
            (Key::F1, UserAction::ShowShortcuts),
            (Key::V, UserAction::Preview(PreviewCommand::Cycle)),
        ];
        for (key, action) in plain {
            if owner == KeyboardOwner::Control && CONTROL_KEYS.contains(&key) {
                continue;
            }
            if input.consume_key(Modifiers::NONE, key) {
                actions.push(action);
            }
        }
        actions
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A prompt over everything takes the press alone; then each window in
    /// turn; an export is cancelled only when nothing is left to close.
    #[test]
    fn one_escape_does_one_thing_the_topmost_first() {
        let all = OpenToEscape {
            prompt: true,
            fullscreen: true,
            shortcuts: true,
            about: true,
            diagnostics: true,
        };
        let mut open = all;
        let mut done = Vec::new();
        loop {
            let does = escape_does(open);
            done.push(does);
            match does {
                EscapeDoes::Prompt => open.prompt = false,
                EscapeDoes::LeaveFullscreen => open.fullscreen = false,
                EscapeDoes::CloseShortcuts => open.shortcuts = false,
                EscapeDoes::CloseAbout => open.about = false,
                EscapeDoes::CloseDiagnostics => open.diagnostics = false,
                EscapeDoes::CancelExport => break,
            }
        }
        use EscapeDoes::*;
        assert_eq!(
            done,
            [
                Prompt,
                LeaveFullscreen,
                CloseShortcuts,
                CloseAbout,
                CloseDiagnostics,
                CancelExport
            ]
        );
        let prompt_only = OpenToEscape {
            prompt: true,
            ..OpenToEscape::default()
        };
        assert_eq!(escape_does(prompt_only), Prompt, "not the export too");
    }
}
