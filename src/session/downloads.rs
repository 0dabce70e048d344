//! Makapix posts' files: asked of the runtime's artwork cache once, then
//! decoded from the path it gives, or shown as a placeholder when they cannot
//! be had. The window never downloads; it only sees cache paths. A post
//! nobody wants any more is forgotten and its download cancelled; a cached
//! file that does not decode is fetched once more before the placeholder.
//! A download that failed is tried again while its post is wanted: after a
//! wait that grows with each failure in a row, or at once on reconnecting,
//! since a `show_artwork` post would otherwise show its placeholder until
//! the next command.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Duration;

use crate::bridge::Action as RuntimeAction;
use crate::bridge::artwork::ArtworkAction;
use crate::player::{ArtworkSource, MakapixPost};

use super::effects::{Effect, Effects};

/// The wait before a failed download is tried again; doubles with each
/// failure in a row, up to `MAX_RETRY_WAIT`.
pub(crate) const RETRY_WAIT: Duration = Duration::from_secs(30);
pub(crate) const MAX_RETRY_WAIT: Duration = Duration::from_secs(600);

/// Where a post's file is.
#[derive(Clone, Debug, PartialEq)]
enum Download {
    Requested,
    Ready(PathBuf),
    /// `retry`: when the download may be tried again; `None` for a file
    /// fetched anew that still did not decode (another copy would not either).
    Failed {
        reason: String,
        retry: Option<Duration>,
    },
    /// A failed download whose wait is over, the window told: the next
    /// `want` fetches it.
    Again,
}

#[derive(Default)]
pub(crate) struct Downloads {
    files: HashMap<MakapixPost, Download>,
    /// Posts whose cached file was fetched again because it did not decode.
    refetched: HashSet<MakapixPost>,
    /// Downloads failed in a row, per post still wanted.
    failures: HashMap<MakapixPost, u32>,
}

impl Downloads {
    /// The engine wants `post` (as `source`) at `now` and nothing is decoded for it yet.
    pub fn want(
        &mut self,
        source: &ArtworkSource,
        post: &MakapixPost,
        now: Duration,
        fx: &mut Effects,
    ) {
        match self.files.get(post) {
            None | Some(Download::Again) => self.fetch(post, fx),
            Some(Download::Failed {
                retry: Some(at), ..
            }) if *at <= now => self.fetch(post, fx),
            Some(Download::Requested) => {}
            Some(Download::Ready(path)) => fx.push(Effect::Decode {
                source: source.clone(),
                path: path.clone(),
            }),
            Some(Download::Failed { reason, .. }) => fx.push(Effect::LoadFailed {
                source: source.clone(),
                reason: reason.clone(),
            }),
        }
    }

    fn fetch(&mut self, post: &MakapixPost, fx: &mut Effects) {
        self.files.insert(post.clone(), Download::Requested);
        fx.push(Effect::Runtime(RuntimeAction::Artwork(
            ArtworkAction::Fetch(post.clone()),
        )));
    }

    /// Failed downloads whose wait is over: the window forgets their
    /// placeholder, so the engine, still wanting them, asks again. Returns
    /// when the next wait ends.
    pub fn retry_due(&mut self, now: Duration, fx: &mut Effects) -> Option<Duration> {
        let mut next = None::<Duration>;
        for (post, state) in &mut self.files {
            let Download::Failed {
                retry: Some(at), ..
            } = state
            else {
                continue;
            };
            if *at <= now {
                *state = Download::Again;
                fx.push(Effect::LoadAgain(ArtworkSource::Makapix(post.clone())));
            } else {
                next = Some(next.map_or(*at, |n| n.min(*at)));
            }
        }
        next
    }

    /// Connected again: failed downloads are tried at once (the network
    /// was the likely cause).
    pub fn reconnected(&mut self, now: Duration) {
        for state in self.files.values_mut() {
            if let Download::Failed {
                retry: Some(at), ..
            } = state
            {
                *at = now;
            }
        }
    }

