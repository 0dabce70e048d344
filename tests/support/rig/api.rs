//! The Makapix HTTPS API as the server runs it today (August 2026), for the
//! credential endpoints, on 127.0.0.1 over plain HTTP:
//! - `POST /player/provision` gives the player key the test chose and a code;
//! - `GET /player/{key}/credentials`: 404 "Player not found or not registered"
//!   until the owner enters the code, then the set, with `api_token` only on
//!   the first fetch (`null` afterwards); 404 "Certificates not available for
//!   this player" for ever when the server failed to make the certificate;
//! - `POST /player/{key}/token/rotate`: no auth, a new token that revokes the
//!   old one; 429 past 30 calls per address (a Redis counter like
//!   renew-cert's: every call let through counts, a 404 or a failure too, and
//!   the hour starts again after the last one let through);
//! - `POST /player/renew-cert` with the bearer token: 401 for a bad token
//!   (counted with the player API's failed checks, and 429 past them),
//!   429 past 10 calls a day per player (the server's Redis counter: every
//!   call it lets through counts, the too-early ones too, and the day starts
//!   again 24 hours after the last one it let through), 400 outside the
//!   renewal window (90 days before expiry), else the next set.
//!
//! - the player API, `POST /player/rpc` and `POST /player/events/view`, with
//!   the same bearer check (`get_current_player`: 401 "Invalid or missing
//!   player token" for a stale or unknown token, or a player without an owner,
//!   each counted per address: past 60 in an hour, 429 "Too many failed
//!   authentication attempts…" instead; 401 "Account banned" while the owner
//!   is banned, whatever the token, and `token/rotate` still succeeds then):
//!   see `player_api.rs`.
//!
//! And, for tests: "the next N polls answer 502", "the next N view events
//! answer 502" (a proxy in front of an API that is down), "the next N
//! rotations answer 503" (the database is down), "the owner renewed from the
//! web", "the owner removed the player" (`token/rotate` answers 404), "the
//! owner's account is gone" and "the owner is banned (until …)".
//!
//! Certificates are minted by the test (from the broker's CA) and handed in.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use time::OffsetDateTime;

use super::certs::Identity;
use super::http_server::{Reply, Request, TestServer};
use super::player_api::{self, Limits, Views};
use super::server::{Responder, catalogue};

/// The server's renewal window.
pub const RENEW_WINDOW_DAYS: i64 = 90;
/// Token rotations allowed per hour (per address; one address in tests).
pub const ROTATIONS_PER_HOUR: u32 = 30;
/// `renew-cert` calls allowed per player in a day.
pub const RENEWALS_PER_DAY: u32 = 10;
/// Failed bearer checks per address (one here) in an hour before they are 429.
pub const FAILED_AUTHS_PER_HOUR: u32 = 60;

struct Player {
    current: Identity,
    /// Issued by `renew-cert` next.
    next: Option<Identity>,
    registered: bool,
    /// The token the server accepts, if any.
    token: Option<String>,
    /// The first successful credentials fetch carries a token; later ones `null`.
    token_delivered: bool,
    removed: bool,
    /// `renew-cert` calls let through, and when that count expires.
    renewals: (u32, Option<Instant>),
    /// Registered, but the server failed to make its certificate.
    no_certificate: bool,
    /// The player is registered but has no owner any more: tokens are made, never accepted.
    orphaned: bool,
    /// The owner's `banned_until`.
    banned_until: Option<Instant>,
}

struct State {
    players: HashMap<String, Player>,
    /// How the player API answers requests (the MQTT back end's catalogue by default).
    responder: Responder,
    views: Views,
    limits: Limits,
    /// What `provision` hands out next: (player key, its first certificate).
    provisionable: Option<String>,
    failing_polls: u32,
    /// View events a proxy answers 502 before they reach the API.
    failing_views: u32,
    /// `token/rotate` calls counted by the server's limiter (each allowed
    /// call, whatever it answers), and when the count lapses: an hour after
    /// the last allowed call, as Redis's EXPIRE renewed on each one does.
    rotations: u32,
    rotations_lapse: Option<Instant>,
    failing_rotations: u32,
    /// Failed bearer checks counted by the server's limiter, and when the
    /// count lapses (an hour after the last one counted).
    auth_failures: u32,
    auth_failures_lapse: Option<Instant>,
    tokens_made: u32,
    renewals_refused: u32,
    /// `https_api.base_url` in provisioning and credentials answers.
    advertised: String,
}

