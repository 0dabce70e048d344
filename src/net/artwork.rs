//! Downloads Makapix artwork files into the disk cache, with retries and
//! back-off, and tells the window where each file is.
//!
//! The URL is the post's `art_url` when it has one, else
//! `{vault}/{storage_shard}/{storage_key}.{native_format}` with the shard used
//! verbatim (it is opaque). An `art_url` comes from a command or a page, so it
//! is fetched only from the vault's origin (or the server's own API), over
//! https, never from the local network (`address::ArtOrigins`); redirects are
//! followed here, one at a time, only within the same rule. A refused address
//! is a sentence in the log and a failed artwork: the player moves on. The cache file name is an encoding of the post's
//! key (or of its `art_url` when it has no key), so no server string can steer
//! a write out of the cache folder.
//!
//! One task owns the work and takes the window's actions in order: nothing is
//! fetched before the first `Configure` (fetches wait for it), at most
//! `MAX_DOWNLOADS` run at once through one shared HTTP agent, and a download
//! nobody waits for any more is cancelled. Every cache read, write and fsync
//! runs on a blocking worker, never on the runtime's thread.

use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc, oneshot};

use super::artwork_progress::{Download, Tally};
use crate::address::{ArtOrigins, ArtRefused};
use crate::bridge::RuntimeEvent;
use crate::bridge::artwork::{
    ArtworkAction, ArtworkConfig, ArtworkEvent, CachedFile, MAX_DOWNLOADS,
};
use crate::bridge::channel::EventSink;
use crate::player::MakapixPost;
use crate::storage::cache::{self, ArtCache};

/// Artwork files are at most 5 MB; anything past this is not an artwork.
const MAX_BYTES: u64 = 8 * 1024 * 1024;
/// Redirects followed for one download, each checked like the first address.
const MAX_REDIRECTS: usize = 5;

