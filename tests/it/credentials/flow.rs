//! Registration, renewal and import end to end against a local HTTP server
//! on 127.0.0.1, with the keyring crate's mock store (the real Secret Service
//! is exercised by tests/keyring_real.rs).

use crate::support::certs;
use crate::support::http_server;

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use certs::{Ca, Minted, Options};
use http_server::TestServer;
use makapix_player::credentials::bundle::Input;
use makapix_player::credentials::keyring_store::KeyringStore;
use makapix_player::credentials::renewal::PollTiming;
use makapix_player::credentials::server::Overrides;
use makapix_player::credentials::service::{CredError, Progress, Service};
use makapix_player::storage::paths::AppPaths;
use time::OffsetDateTime;

const TOKEN: &str = "tok-first-0001";
const ROTATED: &str = "tok-rotated-0002";
/// The HTTPS player API a bundle names.
const NAMED_API: &str = "https://player-api.example/api";

struct Rig {
    service: Service,
    /// The same mock keyring the service uses, to look inside it.
    store: KeyringStore,
    root: tempfile::TempDir,
}

fn make_rig(api: &str) -> Rig {
    let root = tempfile::tempdir().unwrap();
    let paths = AppPaths::under(root.path());
    let store = KeyringStore::with_store(keyring_core::mock::Store::new().unwrap(), "test");
    let overrides = Overrides {
        api: Some(api.into()),
        ..Overrides::default()
    };
    let mut service = Service::new(
        Ok(store.clone()),
        Some(paths.config.join("player.json")),
        overrides,
    );
    service.timing = PollTiming {
        interval: Duration::from_millis(20),
        rate_limited: Duration::from_millis(300),
        backoff_max: Duration::from_millis(200),
    };
    Rig {
        service,
        store,
        root,
    }
}

fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

fn provision_body(expires_in_secs: i64) -> String {
    let expires = OffsetDateTime::now_utc() + time::Duration::seconds(expires_in_secs);
    let expires = expires
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    serde_json::json!({
        "player_key": certs::PLAYER_KEY, "registration_code": "K7Q2ZP",
        "registration_code_expires_at": expires,
        "mqtt_broker": {"host": "makapix.club", "port": 8883},
        "https_api": {"base_url": "https://makapix.club/api", "auth": "bearer"}
    })
    .to_string()
}

fn credentials_body(m: &Minted, token: Option<&str>) -> String {
    certs::bundle_json(m, token)
}

fn renew_body(m: &Minted) -> String {
    serde_json::json!({"cert_pem": m.cert_pem, "key_pem": m.key_pem, "ca_pem": m.ca_pem,
        "cert_expires_at": "2030-01-01T00:00:00Z"})
    .to_string()
}

/// Every file under the config, cache and data folders, as bytes.
fn files_under(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push((path.display().to_string(), std::fs::read(&path).unwrap()));
            }
        }
    }
    out
}

fn assert_no_secret_on_disk(root: &Path, keys: &[&str], tokens: &[&str]) {
    for (path, bytes) in files_under(root) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("PRIVATE KEY"), "{path} holds a private key");
        for key in keys {
            // Any line of the key's base64 body would betray it.
            for line in key.lines().filter(|l| !l.starts_with("-----")) {
                assert!(!text.contains(line), "{path} holds key material");
            }
        }
        for token in tokens {
            assert!(!text.contains(token), "{path} holds the API token");
        }
    }
}

