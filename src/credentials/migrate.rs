//! Sets stored by earlier versions named their keyring entries
//! `{player_key}#{generation}/{part}` and kept the whole player key in
//! `player.json`. Both can be read without unlocking the keyring (entry names
//! are listed freely; the file goes to backups and sync tools), and the key
//! works as a password at Makapix. So such a set moves to a slot with a random
//! id the way a new set is installed: the new entries are written, then
//! `player.json` is switched to them (one atomic write), then the old entries
//! are deleted. Until the switch the old set stays in force; a failure before
//! it leaves the old set as it was, and the next load tries again. The
//! switch also notes that old entries remain (`legacy_leftover`, without the
//! key), so that a deletion that fails, or a process ended before it, is done
//! at a later load (`sweep`): the entries' names would show the key for good.

use std::path::Path;

use super::facts::{self, ActiveSet};
use super::install_lock;
use super::keyring_store::{KeyringStore, Secrets, Slot, StoreError};
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
    let Some(old) = switch(store, facts_path, id)? else {
        return Ok(false);
    };
    delete_leftover(store, facts_path, &old.slot);
    tracing::info!(
        "the credentials of player {} moved to keyring entries that do not name the player key",
        crate::player_key::short(&old.shown_key)
    );
    Ok(true)
}

/// Writes the set under `id` and names it in `player.json`, noting that the
/// old entries remain; the set that was in force, if it was a legacy one.
fn switch(
    store: &KeyringStore,
    facts_path: &Path,
    id: &str,
) -> Result<Option<ActiveSet>, CredError> {
    let mut f = facts::load(facts_path)?;
    let Some(old) = f.active.clone().filter(|a| a.slot.is_legacy()) else {
        return Ok(None);
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
    f.legacy_leftover = Some(old.slot.generation);
    if let Err(e) = facts::save(facts_path, &f) {
        // The switch failed: the old set is still the one named on disk.
        let _ = store.delete(&slot);
        return Err(e.into());
    }
    Ok(Some(old))
}

/// Deletes what the set in force, whose secrets are `secrets` (not a legacy
/// set: `load` moves those first), left under its player key's name, when
/// `player.json` says something was left; logged, never failing the load.
/// `load` calls it only when it read such a note: most loads have none.
pub(crate) fn sweep(store: &KeyringStore, facts_path: &Path, secrets: &Secrets) {
    let Ok(_turn) = install_lock::acquire(facts_path) else {
        return; // Another process is installing; the next load tries again.
    };
    // Read again under the lock: another process may have swept meanwhile.
    let Ok(Some(generation)) = facts::load(facts_path).map(|f| f.legacy_leftover) else {
        return;
    };
    let Ok(id) = secrets.player_key() else {
        return;
    };
    delete_leftover(store, facts_path, &Slot { id, generation });
}

/// The generation to note as left over when a set replaces `old`: one stored
/// the old way under the same player's key (`key`). Another player's key
/// cannot be noted without writing it down.
pub(crate) fn leftover_of(old: &Slot, key: &str) -> Option<u32> {
    (old.is_legacy() && old.id == key).then_some(old.generation)
}

/// Deletes the legacy slot `old` and its earlier generations, then clears the
/// note in `player.json`; a failure leaves the note for the next load.
pub(crate) fn delete_leftover(store: &KeyringStore, facts_path: &Path, old: &Slot) {
    if let Err(e) = store.delete_with_earlier(old, ORPHAN_GENERATIONS) {
        tracing::warn!(
            "keyring entries an earlier version named after the player key could not be removed (tried again at the next start): {e}"
        );
        return;
    }
    let cleared = facts::load(facts_path).and_then(|mut f| {
        f.legacy_leftover = None;
        facts::save(facts_path, &f)
    });
    if let Err(e) = cleared {
        tracing::warn!("the old keyring entries were removed, but noting it failed: {e}");
    }
}

#[cfg(test)]
#[path = "migrate_tests.rs"]
mod tests;
