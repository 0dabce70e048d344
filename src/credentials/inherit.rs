//! What a newly installed set keeps from the set before it, pure: the HTTPS
//! API address it was told to use, and the API token. The web's bundle and
//! PEM files carry no token, so a new set for the same player keeps the one
//! it had, but only when it is the same player on the same service: the same
//! CA and the same API host. A set from another CA or naming another API host
//! is another service's (or an attacker's) idea of this player: the token,
//! good for Makapix Club's API, must not go to it. And an expired set never
//! replaces a later one of the same player.

use super::bundle::PemSet;
use super::facts::ActiveSet;
use super::keyring_store::Secrets;
use super::validate::Identity;
use crate::protocol::http::Secret;

/// The set in force, as read back from the keyring.
pub(crate) struct Before<'a> {
    pub active: &'a ActiveSet,
    pub ca_der: &'a [u8],
    pub api_token: Option<&'a Secret>,
    /// From its certificate: `player.json` holds only the key's first characters.
    pub player_key: String,
}

impl<'a> Before<'a> {
    /// `None` when the stored certificate names no player (a damaged entry).
    pub(crate) fn new(active: &'a ActiveSet, stored: &'a Secrets) -> Option<Self> {
        Some(Self {
            active,
            ca_der: &stored.ca_der,
            api_token: stored.api_token.as_ref(),
            player_key: stored.player_key().ok()?,
        })
    }
}

/// A new set without a token (the web's bundle, PEM files) takes the one of
/// the set in force when `keeps_token` allows.
pub(crate) fn carry_token(
    set: &PemSet,
    secrets: &mut Secrets,
    old: Option<&Before<'_>>,
    player_key: &str,
    server_api: &str,
) {
    let Some(old) = old.filter(|_| secrets.api_token.is_none()) else {
        return;
    };
    if keeps_token(set, &secrets.ca_der, old, player_key, server_api) {
        secrets.api_token = old.api_token.cloned();
    } else if old.api_token.is_some() {
        tracing::info!(
            "the new credentials name another CA, player or API host: the stored API token is not carried over"
        );
    }
}

/// Whether a new set without a token may take the stored one: same player,
/// same CA (`new_ca_der`, the one before), and the API host it names (if any)
/// is the one in force (the one before, else `server_api`).
pub(crate) fn keeps_token(
    set: &PemSet,
    new_ca_der: &[u8],
    old: &Before<'_>,
    player_key: &str,
    server_api: &str,
) -> bool {
    let same_player = old.player_key == player_key;
    let same_ca = new_ca_der == old.ca_der;
    let in_force = old.active.https_api.as_deref().unwrap_or(server_api);
    let same_host = match &set.https_api {
        None => true,
        Some(named) => api_host(&named.base_url).is_some_and(|h| Some(h) == api_host(in_force)),
    };
    same_player && same_ca && same_host
}

/// The host (and port) of an API address that passes the address rule.
fn api_host(url: &str) -> Option<String> {
    let url = crate::address::parse_web(url).ok()?;
    Some(format!(
        "{}:{}",
        url.host_str()?,
        url.port_or_known_default()?
    ))
}

/// The HTTPS API address to keep with a new set: the one it names when it
/// passes the https rule; none when it names an empty or bad one (the server's
/// address is used then); when it names none (a renewal, PEM files), the one
/// kept for the same player before.
pub(crate) fn https_api_of(
    set: &PemSet,
    old: Option<&Before<'_>>,
    player_key: &str,
) -> Option<String> {
    match &set.https_api {
        Some(api) => match super::server::parse_http_url(&api.base_url) {
            Ok(url) => Some(url),
            Err(e) => {
                tracing::warn!(
                    "the credentials' HTTPS API address is not usable ({e}); the server's address is used instead"
                );
                None
            }
        },
        None => old
            .filter(|o| o.player_key == player_key)
            .and_then(|o| o.active.https_api.clone()),
    }
}

