use std::sync::Arc;

use super::*;
use crate::credentials::keyring_store::Secrets;
use crate::protocol::http::Secret;

const KEY: &str = "0b8f6c3e-1d2a-4f5b-9c7d-8e9f0a1b2c3d";
const NEW_ID: &str = "5c2f0e9a7b1d4e63";

fn mock() -> (Arc<keyring_core::CredentialStore>, KeyringStore) {
    let inner: Arc<keyring_core::CredentialStore> = keyring_core::mock::Store::new().unwrap();
    (Arc::clone(&inner), KeyringStore::with_store(inner, "test"))
}

/// A set as an earlier version stored it: entries named after the whole key
/// and `player.json` naming the slot by it.
fn legacy_set(store: &KeyringStore, path: &Path) -> Secrets {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, KEY);
    let cert = params.self_signed(&key).unwrap();
    let set = crate::credentials::bundle::PemSet {
        ca_pem: cert.pem(),
        cert_pem: cert.pem(),
        key_pem: Secret::new(key.serialize_pem()),
        broker: None,
        https_api: None,
        api_token: Some(Secret::new("tok-legacy")),
    };
    let secrets = Secrets::from_pem(&set).unwrap();
    let old = Slot {
        id: KEY.into(),
        generation: 2,
    };
    store.write(&old, &secrets).unwrap();
    let json = format!(
        r#"{{"active":{{"slot":{{"player_key":"{KEY}","generation":2}},"not_before":1,"not_after":2,"issuer":"CA","has_token":true}}}}"#
    );
    std::fs::write(path, json).unwrap();
    secrets
}

/// The names of the entries that hold a secret.
fn names_in(inner: &Arc<keyring_core::CredentialStore>) -> Vec<String> {
    let all = std::collections::HashMap::from([("service", "test")]);
    keyring_core::Entry::search_in_store(inner, &all)
        .unwrap()
        .into_iter()
        .filter(|e| e.get_secret().is_ok())
        .filter_map(|e| e.get_specifiers().map(|(_, user)| user))
        .collect()
}

#[test]
fn a_legacy_set_moves_to_a_random_id_and_keeps_its_player() {
    let (inner, store) = mock();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(facts::FILE_NAME);
    let secrets = legacy_set(&store, &path);
    assert!(upgrade(&store, &path, NEW_ID).unwrap());

    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains(KEY), "player.json: {text}");
    let active = facts::load(&path).unwrap().active.unwrap();
    assert_eq!(active.slot.id, NEW_ID);
    assert_eq!(active.shown_key, "0b8f6c3e");
    let moved = store.read(&active.slot).unwrap();
    assert_eq!(moved, secrets, "the same certificate, key and token");
    assert_eq!(moved.player_key().unwrap(), KEY);
    let names = names_in(&inner);
    assert_eq!(names.len(), 4, "{names:?}");
    assert!(names.iter().all(|n| !n.contains(KEY)), "{names:?}");
    assert_eq!(facts::load(&path).unwrap().legacy_leftover, None);
    // Done once: a second call finds nothing to move.
    assert!(!upgrade(&store, &path, "0000000000000000").unwrap());
}

#[test]
fn a_move_that_fails_half_way_leaves_the_old_set_in_force_and_is_tried_again() {
    let (inner, store) = mock();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(facts::FILE_NAME);
    let secrets = legacy_set(&store, &path);
    let before = std::fs::read(&path).unwrap();
    // The third entry of the new set fails, as a keyring locked meanwhile does.
    fail_next(&inner, &format!("{NEW_ID}#2/ca"));
    assert!(upgrade(&store, &path, NEW_ID).is_err());

    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "player.json unchanged"
    );
    let old = facts::load(&path).unwrap().active.unwrap();
    assert_eq!(store.read(&old.slot).unwrap(), secrets, "the old set works");
    assert!(names_in(&inner).iter().all(|n| n.starts_with(KEY)));
    // The next start moves it.
    assert!(upgrade(&store, &path, NEW_ID).unwrap());
    assert_eq!(names_in(&inner).len(), 4);
}

#[test]
fn a_token_rotated_while_the_set_moved_goes_with_the_set_in_force() {
    let (inner, store) = mock();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(facts::FILE_NAME);
    legacy_set(&store, &path);
    let was = facts::load(&path).unwrap().active.unwrap().slot;
    assert!(upgrade(&store, &path, NEW_ID).unwrap());

    let token = Secret::new("tok-rotated");
    crate::credentials::rotated_token::keep(&store, &path, &was, KEY, &token).unwrap();
    let now = facts::load(&path).unwrap().active.unwrap().slot;
    let kept = store
        .read(&now)
        .unwrap()
        .api_token
        .map(|t| t.expose().to_owned());
    assert_eq!(kept.as_deref(), Some("tok-rotated"));
    let names = names_in(&inner);
    assert!(names.iter().all(|n| !n.contains(KEY)), "{names:?}");
}

/// Makes the next call on the entry `user` fail, as a keyring locked meanwhile does.
fn fail_next(inner: &Arc<keyring_core::CredentialStore>, user: &str) {
    let entry = keyring_core::Entry::new_in_store(inner, "test", user).unwrap();
    let cred: &keyring_core::mock::Cred = entry.as_any().downcast_ref().unwrap();
    cred.set_error(keyring_core::Error::NoStorageAccess(Box::new(
        std::io::Error::other("locked"),
    )));
}

#[test]
fn old_entries_left_when_a_move_stopped_after_its_switch_go_at_the_next_load() {
    let (inner, store) = mock();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(facts::FILE_NAME);
    let secrets = legacy_set(&store, &path);
    // The process ends (or the keyring fails) between the switch and the deletion.
    switch(&store, &path, NEW_ID).unwrap();

    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains(KEY), "the note names no key: {text}");
    let facts = facts::load(&path).unwrap();
    assert_eq!(facts.legacy_leftover, Some(2));
    assert!(names_in(&inner).iter().any(|n| n.starts_with(KEY)));

    sweep(&store, &path, &secrets);
    let names = names_in(&inner);
    assert!(names.iter().all(|n| !n.contains(KEY)), "{names:?}");
    assert_eq!(names.len(), 4, "the set in force is whole: {names:?}");
    assert_eq!(facts::load(&path).unwrap().legacy_leftover, None);
}

#[test]
fn a_sweep_that_fails_keeps_its_note_for_the_next_one() {
    let (inner, store) = mock();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(facts::FILE_NAME);
    let secrets = legacy_set(&store, &path);
    switch(&store, &path, NEW_ID).unwrap();

    fail_next(&inner, &format!("{KEY}#2/private-key"));
    sweep(&store, &path, &secrets);
    assert_eq!(facts::load(&path).unwrap().legacy_leftover, Some(2));
    assert!(names_in(&inner).iter().any(|n| n.starts_with(KEY)));
    sweep(&store, &path, &secrets);
    assert_eq!(facts::load(&path).unwrap().legacy_leftover, None);
    assert!(names_in(&inner).iter().all(|n| !n.contains(KEY)));
}

#[test]
fn only_a_legacy_slot_of_the_same_player_is_noted() {
    let legacy = Slot {
        id: KEY.into(),
        generation: 3,
    };
    assert_eq!(leftover_of(&legacy, KEY), Some(3));
    let other = "1c8f6c3e-1d2a-4f5b-9c7d-8e9f0a1b2c3d";
    assert_eq!(leftover_of(&legacy, other), None, "another player's key");
    let random = Slot {
        id: NEW_ID.into(),
        generation: 3,
    };
    assert_eq!(leftover_of(&random, KEY), None);
}
