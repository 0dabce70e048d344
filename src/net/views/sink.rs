//! The transports a view can go out by, behind one seam.
//!
//! `ViewOutbox::poll` hands the next due view to a `ViewSink`; the outcome
//! comes back later through the outbox: for MQTT, the broker's PUBACK
//! (`ViewOutbox::puback`) then the server's answer on `view/ack`
//! (`ViewOutbox::ack`); for HTTPS, `ViewOutbox::https_answered` with the view
//! the answer is for, and its `ViewOutcome` or why it did not get through.

use std::sync::atomic::{AtomicU64, Ordering};

use rumqttc::v5::AsyncClient;
use rumqttc::v5::mqttbytes::QoS;

use crate::bridge::connection::Direction;
use crate::protocol::view::{ViewEvent, ViewMessage};

use super::super::diagnostics::{Diagnostics, summarize};
use super::delivery::ViewId;

/// How a transport took a view.
#[derive(Debug, PartialEq, Eq)]
pub enum Handed {
    /// Queued as this session's next MQTT publish: the PUBACK with its packet
    /// id says the broker has it (`PublishOrder` maps one to the other).
    MqttPublish,
    /// Taken by a transport that reports the outcome itself.
    Taken,
}

/// The transport could not take the view now; it stays queued for the next turn.
#[derive(Debug)]
pub struct NotTaken(pub String);

pub trait ViewSink {
    /// Starts sending `view` (its `player_key` is filled in by the transport
    /// where the protocol wants it). Must not block.
    fn deliver(&mut self, id: ViewId, view: &ViewEvent) -> Result<Handed, NotTaken>;
}

/// Views on `makapix/player/{key}/view`, asking for an answer on `view/ack`.
pub(crate) struct MqttSink<'a> {
    pub client: &'a AsyncClient,
    pub topic: String,
    pub player_key: &'a str,
    pub diag: &'a Diagnostics,
}

impl ViewSink for MqttSink<'_> {
    fn deliver(&mut self, _id: ViewId, view: &ViewEvent) -> Result<Handed, NotTaken> {
        let mut view = view.clone();
        view.player_key = self.player_key.to_owned();
        let message = ViewMessage {
            view: &view,
            request_ack: true,
        };
        let payload = serde_json::to_vec(&message).map_err(|e| NotTaken(e.to_string()))?;
        let summary = summarize(&payload);
        let size = payload.len();
        // Never waits: a full client queue (a burst of other messages) only
        // delays the view to the next turn.
        self.client
            .try_publish(self.topic.clone(), QoS::AtLeastOnce, false, payload)
            .map_err(|e| NotTaken(e.to_string()))?;
        self.diag.record(Direction::Out, &self.topic, size, summary);
        Ok(Handed::MqttPublish)
    }
}

/// Which packet id a view's publish got. rumqttc does not return the id from
/// `publish`; it reports `Outgoing::Publish(pkid)` for each QoS 1 publish in
/// the order they were queued. So every publish of a session is counted as it
/// is queued, and the view's place in that order names its pkid.
#[derive(Default)]
pub(crate) struct PublishOrder {
    /// Publishes queued in this session (the task's `publish` counts through `&self`).
    queued: AtomicU64,
    /// `Outgoing::Publish` events seen in this session.
    seen: u64,
    /// The view publish not yet seen going out: its place in the order.
    view_at: Option<(u64, ViewId)>,
    /// The view publish on the wire, awaiting its PUBACK.
    view_pkid: Option<(u16, ViewId)>,
}

impl PublishOrder {
    /// A new session (a new client): counting starts again.
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// Any other publish was queued.
    pub(crate) fn queued_other(&self) {
        self.queued.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn queued_view(&mut self, id: ViewId) {
        let place = self.queued.fetch_add(1, Ordering::Relaxed) + 1;
        self.view_at = Some((place, id));
    }

    /// rumqttc put the next publish on the wire with `pkid`.
    pub(crate) fn went_out(&mut self, pkid: u16) {
        self.seen += 1;
        if let Some((place, id)) = self.view_at
            && place == self.seen
        {
            self.view_at = None;
            self.view_pkid = Some((pkid, id));
        }
    }

    /// The view a PUBACK for `pkid` confirms, if it is one.
    pub fn acked(&mut self, pkid: u16) -> Option<ViewId> {
        let (p, id) = self.view_pkid?;
        (p == pkid).then(|| {
            self.view_pkid = None;
            id
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_views_packet_id_is_found_by_its_place_among_the_publishes() {
        let mut order = PublishOrder::default();
        order.queued_other(); // status
        order.queued_other(); // a request
        order.queued_view(9);
        order.queued_other(); // a command ack
        order.went_out(1);
        order.went_out(2);
        assert_eq!(order.acked(1), None);
        order.went_out(3);
        order.went_out(4);
        assert_eq!(order.acked(4), None);
        assert_eq!(order.acked(3), Some(9));
        assert_eq!(order.acked(3), None, "answered once");
        order.reset();
        order.went_out(3);
        assert_eq!(order.acked(3), None);
    }
}
