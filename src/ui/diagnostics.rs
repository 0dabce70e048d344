//! What the window knows of the connection (state, tooltip facts, the
//! diagnostics log, the last connection test) and the Diagnostics window.
//! Only draws and turns clicks into actions; the runtime does the work.

use std::collections::VecDeque;
use std::time::{Duration, SystemTime};

use eframe::egui::{self, RichText, Ui};

use super::actions::UserAction;
use crate::app::timeline::{Band, Timeline};
use crate::bridge::connection::{
    ConnectionEvent, ConnectionState, Direction, FailureKind, LogEntry, SessionInfo,
};
use crate::bridge::transport::Via;

/// Entries kept for the pane (the runtime keeps as many).
const LOG_LINES: usize = 300;

#[derive(Clone, Debug, PartialEq)]
pub enum TestStatus {
    Idle,
    Running,
    Done(Result<Duration, String>),
}

pub struct ConnectionView {
    pub state: ConnectionState,
    pub info: SessionInfo,
    pub log: VecDeque<LogEntry>,
    pub test: TestStatus,
    pub open: bool,
    /// The last ten minutes, for the plot.
    pub timeline: Timeline,
}

impl Default for ConnectionView {
    fn default() -> Self {
        Self {
            state: ConnectionState::NotRegistered,
            info: SessionInfo::default(),
            log: VecDeque::new(),
            test: TestStatus::Idle,
            open: false,
            timeline: Timeline::default(),
        }
    }
}

impl ConnectionView {
    pub fn apply(&mut self, event: ConnectionEvent) {
        let now = SystemTime::now();
        match event {
            ConnectionEvent::State(state) => {
                self.state = state;
                self.timeline.band(now, Band::of(state, self.info.via));
            }
            ConnectionEvent::Info(info) => {
                self.info = info;
                self.timeline.band(now, Band::of(self.state, self.info.via));
            }
            ConnectionEvent::ViewFate(fate) => self.timeline.view(now, fate),
            ConnectionEvent::Logged(entry) => {
                self.timeline.message(entry.at, entry.direction);
                if self.log.len() == LOG_LINES {
                    self.log.pop_front();
                }
                self.log.push_back(entry);
            }
            ConnectionEvent::TestResult(result) => self.test = TestStatus::Done(result),
            // Requests and commands are for the parts of the player that made or
            // obey them; nothing in this window does either yet.
            ConnectionEvent::Answered { tag, .. } => {
                tracing::debug!("answer to request {tag} not used by the window");
            }
            ConnectionEvent::Command(c, _) => {
                tracing::info!("command {} ({}) received", c.command_type, c.command_id);
            }
        }
    }

    /// The indicator's tooltip: broker, time connected, last error.
    pub fn tooltip(&self, now: SystemTime) -> String {
        let mut lines = vec![self.hint().to_owned()];
        if let Some(broker) = &self.info.broker {
            lines.push(format!("Broker: {broker}"));
        }
        lines.extend(self.transports());
        if let Some(since) = self.info.connected_since {
            let secs = now.duration_since(since).unwrap_or_default().as_secs();
            lines.push(format!("Connected for {}", human(secs)));
        }
        if let Some(wait) = self.info.retry_in {
            // An hour after a refusal: said in hours and minutes.
            let secs = wait.as_secs_f64().ceil() as u64;
            lines.push(format!("Next attempt after {}", human(secs)));
        }
        if let Some(err) = &self.info.last_error {
            lines.push(format!("Last error: {}", err.message));
        }
        if let Some(err) = &self.info.https_error {
            lines.push(format!("HTTPS: {err}"));
        }
        lines.push(match self.leads_to() {
            UserAction::ShowDiagnostics => "Click for Diagnostics.".to_owned(),
            _ => "Click to open Settings › Player.".to_owned(),
        });
        lines.join("\n")
    }

