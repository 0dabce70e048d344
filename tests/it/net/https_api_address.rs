//! Where the HTTPS player API is: the credentials' `https_api.base_url`, kept
//! with the active set across restarts, else the server's `api_base`. Stored
//! credentials (mock keyring) drive the real runtime; the broker's port is
//! closed, so requests and views go over HTTPS, and two test APIs tell which
//! address they went to.

use crate::support::rig;

use std::sync::Arc;
use std::time::{Duration, Instant};

use makapix_player::bridge::RuntimeEvent;
use makapix_player::bridge::channel::{WindowEnd, pair};
use makapix_player::bridge::connection::{ConnectionAction, ConnectionEvent, ConnectionState};
use makapix_player::bridge::credentials::CredentialsAction;
use makapix_player::bridge::transport::Via;
use makapix_player::credentials::keyring_store::KeyringStore;
use makapix_player::credentials::server::{Environment, Server};
use makapix_player::credentials::service::Service;
use makapix_player::net::connection_handle::ConnectionHandle;
use makapix_player::net::credentials_task::CredentialsTask;
use makapix_player::protocol::http::Secret;
use makapix_player::protocol::request::RequestBody;
use makapix_player::protocol::response::Response;
use makapix_player::protocol::view::ViewEvent;
use rig::api::MakapixApi;
use rig::certs::{Ca, Identity, player_key};

/// Minted once a run (`support::minted_token`).
static TOKEN: std::sync::LazyLock<String> = std::sync::LazyLock::new(crate::support::minted_token);

/// Two test APIs: the one the credentials name, and the server's `api_base`.
struct Apis {
    named: MakapixApi,
    server: MakapixApi,
}

impl Apis {
    fn start(ca: &Ca, key: &str, me: &Identity) -> Apis {
        let apis = Apis {
            named: MakapixApi::start(&ca.pem, 1),
            server: MakapixApi::start(&ca.pem, 1),
        };
        for api in [&apis.named, &apis.server] {
            api.add_player(key, me.clone());
            api.accept_token(key, &TOKEN);
        }
        apis
    }
}

/// The bundle of a registered player (its token included) naming `https_base`,
/// with the broker at a port where nothing listens.
fn bundle(ca: &Ca, me: &Identity, closed_port: u16, https_base: &str) -> String {
    serde_json::json!({
        "ca_pem": ca.pem, "cert_pem": me.cert_pem, "key_pem": me.key_pem,
        "broker": {"host": "127.0.0.1", "port": closed_port},
        "https_api": {"base_url": https_base, "auth": "bearer"},
        "api_token": *TOKEN,
    })
    .to_string()
}

/// The credentials service over `store`, its facts in `dir`, on a custom
/// server whose API is `api_base`.
fn service(store: &KeyringStore, dir: &std::path::Path, api_base: &str) -> Service {
    let service = Service::new(
        Ok(store.clone()),
        Some(dir.join("player.json")),
        Default::default(),
    );
    if service.facts().unwrap().active.is_none() {
        service
            .set_server(Server {
                environment: Environment::Custom,
                api_base: api_base.into(),
                vault_base: api_base.into(),
                ..Server::production()
            })
            .unwrap();
    }
    service
}

/// The credentials task and the session on one runtime, linked as in the app.
struct Running {
    window: WindowEnd,
    task: CredentialsTask,
    connection: Arc<ConnectionHandle>,
    events: Vec<RuntimeEvent>,
}

impl Running {
    fn start(service: Service) -> Running {
        makapix_player::net::tls::install_crypto_provider();
        let (window, runtime_end) = pair(Arc::new(|| {}));
        let connection = Arc::new(ConnectionHandle::start(runtime_end.sink.clone()));
        let mut task = CredentialsTask::with_service(runtime_end.sink.clone(), service);
        let link = Arc::clone(&connection);
        task.link_session(Arc::new(move |action| link.handle(action)));
        Running {
            window,
            task,
            connection,
            events: Vec::new(),
        }
    }

