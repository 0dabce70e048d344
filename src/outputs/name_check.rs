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
//! waits. A panel not checked yet is saved by its address. A yes holds while
//! the finder is open; a no is asked again after a wait that doubles each
//! time (`retry_after`): the system's mDNS responder (avahi) often misses a
//! name at first, or an answer is lost, and a panel saved by its address
//! then is lost at its next DHCP lease.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

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

/// A name the system did not find is asked again this long after the first
/// no, twice as long after each later one, up to `RETRY_AT_MOST`: a `.local`
/// name a responder is slow to answer is found while the user still looks,
/// and one that never resolves (Linux without nss-mdns) costs a lookup every
/// half minute, not a stream of them.
const RETRY_FIRST: Duration = Duration::from_secs(2);
const RETRY_AT_MOST: Duration = Duration::from_secs(30);

/// How long after its `noes`-th no (from 1) a name is asked again.
pub(crate) fn retry_after(noes: u32) -> Duration {
    crate::doubling::wait_after(noes, RETRY_FIRST, RETRY_AT_MOST)
}

/// What is known of one host and address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Known {
    /// Asked, not answered yet; `noes` answers before were no.
    Asked {
        noes: u32,
    },
    Yes,
    /// The `noes`-th no came at `at`.
    No {
        at: Instant,
        noes: u32,
    },
}

/// The finder's checks of each host and address, on threads of their own
/// that end after their lookup (after this is dropped too).
pub(crate) struct NameChecks {
    resolve: Resolve,
    answer: mpsc::Sender<(Key, bool)>,
    answers: mpsc::Receiver<(Key, bool)>,
    /// Asked, waiting for one of the `AT_ONCE` places.
    queued: VecDeque<Key>,
    running: usize,
    known: HashMap<Key, Known>,
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

    /// Whether the panel at `address` may be saved as `host` at `now`:
    /// asked the first time and again when a no is old enough, and no until
    /// a yes came. Never waits.
    pub fn by_name(&mut self, host: &str, address: IpAddr, now: Instant) -> bool {
        while let Ok(answer) = self.answers.try_recv() {
            self.answered(answer, now);
        }
        let key = (host.to_owned(), address);
        let noes = match self.known.get(&key) {
            None => 0,
            Some(Known::Yes) => return true,
            Some(Known::Asked { .. }) => return false,
            Some(Known::No { at, noes }) => {
                if now.saturating_duration_since(*at) < retry_after(*noes) {
                    return false;
                }
                *noes
            }
        };
        self.known.insert(key.clone(), Known::Asked { noes });
        self.queued.push_back(key);
        self.start_queued();
        false
    }

    fn answered(&mut self, (key, leads): (Key, bool), now: Instant) {
        self.running = self.running.saturating_sub(1);
        let noes = match self.known.get(&key) {
            Some(Known::Asked { noes }) => *noes,
            _ => 0,
        };
        let known = if leads {
            Known::Yes
        } else {
            Known::No {
                at: now,
                noes: noes + 1,
            }
        };
        self.known.insert(key, known);
        self.start_queued();
    }

    fn start_queued(&mut self) {
        while self.running < AT_ONCE
            && let Some(key) = self.queued.pop_front()
        {
            let (resolve, answer) = (self.resolve.clone(), self.answer.clone());
            let asked = key.clone();
            let started = thread::Builder::new()
                .name(format!("panel name check {}", key.0))
                .spawn(move || {
                    let leads = name_leads_to(&asked.0, asked.1, &resolve);
                    // The finder closed: nobody waits for it.
                    let _ = answer.send((asked, leads));
                });
            self.running += 1;
            // A check that cannot start answers no: that panel is saved by
            // its address, and asked again later.
            if started.is_err() {
                let _ = self.answer.send((key, false));
            }
        }
    }

    /// Waits for the next check to answer, takes it at `now`, and gives its host.
    #[cfg(test)]
    fn next_answer(&mut self, now: Instant) -> String {
        let answer = self
            .answers
            .recv_timeout(Duration::from_secs(10))
            .expect("a check answered within 10 s");
        let host = answer.0.0.clone();
        self.answered(answer, now);
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
        let now = Instant::now();
        let desk = ip("127.0.0.9");
        assert!(!checks.by_name("hung.local", desk, now));
        assert!(!checks.by_name("desk.local", desk, now));
        assert_eq!(
            checks.next_answer(now),
            "desk.local",
            "while hung.local hangs"
        );
        assert!(checks.by_name("desk.local", desk, now));
        assert!(!checks.by_name("hung.local", desk, now), "still unanswered");
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
        let now = Instant::now();
        let (first, second) = (ip("127.0.0.9"), ip("127.0.0.10"));
        assert!(
            !checks.by_name("desk.local", first, now),
            "the lookup hangs"
        );
        assert!(
            !checks.by_name("desk.local", first, now),
            "and the window goes on"
        );
        release.send(()).unwrap();
        assert_eq!(checks.next_answer(now), "desk.local");
        assert!(checks.by_name("desk.local", first, now));
        // Another address for the same name is looked up anew, not given
        // the first one's answer.
        assert!(
            !checks.by_name("desk.local", second, now),
            "not answered yet"
        );
        release.send(()).unwrap();
        assert_eq!(checks.next_answer(now), "desk.local");
        assert!(checks.by_name("desk.local", second, now));
        assert_eq!(*asked.lock().unwrap(), ["desk.local:4048"; 2]);
    }

