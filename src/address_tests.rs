use super::*;

#[test]
fn a_user_name_before_the_host_is_refused_even_when_it_reads_like_loopback() {
    for sneaky in [
        "http://localhost:1@evil.example",
        "http://127.0.0.1:8080@evil.example/api",
        "https://user:secret-pass@makapix.club/api",
        "http://evil.example@127.0.0.1/",
    ] {
        let e = parse_web(sneaky).unwrap_err();
        assert!(matches!(e, AddressError::UserInfo(_)), "{sneaky}: {e:?}");
        assert!(!e.to_string().contains("secret-pass"), "{e}");
        assert!(parse_base(sneaky).is_err(), "{sneaky}");
    }
}

#[test]
fn https_anywhere_and_plain_http_only_to_this_computer() {
    assert_eq!(
        parse_base("https://MAKAPIX.club/api/").as_deref(),
        Ok("https://makapix.club/api")
    );
    assert_eq!(
        parse_base("https://vault.makapix.club").as_deref(),
        Ok("https://vault.makapix.club")
    );
    for local in [
        "http://127.0.0.1:8080",
        "http://127.9.0.3/api",
        "http://localhost/api",
        "http://LOCALHOST:9/api",
        "http://[::1]:9000/vault",
    ] {
        assert!(parse_base(local).is_ok(), "{local}");
    }
    for remote in [
        "http://makapix.club/api",
        "http://127.0.0.1.evil.example/",
        "http://localhost.evil.example/",
        "http://10.0.0.1/",
        "http://[::ffff:127.0.0.1]/",
    ] {
        let e = parse_web(remote).unwrap_err();
        assert!(matches!(e, AddressError::NotHttps(_)), "{remote}: {e:?}");
        assert!(e.to_string().contains("must start with https://"), "{e}");
    }
    for junk in [
        "",
        "makapix.club/api",
        "ftp://x",
        "https://",
        "file:///etc",
        "https:///evil.example",
        "https:\\\\evil.example",
    ] {
        assert!(parse_web(junk).is_err(), "{junk:?}");
    }
    assert!(matches!(
        parse_base("https://makapix.club/api?x=1"),
        Err(AddressError::QueryOrFragment(_))
    ));
}

fn vault(base: &str) -> ArtOrigins {
    ArtOrigins::new(base, &[])
}

#[test]
fn artworks_come_only_from_the_vault_over_https() {
    let v = vault("https://vault.makapix.club");
    assert!(v.check("https://vault.makapix.club/ab/cd/k.png").is_ok());
    assert!(v.check("https://VAULT.makapix.club:443/ab/k.gif").is_ok());
    for refused in [
        "https://cdn.elsewhere.example/k.png",
        "https://vault.makapix.club:8443/k.png",
        "https://vault.makapix.club.evil.example/k.png",
    ] {
        let e = v.check(refused).unwrap_err();
        assert!(
            matches!(e, ArtRefused::ElsewhereThanVault { .. }),
            "{refused}: {e:?}"
        );
        assert!(e.to_string().contains("not fetched"), "{e}");
    }
    assert!(matches!(
        v.check("http://vault.makapix.club/k.png"),
        Err(ArtRefused::Address(AddressError::NotHttps(_)))
    ));
    assert!(matches!(
        v.check("https://x@vault.makapix.club/k.png"),
        Err(ArtRefused::Address(AddressError::UserInfo(_)))
    ));
    for local in [
        "http://127.0.0.1:8080/k.png",
        "https://localhost/k.png",
        "https://192.168.1.1/k.png",
        "https://169.254.169.254/latest",
        "https://[fe80::1]/k.png",
        "https://[fd00::1]/k.png",
        "https://[::ffff:10.0.0.1]/k.png",
    ] {
        let e = v.check(local).unwrap_err();
        assert!(matches!(e, ArtRefused::LocalNetwork(_)), "{local}: {e:?}");
    }
}

#[test]
fn a_loopback_vault_allows_only_its_own_host_and_port() {
    let v = vault("http://127.0.0.1:4000");
    assert!(v.check("http://127.0.0.1:4000/ab/k.png").is_ok());
    for other in [
        "http://127.0.0.1:4001/ab/k.png",
        "http://localhost:4000/ab/k.png",
        "http://127.0.0.2:4000/ab/k.png",
        "https://127.0.0.1:4000/ab/k.png",
        "https://vault.makapix.club/ab/k.png",
    ] {
        assert!(v.check(other).is_err(), "{other}");
    }
}

#[test]
fn the_hosts_the_credentials_name_are_allowed_too_but_never_loopback_for_a_remote_vault() {
    let v = ArtOrigins::new(
        "https://vault.makapix.club",
        &["https://makapix.club/api", "http://127.0.0.1:9/api"],
    );
    assert!(v.check("https://makapix.club/api/vault/k.png").is_ok());
    assert!(v.check("http://127.0.0.1:9/api/k.png").is_err());
    let nothing = ArtOrigins::new("not a url", &[]);
    assert!(nothing.check("https://vault.makapix.club/k.png").is_err());
}