    /// Both transports' states, while requests go over HTTPS.
    fn transports(&self) -> Vec<String> {
        let Some(mqtt) = self.info.mqtt_state.filter(|_| self.info.via == Via::Https) else {
            return Vec::new();
        };
        let api = self.info.https_api.as_deref().unwrap_or("the HTTPS API");
        vec![
            format!("Requests and views: over HTTPS ({api})"),
            format!(
                "MQTT (commands, presence): {} — port 8883 seems blocked on this network",
                state_word(mqtt)
            ),
        ]
    }

    /// A command's artwork reached the screen `took` after the window had the command.
    pub(crate) fn command_shown(&mut self, took: Duration) {
        self.timeline.latency(SystemTime::now(), took);
    }

    /// The state as a heading: "Not registered", "Connected over HTTPS".
    pub fn title(&self) -> String {
        let word = state_word(self.state);
        let mut title: String = word.chars().take(1).flat_map(char::to_uppercase).collect();
        title.push_str(&word[word.chars().next().map_or(0, char::len_utf8)..]);
        if self.state == ConnectionState::Connected && self.info.via == Via::Https {
            title.push_str(" over HTTPS");
        }
        title
    }

    /// The state in a sentence that says what it means.
    pub(crate) fn state_sentence(&self) -> &'static str {
        self.hint()
    }

    /// Why "Test connection" cannot run now, if it cannot.
    fn cannot_test(&self) -> Option<&'static str> {
        match self.state {
            ConnectionState::Connected if self.test == TestStatus::Running => {
                Some("A test is running.")
            }
            ConnectionState::Connected => None,
            ConnectionState::NotRegistered => Some(
                "There is no player to test: register this computer or import its certificates in Settings › Player.",
            ),
            _ => Some("Works once the player is connected."),
        }
    }

    /// Why "Reconnect now" cannot help now, if it cannot.
    fn cannot_reconnect(&self) -> Option<&'static str> {
        if self.can_reconnect() {
            return None;
        }
        Some(match self.state {
            ConnectionState::NotRegistered => {
                "There is no player to connect: register this computer or import its certificates in Settings › Player."
            }
            ConnectionState::Connected => "Already connected.",
            ConnectionState::Connecting => "Connecting now.",
            _ => "No server is configured for this player yet.",
        })
    }

    /// "Test connection" names the way its echo will go.
    pub(crate) fn test_label(&self) -> String {
        format!("Test connection ({})", self.info.via.name())
    }

    fn hint(&self) -> &'static str {
        match self.state {
            ConnectionState::Connected if self.info.via == Via::Https => {
                "Connected to Makapix Club over HTTPS: channels, likes, comments and views work; commands from makapix.club need MQTT on port 8883."
            }
            ConnectionState::NotRegistered => {
                "This player is not linked to a Makapix Club account, so it plays local files and the sample art."
            }
            ConnectionState::Disconnected => "Not connected to Makapix Club.",
            ConnectionState::Connecting => "Connecting to Makapix Club.",
            ConnectionState::Connected => "Connected to Makapix Club.",
            ConnectionState::Reconnecting => "The connection was lost; the player is trying again.",
            ConnectionState::Removed => {
                "Makapix Club no longer accepts this player: it was removed from its account, or the account is suspended. Unless the server said it was removed for sure, the player checks again every hour (a suspension ends by itself); otherwise register it again or import new certificates in Settings › Player."
            }
            ConnectionState::Banned => {
                "Makapix Club refuses this player because its owner's account is banned or deactivated. The player checks again every hour: a ban may end by itself."
            }
        }
    }

    /// Another client holds this player's identity (the broker closed our session for it).
    pub(crate) fn identity_in_use(&self) -> bool {
        self.state != ConnectionState::Connected
            && self
                .info
                .last_error
                .as_ref()
                .is_some_and(|e| e.kind == FailureKind::TakenOver)
    }

    /// Where a click on the indicator leads: the Player section while there is
    /// no player to connect (or Makapix Club refuses it), else Diagnostics.
    pub(crate) fn leads_to(&self) -> UserAction {
        let setup = matches!(
            self.state,
            ConnectionState::NotRegistered | ConnectionState::Removed | ConnectionState::Banned
        );
        if setup && !self.identity_in_use() {
            UserAction::OpenSettingsSection(crate::settings::SettingsSection::Player)
        } else {
            UserAction::ShowDiagnostics
        }
    }

    /// Whether a "Reconnect now" button makes sense.
    pub(crate) fn can_reconnect(&self) -> bool {
        self.info.broker.is_some()
            && matches!(
                self.state,
                ConnectionState::Disconnected
                    | ConnectionState::Reconnecting
                    | ConnectionState::Removed
                    | ConnectionState::Banned
            )
    }
}

