//! What a newly installed set keeps from the set before it, pure: the HTTPS
//! API address it was told to use, and the API token. The web's bundle and
//! PEM files carry no token, so a new set for the same player keeps the one
//! it had, but only when it is the same player on the same service: the same
//! CA and the same API host. A set from another CA or naming another API host
//! is another service's (or an attacker's) idea of this player: the token,
//! good for Makapix Club's API, must not go to it.

use super::bundle::PemSet;
use super::facts::ActiveSet;

/// Whether a new set without a token may take the stored one: same player,
/// same CA (`new_ca_der`, `old_ca_der`), and the API host it names (if any)
/// is the one in force (`old_api`, else `server_api`).
pub(crate) fn keeps_token(
    set: &PemSet,
    new_ca_der: &[u8],
    old: &ActiveSet,
    old_ca_der: &[u8],
    player_key: &str,
    server_api: &str,
) -> bool {
    let same_player = old.slot.player_key == player_key;
    let same_ca = new_ca_der == old_ca_der;
    let in_force = old.https_api.as_deref().unwrap_or(server_api);
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
    old: Option<&ActiveSet>,
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
            .filter(|o| o.slot.player_key == player_key)
            .and_then(|o| o.https_api.clone()),
    }
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

    fn kept(player_key: &str, api: Option<&str>) -> ActiveSet {
        ActiveSet {
            slot: Slot {
                player_key: player_key.into(),
                generation: 1,
            },
            not_before: 0,
            not_after: 1,
            issuer: String::new(),
            has_token: true,
            renew_at: None,
            https_api: api.map(str::to_owned),
        }
    }

    #[test]
    fn a_new_set_keeps_the_api_address_it_names_else_the_one_before() {
        let before = kept("k", Some("https://old.example/api"));
        let named = set_naming(Some("https://new.example/api/"));
        assert_eq!(
            https_api_of(&named, Some(&before), "k").as_deref(),
            Some("https://new.example/api")
        );
        // A renewal, or PEM files: the address in force stays.
        assert_eq!(
            https_api_of(&set_naming(None), Some(&before), "k").as_deref(),
            Some("https://old.example/api")
        );
        // Another player's address is not inherited.
        assert_eq!(
            https_api_of(&set_naming(None), Some(&before), "other"),
            None
        );
        // Empty or unencrypted: the server's address is used instead.
        for bad in ["", "http://new.example/api"] {
            assert_eq!(
                https_api_of(&set_naming(Some(bad)), Some(&before), "k"),
                None
            );
        }
    }

    #[test]
    fn a_token_stays_only_with_the_same_player_ca_and_api_host() {
        let old = kept("k", Some("https://makapix.club/api"));
        let server = "https://makapix.club/api";
        let (ca, other_ca) = (b"ca one".as_slice(), b"ca two".as_slice());
        let keeps = |set: &PemSet, new_ca: &[u8], player: &str| {
            keeps_token(set, new_ca, &old, ca, player, server)
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
        let on_server = kept("k", None);
        let named = set_naming(Some("https://makapix.club/api"));
        assert!(keeps_token(&named, ca, &on_server, ca, "k", server));
    }
}
