//! The diagnostics log: the last few hundred MQTT events (time, direction,
//! topic, size, a one-line summary). Summaries name message types and result
//! codes only, never payload contents, so no secret can end up here.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use crate::bridge::RuntimeEvent;
use crate::bridge::channel::EventSink;
use crate::bridge::connection::{ConnectionEvent, Direction, LogEntry, ViewFate};

pub(crate) const CAPACITY: usize = 300;

#[derive(Clone)]
pub struct Diagnostics {
    entries: Arc<Mutex<VecDeque<LogEntry>>>,
    sink: EventSink,
}

impl Diagnostics {
    pub fn new(sink: EventSink) -> Self {
        Self {
            entries: Arc::new(Mutex::new(VecDeque::with_capacity(CAPACITY))),
            sink,
        }
    }

    /// Records an event and passes it on to the window's diagnostics pane.
    pub fn record(&self, direction: Direction, topic: &str, size: usize, summary: String) {
        // Summaries of messages quote what the server or a publisher sent: kept
        // short. A note is our own sentence, with what to do at its end: longer.
        let max = match direction {
            Direction::Note => crate::logging::SENTENCE_CHARS,
            Direction::In | Direction::Out => crate::logging::CLIP_CHARS,
        };
        let entry = LogEntry {
            at: SystemTime::now(),
            direction,
            // The key is in every topic; the window and the log get its short form.
            topic: crate::logging::clip(&crate::player_key::topic(topic)).into_owned(),
            size,
            summary: crate::logging::clip_to(&summary, max).into_owned(),
        };
        tracing::debug!(
            "mqtt {:?} {} ({} B): {}",
            direction,
            entry.topic,
            size,
            entry.summary
        );
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() == CAPACITY {
                entries.pop_front();
            }
            entries.push_back(entry.clone());
        }
        self.sink
            .send(RuntimeEvent::Connection(ConnectionEvent::Logged(entry)));
    }

    pub fn note(&self, summary: String) {
        self.record(Direction::Note, "", 0, summary);
    }

    /// What became of a view event, for the window's plot.
    pub(crate) fn view_fate(&self, fate: ViewFate) {
        self.sink
            .send(RuntimeEvent::Connection(ConnectionEvent::ViewFate(fate)));
    }

    pub fn snapshot(&self) -> Vec<LogEntry> {
        self.entries
            .lock()
            .map(|e| e.iter().cloned().collect())
            .unwrap_or_default()
    }
}

/// A one-line description of a JSON payload from its type fields only.
pub(crate) fn summarize(payload: &[u8]) -> String {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(payload)
    else {
        return "not a JSON object".to_owned();
    };
    let mut parts = Vec::new();
    for key in [
        "request_type",
        "command_type",
        "status",
        "success",
        "error_code",
    ] {
        match map.get(key) {
            Some(serde_json::Value::String(s)) => parts.push(format!("{key}={}", clip(s))),
            Some(serde_json::Value::Bool(b)) => parts.push(format!("{key}={b}")),
            _ => {}
        }
    }
    if parts.is_empty() {
        "JSON".to_owned()
    } else {
        parts.join(" ")
    }
}

fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn keeps_the_newest_entries_and_summarises_types_only() {
        let (_window, runtime) = crate::bridge::channel::pair(Arc::new(|| {}));
        let diag = Diagnostics::new(runtime.sink);
        for i in 0..CAPACITY + 5 {
            diag.record(Direction::In, &format!("t/{i}"), i, "x".into());
        }
        let entries = diag.snapshot();
        assert_eq!(entries.len(), CAPACITY);
        assert_eq!(entries[0].topic, "t/5");
        let s = summarize(br#"{"request_type":"echo","echo_data":"secret-ish","player_key":"k"}"#);
        assert_eq!(s, "request_type=echo");
        assert_eq!(summarize(b"{oops"), "not a JSON object");
        assert_eq!(
            summarize(br#"{"success":false,"error_code":"internal_error"}"#),
            "success=false error_code=internal_error"
        );
    }
}