fn state_word(state: ConnectionState) -> &'static str {
    match state {
        ConnectionState::NotRegistered => "not registered",
        ConnectionState::Disconnected => "not connected",
        ConnectionState::Connecting => "connecting",
        ConnectionState::Connected => "connected",
        ConnectionState::Reconnecting => "reconnecting",
        ConnectionState::Removed => "removed from account",
        ConnectionState::Banned => "owner's account banned",
    }
}

fn human(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min {} s", secs / 60, secs % 60),
        _ => format!("{} h {} min", secs / 3600, (secs % 3600) / 60),
    }
}

/// `makapix/player/{key}/response/{id}` → `response/{id}`: the key is the same on every line.
pub(super) fn short_topic(topic: &str) -> &str {
    match topic.strip_prefix("makapix/player/") {
        Some(rest) => rest.split_once('/').map_or(rest, |(_, tail)| tail),
        None => topic,
    }
}

pub(super) fn clock(at: SystemTime) -> String {
    let secs = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    format!(
        "{:02}:{:02}:{:02}",
        (secs / 3600) % 24,
        (secs / 60) % 60,
        secs % 60
    )
}

/// The Diagnostics window.
pub fn show(
    ctx: &egui::Context,
    view: &mut ConnectionView,
    facts: &super::support_report::Facts<'_>,
    actions: &mut Vec<UserAction>,
) {
    let mut open = view.open;
    egui::Window::new("Diagnostics")
        .open(&mut open)
        .default_size([600.0, 560.0])
        .default_pos([60.0, 40.0])
        .show(ctx, |ui| {
            ui.horizontal(|ui| {
                ui.label(RichText::new(view.title()).strong());
                if let Some(broker) = &view.info.broker {
                    ui.label(format!("· {broker}"));
                }
            });
            ui.label(view.state_sentence());
            if let Some(api) = &view.info.https_api {
                ui.label(format!(
                    "HTTPS API (requests and views when 8883 is blocked): {api}"
                ));
            }
            buttons(ui, view, facts, actions);
            if let Some(err) = &view.info.last_error {
                ui.label(format!("Last error: {}", err.message));
            }
            if let Some(err) = &view.info.https_error {
                ui.label(format!("HTTPS: {err}"));
            }
            ui.separator();
            super::diagnostics_plot::show(ui, &view.timeline, SystemTime::now());
            ui.separator();
            log(ui, view);
        });
    view.open = open;
}

