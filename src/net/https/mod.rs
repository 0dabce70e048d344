//! Makapix Club's HTTPS player API (protocol §10): the same typed requests as
//! over MQTT, `POST {api}/player/rpc`, and view events, `POST
//! {api}/player/events/view`, with the player's bearer token. One ureq agent
//! (one connection pool) per client, a few calls at a time, each on a blocking
//! worker; a 401 makes a new token once and tries again.

pub mod wire;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::Semaphore;

use crate::bridge::connection::Tuning;
use crate::bridge::transport::{HttpsApi, TokenSource};
use crate::protocol::http::Secret;
use crate::protocol::request::RequestBody;
use crate::protocol::response::{ErrorCode, Response};
use crate::protocol::view::{ViewEvent, ViewOutcome};

use super::backoff::{Backoff, random_jitter};
use super::requests::RequestError;

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
    held: Mutex<Option<Secret>>,
    permits: Semaphore,
    retries: u32,
    retry_start: Duration,
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
                held: Mutex::new(None),
                permits: Semaphore::new(CONCURRENCY),
                retries: tuning.request_retries,
                retry_start: tuning.backoff_start,
            }),
        }
    }

    /// The base URL requests go to (for the tooltip), as configured.
    pub fn base(&self) -> &str {
        match &self.inner.base {
            Ok(base) => base,
            Err(_) => "",
        }
    }

    /// Sends `body` and reads its answer, retrying `internal_error` like MQTT does.
    pub async fn send(&self, body: RequestBody) -> Result<Response, RequestError> {
        let mut backoff = Backoff::new(self.inner.retry_start, Duration::from_secs(60));
        let mut attempt = 0;
        loop {
            match self.once(&body).await {
                Err(RequestError::Server {
                    code: Some(ErrorCode::InternalError),
                    ..
                }) if attempt < self.inner.retries => {
                    attempt += 1;
                    tokio::time::sleep(backoff.next_wait(random_jitter())).await;
                }
                other => return other,
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
        if raw.status == 401 {
            return Err(RequestError::Https(
                "Makapix Club refused the player's API token even after a new one was made; register this computer again or import new certificates.".into(),
            ));
        }
        wire::rpc_answer(body.kind(), &request_id, raw.status, &raw.body)
    }

    /// Sends one view event (without `player_key`: the token says who).
    /// `Err`: it did not get through (offline, a refused token); the view stays queued.
    pub async fn send_view(&self, view: &ViewEvent) -> Result<ViewOutcome, String> {
        let mut json = serde_json::to_value(view).map_err(|e| e.to_string())?;
        if let Value::Object(map) = &mut json {
            map.remove("player_key");
            map.remove("request_ack");
        }
        match self.post("player/events/view", json).await {
            Ok(raw) => wire::view_answer(raw.status, raw.retry_after.as_deref(), &raw.body),
            Err(e) => Err(e.to_string()),
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
    /// Posts with the held token; a 401 gets one new token and one more try.
    fn post(&self, path: &str, body: &Value) -> Result<Raw, RequestError> {
        let base = self
            .base
            .as_ref()
            .map_err(|e| RequestError::Https(e.clone()))?;
        let url = format!("{base}/{path}");
        let token = self.token()?;
        let raw = self.post_with(&url, body, &token)?;
        if raw.status != 401 {
            return Ok(raw);
        }
        tracing::info!("the HTTPS API refused the player's token; getting a new one");
        let fresh = self.fresh_token(&token)?;
        self.post_with(&url, body, &fresh)
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
                "Makapix Club's HTTPS API sent the request on to another address ({target}); the player does not follow it with its token. Check the API base URL in Settings › Player."
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

    fn token(&self) -> Result<Secret, RequestError> {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(token) = held.as_ref() {
            return Ok(token.clone());
        }
        let token = self.tokens.token().map_err(RequestError::Https)?;
        *held = Some(token.clone());
        Ok(token)
    }

    /// A token other than `refused`: one made meanwhile by another call, or a
    /// new one. The lock is held while rotating, so many 401s rotate once.
    fn fresh_token(&self, refused: &Secret) -> Result<Secret, RequestError> {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(token) = held.as_ref().filter(|t| *t != refused) {
            return Ok(token.clone());
        }
        let token = self.tokens.rotate(refused).map_err(RequestError::Https)?;
        *held = Some(token.clone());
        Ok(token)
    }
}
