//! Typed requests over MQTT: each gets a UUID, is published on
//! `request/{id}`, and is answered on `response/{id}` within the timeout.
//! An `internal_error` answer (also what the server says to a malformed request)
//! is retried once after a pause; other errors come back typed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use crate::bridge::connection::SessionConfig;

use crate::protocol::request::{QueryPosts, RequestBody, RequestEnvelope};
use crate::protocol::response::{
    self, CommentsPage, Echo, ErrorCode, Playset, PostEntry, PostsPage, Rejection, Response,
};

use super::backoff::{Backoff, random_jitter};

#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("Not connected to Makapix Club; the request was not sent. Try again once connected.")]
    NotConnected,
    #[error("Makapix Club did not answer within {} s. Check the connection and try again.", .0.as_secs())]
    Timeout(Duration),
    #[error("Makapix Club refused the request: {message}{}", code_suffix(.code))]
    Server {
        code: Option<ErrorCode>,
        message: String,
    },
    #[error("Makapix Club's answer could not be read ({0}); this player may be out of date.")]
    Malformed(String),
    #[error("The answer was of another kind than the request expected.")]
    Unexpected,
    #[error("The background service stopped; restart the player.")]
    Stopped,
    /// The MQTT session ended while the request waited for its answer.
    #[error("The connection to Makapix Club was lost before the answer came. Try again.")]
    ConnectionLost,
    /// The HTTPS API could not be used; the sentence says why and what to do.
    #[error("{0}")]
    Https(String),
    /// Makapix Club refuses this player (removed, or its owner banned).
    #[error("{sentence}")]
    Refused {
        refusal: super::standing::Refusal,
        sentence: String,
    },
}

/// The server's code after its message, as the protocol spells it (` (rate_limited)`).
fn code_suffix(code: &Option<ErrorCode>) -> String {
    code.clone()
        .map(|c| format!(" ({})", String::from(c)))
        .unwrap_or_default()
}

impl RequestError {
    /// What the window gets: the sentence, and the code to act on.
    pub(crate) fn to_failure(&self) -> crate::bridge::connection::RequestFailure {
        crate::bridge::connection::RequestFailure {
            code: match self {
                RequestError::Server { code, .. } => code.clone(),
                // Said the way MQTT says it, so the window reacts alike.
                RequestError::Refused { .. } => Some(ErrorCode::AuthenticationFailed),
                _ => None,
            },
            sentence: self.to_string(),
        }
    }
}

impl From<Rejection> for RequestError {
    fn from(r: Rejection) -> Self {
        match r {
            Rejection::Failed { code, message } => RequestError::Server { code, message },
            Rejection::Malformed(e) => RequestError::Malformed(e.to_string()),
        }
    }
}

/// A request ready to publish; the session answers `sent` once it is queued
/// (or `NotConnected`).
pub(crate) struct Outbound {
    pub request_id: String,
    pub payload: Vec<u8>,
    pub sent: oneshot::Sender<Result<(), RequestError>>,
}

/// Requests waiting for their answer, by request id.
#[derive(Default)]
pub(crate) struct AwaitedResponses {
    waiting: Mutex<HashMap<String, oneshot::Sender<Vec<u8>>>>,
}

/// What became of an incoming response.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ResponseHandoff {
    Delivered,
    /// No request waits for this id (late, duplicate or foreign).
    Unknown,
}

impl AwaitedResponses {
    fn insert(&self, id: &str) -> oneshot::Receiver<Vec<u8>> {
        let (tx, rx) = oneshot::channel();
        if let Ok(mut w) = self.waiting.lock() {
            w.insert(id.to_owned(), tx);
        }
        rx
    }

    /// The session ended: every waiting request learns at once that its
    /// answer will not come (it may then go another way).
    pub(crate) fn fail_all(&self) {
        if let Ok(mut w) = self.waiting.lock() {
            w.clear();
        }
    }

    fn remove(&self, id: &str) {
        if let Ok(mut w) = self.waiting.lock() {
            w.remove(id);
        }
    }

