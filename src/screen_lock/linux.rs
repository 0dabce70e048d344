//! Linux: logind's `LockedHint` for the user's session (set by GNOME, KDE and other
//! lockers) on the system bus, and the desktop's screen saver (`GetActive`) on the
//! session bus, for lockers that only tell there. A screen saver showing counts like a
//! lock: either way nobody sees the art.

use std::time::{Duration, Instant};

use zbus::blocking::{Connection, connection};
use zbus::zvariant::OwnedValue;

use super::LockSource;

/// A D-Bus call that takes longer than this is taken as no answer.
const CALL_TIMEOUT: Duration = Duration::from_secs(2);
/// A bus that cannot be reached is tried again after this long, not on every poll.
const RETRY: Duration = Duration::from_secs(30);

/// The screen savers' well-known names and objects, each with `GetActive() -> b`.
const SCREEN_SAVERS: [(&str, &str); 5] = [
    (
        "org.freedesktop.ScreenSaver",
        "/org/freedesktop/ScreenSaver",
    ),
    ("org.gnome.ScreenSaver", "/org/gnome/ScreenSaver"),
    ("org.cinnamon.ScreenSaver", "/org/cinnamon/ScreenSaver"),
    ("org.mate.ScreenSaver", "/org/mate/ScreenSaver"),
    ("org.xfce.ScreenSaver", "/org/xfce/ScreenSaver"),
];

const LOGIND: &str = "org.freedesktop.login1";
/// logind resolves `auto` to the caller's session, or the user's graphical one when
/// the caller is outside any session (started by a service manager).
const LOGIND_SESSION: &str = "/org/freedesktop/login1/session/auto";

/// Where a bus is: the system's own, or an address (tests run their own bus).
#[derive(Clone, Debug)]
enum Place {
    System,
    Session,
    Address(String),
}

/// A bus connected on demand; a failure is remembered so a machine without the bus
/// costs one attempt per `RETRY`.
struct Bus {
    place: Place,
    connection: Option<Connection>,
    next_try: Instant,
}

impl Bus {
    fn new(place: Place) -> Self {
        Self {
            place,
            connection: None,
            next_try: Instant::now(),
        }
    }

    fn get(&mut self) -> Option<&Connection> {
        if self.connection.is_none() && Instant::now() >= self.next_try {
            match self.connect() {
                Ok(c) => self.connection = Some(c),
                Err(e) => {
                    tracing::debug!("screen lock: no {:?} bus ({e})", self.place);
                    self.next_try = Instant::now() + RETRY;
                }
            }
        }
        self.connection.as_ref()
    }

    fn connect(&self) -> zbus::Result<Connection> {
        let builder = match &self.place {
            Place::System => connection::Builder::system()?,
            Place::Session => connection::Builder::session()?,
            Place::Address(a) => connection::Builder::address(a.as_str())?,
        };
        builder.method_timeout(CALL_TIMEOUT).build()
    }

    /// A broken connection is dropped so the next poll reconnects.
    fn forget(&mut self) {
        self.connection = None;
        self.next_try = Instant::now() + RETRY;
    }
}

/// Asks logind and the desktop's screen saver.
pub struct DbusLock {
    system: Bus,
    session: Bus,
}

impl DbusLock {
    /// The computer's own buses.
    pub fn system() -> Self {
        Self {
            system: Bus::new(Place::System),
            session: Bus::new(Place::Session),
        }
    }

    /// Buses at these addresses (a test's private bus stands for both).
    pub fn at(system: &str, session: &str) -> Self {
        Self {
            system: Bus::new(Place::Address(system.into())),
            session: Bus::new(Place::Address(session.into())),
        }
    }

    fn logind(&mut self) -> Option<bool> {
        let bus = self.system.get()?;
        if !has_owner(bus, LOGIND)? {
            return None;
        }
        let reply = bus.call_method(
            Some(LOGIND),
            LOGIND_SESSION,
            Some("org.freedesktop.DBus.Properties"),
            "Get",
            &("org.freedesktop.login1.Session", "LockedHint"),
        );
        match reply {
            Ok(m) => {
                let value: OwnedValue = m.body().deserialize().ok()?;
                bool::try_from(value).ok()
            }
            Err(e) => {
                tracing::debug!("screen lock: logind did not say ({e})");
                broken(&e).then(|| self.system.forget());
                None
            }
        }
    }

    fn screen_savers(&mut self) -> Option<bool> {
        let bus = self.session.get()?;
        let mut said = Vec::new();
        for (name, path) in SCREEN_SAVERS {
            if has_owner(bus, name) != Some(true) {
                continue;
            }
            match bus.call_method(Some(name), path, Some(name), "GetActive", &()) {
                Ok(m) => said.push(m.body().deserialize::<bool>().ok()),
                Err(e) => {
                    tracing::debug!("screen lock: {name} did not say ({e})");
                    if broken(&e) {
                        self.session.forget();
                        break;
                    }
                }
            }
        }
        super::combine(said)
    }
}

impl LockSource for DbusLock {
    fn read(&mut self) -> Option<bool> {
        let logind = self.logind();
        let savers = self.screen_savers();
        super::combine([logind, savers])
    }
}

/// Asked first so a call never starts a service by D-Bus activation.
fn has_owner(bus: &Connection, name: &str) -> Option<bool> {
    let reply = bus
        .call_method(
            Some("org.freedesktop.DBus"),
            "/org/freedesktop/DBus",
            Some("org.freedesktop.DBus"),
            "NameHasOwner",
            &(name,),
        )
        .ok()?;
    reply.body().deserialize::<bool>().ok()
}

/// Errors that mean the connection itself is gone, not that one service is missing.
fn broken(e: &zbus::Error) -> bool {
    matches!(e, zbus::Error::InputOutput(_) | zbus::Error::InvalidReply)
}
