//! Where no file dialog can open (a Linux desktop without xdg-desktop-portal
//! or zenity, where rfd comes back at once with nothing), a small window asks
//! for the path instead, filled in with a sensible place: saving never
//! silently does nothing.

use std::path::{Path, PathBuf};

use eframe::egui::{self, Key, RichText};

use crate::app::file_dialog;
use crate::credentials::secret_text;

/// What the window came to this pass.
#[derive(Debug, PartialEq)]
enum Answer {
    Waiting,
    Cancelled,
    Path(PathBuf),
}

/// Draws the prompt in `open` (with what it was asked for) while there is
/// one; once it is answered it closes, and a path given comes back with that.
pub(crate) fn ask<T: Copy>(
    open: &mut Option<(PathPrompt, T)>,
    ctx: &egui::Context,
) -> Option<(PathBuf, T)> {
    let (prompt, purpose) = open.as_mut()?;
    let purpose = *purpose;
    let answer = prompt.show(ctx);
    if answer == Answer::Waiting {
        let pass = ctx.cumulative_pass_nr();
        ctx.data_mut(|d| d.insert_temp(shown_id(), pass));
    } else {
        *open = None;
    }
    match answer {
        Answer::Path(path) => Some((path, purpose)),
        Answer::Waiting | Answer::Cancelled => None,
    }
}

fn shown_id() -> egui::Id {
    egui::Id::unique("path_prompt_shown")
}

/// Whether a prompt stayed open in the last pass: the window's top, which
/// hears Esc itself (Cancel), so nothing under it takes the same press.
pub(crate) fn is_open(ctx: &egui::Context) -> bool {
    let shown = ctx.data(|d| d.get_temp::<u64>(shown_id()));
    shown.is_some_and(|pass| pass + 1 >= ctx.cumulative_pass_nr())
}

/// The window asking for a path.
pub(crate) struct PathPrompt {
    title: String,
    question: &'static str,
    action: &'static str,
    text: String,
    problem: Option<&'static str>,
    focused: bool,
}

impl PathPrompt {
    /// Titled `title`, asking `question` ("Type where to save:"), its button
    /// `action`, filled in with `suggested`.
    pub(crate) fn new(
        title: impl Into<String>,
        question: &'static str,
        action: &'static str,
        suggested: &Path,
    ) -> Self {
        Self {
            title: title.into(),
            question,
            action,
            text: suggested.display().to_string(),
            problem: None,
            focused: false,
        }
    }

    /// Draws the window; Enter or the button gives the path, Esc or Cancel ends it.
    fn show(&mut self, ctx: &egui::Context) -> Answer {
        let mut answer = Answer::Waiting;
        egui::Window::new(self.title.as_str())
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            // Asked for by the user just now: above the welcome card and the other windows.
            .order(egui::Order::Foreground)
            .show(ctx, |ui| {
                ui.set_width(520.0);
                ui.label(file_dialog::no_dialog(self.question));
                let field = ui
                    .horizontal(|ui| {
                        let caption = ui.label("File");
                        ui.add(
                            egui::TextEdit::singleline(&mut self.text).desired_width(f32::INFINITY),
                        )
                        .labelled_by(caption.id)
                    })
                    .inner;
                if !std::mem::replace(&mut self.focused, true) {
                    field.request_focus();
                }
                // A key pasted here by mistake would become a folder name on disk.
                if super::secret_field::wipe_if_secret(ui, &field, &mut self.text) {
                    self.problem = Some(secret_text::REFUSED);
                }
                if let Some(problem) = self.problem {
                    ui.label(RichText::new(problem).color(ui.visuals().error_fg_color));
                }
                let entered = field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
                ui.horizontal(|ui| {
                    if ui.button(self.action).clicked() || entered {
                        answer = self.take();
                    }
                    if ui.button("Cancel").clicked() || ui.input(|i| i.key_pressed(Key::Escape)) {
                        answer = Answer::Cancelled;
                    }
                });
            });
        answer
    }

    /// The path typed, `~` standing for the home folder; a sentence if there is none.
    fn take(&mut self) -> Answer {
        let typed = self.text.trim();
        // HOME, not the user-dirs file: nothing on the window thread reads a file.
        let path = match typed.strip_prefix("~/").or((typed == "~").then_some("")) {
            Some(rest) => match std::env::home_dir() {
                Some(home) => home.join(rest),
                None => PathBuf::from(typed),
            },
            None => PathBuf::from(typed),
        };
        if path.file_name().is_none() || typed.ends_with(['/', '\\']) {
            self.problem = Some("Type a file name at the end of the path.");
            return Answer::Waiting;
        }
        Answer::Path(path)
    }
}

#[cfg(test)]
mod tests {
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable as _;

    use super::*;

    fn prompt(suggested: &str) -> Harness<'static, (PathPrompt, Vec<Answer>)> {
        let state = (
            PathPrompt::new(
                "Export the preview",
                "Type where to save:",
                "Export",
                Path::new(suggested),
            ),
            Vec::new(),
        );
        Harness::new_ui_state(
            |ui, (prompt, answers): &mut (PathPrompt, Vec<Answer>)| {
                let answer = prompt.show(ui.ctx());
                if answer != Answer::Waiting {
                    answers.push(answer);
                }
            },
            state,
        )
    }

    #[test]
    fn the_suggested_path_is_given_on_enter_and_a_typed_one_on_the_button() {
        let mut h = prompt("/home/me/Pictures/sun led64x64.gif");
        h.run();
        h.key_press(Key::Enter);
        h.run();
        assert_eq!(
            h.state().1,
            [Answer::Path("/home/me/Pictures/sun led64x64.gif".into())]
        );

        let mut h = prompt("/home/me/Pictures/sun.gif");
        h.run();
        h.get_by_label("File").focus();
        h.key_press_modifiers(egui::Modifiers::COMMAND, Key::A);
        h.get_by_label("File").type_text("/tmp/out.webp");
        h.run();
        h.get_by_label("Export").click();
        h.run();
        assert_eq!(h.state().1, [Answer::Path("/tmp/out.webp".into())]);
    }

    #[test]
    fn a_folder_alone_is_refused_with_a_sentence_and_esc_cancels() {
        let mut h = prompt("/home/me/Pictures/");
        h.run();
        h.get_by_label("Export").click();
        h.run();
        assert!(h.state().1.is_empty(), "{:?}", h.state().1);
        h.get_by_label("Type a file name at the end of the path.");
        h.key_press(Key::Escape);
        h.run();
        assert_eq!(h.state().1, [Answer::Cancelled]);
    }

    #[test]
    fn a_key_pasted_for_a_path_is_wiped_and_never_given() {
        let mut h = prompt("/home/me/Pictures/sun.gif");
        h.run();
        h.get_by_label("File").focus();
        h.key_press_modifiers(egui::Modifiers::COMMAND, Key::A);
        crate::ui::secret_field::pasted::key_into(&mut h, "File");
        h.get_by_label(secret_text::REFUSED);
        h.get_by_label("Export").click();
        h.run();
        assert!(h.state().1.is_empty(), "{:?}", h.state().1);
    }

    #[test]
    fn a_tilde_stands_for_the_home_folder() {
        let mut h = prompt("~/art.png");
        h.run();
        h.get_by_label("Export").click();
        h.run();
        let Some(Answer::Path(path)) = h.state().1.first() else {
            panic!("{:?}", h.state().1);
        };
        assert!(path.ends_with("art.png") && path.is_absolute(), "{path:?}");
    }
}