    /// Hands a response to the request waiting for it.
    pub fn deliver(&self, id: &str, payload: Vec<u8>) -> ResponseHandoff {
        let waiter = self.waiting.lock().ok().and_then(|mut w| w.remove(id));
        match waiter.map(|tx| tx.send(payload)) {
            Some(Ok(())) => ResponseHandoff::Delivered,
            _ => ResponseHandoff::Unknown,
        }
    }
}

/// The typed client. Cheap to clone; usable from any task of the runtime.
#[derive(Clone)]
pub struct RequestClient {
    pub(crate) player_key: String,
    pub(crate) outbound: mpsc::UnboundedSender<Outbound>,
    pub(crate) pending: Arc<AwaitedResponses>,
    pub(crate) timeout: Duration,
    pub(crate) retries: u32,
    pub(crate) retry_start: Duration,
}

impl RequestClient {
    /// For the session `config`, sending through `outbound`, answers collected in `pending`.
    pub(crate) fn new(
        config: &SessionConfig,
        outbound: &mpsc::UnboundedSender<Outbound>,
        pending: &Arc<AwaitedResponses>,
    ) -> Self {
        Self {
            player_key: config.player_key.clone(),
            outbound: outbound.clone(),
            pending: Arc::clone(pending),
            timeout: config.tuning.request_timeout,
            retries: config.tuning.request_retries,
            retry_start: config.tuning.backoff_start,
        }
    }

    /// Sends `body` and waits for its answer, retrying `internal_error`.
    pub async fn send(&self, body: RequestBody) -> Result<Response, RequestError> {
        let mut backoff = Backoff::new(self.retry_start, Duration::from_secs(60));
        let mut attempt = 0;
        loop {
            match self.once(&body).await {
                Err(RequestError::Server {
                    code: Some(ErrorCode::InternalError),
                    ..
                }) if attempt < self.retries => {
                    attempt += 1;
                    tokio::time::sleep(backoff.next_wait(random_jitter())).await;
                }
                other => return other,
            }
        }
    }

    async fn once(&self, body: &RequestBody) -> Result<Response, RequestError> {
        let request_id = uuid::Uuid::new_v4().to_string();
        let payload = serde_json::to_vec(&RequestEnvelope {
            request_id: &request_id,
            player_key: &self.player_key,
            body: body.as_sent().as_ref(),
        })
        .map_err(|e| RequestError::Malformed(e.to_string()))?;
        let answer = self.pending.insert(&request_id);
        let (sent_tx, sent_rx) = oneshot::channel();
        let queued = self.outbound.send(Outbound {
            request_id: request_id.clone(),
            payload,
            sent: sent_tx,
        });
        let sent = match queued {
            Ok(()) => sent_rx.await.unwrap_or(Err(RequestError::Stopped)),
            Err(_) => Err(RequestError::Stopped),
        };
        if let Err(e) = sent {
            self.pending.remove(&request_id);
            return Err(e);
        }
        match tokio::time::timeout(self.timeout, answer).await {
            Ok(Ok(bytes)) => Ok(response::parse(body.kind(), &bytes)?),
            Ok(Err(_)) => Err(RequestError::ConnectionLost),
            Err(_) => {
                self.pending.remove(&request_id);
                Err(RequestError::Timeout(self.timeout))
            }
        }
    }

    pub async fn query_posts(&self, query: QueryPosts) -> Result<PostsPage, RequestError> {
        match self.send(RequestBody::QueryPosts(query)).await? {
            Response::Posts(p) => Ok(p),
            _ => Err(RequestError::Unexpected),
        }
    }

    pub async fn get_post(&self, post_id: i64) -> Result<PostEntry, RequestError> {
        let body = RequestBody::GetPost {
            post_id,
            include_fields: Vec::new(),
        };
        match self.send(body).await? {
            Response::Post(p) => Ok(p),
            _ => Err(RequestError::Unexpected),
        }
    }

    pub async fn submit_reaction(&self, post_id: i64, emoji: &str) -> Result<(), RequestError> {
        let emoji = emoji.to_owned();
        self.send(RequestBody::SubmitReaction { post_id, emoji })
            .await
            .map(|_| ())
    }

