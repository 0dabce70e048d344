//! Where an output's packets go: its host looked up and a UDP socket
//! connected to the address found. Both go stale: a panel gets another
//! address (DHCP, a `.local` name answering anew) and so does this computer
//! (another network), and a connected socket pins the two. So the socket is
//! dropped and the host looked up again when sends keep failing, at once when
//! the system says the route or this computer's address is gone, and every
//! minute for a name, whose answer may move while sends still go out.
//!
//! Lookups run on a thread of their own (`lookup.rs`): while one is under
//! way, frames go on out on the socket there is, and before the first answer
//! there is none, so nothing goes out and the panel shows "Looking up".
//!
//! A name may give several addresses (`localhost`, a dual-stack `.local`
//! often lists IPv6 first while WLED listens on IPv4): IPv4 is tried first,
//! as discovery prefers it, and the next address when one is refused or
//! cannot be reached.

use std::collections::VecDeque;
use std::io;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::lookup::{Answer, Lookups, Resolve, Wake};
use super::spec::OutputSpec;

/// A send that the system holds longer than this counts as failed.
const SEND_TIMEOUT: Duration = Duration::from_millis(50);

/// How soon an output does things again: looks its host up, sends a
/// still frame; how long its stop waits (shorter or longer in tests).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Timing {
    /// Lookups while failing are this far apart, and sends failing this long
    /// mean the address is stale.
    pub retry: Duration,
    /// A name is looked up again this often while sends go out.
    pub refresh: Duration,
    /// A still frame is sent again this often: WLED leaves live mode after
    /// 2.5 s without data.
    pub resend: Duration,
    /// Stopping waits this long for the sending thread to end (and say so
    /// to E1.31 receivers); one stuck in a send is left to end on its own.
    pub stop: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            retry: Duration::from_secs(5),
            refresh: Duration::from_secs(60),
            resend: Duration::from_secs(1),
            stop: Duration::from_millis(100),
        }
    }
}

/// What a lookup that is due does to the socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// None, or a failing one: a new socket whatever the answer.
    Replace,
    /// A working one: kept unless the name now gives other addresses.
    Refresh,
}

/// When to look the host up again. Pure: time is passed in.
#[derive(Debug)]
pub(crate) struct Schedule {
    timing: Timing,
    /// The host is a name, not an address.
    name: bool,
    looked_up: Option<Instant>,
    /// The first failed send of the failures now coming, each within
    /// `retry` of the one before: a receiver gone answers "port unreachable"
    /// to a send now and then, and the sends between go out.
    failing_since: Option<Instant>,
    last_failure: Option<Instant>,
    /// The system said the route or this computer's address is gone.
    route_gone: bool,
}

impl Schedule {
    pub fn new(timing: Timing, name: bool) -> Self {
        Self {
            timing,
            name,
            looked_up: None,
            failing_since: None,
            last_failure: None,
            route_gone: false,
        }
    }

    pub fn looked_up(&mut self, now: Instant) {
        self.looked_up = Some(now);
        self.route_gone = false;
    }

    pub fn failed(&mut self, now: Instant, route_gone: bool) {
        let ongoing = self
            .last_failure
            .is_some_and(|t| now.saturating_duration_since(t) < self.timing.retry);
        if !ongoing {
            self.failing_since = Some(now);
        }
        self.last_failure = Some(now);
        self.route_gone |= route_gone;
    }

    /// Whether to look the host up now, with or without a socket to keep.
    pub fn due(&self, now: Instant, connected: bool) -> Option<Lookup> {
        let since = |t: Instant| now.saturating_duration_since(t);
        let Some(looked_up) = self.looked_up.map(since) else {
            return Some(Lookup::Replace);
        };
        // Never more often than `retry`: an output failing fails every frame,
        // and a lookup each frame would flood the DNS server (or, for a
        // `.local` name, the network) with queries that give the same answer.
        if looked_up < self.timing.retry {
            return None;
        }
        let failing = self
            .last_failure
            .is_some_and(|t| since(t) < self.timing.retry);
        let stale = self.route_gone
            || (failing
                && self
                    .failing_since
                    .is_some_and(|t| since(t) >= self.timing.retry));
        if !connected || stale {
            return Some(Lookup::Replace);
        }
        (self.name && looked_up >= self.timing.refresh).then_some(Lookup::Refresh)
    }
}

/// The system's word that the socket's route or source address is gone:
/// another network, or none. Looked up again at once.
fn route_gone(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::NetworkDown
            | io::ErrorKind::AddrNotAvailable
            | io::ErrorKind::InvalidInput
    )
}

/// The failures that say this address is wrong, not the network: try the next.
fn try_next(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::HostUnreachable
            | io::ErrorKind::NetworkUnreachable
    )
}

/// The order addresses are tried in: IPv4 first, then the resolver's order.
pub(crate) fn in_order(mut found: Vec<SocketAddr>) -> VecDeque<SocketAddr> {
    found.sort_by_key(|a| !a.is_ipv4());
    found.into()
}

/// What an output's packets go out on: a UDP socket connected to the
/// panel, or a test's (one whose sends the test holds: no loopback send
/// can be made to wait).
pub(crate) trait Wire: Send {
    fn send(&self, packet: &[u8]) -> io::Result<usize>;
}

impl Wire for UdpSocket {
    fn send(&self, packet: &[u8]) -> io::Result<usize> {
        UdpSocket::send(self, packet)
    }
}

/// Opens a wire to an address.
pub(crate) type Connect = Arc<dyn Fn(SocketAddr) -> io::Result<Box<dyn Wire>> + Send + Sync>;

