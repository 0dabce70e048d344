//! The calls that carry the player's key or bearer token (registration,
//! renewal, token rotation, the HTTPS player API) go only to addresses that
//! pass the address rule and follow no redirect: a server (or something in
//! between) that answers 307 to another host, or to plain HTTP, is not
//! followed, and the user reads why. Real HTTP on 127.0.0.1; the "other host"
//! is `localhost` on a second port (another host name, the same machine), so
//! a followed redirect would be seen arriving.

use crate::support::http_server;

use std::sync::Arc;
use std::time::Duration;

use http_server::{Reply, TestServer};
use makapix_player::bridge::connection::Tuning;
use makapix_player::bridge::transport::{HttpsApi, TokenError, TokenSource};
use makapix_player::credentials::register::{Api, HttpError, Renewal};
use makapix_player::net::https::HttpsClient;
use makapix_player::protocol::http::Secret;
use makapix_player::protocol::request::RequestBody;

/// A server that answers every request `307` to `target` + the same path.
fn redirecting_to(target: String) -> TestServer {
    TestServer::start_replying(Box::new(move |request| {
        let path = request.path.trim_start_matches("/api");
        let mut reply = Reply::new(307, String::new());
        reply
            .headers
            .push(("Location".into(), format!("{target}{path}")));
        reply
    }))
}

/// Where a followed redirect would land: counts who came.
fn landing() -> (TestServer, String) {
    let server = TestServer::start(Box::new(|_| (200, "{}".into())));
    let port = server
        .base
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .to_owned();
    let port = port.trim_end_matches("/api").to_owned();
    (server, format!("http://localhost:{port}/api"))
}

#[test]
fn renewal_and_rotation_do_not_follow_a_redirect_to_another_host() {
    let (landing, other_host) = landing();
    let api_server = redirecting_to(other_host);
    let api = Api::new(&api_server.base);
    let minted = crate::support::minted_token();
    let token = Secret::new(minted.clone());

    let renewed = api.renew(&token);
    assert!(
        matches!(&renewed, Err(HttpError::Redirected(to)) if to.contains("localhost")),
        "{renewed:?}"
    );
    let said = renewed.unwrap_err().to_string();
    assert!(said.contains("does not follow it"), "{said}");
    assert!(
        !said.contains(&minted),
        "the token is not in the sentence: {said}"
    );
    let rotated = api.rotate_token("0f0e0d0c-aaaa-bbbb-cccc-000000000001", Some(&token));
    assert!(
        matches!(rotated, Err(HttpError::Redirected(_))),
        "{rotated:?}"
    );
    assert!(api.provision().is_err());
    assert_eq!(
        landing.paths(),
        Vec::<String>::new(),
        "a redirect was followed to the other host"
    );
    assert_eq!(api_server.count("renew-cert"), 1);
}

#[test]
fn a_redirect_to_plain_http_elsewhere_is_refused_not_tried() {
    let api_server = redirecting_to("http://makapix.invalid/api".into());
    let renewed = Api::new(&api_server.base).renew(&Secret::new("t"));
    assert!(
        matches!(&renewed, Err(HttpError::Redirected(to)) if to == "makapix.invalid"),
        "{renewed:?}"
    );
    assert!(!matches!(renewed, Ok(Renewal::Renewed(_))));
}

#[test]
fn a_user_name_before_the_host_sends_nothing_anywhere() {
    let (landing, _) = landing();
    let port = landing
        .base
        .trim_end_matches("/api")
        .rsplit(':')
        .next()
        .unwrap_or_default();
    // Reads like this computer; the host is really `makapix.invalid`.
    let sneaky = format!("http://127.0.0.1:{port}@makapix.invalid/api");
    let renewed = Api::new(&sneaky).renew(&Secret::new("t"));
    let Err(HttpError::Address(why)) = &renewed else {
        panic!("not refused for its address: {renewed:?}");
    };
    assert!(why.contains("user name or password"), "{why}");
    assert!(landing.paths().is_empty());
}

struct FixedToken(String);

impl TokenSource for FixedToken {
    fn token(&self) -> Result<Secret, TokenError> {
        Ok(Secret::new(self.0.clone()))
    }
    fn rotate(&self, _refused: &Secret) -> Result<Secret, TokenError> {
        Err(TokenError::Failed("no rotation in this test".into()))
    }
}

#[test]
fn the_https_player_api_does_not_follow_a_redirect_with_its_token() {
    let (landing, other_host) = landing();
    let api_server = redirecting_to(other_host);
    let https = HttpsApi {
        base_url: api_server.base.clone(),
        tokens: Arc::new(FixedToken(crate::support::minted_token())),
    };
    let tuning = Tuning {
        request_timeout: Duration::from_secs(5),
        request_retries: 0,
        ..Tuning::default()
    };
    let client = HttpsClient::new(&https, &tuning);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let answer = rt.block_on(client.send(RequestBody::Echo {
        echo_data: "hello".into(),
    }));
    let said = format!("{}", answer.unwrap_err());
    assert!(said.contains("does not follow it"), "{said}");
    assert!(landing.paths().is_empty(), "{:?}", landing.paths());
    assert_eq!(api_server.count("player/rpc"), 1);
}
