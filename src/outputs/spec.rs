//! An output's address: `ddp://HOST[:PORT]` or `e131://HOST[:PORT]?universe=N`,
//! with `size=WxH`, `serpentine`, `brightness=0..100` and `gamma=G` in the
//! query. Parsed with the `url` crate, like every other address (`crate::address`):
//! no user name or password, no path, one host.

use std::fmt;

use url::Url;

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
        let host = url.host_str().filter(|h| !h.is_empty()).ok_or_else(|| {
            format!("`{text}` names no host: write the panel's address, such as ddp://192.168.1.50")
        })?;
        if !matches!(url.path(), "" | "/") || url.fragment().is_some() {
            return Err(format!(
                "`{text}` has a path: an output address is only the host, a port and options after `?`"
            ));
        }
        let mut spec = Self {
            protocol: Protocol::Ddp,
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned(),
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