/// A UDP socket connected to the address (`connect`).
pub(crate) fn udp_connect() -> Connect {
    Arc::new(|addr| Ok(Box::new(connect(addr)?)))
}

/// Why there is no socket to send on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum NotReady {
    /// The host's first lookup has not answered yet.
    LookingUp,
    /// The sentence says why.
    Unreachable(String),
}

/// One output's socket, and when it is opened again.
pub(crate) struct Link {
    host: String,
    lookups: Lookups,
    connect: Connect,
    schedule: Schedule,
    /// The lookup asked for and not answered yet.
    asked: Option<Lookup>,
    socket: Option<(Box<dyn Wire>, SocketAddr)>,
    /// The host's addresses not tried yet since it was looked up.
    spare: VecDeque<SocketAddr>,
    /// Why there is no socket, once a lookup answered.
    why: Option<String>,
}

impl Link {
    /// Starts the host's lookup thread, and its first lookup; `wake` is
    /// called there each time an answer is ready. Sockets are opened with
    /// `connect`.
    pub fn new(
        spec: &OutputSpec,
        resolve: Resolve,
        connect: Connect,
        timing: Timing,
        wake: Wake,
    ) -> io::Result<Self> {
        let name = spec.host.parse::<IpAddr>().is_err();
        let mut link = Self {
            host: spec.host.clone(),
            lookups: Lookups::start(spec.socket_target(), resolve, wake)?,
            connect,
            schedule: Schedule::new(timing, name),
            asked: None,
            socket: None,
            spare: VecDeque::new(),
            why: None,
        };
        link.ask_if_due(Instant::now());
        Ok(link)
    }

    /// Takes a lookup's answer and asks for the next when due; `Err` says why
    /// there is no socket to send on. Never waits for a lookup.
    pub fn ready(&mut self, now: Instant) -> Result<(), NotReady> {
        if let Some(lookup) = self.asked
            && let Some(answer) = self.lookups.answer()
        {
            self.asked = None;
            self.reopen(lookup, answer);
        }
        self.ask_if_due(now);
        match (&self.socket, &self.why) {
            (Some(_), _) => Ok(()),
            (None, None) => Err(NotReady::LookingUp),
            (None, Some(why)) => Err(NotReady::Unreachable(why.clone())),
        }
    }

    /// One lookup at a time: a stuck one is not asked again behind itself.
    fn ask_if_due(&mut self, now: Instant) {
        if self.asked.is_some() {
            return;
        }
        if let Some(lookup) = self.schedule.due(now, self.socket.is_some()) {
            self.schedule.looked_up(now);
            self.lookups.ask();
            self.asked = Some(lookup);
        }
    }

    fn reopen(&mut self, lookup: Lookup, answer: Answer) {
        let found = match answer {
            Ok(found) if found.is_empty() => Err(format!("{} has no address", self.host)),
            Ok(found) => Ok(found),
            Err(e) => Err(format!("cannot find {}: {e}", self.host)),
        };
        let found = match found {
            Ok(found) => found,
            // A name that does not answer for once leaves a working socket alone.
            Err(_) if lookup == Lookup::Refresh && self.socket.is_some() => return,
            Err(why) => {
                self.socket = None;
                self.why = Some(why);
                return;
            }
        };
        if lookup == Lookup::Refresh
            && self
                .socket
                .as_ref()
                .is_some_and(|(_, to)| found.contains(to))
        {
            return;
        }
        self.spare = in_order(found);
        self.connect_next();
    }

    /// Connects to the first spare address that takes a socket.
    fn connect_next(&mut self) {
        self.socket = None;
        while let Some(addr) = self.spare.pop_front() {
            match (self.connect)(addr) {
                Ok(socket) => {
                    self.socket = Some((socket, addr));
                    return;
                }
                Err(e) => self.why = Some(format!("{addr}: {e}")),
            }
        }
    }

    /// Sends every packet; the last error, if any, after trying them all.
    pub fn send(&mut self, packets: &[Vec<u8>], now: Instant) -> io::Result<()> {
        let Some((socket, _)) = &self.socket else {
            let why = self.why.as_deref().unwrap_or("not looked up yet");
            return Err(io::Error::new(io::ErrorKind::NotConnected, why));
        };
        let mut failure = None;
        for packet in packets {
            if let Err(e) = socket.send(packet) {
                failure = Some(e);
            }
        }
        match failure {
            None => Ok(()),
            Some(e) => {
                self.schedule.failed(now, route_gone(&e));
                if try_next(&e) && !self.spare.is_empty() {
                    self.connect_next();
                }
                Err(e)
            }
        }
    }

    /// The address the socket sends to now.
    pub fn address(&self) -> Option<SocketAddr> {
        self.socket.as_ref().map(|(_, to)| *to)
    }

    /// The socket open now, for the packets that end a stream.
    pub fn socket(&self) -> Option<&dyn Wire> {
        self.socket.as_ref().map(|(socket, _)| socket.as_ref())
    }
}

fn connect(addr: SocketAddr) -> io::Result<UdpSocket> {
    let local: SocketAddr = if addr.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        ([0u16; 8], 0).into()
    };
    let socket = UdpSocket::bind(local)?;
    // Connected: the system then reports the receiver's "port unreachable" answers on later sends.
    socket.connect(addr)?;
    socket.set_write_timeout(Some(SEND_TIMEOUT))?;
    Ok(socket)
}

#[cfg(test)]
#[path = "link_tests.rs"]
mod tests;
