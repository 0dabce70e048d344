//! The connection task between attempts: the back-off wait (actions still
//! work, HTTPS is checked and carries views), and the rest while Makapix Club
//! refuses the player, on whichever way it said so: until new credentials or
//! "Reconnect now" when it is sure the player was removed, else at a slow
//! pace (`Tuning::recheck_after`), since a banned owner's ban ends by itself.

use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use crate::bridge::connection::{ConnectionState, Failure};
use crate::protocol::request::RequestBody;
use crate::protocol::response::ErrorCode;

use super::connection_handle::Inbox;
use super::connection_task::{Stop, Task};
use super::dispatch::{Lost, Transports};
use super::https::ViewNotThrough;
use super::requests::RequestError;
use super::standing::Refusal;
use super::views::delivery::{Pace, ViewId};
use super::views::https_sink::Answer;

/// How a wait ended.
pub(super) enum Waited {
    /// Time for the next attempt.
    Over,
    /// The task must end.
    End,
    /// Makapix Club refuses the player.
    Refused(Refusal),
}

impl Waited {
    pub(super) fn ended(end: bool) -> Self {
        if end { Waited::End } else { Waited::Over }
    }
}

/// Sleeps until `at`; never, without one.
async fn until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

impl Task {
    /// Rests while Makapix Club refuses the player: no attempt, no check of
    /// HTTPS, no view, until the refusal's recheck (or an action). True when
    /// the task must end.
    pub(super) async fn refused(&mut self, mut refusal: Refusal, inbox: &mut Inbox) -> bool {
        loop {
            refusal = self
                .refused_as
                .map_or(refusal, |before| before.then(refusal));
            self.refused_as = Some(refusal);
            self.pending.fail_all();
            self.ways.router.mqtt_stopped();
            self.ways.refuse(refusal);
            self.views.follow_refusal(refusal);
            self.ask_standing = true;
            let pace = self
                .config
                .as_ref()
                .map_or(Duration::from_secs(3600), |c| c.tuning.recheck_after);
            let failure = refusal.failure(pace);
            let waited = self
                .rest(failure, refusal.state(), refusal.recheck(pace), inbox)
                .await;
            // Over or not, what comes next asks the server afresh.
            self.ways.recheck();
            match waited {
                Waited::Over => return false,
                Waited::End => return true,
                Waited::Refused(again) => refusal = again,
            }
        }
    }

    /// After a refusal, the first MQTT session asks whether it still stands
    /// (an `echo`: the server answers `authentication_failed` if so, and the
    /// session ends on it). The receiver hears when the server accepted it.
    pub(super) fn recheck_standing(&mut self) -> Option<oneshot::Receiver<()>> {
        if !std::mem::take(&mut self.ask_standing) {
            return None;
        }
        let client = self.requests()?;
        let (accepted, heard) = oneshot::channel();
        tokio::spawn(async move {
            let body = RequestBody::Echo {
                echo_data: "makapix-player standing check".into(),
            };
            match client.send(body).await {
                Err(RequestError::Server {
                    code: Some(ErrorCode::AuthenticationFailed),
                    ..
                }) => {}
                // Whatever else it says, the player is not refused.
                other => {
                    if let Err(e) = other {
                        tracing::info!("standing check: {e}");
                    }
                    let _ = accepted.send(());
                }
            }
        });
        Some(heard)
    }

    /// Shows `failure` in `state`, then waits `wait` before the next attempt
    /// (`None`: until new credentials or "Reconnect now").
    pub(super) async fn rest(
        &mut self,
        failure: Failure,
        state: ConnectionState,
        wait: Option<Duration>,
        inbox: &mut Inbox,
    ) -> Waited {
        tracing::warn!("MQTT: {}", failure.message);
        self.diag.note(match wait {
            Some(wait) => format!(
                "{} — next attempt in {:.1} s",
                failure.message,
                wait.as_secs_f64()
            ),
            None => failure.message.clone(),
        });
        self.info.last_error = Some(failure);
        self.info.retry_in = wait;
        self.info.connected_since = None;
        self.set_state(state);
        self.wait(wait, inbox).await
    }

    /// The back-off wait (`None`: until an action ends it); actions still
    /// work, and HTTPS is checked before it is shown as the way.
    pub(super) async fn wait(&mut self, wait: Option<Duration>, inbox: &mut Inbox) -> Waited {
        let sleep = tokio::time::sleep(wait.unwrap_or_default());
        tokio::pin!(sleep);
        let mut probe = self.ways.probe();
        let pace = Pace::scaled(self.config.as_ref().map_or(1.0, |c| c.tuning.view_scale));
        self.views.set_pace(pace);
        let mut view_tick = tokio::time::interval(pace.tick());
        let ended = loop {
            let next_check = self.ways.next_check();
            tokio::select! {
                () = &mut sleep, if wait.is_some() => break Waited::Over,
                _ = view_tick.tick(), if self.ways.https_for_views().is_some() => {
                    if let Some(client) = self.ways.https_for_views() {
                        self.https_views.poll(&mut self.views, client, Instant::now());
                    }
                }
                (id, answer) = self.https_views.answer() => self.view_answered(id, answer),
                ctl = inbox.controls.recv() => {
                    let Some(ctl) = ctl else { break Waited::End };
                    if let Some(stop) = self.on_control(ctl, None).await {
                        // Before the stop: new credentials abort a check of the old ones.
                        self.ways.keep_probe(probe.take());
                        if let Stop::Refused(refusal) = stop {
                            break Waited::Refused(refusal);
                        }
                        break Waited::ended(self.apply(stop));
                    }
                }
                Some(out) = inbox.outbound.recv() => {
                    let _ = out.sent.send(Err(RequestError::NotConnected));
                }
                outcome = Transports::checked(&mut probe) => {
                    // HTTPS answered: no refusal stands for the next MQTT session to ask about.
                    self.ask_standing &= outcome.is_err();
                    if outcome.is_ok() {
                        self.refused_as = None;
                    }
                    self.ways.take_check(outcome);
                    self.set_state(self.conn_state);
                }
                () = until(next_check), if probe.is_none() => {
                    probe = self.ways.probe();
                }
                lost = self.ways.lost() => match lost {
                    // A request found HTTPS unusable: not shown connected until a check answers.
                    Lost::Unusable(why) => {
                        self.ways.https_lost(why);
                        self.set_state(self.conn_state);
                    }
                    Lost::Refused(refusal) if self.ways.refused().is_none() => {
                        break Waited::Refused(refusal);
                    }
                    // Already resting on a refusal.
                    Lost::Refused(_) => {}
                },
            }
        };
        self.ways.keep_probe(probe);
        ended
    }

    /// An HTTPS view's answer settles it; one that did not reach the API
    /// also tells the router, as a failed request does, so HTTPS is no longer
    /// shown connected and is checked again after its back-off.
    fn view_answered(&mut self, id: ViewId, answer: Answer) {
        if let Err(ViewNotThrough::Unreached(why)) = &answer {
            self.ways.https_lost(why.clone());
            self.set_state(self.conn_state);
        }
        self.views.https_answered(id, answer, Instant::now());
    }
}
