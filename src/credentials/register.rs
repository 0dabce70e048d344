//! The HTTPS calls of protocol section 2: provision, poll credentials, renew,
//! rotate the token. Blocking (ureq): the runtime calls them off its thread.

use std::time::Duration;

use serde::de::DeserializeOwned;
use ureq::http::{Request, Response};
use ureq::middleware::MiddlewareNext;
use ureq::{Body, SendBody};

use crate::protocol::http::{
    CredentialsResponse, ProvisionRequest, ProvisionResponse, RenewResponse, RotateResponse,
    Secret, owner_blocked, too_many_failed_authentications,
};

/// What the player calls itself when it provisions.
pub(crate) const DEVICE_MODEL: &str = "makapix-player-desktop";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HttpError {
    #[error("Could not reach the Makapix server ({0}). Check the internet connection.")]
    Network(String),
    #[error(
        "The server's certificate was not accepted ({0}). Check the server address, or this computer's clock."
    )]
    ServerCertificate(String),
    #[error("The Makapix server is busy (too many requests from this network); try again later.")]
    RateLimited,
    #[error("The Makapix server refused the request (HTTP {0}).")]
    Status(u16),
    #[error("The Makapix server's answer could not be read ({0}).")]
    BadAnswer(String),
    #[error(
        "Makapix Club does not know this player any more: it was removed from its account. Register this computer again or import new certificates."
    )]
    UnknownPlayer,
    #[error(
        "Makapix Club registered this player but could not make its certificate, and waiting will not change that. On makapix.club remove the player (Settings › Players), then register this computer again."
    )]
    CertificatesUnavailable,
    #[error("{0} Check the server address in Settings › Player.")]
    Address(String),
    /// Holds only where it pointed (`redirect_target`), never the address.
    #[error(
        "The Makapix server redirected the request (to {0}); the player does not follow it, since the request carries the player's key or token. Check the server address in Settings › Player."
    )]
    Redirected(String),
}

/// The `detail` of the 404 for a registered player whose certificate the
/// server failed to make (the other 404, "not registered", passes by itself).
const NO_CERTIFICATES: &str = "Certificates not available";

/// Answer to one credentials poll.
#[derive(Debug)]
pub(crate) enum Poll {
    Pending,
    RateLimited,
    Ready(Box<CredentialsResponse>),
}

/// Answer to a renewal.
#[derive(Debug)]
pub enum Renewal {
    Renewed(Box<RenewResponse>),
    /// 400: not inside the 90-day window yet.
    TooEarly,
    /// 401: the token is no longer valid.
    BadToken,
    /// 401 "Account banned" (or deactivated): whatever the token, so a new
    /// one would not help.
    OwnerBlocked,
}

pub struct Api {
    agent: ureq::Agent,
    base: String,
}

/// The agent for every call that carries the player's key or its bearer
/// token (these calls, the HTTPS player API): it follows no redirect (a 3xx
/// comes back as the answer, for the caller to refuse), and sends nothing to
/// an address `address::parse_web` refuses (plain HTTP to another computer,
/// a user name before the host), whatever address it is handed.
pub(crate) fn token_agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .middleware(only_checked_addresses)
        .build()
        .into()
}

fn only_checked_addresses(
    request: Request<SendBody>,
    next: MiddlewareNext,
) -> Result<Response<Body>, ureq::Error> {
    if let Err(e) = crate::address::parse_web(&request.uri().to_string()) {
        return Err(ureq::Error::BadUri(e.to_string()));
    }
    next.handle(request)
}

/// Where a 3xx answer pointed, if it is one: its host at most. The address
/// itself would repeat the request's path (`/player/{key}/token/rotate` holds
/// the player key) or carry anything the server put there, and this text
/// reaches the window and the log.
pub(crate) fn redirect_target(response: &Response<Body>) -> Option<String> {
    if !response.status().is_redirection() {
        return None;
    }
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok());
    Some(redirect_host(location))
}

fn redirect_host(location: Option<&str>) -> String {
    let host = location
        .and_then(|l| url::Url::parse(l).ok())
        .and_then(|u| {
            u.host_str()
                .map(|h| h.chars().take(100).collect::<String>())
        });
    match host {
        Some(host) => crate::player_key::redact(&host).into_owned(),
        None => "another address on the same server".into(),
    }
}

/// The answer, unless it is a redirect (never followed with the key or token).
fn not_redirected(response: Response<Body>) -> Result<Response<Body>, HttpError> {
    match redirect_target(&response) {
        Some(target) => Err(HttpError::Redirected(target)),
        None => Ok(response),
    }
}

