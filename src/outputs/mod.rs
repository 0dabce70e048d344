//! LED panels driven over the network: the window's frames, fitted as the LED
//! preview fits them, sent over DDP (WLED) or E1.31 (sACN).
//!
//! Pure: the addresses (`spec`), the packet formats (`ddp`, `e131`), the
//! wiring and colour (`pixels`), the figures shown (`status`), reading mDNS
//! answers (`discovery::Panel`). I/O, never on the window thread: one sending
//! thread per output (`sender`), the mDNS browse while the picker is open
//! (`discovery::Discovery`). The window offers each frame (`Outputs::offer`);
//! the newest wins.

pub mod ddp;
pub(crate) mod discovery;
pub mod e131;
mod link;
mod lookup;
mod name_check;
mod panels;
pub mod pixels;
pub(crate) mod sender;
pub mod spec;
pub mod status;

use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use link::Timing;
use lookup::{Resolve, system_resolve};
use panels::Panels;

pub use pixels::LedColours;
pub use sender::Sender;
pub use spec::OutputSpec;
pub use status::{State, Status};

/// An output as Settings › LED panels keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedOutput {
    pub url: String,
    pub enabled: bool,
}

/// One output the user asked for: sending, or why it cannot.
struct Running {
    url: String,
    sender: Result<Sender, String>,
    /// Refused as a second address of a panel: started once the first goes.
    second: bool,
}

/// Every output playing now, kept in step with the list asked for.
pub struct Outputs {
    running: Vec<Running>,
    /// E1.31's CID for this installation, once the settings give it.
    source_id: Option<[u8; 16]>,
    /// How hosts are looked up: the system's resolver, or a test's.
    resolve: Resolve,
    timing: Timing,
    /// Where each output's packets go, for their threads to tell when two
    /// reach one panel.
    panels: Panels,
}

impl Default for Outputs {
    fn default() -> Self {
        Self::with_lookups(system_resolve(), Timing::default())
    }
}

impl Outputs {
    /// Outputs whose hosts `resolve` looks up, again as `timing` says
    /// (tests name hosts of their own).
    pub(crate) fn with_lookups(resolve: Resolve, timing: Timing) -> Self {
        Self {
            running: Vec::new(),
            source_id: None,
            resolve,
            timing,
            panels: Panels::default(),
        }
    }

    /// Starts the outputs newly in `urls` and stops those no longer there;
    /// an output whose address did not change keeps its thread and figures.
    /// Of two addresses of one panel, the later is refused; of two hosts
    /// that lead to one, the later holds (`panels.rs`).
    pub fn sync<'a>(&mut self, urls: impl IntoIterator<Item = &'a str>) {
        let mut kept = Vec::new();
        for url in urls {
            if kept.iter().any(|r: &Running| r.url == url) {
                continue;
            }
            let earlier = same_panel_as(url, kept.iter().map(|r| r.url.as_str()));
            let was = self
                .running
                .iter()
                .position(|r| r.url == url && (r.second == earlier.is_some()));
            let running = match (earlier, was) {
                (_, Some(i)) => self.running.swap_remove(i),
                (Some(earlier), None) => Running {
                    url: url.to_owned(),
                    sender: Err(format!(
                        "Not sent: {earlier} drives the same panel, and two streams make it flicker. Remove one."
                    )),
                    second: true,
                },
                (None, None) => Running {
                    url: url.to_owned(),
                    sender: self.start(url),
                    second: false,
                },
            };
            kept.push(running);
        }
        let order: Vec<u64> = kept
            .iter()
            .filter_map(|r| r.sender.as_ref().ok())
            .map(Sender::seat_id)
            .collect();
        self.panels.keep(&order);
        stop(std::mem::replace(&mut self.running, kept));
    }

    fn start(&self, url: &str) -> Result<Sender, String> {
        let spec = OutputSpec::parse(url)?;
        let cid = self.source_id.unwrap_or_else(run_source_id);
        let seat = self.panels.seat(url, &spec);
        Sender::start_seated(spec, cid, self.resolve.clone(), self.timing, seat).map_err(|e| {
            format!("The output could not start ({e}): close other programs and try again.")
        })
    }

    /// The CID (component identifier) E1.31 packets carry: E1.31 §5.6 has a
    /// source keep one for its lifetime, so receivers that track or prefer
    /// sources by it see one player, not a new source at each start. The
    /// settings keep one per installation; outputs started from now on carry it.
    pub fn set_source_id(&mut self, id: uuid::Uuid) {
        self.source_id = Some(*id.as_bytes());
    }

    pub fn is_empty(&self) -> bool {
        self.running.is_empty()
    }

    /// The panel sizes the running outputs need frames of.
    pub fn sizes(&self) -> Vec<[u32; 2]> {
        let mut sizes: Vec<[u32; 2]> = Vec::new();
        for sender in self.senders() {
            if !sizes.contains(&sender.spec().size) {
                sizes.push(sender.spec().size);
            }
        }
        sizes
    }

    /// Hands each output the frame of its size. Never waits on the network.
    pub fn offer(&self, frames: &[Arc<LedColours>]) {
        for sender in self.senders() {
            if let Some(frame) = frames.iter().find(|f| f.size == sender.spec().size) {
                sender.offer(frame.clone());
            }
        }
    }

    /// What the output at `url` is doing, or why it could not start.
    pub fn status(&self, url: &str) -> Option<Result<Status, String>> {
        let running = self.running.iter().find(|r| r.url == url)?;
        Some(
            running
                .sender
                .as_ref()
                .map(Sender::status)
                .map_err(Clone::clone),
        )
    }

    pub(crate) fn test_pattern(&self, url: &str) {
        if let Some(Ok(sender)) = self
            .running
            .iter()
            .find(|r| r.url == url)
            .map(|r| &r.sender)
        {
            sender.test_pattern();
        }
    }

    fn senders(&self) -> impl Iterator<Item = &Sender> {
        self.running.iter().filter_map(|r| r.sender.as_ref().ok())
    }
}

