//! Automatic renewal on the runtime: a loop that reads the wall clock every
//! `tick` and checks when the pure `Schedule` says so, when the computer woke,
//! and when something happened (credentials loaded or installed, the session
//! came up, the broker kept refusing the certificate). Each check runs under
//! the credentials lock, like every other change of identity.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use crate::bridge::RuntimeEvent;
use crate::bridge::channel::Observer;
use crate::bridge::connection::{ConnectionAction, ConnectionEvent, ConnectionState, Verdict};
use crate::bridge::credentials::CredentialsEvent;
use crate::credentials::facts::ActiveSet;
use crate::credentials::keyring_store::StoreError;
use crate::credentials::register::HttpError;
use crate::credentials::renewal_schedule::{self, Cert, Outcome, Reading, Schedule, Trigger};
use crate::credentials::service::{self, CredError, Service};
use crate::credentials::validate::format_date;

use super::{Reporter, Shared, credentials, registered};

/// Unix seconds now; tests move it ahead to play a sleep or the passing of minutes.
pub type WallClock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// How the renewal loop reads time.
#[derive(Clone)]
pub struct RenewalClock {
    pub wall: WallClock,
    /// How often the loop reads the wall clock: the latest a check comes after
    /// it is due, or a wake is noticed (and the session started again).
    pub tick: Duration,
    /// Ticks taken so far, so a test can wait for the loop to have seen a time.
    pub ticks: Arc<AtomicU64>,
}

impl Default for RenewalClock {
    fn default() -> Self {
        Self {
            wall: Arc::new(service::unix_now),
            tick: Duration::from_secs(10),
            ticks: Arc::default(),
        }
    }
}

/// The schedule and the way to ask for a check, shared by the task and its jobs.
pub(super) struct Renewals {
    schedule: Mutex<Schedule>,
    clock: RenewalClock,
    /// The wall time of the next timed check.
    next_check: AtomicI64,
    /// The plan the window was told last (it starts knowing of none).
    told: Mutex<Option<i64>>,
    triggers: mpsc::UnboundedSender<Trigger>,
    waiting: Mutex<Option<mpsc::UnboundedReceiver<Trigger>>>,
}

impl Renewals {
    pub(super) fn new(clock: RenewalClock) -> Self {
        let (triggers, waiting) = mpsc::unbounded_channel();
        Self {
            schedule: Mutex::default(),
            clock,
            next_check: AtomicI64::new(i64::MAX),
            told: Mutex::new(None),
            triggers,
            waiting: Mutex::new(Some(waiting)),
        }
    }

    pub(super) fn now(&self) -> i64 {
        (self.clock.wall)()
    }

    fn schedule(&self) -> MutexGuard<'_, Schedule> {
        self.schedule.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Asks the loop for a check (it runs once the loop started).
    pub(super) fn trigger(&self, trigger: Trigger) {
        let _ = self.triggers.send(trigger);
    }

    /// Follows the MQTT session: a check after each connect, and one renewal
    /// before the player is given up after the broker's refusals.
    pub(super) fn session_observer(self: &Arc<Self>) -> Observer {
        let renewals = Arc::clone(self);
        Arc::new(move |event| {
            if let RuntimeEvent::Connection(ConnectionEvent::State(state)) = event {
                match state {
                    ConnectionState::Connected => renewals.trigger(Trigger::Connected),
                    ConnectionState::Removed => renewals.trigger(Trigger::Refused),
                    _ => {}
                }
            }
        })
    }

    /// A renewal asked for by the user counts against the server's daily limit too.
    pub(super) fn record(&self, result: &Result<ActiveSet, CredError>) {
        self.schedule().attempted(outcome(result), self.now());
    }
}

/// Starts the loop (once): triggers as they come, timed checks and wakes on each tick.
pub(super) fn start_loop(shared: Arc<Shared>, sink: Reporter) {
    let renewals = Arc::clone(&sink.renewals);
    let Some(mut triggers) = renewals
        .waiting
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take()
    else {
        return;
    };
    tokio::spawn(async move {
        let clock = renewals.clock.clone();
        let origin = Instant::now();
        let read = || Reading {
            wall: (clock.wall)(),
            mono: origin.elapsed(),
        };
        let mut last = read();
        loop {
            let trigger = tokio::select! {
                trigger = triggers.recv() => match trigger {
                    Some(trigger) => Some(trigger),
                    None => return,
                },
                () = tokio::time::sleep(clock.tick) => {
                    let now = read();
                    let woke = renewal_schedule::woke(last, now);
                    last = now;
                    clock.ticks.fetch_add(1, Ordering::SeqCst);
                    if woke {
                        tracing::info!("the computer woke; checking the certificate");
                        sink.session(ConnectionAction::Woke);
                        Some(Trigger::Woke)
                    } else {
                        (now.wall >= renewals.next_check.load(Ordering::SeqCst))
                            .then_some(Trigger::Timer)
                    }
                }
            };
            let Some(trigger) = trigger else { continue };
            let (shared, sink) = (Arc::clone(&shared), sink.clone());
            let _ = tokio::task::spawn_blocking(move || {
                let _turn = shared.busy.lock().unwrap_or_else(|p| p.into_inner());
                check(&shared.service(), &sink, trigger);
            })
            .await;
        }
    });
}