/// The end of the stored set (Unix seconds) when `new` must not replace it:
/// `new` expired, and the stored set of the same player ends later (an old
/// bundle found again would leave the player worse off if renewing it failed).
pub(crate) fn newer_stored(old: Option<&Before<'_>>, new: &Identity, now: i64) -> Option<i64> {
    old.filter(|old| {
        now > new.not_after
            && old.player_key == new.player_key
            && old.active.not_after > new.not_after
    })
    .map(|old| old.active.not_after)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::keyring_store::Slot;
    use crate::protocol::http::Secret;

    fn set_naming(api: Option<&str>) -> PemSet {
        PemSet {
            ca_pem: String::new(),
            cert_pem: String::new(),
            key_pem: Secret::new(""),
            broker: None,
            https_api: api.map(|base_url| crate::protocol::http::AdvertisedHttpsApi {
                base_url: base_url.into(),
                auth: Some("bearer".into()),
            }),
            api_token: None,
        }
    }

    fn kept(api: Option<&str>) -> ActiveSet {
        ActiveSet {
            slot: Slot {
                id: "5c2f0e9a7b1d4e63".into(),
                generation: 1,
            },
            shown_key: String::new(),
            not_before: 0,
            not_after: 1,
            issuer: String::new(),
            has_token: true,
            renew_at: None,
            https_api: api.map(str::to_owned),
        }
    }

    fn before<'a>(active: &'a ActiveSet, ca_der: &'a [u8], player_key: &str) -> Before<'a> {
        Before {
            active,
            ca_der,
            api_token: None,
            player_key: player_key.into(),
        }
    }

    #[test]
    fn a_new_set_keeps_the_api_address_it_names_else_the_one_before() {
        let active = kept(Some("https://old.example/api"));
        let old = before(&active, b"ca", "k");
        let named = set_naming(Some("https://new.example/api/"));
        assert_eq!(
            https_api_of(&named, Some(&old), "k").as_deref(),
            Some("https://new.example/api")
        );
        // A renewal, or PEM files: the address in force stays.
        assert_eq!(
            https_api_of(&set_naming(None), Some(&old), "k").as_deref(),
            Some("https://old.example/api")
        );
        // Another player's address is not inherited.
        assert_eq!(https_api_of(&set_naming(None), Some(&old), "other"), None);
        // Empty or unencrypted: the server's address is used instead.
        for bad in ["", "http://new.example/api"] {
            assert_eq!(https_api_of(&set_naming(Some(bad)), Some(&old), "k"), None);
        }
    }

    #[test]
    fn a_token_stays_only_with_the_same_player_ca_and_api_host() {
        let active = kept(Some("https://makapix.club/api"));
        let server = "https://makapix.club/api";
        let (ca, other_ca) = (b"ca one".as_slice(), b"ca two".as_slice());
        let old = before(&active, ca, "k");
        let keeps = |set: &PemSet, new_ca: &[u8], player: &str| {
            keeps_token(set, new_ca, &old, player, server)
        };
        assert!(keeps(&set_naming(None), ca, "k"), "PEM files, same CA");
        assert!(keeps(
            &set_naming(Some("https://MAKAPIX.club/api/v2")),
            ca,
            "k"
        ));
        assert!(!keeps(&set_naming(None), other_ca, "k"), "another CA");
        assert!(!keeps(&set_naming(None), ca, "other"), "another player");
        for elsewhere in [
            "https://evil.example/api",
            "https://makapix.club:8443/api",
            "http://127.0.0.1:9/api",
            "not an address",
        ] {
            assert!(!keeps(&set_naming(Some(elsewhere)), ca, "k"), "{elsewhere}");
        }
        let on_server = kept(None);
        let named = set_naming(Some("https://makapix.club/api"));
        let old = before(&on_server, ca, "k");
        assert!(keeps_token(&named, ca, &old, "k", server));
    }
}
