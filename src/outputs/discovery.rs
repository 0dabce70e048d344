//! Finding WLED panels: WLED announces `_wled._tcp` over mDNS. Browsing
//! starts only when the user opens the picker (`Discovery::start`) and stops
//! when it closes; reading an answer (`Panel::from_answer`) is pure. Each
//! panel found is saved by its host name when the system finds it by that
//! name, else by its address (`name_check.rs`).

use std::net::IpAddr;

use mdns_sd::{ServiceDaemon, ServiceEvent};

use super::lookup::system_resolve;
use super::name_check::NameChecks;

pub const SERVICE: &str = "_wled._tcp.local.";

/// A panel that answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Panel {
    /// The name the user gave it in WLED ("Desk matrix").
    pub name: String,
    /// Its mDNS host name, without the trailing dot ("wled-desk.local").
    pub host: String,
    /// The address to send to: IPv4 first (WLED's own), else IPv6.
    pub address: IpAddr,
    /// The system finds `host` at `address`: the output names the host, and
    /// follows the panel when its address changes.
    pub by_name: bool,
}

impl Panel {
    /// An answer's instance name, host name and addresses as a panel; `None`
    /// when it is not a WLED service or carries no usable address.
    pub(crate) fn from_answer(
        fullname: &str,
        hostname: &str,
        addresses: impl IntoIterator<Item = IpAddr>,
    ) -> Option<Self> {
        let name = fullname.strip_suffix(&format!(".{SERVICE}"))?;
        // A link-local IPv6 address needs the interface it was heard on,
        // which an output's address cannot carry: it would never connect.
        let link_local = |a: &IpAddr| matches!(a, IpAddr::V6(v6) if v6.is_unicast_link_local());
        let usable = |a: &IpAddr| !a.is_unspecified() && !a.is_multicast() && !link_local(a);
        let mut addresses: Vec<IpAddr> = addresses.into_iter().filter(usable).collect();
        // IPv4 first, then the lowest: the same answer always gives the same address.
        addresses.sort_by_key(|a| (!a.is_ipv4(), *a));
        let address = *addresses.first()?;
        Some(Self {
            name: unescape(name),
            host: hostname.trim_end_matches('.').to_owned(),
            address,
            by_name: false,
        })
    }

    /// The output address that drives it over DDP: by name when the system
    /// finds it so, else by address.
    pub(crate) fn ddp_url(&self) -> String {
        let [named, numbered] = self.ddp_urls();
        if self.by_name { named } else { numbered }
    }

    /// Both output addresses that name it, by host name and by address: a
    /// list holding either holds the panel.
    pub(crate) fn ddp_urls(&self) -> [String; 2] {
        let numbered = match self.address {
            IpAddr::V4(a) => format!("ddp://{a}"),
            IpAddr::V6(a) => format!("ddp://[{a}]"),
        };
        [
            format!("ddp://{}", self.host.to_ascii_lowercase()),
            numbered,
        ]
    }
}

/// DNS-SD instance names escape dots and backslashes (`Desk\.matrix`).
fn unescape(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut chars = name.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    out
}

/// Adds or replaces `panel` (by name) in `found`, kept sorted by name.
pub(crate) fn merge(found: &mut Vec<Panel>, panel: Panel) {
    found.retain(|p| p.name != panel.name);
    found.push(panel);
    found.sort_by_key(|p| p.name.to_lowercase());
}

/// A browse under way; dropping it stops browsing.
pub(crate) struct Discovery {
    daemon: ServiceDaemon,
    events: mdns_sd::Receiver<ServiceEvent>,
    found: Vec<Panel>,
    names: NameChecks,
}

impl Discovery {
    pub fn start() -> Result<Self, String> {
        let failed = |e: mdns_sd::Error| {
            format!(
                "Cannot look for panels on the network ({e}): type the panel's address instead."
            )
        };
        let daemon = ServiceDaemon::new().map_err(failed)?;
        let events = daemon.browse(SERVICE).map_err(failed)?;
        Ok(Self {
            daemon,
            events,
            found: Vec::new(),
            names: NameChecks::start(system_resolve()),
        })
    }

