//! Downloads Makapix artwork files into the disk cache, with retries and
//! back-off, and tells the window where each file is.
//!
//! The URL is the post's `art_url` when it has one, else
//! `{vault}/{storage_shard}/{storage_key}.{native_format}` with the shard used
//! verbatim (it is opaque); the cache file name never comes from the URL, so
//! no server string can steer a write out of the cache folder.

use std::io::Read;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::bridge::RuntimeEvent;
use crate::bridge::artwork::{ArtworkAction, ArtworkConfig, ArtworkEvent};
use crate::bridge::channel::EventSink;
use crate::cache::{self, ArtCache};
use crate::player::MakapixPost;

/// Artwork files are at most 5 MB; anything past this is not an artwork.
const MAX_BYTES: u64 = 8 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("the artwork is not on the server (HTTP {0})")]
    NotThere(u16),
    #[error("the server answered HTTP {0}")]
    Server(u16),
    #[error("the artwork could not be downloaded: {0}. Check the network connection.")]
    Network(String),
    #[error("the artwork is larger than {MAX_BYTES} bytes")]
    TooLarge,
    #[error(
        "the server sent the download from https:// to an unencrypted address; it was not followed"
    )]
    InsecureRedirect,
    #[error("{0}")]
    Cache(#[from] cache::CacheError),
    #[error("no artwork cache is set up yet")]
    NotConfigured,
}

impl FetchError {
    /// A missing file stays missing; other failures may pass.
    fn worth_retrying(&self) -> bool {
        matches!(self, FetchError::Server(_) | FetchError::Network(_))
    }
}

struct Setup {
    config: ArtworkConfig,
    cache: ArtCache,
}

/// The runtime's artwork fetcher.
pub struct Fetcher {
    sink: EventSink,
    setup: Arc<Mutex<Option<Setup>>>,
}

impl Fetcher {
    pub fn new(sink: EventSink) -> Self {
        Self {
            sink,
            setup: Arc::default(),
        }
    }

    pub fn handle(&self, action: ArtworkAction) {
        match action {
            ArtworkAction::Configure(config) => {
                let setup = Arc::clone(&self.setup);
                // Opening the cache reads the folder: off the runtime's thread.
                tokio::task::spawn_blocking(move || {
                    match ArtCache::open(&config.cache_dir, config.cache_cap) {
                        Ok(cache) => {
                            if let Ok(mut slot) = setup.lock() {
                                *slot = Some(Setup { config, cache });
                            }
                        }
                        Err(e) => tracing::error!("{e}"),
                    }
                });
            }
            ArtworkAction::Fetch(post) => {
                let setup = Arc::clone(&self.setup);
                let sink = self.sink.clone();
                tokio::spawn(async move {
                    let result = fetch(setup, &post).await.map_err(|e| {
                        tracing::warn!("post {}: {e}", post.post_id);
                        e.to_string()
                    });
                    sink.send(RuntimeEvent::Artwork(ArtworkEvent::Fetched {
                        post,
                        result,
                    }));
                });
            }
        }
    }
}

/// The URL to download `post` from.
pub fn url(vault_base: &str, post: &MakapixPost) -> String {
    match &post.art_url {
        Some(url) if !url.is_empty() => url.clone(),
        _ => format!(
            "{}/{}/{}.{}",
            vault_base.trim_end_matches('/'),
            post.storage_shard,
            post.storage_key,
            post.native_format
        ),
    }
}

/// The cache's name for the post's file; the extension is one of ours.
pub fn cache_name(post: &MakapixPost) -> String {
    let ext = match post.native_format.to_ascii_lowercase().as_str() {
        "png" => "png",
        "gif" => "gif",
        "webp" => "webp",
        "bmp" => "bmp",
        _ => "img",
    };
    cache::file_name(&post.storage_shard, &post.storage_key, ext)
}

