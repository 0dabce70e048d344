//! A close the system asked for (a quit signal: the session ending, Ctrl+C,
//! the terminal closing), told apart from the user's close button: nobody is
//! there to answer a question, so what the window would ask about is kept
//! instead (`unsaved_changes`).

use eframe::egui;

fn flag() -> egui::Id {
    egui::Id::unique("close_asked_by_the_system")
}

/// Closes the window for the system; from any thread.
pub fn ask(ctx: &egui::Context) {
    ctx.data_mut(|d| d.insert_temp(flag(), true));
    // Taken by the next pass, which the repaint starts.
    ctx.send_viewport_cmd_to(egui::ViewportId::ROOT, egui::ViewportCommand::Close);
    ctx.request_repaint();
}

/// Whether the system asked the window to close.
pub(crate) fn asked(ctx: &egui::Context) -> bool {
    ctx.data(|d| d.get_temp(flag())).unwrap_or(false)
}