#[derive(Debug, thiserror::Error)]
pub(crate) enum FetchError {
    #[error("the artwork is not on the server (HTTP {0})")]
    NotThere(u16),
    #[error("the server answered HTTP {0}")]
    Server(u16),
    #[error("the artwork could not be downloaded: {0}. Check the network connection.")]
    Network(String),
    #[error("the artwork is larger than {MAX_BYTES} bytes")]
    TooLarge,
    #[error("{0}")]
    Refused(#[from] ArtRefused),
    #[error("the artwork server redirected more than {MAX_REDIRECTS} times; the download stopped")]
    TooManyRedirects,
    #[error("{0}")]
    Cache(#[from] cache::CacheError),
    #[error("the artwork cache could not be used")]
    CacheGone,
    /// Nobody waits for it any more; never shown.
    #[error("cancelled")]
    Cancelled,
}

impl FetchError {
    /// A missing file stays missing; other failures may pass.
    fn worth_retrying(&self) -> bool {
        matches!(self, FetchError::Server(_) | FetchError::Network(_))
    }
}

/// What a configured fetcher works with; replaced whole by each `Configure`.
struct Setup {
    config: ArtworkConfig,
    cache: Arc<Mutex<ArtCache>>,
    /// One agent for every download: connections are pooled and shared. It
    /// follows no redirect itself: `download` checks each one first.
    agent: ureq::Agent,
    /// Where artworks may come from.
    origins: Arc<ArtOrigins>,
}

/// What the fetcher's task is asked: the window's actions, and the connection's look-aheads.
enum Order {
    Action(ArtworkAction),
    /// Fetch now, and answer once the cache was looked in: with the file if it is there.
    LookAhead(MakapixPost, oneshot::Sender<Option<PathBuf>>),
}

/// The runtime's artwork fetcher: the window's actions go to its task.
#[derive(Clone)]
pub(crate) struct Fetcher {
    orders: mpsc::UnboundedSender<Order>,
}

impl Fetcher {
    /// Starts the fetcher's task on the current runtime.
    pub fn new(sink: EventSink) -> Self {
        let (orders, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(rx, sink));
        Self { orders }
    }

    pub fn handle(&self, action: ArtworkAction) {
        let _ = self.orders.send(Order::Action(action));
    }

    /// Starts fetching a post the window is about to be told to show, and
    /// returns its file if the artwork cache has it (looked up for `within` at
    /// most): sent with the command, it lets the window decode the file in the
    /// pass that takes the command, instead of asking for it and waiting a pass
    /// for the answer. No file for it here, and no `Fetched` either. Otherwise
    /// the download goes on and answers with `Fetched`; the window's own
    /// `Fetch` joins it.
    pub(crate) async fn look_ahead(
        &self,
        post: MakapixPost,
        within: Duration,
    ) -> Option<CachedFile> {
        let (looked, rx) = oneshot::channel();
        self.orders
            .send(Order::LookAhead(post.clone(), looked))
            .ok()?;
        let path = tokio::time::timeout(within, rx).await.ok()?.ok()??;
        Some(CachedFile { post, path })
    }
}

/// A download under way, cancellable.
struct Running {
    id: u64,
    task: tokio::task::AbortHandle,
    /// Read by the blocking download between chunks: it stops and closes.
    cancel: Arc<AtomicBool>,
}

struct Work {
    sink: EventSink,
    setup: Option<Arc<Setup>>,
    /// Fetches that came before the first configuration, in order.
    held: Vec<(MakapixPost, bool)>,
    /// The configuration whose cache folder could not be opened, and why:
    /// tried again at the next fetch (a drive mounted late, a folder fixed).
    unusable: Option<(ArtworkConfig, String)>,
    running: HashMap<MakapixPost, Running>,
    permits: Arc<Semaphore>,
    done: mpsc::UnboundedSender<(MakapixPost, u64)>,
    next_id: u64,
    tally: Arc<Tally>,
}

async fn run(mut orders: mpsc::UnboundedReceiver<Order>, sink: EventSink) {
    let (done, mut finished) = mpsc::unbounded_channel();
    let mut work = Work {
        tally: Arc::new(Tally::new(sink.clone())),
        sink,
        setup: None,
        held: Vec::new(),
        unusable: None,
        running: HashMap::new(),
        permits: Arc::new(Semaphore::new(MAX_DOWNLOADS)),
        done,
        next_id: 0,
    };
    loop {
        tokio::select! {
            order = orders.recv() => match order {
                Some(Order::Action(action)) => work.handle(action).await,
                Some(Order::LookAhead(post, looked)) => work.fetch(post, false, Some(looked)),
                None => break,
            },
            Some((post, id)) = finished.recv() => {
                if work.running.get(&post).is_some_and(|r| r.id == id) {
                    work.running.remove(&post);
                }
            }
        }
    }
    for running in work.running.values() {
        running.cancel.store(true, Ordering::Relaxed);
        running.task.abort();
    }
}

impl Work {
    async fn handle(&mut self, action: ArtworkAction) {
        match action {
            ArtworkAction::Configure(config) => self.configure(config).await,
            ArtworkAction::Fetch(post) => {
                self.open_cache_again().await;
                self.fetch(post, false, None)
            }
            ArtworkAction::Refetch(post) => {
                self.open_cache_again().await;
                self.fetch(post, true, None)
            }
            ArtworkAction::Cancel(posts) => {
                for post in posts {
                    self.held.retain(|(p, _)| *p != post);
                    if let Some(running) = self.running.remove(&post) {
                        tracing::debug!("post {}: download cancelled", post.post_id);
                        running.cancel.store(true, Ordering::Relaxed);
                        running.task.abort();
                    }
                }
            }
        }
    }

    /// Opens the cache (reading its folder on a blocking worker) before the
    /// next action is taken, so every fetch after a `Configure` uses it.
    async fn configure(&mut self, config: ArtworkConfig) {
        let same_cache = self.setup.as_ref().filter(|s| {
            s.config.cache_dir == config.cache_dir && s.config.cache_cap == config.cache_cap
        });
        let cache = match same_cache {
            Some(s) => Arc::clone(&s.cache),
            None => {
                let (dir, cap) = (config.cache_dir.clone(), config.cache_cap);
                match tokio::task::spawn_blocking(move || ArtCache::open(&dir, cap)).await {
                    Ok(Ok(cache)) => Arc::new(Mutex::new(cache)),
                    Ok(Err(e)) => {
                        tracing::error!("{e}");
                        self.refuse_held(e.to_string());
                        self.unusable = Some((config, e.to_string()));
                        return;
                    }
                    Err(e) => {
                        tracing::error!("opening the artwork cache: {e}");
                        return;
                    }
                }
            }
        };
        self.unusable = None;
        let agent = agent_config(config.timeout).build().into();
        let also: Vec<&str> = config.also_from.iter().map(String::as_str).collect();
        let origins = Arc::new(ArtOrigins::new(&config.vault_base, &also));
        self.setup = Some(Arc::new(Setup {
            config,
            cache,
            agent,
            origins,
        }));
        for (post, fresh) in std::mem::take(&mut self.held) {
            self.fetch(post, fresh, None);
        }
    }

    /// A cache folder that could not be opened is tried again.
    async fn open_cache_again(&mut self) {
        if let Some((config, _)) = self.unusable.clone() {
            self.configure(config).await;
        }
    }

    /// The cache folder cannot be used: what waited for it is told why.
    fn refuse_held(&mut self, reason: String) {
        for (post, _) in std::mem::take(&mut self.held) {
            self.sink.send(RuntimeEvent::Artwork(ArtworkEvent::Fetched {
                post,
                result: Err(reason.clone()),
            }));
        }
    }

    /// `looked`: told what the cache had, or dropped at once when nothing is looked up.
    fn fetch(
        &mut self,
        post: MakapixPost,
        fresh: bool,
        looked: Option<oneshot::Sender<Option<PathBuf>>>,
    ) {
        let Some(setup) = self.setup.clone() else {
            // Not held for a cache that could not open: the window says why.
            if let Some((_, why)) = &self.unusable {
                let result = Err(why.clone());
                self.sink.send(RuntimeEvent::Artwork(ArtworkEvent::Fetched {
                    post,
                    result,
                }));
                return;
            }
            if !self.held.iter().any(|(p, _)| *p == post) {
                self.held.push((post, fresh));
            }
            return;
        };
        if !fresh && self.running.contains_key(&post) {
            return;
        }
        if let Some(old) = self.running.remove(&post) {
            old.cancel.store(true, Ordering::Relaxed);
            old.task.abort();
        }
        self.next_id += 1;
        let id = self.next_id;
        let cancel = Arc::new(AtomicBool::new(false));
        let (sink, done, permits) = (self.sink.clone(), self.done.clone(), self.permits.clone());
        let job = Job {
            tally: Arc::clone(&self.tally),
            setup,
            cancel: Arc::clone(&cancel),
            fresh,
        };
        let key = post.clone();
        let task = tokio::spawn(async move {
            let mut looked = looked;
            let result = job.run(&post, &permits, &mut looked).await;
            let result = match (looked.take(), result) {
                // Told to the look-ahead, a cached file reaches the window with its
                // command; only if nobody waits any more does it go as `Fetched`.
                (Some(looked), Ok(path)) => looked.send(Some(path)).err().flatten().map(Ok),
                (_, Err(FetchError::Cancelled)) => None,
                (_, other) => Some(other.map_err(|e| {
                    tracing::warn!("post {}: {e}", post.post_id);
                    e.to_string()
                })),
            };
            if let Some(result) = result {
                sink.send(RuntimeEvent::Artwork(ArtworkEvent::Fetched {
                    post: post.clone(),
                    result,
                }));
            }
            let _ = done.send((post, id));
        });
        self.running.insert(
            key,
            Running {
                id,
                task: task.abort_handle(),
                cancel,
            },
        );
    }
}

/// One post's fetch: from the cache, else downloaded (one permit held from
/// the connection's opening to its closing) and stored.
struct Job {
    setup: Arc<Setup>,
    tally: Arc<Tally>,
    cancel: Arc<AtomicBool>,
    /// The cached copy is bad: remove it and download again.
    fresh: bool,
}

impl Job {
    async fn run(
        self,
        post: &MakapixPost,
        permits: &Arc<Semaphore>,
        looked: &mut Option<oneshot::Sender<Option<PathBuf>>>,
    ) -> Result<PathBuf, FetchError> {
        let name = cache_name(post);
        let cache = Arc::clone(&self.setup.cache);
        let (looked_up, fresh) = (name.clone(), self.fresh);
        let hit = blocking(move || {
            let mut cache = cache.lock().map_err(|_| FetchError::CacheGone)?;
            if fresh {
                cache.remove(&looked_up);
                return Ok(None);
            }
            Ok(cache.get(&looked_up))
        })
        .await?;
        if let Some(path) = hit {
            return Ok(path);
        }
        // Not cached: whoever waits on the look-up need not wait for the download.
        if let Some(looked) = looked.take() {
            let _ = looked.send(None);
        }
        let config = &self.setup.config;
        let url = url(&config.vault_base, post);
        if post.art_url.as_deref().is_some_and(|u| !u.is_empty()) {
            self.setup.origins.check(&url)?;
        }
        let mut wait = config.retry_start;
        let mut tries = 0;
        let bytes = loop {
            tries += 1;
            let permit = Arc::clone(permits)
                .acquire_owned()
                .await
                .map_err(|_| FetchError::Cancelled)?;
            let (u, agent, cancel) = (url.clone(), self.setup.agent.clone(), self.cancel.clone());
            let origins = Arc::clone(&self.setup.origins);
            let tally = Arc::clone(&self.tally);
            // The permit goes with the blocking download: a cancelled task stops
            // waiting for it, but the connection counts until it is closed.
            let got = blocking(move || {
                let got = download(&agent, &u, &origins, &cancel, &mut tally.start());
                drop(permit);
                got
            })
            .await;
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
        let cache = Arc::clone(&self.setup.cache);
        blocking(move || {
            let mut cache = cache.lock().map_err(|_| FetchError::CacheGone)?;
            Ok(cache.put(&name, &bytes)?)
        })
        .await
    }
}

/// Disk and network work on a blocking worker.
async fn blocking<T: Send + 'static>(
    job: impl FnOnce() -> Result<T, FetchError> + Send + 'static,
) -> Result<T, FetchError> {
    tokio::task::spawn_blocking(job)
        .await
        .unwrap_or_else(|e| Err(FetchError::Network(e.to_string())))
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

/// The cache's name for the post's file; the extension is one of ours. A
/// post with only an `art_url` is named after that URL, so two such posts
/// never share a file.
pub(crate) fn cache_name(post: &MakapixPost) -> String {
    let art_url = post.art_url.as_deref().filter(|u| !u.is_empty());
    let format = if post.native_format.is_empty() {
        // The URL's extension, when it is one of ours.
        art_url
            .and_then(|u| u.split(['?', '#']).next())
            .and_then(|u| u.rsplit_once('.'))
            .map_or("", |(_, ext)| ext)
    } else {
        post.native_format.as_str()
    };
    let ext = match format.to_ascii_lowercase().as_str() {
        "png" => "png",
        "gif" => "gif",
        "webp" => "webp",
        "bmp" => "bmp",
        _ => "img",
    };
    match art_url {
        Some(url) if post.storage_key.is_empty() => cache::file_name("url", url, ext),
        _ => cache::file_name(&post.storage_shard, &post.storage_key, ext),
    }
}

/// How the download agent is made: it follows no redirect itself, so that
/// `download` checks each one against the artwork origins first.
fn agent_config(
    timeout: std::time::Duration,
) -> ureq::config::ConfigBuilder<ureq::typestate::AgentScope> {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
}

/// Downloads `url`, following a redirect only to an address `origins` allows.
fn download(
    agent: &ureq::Agent,
    url: &str,
    origins: &ArtOrigins,
    cancel: &AtomicBool,
    counted: &mut Download<'_>,
) -> Result<Vec<u8>, FetchError> {
    let mut current = url.to_owned();
    for _ in 0..=MAX_REDIRECTS {
        let response = agent
            .get(&current)
            .call()
            .map_err(|e| FetchError::Network(e.to_string()))?;
        if !response.status().is_redirection() {
            return read_body(response, cancel, counted);
        }
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        // Relative to where it came from; an unreadable one is refused by the check.
        let next = url::Url::parse(&current)
            .and_then(|here| here.join(location))
            .map_or_else(|_| location.to_owned(), String::from);
        origins.check(&next)?;
        current = next;
    }
    Err(FetchError::TooManyRedirects)
}

/// Reads one answer's file; stops (closing the connection) as soon as `cancel` is set.
fn read_body(
    response: ureq::http::Response<ureq::Body>,
    cancel: &AtomicBool,
    counted: &mut Download<'_>,
) -> Result<Vec<u8>, FetchError> {
    let status = response.status().as_u16();
    match status {
        200..=299 => {}
        404 | 410 | 403 => return Err(FetchError::NotThere(status)),
        _ => return Err(FetchError::Server(status)),
    }
    let mut reader = response.into_body().into_reader().take(MAX_BYTES + 1);
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Err(FetchError::Cancelled);
        }
        let n = reader
            .read(&mut chunk)
            .map_err(|e| FetchError::Network(e.to_string()))?;
        if n == 0 {
            break;
        }
        bytes.extend_from_slice(&chunk[..n]);
        counted.read(n);
    }
    if bytes.len() as u64 > MAX_BYTES {
        return Err(FetchError::TooLarge);
    }
    Ok(bytes)
}

#[cfg(test)]
#[path = "artwork_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "artwork_redirect_tests.rs"]
mod redirect_tests;

#[cfg(test)]
#[path = "artwork_look_ahead_tests.rs"]
mod look_ahead_tests;

#[cfg(test)]
#[path = "artwork_cache_tests.rs"]
mod cache_tests;
