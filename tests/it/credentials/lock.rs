//! Registration's final install takes the same lock as import and renewal
//! (issue 15, item 9): while an import holds it (stuck in a slow keyring
//! write), a registration whose code was just entered waits, writes nothing,
//! and installs after the import, never interleaved with it. The keyring is the
//! mock store behind a gate that holds writes; the API is the rig's. Across
//! processes (the command line and a window) a file lock beside `player.json`
//! does the same: two services over the same files install one after the other.

use super::runtime;
use crate::support::rig;

use std::any::Any;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use keyring_core::api::{Credential, CredentialApi, CredentialStoreApi};
use keyring_core::{CredentialStore, Entry};
use makapix_player::bridge::RuntimeEvent;
use makapix_player::bridge::channel::pair;
use makapix_player::bridge::credentials::{
    CredentialsAction, CredentialsEvent, RegistrationStatus,
};
use makapix_player::credentials::keyring_store::KeyringStore;
use makapix_player::credentials::renewal::PollTiming;
use makapix_player::credentials::server::Overrides;
use makapix_player::credentials::service::Service;
use makapix_player::net::credentials_task::CredentialsTask;
use makapix_player::protocol::http::Secret;

/// The install lock's file, beside `player.json` (`credentials::install_lock`).
const LOCK_FILE: &str = "credentials.lock";

/// Holds keyring writes while closed; records who asked and who wrote, in order.
#[derive(Default)]
struct Gate {
    closed: Mutex<bool>,
    opened: Condvar,
    asked: Mutex<Vec<String>>,
    wrote: Mutex<Vec<String>>,
}

impl Gate {
    fn set_closed(&self, closed: bool) {
        *self.closed.lock().unwrap() = closed;
        self.opened.notify_all();
    }
}

/// Opens the gate when the test ends, passing or not, so no write waits for ever.
struct OpenAtEnd(Arc<Gate>);

impl Drop for OpenAtEnd {
    fn drop(&mut self) {
        self.0.set_closed(false);
    }
}

struct GatedStore {
    inner: Arc<CredentialStore>,
    gate: Arc<Gate>,
}

impl CredentialStoreApi for GatedStore {
    fn vendor(&self) -> String {
        "gated mock".into()
    }

    fn id(&self) -> String {
        "gated".into()
    }