/// Test connection, Reconnect now (disabled with the reason on hover when they
/// cannot work), Copy report, and the test's outcome.
fn buttons(
    ui: &mut Ui,
    view: &mut ConnectionView,
    facts: &super::support_report::Facts<'_>,
    actions: &mut Vec<UserAction>,
) {
    ui.horizontal_wrapped(|ui| {
        let cannot_test = view.cannot_test();
        let test = ui.add_enabled(cannot_test.is_none(), egui::Button::new(view.test_label()));
        if test
            .on_disabled_hover_text(cannot_test.unwrap_or_default())
            .clicked()
        {
            view.test = TestStatus::Running;
            actions.push(UserAction::TestConnection);
        }
        let cannot_reconnect = view.cannot_reconnect();
        let reconnect = ui.add_enabled(
            cannot_reconnect.is_none(),
            egui::Button::new("Reconnect now"),
        );
        if reconnect
            .on_disabled_hover_text(cannot_reconnect.unwrap_or_default())
            .clicked()
        {
            actions.push(UserAction::ReconnectNow);
        }
        super::support_report::button(ui, view, facts);
        match &view.test {
            TestStatus::Idle => {}
            TestStatus::Running => {
                ui.label("Testing…");
            }
            TestStatus::Done(Ok(rtt)) => {
                let via = view.info.via.name();
                ui.label(format!("Round trip over {via}: {} ms", rtt.as_millis()));
            }
            TestStatus::Done(Err(e)) => {
                ui.label(RichText::new(e).color(egui::Color32::from_rgb(255, 170, 90)));
            }
        }
    });
}

/// Said where the log is, before anything was logged.
const EMPTY_LOG: &str = "Nothing logged yet. The connection to Makapix Club shows here, newest last: each attempt, the messages each way and what went wrong.";

