//! The Diagnostics window's pictures of the last ten minutes: the connection
//! as coloured bands with each command's time to the screen over them, and
//! messages and views per minute.

use std::time::SystemTime;

use eframe::egui::{self, Color32, Ui};
use egui_plot::{Corner, Legend, Line, Plot, PlotResponse, Points, Span};

use crate::app::timeline::{Band, SPAN, Timeline};

fn band_color(band: Band) -> Color32 {
    match band {
        Band::Online => Color32::from_rgba_unmultiplied(80, 200, 110, 60),
        Band::HttpsFallback => Color32::from_rgba_unmultiplied(120, 180, 230, 60),
        Band::Reconnecting => Color32::from_rgba_unmultiplied(240, 140, 50, 60),
        Band::Offline => Color32::from_rgba_unmultiplied(220, 70, 60, 40),
    }
}

/// In small type: five entries fit above the axis's numbers.
fn legend() -> Legend {
    Legend::default()
        .position(Corner::LeftTop)
        .text_style(egui::TextStyle::Small)
}

/// Both plots, one above the other.
pub fn show(ui: &mut Ui, timeline: &Timeline, now: SystemTime) {
    let height = 120.0;
    let start = -SPAN.as_secs_f64();
    ui.label("Connection and the time from each command to the screen (last 10 minutes)");
    Plot::new("diagnostics_connection")
        .height(height)
        .legend(legend())
        .include_x(start)
        .include_x(0.0)
        .include_y(0.0)
        // A scale for the dots before the first one comes.
        .include_y(500.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .x_axis_label("seconds ago")
        .y_axis_label("ms")
        .show(ui, |plot| {
            for stretch in timeline.stretches(now) {
                let band = stretch.band;
                plot.add(
                    Span::new(band.label(), stretch.from..=stretch.to)
                        .fill(band_color(band))
                        .border_width(0.0),
                );
            }
            let points = timeline.latencies(now);
            plot.points(
                Points::new("command to screen", points)
                    .radius(3.0)
                    .color(Color32::WHITE),
            );
        });
    rates(ui, timeline, now, height);
}

/// Messages each way and views' fates, per minute; the plot's response.
fn rates(ui: &mut Ui, timeline: &Timeline, now: SystemTime, height: f32) -> PlotResponse<()> {
    let start = -SPAN.as_secs_f64();
    ui.label("Messages and views per minute");
    let minutes = |i: usize| (i as f64 - 9.0) * 60.0;
    let messages = timeline.messages_per_minute(now);
    let views = timeline.views_per_minute(now);
    let series = |values: Vec<u32>| -> Vec<[f64; 2]> {
        values
            .into_iter()
            .enumerate()
            .map(|(i, n)| [minutes(i), f64::from(n)])
            .collect()
    };
    Plot::new("diagnostics_rates")
        .height(height)
        .legend(legend())
        .include_x(start)
        .include_x(0.0)
        .include_y(0.0)
        // A scale before the first message: counts are never negative.
        .include_y(10.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .x_axis_label("seconds ago")
        .show(ui, |plot| {
            let lines: [(&str, Vec<u32>, Color32); 5] = [
                (
                    "messages in",
                    messages.iter().map(|m| m[0]).collect(),
                    Color32::LIGHT_BLUE,
                ),
                (
                    "messages out",
                    messages.iter().map(|m| m[1]).collect(),
                    Color32::LIGHT_GREEN,
                ),
                (
                    "views queued",
                    views.iter().map(|v| v[0]).collect(),
                    Color32::GRAY,
                ),
                (
                    "views delivered",
                    views.iter().map(|v| v[1]).collect(),
                    Color32::GOLD,
                ),
                (
                    "views refused",
                    views.iter().map(|v| v[2]).collect(),
                    egui::Color32::LIGHT_RED,
                ),
            ];
            for (name, values, color) in lines {
                plot.line(Line::new(name, series(values)).color(color));
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_rates_plot_counts_up_from_zero() {
        let mut lowest = None;
        let mut h = egui_kittest::Harness::new_ui(|ui| {
            let shown = rates(ui, &Timeline::default(), SystemTime::now(), 120.0);
            lowest = Some(shown.transform.bounds().min()[1]);
        });
        h.run();
        drop(h);
        // egui_plot adds a margin of 5% of the range below the lowest value.
        let lowest = lowest.expect("drawn");
        assert!(lowest > -1.0, "the count axis starts at {lowest}");
    }
}
