//! A locked screen reports no views. The system's side is played by a private D-Bus
//! daemon (the real `dbus-daemon`) on which this test serves logind's session
//! `LockedHint` and a desktop screen saver's `GetActive`, the two ways Linux desktops
//! tell that the screen is locked.
#![cfg(target_os = "linux")]

use crate::support::rig;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::support::screen::STEP_TIMEOUT;
use makapix_player::player::ArtworkSource;
use makapix_player::screen_lock::{DbusLock, LockSource};
use rig::window::{start_with_vault, step_until};
use serde_json::json;

/// A session bus of our own, gone with the test.
struct PrivateBus {
    daemon: Child,
    address: String,
}

impl PrivateBus {
    fn start() -> Self {
        let mut daemon = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("dbus-daemon (Debian package dbus) must be installed for this test");
        let stdout = daemon.stdout.take().expect("the daemon's stdout");
        let mut address = String::new();
        BufReader::new(stdout)
            .read_line(&mut address)
            .expect("the bus address");
        let address = address.trim().to_string();
        assert!(!address.is_empty(), "dbus-daemon printed no address");
        Self { daemon, address }
    }
}

impl Drop for PrivateBus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

struct ScreenSaver(Arc<AtomicBool>);

#[zbus::interface(name = "org.freedesktop.ScreenSaver")]
impl ScreenSaver {
    fn get_active(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

struct LoginSession(Arc<AtomicBool>);

#[zbus::interface(name = "org.freedesktop.login1.Session")]
impl LoginSession {
    #[zbus(property)]
    fn locked_hint(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Serves `org.freedesktop.ScreenSaver` on the bus; the connection must be kept.
fn serve_screen_saver(bus: &PrivateBus, active: &Arc<AtomicBool>) -> zbus::blocking::Connection {
    zbus::blocking::connection::Builder::address(bus.address.as_str())
        .unwrap()
        .name("org.freedesktop.ScreenSaver")
        .unwrap()
        .serve_at("/org/freedesktop/ScreenSaver", ScreenSaver(active.clone()))
        .unwrap()
        .build()
        .expect("the screen saver on the private bus")
}

fn serve_logind(bus: &PrivateBus, locked: &Arc<AtomicBool>) -> zbus::blocking::Connection {
    zbus::blocking::connection::Builder::address(bus.address.as_str())
        .unwrap()
        .name("org.freedesktop.login1")
        .unwrap()
        .serve_at(
            "/org/freedesktop/login1/session/auto",
            LoginSession(locked.clone()),
        )
        .unwrap()
        .build()
        .expect("logind's session on the private bus")
}

#[test]
#[ignore = "needs dbus-daemon: scripts/test-all.sh runs it"]
fn logind_and_the_screen_saver_each_tell_a_locked_screen() {
    let bus = PrivateBus::start();
    let mut lock = DbusLock::at(&bus.address, &bus.address);
    assert_eq!(lock.read(), None, "nothing on the bus says anything");

    let saver = Arc::new(AtomicBool::new(false));
    let _saver = serve_screen_saver(&bus, &saver);
    assert_eq!(lock.read(), Some(false));
    saver.store(true, Ordering::SeqCst);
    assert_eq!(lock.read(), Some(true), "the screen saver is showing");
    saver.store(false, Ordering::SeqCst);

    let hint = Arc::new(AtomicBool::new(true));
    let _logind = serve_logind(&bus, &hint);
    assert_eq!(lock.read(), Some(true), "logind says the session is locked");
    hint.store(false, Ordering::SeqCst);
    assert_eq!(lock.read(), Some(false));
}

#[test]
#[ignore = "needs dbus-daemon: scripts/test-all.sh runs it"]
fn no_view_while_the_screen_is_locked() {
    let bus = PrivateBus::start();
    let locked = Arc::new(AtomicBool::new(false));
    let _logind = serve_logind(&bus, &locked);

    let root = tempfile::tempdir().unwrap();
    let vault = rig::vault::Vault::start();
    vault.put_sample("ab/cd", "a", "sun-64.png");
    let mut s = start_with_vault(root.path(), &vault);
    s.h.state_mut()
        .watch_screen_lock(Box::new(DbusLock::at(&bus.address, &bus.address)));
    // Locked before the art arrives: the harness's clock runs faster than the
    // watcher's one-second polls, so the lock is seen first, then the art shows.
    locked.store(true, Ordering::SeqCst);
    step_until(&mut s.h, "the lock seen", |a| a.screen_locked());
    s.command(
        "show_artwork",
        json!({"post_id": 41, "storage_key": "a", "storage_shard": "ab/cd", "native_format": "png"}),
    );
    step_until(
        &mut s.h,
        "post 41",
        |a| matches!(a.on_screen(), Some((ArtworkSource::Makapix(p), false)) if p.post_id == 41),
    );
    // The harness's clock moves by a fixed step per frame: 8 s of the window's time.
    let start_time = s.h.ctx.input(|i| i.time);
    while s.h.ctx.input(|i| i.time) - start_time < 8.0 {
        s.h.step();
    }
    assert_eq!(s.tap.views_sent(), 0, "locked for 8 s: no view");

    locked.store(false, Ordering::SeqCst);
    step_until(&mut s.h, "the unlock seen", |a| !a.screen_locked());
    let deadline = Instant::now() + STEP_TIMEOUT;
    while s.tap.views_sent() == 0 {
        assert!(
            Instant::now() < deadline,
            "no view once the screen is unlocked"
        );
        s.h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    s.h.state_mut().shutdown();
}
