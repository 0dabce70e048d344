//! Whether a panel the finder found is saved by its mDNS host name or by
//! its address. A name keeps the output following the panel when its
//! address changes (a new DHCP lease, another network): `link.rs` looks a
//! name up again every minute and when sends fail. But the output looks it
//! up with the system's resolver, and that resolves `.local` names on macOS
//! and Windows 10 and later, on Linux only with nss-mdns or a resolver that
//! speaks mDNS. So the name is saved only when the system's resolver, asked
//! here, leads to the address mDNS gave; else the address, as before.
//!
//! The choice is pure with the resolver passed in (`name_leads_to`); the
//! lookups run on threads of their own, a few at once (`NameChecks`): one
//! may hang for seconds (a `.local` name nobody answers), and it holds only
//! its own thread, not the checks of the other panels; the window never
//! waits. A panel not checked yet is saved by its address. An answer holds
//! while the finder is open: a name the system missed once (an mDNS answer
//! lost) is saved by address until the finder is opened again.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::mpsc;
use std::thread;

use super::link::in_order;
use super::lookup::Resolve;
use super::spec::OutputSpec;

/// Whether the system's resolver (`resolve`) finds `host` at `address`: an
/// output named `host` would first send where mDNS said the panel is.
pub(crate) fn name_leads_to(host: &str, address: IpAddr, resolve: &Resolve) -> bool {
    let Some(spec) = by_name(host) else {
        return false;
    };
    match resolve(&spec.socket_target()) {
        // IPv4 first, as the output tries them.
        Ok(found) => in_order(found).front().map(|a| a.ip()) == Some(address),
        Err(_) => false,
    }
}

/// The DDP output naming `host`, if `host` makes one (an mDNS host name may
/// hold what an output's host may not).
pub(crate) fn by_name(host: &str) -> Option<OutputSpec> {
    let spec = OutputSpec::parse(&format!("ddp://{host}")).ok()?;
    (spec.host.eq_ignore_ascii_case(host) && spec.host.parse::<IpAddr>().is_err()).then_some(spec)
}

type Key = (String, IpAddr);

/// Checks running at once: a hung one holds its thread until the resolver
/// lets go, so the others go on while a few hang.
const AT_ONCE: usize = 4;

/// The finder's checks, each host and address once, on threads of their
/// own that end after their lookup (after this is dropped too).
pub(crate) struct NameChecks {
    resolve: Resolve,
    answer: mpsc::Sender<(Key, bool)>,
    answers: mpsc::Receiver<(Key, bool)>,
    /// Asked, waiting for one of the `AT_ONCE` places.
    queued: VecDeque<Key>,
    running: usize,
    /// `None`: asked, not answered yet.
    known: HashMap<Key, Option<bool>>,
}

impl NameChecks {
    pub fn start(resolve: Resolve) -> Self {
        let (answer, answers) = mpsc::channel();
        Self {
            resolve,
            answer,
            answers,
            queued: VecDeque::new(),
            running: 0,
            known: HashMap::new(),
        }
    }

    /// Whether the panel at `address` may be saved as `host`: asked the
    /// first time, and no until the answer came. Never waits.
    pub fn by_name(&mut self, host: &str, address: IpAddr) -> bool {
        while let Ok(answer) = self.answers.try_recv() {
            self.answered(answer);
        }
        let key = (host.to_owned(), address);
        if let Some(known) = self.known.get(&key) {
            return known.unwrap_or(false);
        }
        self.known.insert(key.clone(), None);
        self.queued.push_back(key);
        self.start_queued();
        false
    }

    fn answered(&mut self, (key, leads): (Key, bool)) {
        self.running = self.running.saturating_sub(1);
        self.known.insert(key, Some(leads));
        self.start_queued();
    }

    fn start_queued(&mut self) {
        while self.running < AT_ONCE
            && let Some(key) = self.queued.pop_front()
        {
            let (resolve, answer) = (self.resolve.clone(), self.answer.clone());
            let started = thread::Builder::new()
                .name(format!("panel name check {}", key.0))
                .spawn(move || {
                    let leads = name_leads_to(&key.0, key.1, &resolve);
                    // The finder closed: nobody waits for it.
                    let _ = answer.send((key, leads));
                });
            // A check that cannot start answers nothing: that panel is saved by its address.
            if started.is_ok() {
                self.running += 1;
            }
        }
    }

