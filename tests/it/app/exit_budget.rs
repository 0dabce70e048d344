//! Quitting takes under 2 s, always: the window's quit reaches the real
//! runtime even when its action queue is full, and blocking work still running
//! (here a download from a vault that never answers) is abandoned, not waited for.

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use makapix_player::bridge::Action;
use makapix_player::bridge::artwork::{ArtworkAction, ArtworkConfig};
use makapix_player::bridge::channel::{self, SendError};
use makapix_player::bridge::connection::ConnectionAction;
use makapix_player::net;
use makapix_player::player::MakapixPost;

#[test]
fn the_app_exits_within_2_s_while_the_action_queue_is_full() {
    let (mut window, runtime) = channel::pair(Arc::new(|| {}));
    // Filled before the runtime reads anything: the next action is refused as busy.
    loop {
        match window.send(Action::Connection(ConnectionAction::SetCurrentPost(None))) {
            Ok(()) => {}
            Err(SendError::Busy) => break,
            Err(e) => panic!("{e}"),
        }
    }
    window.attach(net::runtime::start(runtime).unwrap());
    let started = Instant::now();
    assert!(window.shutdown(), "the runtime thread ended");
    let took = started.elapsed();
    assert!(took < Duration::from_secs(2), "quitting took {took:?}");
}

#[test]
fn the_app_exits_within_2_s_while_a_download_hangs() {
    // A vault that accepts the connection and never answers.
    let vault = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = vault.local_addr().unwrap().port();
    let (accepted_tx, accepted) = mpsc::channel();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in vault.incoming().flatten() {
            held.push(conn);
            let _ = accepted_tx.send(());
        }
    });
    let cache = tempfile::tempdir().unwrap();
    let (mut window, runtime) = channel::pair(Arc::new(|| {}));
    window.attach(net::runtime::start(runtime).unwrap());
    let mut config = ArtworkConfig::new(cache.path().to_path_buf());
    config.vault_base = format!("http://127.0.0.1:{port}");
    config.timeout = Duration::from_secs(120);
    window
        .send(Action::Artwork(ArtworkAction::Configure(config)))
        .unwrap();
    window
        .send(Action::Artwork(ArtworkAction::Fetch(MakapixPost {
            post_id: 1,
            title: None,
            storage_key: "k".into(),
            storage_shard: "a/b".into(),
            native_format: "png".into(),
            art_url: None,
        })))
        .unwrap();
    accepted
        .recv_timeout(Duration::from_secs(10))
        .expect("the download started");
    let started = Instant::now();
    window.shutdown();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(2), "quitting took {took:?}");
}
