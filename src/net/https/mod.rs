//! Makapix Club's HTTPS player API (protocol §10): the same typed requests as
//! over MQTT, `POST {api}/player/rpc`, and view events, `POST
//! {api}/player/events/view`, with the player's bearer token. One ureq agent
//! (one connection pool) per client, a few calls at a time, each on a blocking
//! worker. A 401 (or the 429 the server gives a refused token instead once
//! its address made too many failed authentications) makes a new token once
//! per failure episode and tries again;
//! a 401 that blames the owner's account ("Account banned"), a fresh token
//! refused too, or `token/rotate` answering 404 means Makapix Club refuses the
//! player (`standing`): every call is answered so, without the network, until
//! the connection task clears it. A read or reaction answered 429 waits for
//! its kind's gate (`throttle`) and goes again: the work is never dropped.

pub(crate) mod throttle;
mod token_hold;
pub mod wire;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::{Semaphore, watch};

use crate::bridge::connection::Tuning;
use crate::bridge::transport::{HttpsApi, TokenError, TokenSource};
use crate::protocol::http::{Secret, owner_blocked};
use crate::protocol::request::{RequestBody, RequestKind};
use crate::protocol::response::{ErrorCode, Response};
use crate::protocol::view::{ViewEvent, ViewOutcome};

use super::backoff::{Backoff, random_jitter};
use super::requests::RequestError;
use super::standing::Refusal;
use throttle::Throttle;
use token_hold::TokenHold;
pub use wire::ViewNotThrough;

/// Calls at once: the server limits reads to 60 a minute, so more buys nothing.
const CONCURRENCY: usize = 4;
/// The largest answer read (a page of 50 posts is far smaller).
const MAX_ANSWER: u64 = 4 * 1024 * 1024;

/// The client; cheap to clone, usable from any task of the runtime.
#[derive(Clone)]
pub struct HttpsClient {
    inner: Arc<Inner>,
}

struct Inner {
    agent: ureq::Agent,
    /// The checked base URL, or why requests cannot go to it.
    base: Result<String, String>,
    tokens: Arc<dyn TokenSource>,
    /// The token in use, read from the keyring once.
    held: Mutex<Held>,
    permits: Semaphore,
    retries: u32,
    retry_start: Duration,
    /// Makapix Club refuses the player: every call is answered with this.
    standing: watch::Sender<Option<Refusal>>,
    recheck_after: Duration,
    /// The gates of the limited kinds: reads, reactions.
    throttles: Mutex<[Throttle; 2]>,
    /// How long a request keeps trying after 429s before it gives up.
    rate_budget: Duration,
}

struct Held {
    token: Option<Secret>,
    /// Made by `token/rotate` for a refused one and not accepted yet: if it is
    /// refused too, the episode ends without another rotation.
    unproven: bool,
    /// After a token could not be had, none is asked for until a wait passes.
    hold: TokenHold,
}

/// The server's rate-limit bucket of a request kind (echo is limited apart,
/// and its 429 is the caller's business).
fn bucket(kind: RequestKind) -> Option<usize> {
    match kind {
        RequestKind::QueryPosts
        | RequestKind::GetPost
        | RequestKind::GetComments
        | RequestKind::GetPlayset => Some(0),
        RequestKind::SubmitReaction | RequestKind::RevokeReaction => Some(1),
        RequestKind::Echo => None,
    }
}

/// One answer as it came.
struct Raw {
    status: u16,
    retry_after: Option<String>,
    body: Vec<u8>,
}

impl HttpsClient {
    pub fn new(api: &HttpsApi, tuning: &Tuning) -> Self {
        // No redirect is followed and no unchecked address is sent to: each call carries the token.
        let agent = crate::credentials::register::token_agent(tuning.request_timeout);
        Self {
            inner: Arc::new(Inner {
                agent,
                base: wire::check_base(&api.base_url),
                tokens: Arc::clone(&api.tokens),
                held: Mutex::new(Held {
                    token: None,
                    unproven: false,
                    hold: TokenHold::new(tuning.token_wait),
                }),
                permits: Semaphore::new(CONCURRENCY),
                retries: tuning.request_retries,
                retry_start: tuning.backoff_start,
                standing: watch::Sender::new(None),
                recheck_after: tuning.recheck_after,
                throttles: Mutex::new([
                    Throttle::new(tuning.rate_window),
                    Throttle::new(tuning.rate_window),
                ]),
                // Two windows: each lets the waiting requests through.
                rate_budget: tuning.rate_window.saturating_mul(2),
            }),
        }
    }

    /// Tells when Makapix Club refuses the player (and when that is cleared).
    pub fn standing(&self) -> watch::Receiver<Option<Refusal>> {
        self.inner.standing.subscribe()
    }

    /// Makapix Club refuses the player (learnt another way): calls stop until `clear_refusal`.
    pub(crate) fn refuse(&self, refusal: Refusal) {
        self.inner.refuse(refusal);
    }