    /// Waits for the next check to answer, and gives its host.
    #[cfg(test)]
    fn next_answer(&mut self) -> String {
        let answer = self
            .answers
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("a check answered within 10 s");
        let host = answer.0.0.clone();
        self.answered(answer);
        host
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::net::SocketAddr;
    use std::sync::{Arc, Mutex};

    use super::*;

    fn answering(found: &[&str]) -> Resolve {
        let found: Vec<SocketAddr> = found.iter().map(|a| a.parse().unwrap()).collect();
        Arc::new(move |_: &str| Ok(found.clone()))
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn a_name_the_system_finds_at_the_panels_address_is_kept() {
        let resolve = answering(&["[fd00::5]:4048", "192.168.1.50:4048"]);
        assert!(name_leads_to(
            "wled-desk.local",
            ip("192.168.1.50"),
            &resolve
        ));
    }

    #[test]
    fn a_name_that_leads_elsewhere_or_nowhere_gives_way_to_the_address() {
        let desk = ip("192.168.1.50");
        let elsewhere = answering(&["192.168.1.77:4048", "192.168.1.50:4048"]);
        assert!(!name_leads_to("wled-desk.local", desk, &elsewhere), "first");
        let none = answering(&[]);
        assert!(!name_leads_to("wled-desk.local", desk, &none));
        let not_found: Resolve = Arc::new(|_: &str| Err(io::Error::other("no such host")));
        assert!(!name_leads_to("wled-desk.local", desk, &not_found));
    }

    #[test]
    fn the_resolver_is_asked_for_the_name_on_ddps_port() {
        let asked = Arc::new(Mutex::new(Vec::new()));
        let log = asked.clone();
        let resolve: Resolve = Arc::new(move |target: &str| {
            log.lock().unwrap().push(target.to_owned());
            Ok(vec!["10.0.0.2:4048".parse().unwrap()])
        });
        assert!(name_leads_to("wled-desk.local", ip("10.0.0.2"), &resolve));
        // A host no output can name is never looked up.
        assert!(!name_leads_to(
            "desk matrix.local",
            ip("10.0.0.2"),
            &resolve
        ));
        assert!(!name_leads_to("10.0.0.2", ip("10.0.0.2"), &resolve));
        assert_eq!(*asked.lock().unwrap(), ["wled-desk.local:4048"]);
    }

    #[test]
    fn a_name_that_hangs_holds_up_no_other_panels_check() {
        let (release, gate) = mpsc::channel::<()>();
        let gate = Mutex::new(gate);
        let resolve: Resolve = Arc::new(move |target: &str| {
            if target.starts_with("hung.local") {
                let _ = gate.lock().unwrap().recv();
            }
            Ok(vec!["127.0.0.9:4048".parse().unwrap()])
        });
        let mut checks = NameChecks::start(resolve);
        let desk = ip("127.0.0.9");
        assert!(!checks.by_name("hung.local", desk));
        assert!(!checks.by_name("desk.local", desk));
        assert_eq!(checks.next_answer(), "desk.local", "while hung.local hangs");
        assert!(checks.by_name("desk.local", desk));
        assert!(!checks.by_name("hung.local", desk), "still unanswered");
        drop(release);
    }

    #[test]
    fn a_panel_is_saved_by_its_address_until_its_name_is_checked() {
        let (release, gate) = mpsc::channel::<()>();
        let gate = Mutex::new(gate);
        // Each lookup held until the test lets it go; the name moves from
        // .9 to .10 between the two, and each lookup is written down.
        let asked = Arc::new(Mutex::new(Vec::new()));
        let log = asked.clone();
        let resolve: Resolve = Arc::new(move |target: &str| {
            let _ = gate.lock().unwrap().recv();
            let mut asked = log.lock().unwrap();
            asked.push(target.to_owned());
            let last = 8 + asked.len();
            Ok(vec![format!("127.0.0.{last}:4048").parse().unwrap()])
        });
        let mut checks = NameChecks::start(resolve);
        let (first, second) = (ip("127.0.0.9"), ip("127.0.0.10"));
        assert!(!checks.by_name("desk.local", first), "the lookup hangs");
        assert!(
            !checks.by_name("desk.local", first),
            "and the window goes on"
        );
        release.send(()).unwrap();
        assert_eq!(checks.next_answer(), "desk.local");
        assert!(checks.by_name("desk.local", first));
        // Another address for the same name is looked up anew, not given
        // the first one's answer.
        assert!(!checks.by_name("desk.local", second), "not answered yet");
        release.send(()).unwrap();
        assert_eq!(checks.next_answer(), "desk.local");
        assert!(checks.by_name("desk.local", second));
        assert_eq!(*asked.lock().unwrap(), ["desk.local:4048"; 2]);
    }
}
