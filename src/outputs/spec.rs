//! An output's address: `ddp://HOST[:PORT]` or `e131://HOST[:PORT]?universe=N`,
//! with `size=WxH`, `serpentine`, `brightness=0..100` and `gamma=G` in the
//! query. Parsed with the `url` crate, like every other address (`crate::address`):
//! no user name or password, no path, one host.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::ops::RangeInclusive;

use url::{Host, Url};

use crate::preview::mode::MAX_PANEL_SIDE;

/// WLED listens for DDP on this UDP port.
pub(crate) const DDP_PORT: u16 = 4048;
/// The port sACN (E1.31) uses.
pub(crate) const E131_PORT: u16 = 5568;
/// Panels are 64×64 unless the address says otherwise.
pub(crate) const DEFAULT_SIZE: [u32; 2] = [64, 64];
/// The gamma sent unless the address says otherwise. WLED shows live data as
/// it comes (its "Disable realtime gamma correction" is ticked out of the
/// box: the source's job); 2.2 is what it gives its own colours today.
pub(crate) const DEFAULT_GAMMA: f32 = 2.2;
/// The fewest universes a WLED takes (an ESP8266's).
const WLED_UNIVERSES: u32 = 9;
/// The highest universe E1.31 allows (63999).
pub(crate) const MAX_UNIVERSE: u16 = 63_999;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    Ddp,
    /// sACN from `universe` on, one universe per 170 pixels.
    E131 {
        universe: u16,
    },
}

/// One LED panel to drive.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputSpec {
    pub protocol: Protocol,
    pub host: String,
    pub port: u16,
    /// LEDs across and down.
    pub size: [u32; 2],
    /// Every other row runs right to left (zig-zag wiring).
    pub serpentine: bool,
    /// 0–100: every channel scaled by this share.
    pub brightness: u8,
    /// Applied before brightness; `DEFAULT_GAMMA` unless the address says,
    /// `None` for `gamma=1` (values sent as they are).
    pub gamma: Option<f32>,
}