impl Api {
    pub fn new(base: &str) -> Self {
        let agent = token_agent(Duration::from_secs(30));
        Self {
            agent,
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    pub fn provision(&self) -> Result<ProvisionResponse, HttpError> {
        let body = ProvisionRequest {
            device_model: DEVICE_MODEL.into(),
            firmware_version: crate::VERSION.into(),
        };
        let response = self
            .agent
            .post(format!("{}/player/provision", self.base))
            .send_json(&body)
            .map_err(network)
            .and_then(not_redirected)?;
        match response.status().as_u16() {
            200 | 201 => read_json(response),
            429 => Err(HttpError::RateLimited),
            code => Err(HttpError::Status(code)),
        }
    }

    pub(crate) fn poll_credentials(&self, player_key: &str) -> Result<Poll, HttpError> {
        let mut response = self
            .agent
            .get(format!("{}/player/{player_key}/credentials", self.base))
            .call()
            .map_err(network)
            .and_then(not_redirected)?;
        match response.status().as_u16() {
            200 => Ok(Poll::Ready(Box::new(read_json(response)?))),
            404 if says(&mut response, NO_CERTIFICATES) => Err(HttpError::CertificatesUnavailable),
            404 => Ok(Poll::Pending),
            429 => Ok(Poll::RateLimited),
            code => Err(HttpError::Status(code)),
        }
    }

    pub fn renew(&self, token: &Secret) -> Result<Renewal, HttpError> {
        let mut response = self
            .agent
            .post(format!("{}/player/renew-cert", self.base))
            .header("Authorization", format!("Bearer {}", token.expose()))
            .send_empty()
            .map_err(network)
            .and_then(not_redirected)?;
        match response.status().as_u16() {
            200 => Ok(Renewal::Renewed(Box::new(read_json(response)?))),
            400 => Ok(Renewal::TooEarly),
            401 if owner_blocked(&detail(&mut response)) => Ok(Renewal::OwnerBlocked),
            401 => Ok(Renewal::BadToken),
            // Past 60 refused tokens an hour from this address the server
            // says 429, not 401: still a refused token, and a new one passes.
            429 if too_many_failed_authentications(&detail(&mut response)) => Ok(Renewal::BadToken),
            429 => Err(HttpError::RateLimited),
            code => Err(HttpError::Status(code)),
        }
    }

    /// Replaces a lost or refused token; the old one stops working.
    pub fn rotate_token(
        &self,
        player_key: &str,
        old: Option<&Secret>,
    ) -> Result<RotateResponse, HttpError> {
        let mut request = self
            .agent
            .post(format!("{}/player/{player_key}/token/rotate", self.base));
        if let Some(old) = old {
            request = request.header("Authorization", format!("Bearer {}", old.expose()));
        }
        let response = request
            .send_empty()
            .map_err(network)
            .and_then(not_redirected)?;
        match response.status().as_u16() {
            200 | 201 => read_json(response),
            404 => Err(HttpError::UnknownPlayer),
            429 => Err(HttpError::RateLimited),
            code => Err(HttpError::Status(code)),
        }
    }
}

fn network(e: ureq::Error) -> HttpError {
    if let ureq::Error::BadUri(refused) = e {
        return HttpError::Address(crate::player_key::redact(&refused).into_owned());
    }
    // An address in the message (a redirect) may hold the player key.
    let text = crate::player_key::redact(&e.to_string()).into_owned();
    // rustls reports a refused server certificate inside an io error; tell it apart from "offline".
    if text.contains("certificate") {
        HttpError::ServerCertificate(text)
    } else {
        HttpError::Network(text)
    }
}

/// Whether the answer's `detail` holds `words` (a short body read; an
/// unreadable one says nothing).
fn says(response: &mut ureq::http::Response<ureq::Body>, words: &str) -> bool {
    detail(response).contains(words)
}

/// The error body's `detail` (empty when there is none).
fn detail(response: &mut ureq::http::Response<ureq::Body>) -> String {
    #[derive(serde::Deserialize)]
    struct Detail {
        detail: Option<String>,
    }
    response
        .body_mut()
        .with_config()
        .limit(64 * 1024)
        .read_json::<Detail>()
        .ok()
        .and_then(|d| d.detail)
        .unwrap_or_default()
}

fn read_json<T: DeserializeOwned>(
    mut response: ureq::http::Response<ureq::Body>,
) -> Result<T, HttpError> {
    response
        .body_mut()
        .with_config()
        .limit(1024 * 1024)
        .read_json()
        // serde's message names the field at fault, never a value.
        .map_err(|e| HttpError::BadAnswer(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "fa16acc1-5d2c-4f4e-9d0b-2b8e7c1f00aa";

    fn redirect(location: &str) -> Response<Body> {
        Response::builder()
            .status(307)
            .header("location", location)
            .body(Body::builder().data(""))
            .expect("a response")
    }

    #[test]
    fn a_redirect_is_named_by_its_host_never_its_address() {
        let to =
            format!("https://user:pw@elsewhere.example:8443/api/player/{KEY}/token/rotate?t=x");
        let target = redirect_target(&redirect(&to)).expect("a redirect");
        let said = HttpError::Redirected(target).to_string();
        assert!(
            said.contains("redirected the request (to elsewhere.example)"),
            "{said}"
        );
        for secret in [KEY, "fa16acc1", "/player/", "user", "pw", "t=x"] {
            assert!(!said.contains(secret), "{secret} in: {said}");
        }
        // A path alone (same server) names no host, and no path either.
        let same = redirect_target(&redirect(&format!("/api/player/{KEY}/credentials")));
        let said = HttpError::Redirected(same.expect("a redirect")).to_string();
        assert!(!said.contains(KEY) && !said.contains("/player/"), "{said}");
        let plain = Response::builder()
            .status(200)
            .body(Body::builder().data("{}"))
            .expect("a response");
        assert_eq!(redirect_target(&plain), None);
    }
}