    /// Time to check again: calls go to the server once more.
    pub(crate) fn clear_refusal(&self) {
        self.inner.standing.send_replace(None);
    }

    /// How long no bearer token is asked for yet, after one could not be had:
    /// every call is answered without the network until then.
    pub(crate) fn token_wait(&self) -> Option<Duration> {
        let held = self.inner.held();
        if held.token.is_some() {
            return None;
        }
        held.hold.left(Instant::now())
    }

    /// The base URL requests go to (for the tooltip), as configured.
    pub fn base(&self) -> &str {
        match &self.inner.base {
            Ok(base) => base,
            Err(_) => "",
        }
    }

    /// Sends `body` and reads its answer, retrying `internal_error` like MQTT
    /// does, and a read or reaction refused by the rate limit once its gate opens.
    pub async fn send(&self, body: RequestBody) -> Result<Response, RequestError> {
        let mut backoff = Backoff::new(self.inner.retry_start, Duration::from_secs(60));
        let mut attempt = 0;
        let kind = bucket(body.kind());
        let started = Instant::now();
        loop {
            if let Some(wait) = kind
                .map(|k| self.inner.gate(k, |t| t.wait(Instant::now())))
                .filter(|w| !w.is_zero())
            {
                tokio::time::sleep(wait).await;
                continue;
            }
            let result = self.once(&body).await;
            match (result, kind) {
                (
                    Err(RequestError::Server {
                        code: Some(ErrorCode::RateLimited),
                        ..
                    }),
                    Some(k),
                ) if started.elapsed() < self.inner.rate_budget => {
                    tracing::info!("the HTTPS API's rate limit was reached; the request waits");
                    self.inner
                        .gate(k, |t| t.refused(Instant::now(), random_jitter()));
                }
                (
                    Err(RequestError::Server {
                        code: Some(ErrorCode::InternalError),
                        ..
                    }),
                    _,
                ) if attempt < self.inner.retries => {
                    attempt += 1;
                    tokio::time::sleep(backoff.next_wait(random_jitter())).await;
                }
                (other, k) => {
                    if let (Some(k), Ok(_)) = (k, &other) {
                        self.inner.gate(k, Throttle::accepted);
                    }
                    return other;
                }
            }
        }
    }

    async fn once(&self, body: &RequestBody) -> Result<Response, RequestError> {
        let request_id = uuid::Uuid::new_v4().to_string();
        let mut json = serde_json::to_value(body.as_sent().as_ref())
            .map_err(|e| RequestError::Malformed(e.to_string()))?;
        if let Value::Object(map) = &mut json {
            // Echoed back; the identity comes from the token, never the body.
            map.insert("request_id".into(), Value::String(request_id.clone()));
        }
        let raw = self.post("player/rpc", json).await?;
        wire::rpc_answer(body.kind(), &request_id, raw.status, &raw.body)
    }

    /// Sends one view event (without `player_key`: the token says who).
    /// `Err`: it did not get through (offline, a refused token); the view stays queued.
    pub async fn send_view(&self, view: &ViewEvent) -> Result<ViewOutcome, ViewNotThrough> {
        let mut json =
            serde_json::to_value(view).map_err(|e| ViewNotThrough::Other(e.to_string()))?;
        if let Value::Object(map) = &mut json {
            map.remove("player_key");
            map.remove("request_ack");
        }
        match self.post("player/events/view", json).await {
            Ok(raw) => wire::view_answer(raw.status, raw.retry_after.as_deref(), &raw.body),
            // What a request that failed so tells the router (`dispatch::Routes`).
            Err(RequestError::Https(why)) => Err(ViewNotThrough::Unreached(why)),
            Err(e) => Err(ViewNotThrough::Other(e.to_string())),
        }
    }

    /// One POST on a blocking worker, at most `CONCURRENCY` at a time.
    async fn post(&self, path: &'static str, body: Value) -> Result<Raw, RequestError> {
        let _permit = self
            .inner
            .permits
            .acquire()
            .await
            .map_err(|_| RequestError::Stopped)?;
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || inner.post(path, &body))
            .await
            .map_err(|_| RequestError::Stopped)?
    }
}

impl Inner {
    /// Posts with the held token. A refused token (401, or the 429 for an
    /// address with too many failed authentications) gets one new token and
    /// one more try, unless a 401 blames the owner's account; a second
    /// refusal is the player's.
    fn post(&self, path: &str, body: &Value) -> Result<Raw, RequestError> {
        let base = self
            .base
            .as_ref()
            .map_err(|e| RequestError::Https(e.clone()))?;
        let url = format!("{base}/{path}");
        self.check_standing()?;
        let token = self.token()?;
        let raw = self.post_with(&url, body, &token)?;
        if !wire::token_refused(raw.status, &raw.body) {
            self.proven(&token);
            return Ok(raw);
        }
        if owner_blocked(&wire::detail(&raw.body)) {
            return Err(self.refuse(Refusal::Banned));
        }
        tracing::info!("the HTTPS API refused the player's token; getting a new one");
        let fresh = self.fresh_token(&token)?;
        let raw = self.post_with(&url, body, &fresh)?;
        if !wire::token_refused(raw.status, &raw.body) {
            self.proven(&fresh);
            return Ok(raw);
        }
        Err(self.refuse(if owner_blocked(&wire::detail(&raw.body)) {
            Refusal::Banned
        } else {
            Refusal::Removed
        }))
    }

