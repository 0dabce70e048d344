//! The HTTPS player API's answers read as typed outcomes, pure (no I/O):
//! `POST {api}/player/rpc` answers carry the same envelope as MQTT responses
//! plus an HTTP status; `POST {api}/player/events/view` answers by status alone.

use std::time::Duration;

use serde_json::Value;

use crate::protocol::http::too_many_failed_authentications;
use crate::protocol::request::RequestKind;
use crate::protocol::response::{self, ErrorCode, Response};
use crate::protocol::view::ViewOutcome;

use super::super::requests::RequestError;

/// What `Retry-After` is taken as when the server gives none (or nonsense):
/// the limit is one view per 5 s, with a margin.
pub(crate) const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(6);

/// The base URL if requests may go to it (`address::parse_base`): `https://`,
/// or plain `http://` to this computer only (tests), never with a user name or
/// password, since the bearer token travels with each request.
pub(crate) fn check_base(url: &str) -> Result<String, String> {
    crate::address::parse_base(url).map_err(|e| {
        format!(
            "No request is sent to the HTTPS API address, since it would put the player's token at risk: {e} Fix the API base URL in Settings › Player."
        )
    })
}

/// The error code an HTTP status stands for when the body has none.
fn code_for_status(status: u16) -> Option<ErrorCode> {
    match status {
        429 => Some(ErrorCode::RateLimited),
        500..=599 => Some(ErrorCode::InternalError),
        _ => None,
    }
}

/// Reads an RPC answer (not a 401: those are the token's business) as the
/// `kind` of its request. `request_id` fills in an id the server left null.
pub(crate) fn rpc_answer(
    kind: RequestKind,
    request_id: &str,
    status: u16,
    body: &[u8],
) -> Result<Response, RequestError> {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let Some(Value::Object(mut map)) = parsed.filter(|v| v.get("success").is_some()) else {
        // Not the envelope: a proxy's page, or FastAPI's `{"detail": …}`.
        if (200..300).contains(&status) {
            return Err(RequestError::Malformed(
                "the answer is not a player API response".into(),
            ));
        }
        let detail = serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|v| v.get("detail").and_then(Value::as_str).map(str::to_owned));
        return Err(RequestError::Server {
            code: code_for_status(status),
            message: detail.unwrap_or_else(|| format!("HTTP {status}")),
        });
    };
    if !map.get("request_id").is_some_and(Value::is_string) {
        map.insert("request_id".into(), Value::String(request_id.to_owned()));
    }
    let bytes = serde_json::to_vec(&Value::Object(map))
        .map_err(|e| RequestError::Malformed(e.to_string()))?;
    Ok(response::parse(kind, &bytes)?)
}

/// Whether the answer refuses the bearer token: a 401, or the 429 the server
/// gives instead once too many failed authentications came from this address.
pub(crate) fn token_refused(status: u16, body: &[u8]) -> bool {
    status == 401 || (status == 429 && too_many_failed_authentications(&detail(body)))
}

/// FastAPI's `{"detail": "…"}` of an error answer, or nothing.
pub fn detail(body: &[u8]) -> String {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("detail").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default()
}

/// `Retry-After` in seconds (the server sends whole seconds); an HTTP date or
/// nothing falls back to a safe wait.
pub fn retry_after(header: Option<&str>) -> Duration {
    header
        .and_then(|h| h.trim().parse::<u64>().ok())
        .map(|s| Duration::from_secs(s.clamp(1, 3600)))
        .unwrap_or(DEFAULT_RETRY_AFTER)
}

/// Why a view did not get through; it stays queued either way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ViewNotThrough {
    /// The API was not reached (no answer, refused, timed out, a proxy's
    /// 5xx): HTTPS is failing, as when a request finds it unusable.
    Unreached(String),
    /// Anything else (the token refused: the player's standing says the rest).
    Other(String),
}