#[test]
fn registration_polls_through_404_then_stores_everything_with_the_one_time_token() {
    let m = certs::valid_set();
    let body = credentials_body(&m, Some(TOKEN));
    let mut polls = 0;
    let server = TestServer::start(Box::new(move |r| match r.path.as_str() {
        "/api/player/provision" => (201, provision_body(900)),
        p if p.ends_with("/credentials") => {
            polls += 1;
            if polls < 4 {
                (404, "{}".into())
            } else {
                (200, body.clone())
            }
        }
        _ => (500, "{}".into()),
    }));
    let rig = make_rig(&server.base);
    let mut seen = Vec::new();
    let active = rig
        .service
        .register(&AtomicBool::new(false), false, &mut |p| seen.push(p))
        .unwrap();
    assert_eq!(rig.service.player_key().unwrap(), certs::PLAYER_KEY);
    assert!(active.has_token);
    assert_eq!(
        active.https_api.as_deref(),
        Some("https://makapix.club/api"),
        "the credentials name none: the provisioning answer's is kept"
    );
    assert!(matches!(&seen[0], Progress::Code { code, .. } if code == "K7Q2ZP"));
    assert_eq!(
        server.count("/credentials"),
        4,
        "polled until the 200, then stopped"
    );
    let provision = &server.requests.lock().unwrap()[0];
    assert!(provision.body.contains("makapix-player-desktop"));
    assert!(provision.body.contains(makapix_player::VERSION));
    let (_, secrets) = rig.service.secrets().unwrap();
    assert_eq!(secrets.api_token.unwrap().expose(), TOKEN);
    // The player remembers it after a "restart" (a new service on the same folder and store).
    assert!(rig.service.load().unwrap().is_some());
    assert_eq!(rig.service.player_key().unwrap(), certs::PLAYER_KEY);
    assert_no_secret_on_disk(rig.root.path(), &[&m.key_pem], &[TOKEN]);
}

#[test]
fn a_429_makes_the_poll_wait_longer() {
    let m = certs::valid_set();
    let body = credentials_body(&m, Some(TOKEN));
    let mut polls = 0;
    let times = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let t = std::sync::Arc::clone(&times);
    let server = TestServer::start(Box::new(move |r| match r.path.as_str() {
        "/api/player/provision" => (201, provision_body(900)),
        _ => {
            polls += 1;
            t.lock().unwrap().push(Instant::now());
            match polls {
                1 => (429, "{}".into()),
                2 => (404, "{}".into()),
                _ => (200, body.clone()),
            }
        }
    }));
    let rig = make_rig(&server.base);
    let pause = rig.service.timing.rate_limited;
    let mut waits = Vec::new();
    rig.service
        .register(&AtomicBool::new(false), false, &mut |p| {
            if let Progress::RateLimited { wait } = p {
                waits.push(wait)
            }
        })
        .unwrap();
    // Only the 429 called for the long pause; the 404 after it went back to
    // the short rhythm, which reports no wait of its own.
    assert_eq!(waits, vec![pause], "one rate-limited wait, of the pause");
    let times = times.lock().unwrap();
    assert_eq!(times.len(), 3, "polled until the 200");
    assert!(times[1] - times[0] >= pause, "waited the 429 pause");
}

#[test]
fn an_expired_code_ends_or_is_replaced_by_a_new_one() {
    let server = TestServer::start(Box::new(|r| match r.path.as_str() {
        "/api/player/provision" => (201, provision_body(1)),
        _ => (404, "{}".into()),
    }));
    let rig = make_rig(&server.base);
    let err = rig
        .service
        .register(&AtomicBool::new(false), false, &mut |_| {})
        .unwrap_err();
    assert!(matches!(err, CredError::CodeExpired), "{err}");
    assert_eq!(server.count("/provision"), 1);

    let m = certs::valid_set();
    let body = credentials_body(&m, Some(TOKEN));
    let mut provisions = 0;
    let server = TestServer::start(Box::new(move |r| match r.path.as_str() {
        "/api/player/provision" => {
            provisions += 1;
            (201, provision_body(1))
        }
        _ if provisions >= 2 => (200, body.clone()),
        _ => (404, "{}".into()),
    }));
    let rig = make_rig(&server.base);
    let mut codes = 0;
    rig.service
        .register(&AtomicBool::new(false), true, &mut |p| {
            codes += usize::from(matches!(p, Progress::Code { .. }))
        })
        .unwrap();
    assert_eq!(codes, 2, "a fresh code was shown after the first expired");
}

