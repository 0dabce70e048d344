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
    tx: mpsc::UnboundedSender<Answer>,
    rx: mpsc::UnboundedReceiver<Answer>,
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

    /// The next answer (never ends: this holds a sender).
    pub async fn answer(&mut self) -> Answer {
        self.rx
            .recv()
            .await
            .unwrap_or_else(|| Err(ViewNotThrough::Other("the views channel closed".into())))
    }
}

impl ViewOutbox {
    /// An HTTPS answer settles the view; a failure to get through keeps it.
    pub(crate) fn https_answered(&mut self, answer: Answer, now: Instant) {
        match answer {
            Ok(outcome) => self.settle(&outcome, now),
            Err(ViewNotThrough::Unreached(why) | ViewNotThrough::Other(why)) => {
                tracing::info!("a view did not get through over HTTPS ({why}); kept");
                self.unreached(now);
            }
        }
    }
}

struct HttpsSink<'a> {
    client: &'a HttpsClient,
    tx: &'a mpsc::UnboundedSender<Answer>,
}

impl ViewSink for HttpsSink<'_> {
    fn deliver(&mut self, _id: ViewId, view: &ViewEvent) -> Result<Handed, NotTaken> {
        let (client, tx, view) = (self.client.clone(), self.tx.clone(), view.clone());
        tokio::spawn(async move {
            let _ = tx.send(client.send_view(&view).await);
        });
        Ok(Handed::Taken)
    }
}
