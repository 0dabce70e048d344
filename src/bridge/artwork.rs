//! Messages about Makapix artwork files: the window asks for a post's file,
//! the runtime downloads it into the disk cache and answers with its path.
//! Decoding stays on the window's decoder thread; only a path crosses here.

use std::path::PathBuf;
use std::time::Duration;

use crate::player::MakapixPost;

/// Where artworks come from when a post has no `art_url`.
pub(crate) const DEFAULT_VAULT: &str = "https://vault.makapix.club";

/// Downloads running at once; more wait their turn.
pub(crate) const MAX_DOWNLOADS: usize = 4;

/// How the runtime fetches and keeps artwork files.
#[derive(Clone, Debug, PartialEq)]
pub struct ArtworkConfig {
    /// `https://vault.makapix.club` or a test vault; no trailing slash needed.
    pub vault_base: String,
    /// Other server addresses an `art_url` may point at besides the vault
    /// (the server's API); anything else is refused (`address::ArtOrigins`).
    pub also_from: Vec<String>,
    /// The per-user cache folder for artworks.
    pub cache_dir: PathBuf,
    pub cache_cap: u64,
    /// Tries per download before the artwork counts as failed.
    pub attempts: u32,
    /// Wait after the first failed try; doubles after each.
    pub retry_start: Duration,
    /// One try (connect + whole body) must finish within this.
    pub timeout: Duration,
}

impl ArtworkConfig {
    /// Production values with the artworks kept in `cache_dir`.
    pub fn new(cache_dir: PathBuf) -> Self {
        Self {
            vault_base: DEFAULT_VAULT.to_owned(),
            also_from: Vec::new(),
            cache_dir,
            cache_cap: crate::storage::cache::DEFAULT_CAP_BYTES,
            attempts: 3,
            retry_start: Duration::from_secs(1),
            timeout: Duration::from_secs(30),
        }
    }
}

/// Window → runtime.
#[derive(Debug)]
pub enum ArtworkAction {
    /// Sent once at start (and whenever the vault setting changes).
    Configure(ArtworkConfig),
    /// Make this post's file available on disk. Before the first `Configure`
    /// the runtime holds it: nothing is fetched on built-in defaults.
    Fetch(MakapixPost),
    /// The cached file would not decode: remove it and download it again.
    Refetch(MakapixPost),
    /// Nobody waits for these posts any more: their downloads stop.
    Cancel(Vec<MakapixPost>),
}

/// Runtime → window.
#[derive(Debug)]
pub enum ArtworkEvent {
    /// The post's file is in the cache at this path, or why it cannot be had.
    Fetched {
        post: MakapixPost,
        result: Result<PathBuf, String>,
    },
    /// Downloads under way, for the status bar.
    Progress(DownloadProgress),
}

/// Artwork downloads under way and the bytes they have read so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DownloadProgress {
    pub in_flight: usize,
    pub bytes: u64,
}

/// A post's file, found in the artwork cache before the window asked for it.
#[derive(Debug)]
pub struct CachedFile {
    pub post: MakapixPost,
    pub path: PathBuf,
}