    fn post_with(&self, url: &str, body: &Value, token: &Secret) -> Result<Raw, RequestError> {
        let mut response = self
            .agent
            .post(url)
            .header("Authorization", format!("Bearer {}", token.expose()))
            .send_json(body)
            .map_err(|e| {
                RequestError::Https(format!(
                    "Could not reach Makapix Club over HTTPS ({e}). Check the internet connection."
                ))
            })?;
        if let Some(target) = crate::credentials::register::redirect_target(&response) {
            return Err(RequestError::Https(format!(
                "Makapix Club's HTTPS API redirected the request (to {target}); the player does not follow it with its token. Check the API base URL in Settings › Player."
            )));
        }
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER)
            .read_to_vec()
            .map_err(|e| RequestError::Malformed(e.to_string()))?;
        Ok(Raw {
            status,
            retry_after,
            body,
        })
    }

    fn held(&self) -> std::sync::MutexGuard<'_, Held> {
        self.held.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn token(&self) -> Result<Secret, RequestError> {
        let mut held = self.held();
        if let Some(token) = held.token.as_ref() {
            return Ok(token.clone());
        }
        self.ask(&mut held, |tokens| tokens.token())
    }

    /// A token other than `refused`: one made meanwhile by another call, or a
    /// new one. The lock is held while rotating, so many 401s rotate once; a
    /// token just made and refused too ends the episode instead.
    fn fresh_token(&self, refused: &Secret) -> Result<Secret, RequestError> {
        let mut held = self.held();
        self.check_standing()?;
        if let Some(token) = held.token.as_ref().filter(|t| *t != refused) {
            return Ok(token.clone());
        }
        if held.unproven {
            drop(held);
            return Err(self.refuse(Refusal::Removed));
        }
        let token = self.ask(&mut held, |tokens| tokens.rotate(refused))?;
        held.unproven = true;
        Ok(token)
    }

    /// Asks the token source (`get`) unless the wait after a failure runs;
    /// keeps what it gives.
    fn ask(
        &self,
        held: &mut Held,
        get: impl FnOnce(&dyn TokenSource) -> Result<Secret, TokenError>,
    ) -> Result<Secret, RequestError> {
        if let Some(said) = held.hold.holding(Instant::now()) {
            return Err(RequestError::Https(said));
        }
        let token = get(self.tokens.as_ref()).map_err(|e| self.token_error(e, held))?;
        held.token = Some(token.clone());
        held.hold.succeeded();
        Ok(token)
    }

    /// `token` was accepted: a later 401 starts a new episode.
    fn proven(&self, token: &Secret) {
        let mut held = self.held();
        if held.token.as_ref() == Some(token) {
            held.unproven = false;
        }
    }

    /// A token could not be had: the player was removed; the server was not
    /// reached (the next request tries again); or it waits before asking
    /// again (Makapix Club counts failed rotations against its limit).
    fn token_error(&self, e: TokenError, held: &mut Held) -> RequestError {
        match e {
            TokenError::PlayerUnknown(_) => self.refuse(Refusal::Removed),
            TokenError::Unreachable(why) => RequestError::Https(why),
            TokenError::Failed(why) => {
                let said = held.hold.failed(Instant::now(), why, random_jitter());
                tracing::warn!("no bearer token for the HTTPS API: {said}");
                RequestError::Https(said)
            }
        }
    }

    fn check_standing(&self) -> Result<(), RequestError> {
        match *self.standing.borrow() {
            Some(refusal) => Err(self.refused(refusal)),
            None => Ok(()),
        }
    }

    /// Records `refusal` (the first one stands) and says it.
    fn refuse(&self, refusal: Refusal) -> RequestError {
        self.standing.send_if_modified(|standing| {
            if standing.is_some() {
                return false;
            }
            tracing::warn!("Makapix Club refuses this player: {refusal:?}");
            *standing = Some(refusal);
            true
        });
        let standing = (*self.standing.borrow()).unwrap_or(refusal);
        self.refused(standing)
    }

    fn refused(&self, refusal: Refusal) -> RequestError {
        RequestError::Refused {
            refusal,
            sentence: refusal.failure(self.recheck_after).message,
        }
    }

    fn gate<T>(&self, kind: usize, f: impl FnOnce(&mut Throttle) -> T) -> T {
        let mut gates = self.throttles.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut gates[kind])
    }
}