impl Default for State {
    fn default() -> Self {
        Self {
            players: HashMap::new(),
            responder: Arc::new(catalogue),
            views: Views::default(),
            limits: Limits::default(),
            provisionable: None,
            failing_polls: 0,
            failing_views: 0,
            rotations: 0,
            rotations_lapse: None,
            failing_rotations: 0,
            auth_failures: 0,
            auth_failures_lapse: None,
            tokens_made: 0,
            renewals_refused: 0,
            advertised: String::new(),
        }
    }
}

pub struct MakapixApi {
    pub http: TestServer,
    /// `https_api.base_url` as the player should use it (`http://127.0.0.1:PORT/api`).
    pub base: String,
    ca_pem: String,
    broker_port: u16,
    state: Arc<Mutex<State>>,
}

impl MakapixApi {
    /// Serves the credential endpoints for players of the broker at `broker_port`.
    pub fn start(ca_pem: &str, broker_port: u16) -> MakapixApi {
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::clone(&state);
        let ca = ca_pem.to_owned();
        let http = TestServer::start_replying(Box::new(move |r| {
            let mut state = shared.lock().unwrap();
            if let Some(reply) = player_endpoints(&mut state, r) {
                return reply;
            }
            let (status, body) = answer(&mut state, &ca, broker_port, r);
            Reply::new(status, body)
        }));
        MakapixApi {
            base: http.base.clone(),
            http,
            ca_pem: ca_pem.to_owned(),
            broker_port,
            state,
        }
    }

    /// A player the server knows, registered (the code was entered), holding
    /// `current`; no token handed out yet.
    pub fn add_player(&self, player_key: &str, current: Identity) {
        self.state.lock().unwrap().players.insert(
            player_key.to_owned(),
            Player {
                current,
                next: None,
                registered: true,
                token: None,
                token_delivered: false,
                removed: false,
                renewals: (0, None),
                no_certificate: false,
                orphaned: false,
                banned_until: None,
            },
        );
    }

    /// The next `provision` creates `player_key`, whose credentials wait for the code.
    pub fn provision_as(&self, player_key: &str, first: Identity) {
        self.add_player(player_key, first);
        let mut state = self.state.lock().unwrap();
        if let Some(p) = state.players.get_mut(player_key) {
            p.registered = false;
        }
        state.provisionable = Some(player_key.to_owned());
    }

    /// The owner enters the registration code on the web.
    pub fn enter_code(&self, player_key: &str) {
        if let Some(p) = self.state.lock().unwrap().players.get_mut(player_key) {
            p.registered = true;
        }
    }

    /// The owner enters the code, but the server fails to make the
    /// certificate: every poll answers 404 "Certificates not available".
    pub fn enter_code_certificate_fails(&self, player_key: &str) {
        if let Some(p) = self.state.lock().unwrap().players.get_mut(player_key) {
            p.registered = true;
            p.no_certificate = true;
        }
    }

    /// What `renew-cert` issues next for `player_key`.
    pub fn next_certificate(&self, player_key: &str, next: Identity) {
        if let Some(p) = self.state.lock().unwrap().players.get_mut(player_key) {
            p.next = Some(next);
        }
    }

    /// The owner renewed from the web: the credentials endpoint now holds `set`.
    pub fn owner_renews(&self, player_key: &str, set: Identity) {
        if let Some(p) = self.state.lock().unwrap().players.get_mut(player_key) {
            p.current = set;
        }
    }

    /// The owner removed the player: its token stops working.
    pub fn remove_player(&self, player_key: &str) {
        if let Some(p) = self.state.lock().unwrap().players.get_mut(player_key) {
            p.removed = true;
            p.token = None;
        }
    }

    /// The owner's account is gone: the player stays registered, `token/rotate`
    /// still makes tokens, and every bearer call is refused as an unknown token.
    pub fn orphan_player(&self, player_key: &str) {
        if let Some(p) = self.state.lock().unwrap().players.get_mut(player_key) {
            p.orphaned = true;
        }
    }

