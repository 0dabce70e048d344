//! `--trace-timing` in the window (the `timing decode` line is `app::trace`'s):
//! a `timing present` line when the frame of an artwork reaches the GPU. The
//! line is written from a paint callback, so it is stamped when eframe paints that frame (just before the buffer swap), not
//! when the UI pass merely decided what to draw.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use eframe::egui::{self, Painter, Rect};

use crate::app::trace::art_id;
use crate::player::ArtworkSource;
use crate::timing;

/// When the current UI pass started (µs on the timing clock).
static PASS_START_US: AtomicU64 = AtomicU64::new(0);
static FIRST_SHOWN: AtomicBool = AtomicBool::new(false);

pub(crate) fn pass_started() {
    if timing::enabled() {
        PASS_START_US.store(timing::mono_us(), Ordering::Relaxed);
    }
}

/// Queues the `present` line for frame `frame` of `source`, drawn in `rect`.
pub fn mark(painter: &Painter, rect: Rect, source: &ArtworkSource, frame: usize) {
    if !timing::enabled() {
        return;
    }
    let art = art_id(source);
    let callback = eframe::egui_glow::CallbackFn::new(move |_info, _painter| {
        let now = timing::mono_us();
        let ui_us = now.saturating_sub(PASS_START_US.load(Ordering::Relaxed));
        if !FIRST_SHOWN.swap(true, Ordering::Relaxed) {
            timing::event("first_artwork", format_args!("art={art}"));
        }
        timing::event(
            "present",
            format_args!("art={art} frame={frame} pass_us={ui_us}"),
        );
    });
    painter.add(egui::PaintCallback {
        rect,
        callback: Arc::new(callback),
    });
}
