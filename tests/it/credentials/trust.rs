//! What the player trusts from its own saved files: server addresses in
//! `player.json` are checked again when loaded (a file edited by hand, or
//! saved by a version with a looser rule, must not send the token elsewhere);
//! a new certificate set inherits the stored API token only from the same
//! player at the same service (same CA, same API host).

use crate::support::certs;

use certs::{Ca, Options};
use makapix_player::credentials::bundle::Input;
use makapix_player::credentials::keyring_store::KeyringStore;
use makapix_player::credentials::server::{Overrides, Server};
use makapix_player::credentials::service::{CredError, Service};

fn service_over(facts_json: &str) -> (Service, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("player.json");
    std::fs::write(&path, facts_json).unwrap();
    let store = KeyringStore::with_store(keyring_core::mock::Store::new().unwrap(), "test");
    let service = Service::new(Ok(store), Some(path), Overrides::default());
    (service, dir)
}

fn saved_server(api: &str, vault: &str) -> String {
    serde_json::json!({"server": {"environment": "Custom", "mqtt_host": "127.0.0.1",
        "mqtt_port": 8883, "api_base": api, "vault_base": vault}})
    .to_string()
}

#[test]
fn a_saved_address_that_hides_another_host_is_refused_on_load_with_a_sentence() {
    for (api, vault, why) in [
        (
            "http://localhost:1@evil.example",
            "https://vault.makapix.club",
            "user name or password",
        ),
        (
            "https://makapix.club/api",
            "http://vault.evil.example",
            "must start with https://",
        ),
    ] {
        let (service, _dir) = service_over(&saved_server(api, vault));
        let refused = service.server();
        let Err(e @ CredError::SavedServer(_)) = &refused else {
            panic!("{api} / {vault} was used: {refused:?}");
        };
        let said = e.to_string();
        assert!(said.contains("saved in the settings"), "{said}");
        assert!(said.contains(why), "{said}");
        assert!(said.ends_with("Choose the server again in Settings › Player."));
        // The HTTPS API is not chosen from it either.
        assert!(service.player_api().is_err(), "{api}");
    }
}

#[test]
fn a_good_saved_server_still_loads_and_a_new_choice_replaces_a_bad_one() {
    let (service, _dir) = service_over(&saved_server(
        "http://127.0.0.1:8080/api",
        "https://vault.makapix.club/",
    ));
    let server = service.server().unwrap();
    assert_eq!(server.api_base, "http://127.0.0.1:8080/api");
    assert_eq!(server.vault_base, "https://vault.makapix.club");

    let (bad, _dir) = service_over(&saved_server(
        "http://localhost:1@evil.example",
        "https://vault.makapix.club",
    ));
    assert!(bad.server().is_err());
    bad.set_server(Server::production()).unwrap();
    assert_eq!(bad.server().unwrap(), Server::production());
}

/// Minted once a run (`support::minted_token`).
static TOKEN: std::sync::LazyLock<String> = std::sync::LazyLock::new(crate::support::minted_token);

/// A bundle for the test player from `ca`, naming `api` as its HTTPS API.
fn bundle(ca: &Ca, token: Option<&str>, api: Option<&str>) -> String {
    let minted = ca.mint(&Options::default());
    let mut v: serde_json::Value =
        serde_json::from_str(&certs::bundle_json(&minted, token)).unwrap();
    if let Some(api) = api {
        v["https_api"] = serde_json::json!({"base_url": api, "auth": "bearer"});
    }
    v.to_string()
}

fn import(service: &Service, json: &str) {
    let input = Input {
        name: "certs.json",
        bytes: json.as_bytes(),
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    service.import(&[input], now, 7).unwrap();
}

fn stored_token(service: &Service) -> Option<String> {
    let (active, secrets) = service.secrets().unwrap();
    let token = secrets.api_token.map(|t| t.expose().to_owned());
    assert_eq!(active.has_token, token.is_some());
    token
}

#[test]
fn a_new_set_from_another_ca_or_api_host_does_not_inherit_the_stored_token() {
    let ca = Ca::new("Makapix CA");
    let api = Some("https://makapix.club/api");
    let (service, _dir) = service_over("{}");
    import(&service, &bundle(&ca, Some(TOKEN.as_str()), api));
    assert_eq!(stored_token(&service).as_deref(), Some(TOKEN.as_str()));

    // The web's bundle again (no token), same CA and API: the token stays.
    import(&service, &bundle(&ca, None, api));
    assert_eq!(stored_token(&service).as_deref(), Some(TOKEN.as_str()));
    import(&service, &bundle(&ca, None, None));
    assert_eq!(stored_token(&service).as_deref(), Some(TOKEN.as_str()));

    // The same player key under another CA: not the same service.
    import(&service, &bundle(&Ca::new("Another CA"), None, api));
    assert_eq!(stored_token(&service), None, "inherited across CAs");

    // Back to the first CA with a token, then a set naming another API host.
    import(&service, &bundle(&ca, Some(TOKEN.as_str()), api));
    import(
        &service,
        &bundle(&ca, None, Some("https://api.elsewhere.example/api")),
    );
    assert_eq!(
        stored_token(&service),
        None,
        "inherited by another API host"
    );
}