    fn build(
        &self,
        service: &str,
        user: &str,
        modifiers: Option<&HashMap<&str, &str>>,
    ) -> keyring_core::Result<Entry> {
        let inner = self.inner.build(service, user, modifiers)?;
        Ok(Entry::new_with_credential(Arc::new(GatedCredential {
            inner,
            user: user.to_owned(),
            gate: Arc::clone(&self.gate),
        })))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

struct GatedCredential {
    inner: Entry,
    user: String,
    gate: Arc<Gate>,
}

impl CredentialApi for GatedCredential {
    fn set_secret(&self, secret: &[u8]) -> keyring_core::Result<()> {
        self.gate.asked.lock().unwrap().push(self.user.clone());
        let mut closed = self.gate.closed.lock().unwrap();
        while *closed {
            closed = self.gate.opened.wait(closed).unwrap();
        }
        drop(closed);
        let result = self.inner.set_secret(secret);
        self.gate.wrote.lock().unwrap().push(self.user.clone());
        result
    }

    fn get_secret(&self) -> keyring_core::Result<Vec<u8>> {
        self.inner.get_secret()
    }

    fn delete_credential(&self) -> keyring_core::Result<()> {
        self.inner.delete_credential()
    }

    fn get_credential(&self) -> keyring_core::Result<Option<Arc<Credential>>> {
        Ok(None)
    }

    fn get_specifiers(&self) -> Option<(String, String)> {
        None
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[test]
fn registration_installs_after_an_import_that_holds_the_lock_never_between_its_writes() {
    let mut ca = rig::certs::Ca::new("Makapix Lock Test CA");
    let api = rig::api::MakapixApi::start(&ca.pem, 1);
    let (registered, imported) = (rig::certs::player_key(), rig::certs::player_key());
    let first = ca.player(&registered);
    api.provision_as(&registered, first);
    let other = ca.player(&imported);
    let bundle = serde_json::json!({"ca_pem": ca.pem, "cert_pem": other.cert_pem,
        "key_pem": other.key_pem, "broker": {"host": "127.0.0.1", "port": 1}})
    .to_string();

    let gate = Arc::new(Gate::default());
    let store = GatedStore {
        inner: keyring_core::mock::Store::new().unwrap(),
        gate: Arc::clone(&gate),
    };
    let dir = tempfile::tempdir().unwrap();
    let registering = Arc::new(Mutex::new(None));
    let mut service = Service::new(
        Ok(KeyringStore::with_store(Arc::new(store), "test")),
        Some(dir.path().join("player.json")),
        Overrides {
            api: Some(api.base.clone()),
            ..Overrides::default()
        },
    );
    service.timing = PollTiming {
        interval: Duration::from_millis(50),
        rate_limited: Duration::from_millis(50),
        backoff_max: Duration::from_millis(200),
    };

    let (window, runtime_end) = pair(Arc::new(|| {}));
    let rt = runtime();
    // Dropped before the runtime, which waits for its blocking workers.
    let _open_at_end = OpenAtEnd(Arc::clone(&gate));
    let mut events: Vec<RuntimeEvent> = Vec::new();
    rt.block_on(async {
        let sink = runtime_end
            .sink
            .observed(learn_the_storing_thread(&registering));
        let mut task = CredentialsTask::with_service(sink, service);
        let mut wait_for = async |what: &str, done: &dyn Fn(&[RuntimeEvent]) -> bool| {
            let deadline = Instant::now() + Duration::from_secs(20);
            while !done(&events) {
                assert!(
                    Instant::now() < deadline,
                    "timed out waiting for {what}: {events:?}"
                );
                tokio::time::sleep(Duration::from_millis(10)).await;
                while let Some(e) = window.try_recv() {
                    events.push(e);
                }
            }
        };
        task.handle(CredentialsAction::Register);
        wait_for("the registration code", &|ev| {
            ev.iter().any(|e| {
                matches!(
                    e,
                    RuntimeEvent::Credentials(CredentialsEvent::Registration(
                        RegistrationStatus::Code { .. }
                    ))
                )
            })
        })
        .await;

        // An import takes the lock and sticks in its first keyring write.
        gate.set_closed(true);
        task.handle(CredentialsAction::ImportText(Secret::new(bundle)));
        let deadline = Instant::now() + Duration::from_secs(10);
        while gate.asked.lock().unwrap().is_empty() {
            assert!(Instant::now() < deadline, "the import never wrote");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }

        // The owner enters the code: registration has its set and goes to store it.
        api.enter_code(&registered);
        wait_for("registration to reach its install", &|ev| {
            ev.iter().any(|e| {
                matches!(
                    e,
                    RuntimeEvent::Credentials(CredentialsEvent::Registration(
                        RegistrationStatus::Storing
                    ))
                )
            })
        })
        .await;
        // Registration now waits for the lock, or (wrongly) asks for a write.
        let deadline = Instant::now() + Duration::from_secs(20);
        while !asleep(&registering) && !another_slot_asked(&gate) {
            assert!(
                Instant::now() < deadline,
                "registration neither waited nor wrote"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let asked = gate.asked.lock().unwrap().clone();
        assert!(
            !another_slot_asked(&gate),
            "registration wrote while the import held the lock: {asked:?}"
        );

        gate.set_closed(false);
        let both = |ev: &[RuntimeEvent]| {
            let ended = ev.iter().any(|e| {
                matches!(
                    e,
                    RuntimeEvent::Credentials(CredentialsEvent::RegistrationEnded)
                )
            });
            let done = ev
                .iter()
                .filter(|e| matches!(e, RuntimeEvent::Credentials(CredentialsEvent::Done(_))))
                .count();
            ended && done >= 2
        };
        wait_for("the import and the registration to finish", &both).await;
    });

    // Every write of the import (the slot it asked first), then every write of the registration.
    assert_holder_wrote_first(&gate, 3);
}

/// Whether an install asked the keyring for a write of another slot than the
/// first write's (that of the install holding the lock).
fn another_slot_asked(gate: &Gate) -> bool {
    let asked = gate.asked.lock().unwrap();
    asked.iter().any(|u| slot_of(u) != slot_of(&asked[0]))
}

/// Checks every write of the lock's holder (the slot asked first), at least
/// `holder_writes` of them, came before any write of the other install.
fn assert_holder_wrote_first(gate: &Gate, holder_writes: usize) {
    let holder = slot_of(&gate.asked.lock().unwrap()[0]).to_owned();
    let owners: Vec<char> = gate
        .wrote
        .lock()
        .unwrap()
        .iter()
        .map(|u| if slot_of(u) == holder { 'H' } else { 'O' })
        .collect();
    let held = owners.iter().filter(|o| **o == 'H').count();
    assert!(held >= holder_writes && owners.len() > held, "{owners:?}");
    assert!(
        owners[..held].iter().all(|o| *o == 'H'),
        "the writes interleaved: {owners:?}"
    );
}

/// An observer of the task's events that notes the thread saying it stores
/// a registration (`/proc/thread-self`: `PID/task/TID`), which next takes the lock.
fn learn_the_storing_thread(
    thread: &Arc<Mutex<Option<PathBuf>>>,
) -> Arc<dyn Fn(&RuntimeEvent) + Send + Sync> {
    let thread = Arc::clone(thread);
    Arc::new(move |e| {
        if let RuntimeEvent::Credentials(CredentialsEvent::Registration(
            RegistrationStatus::Storing,
        )) = e
        {
            *thread.lock().unwrap() = std::fs::read_link("/proc/thread-self").ok();
        }
    })
}

/// Whether that thread sleeps (state `S` in its /proc stat): after saying it
/// stores, it only sleeps waiting for a lock (or, wrongly, in a held write).
#[cfg(target_os = "linux")]
fn asleep(thread: &Mutex<Option<PathBuf>>) -> bool {
    let Some(task) = thread.lock().unwrap().clone() else {
        return false;
    };
    let stat = std::fs::read_to_string(Path::new("/proc").join(task).join("stat"));
    // `TID (name) STATE …`; the name may hold spaces and parentheses.
    stat.ok()
        .and_then(|s| {
            s.rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().starts_with('S'))
        })
        .unwrap_or(false)
}

/// Elsewhere the kernel does not say: the order of the writes is the check.
#[cfg(not(target_os = "linux"))]
fn asleep(_thread: &Mutex<Option<PathBuf>>) -> bool {
    true
}

/// Whether a request for the install lock at `lock` is blocked behind the
/// holder's: the kernel lists it in /proc/locks with `->`, for this process.
#[cfg(target_os = "linux")]
fn waits_for_the_lock(lock: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = std::fs::metadata(lock) else {
        return false;
    };
    let (pid, inode) = (std::process::id().to_string(), format!(":{}", meta.ino()));
    let locks = std::fs::read_to_string("/proc/locks").unwrap_or_default();
    locks.lines().any(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        fields.get(1) == Some(&"->")
            && fields.get(5) == Some(&pid.as_str())
            && fields.get(6).is_some_and(|f| f.ends_with(&inode))
    })
}

/// Elsewhere the kernel does not say: the order of the writes is the check.
#[cfg(not(target_os = "linux"))]
fn waits_for_the_lock(_lock: &Path) -> bool {
    true
}

/// The slot an entry name belongs to (`{id}#{generation}`): the names carry
/// no player key, and each install writes a slot of its own.
fn slot_of(user: &str) -> &str {
    user.split_once('/').map_or(user, |(slot, _)| slot)
}

/// A service over the shared keyring behind `gate`, as a separate process
/// (the command line, a window) has: its own in-process lock, the same files.
fn service_over(
    facts: &std::path::Path,
    keyring: &Arc<CredentialStore>,
    gate: &Arc<Gate>,
) -> Service {
    let store = GatedStore {
        inner: Arc::clone(keyring),
        gate: Arc::clone(gate),
    };
    Service::new(
        Ok(KeyringStore::with_store(Arc::new(store), "test")),
        Some(facts.to_owned()),
        Overrides::default(),
    )
}

#[test]
fn two_installs_from_separate_services_are_serialised_by_the_file_lock() {
    let mut ca = rig::certs::Ca::new("Makapix Lock Test CA");
    let (first_key, second_key) = (rig::certs::player_key(), rig::certs::player_key());
    let bundle = |key: &str, ca: &mut rig::certs::Ca| {
        let id = ca.player(key);
        serde_json::json!({"ca_pem": ca.pem, "cert_pem": id.cert_pem, "key_pem": id.key_pem})
            .to_string()
    };
    let (first_bundle, second_bundle) = (bundle(&first_key, &mut ca), bundle(&second_key, &mut ca));
    let gate = Arc::new(Gate::default());
    let keyring: Arc<CredentialStore> = keyring_core::mock::Store::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let facts = dir.path().join("player.json");
    let _open_at_end = OpenAtEnd(Arc::clone(&gate));
    let import = |service: Service, json: String| {
        std::thread::spawn(move || {
            let input = makapix_player::credentials::bundle::Input {
                name: "certs.json",
                bytes: json.as_bytes(),
            };
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            service.import(&[input], now, 1).map(|a| a.slot)
        })
    };

    // The first install sticks in its first keyring write, holding the lock.
    gate.set_closed(true);
    let first = import(service_over(&facts, &keyring, &gate), first_bundle);
    let deadline = Instant::now() + Duration::from_secs(10);
    while gate.asked.lock().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "the first install never wrote");
        std::thread::sleep(Duration::from_millis(10));
    }
    let second = import(service_over(&facts, &keyring, &gate), second_bundle);
    // The second now waits for the lock, or (wrongly) asks for a write.
    let lock = dir.path().join(LOCK_FILE);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !waits_for_the_lock(&lock) && !another_slot_asked(&gate) {
        assert!(
            Instant::now() < deadline,
            "the second install neither waited nor wrote"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let asked = gate.asked.lock().unwrap().clone();
    assert!(
        !another_slot_asked(&gate),
        "the second install wrote while the first held the lock: {asked:?}"
    );
    gate.set_closed(false);
    let first = first.join().unwrap().unwrap();
    let second = second.join().unwrap().unwrap();
    assert_holder_wrote_first(&gate, 3);

    // One after the other: the second saw the first's set, replaced and removed it.
    assert_eq!((first.generation, second.generation), (1, 2));
    let reader = service_over(&facts, &keyring, &gate);
    let (active, _) = reader.secrets().unwrap();
    assert_eq!(active.slot, second);
    assert_eq!(reader.player_key().unwrap(), second_key);
    let left = KeyringStore::with_store(Arc::clone(&keyring), "test");
    assert!(
        left.read(&first).is_err(),
        "the first set was left in the keyring"
    );
}