/// Reads a view answer by its status.
/// `Err`: the answer says nothing about the view (the token was refused, or a
/// 5xx: the view endpoint never answers one itself, so a proxy or an outage
/// answered for it): it stays queued, as when the connection is lost.
pub(crate) fn view_answer(
    status: u16,
    retry_after_header: Option<&str>,
    body: &[u8],
) -> Result<ViewOutcome, ViewNotThrough> {
    Ok(match status {
        202 => ViewOutcome::Accepted,
        200 => ViewOutcome::Duplicate,
        404 => ViewOutcome::Refused("post_not_found".into()),
        403 => ViewOutcome::Refused("owner_not_permitted".into()),
        429 => ViewOutcome::RateLimited {
            retry_after: Some(retry_after(retry_after_header)),
        },
        401 => {
            return Err(ViewNotThrough::Other(
                "Makapix Club refused the player's API token even after a new one was made.".into(),
            ));
        }
        500..=599 => {
            return Err(ViewNotThrough::Unreached(format!(
                "Makapix Club's HTTPS API was not reached (HTTP {status} from the way there)"
            )));
        }
        other => {
            let error = serde_json::from_slice::<Value>(body).ok().and_then(|v| {
                v.get("error")
                    .or_else(|| v.get("detail"))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            });
            ViewOutcome::Failed(match error {
                Some(e) => format!("HTTP {other}: {e}"),
                None => format!("HTTP {other}"),
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bytes(v: Value) -> Vec<u8> {
        serde_json::to_vec(&v).unwrap()
    }

    #[test]
    fn only_https_or_this_computer_gets_the_token() {
        assert_eq!(
            check_base("https://makapix.club/api/").unwrap(),
            "https://makapix.club/api"
        );
        assert!(check_base("http://127.0.0.1:8080/api").is_ok());
        assert!(check_base("http://localhost/api").is_ok());
        assert!(check_base("http://[::1]:9/api").is_ok());
        for bad in [
            "http://makapix.club/api",
            "http://127.0.0.1.evil.example/api",
            "http://localhost:1@evil.example",
            "ftp://x",
            "",
            "https://",
        ] {
            let err = check_base(bad).unwrap_err();
            assert!(err.contains("https://"), "{bad}: {err}");
        }
    }

    #[test]
    fn a_success_without_request_id_reads_as_its_kind() {
        let body = bytes(json!({"request_id": null, "success": true, "echo_data": "hi"}));
        let answer = rpc_answer(RequestKind::Echo, "r1", 200, &body).unwrap();
        assert!(matches!(answer, Response::Echo(e) if e.echo_data == "hi"));
        let done = bytes(json!({"success": true}));
        assert_eq!(
            rpc_answer(RequestKind::SubmitReaction, "r", 200, &done).unwrap(),
            Response::Done
        );
    }

    #[test]
    fn errors_keep_their_code_and_bare_statuses_get_one() {
        let body = bytes(
            json!({"request_id": null, "success": false, "error": "Post 9 not found", "error_code": "not_found"}),
        );
        assert!(matches!(
            rpc_answer(RequestKind::GetPost, "r", 404, &body),
            Err(RequestError::Server { code: Some(ErrorCode::NotFound), message }) if message == "Post 9 not found"
        ));
        assert!(matches!(
            rpc_answer(RequestKind::Echo, "r", 502, b"<html>Bad Gateway</html>"),
            Err(RequestError::Server {
                code: Some(ErrorCode::InternalError),
                ..
            })
        ));
        assert!(matches!(
            rpc_answer(RequestKind::Echo, "r", 429, &bytes(json!({"detail": "slow down"}))),
            Err(RequestError::Server { code: Some(ErrorCode::RateLimited), message }) if message == "slow down"
        ));
        assert!(matches!(
            rpc_answer(RequestKind::Echo, "r", 200, b"<html>portal</html>"),
            Err(RequestError::Malformed(_))
        ));
    }

    #[test]
    fn a_429_for_failed_authentications_refuses_the_token_and_a_read_limit_does_not() {
        let failed =
            bytes(json!({"detail": "Too many failed authentication attempts. Try again later."}));
        assert!(token_refused(429, &failed));
        assert!(token_refused(401, b"{}"));
        let limited = bytes(
            json!({"request_id": null, "success": false, "error": "Rate limit exceeded", "error_code": "rate_limited"}),
        );
        assert!(!token_refused(429, &limited));
        assert!(!token_refused(429, b""));
        assert!(!token_refused(500, &failed));
    }

    #[test]
    fn view_statuses_map_to_outcomes_and_retry_after_is_honoured() {
        assert_eq!(view_answer(202, None, b"{}"), Ok(ViewOutcome::Accepted));
        assert_eq!(
            view_answer(200, None, br#"{"success":true,"deduplicated":true}"#),
            Ok(ViewOutcome::Duplicate)
        );
        assert_eq!(
            view_answer(404, None, b"{}"),
            Ok(ViewOutcome::Refused("post_not_found".into()))
        );
        let later = |d| {
            Ok(ViewOutcome::RateLimited {
                retry_after: Some(d),
            })
        };
        assert_eq!(
            view_answer(429, Some("3"), b"{}"),
            later(Duration::from_secs(3))
        );
        assert_eq!(
            view_answer(429, Some("Wed, 21 Oct 2015 07:28:00 GMT"), b"{}"),
            later(DEFAULT_RETRY_AFTER)
        );
        assert!(
            matches!(view_answer(400, None, br#"{"error":"boom"}"#), Ok(ViewOutcome::Failed(e)) if e.contains("boom"))
        );
        for status in [500, 502, 503, 504] {
            assert!(
                matches!(
                    view_answer(status, None, b"<html>Bad Gateway</html>"),
                    Err(ViewNotThrough::Unreached(_))
                ),
                "{status}: the API was not reached, so nothing counts against the view"
            );
        }
        assert!(
            matches!(view_answer(401, None, b"{}"), Err(ViewNotThrough::Other(_))),
            "kept, not counted"
        );
    }
}