/// The last messages, newest at the bottom: the time, way, topic and size in
/// aligned monospace, then the summary wrapped to the window's width (a
/// grid's last column would cut a long sentence at the edge).
fn log(ui: &mut Ui, view: &ConnectionView) {
    let topic_width = view
        .log
        .iter()
        .map(|e| short_topic(&e.topic).chars().count())
        .max()
        .unwrap_or(0);
    egui::ScrollArea::vertical()
        .stick_to_bottom(true)
        .auto_shrink([false, false])
        .show(ui, |ui| {
            if view.log.is_empty() {
                ui.weak(EMPTY_LOG);
            }
            for entry in &view.log {
                let way = match entry.direction {
                    Direction::In => "in ",
                    Direction::Out => "out",
                    Direction::Note => " · ",
                };
                let size = if entry.size > 0 {
                    format!("{} B", entry.size)
                } else {
                    String::new()
                };
                let topic = short_topic(&entry.topic);
                let head = format!("{} {way} {topic:<topic_width$} {size:>8}", clock(entry.at));
                ui.horizontal_top(|ui| {
                    ui.monospace(head);
                    ui.add(egui::Label::new(&entry.summary).wrap());
                });
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bridge::connection::{Failure, FailureKind};

    #[test]
    fn over_https_the_tooltip_names_both_transports() {
        let mut view = ConnectionView::default();
        view.apply(ConnectionEvent::State(ConnectionState::Connected));
        view.apply(ConnectionEvent::Info(SessionInfo {
            broker: Some("makapix.club:8883".into()),
            via: Via::Https,
            mqtt_state: Some(ConnectionState::Reconnecting),
            https_api: Some("https://makapix.club/api".into()),
            ..SessionInfo::default()
        }));
        let tip = view.tooltip(SystemTime::now());
        assert!(
            tip.contains("over HTTPS (https://makapix.club/api)"),
            "{tip}"
        );
        assert!(
            tip.contains("MQTT (commands, presence): reconnecting"),
            "{tip}"
        );
        assert!(
            tip.contains("commands from makapix.club need MQTT on port 8883"),
            "{tip}"
        );
        assert_eq!(view.test_label(), "Test connection (HTTPS)");
        view.apply(ConnectionEvent::State(ConnectionState::Disconnected));
        view.apply(ConnectionEvent::Info(SessionInfo {
            via: Via::Https,
            https_error: Some("Could not reach Makapix Club over HTTPS.".into()),
            ..SessionInfo::default()
        }));
        let tip = view.tooltip(SystemTime::now());
        assert!(
            tip.contains("HTTPS: Could not reach Makapix Club over HTTPS."),
            "{tip}"
        );
        view.apply(ConnectionEvent::Info(SessionInfo::default()));
        assert!(!view.tooltip(SystemTime::now()).contains("HTTPS"));
        assert_eq!(view.test_label(), "Test connection (MQTT)");
    }

    #[test]
    fn the_tooltip_says_each_state_in_a_sentence_and_where_a_click_leads() {
        use ConnectionState::*;
        for state in [
            NotRegistered,
            Disconnected,
            Connecting,
            Connected,
            Reconnecting,
            Removed,
            Banned,
        ] {
            let mut view = ConnectionView::default();
            view.apply(ConnectionEvent::State(state));
            let tip = view.tooltip(SystemTime::now());
            let first = tip.lines().next().unwrap_or_default();
            assert!(
                first.ends_with('.') && first.contains(' '),
                "{state:?}: {tip}"
            );
            let click = tip.lines().last().unwrap_or_default();
            let to_player = matches!(state, NotRegistered | Removed | Banned);
            let expected = if to_player {
                "Click to open Settings › Player."
            } else {
                "Click for Diagnostics."
            };
            assert_eq!(click, expected, "{state:?}");
        }
    }

    #[test]
    fn the_tooltip_names_broker_uptime_and_last_error() {
        let mut view = ConnectionView::default();
        let since = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        view.apply(ConnectionEvent::State(ConnectionState::Connected));
        view.apply(ConnectionEvent::Info(SessionInfo {
            broker: Some("makapix.club:8883".into()),
            connected_since: Some(since),
            last_error: Some(Failure {
                kind: FailureKind::Timeout,
                message: "No answer.".into(),
            }),
            ..SessionInfo::default()
        }));
        let tip = view.tooltip(since + Duration::from_secs(125));
        assert!(tip.contains("Broker: makapix.club:8883"), "{tip}");
        assert!(tip.contains("Connected for 2 min 5 s"), "{tip}");
        assert!(tip.contains("Last error: No answer."), "{tip}");
        assert!(!view.can_reconnect());
        view.apply(ConnectionEvent::State(ConnectionState::Reconnecting));
        assert!(view.can_reconnect());
        assert_eq!(short_topic("makapix/player/k-1/response/r1"), "response/r1");
        assert_eq!(short_topic("other/topic"), "other/topic");
    }

    /// An empty log says what will be there, and goes once a line is logged.
    #[test]
    fn an_empty_log_says_what_it_will_show() {
        use egui_kittest::Harness;
        use egui_kittest::kittest::Queryable as _;
        let mut view = ConnectionView::default();
        let mut h = Harness::builder()
            .with_size([500.0, 300.0])
            .build_ui(|ui| log(ui, &view));
        h.run();
        h.get_by_label(EMPTY_LOG);
        drop(h);
        view.log.push_back(LogEntry {
            at: SystemTime::UNIX_EPOCH,
            direction: Direction::Note,
            topic: String::new(),
            size: 0,
            summary: "connecting to 127.0.0.1:8883".to_owned(),
        });
        let mut h = Harness::builder()
            .with_size([500.0, 300.0])
            .build_ui(|ui| log(ui, &view));
        h.run();
        assert!(h.query_by_label(EMPTY_LOG).is_none());
    }

    /// A long sentence in the log is read whole, wrapped inside the window.
    #[test]
    fn a_long_log_line_wraps_inside_its_pane() {
        use egui_kittest::Harness;
        use egui_kittest::kittest::Queryable as _;
        let said = "Nothing accepts connections at 127.0.0.1:9. Check the broker host and port, and that the broker is running. — next attempt in 4.4 s";
        let mut view = ConnectionView::default();
        view.log.push_back(LogEntry {
            at: SystemTime::UNIX_EPOCH,
            direction: Direction::Note,
            topic: String::new(),
            size: 0,
            summary: said.to_owned(),
        });
        let mut h = Harness::builder()
            .with_size([500.0, 300.0])
            .build_ui(|ui| log(ui, &view));
        h.run();
        let line = h.get_by_label(said).rect();
        assert!(line.right() <= 500.0, "cut at the edge: {line:?}");
        assert!(line.height() > 30.0, "on one line: {line:?}");
    }
}