/// Looks whether a renewal is due for `trigger` and makes it; tells the
/// window the plan when it changed. True when the certificate was renewed (and the session
/// moved to it). Call under the credentials lock.
pub(super) fn check(svc: &Service, sink: &Reporter, trigger: Trigger) -> bool {
    let renewals = &sink.renewals;
    let now = renewals.now();
    let cert = stored(svc);
    let go = renewals.schedule().check(trigger, cert, now);
    let renewed = go && attempt(svc, sink, trigger, now);
    let cert = if renewed { stored(svc) } else { cert };
    let (planned, next) = {
        let schedule = renewals.schedule();
        (schedule.planned(cert, now), schedule.next_check(cert, now))
    };
    renewals.next_check.store(next, Ordering::SeqCst);
    let mut told = renewals.told.lock().unwrap_or_else(|p| p.into_inner());
    if *told != planned {
        *told = planned;
        sink.send(credentials(CredentialsEvent::RenewalPlanned(planned)));
    }
    renewed
}

fn stored(svc: &Service) -> Option<Cert> {
    let active = svc.facts().ok()?.active?;
    Some(Cert {
        not_after: active.not_after,
        renew_at: active.renew_at,
    })
}

fn attempt(svc: &Service, sink: &Reporter, trigger: Trigger, now: i64) -> bool {
    tracing::info!("renewing the certificate ({trigger:?})");
    let result = svc.renew(now, service::random_u64());
    sink.renewals.schedule().attempted(outcome(&result), now);
    match result {
        Ok(active) => {
            registered(svc, sink);
            sink.send(credentials(CredentialsEvent::Done(format!(
                "Certificate renewed automatically; valid until {}.",
                format_date(active.not_after)
            ))));
            true
        }
        Err(e) => {
            tracing::warn!("automatic renewal failed: {e}");
            if let Some(verdict) = verdict(&e) {
                sink.session(ConnectionAction::Standing(verdict));
            }
            let planned = stored(svc).and_then(|c| sink.renewals.schedule().planned(Some(c), now));
            let next = planned
                .map(|at| format!(" The next try is {}.", renewal_schedule::describe(at, now)))
                .unwrap_or_default();
            sink.send(credentials(CredentialsEvent::Failed(format!(
                "Automatic renewal failed: {e} The current certificate stays in use.{next}"
            ))));
            false
        }
    }
}

/// What a failed renewal says of the player's standing, when it says it for sure.
fn verdict(e: &CredError) -> Option<Verdict> {
    match e {
        CredError::OwnerBlocked => Some(Verdict::OwnerBanned),
        CredError::Http(HttpError::UnknownPlayer) => Some(Verdict::PlayerDeleted),
        _ => None,
    }
}

fn outcome(result: &Result<ActiveSet, CredError>) -> Outcome {
    match result {
        Ok(_) => Outcome::Renewed,
        Err(CredError::TooEarly) => Outcome::TooEarly,
        Err(CredError::Http(HttpError::RateLimited | HttpError::Status(429))) => {
            Outcome::RateLimited
        }
        // A locked or missing keyring: the set is read from it before the call.
        Err(
            CredError::Http(HttpError::Network(_))
            | CredError::Store(StoreError::Locked | StoreError::NoService),
        ) => Outcome::NotSent,
        Err(_) => Outcome::Failed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_renewal_tells_a_ban_and_a_deletion_and_nothing_else() {
        assert_eq!(
            verdict(&CredError::OwnerBlocked),
            Some(Verdict::OwnerBanned)
        );
        let deleted = CredError::Http(HttpError::UnknownPlayer);
        assert_eq!(verdict(&deleted), Some(Verdict::PlayerDeleted));
        assert_eq!(verdict(&CredError::TooEarly), None);
        assert_eq!(verdict(&CredError::Http(HttpError::RateLimited)), None);
    }
}