impl Drop for Outputs {
    fn drop(&mut self) {
        stop(std::mem::take(&mut self.running));
    }
}

/// Their threads stopped together (`sender::stop_together`).
fn stop(running: Vec<Running>) {
    sender::stop_together(running.into_iter().filter_map(|r| r.sender.ok()));
}

/// The first of `listed` that drives the same panel as `url`.
pub fn same_panel_as<'a>(url: &str, listed: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let spec = OutputSpec::parse(url).ok()?;
    listed
        .into_iter()
        .find(|other| OutputSpec::parse(other).is_ok_and(|other| other.same_panel(&spec)))
}

/// Without the settings' CID (a test, a tool): one for the whole run.
fn run_source_id() -> [u8; 16] {
    static ID: OnceLock<[u8; 16]> = OnceLock::new();
    *ID.get_or_init(|| *uuid::Uuid::new_v4().as_bytes())
}

/// A panel for a test: a UDP socket on 127.0.0.1 whose reads give up after
/// 10 s, and its address.
#[cfg(test)]
fn loopback_panel() -> (std::net::UdpSocket, std::net::SocketAddr) {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("a loopback socket");
    let ten_seconds = Some(std::time::Duration::from_secs(10));
    socket
        .set_read_timeout(ten_seconds)
        .expect("a read timeout");
    let at = socket.local_addr().expect("its address");
    (socket, at)
}

#[cfg(test)]
mod tests {
    use std::net::{SocketAddr, UdpSocket};
    use std::sync::{Mutex, mpsc};
    use std::time::Duration;

    use super::*;

    #[test]
    fn of_two_addresses_of_one_panel_the_later_is_refused() {
        let receiver = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = receiver.local_addr().unwrap().port();
        let first = format!("ddp://127.0.0.1:{port}?size=8x8");
        let second = format!("ddp://127.0.0.1:{port}?size=8x8&brightness=40");
        let mut outputs = Outputs::default();
        outputs.sync([first.as_str(), second.as_str()]);
        assert!(matches!(outputs.status(&first), Some(Ok(_))));
        let refused = outputs.status(&second).unwrap().unwrap_err();
        assert!(
            refused.contains(&first) && refused.contains("same panel"),
            "{refused}"
        );
        // The first gone, the second plays.
        outputs.sync([second.as_str()]);
        assert!(matches!(outputs.status(&second), Some(Ok(_))));
    }

