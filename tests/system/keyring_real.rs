//! Against the real OS keyring (Secret Service on Linux): store, read, replace
//! and remove a credential set. Needs a running, unlocked Secret Service, so it
//! is ignored by a plain `cargo test`; scripts/test-all.sh runs it inside
//! `dbus-run-session` with gnome-keyring-daemon.

use crate::support::certs;

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

    // Really in the Secret Service: another program sees the four entries,
    // and their names (listed without unlocking) do not say the player key.
    let items = secret_tool_items();
    // Only the names: the certificate's bytes, printed as its secret, do name it.
    let names: Vec<&str> = items
        .lines()
        .filter(|l| l.starts_with("label") || l.starts_with("attribute."))
        .collect();
    assert!(
        !names.iter().any(|l| l.contains(certs::PLAYER_KEY)),
        "an entry names the whole player key:\n{names:?}"
    );
    for part in ["private-key", "certificate", "ca", "api-token"] {
        let user = format!("{}#{}/{part}", active.slot.id, active.slot.generation);
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
    let old_user = format!("{}#{}/", active.slot.id, active.slot.generation);
    assert!(
        !items.contains(&old_user),
        "the old set is still stored:\n{items}"
    );
    assert!(service.load().unwrap().is_some());

    // Remove: nothing of ours is left.
    assert!(service.remove().unwrap());
    let items = secret_tool_items();
    assert!(!items.contains(&active.slot.id), "entries left:\n{items}");
}

use crate::support::http_server;

/// The program itself, as a user runs it, with its per-user folders under `root`.
fn player(root: &std::path::Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_makapix-player"))
        .args(args)
        .env("XDG_CONFIG_HOME", root.join("config"))
        // The keyring daemon keeps its own folder; the player's data folder (logs) is ours.
        .env("XDG_DATA_HOME", root.join("data"))
        .env("XDG_CACHE_HOME", root.join("cache"))
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Fails if any file below `root` holds key or token material.
fn assert_clean(root: &std::path::Path, key_pem: &str, token: &str) {
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            assert!(
                !text.contains("PRIVATE KEY"),
                "{} holds a key",
                path.display()
            );
            assert!(!text.contains(token), "{} holds the token", path.display());
            for line in key_pem.lines().filter(|l| !l.starts_with("-----")) {
                assert!(
                    !text.contains(line),
                    "{} holds key material",
                    path.display()
                );
            }
        }
    }
}