    /// The panels found so far (takes what answered since the last call; never waits).
    pub fn poll(&mut self) -> &[Panel] {
        while let Ok(event) = self.events.try_recv() {
            match event {
                ServiceEvent::ServiceResolved(service) => {
                    let addresses = service.addresses.iter().map(|a| a.to_ip_addr());
                    if let Some(panel) =
                        Panel::from_answer(&service.fullname, &service.host, addresses)
                    {
                        merge(&mut self.found, panel);
                    }
                }
                ServiceEvent::ServiceRemoved(_, fullname) => {
                    let gone = fullname.strip_suffix(&format!(".{SERVICE}")).map(unescape);
                    self.found.retain(|p| Some(&p.name) != gone.as_ref());
                }
                _ => {}
            }
        }
        let now = std::time::Instant::now();
        for panel in &mut self.found {
            panel.by_name = self.names.by_name(&panel.host, panel.address, now);
        }
        &self.found
    }
}

impl Drop for Discovery {
    fn drop(&mut self) {
        // The daemon's thread ends on its own; nothing here waits for it.
        let _ = self.daemon.stop_browse(SERVICE);
        let _ = self.daemon.shutdown();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_names_the_panel_and_prefers_its_ipv4_address() {
        let panel = Panel::from_answer(
            "Desk\\.matrix._wled._tcp.local.",
            "wled-desk.local.",
            ["fe80::1".parse().unwrap(), "192.168.1.50".parse().unwrap()],
        )
        .unwrap();
        assert_eq!(panel.name, "Desk.matrix");
        assert_eq!(panel.host, "wled-desk.local");
        assert_eq!(panel.address, "192.168.1.50".parse::<IpAddr>().unwrap());
        assert_eq!(panel.ddp_url(), "ddp://192.168.1.50");
    }

    #[test]
    fn answers_of_other_services_or_without_an_address_are_ignored() {
        let v4: IpAddr = "10.0.0.2".parse().unwrap();
        assert!(Panel::from_answer("printer._ipp._tcp.local.", "p.local.", [v4]).is_none());
        assert!(Panel::from_answer("wled._wled._tcp.local.", "w.local.", []).is_none());
        let zero: IpAddr = "0.0.0.0".parse().unwrap();
        assert!(Panel::from_answer("wled._wled._tcp.local.", "w.local.", [zero]).is_none());
    }

    #[test]
    fn an_ipv6_only_panel_gets_a_bracketed_address() {
        let panel = Panel::from_answer(
            "m._wled._tcp.local.",
            "m.local.",
            ["fd00::5".parse().unwrap()],
        )
        .unwrap();
        assert_eq!(panel.ddp_url(), "ddp://[fd00::5]");
        let link_local: IpAddr = "fe80::1".parse().unwrap();
        assert!(Panel::from_answer("m._wled._tcp.local.", "m.local.", [link_local]).is_none());
        let both = Panel::from_answer(
            "m._wled._tcp.local.",
            "m.local.",
            [link_local, "fd00::5".parse().unwrap()],
        );
        assert_eq!(
            both.map(|p| p.ddp_url()).as_deref(),
            Some("ddp://[fd00::5]")
        );
    }

    #[test]
    fn a_panel_answering_again_replaces_its_entry() {
        let mut found = Vec::new();
        let at =
            |ip: &str| Panel::from_answer("b._wled._tcp.local.", "b.local.", [ip.parse().unwrap()]);
        merge(&mut found, at("10.0.0.9").unwrap());
        merge(
            &mut found,
            Panel::from_answer(
                "A._wled._tcp.local.",
                "a.local.",
                ["10.0.0.1".parse().unwrap()],
            )
            .unwrap(),
        );
        merge(&mut found, at("10.0.0.10").unwrap());
        assert_eq!(
            found.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
            ["A", "b"]
        );
        assert_eq!(found[1].ddp_url(), "ddp://10.0.0.10");
    }
}
