//! A cache folder that cannot be opened (on a drive not mounted yet, or a
//! file where the folder should be): each fetch is answered with the reason,
//! not held for ever, and the folder is tried again at the next fetch.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::bridge::RuntimeEvent;
use crate::bridge::artwork::{ArtworkAction, ArtworkConfig, ArtworkEvent};
use crate::bridge::channel::{WindowEnd, pair};
use crate::player::MakapixPost;

use super::Fetcher;

fn post(post_id: i64) -> MakapixPost {
    MakapixPost {
        post_id,
        title: None,
        storage_key: format!("key{post_id}"),
        storage_shard: "8c/4f".into(),
        native_format: "png".into(),
        art_url: None,
    }
}

/// What the fetcher answered for `post`, waited for on the runtime's events.
async fn answer(window: &WindowEnd, wanted: &MakapixPost) -> Result<std::path::PathBuf, String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(RuntimeEvent::Artwork(ArtworkEvent::Fetched { post, result })) =
            window.try_recv()
            && post == *wanted
        {
            return result;
        }
        assert!(
            Instant::now() < deadline,
            "no answer for post {}",
            wanted.post_id
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[tokio::test]
async fn a_cache_folder_that_cannot_open_answers_each_fetch_and_is_tried_again() {
    let root = tempfile::tempdir().unwrap();
    let folder = root.path().join("artworks");
    std::fs::write(&folder, b"a file where the folder should be").unwrap();
    let (window, runtime) = pair(Arc::new(|| {}));
    let fetcher = Fetcher::new(runtime.sink);
    let mut config = ArtworkConfig::new(folder.clone());
    // A vault that refuses every connection: once the cache opens, downloads fail fast.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    config.vault_base = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    config.attempts = 1;
    config.timeout = Duration::from_secs(2);
    fetcher.handle(ArtworkAction::Configure(config));

    fetcher.handle(ArtworkAction::Fetch(post(1)));
    let said = answer(&window, &post(1)).await.unwrap_err();
    assert!(said.contains("cannot be used"), "{said}");

    // The folder is fixed: the next fetch opens the cache and downloads.
    std::fs::remove_file(&folder).unwrap();
    fetcher.handle(ArtworkAction::Fetch(post(2)));
    let said = answer(&window, &post(2)).await.unwrap_err();
    assert!(!said.contains("cannot be used"), "the cache opened: {said}");
    assert!(folder.is_dir(), "the cache folder was made");
}