    /// The owner is banned for `span` (`None`: for good): every bearer call
    /// answers 401 "Account banned" until then.
    pub fn ban_owner(&self, player_key: &str, span: Option<Duration>) {
        let until = Instant::now() + span.unwrap_or(Duration::from_secs(100 * 365 * 86_400));
        if let Some(p) = self.state.lock().unwrap().players.get_mut(player_key) {
            p.banned_until = Some(until);
        }
    }

    /// Reads, reactions and echoes are counted over `window` instead of a minute.
    pub fn set_limit_window(&self, window: Duration) {
        self.state.lock().unwrap().limits.window = window;
    }

    /// Views of one player must come `gap` apart instead of the server's 5 s
    /// (a test whose player paces its views by `player::VIEW_SCALE`).
    pub fn set_view_gap(&self, gap: Duration) {
        self.state.lock().unwrap().views.gap = gap;
    }

    /// Requests the player API answered 429 `rate_limited` so far.
    pub fn rate_limited(&self) -> u32 {
        self.state.lock().unwrap().limits.refused
    }

    /// The next `n` `token/rotate` calls the limiter lets through answer 503
    /// (the server's database is down).
    pub fn fail_next_rotations(&self, n: u32) {
        self.state.lock().unwrap().failing_rotations = n;
    }

    /// `n` failed bearer checks from this address were counted already
    /// (other players behind the same address, or an old token).
    pub fn failed_authentications(&self, n: u32) {
        let mut state = self.state.lock().unwrap();
        state.auth_failures += n;
        state.auth_failures_lapse = Some(Instant::now() + Duration::from_secs(3600));
    }

    /// The next `n` credential polls answer 502 (a proxy in front of a restarting API).
    pub fn fail_next_polls(&self, n: u32) {
        self.state.lock().unwrap().failing_polls = n;
    }

    /// The next `n` view events answer 502 from a proxy: the API never sees
    /// them (they are not in `views()`).
    pub fn fail_next_views(&self, n: u32) {
        self.state.lock().unwrap().failing_views = n;
    }

    /// The token the server accepts for `player_key` now.
    pub fn token(&self, player_key: &str) -> Option<String> {
        self.state
            .lock()
            .unwrap()
            .players
            .get(player_key)?
            .token
            .clone()
    }

    /// Provisioning and credentials answers name `base_url` as the HTTPS
    /// player API (empty until then, which the player takes as "none").
    pub fn advertise_https_api(&self, base_url: &str) {
        self.state.lock().unwrap().advertised = base_url.to_owned();
    }

    /// The server accepts `token` for `player_key` (handed out elsewhere).
    pub fn accept_token(&self, player_key: &str, token: &str) {
        if let Some(p) = self.state.lock().unwrap().players.get_mut(player_key) {
            p.token = Some(token.to_owned());
        }
    }

    /// The player API answers requests with `f` (as `TestServer::set_responder`).
    pub fn set_responder(&self, f: impl Fn(&Value) -> Option<Value> + Send + Sync + 'static) {
        self.state.lock().unwrap().responder = Arc::new(f);
    }

    /// The owner made a new token on the web: the player's stops working.
    pub fn rotate_on_the_web(&self, player_key: &str) {
        let mut state = self.state.lock().unwrap();
        state.tokens_made += 1;
        let token = format!("mpx_web_{:04}", state.tokens_made);
        if let Some(p) = state.players.get_mut(player_key) {
            p.token = Some(token);
        }
    }

    /// Every view event received, with the status it was answered.
    pub fn views(&self) -> Vec<(Value, u16)> {
        self.state.lock().unwrap().views.log.clone()
    }

    /// The player API's requests so far (bodies), in order.
    pub fn rpc_requests(&self) -> Vec<Value> {
        self.http
            .requests
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path.ends_with("/player/rpc"))
            .map(|r| serde_json::from_str(&r.body).unwrap_or(Value::Null))
            .collect()
    }

    /// The web's "Download Certificates" bundle: no `api_token`.
    pub fn bundle(&self, player_key: &str) -> String {
        let state = self.state.lock().unwrap();
        let p = &state.players[player_key];
        json!({"ca_pem": self.ca_pem, "cert_pem": p.current.cert_pem, "key_pem": p.current.key_pem,
               "broker": {"host": "127.0.0.1", "port": self.broker_port},
               "https_api": {"base_url": self.base, "auth": "bearer"}})
        .to_string()
    }

    /// Status and path of every request so far, in order.
    pub fn log(&self) -> Vec<(String, String)> {
        self.http
            .requests
            .lock()
            .unwrap()
            .iter()
            .map(|r| (r.method.clone(), r.path.clone()))
            .collect()
    }

    pub fn count(&self, path_part: &str) -> usize {
        self.http.count(path_part)
    }

    /// How many `renew-cert` calls were refused 429 (past the daily limit).
    pub fn renewals_refused(&self) -> u32 {
        self.state.lock().unwrap().renewals_refused
    }
}