#[test]
#[ignore = "needs a running Secret Service: scripts/test-all.sh runs it inside dbus-run-session"]
fn the_command_line_imports_registers_renews_and_removes_with_the_real_keyring() {
    let root = tempfile::tempdir().unwrap();
    let picked = tempfile::tempdir().unwrap();
    let m = certs::valid_set();
    for (name, text) in [
        ("one.pem", &m.cert_pem),
        ("two.pem", &m.key_pem),
        ("three.pem", &m.ca_pem),
    ] {
        std::fs::write(picked.path().join(name), text).unwrap();
    }
    let files: Vec<String> = ["one.pem", "two.pem", "three.pem"]
        .iter()
        .map(|n| picked.path().join(n).display().to_string())
        .collect();
    let mut args = vec!["import"];
    args.extend(files.iter().map(String::as_str));
    let (ok, out) = player(root.path(), &args);
    assert!(ok, "{out}");
    // A new process (a restart) still finds them; nothing secret is printed.
    let (ok, out) = player(root.path(), &["credentials", "show"]);
    assert!(
        ok && out.contains(&format!("Player key: {}…", &certs::PLAYER_KEY[..8]))
            && out.contains("API token:  none"),
        "{out}"
    );
    // The player key works as a password: whole only when asked for.
    assert!(!out.contains(certs::PLAYER_KEY), "{out}");
    let (ok, out) = player(root.path(), &["credentials", "show", "--reveal"]);
    assert!(
        ok && out.contains(&format!("Player key: {}\n", certs::PLAYER_KEY)),
        "{out}"
    );
    assert!(
        out.contains("HTTPS API:  https://makapix.club/api (the server's)"),
        "PEM files name no HTTPS API: {out}"
    );
    assert!(!out.contains("PRIVATE"), "{out}");

    // Registration replaces the imported set and stores the one-time token.
    let reg = certs::valid_set();
    let credentials = certs::bundle_json(&reg, Some("tok-cli-once"));
    let renewed = certs::valid_set();
    let renew_body = serde_json::json!({"cert_pem": renewed.cert_pem, "key_pem": renewed.key_pem,
        "ca_pem": renewed.ca_pem})
    .to_string();
    let server = http_server::TestServer::start(Box::new(move |r| match r.path.as_str() {
        "/api/player/provision" => (
            201,
            serde_json::json!({"player_key": certs::PLAYER_KEY, "registration_code": "AB12CD",
                "registration_code_expires_at": "2100-01-01T00:00:00Z"})
            .to_string(),
        ),
        "/api/player/renew-cert" if r.authorization.as_deref() == Some("Bearer tok-cli-once") => {
            (200, renew_body.clone())
        }
        p if p.ends_with("/credentials") => (200, credentials.clone()),
        _ => (500, "{}".into()),
    }));
    let api = server.base.clone();
    let (ok, out) = player(root.path(), &["register", "--verbose", "--api", &api]);
    assert!(
        ok && out.contains("AB12CD") && out.contains("Registered"),
        "{out}"
    );
    let (ok, out) = player(
        root.path(),
        &["credentials", "renew", "--verbose", "--api", &api],
    );
    assert!(ok && out.contains("Renewed"), "{out}");
    let (_, out) = player(root.path(), &["credentials", "show"]);
    assert!(out.contains("API token:  stored"), "{out}");
    assert!(
        root.path().join("data").read_dir().is_ok(),
        "the log was written"
    );
    for key in [&m.key_pem, &reg.key_pem, &renewed.key_pem] {
        assert_clean(root.path(), key, "tok-cli-once");
    }

    let (ok, out) = player(root.path(), &["credentials", "remove"]);
    assert!(ok, "{out}");
    let (ok, out) = player(root.path(), &["credentials", "show"]);
    assert!(ok && out.contains("Not registered"), "{out}");
    let items = Command::new("secret-tool")
        .args(["search", "--all", "service", "club.makapix.player"])
        .output()
        .unwrap();
    let items = String::from_utf8_lossy(&items.stdout);
    assert!(!items.contains(certs::PLAYER_KEY), "entries left:\n{items}");
    // Without a keyring service the command says so in one line and fails.
    let out = Command::new(env!("CARGO_BIN_EXE_makapix-player"))
        .args(["import"])
        .args(&files)
        .env("XDG_CONFIG_HOME", root.path().join("config"))
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("No keyring service"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
#[ignore = "needs a running Secret Service: scripts/test-all.sh runs it inside dbus-run-session"]
fn the_command_lines_import_of_a_due_bundle_renews_at_once_with_the_real_keyring() {
    let root = tempfile::tempdir().unwrap();
    let now = time::OffsetDateTime::now_utc();
    // A player of its own: the other tests here share the one keyring at the
    // same time, and one of them removes its player's entries.
    let key = "5d0c1a7e-9b42-4f3e-8a61-2c7f0e9b4d13".to_owned();
    let ca = certs::Ca::new("Makapix Test CA");
    // The web's bundle of a player 10 days from expiry: due for renewal.
    let due = ca.mint(&certs::Options {
        cn: key.clone(),
        not_before: now - time::Duration::days(1085),
        not_after: now + time::Duration::days(10),
        ..certs::Options::default()
    });
    // Where the browser saved it: apart from the player's folders, which must hold no key.
    let downloads = tempfile::tempdir().unwrap();
    let bundle = downloads.path().join("player-certificates.json");
    std::fs::write(&bundle, certs::bundle_json(&due, Some("tok-due"))).unwrap();
    let renewed = ca.mint(&certs::Options {
        cn: key,
        ..certs::Options::default()
    });
    let body = serde_json::json!({"cert_pem": renewed.cert_pem, "key_pem": renewed.key_pem,
        "ca_pem": renewed.ca_pem})
    .to_string();
    let server = http_server::TestServer::start(Box::new(move |r| match r.path.as_str() {
        "/api/player/renew-cert" if r.authorization.as_deref() == Some("Bearer tok-due") => {
            (200, body.clone())
        }
        _ => (500, "{}".into()),
    }));
    let bundle = bundle.display().to_string();
    let (ok, out) = player(root.path(), &["import", &bundle, "--api", &server.base]);
    assert!(
        ok && out.contains("Imported") && out.contains("Renewed"),
        "{out}"
    );
    assert_eq!(server.count("/renew-cert"), 1);
    let (_, out) = player(root.path(), &["credentials", "show"]);
    assert!(
        out.contains("365 days left") || out.contains("364 days left"),
        "{out}"
    );
    assert_clean(root.path(), &renewed.key_pem, "tok-due");
    let (ok, out) = player(root.path(), &["credentials", "remove"]);
    assert!(ok, "{out}");
}

/// A bundle kept for years, imported while the server is down: kept, and the
/// command line says what happens next instead of a renewal date in the past.
#[test]
#[ignore = "needs a running Secret Service: scripts/test-all.sh runs it inside dbus-run-session"]
fn an_expired_bundle_the_server_cannot_renew_now_is_kept_with_the_way_forward() {
    let root = tempfile::tempdir().unwrap();
    let now = time::OffsetDateTime::now_utc();
    // A player of its own, as above.
    let key = "8e3f2b91-4c6d-4a7e-9f10-3b5c7d9e1a24".to_owned();
    let expired = certs::Ca::new("Makapix Test CA").mint(&certs::Options {
        cn: key,
        not_before: now - time::Duration::days(1200),
        not_after: now - time::Duration::days(105),
        ..certs::Options::default()
    });
    let downloads = tempfile::tempdir().unwrap();
    let bundle = downloads.path().join("player-certificates.json");
    std::fs::write(&bundle, certs::bundle_json(&expired, None)).unwrap();
    let server = http_server::TestServer::start(Box::new(|_| (503, "{}".into())));
    let bundle = bundle.display().to_string();
    let (ok, out) = player(root.path(), &["import", &bundle, "--api", &server.base]);
    assert!(ok, "{out}");
    assert!(
        out.contains("Imported: player 8e3f2b91…, expired on"),
        "{out}"
    );
    assert!(out.contains("The renewal failed"), "{out}");
    let (_, out) = player(root.path(), &["credentials", "show", "--api", &server.base]);
    assert!(out.contains("(expired)"), "{out}");
    assert!(
        out.contains("Renews:     when the player next runs, or now with"),
        "{out}"
    );
    assert_clean(root.path(), &expired.key_pem, "no token");
    let (ok, out) = player(root.path(), &["credentials", "remove"]);
    assert!(ok, "{out}");
}