    pub async fn revoke_reaction(&self, post_id: i64, emoji: &str) -> Result<(), RequestError> {
        let emoji = emoji.to_owned();
        self.send(RequestBody::RevokeReaction { post_id, emoji })
            .await
            .map(|_| ())
    }

    pub async fn get_comments(
        &self,
        post_id: i64,
        cursor: Option<String>,
    ) -> Result<CommentsPage, RequestError> {
        let body = RequestBody::GetComments {
            post_id,
            cursor,
            limit: None,
        };
        match self.send(body).await? {
            Response::Comments(c) => Ok(c),
            _ => Err(RequestError::Unexpected),
        }
    }

    pub async fn get_playset(&self, playset_name: &str) -> Result<Playset, RequestError> {
        let body = RequestBody::GetPlayset {
            playset_name: playset_name.to_owned(),
        };
        match self.send(body).await? {
            Response::Playset(p) => Ok(p),
            _ => Err(RequestError::Unexpected),
        }
    }

    pub async fn echo(&self, echo_data: &str) -> Result<Echo, RequestError> {
        let body = RequestBody::Echo {
            echo_data: echo_data.to_owned(),
        };
        match self.send(body).await? {
            Response::Echo(e) => Ok(e),
            _ => Err(RequestError::Unexpected),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bridge::connection::Tuning;
    use serde_json::json;

    /// A fake session: answers each request with what `answer` returns.
    fn client_with(
        answer: impl Fn(&serde_json::Value, u32) -> Option<serde_json::Value> + Send + 'static,
    ) -> RequestClient {
        let (tx, mut rx) = mpsc::unbounded_channel::<Outbound>();
        let pending = Arc::new(AwaitedResponses::default());
        let p = Arc::clone(&pending);
        tokio::spawn(async move {
            let mut n = 0;
            while let Some(out) = rx.recv().await {
                let _ = out.sent.send(Ok(()));
                let req: serde_json::Value = serde_json::from_slice(&out.payload).unwrap();
                n += 1;
                if let Some(resp) = answer(&req, n) {
                    p.deliver(&out.request_id, serde_json::to_vec(&resp).unwrap());
                }
            }
        });
        RequestClient {
            player_key: "k".into(),
            outbound: tx,
            pending,
            timeout: Duration::from_millis(200),
            retries: Tuning::default().request_retries,
            retry_start: Duration::from_millis(1),
        }
    }

    #[tokio::test]
    async fn an_internal_error_is_retried_once_then_succeeds() {
        let client = client_with(|req, n| {
            let id = req["request_id"].clone();
            Some(if n < 2 {
                json!({"request_id": id, "success": false, "error": "x", "error_code": "internal_error"})
            } else {
                json!({"request_id": id, "success": true, "echo_data": req["echo_data"]})
            })
        });
        assert_eq!(client.echo("hello").await.unwrap().echo_data, "hello");
    }

    #[tokio::test]
    async fn a_second_internal_error_is_given_up() {
        let sent = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let count = Arc::clone(&sent);
        let client = client_with(move |req, _| {
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Some(
                json!({"request_id": req["request_id"], "success": false, "error": "x", "error_code": "internal_error"}),
            )
        });
        assert!(matches!(
            client.echo("hello").await,
            Err(RequestError::Server {
                code: Some(ErrorCode::InternalError),
                ..
            })
        ));
        assert_eq!(sent.load(std::sync::atomic::Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn other_errors_are_typed_and_silence_times_out() {
        let client = client_with(|req, _| {
            (req["request_type"] == "get_playset").then(|| {
                json!({"request_id": req["request_id"], "success": false, "error": "no", "error_code": "playset_not_found"})
            })
        });
        assert!(matches!(
            client.get_playset("nope").await,
            Err(RequestError::Server {
                code: Some(ErrorCode::PlaysetNotFound),
                ..
            })
        ));
        assert!(matches!(
            client.echo("x").await,
            Err(RequestError::Timeout(_))
        ));
        assert_eq!(
            client.pending.waiting.lock().unwrap().len(),
            0,
            "timed-out ids are forgotten"
        );
    }
}
