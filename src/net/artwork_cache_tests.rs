//! A cache folder that cannot be opened (on a drive not mounted yet, or a
//! file where the folder should be): each fetch is answered with the reason,
//! not held for ever, and the folder is tried again at the next fetch.

use std::time::{Duration, Instant};

use crate::bridge::RuntimeEvent;
use crate::bridge::artwork::{ArtworkAction, ArtworkEvent};
use crate::bridge::channel::WindowEnd;
use crate::player::MakapixPost;

use super::look_ahead_tests::{fetcher, post};

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
    // Downloads fail fast once the cache opens: the vault refuses every connection.
    let (fetcher, window) = fetcher(&folder);

    fetcher.handle(ArtworkAction::Fetch(post(1, "one")));
    let said = answer(&window, &post(1, "one")).await.unwrap_err();
    assert!(said.contains("cannot be used"), "{said}");

    // The folder is fixed: the next fetch opens the cache and downloads.
    std::fs::remove_file(&folder).unwrap();
    fetcher.handle(ArtworkAction::Fetch(post(2, "two")));
    let said = answer(&window, &post(2, "two")).await.unwrap_err();
    assert!(!said.contains("cannot be used"), "the cache opened: {said}");
    assert!(folder.is_dir(), "the cache folder was made");
}
