//! The MQTT test rig, reusable by any test: a real mosquitto configured like
//! Makapix's broker, certificates minted at run time, a test server that plays
//! the Makapix back end, the HTTPS API's credential and player endpoints (`api`,
//! `player_api`), an HTTP
//! vault, a cuttable TCP proxy, and a player driven through the real runtime.
//!
//! Part of the support tree (`crate::support::rig`).

pub use super::{certs, http_server};

pub mod api;
pub mod broker;
pub mod player;
pub mod player_api;
pub mod posts;
pub mod proxy;
pub mod server;
pub mod vault;
pub mod views;
pub mod window;

use std::time::{Duration, Instant};

/// A port on 127.0.0.1 that was free a moment ago (tests run in parallel).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free local port")
}

/// Polls `check` until it returns `Some`, or panics naming `what`.
pub fn wait_for<T>(what: &str, timeout: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Connects as a player with `identity` (client id `client_key`), publishes a
/// status naming `client_key` on `topic`, disconnects. True once the publish was
/// acknowledged (mosquitto acknowledges even what its ACL drops). The TLS
/// handshake of a debug build on a loaded machine can take seconds: the
/// 20 s only stop a hang.
pub fn raw_player_publish(
    broker: &broker::Broker,
    client_key: &str,
    identity: &certs::Identity,
    topic: &str,
) -> bool {
    use rumqttc::v5::mqttbytes::QoS;
    use rumqttc::v5::mqttbytes::v5::Packet;
    use rumqttc::v5::{AsyncClient, Event, MqttOptions};
    use rumqttc::{TlsConfiguration, Transport};
    makapix_player::net::tls::install_crypto_provider();
    let tls = makapix_player::net::tls::client_config(
        &broker.ca.pem,
        &identity.cert_pem,
        &identity.key_pem,
    )
    .expect("tls config");
    let mut options = MqttOptions::new(client_key, "127.0.0.1", broker.tls_port);
    options.set_credentials(client_key, "");
    options.set_transport(Transport::tls_with_config(TlsConfiguration::Rustls(tls)));
    let (client, mut eventloop) = AsyncClient::new(options, 8);
    let payload = serde_json::json!({"player_key": client_key, "status": "online"}).to_string();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio");
    let topic = topic.to_owned();
    rt.block_on(async move {
        tokio::time::timeout(Duration::from_secs(20), async {
            loop {
                match eventloop.poll().await {
                    Ok(Event::Incoming(Packet::ConnAck(_))) => {
                        let _ = client
                            .publish(topic.clone(), QoS::AtLeastOnce, false, payload.clone())
                            .await;
                    }
                    Ok(Event::Incoming(Packet::PubAck(_))) => return true,
                    Ok(_) => {}
                    Err(_) => return false,
                }
            }
        })
        .await
        .unwrap_or(false)
    })
}
