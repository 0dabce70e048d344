//! Whose views a queue holds: views are made as one player on one server and
//! may only ever be sent as that player to that server. Each identity has its
//! own file, named from a hash of both (the player key is a credential, so it
//! never appears in a file name).

use std::path::{Path, PathBuf};

/// The file every identity shared before queues were kept per identity.
pub(crate) const SHARED_QUEUE: &str = "views-queue.jsonl";

/// The queue file of `player_key` on `server` (the broker's address) in `dir`.
pub fn queue_file(dir: &Path, server: &str, player_key: &str) -> PathBuf {
    dir.join(queue_name(server, player_key))
}

/// `views-<16 hex digits>.jsonl`: the start of SHA-256 of server and key.
pub(crate) fn queue_name(server: &str, player_key: &str) -> String {
    let input = format!("{server}\n{player_key}");
    let digest = ring::digest::digest(&ring::digest::SHA256, input.as_bytes());
    let hex: String = digest.as_ref()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("views-{hex}.jsonl")
}

/// Removes the shared queue of earlier versions, if there is one: its views
/// cannot be told apart by player, and sending them as whoever connects first
/// could count them for the wrong player. Blocking: call it off the runtime.
pub(crate) fn drop_shared_queue(dir: &Path) -> Option<String> {
    let path = dir.join(SHARED_QUEUE);
    let loaded = crate::storage::disk_queue::load::<serde_json::Value>(&path, || 0);
    match std::fs::remove_file(&path) {
        Ok(()) => Some(format!(
            "{} view(s) in {} from an earlier version dropped: that queue served every player, so they cannot be sent as the right one",
            loaded.items.len(),
            path.display()
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => Some(format!("{} could not be removed: {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_server_and_player_has_its_own_file_that_names_neither() {
        let key = "0f8e7d6c-5b4a-3928-1706-f5e4d3c2b1a0";
        let a = queue_name("makapix.club:8883", key);
        assert_eq!(a, queue_name("makapix.club:8883", key), "stable");
        assert_ne!(a, queue_name("development.makapix.club:8883", key));
        assert_ne!(a, queue_name("makapix.club:8883", "another-player"));
        assert!(a.starts_with("views-") && a.ends_with(".jsonl"), "{a}");
        assert!(!a.contains("0f8e7d6c") && !a.contains("makapix"), "{a}");
    }

    #[test]
    fn the_shared_queue_of_earlier_versions_is_dropped_with_a_note() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(drop_shared_queue(dir.path()), None);
        std::fs::write(
            dir.path().join(SHARED_QUEUE),
            "{\"id\":1,\"item\":{\"post_id\":1}}\n{\"id\":2,\"item\":{\"post_id\":2}}\n",
        )
        .unwrap();
        let note = drop_shared_queue(dir.path()).unwrap();
        assert!(note.starts_with("2 view(s)"), "{note}");
        assert!(!dir.path().join(SHARED_QUEUE).exists());
    }
}
