//! Non-secret facts about the player, in `player.json` in the config folder:
//! which server, which stored set is active, the start of its player key and
//! its dates. The secrets, the whole player key among them, live only in the
//! keyring (files are read by backups, sync tools and any program of the user).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::keyring_store::Slot;
use super::server::Server;

pub const FILE_NAME: &str = "player.json";

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlayerFacts {
    #[serde(default)]
    pub server: Server,
    #[serde(default)]
    pub active: Option<ActiveSet>,
    /// The generation of a set an earlier version stored under the active
    /// player's whole key, left in the keyring when its deletion failed or
    /// was cut short; deleted at the next load (`migrate::sweep`). The key is
    /// the active set's own, so this file never names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy_leftover: Option<u32>,
}

/// The stored set in force.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveSet {
    pub slot: Slot,
    /// The player key's first characters (`player_key::short` shows no more),
    /// to name the player while the keyring is locked; the whole key is read
    /// from the stored certificate (`Secrets::player_key`).
    #[serde(default)]
    pub shown_key: String,
    /// Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    pub issuer: String,
    pub has_token: bool,
    /// When automatic renewal is due (Unix seconds), jittered per player.
    #[serde(default)]
    pub renew_at: Option<i64>,
    /// The HTTPS player API's base URL the credentials named (`https_api.base_url`),
    /// checked; `None`: they named none (or none usable), so the server's `api_base` is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub https_api: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum FactsError {
    #[error("Could not read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "{path} could not be read ({reason}): this computer no longer knows which player it is. The file was kept as {kept}; import the certificates or register again."
    )]
    Damaged {
        path: String,
        reason: String,
        kept: String,
    },
    #[error("Could not save {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

pub fn load(path: &Path) -> Result<PlayerFacts, FactsError> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let mut facts: PlayerFacts =
                serde_json::from_slice(&bytes).map_err(|e| set_aside(path, e))?;
            if let Some(active) = facts.active.as_mut().filter(|a| a.slot.is_legacy()) {
                // An earlier version's file names the set by the whole key
                // (until `migrate` moves it): from here on the log and errors
                // show it short (see player_key).
                crate::player_key::remember(&active.slot.id);
                if active.shown_key.is_empty() {
                    active.shown_key = shown_key(&active.slot.id);
                }
            }
            Ok(facts)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(PlayerFacts::default()),
        Err(source) => Err(FactsError::Read {
            path: path.display().to_string(),
            source,
        }),
    }
}

/// A file this version cannot read (damaged, or written by a newer one) is
/// moved aside, so that importing or registering again works; the error says
/// so once, and the next load finds no file.
fn set_aside(path: &Path, e: serde_json::Error) -> FactsError {
    let kept = crate::storage::paths::bad_path(path);
    if let Err(why) = std::fs::rename(path, &kept) {
        tracing::warn!("could not move {} aside: {why}", path.display());
    }
    FactsError::Damaged {
        path: path.display().to_string(),
        reason: e.to_string(),
        kept: kept.display().to_string(),
    }
}

/// What `player.json` keeps of a player key: no more than is ever shown unasked.
pub fn shown_key(player_key: &str) -> String {
    player_key
        .chars()
        .take(crate::player_key::SHOWN_CHARS)
        .collect()
}

pub fn save(path: &Path, facts: &PlayerFacts) -> Result<(), FactsError> {
    let json = serde_json::to_vec_pretty(facts).map_err(|e| FactsError::Write {
        path: path.display().to_string(),
        source: std::io::Error::other(e),
    })?;
    crate::storage::atomic_file::write(path, &json).map_err(|source| FactsError::Write {
        path: path.display().to_string(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_missing_file_is_default() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        assert_eq!(load(&path).unwrap(), PlayerFacts::default());
        let facts = PlayerFacts {
            server: Server::development(),
            active: Some(ActiveSet {
                slot: Slot {
                    id: "5c2f0e9a7b1d4e63".into(),
                    generation: 3,
                },
                shown_key: "fa16acc1".into(),
                not_before: 1,
                not_after: 2,
                issuer: "Makapix CA".into(),
                has_token: true,
                renew_at: Some(2),
                https_api: Some("https://api.example/api".into()),
            }),
            legacy_leftover: Some(2),
        };
        save(&path, &facts).unwrap();
        assert_eq!(load(&path).unwrap(), facts);
        // Facts saved before the HTTPS API was kept, and before the slot had
        // an id of its own, still load: the whole key is the id until `migrate`.
        let key = "fa16acc1-5d2c-4f4e-9d0b-2b8e7c1f00aa";
        let old = format!(
            r#"{{"active":{{"slot":{{"player_key":"{key}","generation":1}},"not_before":1,"not_after":2,"issuer":"CA","has_token":false}}}}"#
        );
        std::fs::write(&path, old).unwrap();
        let active = load(&path).unwrap().active.unwrap();
        assert_eq!(active.https_api, None);
        assert!(active.slot.is_legacy() && active.slot.id == key);
        assert_eq!(active.shown_key, "fa16acc1");
    }

    #[test]
    fn a_file_this_version_cannot_read_is_set_aside_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        // As a newer version might write it: a server kind this one does not know.
        let newer = br#"{"server":{"environment":"Staging"}}"#;
        std::fs::write(&path, newer).unwrap();
        let err = load(&path).unwrap_err().to_string();
        assert!(
            err.contains("player.json.bad") && err.contains("register again"),
            "{err}"
        );
        let kept = dir.path().join("player.json.bad");
        assert_eq!(std::fs::read(kept).unwrap(), newer);
        // Import and register can go on: the next load starts afresh.
        assert_eq!(load(&path).unwrap(), PlayerFacts::default());
    }
}