    /// The runtime's answer. A failure for a post not asked for is dropped (it
    /// was forgotten on purpose). A file not asked for is kept: a `show_artwork`
    /// brings its post's cached file along, before the engine wants the post;
    /// the next `retain` forgets it if the engine never does.
    pub(crate) fn on_fetched(
        &mut self,
        post: &MakapixPost,
        result: Result<PathBuf, String>,
        now: Duration,
    ) {
        match (self.files.get_mut(post), result) {
            (Some(slot), Ok(path)) => {
                *slot = Download::Ready(path);
                self.failures.remove(post);
            }
            (Some(slot), Err(reason)) => {
                let failures = self.failures.entry(post.clone()).or_default();
                *failures += 1;
                *slot = Download::Failed {
                    reason: format!("Makapix post {}: {reason}", post.post_id),
                    retry: Some(now + retry_wait(*failures)),
                };
            }
            (None, Ok(path)) => {
                self.files.insert(post.clone(), Download::Ready(path));
            }
            (None, Err(_)) => {}
        }
    }

    /// Forgets posts no longer wanted (a failed one is tried again when it
    /// comes back); the downloads still under way for them are cancelled.
    pub fn retain(&mut self, wanted: &[ArtworkSource], fx: &mut Effects) {
        let is_wanted = |post: &MakapixPost| {
            wanted
                .iter()
                .any(|s| matches!(s, ArtworkSource::Makapix(p) if p == post))
        };
        let mut cancelled = Vec::new();
        self.files.retain(|post, state| {
            let keep = is_wanted(post);
            if !keep && *state == Download::Requested {
                cancelled.push(post.clone());
            }
            keep
        });
        self.refetched.retain(is_wanted);
        self.failures.retain(|post, _| is_wanted(post));
        if !cancelled.is_empty() {
            fx.push(Effect::Runtime(RuntimeAction::Artwork(
                ArtworkAction::Cancel(cancelled),
            )));
        }
    }

    /// The post's file did not decode. The first time, the cached copy is
    /// replaced by a fresh download; after that the placeholder says `reason`.
    pub fn unreadable(
        &mut self,
        source: &ArtworkSource,
        post: &MakapixPost,
        reason: String,
        fx: &mut Effects,
    ) {
        if !self.files.contains_key(post) {
            return;
        }
        if self.refetched.insert(post.clone()) {
            tracing::info!("post {}: {reason}; fetching it again", post.post_id);
            self.files.insert(post.clone(), Download::Requested);
            fx.push(Effect::Runtime(RuntimeAction::Artwork(
                ArtworkAction::Refetch(post.clone()),
            )));
        } else {
            let failed = Download::Failed {
                reason: reason.clone(),
                retry: None,
            };
            self.files.insert(post.clone(), failed);
            fx.push(Effect::LoadFailed {
                source: source.clone(),
                reason,
            });
        }
    }
}