    #[test]
    fn a_name_the_system_missed_is_asked_again_after_a_wait() {
        // The system's responder misses the name twice, then finds it.
        let (began, lookups) = mpsc::channel::<()>();
        let misses = Arc::new(Mutex::new(2));
        let resolve: Resolve = Arc::new(move |_: &str| {
            let _ = began.send(());
            let mut misses = misses.lock().unwrap();
            if *misses > 0 {
                *misses -= 1;
                return Err(io::Error::other("no such host"));
            }
            Ok(vec!["127.0.0.9:4048".parse().unwrap()])
        });
        let mut checks = NameChecks::start(resolve);
        // Lookups started or waiting to, counted as they are asked for (the
        // lookups' own threads may not have begun yet).
        let asking = |checks: &NameChecks| checks.running + checks.queued.len();
        let desk = ip("127.0.0.9");
        let start = Instant::now();
        assert!(!checks.by_name("desk.local", desk, start));
        assert_eq!(checks.next_answer(start), "desk.local");
        // Before the wait is over, the no holds and nothing is asked: the
        // window asks at each redraw of each panel, twice a second.
        let first_no = start + retry_after(1);
        let early = first_no - Duration::from_millis(1);
        assert!(!checks.by_name("desk.local", desk, early));
        assert_eq!(asking(&checks), 0, "not asked before the wait is over");
        assert!(!checks.by_name("desk.local", desk, first_no));
        assert_eq!(asking(&checks), 1, "asked again once the wait is over");
        assert_eq!(checks.next_answer(first_no), "desk.local");
        // The second no waits longer: the first wait over, nothing is asked.
        let second_no = first_no + retry_after(2);
        assert!(retry_after(2) > retry_after(1));
        for early in [
            first_no + retry_after(1),
            second_no - Duration::from_millis(1),
        ] {
            assert!(!checks.by_name("desk.local", desk, early));
            assert_eq!(asking(&checks), 0, "the second wait is not over");
        }
        assert!(!checks.by_name("desk.local", desk, second_no));
        assert_eq!(asking(&checks), 1, "asked again once it is");
        assert_eq!(checks.next_answer(second_no), "desk.local");
        assert!(
            checks.by_name("desk.local", desk, second_no),
            "found at last"
        );
        let asked = lookups.try_iter().count();
        assert_eq!(asked, 3, "one lookup per wait, no more");
    }

    #[test]
    fn the_wait_before_asking_again_doubles_up_to_half_a_minute() {
        let waits: Vec<u64> = (1..=6).map(|n| retry_after(n).as_secs()).collect();
        assert_eq!(waits, [2, 4, 8, 16, 30, 30]);
        assert_eq!(retry_after(u32::MAX), RETRY_AT_MOST);
    }

    #[test]
    fn names_asked_again_wait_their_turn_among_the_four() {
        let (release, gate) = mpsc::channel::<()>();
        let gate = Mutex::new(gate);
        let answered_no = Arc::new(Mutex::new(false));
        let no = answered_no.clone();
        // The first round answers no at once; later lookups hang until let go.
        let resolve: Resolve = Arc::new(move |_: &str| {
            if *no.lock().unwrap() {
                let _ = gate.lock().unwrap().recv();
            }
            Err(io::Error::other("no such host"))
        });
        let mut checks = NameChecks::start(resolve);
        let now = Instant::now();
        let hosts: Vec<String> = (0..6).map(|n| format!("panel{n}.local")).collect();
        for host in &hosts {
            assert!(!checks.by_name(host, ip("127.0.0.9"), now));
            checks.next_answer(now);
        }
        *answered_no.lock().unwrap() = true;
        let later = now + retry_after(1);
        for host in &hosts {
            assert!(!checks.by_name(host, ip("127.0.0.9"), later));
        }
        assert_eq!(checks.running, AT_ONCE, "never more than four at once");
        assert_eq!(checks.queued.len(), hosts.len() - AT_ONCE);
        drop(release);
    }
}
