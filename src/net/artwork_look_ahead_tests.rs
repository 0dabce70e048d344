//! A `show_artwork`'s post looked up before the window hears of the command:
//! a cached file comes back with the look-up (and no `Fetched` follows), a
//! missing one lets the command go at once while its download goes on.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::bridge::RuntimeEvent;
use crate::bridge::artwork::{ArtworkAction, ArtworkConfig, ArtworkEvent};
use crate::bridge::channel::{WindowEnd, pair};
use crate::player::MakapixPost;
use crate::storage::cache::ArtCache;

use super::{Fetcher, cache_name};

pub(super) fn post(post_id: i64, key: &str) -> MakapixPost {
    MakapixPost {
        post_id,
        title: None,
        storage_key: key.into(),
        storage_shard: "8c/4f".into(),
        native_format: "png".into(),
        art_url: None,
    }
}

/// A fetcher on `dir` whose vault refuses every connection, so only the cache answers.
pub(super) fn fetcher(dir: &Path) -> (Fetcher, WindowEnd) {
    let (window, runtime) = pair(Arc::new(|| {}));
    let fetcher = Fetcher::new(runtime.sink);
    let mut config = ArtworkConfig::new(dir.to_path_buf());
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    config.vault_base = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    config.attempts = 1;
    config.timeout = Duration::from_secs(2);
    fetcher.handle(ArtworkAction::Configure(config));
    (fetcher, window)
}

/// The next `Fetched`, waited for on the runtime's events.
async fn next_fetched(window: &WindowEnd) -> (MakapixPost, Result<std::path::PathBuf, String>) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(RuntimeEvent::Artwork(ArtworkEvent::Fetched { post, result })) =
            window.try_recv()
        {
            return (post, result);
        }
        assert!(Instant::now() < deadline, "no Fetched from the fetcher");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[tokio::test]
async fn a_cached_file_comes_back_with_the_look_up_and_no_fetched_follows() {
    let dir = tempfile::tempdir().unwrap();
    let cached = post(41, "sunkey");
    let bytes = b"the cached file".to_vec();
    ArtCache::open(dir.path(), 1 << 20)
        .unwrap()
        .put(&cache_name(&cached), &bytes)
        .unwrap();
    let (fetcher, window) = fetcher(dir.path());

    let found = fetcher
        .look_ahead(cached.clone(), Duration::from_secs(5))
        .await
        .expect("the cached file, with the look-up");
    assert_eq!(found.post, cached);
    assert_eq!(std::fs::read(&found.path).unwrap(), bytes);

    // A post the cache lacks: told at once, and its download (refused) answers later.
    let missing = post(42, "nokey");
    let asked = Instant::now();
    assert!(
        fetcher
            .look_ahead(missing.clone(), Duration::from_secs(5))
            .await
            .is_none()
    );
    assert!(
        asked.elapsed() < Duration::from_secs(2),
        "the command waited for the download"
    );
    let (post, result) = next_fetched(&window).await;
    assert_eq!(post, missing, "the cached post was answered twice");
    assert!(result.is_err());
}
