//! Every web address the player sends to or fetches from, parsed with the
//! `url` crate and checked by one rule, pure (no I/O).
//!
//! Matching text (`starts_with("http://127.0.0.1")`) lets
//! `http://localhost:1@evil.example` pass as "this computer" while the request
//! (and the bearer token) goes to `evil.example`. So an address is parsed the
//! way the HTTP client parses it, and then: no user name or password, `https`
//! only, except a host that parses as loopback (127.0.0.0/8, ::1, `localhost`).
//!
//! Artwork addresses (`art_url`) have a stricter rule of their own
//! (`ArtOrigins`): they come from commands and pages, so they may only name
//! the configured vault (or the other hosts the server's own credentials name).

use std::net::{Ipv4Addr, Ipv6Addr};

use url::{Host, Origin, Url};

#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum AddressError {
    #[error("\"{0}\" is not a web address; write it as https://HOST/PATH.")]
    Unreadable(String),
    #[error(
        "\"{0}\" has a user name or password before its host, which hides where requests really go; the player never sends to such an address. Write it as https://HOST/PATH."
    )]
    UserInfo(String),
    #[error(
        "\"{0}\" is not encrypted: the API and vault addresses must start with https:// (plain http:// only for this computer, such as http://127.0.0.1:8080)."
    )]
    NotHttps(String),
    #[error(
        "\"{0}\" has a query or a fragment (after ? or #); a server address is https://HOST/PATH only."
    )]
    QueryOrFragment(String),
}

/// An address the player may send requests to: `https://`, or `http://` to a
/// loopback host; never with a user name or password.
pub(crate) fn parse_web(text: &str) -> Result<Url, AddressError> {
    let trimmed = text.trim();
    let url = Url::parse(trimmed).map_err(|_| AddressError::Unreadable(shown(trimmed)))?;
    if !written_plainly(trimmed, &url) {
        return Err(AddressError::Unreadable(shown(trimmed)));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(AddressError::UserInfo(without_userinfo(&url)));
    }
    let Some(host) = url.host() else {
        return Err(AddressError::Unreadable(shown(trimmed)));
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback_host(&host) => Ok(url),
        "http" => Err(AddressError::NotHttps(url.to_string())),
        _ => Err(AddressError::Unreadable(shown(trimmed))),
    }
}

/// A server's base address (API, vault): `parse_web`, without query or fragment
/// (paths are appended to it), as text without a trailing slash.
pub(crate) fn parse_base(text: &str) -> Result<String, AddressError> {
    let url = parse_web(text)?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(AddressError::QueryOrFragment(url.to_string()));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// Whether `host` is this computer: `localhost`, 127.0.0.0/8 or ::1.
pub(crate) fn is_loopback_host(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// Whether `url` names this computer.
pub(crate) fn is_loopback(url: &Url) -> bool {
    url.host().is_some_and(|h| is_loopback_host(&h))
}

/// A private, link-local or otherwise local-network address (not loopback):
/// a command must not make the player fetch from the user's own network.
fn is_local_network(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(_) => false,
        Host::Ipv4(ip) => local_v4(ip),
        Host::Ipv6(ip) => match ip.to_ipv4_mapped() {
            Some(v4) => v4.is_loopback() || local_v4(&v4),
            None => local_v6(ip),
        },
    }
}

fn local_v4(ip: &Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        // Shared address space (carrier-grade NAT), 100.64.0.0/10.
        || (a == 100 && (64..128).contains(&b))
}

fn local_v6(ip: &Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_unspecified()
        // Unique local fc00::/7 and link-local fe80::/10.
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
}

/// Why an artwork address is not fetched; each is one sentence for the log.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum ArtRefused {
    #[error("the artwork address was refused: {0}")]
    Address(AddressError),
    #[error("the artwork address {url} is not on the artwork vault ({vault}); it was not fetched")]
    ElsewhereThanVault { url: String, vault: String },
    #[error(
        "the artwork address {0} is on this computer or the local network, which only a vault on this computer may use; it was not fetched"
    )]
    LocalNetwork(String),
    #[error("the artwork address {0} is not encrypted (https://); it was not fetched")]
    NotHttps(String),
}

/// Where artworks may come from: the vault's origin (scheme, host, port) and
/// the origins of the other addresses the server's credentials name.
#[derive(Clone, Debug)]
pub(crate) struct ArtOrigins {
    vault: Option<Url>,
    also: Vec<Origin>,
}

impl ArtOrigins {
    /// `vault`: the configured vault base; `also`: other server addresses
    /// (the API the credentials name). Unusable ones allow nothing.
    pub fn new(vault: &str, also: &[&str]) -> Self {
        let vault = parse_web(vault).ok();
        let vault_local = vault.as_ref().is_some_and(is_loopback);
        let also = also
            .iter()
            .filter_map(|a| parse_web(a).ok())
            // A loopback address elsewhere than the vault never opens this computer.
            .filter(|a| !is_loopback(a) || vault_local)
            .map(|a| a.origin())
            .collect();
        Self { vault, also }
    }

    /// `url` if an artwork may be fetched from it (first address or redirect).
    pub fn check(&self, url: &str) -> Result<Url, ArtRefused> {
        let parsed = parse_web(url).map_err(ArtRefused::Address)?;
        let Some(vault) = &self.vault else {
            return Err(self.elsewhere(&parsed));
        };
        let host = parsed.host().ok_or_else(|| self.elsewhere(&parsed))?;
        let local = is_loopback_host(&host);
        if is_local_network(&host) || (local && !is_loopback(vault)) {
            return Err(ArtRefused::LocalNetwork(shown(parsed.as_str())));
        }
        if !local && parsed.scheme() != "https" {
            return Err(ArtRefused::NotHttps(shown(parsed.as_str())));
        }
        let origin = parsed.origin();
        if origin == vault.origin() || self.also.contains(&origin) {
            Ok(parsed)
        } else {
            Err(self.elsewhere(&parsed))
        }
    }

    fn elsewhere(&self, url: &Url) -> ArtRefused {
        ArtRefused::ElsewhereThanVault {
            url: shown(url.as_str()),
            vault: self.vault.as_ref().map_or_else(
                || "none is set".to_owned(),
                |v| v.origin().ascii_serialization(),
            ),
        }
    }
}

/// `text` is `scheme://host…` as written: the URL standard also reads
/// `https:///host` or `https:\\host`, which other readers of the address would
/// not take the same way.
pub(crate) fn written_plainly(text: &str, url: &Url) -> bool {
    let rest = text.get(url.scheme().len()..).unwrap_or_default();
    rest.strip_prefix("://")
        .is_some_and(|after| !after.starts_with(['/', '\\']))
}

/// `url` with its user name and password replaced by `…` (they may be secrets).
fn without_userinfo(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string().replacen("://", "://…@", 1)
}

/// Unparsable text as shown in an error: at most 200 characters.
fn shown(text: &str) -> String {
    text.chars().take(200).collect()
}

#[cfg(test)]
#[path = "address_tests.rs"]
mod tests;
