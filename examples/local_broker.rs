//! Opens the player connected to a local mosquitto set up like Makapix's broker
//! (the test rig: run-time certificates, the Makapix ACL, a test back end that
//! answers requests), to watch the connection indicator and the Diagnostics
//! window live. Needs the `mosquitto` and `openssl` commands.
//!
//! ```text
//! cargo run --example local_broker                 # connected
//! cargo run --example local_broker -- --diagnostics   # with the Diagnostics window open
//! cargo run --example local_broker -- --show-artwork  # the back end sends `show_artwork` after 3 s
//! ```

#[path = "../tests/support/mod.rs"]
mod support;
use support::rig;

use std::sync::Arc;

use eframe::egui;
use makapix_player::bridge::Action as RuntimeAction;
use makapix_player::bridge::channel::pair;
use makapix_player::bridge::connection::{ConnectionAction, Tuning};
use makapix_player::ui::{PlayerApp, StartOptions};
use makapix_player::{logging, net};

fn main() -> anyhow::Result<()> {
    logging::init(None, false);
    net::tls::install_crypto_provider();
    let open_diagnostics = std::env::args().any(|a| a == "--diagnostics");
    let mut broker = rig::broker::Broker::start();
    let show_artwork = std::env::args().any(|a| a == "--show-artwork");
    let server = rig::server::TestServer::start(&broker);
    // A vault on 127.0.0.1 holding one sample, shown by a command like the web sends.
    let vault = rig::vault::Vault::start();
    let png = makapix_player::samples::bytes("mountains-256.png").unwrap_or_default();
    vault.put("8c/4f", "mountains", "png", png.to_vec());
    let vault_base = vault.base.clone();
    let key = rig::certs::player_key();
    let me = broker.ca.player(&key);
    let mut config = rig::player::config(&broker, &key, &me, &broker.ca.pem);
    config.tuning = Tuning::default();
    println!("broker on 127.0.0.1:{} (player {key})", broker.tls_port);
    let command_key = key.clone();
    std::thread::spawn(move || {
        let _vault = vault;
        if show_artwork {
            std::thread::sleep(std::time::Duration::from_secs(3));
            server.send_command(
                &command_key,
                "show_artwork",
                serde_json::json!({"post_id": 1, "storage_key": "mountains", "storage_shard": "8c/4f",
                    "native_format": "png", "width": 256, "height": 256, "title": "Mountains at dawn"}),
            );
        }
        // Keeps the back end and the vault alive while the window is open.
        loop {
            std::thread::park();
        }
    });

    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Makapix Player — local broker")
            .with_inner_size([900.0, 700.0]),
        renderer: eframe::Renderer::Glow,
        ..Default::default()
    };
    eframe::run_native(
        "Makapix Player (local broker)",
        options,
        Box::new(move |cc| {
            let ctx = cc.egui_ctx.clone();
            let (mut window_end, runtime_end) = pair(Arc::new(move || ctx.request_repaint()));
            window_end.attach(net::runtime::start(runtime_end)?);
            let mut app = PlayerApp::new(StartOptions {
                vault: Some(vault_base),
                ..StartOptions::default()
            });
            app.attach_runtime(window_end);
            app.send_to_runtime(RuntimeAction::Connection(ConnectionAction::Connect(
                Box::new(config),
            )));
            if open_diagnostics {
                app.open_diagnostics();
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow::anyhow!("the window could not be opened: {e}"))?;
    broker.stop();
    Ok(())
}