#[test]
fn a_code_that_arrives_expired_by_a_fast_clock_is_still_polled() {
    let m = certs::valid_set();
    let body = credentials_body(&m, Some(TOKEN));
    let mut polls = 0;
    let server = TestServer::start(Box::new(move |r| match r.path.as_str() {
        // The server's deadline, 15 minutes on, is 5 minutes ago by this
        // computer's clock: it runs 20 minutes fast.
        "/api/player/provision" => (201, provision_body(-300)),
        _ => {
            polls += 1;
            if polls >= 2 {
                (200, body.clone())
            } else {
                (404, "{}".into())
            }
        }
    }));
    let rig = make_rig(&server.base);
    let mut shown = Vec::new();
    rig.service
        .register(&AtomicBool::new(false), false, &mut |p| {
            if let Progress::Code { expires_at, .. } = p {
                shown.push(expires_at - now());
            }
        })
        .unwrap();
    assert_eq!(server.count("/provision"), 1, "one code, typed in");
    assert!(
        matches!(shown[..], [left] if left > 14 * 60),
        "the code is shown with its life: {shown:?}"
    );
}

#[test]
fn a_player_file_this_version_cannot_read_is_said_once_then_import_works() {
    let server = TestServer::start(Box::new(|_| (500, "{}".into())));
    let rig = make_rig(&server.base);
    let facts = AppPaths::under(rig.root.path()).config.join("player.json");
    std::fs::create_dir_all(facts.parent().unwrap()).unwrap();
    std::fs::write(&facts, br#"{"server":{"environment":"Staging"}}"#).unwrap();
    let said = rig.service.load().unwrap_err().to_string();
    assert!(said.contains("player.json.bad"), "{said}");
    let json = certs::bundle_json(&certs::valid_set(), Some(TOKEN));
    let input = Input {
        name: "b.json",
        bytes: json.as_bytes(),
    };
    rig.service.import(&[input], now(), 1).unwrap();
    rig.service.load().unwrap().expect("imported");
    assert_eq!(rig.service.player_key().unwrap(), certs::PLAYER_KEY);
}

/// A registered player (bundle with a token) and a CA to mint renewals from.
fn registered(server: &TestServer) -> (Rig, Ca, Minted) {
    let ca = Ca::new("Makapix CA");
    let m = ca.mint(&Options::default());
    let rig = make_rig(&server.base);
    let mut json: serde_json::Value =
        serde_json::from_str(&certs::bundle_json(&m, Some(TOKEN))).unwrap();
    json["https_api"] = serde_json::json!({"base_url": NAMED_API, "auth": "bearer"});
    let json = json.to_string();
    rig.service
        .import(
            &[Input {
                name: "player.json",
                bytes: json.as_bytes(),
            }],
            now(),
            1,
        )
        .unwrap();
    (rig, ca, m)
}

#[test]
fn renewal_200_switches_to_the_new_set() {
    let renewed = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let body = std::sync::Arc::clone(&renewed);
    let server = TestServer::start(Box::new(move |_| (200, body.lock().unwrap().clone())));
    let (rig, ca, old) = registered(&server);
    let before = rig.service.facts().unwrap().active.unwrap();
    let new = ca.mint(&Options {
        not_after: OffsetDateTime::now_utc() + time::Duration::days(1000),
        ..Options::default()
    });
    *renewed.lock().unwrap() = renew_body(&new);
    let after = rig.service.renew(now(), 2).unwrap();
    assert!(after.not_after > before.not_after);
    assert_eq!(after.slot.generation, before.slot.generation + 1);
    assert!(after.has_token, "the token is kept across a renewal");
    assert_eq!(
        after.https_api.as_deref(),
        Some(NAMED_API),
        "and the HTTPS API's address"
    );
    let request = &server.requests.lock().unwrap()[0];
    assert_eq!(request.path, "/api/player/renew-cert");
    assert_eq!(
        request.authorization.as_deref(),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_no_secret_on_disk(rig.root.path(), &[&old.key_pem, &new.key_pem], &[TOKEN]);
}

#[test]
fn renewal_400_keeps_the_current_certificate() {
    let server = TestServer::start(Box::new(|_| (400, "{\"detail\":\"too early\"}".into())));
    let (rig, _, _) = registered(&server);
    let before = rig.service.facts().unwrap().active.unwrap();
    let err = rig.service.renew(now(), 2).unwrap_err();
    assert!(matches!(err, CredError::TooEarly), "{err}");
    assert_eq!(rig.service.load().unwrap().unwrap(), before);
}

#[test]
fn renewal_401_rotates_the_token_then_retries_once() {
    let ca = Ca::new("Makapix CA");
    let new = ca.mint(&Options::default());
    let body = renew_body(&new);
    let server = TestServer::start(Box::new(move |r| match r.path.as_str() {
        "/api/player/renew-cert"
            if r.authorization.as_deref() == Some(&format!("Bearer {ROTATED}")) =>
        {
            (200, body.clone())
        }
        "/api/player/renew-cert" => (401, "{}".into()),
        p if p.ends_with("/token/rotate") => (
            200,
            serde_json::json!({"api_token": ROTATED, "rotated_at": "2026-01-01T00:00:00Z"})
                .to_string(),
        ),
        _ => (500, "{}".into()),
    }));
    let rig = make_rig(&server.base);
    let json = certs::bundle_json(&ca.mint(&Options::default()), Some(TOKEN));
    rig.service
        .import(
            &[Input {
                name: "b.json",
                bytes: json.as_bytes(),
            }],
            now(),
            1,
        )
        .unwrap();
    rig.service.renew(now(), 2).unwrap();
    let paths = server.paths();
    assert_eq!(paths.len(), 3);
    assert!(paths[1].ends_with(&format!("/player/{}/token/rotate", certs::PLAYER_KEY)));
    let (_, secrets) = rig.service.secrets().unwrap();
    assert_eq!(secrets.api_token.unwrap().expose(), ROTATED);
    assert_no_secret_on_disk(rig.root.path(), &[&new.key_pem], &[TOKEN, ROTATED]);
}

#[test]
fn renewal_refused_twice_keeps_the_old_certificate_and_the_new_token() {
    let server = TestServer::start(Box::new(|r| {
        if r.path.ends_with("/token/rotate") {
            (200, serde_json::json!({"api_token": ROTATED}).to_string())
        } else {
            (401, "{}".into())
        }
    }));
    let (rig, _, _) = registered(&server);
    let before = rig.service.facts().unwrap().active.unwrap();
    let err = rig.service.renew(now(), 2).unwrap_err();
    assert!(matches!(err, CredError::TokenRefused), "{err}");
    assert_eq!(server.count("/renew-cert"), 2, "exactly one retry");
    assert_eq!(rig.service.load().unwrap().unwrap(), before);
    let (_, secrets) = rig.service.secrets().unwrap();
    assert_eq!(secrets.api_token.unwrap().expose(), ROTATED);
}

#[test]
fn a_banned_owners_renewal_keeps_the_token_and_says_why() {
    let server = TestServer::start(Box::new(|r| {
        if r.path.ends_with("/token/rotate") {
            (200, serde_json::json!({"api_token": ROTATED}).to_string())
        } else {
            (
                401,
                serde_json::json!({"detail": "Account banned"}).to_string(),
            )
        }
    }));
    let (rig, _, _) = registered(&server);
    let before = rig.service.facts().unwrap().active.unwrap();
    let err = rig.service.renew(now(), 2).unwrap_err();
    assert!(matches!(err, CredError::OwnerBlocked), "{err}");
    assert!(err.to_string().contains("banned"), "{err}");
    assert_eq!(server.count("/renew-cert"), 1, "no retry with a new token");
    assert_eq!(server.count("/token/rotate"), 0);
    assert_eq!(rig.service.load().unwrap().unwrap(), before);
    let (_, secrets) = rig.service.secrets().unwrap();
    assert_eq!(secrets.api_token.unwrap().expose(), TOKEN);
}

#[test]
fn a_bad_import_leaves_the_current_set_in_force_and_remove_clears_it() {
    let server = TestServer::start(Box::new(|_| (500, "{}".into())));
    let (rig, _, _) = registered(&server);
    let before = rig.service.load().unwrap().unwrap();
    let other = Ca::new("Other CA").mint(&Options::default());
    let mut wrong = other.clone();
    wrong.ca_pem = certs::valid_set().ca_pem;
    let json = certs::bundle_json(&wrong, None);
    assert!(
        rig.service
            .import(
                &[Input {
                    name: "x.json",
                    bytes: json.as_bytes()
                }],
                now(),
                1
            )
            .is_err()
    );
    assert_eq!(rig.service.load().unwrap().unwrap(), before);
    assert!(rig.service.remove().unwrap());
    assert!(rig.service.load().unwrap().is_none());
    assert!(matches!(
        rig.service.secrets(),
        Err(CredError::NotRegistered)
    ));
    assert!(!rig.service.remove().unwrap());
}

#[test]
fn remove_also_clears_an_older_set_left_behind() {
    use makapix_player::credentials::keyring_store::{Slot, StoreError};
    let server = TestServer::start(Box::new(|_| (500, "{}".into())));
    let (rig, _, _) = registered(&server);
    let (first, secrets) = rig.service.secrets().unwrap();
    let json = certs::bundle_json(&certs::valid_set(), None);
    rig.service
        .import(
            &[Input {
                name: "b.json",
                bytes: json.as_bytes(),
            }],
            now(),
            1,
        )
        .unwrap();
    // As if deleting the first set had failed at the time.
    rig.store.write(&first.slot, &secrets).unwrap();
    assert!(rig.service.remove().unwrap());
    assert_eq!(
        rig.store.read(&first.slot),
        Err(StoreError::Missing("private key"))
    );
    let second = Slot {
        generation: first.slot.generation + 1,
        ..first.slot.clone()
    };
    assert_eq!(
        rig.store.read(&second),
        Err(StoreError::Missing("private key"))
    );
}

/// The web offers four files per player; a user who picks them all at once
/// imports the player, the PEM files repeating what the bundle holds.
#[test]
fn the_four_files_the_web_offers_import_together() {
    let m = certs::valid_set();
    let server = TestServer::start(Box::new(|_| (500, "{}".into())));
    let rig = make_rig(&server.base);
    let dir = tempfile::tempdir().unwrap();
    let stem = dir.path().join(certs::PLAYER_KEY);
    let file = |suffix: &str, text: &str| {
        let path = std::path::PathBuf::from(format!("{}{suffix}", stem.display()));
        std::fs::write(&path, text).unwrap();
        path
    };
    // The web's PEM files use CRLF line ends here, the bundle LF: the same blocks.
    let crlf = |pem: &str| pem.replace('\n', "\r\n");
    let files = vec![
        file("-ca.crt", &crlf(&m.ca_pem)),
        file("-client.crt", &crlf(&m.cert_pem)),
        file("-client.key", &crlf(&m.key_pem)),
        file("-certs.json", &certs::bundle_json(&m, Some(TOKEN))),
    ];
    let active = rig.service.import_files(&files, now(), 1).unwrap();
    assert_eq!(rig.service.player_key().unwrap(), certs::PLAYER_KEY);
    assert!(active.has_token, "what only the bundle holds is kept");

    // A PEM file of another player beside the bundle is refused, named.
    let other = Ca::new("Other CA").mint(&Options::default());
    let mut mixed = files.clone();
    mixed[1] = file("-other.crt", &other.cert_pem);
    let err = rig
        .service
        .import_files(&mixed, now(), 2)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("-other.crt") && err.contains("different players"),
        "{err}"
    );
    assert_eq!(rig.service.load().unwrap().unwrap(), active);
}
