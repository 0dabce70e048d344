//! How worker threads wake the window: the egui context, known from the
//! first frame on, shared with every thread that reports to the window.

use std::sync::{Arc, OnceLock};

use eframe::egui;

#[derive(Clone, Default)]
pub(crate) struct Wake(Arc<OnceLock<egui::Context>>);

impl Wake {
    /// Called each frame; only the first call stores the context.
    pub(crate) fn know(&self, ctx: &egui::Context) {
        let _ = self.0.set(ctx.clone());
    }

    pub(crate) fn wake(&self) {
        if let Some(ctx) = self.0.get() {
            ctx.request_repaint();
        }
    }

    /// The same, for a layer that knows no egui (`app`).
    pub(crate) fn waker(&self) -> crate::app::decode_schedule::Waker {
        let this = self.clone();
        std::sync::Arc::new(move || this.wake())
    }
}