/// The wait after `failures` failed downloads in a row.
fn retry_wait(failures: u32) -> Duration {
    crate::doubling::wait_after(failures, RETRY_WAIT, MAX_RETRY_WAIT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(post_id: i64) -> (ArtworkSource, MakapixPost) {
        let post = MakapixPost {
            post_id,
            title: None,
            storage_key: format!("k{post_id}"),
            storage_shard: "8c/4f".into(),
            native_format: "png".into(),
            art_url: None,
        };
        (ArtworkSource::Makapix(post.clone()), post)
    }

    const T: Duration = Duration::from_secs(100);

    fn wanted(
        downloads: &mut Downloads,
        source: &ArtworkSource,
        post: &MakapixPost,
    ) -> Vec<Effect> {
        wanted_at(downloads, source, post, T)
    }

    fn wanted_at(
        downloads: &mut Downloads,
        source: &ArtworkSource,
        post: &MakapixPost,
        now: Duration,
    ) -> Vec<Effect> {
        let mut fx = Effects::default();
        downloads.want(source, post, now, &mut fx);
        fx.take()
    }

    fn is_fetch(effects: &[Effect], post: &MakapixPost) -> bool {
        matches!(effects,
            [Effect::Runtime(RuntimeAction::Artwork(ArtworkAction::Fetch(p)))] if p == post)
    }

    fn is_placeholder(effects: &[Effect]) -> bool {
        matches!(effects, [Effect::LoadFailed { .. }])
    }

    /// `post` wanted at `now`, its download failing.
    fn fail(downloads: &mut Downloads, post: &MakapixPost, now: Duration) {
        let source = ArtworkSource::Makapix(post.clone());
        assert!(is_fetch(&wanted_at(downloads, &source, post, now), post));
        downloads.on_fetched(post, Err("connection reset".into()), now);
    }

    #[test]
    fn a_failed_download_is_tried_again_after_a_wait_that_grows() {
        let mut downloads = Downloads::default();
        let (source, shown) = post(5);
        fail(&mut downloads, &shown, T);
        let just_before = T + RETRY_WAIT - Duration::from_millis(1);
        assert!(is_placeholder(&wanted_at(
            &mut downloads,
            &source,
            &shown,
            just_before
        )));
        let after = T + RETRY_WAIT;
        assert!(is_fetch(
            &wanted_at(&mut downloads, &source, &shown, after),
            &shown
        ));
        downloads.on_fetched(&shown, Err("connection reset".into()), after);
        let twice = after + RETRY_WAIT;
        assert!(is_placeholder(&wanted_at(
            &mut downloads,
            &source,
            &shown,
            twice
        )));
        let doubled = after + RETRY_WAIT * 2;
        assert!(is_fetch(
            &wanted_at(&mut downloads, &source, &shown, doubled),
            &shown
        ));
        assert_eq!(retry_wait(40), MAX_RETRY_WAIT, "capped");
    }

    #[test]
    fn a_post_still_wanted_is_offered_again_when_its_wait_ends_or_on_reconnecting() {
        let mut downloads = Downloads::default();
        let (source, shown) = post(5);
        fail(&mut downloads, &shown, T);
        let mut fx = Effects::default();
        assert_eq!(downloads.retry_due(T, &mut fx), Some(T + RETRY_WAIT));
        assert!(fx.is_empty(), "not yet");
        assert_eq!(downloads.retry_due(T + RETRY_WAIT, &mut fx), None);
        let effects = fx.take();
        assert!(
            matches!(effects.as_slice(), [Effect::LoadAgain(s)] if *s == source),
            "the window forgets the placeholder: {effects:?}"
        );
        assert_eq!(downloads.retry_due(T + RETRY_WAIT, &mut fx), None);
        assert!(fx.is_empty(), "offered once");
        assert!(is_fetch(&wanted(&mut downloads, &source, &shown), &shown));

        let (other_source, other) = post(6);
        fail(&mut downloads, &other, T);
        downloads.reconnected(T + Duration::from_secs(1));
        assert!(is_fetch(
            &wanted_at(
                &mut downloads,
                &other_source,
                &other,
                T + Duration::from_secs(1)
            ),
            &other
        ));
    }

    #[test]
    fn a_file_that_did_not_decode_twice_is_not_fetched_again() {
        let mut downloads = Downloads::default();
        let (source, shown) = post(5);
        let mut fx = Effects::default();
        wanted(&mut downloads, &source, &shown);
        downloads.on_fetched(&shown, Ok(PathBuf::from("/cache/k5")), T);
        downloads.unreadable(&source, &shown, "bad".into(), &mut fx);
        downloads.on_fetched(&shown, Ok(PathBuf::from("/cache/k5")), T);
        downloads.unreadable(&source, &shown, "bad".into(), &mut fx);
        let later = T + MAX_RETRY_WAIT * 2;
        downloads.reconnected(later);
        assert_eq!(downloads.retry_due(later, &mut Effects::default()), None);
        assert!(is_placeholder(&wanted_at(
            &mut downloads,
            &source,
            &shown,
            later
        )));
    }

    #[test]
    fn a_file_brought_with_a_command_is_decoded_without_asking_for_it() {
        let mut downloads = Downloads::default();
        let (source, shown) = post(5);
        downloads.on_fetched(&shown, Ok(PathBuf::from("/cache/k5")), T);
        let effects = wanted(&mut downloads, &source, &shown);
        assert!(
            matches!(effects.as_slice(), [Effect::Decode { source: s, path }]
                if *s == source && path == &PathBuf::from("/cache/k5")),
            "{effects:?}"
        );
    }

    #[test]
    fn what_was_not_asked_for_and_is_not_wanted_is_forgotten() {
        let mut downloads = Downloads::default();
        // A failure nobody asked for says nothing about the next try.
        let (failed_source, failed) = post(6);
        downloads.on_fetched(&failed, Err("HTTP 500".into()), T);
        // A file the engine never came to want is dropped at the next retain.
        let (unwanted_source, unwanted) = post(7);
        downloads.on_fetched(&unwanted, Ok(PathBuf::from("/cache/k7")), T);
        downloads.retain(&[], &mut Effects::default());
        for (source, post) in [(failed_source, failed), (unwanted_source, unwanted)] {
            let effects = wanted(&mut downloads, &source, &post);
            assert!(
                matches!(effects.as_slice(),
                    [Effect::Runtime(RuntimeAction::Artwork(ArtworkAction::Fetch(p)))] if *p == post),
                "post {}: {effects:?}",
                post.post_id
            );
        }
    }
}