    /// A resolver that finds an address as itself, and `panel.test` at the
    /// address (its port too) the test sets; each lookup of the name first waits for a word on the
    /// gate (dropped, it lets every one through).
    fn name_at(to: SocketAddr) -> (Arc<Mutex<SocketAddr>>, mpsc::Sender<()>, Resolve) {
        let at = Arc::new(Mutex::new(to));
        let (gate, waits) = mpsc::channel::<()>();
        let waits = Mutex::new(waits);
        let found = at.clone();
        let resolve: Resolve = Arc::new(move |target: &str| {
            if !target.starts_with("panel.test:") {
                return Ok(vec![target.parse().map_err(std::io::Error::other)?]);
            }
            let _ = waits.lock().unwrap().recv();
            Ok(vec![*found.lock().unwrap()])
        });
        (at, gate, resolve)
    }

    fn sender<'a>(outputs: &'a Outputs, url: &str) -> &'a Sender {
        let running = outputs.running.iter().find(|r| r.url == url).unwrap();
        running.sender.as_ref().unwrap()
    }

    fn frame() -> [Arc<LedColours>; 1] {
        [Arc::new(LedColours {
            size: [8, 8],
            colours: vec![[200, 100, 50]; 64],
        })]
    }

    fn quick() -> Timing {
        Timing {
            retry: Duration::from_millis(50),
            refresh: Duration::from_millis(100),
            ..Timing::default()
        }
    }

    /// The LEDs a DDP packet carries (not its sequence number).
    fn leds(receiver: &UdpSocket, what: &str) -> Vec<u8> {
        let mut packet = [0; 2048];
        let n = receiver.recv(&mut packet).expect(what);
        let (_, leds, _) = ddp::read(&packet[..n]).expect("a DDP packet");
        leds.to_vec()
    }

    /// One panel on 127.0.0.1 listed twice, `scheme`://…?`options`: by its
    /// address, then by `panel.test`, a name that leads there, dimmer
    /// (brightness 40: its packets tell themselves apart). The name's lookup
    /// waits for `name_answers`. A still frame is never sent again, and a
    /// stop waits for a thread however long it takes: only the first output
    /// leaving can let the second's frame out.
    struct ListedTwice {
        receiver: UdpSocket,
        by_address: String,
        by_name: String,
        gate: mpsc::Sender<()>,
        outputs: Outputs,
    }

    /// `ListedTwice`, both playing one frame; the address's stream first.
    fn listed_twice(scheme: &str, options: &str) -> ListedTwice {
        let (receiver, panel) = loopback_panel();
        let by_address = format!("{scheme}://{panel}?{options}");
        let by_name = format!(
            "{scheme}://panel.test:{}?{options}&brightness=40",
            panel.port()
        );
        let (_, gate, resolve) = name_at(panel);
        let never_again = Timing {
            resend: Duration::from_secs(3600),
            stop: Duration::from_secs(3600),
            ..Timing::default()
        };
        let mut outputs = Outputs::with_lookups(resolve, never_again);
        outputs.sync([by_address.as_str(), by_name.as_str()]);
        outputs.offer(&frame());
        ListedTwice {
            receiver,
            by_address,
            by_name,
            gate,
            outputs,
        }
    }

    impl ListedTwice {
        /// The name's lookup answers: it holds, giving way to the address.
        fn name_answers(&self) -> Status {
            self.gate.send(()).unwrap();
            sender(&self.outputs, &self.by_name).until_status(|s| matches!(s.state, State::Held(_)))
        }

        /// The address removed from the list: the name plays alone.
        fn address_removed(&mut self) {
            self.outputs.sync([self.by_name.as_str()]);
        }
    }

    // One window pass and one frame, as for a still artwork with Settings
    // closed: the window does not pass again, so the sending threads decide.
    #[test]
    fn a_panel_listed_by_name_and_by_address_gets_one_stream() {
        let mut panel = listed_twice("ddp", "size=8x8&gamma=1");
        let first = leds(&panel.receiver, "the address's stream");
        let held = panel.name_answers();
        let State::Held(why) = &held.state else {
            unreachable!()
        };
        assert!(why.contains(&panel.by_address), "{why}");
        assert_eq!(held.sent, 0, "nothing from the name reached the panel");
        assert_eq!(held.dropped, 0, "held on purpose, not lost");
        // The first removed, the second's held frame reaches the panel.
        panel.address_removed();
        let second = leds(
            &panel.receiver,
            "the held output's frame once the first left",
        );
        assert_ne!(second, first, "the name's dimmer frame");
        let took_over = sender(&panel.outputs, &panel.by_name).until_status(|s| s.sent > 0);
        assert_eq!(took_over.state, State::Sending, "no longer \"Remove one\"");
    }

    /// "TERM:" or "data:" and the first LED's red of the next E1.31 packet.
    fn e131_seen(receiver: &UdpSocket, what: &str) -> String {
        let mut packet = [0u8; 2048];
        let n = receiver.recv(&mut packet).expect(what);
        let (_, _, leds) = e131::read(&packet[..n]).expect("an E1.31 packet");
        let kind = match e131::is_terminated(&packet[..n]) {
            true => "TERM",
            false => "data",
        };
        format!("{kind}:{}", leds[0])
    }

    // WLED shows a terminating packet's data: the removed output's endings
    // must reach the panel before the held one's frame, or the panel is left
    // showing the removed output's picture until the next resend.
    #[test]
    fn a_removed_e131_output_ends_before_the_held_one_takes_over() {
        // The name's frame is dimmer: 200 × 40 % = 80.
        let mut panel = listed_twice("e131", "universe=1&size=8x8&gamma=1");
        let first = e131_seen(&panel.receiver, "the address's stream");
        assert_eq!(first, "data:200");
        panel.name_answers();
        panel.address_removed();
        let seen: Vec<String> = (0..4)
            .map(|_| e131_seen(&panel.receiver, "the endings, then the held frame"))
            .collect();
        assert_eq!(seen, ["TERM:200", "TERM:200", "TERM:200", "data:80"]);
    }

    #[test]
    fn a_name_that_moves_onto_a_listed_panels_address_holds() {
        let panel = UdpSocket::bind("127.0.0.1:0").unwrap();
        let elsewhere = UdpSocket::bind("127.0.0.1:0").unwrap();
        let at = panel.local_addr().unwrap();
        let by_address = format!("ddp://{at}?size=8x8");
        let by_name = format!("ddp://panel.test:{}?size=8x8", at.port());
        let (name, gate, resolve) = name_at(elsewhere.local_addr().unwrap());
        drop(gate);
        let mut outputs = Outputs::with_lookups(resolve, quick());
        outputs.sync([by_address.as_str(), by_name.as_str()]);
        outputs.offer(&frame());
        let later = sender(&outputs, &by_name);
        later.until_status(|s| s.sent > 0 && s.state == State::Sending);
        // The name now leads to the first output's panel: looked up again
        // as the still frame goes out again, it holds.
        *name.lock().unwrap() = at;
        later.until_status(|s| matches!(&s.state, State::Held(why) if why.contains(&by_address)));
    }

    /// The CID of the first E1.31 packet `url` sends to `receiver` once started.
    fn cid_sent(outputs: &mut Outputs, url: &str, receiver: &UdpSocket) -> [u8; 16] {
        outputs.sync([url]);
        outputs.offer(&[Arc::new(LedColours {
            size: [8, 8],
            colours: vec![[1, 2, 3]; 64],
        })]);
        let mut packet = [0u8; 1024];
        let n = receiver.recv(&mut packet).expect("a packet");
        assert!(e131::read(&packet[..n]).is_some(), "an E1.31 packet");
        packet[22..38].try_into().unwrap()
    }

    #[test]
    fn e131_packets_carry_the_installations_source_id_across_starts() {
        let (receiver, at) = loopback_panel();
        let url = format!("e131://{at}?universe=1&size=8x8");
        let id = uuid::Uuid::from_bytes([0x5a; 16]);
        let mut outputs = Outputs::default();
        outputs.set_source_id(id);
        assert_eq!(cid_sent(&mut outputs, &url, &receiver), *id.as_bytes());
        // Unticked, ticked again: the same source. The first stream's last
        // packets (its endings, sent before its thread ended) go unread.
        outputs.sync([]);
        receiver.set_nonblocking(true).unwrap();
        let mut packet = [0u8; 1024];
        while receiver.recv(&mut packet).is_ok() {}
        receiver.set_nonblocking(false).unwrap();
        assert_eq!(cid_sent(&mut outputs, &url, &receiver), *id.as_bytes());
    }
}