    /// Takes events until `found` picks one.
    async fn wait<T>(&mut self, what: &str, found: impl Fn(&RuntimeEvent) -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            while let Some(e) = self.window.try_recv() {
                let hit = found(&e);
                self.events.push(e);
                if let Some(hit) = hit {
                    return hit;
                }
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}: {:#?}",
                self.events
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until requests go over HTTPS to `base`, shown connected (the
    /// runtime sends the state shown, then the facts).
    async fn connected_over_https_to(&mut self, base: &str) {
        let what = format!("connected over HTTPS to {base}");
        loop {
            self.wait(&what, |e| match e {
                RuntimeEvent::Connection(ConnectionEvent::Info(i))
                    if i.via == Via::Https && i.https_api.as_deref() == Some(base) =>
                {
                    Some(())
                }
                _ => None,
            })
            .await;
            let shown = self.events.iter().rev().find_map(|e| match e {
                RuntimeEvent::Connection(ConnectionEvent::State(s)) => Some(*s),
                _ => None,
            });
            if shown == Some(ConnectionState::Connected) {
                return;
            }
        }
    }

    async fn echo(&mut self, tag: u64) -> Response {
        self.connection.handle(ConnectionAction::Request {
            tag,
            body: Box::new(RequestBody::Echo {
                echo_data: format!("echo {tag}"),
            }),
        });
        let answer = self
            .wait("the echo's answer", |e| match e {
                RuntimeEvent::Connection(ConnectionEvent::Answered { tag: t, result })
                    if *t == tag =>
                {
                    Some(result.clone())
                }
                _ => None,
            })
            .await;
        answer.expect("answered over HTTPS")
    }

    async fn stop(self) {
        self.connection.shutdown().await;
    }
}

fn echoes(api: &MakapixApi) -> usize {
    api.rpc_requests()
        .iter()
        .filter(|b| {
            b["echo_data"]
                .as_str()
                .is_some_and(|d| d.starts_with("echo "))
        })
        .count()
}

fn view(post_id: i64) -> ViewEvent {
    ViewEvent {
        post_id,
        timestamp: "2026-08-20T12:00:00Z".into(),
        timezone: String::new(),
        intent: "channel".into(),
        play_order: 0,
        channel: "all".into(),
        player_key: String::new(),
        channel_user_sqid: None,
        channel_hashtag: None,
    }
}

#[test]
fn requests_and_views_go_to_the_api_the_credentials_name_and_it_is_kept_across_a_restart() {
    let mut ca = Ca::new("Makapix Test CA");
    let key = player_key();
    let me = ca.player(&key);
    let apis = Apis::start(&ca, &key, &me);
    let dir = tempfile::tempdir().unwrap();
    let store = KeyringStore::with_store(keyring_core::mock::Store::new().unwrap(), "test");
    let closed = rig::free_port();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut running = Running::start(service(&store, dir.path(), &apis.server.base));
        let bundle = bundle(&ca, &me, closed, &format!("{}/", apis.named.base));
        running
            .task
            .handle(CredentialsAction::ImportText(Secret::new(bundle)));
        running.connected_over_https_to(&apis.named.base).await;
        assert!(matches!(running.echo(1).await, Response::Echo(_)));
        running.connection.handle(ConnectionAction::View(view(7)));
        let deadline = Instant::now() + Duration::from_secs(20);
        while apis.named.views().is_empty() {
            assert!(Instant::now() < deadline, "no view at the named API");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        running.stop().await;
    });
    assert_eq!(echoes(&apis.named), 1);
    assert_eq!(apis.named.views()[0].1, 202);
    assert!(
        apis.server.log().is_empty(),
        "nothing went to the server's api_base: {:?}",
        apis.server.log()
    );
    let facts = std::fs::read_to_string(dir.path().join("player.json")).unwrap();
    assert!(facts.contains(&apis.named.base), "{facts}");

    // The next start reads the address kept with the credentials.
    rt.block_on(async {
        let mut running = Running::start(service(&store, dir.path(), &apis.server.base));
        running.task.handle(CredentialsAction::Load);
        running.connected_over_https_to(&apis.named.base).await;
        assert!(matches!(running.echo(2).await, Response::Echo(_)));
        running.stop().await;
    });
    assert_eq!(echoes(&apis.named), 2);
    assert!(apis.server.log().is_empty(), "{:?}", apis.server.log());
}

#[test]
fn credentials_naming_an_empty_or_unencrypted_api_fall_back_to_the_servers() {
    let mut ca = Ca::new("Makapix Test CA");
    let key = player_key();
    let me = ca.player(&key);
    let apis = Apis::start(&ca, &key, &me);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for (n, named) in ["", "http://api.example/api"].into_iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        let store = KeyringStore::with_store(keyring_core::mock::Store::new().unwrap(), "test");
        rt.block_on(async {
            let mut running = Running::start(service(&store, dir.path(), &apis.server.base));
            let bundle = bundle(&ca, &me, rig::free_port(), named);
            running
                .task
                .handle(CredentialsAction::ImportText(Secret::new(bundle)));
            running.connected_over_https_to(&apis.server.base).await;
            assert!(matches!(running.echo(n as u64).await, Response::Echo(_)));
            running.stop().await;
        });
        assert_eq!(echoes(&apis.server), n + 1, "{named:?}");
    }
    assert!(apis.named.log().is_empty(), "{:?}", apis.named.log());
}