impl OutputSpec {
    /// Reads an output address; the error says what to write instead.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let url = Url::parse(text).map_err(|e| {
            format!("`{text}` is not an output address ({e}): write ddp://HOST or e131://HOST?universe=1")
        })?;
        let (protocol_port, e131) = match url.scheme() {
            "ddp" => (DDP_PORT, false),
            "e131" | "sacn" => (E131_PORT, true),
            other => {
                return Err(format!(
                    "`{other}://` is not an output: use ddp://HOST (WLED) or e131://HOST?universe=1 (sACN)"
                ));
            }
        };
        if !url.username().is_empty() || url.password().is_some() {
            return Err(format!(
                "`{text}` has a user name or password: an LED panel takes none, leave it out"
            ));
        }
        let host = parse_host(&url, text)?;
        if url.port() == Some(0) {
            return Err(format!(
                "`{text}` has port 0, which is no port: leave it out for the protocol's own, or write the panel's"
            ));
        }
        if !matches!(url.path(), "" | "/") || url.fragment().is_some() {
            return Err(format!(
                "`{text}` has a path: an output address is only the host, a port and options after `?`"
            ));
        }
        let mut spec = Self {
            protocol: Protocol::Ddp,
            host,
            port: url.port().unwrap_or(protocol_port),
            size: DEFAULT_SIZE,
            serpentine: false,
            brightness: 100,
            gamma: Some(DEFAULT_GAMMA),
        };
        let mut universe = None;
        for (key, value) in url.query_pairs() {
            match key.as_ref() {
                "size" => spec.size = parse_size(&value)?,
                "serpentine" => spec.serpentine = parse_flag(&value)?,
                "brightness" => spec.brightness = parse_brightness(&value)?,
                "gamma" => spec.gamma = parse_gamma(&value)?,
                "universe" if e131 => universe = Some(parse_universe(&value)?),
                other => {
                    return Err(format!(
                        "`{other}` is not an output option: use size, serpentine, brightness, gamma{}",
                        if e131 { " or universe" } else { "" }
                    ));
                }
            }
        }
        if e131 {
            let universe = universe.unwrap_or(1);
            let last = u32::from(universe) + universes(spec.size) - 1;
            if last > u32::from(MAX_UNIVERSE) {
                return Err(format!(
                    "a {}×{} panel from universe {universe} needs universes up to {last}, past sACN's {MAX_UNIVERSE}: start lower",
                    spec.size[0], spec.size[1]
                ));
            }
            spec.protocol = Protocol::E131 { universe };
            check_multicast(&spec)?;
        }
        Ok(spec)
    }

    /// A word for an E1.31 panel too large for a WLED: it takes at most 9
    /// universes on an ESP8266, 12 on an ESP32 and 20 over Ethernet, and
    /// leaves the LEDs past them dark.
    pub fn wled_note(&self) -> Option<String> {
        let Protocol::E131 { .. } = self.protocol else {
            return None;
        };
        let needs = universes(self.size);
        (needs > WLED_UNIVERSES).then(|| {
            format!(
                "This panel takes {needs} universes; a WLED takes 9 on an ESP8266, 12 on an ESP32 or 20 over Ethernet and leaves the rest dark. For a WLED, use DDP: ddp://{}",
                self.host
            )
        })
    }

    /// Whether `other` streams to the same receiver: the same host and port,
    /// and universes in common when both are E1.31. Two streams to one panel
    /// take turns on its LEDs: it flickers.
    pub fn same_panel(&self, other: &OutputSpec) -> bool {
        self.host.eq_ignore_ascii_case(&other.host)
            && self.port == other.port
            && self.shares_universes(other)
    }

    /// Whether the two, sent to one receiver, would drive the same LEDs:
    /// universes in common when both are E1.31, always otherwise.
    pub(crate) fn shares_universes(&self, other: &OutputSpec) -> bool {
        match (self.universe_range(), other.universe_range()) {
            (Some(a), Some(b)) => a.start() <= b.end() && b.start() <= a.end(),
            _ => true,
        }
    }

    fn universe_range(&self) -> Option<RangeInclusive<u32>> {
        let Protocol::E131 { universe } = self.protocol else {
            return None;
        };
        let first = u32::from(universe);
        Some(first..=first + universes(self.size) - 1)
    }

    pub fn led_count(&self) -> usize {
        self.size[0] as usize * self.size[1] as usize
    }

    /// `host:port` as the socket resolves it (IPv6 in brackets).
    pub(crate) fn socket_target(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// The address `parse` reads back, with only what differs from the defaults.
impl fmt::Display for OutputSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (scheme, default_port) = match self.protocol {
            Protocol::Ddp => ("ddp", DDP_PORT),
            Protocol::E131 { .. } => ("e131", E131_PORT),
        };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        write!(f, "{scheme}://{host}")?;
        if self.port != default_port {
            write!(f, ":{}", self.port)?;
        }
        let mut options = Vec::new();
        if let Protocol::E131 { universe } = self.protocol {
            options.push(format!("universe={universe}"));
        }
        if self.size != DEFAULT_SIZE {
            options.push(format!("size={}x{}", self.size[0], self.size[1]));
        }
        if self.serpentine {
            options.push("serpentine".into());
        }
        if self.brightness != 100 {
            options.push(format!("brightness={}", self.brightness));
        }
        match self.gamma {
            Some(gamma) if gamma == DEFAULT_GAMMA => {}
            Some(gamma) => options.push(format!("gamma={gamma}")),
            None => options.push("gamma=1".into()),
        }
        if !options.is_empty() {
            write!(f, "?{}", options.join("&"))?;
        }
        Ok(())
    }
}

/// Universes a panel of `size` takes at 170 pixels each.
pub fn universes(size: [u32; 2]) -> u32 {
    (size[0] * size[1]).div_ceil(super::e131::PIXELS_PER_UNIVERSE as u32)
}

/// The host as the system is to look it up. An address is one everywhere
/// (the system's resolver reads `192.168.1.050` as octal: .40, another
/// device), and a name with letters beyond ASCII goes as its punycode (the
/// URL keeps it percent-encoded, which no resolver reads).
fn parse_host(url: &Url, text: &str) -> Result<String, String> {
    let domain = match url.host() {
        Some(Host::Ipv6(ip)) => return Ok(ip.to_string()),
        Some(Host::Ipv4(ip)) => return checked_ipv4(ip, text).map(|ip| ip.to_string()),
        Some(Host::Domain(domain)) if !domain.is_empty() => domain,
        _ => {
            return Err(format!(
                "`{text}` names no host: write the panel's address, such as ddp://192.168.1.50"
            ));
        }
    };
    let domain = if domain.contains('%') {
        match Host::parse(domain) {
            Ok(Host::Domain(ascii)) => ascii,
            _ => {
                return Err(format!(
                    "`{text}` does not name a host: write the panel's address, such as 192.168.1.50, or its name"
                ));
            }
        }
    } else {
        domain.to_owned()
    };
    if !ends_in_number(&domain) {
        return Ok(domain);
    }
    let ip: Ipv4Addr = domain.parse().map_err(|_| {
        format!(
            "`{domain}` is not read the same way everywhere (a number with a leading zero counts as octal): write four numbers 0 to 255 without leading zeros, such as 192.168.1.50"
        )
    })?;
    checked_ipv4(ip, text).map(|ip| ip.to_string())
}