/// The player API, behind the bearer check; `None` for the other endpoints.
fn player_endpoints(state: &mut State, r: &Request) -> Option<Reply> {
    let path = r.path.strip_prefix("/api").unwrap_or(&r.path);
    if r.method != "POST" || !matches!(path, "/player/rpc" | "/player/events/view") {
        return None;
    }
    if path == "/player/events/view" && state.failing_views > 0 {
        state.failing_views -= 1;
        return Some(Reply::new(502, "<html>Bad Gateway</html>".into()));
    }
    let bearer = r
        .authorization
        .as_deref()
        .and_then(|a| a.strip_prefix("Bearer "));
    let Some((key, banned_until)) = state
        .players
        .iter()
        .find(|(_, p)| {
            !p.removed && !p.orphaned && p.token.is_some() && p.token.as_deref() == bearer
        })
        .map(|(k, p)| (k.clone(), p.banned_until))
    else {
        return Some(failed_authentication(state));
    };
    if banned_until.is_some_and(|until| Instant::now() < until) {
        return Some(Reply::new(
            401,
            json!({"detail": "Account banned"}).to_string(),
        ));
    }
    Some(if path == "/player/rpc" {
        let responder = Arc::clone(&state.responder);
        player_api::rpc(&key, &responder, &mut state.limits, &r.body)
    } else {
        player_api::view(&key, &mut state.views, &r.body)
    })
}

fn answer(state: &mut State, ca_pem: &str, broker_port: u16, r: &Request) -> (u16, String) {
    let path = r.path.strip_prefix("/api").unwrap_or(&r.path);
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let broker = json!({"host": "127.0.0.1", "port": broker_port});
    let https_api = json!({"base_url": state.advertised, "auth": "bearer"});
    match (r.method.as_str(), parts.as_slice()) {
        ("POST", ["player", "provision"]) => {
            let Some(key) = state.provisionable.take() else {
                return (500, json!({"detail": "nothing to provision"}).to_string());
            };
            let expires = OffsetDateTime::now_utc() + time::Duration::minutes(15);
            let expires = expires
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default();
            (
                201,
                json!({"player_key": key, "registration_code": "K7Q2ZP",
                       "registration_code_expires_at": expires, "mqtt_broker": broker,
                       "https_api": https_api})
                .to_string(),
            )
        }
        ("GET", ["player", key, "credentials"]) => {
            if state.failing_polls > 0 {
                state.failing_polls -= 1;
                return (502, "<html>Bad Gateway</html>".into());
            }
            let made = state.tokens_made + 1;
            let Some(p) = state.players.get_mut(*key).filter(|p| p.registered) else {
                let detail = "Player not found or not registered";
                return (404, json!({"detail": detail}).to_string());
            };
            if p.no_certificate {
                let detail = "Certificates not available for this player";
                return (404, json!({"detail": detail}).to_string());
            }
            let token = if p.token_delivered {
                Value::Null
            } else {
                let token = format!("mpx_live_{made:04}");
                p.token = Some(token.clone());
                p.token_delivered = true;
                state.tokens_made = made;
                json!(token)
            };
            (
                200,
                json!({"ca_pem": ca_pem, "cert_pem": p.current.cert_pem, "key_pem": p.current.key_pem,
                       "broker": broker, "https_api": https_api,
                       "api_token": token})
                .to_string(),
            )
        }
        ("POST", ["player", key, "token", "rotate"]) => {
            if !rotation_allowed(state) {
                return (429, json!({"detail": "rate limited"}).to_string());
            }
            if state.failing_rotations > 0 {
                state.failing_rotations -= 1;
                return (503, json!({"detail": "database unavailable"}).to_string());
            }
            let made = state.tokens_made + 1;
            let Some(p) = state.players.get_mut(*key).filter(|p| !p.removed) else {
                return (404, json!({"detail": "player not found"}).to_string());
            };
            let token = format!("mpx_live_{made:04}");
            p.token = Some(token.clone());
            state.tokens_made = made;
            (
                200,
                json!({"api_token": token, "rotated_at": "2026-08-20T12:00:00Z"}).to_string(),
            )
        }
        ("POST", ["player", "renew-cert"]) => {
            let bearer = r
                .authorization
                .as_deref()
                .and_then(|a| a.strip_prefix("Bearer "));
            let Some(p) = state
                .players
                .values_mut()
                .find(|p| !p.orphaned && p.token.is_some() && p.token.as_deref() == bearer)
            else {
                // The same bearer check as the player API: counted per address.
                let reply = failed_authentication(state);
                return (reply.status, reply.body);
            };
            if p.banned_until.is_some_and(|until| Instant::now() < until) {
                return (401, json!({"detail": "Account banned"}).to_string());
            }
            if !renewal_allowed(p) {
                state.renewals_refused += 1;
                return (
                    429,
                    json!({"detail": "Too many renewal requests. Please try again later."})
                        .to_string(),
                );
            }
            let opens = p.current.not_after - time::Duration::days(RENEW_WINDOW_DAYS);
            if OffsetDateTime::now_utc() < opens {
                let days = (p.current.not_after - OffsetDateTime::now_utc()).whole_days();
                return (
                    400,
                    json!({"detail": format!("Certificate still valid for {days} days")})
                        .to_string(),
                );
            }
            let Some(next) = p.next.take() else {
                return (
                    500,
                    json!({"detail": "the test gave no next certificate"}).to_string(),
                );
            };
            let expires = next
                .not_after
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default();
            p.current = next.clone();
            (
                200,
                json!({"cert_pem": next.cert_pem, "key_pem": next.key_pem, "ca_pem": ca_pem,
                       "cert_expires_at": expires})
                .to_string(),
            )
        }
        _ => (404, json!({"detail": "no such endpoint"}).to_string()),
    }
}

