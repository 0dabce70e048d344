//! Draws the comments panel (View › Comments, `C`) beside the artwork.

use eframe::egui::{self, Key, Modifiers, RichText, Ui};

use super::actions::{KeyboardOwner, UserAction};
use crate::session::comment_thread::Shown;
use crate::session::comments::{Comments, CommentsStatus};

/// Indentation per reply level.
const INDENT: f32 = 14.0;

pub fn show(ui: &mut Ui, comments: &Comments, actions: &mut Vec<UserAction>) {
    keyboard(ui.ctx(), comments, actions);
    egui::Panel::left("comments_panel")
        .resizable(true)
        .default_size(260.0)
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.heading("Comments");
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    let close = ui.small_button("✖").on_hover_text("Close (C)");
                    close.widget_info(|| {
                        egui::WidgetInfo::labeled(egui::Role::Button, true, "Close comments")
                    });
                    if close.clicked() {
                        actions.push(UserAction::ToggleComments);
                    }
                });
            });
            ui.separator();
            match comments.status() {
                CommentsStatus::NotAPost => {
                    ui.label(
                        "Comments exist only for Makapix Club posts; this artwork is a local \
                         file or a sample.",
                    );
                }
                CommentsStatus::Offline => {
                    ui.label("Connect this player (Settings › Player) to read comments.");
                }
                CommentsStatus::Loading => {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label("Loading comments…");
                    });
                }
                CommentsStatus::Failed(reason) => {
                    ui.label(format!("The comments could not be loaded. {reason}"));
                    if ui.button("Try again").on_hover_text("M").clicked() {
                        actions.push(UserAction::MoreComments);
                    }
                }
                CommentsStatus::Ready => list(ui, comments, actions),
            }
        });
}

/// `M` loads more comments (or tries again after a failure), as the button
/// under the list does; `C` closes the panel, like everywhere else.
fn keyboard(ctx: &egui::Context, comments: &Comments, actions: &mut Vec<UserAction>) {
    if KeyboardOwner::of(ctx) == KeyboardOwner::Text {
        return;
    }
    let can_load = match comments.status() {
        CommentsStatus::Failed(_) => true,
        CommentsStatus::Ready => comments.more() == (true, false),
        _ => false,
    };
    if can_load && ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::M)) {
        actions.push(UserAction::MoreComments);
    }
}

fn list(ui: &mut Ui, comments: &Comments, actions: &mut Vec<UserAction>) {
    let shown = comments.threaded();
    let (more, waiting) = comments.more();
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            if shown.is_empty() {
                ui.label("No comments yet.");
            }
            for comment in &shown {
                one(ui, comment);
            }
            if let Some(reason) = comments.error() {
                ui.label(format!("More comments could not be loaded. {reason}"));
            }
            if waiting {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Loading more…");
                });
            } else if more && ui.button("Load more").on_hover_text("M").clicked() {
                actions.push(UserAction::MoreComments);
            }
        });
}

fn one(ui: &mut Ui, c: &Shown) {
    ui.horizontal_top(|ui| {
        ui.add_space(INDENT * f32::from(c.depth));
        ui.vertical(|ui| {
            ui.horizontal_wrapped(|ui| {
                let author = c.author.as_deref().unwrap_or("anonymous");
                if c.deleted {
                    ui.label(RichText::new("deleted").weak().italics());
                } else {
                    ui.label(RichText::new(author).strong());
                }
                ui.label(RichText::new(when(&c.created_at)).weak().small());
            });
            if c.deleted {
                ui.label(RichText::new("This comment was deleted.").weak().italics());
            } else {
                // Plain text: a label never interprets markup or links.
                ui.add(egui::Label::new(&c.body).wrap());
            }
        });
    });
    ui.add_space(4.0);
}

/// `2026-01-01T12:34:56Z` as `2026-01-01 12:34`; anything else as it came.
fn when(created_at: &str) -> String {
    match (created_at.get(..10), created_at.get(11..16)) {
        (Some(day), Some(time)) if created_at.as_bytes().get(10) == Some(&b'T') => {
            format!("{day} {time}")
        }
        _ => created_at.to_owned(),
    }
}