/// A last label that is a number: the host is an IPv4 address, in some form.
fn ends_in_number(host: &str) -> bool {
    let last = host.trim_end_matches('.').rsplit('.').next().unwrap_or("");
    let hex = last
        .strip_prefix("0x")
        .or_else(|| last.strip_prefix("0X"))
        .is_some_and(|h| h.chars().all(|c| c.is_ascii_hexdigit()));
    hex || (!last.is_empty() && last.chars().all(|c| c.is_ascii_digit()))
}

fn checked_ipv4(ip: Ipv4Addr, text: &str) -> Result<Ipv4Addr, String> {
    if ip.is_broadcast() || ip.is_unspecified() {
        return Err(format!(
            "`{text}` is not one panel's address ({ip} is every device on the network, or none): write the panel's own, such as 192.168.1.50"
        ));
    }
    Ok(ip)
}

/// E1.31 gives each universe a multicast group of its own (239.255.hi.lo):
/// a group address reaches the receivers of one universe only.
fn check_multicast(spec: &OutputSpec) -> Result<(), String> {
    let Protocol::E131 { universe } = spec.protocol else {
        return Ok(());
    };
    let Ok(ip) = spec.host.parse::<IpAddr>() else {
        return Ok(());
    };
    if !ip.is_multicast() {
        return Ok(());
    }
    let [hi, lo] = universe.to_be_bytes();
    let group = Ipv4Addr::new(239, 255, hi, lo);
    let count = universes(spec.size);
    if count > 1 {
        return Err(format!(
            "{ip} is a multicast group, and E1.31 sends each universe to its own (239.255.x.y): a {}×{} panel takes {count} universes, so write the panel's own address",
            spec.size[0], spec.size[1]
        ));
    }
    if ip != IpAddr::V4(group) {
        return Err(format!(
            "universe {universe}'s multicast group is {group}, not {ip}: write e131://{group}?universe={universe}, or the panel's own address"
        ));
    }
    Ok(())
}

fn parse_size(value: &str) -> Result<[u32; 2], String> {
    let bad = || {
        format!(
            "size `{value}` is not a panel size: write WIDTHxHEIGHT such as 64x64 (sides 1 to {MAX_PANEL_SIDE})"
        )
    };
    let (w, h) = value.trim().split_once(['x', 'X', '×']).ok_or_else(bad)?;
    let w: u32 = w.trim().parse().map_err(|_| bad())?;
    let h: u32 = h.trim().parse().map_err(|_| bad())?;
    if !(1..=MAX_PANEL_SIDE).contains(&w) || !(1..=MAX_PANEL_SIDE).contains(&h) {
        return Err(bad());
    }
    Ok([w, h])
}

fn parse_flag(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "" | "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(format!(
            "serpentine `{value}` is neither on nor off: write `serpentine` alone, or serpentine=0"
        )),
    }
}

fn parse_brightness(value: &str) -> Result<u8, String> {
    value
        .trim()
        .parse::<u8>()
        .ok()
        .filter(|b| *b <= 100)
        .ok_or_else(|| {
            format!("brightness `{value}` is not 0 to 100: write brightness=50 for half")
        })
}

fn parse_gamma(value: &str) -> Result<Option<f32>, String> {
    let bad = || {
        format!("gamma `{value}` is not between 1 and 4: write gamma=1 to send colours as they are")
    };
    let gamma: f32 = value.trim().parse().map_err(|_| bad())?;
    if !(1.0..=4.0).contains(&gamma) {
        return Err(bad());
    }
    // 1 changes nothing: the same as none.
    Ok((gamma != 1.0).then_some(gamma))
}

fn parse_universe(value: &str) -> Result<u16, String> {
    value
        .trim()
        .parse::<u16>()
        .ok()
        .filter(|u| (1..=MAX_UNIVERSE).contains(u))
        .ok_or_else(|| format!("universe `{value}` is not 1 to {MAX_UNIVERSE}: write universe=1"))
}

#[cfg(test)]
#[path = "spec_tests.rs"]
mod tests;