/// A bearer token the server does not accept (`_fail`): counted per address
/// like the server's `check_rate_limit` (a counter at its limit refuses
/// without counting; each counted failure restarts the hour), and 429
/// instead of 401 once 60 were counted.
fn failed_authentication(state: &mut State) -> Reply {
    let now = Instant::now();
    if state.auth_failures_lapse.is_some_and(|lapse| now >= lapse) {
        state.auth_failures = 0;
    }
    if state.auth_failures >= FAILED_AUTHS_PER_HOUR {
        let detail = "Too many failed authentication attempts. Try again later.";
        return Reply::new(429, json!({ "detail": detail }).to_string());
    }
    state.auth_failures += 1;
    state.auth_failures_lapse = Some(now + Duration::from_secs(3600));
    let mut reply = Reply::new(
        401,
        json!({"detail": "Invalid or missing player token"}).to_string(),
    );
    reply
        .headers
        .push(("WWW-Authenticate".into(), "Bearer".into()));
    reply
}

/// The server's per-player limit on `renew-cert`: INCR and EXPIRE of one key,
/// checked before the renewal window, so a refused-as-too-early call counts.
fn renewal_allowed(p: &mut Player) -> bool {
    let now = Instant::now();
    if p.renewals.1.is_some_and(|ends| now >= ends) {
        p.renewals = (0, None);
    }
    if p.renewals.0 >= RENEWALS_PER_DAY {
        return false;
    }
    p.renewals = (p.renewals.0 + 1, Some(now + Duration::from_secs(86_400)));
    true
}

/// The server's limiter for `token/rotate` (per address; one address here):
/// the check comes first, so a call that then fails counts too.
fn rotation_allowed(state: &mut State) -> bool {
    let now = Instant::now();
    if state.rotations_lapse.is_some_and(|lapse| now >= lapse) {
        state.rotations = 0;
    }
    if state.rotations >= ROTATIONS_PER_HOUR {
        return false;
    }
    state.rotations += 1;
    state.rotations_lapse = Some(now + Duration::from_secs(3600));
    true
}
