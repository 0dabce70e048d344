//! A token that `token/rotate` made is stored at once (the old one is now
//! revoked), with the player's set in force when it comes back.

use std::path::Path;

use super::facts;
use super::keyring_store::{KeyringStore, Slot};
use super::service::CredError;
use crate::protocol::http::Secret;

/// Stores `token`, made for `player_key` while `was` was in force, with the
/// player's set in force now: the set may have moved meanwhile (an install,
/// the migration), and a slot left behind may be named after the whole key.
/// The caller holds the install lock.
pub(crate) fn keep(
    store: &KeyringStore,
    path: &Path,
    was: &Slot,
    player_key: &str,
    token: &Secret,
) -> Result<(), CredError> {
    let mut f = facts::load(path)?;
    let Some(current) = f.active.as_mut() else {
        return Ok(());
    };
    let same_player = current.slot == *was
        || store
            .read(&current.slot)
            .ok()
            .and_then(|s| s.player_key().ok())
            .is_some_and(|key| key == player_key);
    if same_player {
        store.write_token(&current.slot, token)?;
        current.has_token = true;
        facts::save(path, &f)?;
    }
    Ok(())
}
