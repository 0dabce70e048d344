//! Sets stored by earlier versions named their keyring entries
//! `{player_key}#{generation}/{part}` and kept the whole player key in
//! `player.json`. Both can be read without unlocking the keyring (entry names
//! are listed freely; the file goes to backups and sync tools), and the key
//! works as a password at Makapix. So such a set moves to a slot with a random
//! id the way a new set is installed: the new entries are written, then
//! `player.json` is switched to them (one atomic write), then the old entries
//! are deleted. Until the switch the old set stays in force; a failure before
//! it leaves the old set as it was, and the next load tries again.

use std::path::Path;

use super::facts;
use super::install_lock;
use super::keyring_store::{KeyringStore, Slot, StoreError};
use super::service::{CredError, ORPHAN_GENERATIONS};

/// Moves a legacy set under the install lock; a failure is logged, and the
/// old set stays in force.
pub(crate) fn upgrade_logged(store: &KeyringStore, facts_path: &Path) {
    let result = install_lock::acquire(facts_path)
        .map_err(CredError::from)
        .and_then(|_turn| upgrade(store, facts_path, &Slot::random(1)?.id));
    if let Err(e) = result {
        tracing::warn!(
            "the stored credentials keep their keyring entries of an earlier version for now (tried again at the next start): {e}"
        );
    }
}

/// Moves the active set to slot id `id` when `player.json` names it the old
/// way; false when there was nothing to move (another process did it). The
/// caller holds the install lock.
pub(crate) fn upgrade(
    store: &KeyringStore,
    facts_path: &Path,
    id: &str,
) -> Result<bool, CredError> {
    let mut f = facts::load(facts_path)?;
    let Some(old) = f.active.clone().filter(|a| a.slot.is_legacy()) else {
        return Ok(false);
    };
    let secrets = store.read(&old.slot)?;
    // The key is read back from the certificate from now on: it must be the
    // one the entries were named after, or the move would change the player.
    if secrets.player_key()? != old.slot.id {
        return Err(StoreError::Other(
            "the stored certificate names another player than its keyring entries".into(),
        )
        .into());
    }
    let slot = Slot {
        id: id.to_owned(),
        generation: old.slot.generation,
    };
    store.write(&slot, &secrets)?;
    let mut active = old.clone();
    active.slot = slot.clone();
    active.shown_key = facts::shown_key(&old.slot.id);
    f.active = Some(active);
    if let Err(e) = facts::save(facts_path, &f) {
        // The switch failed: the old set is still the one named on disk.
        let _ = store.delete(&slot);
        return Err(e.into());
    }
    if let Err(e) = store.delete_with_earlier(&old.slot, ORPHAN_GENERATIONS) {
        tracing::warn!("the credentials' old keyring entries could not be removed: {e}");
    }
    tracing::info!(
        "the credentials of player {} moved to keyring entries that do not name the player key",
        crate::player_key::short(&old.shown_key)
    );
    Ok(true)
}

#[cfg(test)]
#[path = "migrate_tests.rs"]
mod tests;
