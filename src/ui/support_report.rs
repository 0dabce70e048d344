//! Diagnostics › Copy report: what a helper needs to see (versions, system,
//! server, transport, state, the last log lines) without anything that would
//! let them become the player: the player key in its short form only, no
//! token, no certificate or key (the window never holds those anyway).

use std::fmt::Write;
use std::time::SystemTime;

use eframe::egui::Ui;

use super::diagnostics::{ConnectionView, clock, short_topic};
use crate::bridge::connection::Direction;

/// Log lines in the report.
pub(crate) const LINES: usize = 50;

/// What the report says besides the connection view.
pub struct Facts<'a> {
    /// The server as Settings › Player names it.
    pub server: String,
    /// The stored player's key (shown short).
    pub player_key: Option<&'a str>,
    /// Settings › Player › Transport.
    pub transport: &'static str,
    /// What draws the window (`GL_RENDERER`, and whether it rasterises on the
    /// CPU): the first question when the window is slow.
    pub renderer: Option<&'a str>,
}

impl<'a> Facts<'a> {
    pub fn of(
        player: &'a super::player_pane::PlayerPane,
        settings: &crate::settings::Settings,
        renderer: Option<&'a str>,
    ) -> Self {
        Facts {
            server: player.server.describe(),
            player_key: player.summary().map(|s| s.player_key.as_str()),
            transport: settings.transport.label(),
            renderer,
        }
    }
}

/// The report as text for the clipboard.
pub fn report(view: &ConnectionView, facts: &Facts<'_>, now: SystemTime) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Makapix Player {}", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(
        out,
        "System: {} {} ({})",
        std::env::consts::OS,
        std::env::consts::ARCH,
        std::env::consts::FAMILY
    );
    let _ = writeln!(
        out,
        "OpenGL renderer: {}",
        facts.renderer.unwrap_or("not known")
    );
    let _ = writeln!(out, "Server: {}", facts.server);
    if let Some(broker) = &view.info.broker {
        let _ = writeln!(out, "Broker: {broker}");
    }
    if let Some(api) = &view.info.https_api {
        let _ = writeln!(out, "HTTPS API: {api}");
    }
    let _ = writeln!(
        out,
        "Transport: {} (requests now over {})",
        facts.transport,
        view.info.via.name()
    );
    let player = facts.player_key.map_or_else(
        || "none stored".to_owned(),
        |key| crate::player_key::short(key).to_string(),
    );
    let _ = writeln!(out, "Player: {player}");
    let _ = writeln!(out, "State: {}", view.state_sentence());
    for line in view.tooltip(now).lines().skip(1) {
        let _ = writeln!(out, "  {line}");
    }
    let _ = writeln!(out, "\nLast {LINES} log lines:");
    let skip = view.log.len().saturating_sub(LINES);
    for entry in view.log.iter().skip(skip) {
        let direction = match entry.direction {
            Direction::In => "in ",
            Direction::Out => "out",
            Direction::Note => " · ",
        };
        let summary = if quotes_a_secret(&entry.summary) {
            "(withheld: it quoted a certificate, key or token)"
        } else {
            &entry.summary
        };
        let _ = writeln!(
            out,
            "{} {direction} {} {} B {summary}",
            clock(entry.at),
            short_topic(&entry.topic),
            entry.size,
        );
    }
    // Any key met so far (in a summary quoting the server, say) goes short too.
    let mut text = crate::player_key::redact(&out).into_owned();
    if let Some(key) = facts.player_key {
        text = text.replace(key, &crate::player_key::short(key).to_string());
    }
    text
}

/// A log line that quotes PEM text or a bearer token (a server echoing what it
/// should not, say) is left out of the report: it goes to strangers.
fn quotes_a_secret(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    ["-----begin", "private key", "bearer ", "token="]
        .iter()
        .any(|s| lower.contains(s))
}

/// The button; the report goes to the clipboard.
pub fn button(ui: &mut Ui, view: &ConnectionView, facts: &Facts<'_>) {
    let clicked = ui
        .button("Copy report")
        .on_hover_text("Copies versions, system, OpenGL renderer, server, transport and the last 50 log lines for a support request. The player key is shortened; no token or certificate is included.")
        .clicked();
    if clicked {
        ui.ctx().copy_text(report(view, facts, SystemTime::now()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(renderer: Option<&str>) -> Facts<'_> {
        Facts {
            server: "makapix.club".into(),
            player_key: None,
            transport: "Automatic",
            renderer,
        }
    }

    #[test]
    fn the_report_names_what_draws_the_window() {
        let view = ConnectionView::default();
        let name = "llvmpipe (LLVM 15.0.6, 256 bits) (rasterises on the CPU)";
        let text = report(&view, &facts(Some(name)), SystemTime::now());
        assert!(
            text.contains(&format!("\nOpenGL renderer: {name}\n")),
            "{text}"
        );
        let text = report(&view, &facts(None), SystemTime::now());
        assert!(text.contains("\nOpenGL renderer: not known\n"), "{text}");
    }
}