async fn fetch(
    setup: Arc<Mutex<Option<Setup>>>,
    post: &MakapixPost,
) -> Result<PathBuf, FetchError> {
    let name = cache_name(post);
    // The cache may still be opening (Configure is answered off-thread).
    let mut config = None;
    for _ in 0..50 {
        match lookup(&setup, &name)? {
            Some(Cached::Hit(path)) => return Ok(path),
            Some(Cached::Miss(c)) => {
                config = Some(c);
                break;
            }
            None => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
    let config = config.ok_or(FetchError::NotConfigured)?;
    let url = url(&config.vault_base, post);
    let mut wait = config.retry_start;
    let mut tries = 0;
    let bytes = loop {
        tries += 1;
        let (u, timeout) = (url.clone(), config.timeout);
        let got = tokio::task::spawn_blocking(move || download(&u, timeout))
            .await
            .unwrap_or_else(|e| Err(FetchError::Network(e.to_string())));
        match got {
            Ok(bytes) => break bytes,
            Err(e) if e.worth_retrying() && tries < config.attempts.max(1) => {
                tracing::info!("post {}: {e}; trying again in {wait:?}", post.post_id);
                tokio::time::sleep(wait).await;
                wait = wait.saturating_mul(2);
            }
            Err(e) => return Err(e),
        }
    };
    let mut guard = setup.lock().map_err(|_| FetchError::NotConfigured)?;
    let s = guard.as_mut().ok_or(FetchError::NotConfigured)?;
    Ok(s.cache.put(&name, &bytes)?)
}

enum Cached {
    Hit(PathBuf),
    Miss(ArtworkConfig),
}

/// The cached file, or the settings to fetch it with; `None` until configured.
fn lookup(setup: &Mutex<Option<Setup>>, name: &str) -> Result<Option<Cached>, FetchError> {
    let mut guard = setup.lock().map_err(|_| FetchError::NotConfigured)?;
    Ok(guard.as_mut().map(|s| match s.cache.get(name) {
        Some(path) => Cached::Hit(path),
        None => Cached::Miss(s.config.clone()),
    }))
}

fn download(url: &str, timeout: Duration) -> Result<Vec<u8>, FetchError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        // What starts encrypted stays encrypted: no redirect from https to http.
        .https_only(url.starts_with("https://"))
        .build()
        .into();
    let response = agent.get(url).call().map_err(|e| match e {
        ureq::Error::RequireHttpsOnly(_) => FetchError::InsecureRedirect,
        e => FetchError::Network(e.to_string()),
    })?;
    let status = response.status().as_u16();
    match status {
        200..=299 => {}
        404 | 410 | 403 => return Err(FetchError::NotThere(status)),
        _ => return Err(FetchError::Server(status)),
    }
    let mut bytes = Vec::new();
    response
        .into_body()
        .into_reader()
        .take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| FetchError::Network(e.to_string()))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(FetchError::TooLarge);
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(shard: &str, art_url: Option<&str>) -> MakapixPost {
        MakapixPost {
            post_id: 7,
            title: None,
            storage_key: "abc".into(),
            storage_shard: shard.into(),
            native_format: "gif".into(),
            art_url: art_url.map(str::to_owned),
        }
    }

    #[test]
    fn the_vault_url_uses_the_shard_verbatim_and_art_url_wins() {
        assert_eq!(
            url("https://vault.makapix.club/", &post("8c/4f/2a", None)),
            "https://vault.makapix.club/8c/4f/2a/abc.gif"
        );
        assert_eq!(
            url("https://v", &post("ab/cd", Some("https://cdn/x.gif"))),
            "https://cdn/x.gif"
        );
    }

    #[test]
    fn a_hostile_shard_or_format_makes_one_plain_file_name() {
        let mut p = post("../../etc", None);
        p.native_format = "/../sh".into();
        let name = cache_name(&p);
        assert!(!name.contains('/') && !name.starts_with('.'), "{name}");
        assert!(name.ends_with(".img"), "{name}");
    }
}
