//! Against the real OS keyring (Secret Service on Linux): store, read, replace
//! and remove a credential set. Needs a running, unlocked Secret Service, so it
//! is ignored by a plain `cargo test`; scripts/test-all.sh runs it inside
//! `dbus-run-session` with gnome-keyring-daemon.

#[path = "support/certs.rs"]
mod certs;

use std::process::Command;

use makapix_player::credentials::bundle::Input;
use makapix_player::credentials::keyring_store::KeyringStore;
use makapix_player::credentials::server::Overrides;
use makapix_player::credentials::service::Service;

const SERVICE: &str = "club.makapix.player.test";

/// What `secret-tool` (libsecret, outside our process) finds for our service.
fn secret_tool_items() -> String {
    let out = Command::new("secret-tool")
        .args(["search", "--all", "service", SERVICE])
        .output()
        .expect("secret-tool (libsecret-tools) is installed by scripts/test-all.sh");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
#[ignore = "needs a running Secret Service: scripts/test-all.sh runs it inside dbus-run-session"]
fn a_credential_set_lives_in_the_real_keyring() {
    let store = KeyringStore::native_with_service(SERVICE).expect("a Secret Service is running");
    let dir = tempfile::tempdir().unwrap();
    let service = Service::new(
        Ok(store),
        Some(dir.path().join("player.json")),
        Overrides::default(),
    );
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let first = certs::valid_set();
    let json = certs::bundle_json(&first, Some("tok-real-keyring"));
    let active = service
        .import(
            &[Input {
                name: "player.json",
                bytes: json.as_bytes(),
            }],
            now,
            7,
        )
        .expect("import into the real keyring");

    // Really in the Secret Service: another program sees the four entries.
    let items = secret_tool_items();
    for part in ["private-key", "certificate", "ca", "api-token"] {
        let user = format!(
            "{}#{}/{part}",
            active.slot.player_key, active.slot.generation
        );
        assert!(
            items.contains(&user),
            "secret-tool does not list {user}:\n{items}"
        );
    }
    let (_, secrets) = service.secrets().unwrap();
    assert_eq!(
        secrets.api_token.as_ref().unwrap().expose(),
        "tok-real-keyring"
    );
    assert!(secrets.private_key().is_some());

    // Replace: the new set under the next generation, the old one deleted.
    let second = certs::valid_set();
    let json = certs::bundle_json(&second, None);
    let replaced = service
        .import(
            &[Input {
                name: "player.json",
                bytes: json.as_bytes(),
            }],
            now,
            7,
        )
        .unwrap();
    assert_eq!(replaced.slot.generation, active.slot.generation + 1);
    let items = secret_tool_items();
    let old_user = format!("{}#{}/", active.slot.player_key, active.slot.generation);
    assert!(
        !items.contains(&old_user),
        "the old set is still stored:\n{items}"
    );
    assert!(service.load().unwrap().is_some());

    // Remove: nothing of ours is left.
    assert!(service.remove().unwrap());
    let items = secret_tool_items();
    assert!(
        !items.contains(&active.slot.player_key),
        "entries left:\n{items}"
    );
}
