//! The player key works as a password at Makapix, so what can be read without
//! unlocking the keyring names no whole key: not `player.json` (backups, sync
//! tools, any program of the user read it) and not the keyring entries' names
//! (listed freely on Secret Service and Keychain). A set an earlier version
//! stored that way moves at the next load, and stays the same player.

use crate::support::certs;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use keyring_core::{CredentialStore, Entry};
use makapix_player::credentials::bundle::{Input, PemSet};
use makapix_player::credentials::keyring_store::{KeyringStore, Secrets, Slot};
use makapix_player::credentials::server::Overrides;
use makapix_player::credentials::service::Service;
use makapix_player::protocol::http::Secret;

const TOKEN: &str = "tok-names-0001";

struct Rig {
    service: Service,
    store: KeyringStore,
    /// The mock store itself, whose entries can be listed.
    inner: Arc<CredentialStore>,
    dir: tempfile::TempDir,
}

fn rig() -> Rig {
    let inner: Arc<CredentialStore> = keyring_core::mock::Store::new().unwrap();
    let store = KeyringStore::with_store(Arc::clone(&inner), "test");
    let dir = tempfile::tempdir().unwrap();
    let service = Service::new(
        Ok(store.clone()),
        Some(dir.path().join("player.json")),
        Overrides::default(),
    );
    Rig {
        service,
        store,
        inner,
        dir,
    }
}

impl Rig {
    fn facts_text(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("player.json")).unwrap()
    }

    /// The names of the entries that hold a secret.
    fn entry_names(&self) -> Vec<String> {
        let all = HashMap::from([("service", "test")]);
        Entry::search_in_store(&self.inner, &all)
            .unwrap()
            .into_iter()
            .filter(|e| e.get_secret().is_ok())
            .filter_map(|e| e.get_specifiers().map(|(_, user)| user))
            .collect()
    }

    fn assert_no_whole_key(&self) {
        let text = self.facts_text();
        assert!(!text.contains(certs::PLAYER_KEY), "player.json: {text}");
        let names = self.entry_names();
        assert_eq!(names.len(), 4, "key, certificate, CA, token: {names:?}");
        for name in &names {
            assert!(!name.contains(certs::PLAYER_KEY), "an entry named {name}");
        }
    }
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[test]
fn an_imported_set_names_no_whole_key_in_player_json_or_the_keyring() {
    let rig = rig();
    let json = certs::bundle_json(&certs::valid_set(), Some(TOKEN));
    let input = Input {
        name: "b.json",
        bytes: json.as_bytes(),
    };
    rig.service.import(&[input], now(), 1).unwrap();
    rig.assert_no_whole_key();
    // Shown short without the keyring; whole when asked, from the keyring.
    assert!(rig.facts_text().contains(&certs::PLAYER_KEY[..8]));
    assert!(rig.service.load().unwrap().is_some());
    assert_eq!(rig.service.player_key().unwrap(), certs::PLAYER_KEY);
}

/// What an earlier version left: entries named `{player_key}#1/{part}` and a
/// `player.json` naming the slot by the whole key.
fn stored_the_old_way(rig: &Rig) -> Secrets {
    let m = certs::valid_set();
    let set = PemSet {
        ca_pem: m.ca_pem.clone(),
        cert_pem: m.cert_pem.clone(),
        key_pem: Secret::new(m.key_pem.clone()),
        broker: None,
        https_api: None,
        api_token: Some(Secret::new(TOKEN)),
    };
    let secrets = Secrets::from_pem(&set).unwrap();
    let key = certs::PLAYER_KEY;
    let old: Slot =
        serde_json::from_str(&format!(r#"{{"player_key":"{key}","generation":1}}"#)).unwrap();
    rig.store.write(&old, &secrets).unwrap();
    let facts = format!(
        r#"{{"active":{{"slot":{{"player_key":"{key}","generation":1}},"not_before":1,"not_after":{},"issuer":"Makapix Test CA","has_token":true}}}}"#,
        now() + 86_400
    );
    write(&rig.dir.path().join("player.json"), &facts);
    secrets
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

#[test]
fn a_set_an_earlier_version_stored_moves_at_load_and_stays_the_same_player() {
    let rig = rig();
    let before = stored_the_old_way(&rig);
    assert!(rig.service.load().unwrap().is_some());
    rig.assert_no_whole_key();
    let (_, after) = rig.service.secrets().unwrap();
    assert_eq!(after.cert_der, before.cert_der, "the same certificate");
    assert_eq!(after.api_token, before.api_token, "the same token");
    assert_eq!(after.private_key(), before.private_key(), "the same key");
    assert_eq!(rig.service.player_key().unwrap(), certs::PLAYER_KEY);
}

#[test]
fn old_entries_a_move_left_behind_go_at_the_next_load() {
    let rig = rig();
    let secrets = stored_the_old_way(&rig);
    assert!(rig.service.load().unwrap().is_some());
    // The move's deletion failed (or the process ended before it): the old
    // entries are back, and player.json says something was left.
    let key = certs::PLAYER_KEY;
    let old: Slot =
        serde_json::from_str(&format!(r#"{{"player_key":"{key}","generation":1}}"#)).unwrap();
    rig.store.write(&old, &secrets).unwrap();
    let path = rig.dir.path().join("player.json");
    let mut facts: serde_json::Value = serde_json::from_str(&rig.facts_text()).unwrap();
    facts["legacy_leftover"] = 1.into();
    write(&path, &facts.to_string());

    assert!(rig.service.load().unwrap().is_some());
    rig.assert_no_whole_key();
    assert!(!rig.facts_text().contains("legacy_leftover"));
    assert_eq!(rig.service.player_key().unwrap(), key);
}
