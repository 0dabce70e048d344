//! The player key works as a password at Makapix, so what can be read without
//! unlocking the keyring names no whole key: not `player.json` (backups, sync
//! tools, any program of the user read it) and not the keyring entries' names
//! (listed freely on Secret Service and Keychain).

use crate::support::certs;

use std::collections::HashMap;
use std::sync::Arc;

use keyring_core::{CredentialStore, Entry};
use makapix_player::credentials::bundle::Input;
use makapix_player::credentials::keyring_store::KeyringStore;
use makapix_player::credentials::server::Overrides;
use makapix_player::credentials::service::Service;

const TOKEN: &str = "tok-names-0001";

struct Rig {
    service: Service,
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
