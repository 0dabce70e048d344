//! Views over the HTTPS player API, for while requests go that way (port 8883
//! blocked, or HTTPS only). Each view is posted on a task of its own; its
//! answer comes back through the channel held here and settles the view on
//! the outbox, as a `view/ack` does over MQTT.

use std::time::Instant;

use tokio::sync::mpsc;

use crate::protocol::view::{ViewEvent, ViewOutcome};

use super::super::https::{HttpsClient, ViewNotThrough};
use super::ViewOutbox;
use super::delivery::ViewId;
use super::sink::{Handed, NotTaken, ViewSink};

/// An answer, or why the view did not get through (it stays queued).
pub(crate) type Answer = Result<ViewOutcome, ViewNotThrough>;

pub(crate) struct HttpsViews {
    tx: mpsc::UnboundedSender<(ViewId, Answer)>,
    rx: mpsc::UnboundedReceiver<(ViewId, Answer)>,
}

impl Default for HttpsViews {
    fn default() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Self { tx, rx }
    }
}

impl HttpsViews {
    /// Hands the next due view, if any, to the HTTPS API.
    pub fn poll(&self, outbox: &mut ViewOutbox, client: &HttpsClient, now: Instant) {
        let mut sink = HttpsSink {
            client,
            tx: &self.tx,
        };
        outbox.poll(now, &mut sink);
    }

    /// The next answer, with the view it answers (never ends: this holds a sender).
    pub async fn answer(&mut self) -> (ViewId, Answer) {
        self.rx.recv().await.unwrap_or_else(|| {
            let closed = ViewNotThrough::Other("the views channel closed".into());
            (0, Err(closed))
        })
    }
}

impl ViewOutbox {
    /// An HTTPS answer settles view `id`, if it is still awaited (an MQTT
    /// session may have started and settled it meanwhile); a failure to get
    /// through keeps it.
    pub(crate) fn https_answered(&mut self, id: ViewId, answer: Answer, now: Instant) {
        match answer {
            Ok(outcome) => {
                let changes = self.current.delivery.settle_view(id, &outcome, now);
                self.settled(&outcome, changes);
            }
            Err(ViewNotThrough::Unreached(why) | ViewNotThrough::Other(why)) => {
                tracing::info!("a view did not get through over HTTPS ({why}); kept");
                let changes = self.current.delivery.unreached(id, now);
                self.apply(changes);
            }
        }
    }
}

struct HttpsSink<'a> {
    client: &'a HttpsClient,
    tx: &'a mpsc::UnboundedSender<(ViewId, Answer)>,
}

impl ViewSink for HttpsSink<'_> {
    fn deliver(&mut self, id: ViewId, view: &ViewEvent) -> Result<Handed, NotTaken> {
        let (client, tx, view) = (self.client.clone(), self.tx.clone(), view.clone());
        tokio::spawn(async move {
            let _ = tx.send((id, client.send_view(&view).await));
        });
        Ok(Handed::Taken)
    }
}

#[cfg(test)]
mod tests {
    use super::super::delivery::Pace;
    use super::super::sink::NotTaken;
    use super::super::tests::view;
    use super::*;
    use std::time::Duration;

    /// Takes every view; remembers which went, in order.
    #[derive(Default)]
    struct Taken(Vec<(ViewId, i64)>);

    impl ViewSink for Taken {
        fn deliver(&mut self, id: ViewId, view: &ViewEvent) -> Result<Handed, NotTaken> {
            self.0.push((id, view.post_id));
            Ok(Handed::Taken)
        }
    }

    #[test]
    fn an_old_https_answer_never_settles_the_view_awaited_now() {
        let pace = Pace::PRODUCTION;
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        let mut outbox = ViewOutbox::default();
        outbox.push(view(1));
        outbox.push(view(2));
        let mut sink = Taken::default();
        // V1 goes over HTTPS; its answer is still on its way when MQTT is back.
        outbox.poll(at(0), &mut sink);
        let (v1, _) = sink.0[0];
        outbox.session_started(pace);
        // The session sends V1 again, and the server says it has it.
        outbox.poll(at(10), &mut sink);
        assert_eq!(sink.0[1], (v1, 1));
        outbox.settle(&ViewOutcome::Duplicate, at(10));
        outbox.poll(at(20), &mut sink);
        assert_eq!(sink.0[2].1, 2, "V2 awaits its answer");
        // The first sending's answer arrives at last.
        outbox.https_answered(v1, Ok(ViewOutcome::Accepted), at(21));
        assert_eq!(outbox.len(), 1, "V2 is still queued");
        assert!(outbox.current.delivery.view(sink.0[2].0).is_some());
    }
}
