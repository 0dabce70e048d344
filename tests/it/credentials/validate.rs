//! Validation of certificate sets the tests mint: every bad input refused
//! with a sentence, every good form accepted.

use crate::support::certs;

use certs::{Ca, Minted, Options, PLAYER_KEY};
use makapix_player::credentials::bundle::{self, BundleError, Input, PemSet};
use makapix_player::credentials::validate::{ValidationError, validate, validate_import};
use makapix_player::protocol::http::Secret;
use time::{Duration, OffsetDateTime};

fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

fn set(m: &Minted) -> PemSet {
    PemSet {
        ca_pem: m.ca_pem.clone(),
        cert_pem: m.cert_pem.clone(),
        key_pem: Secret::new(m.key_pem.clone()),
        broker: None,
        https_api: None,
        api_token: None,
    }
}

fn files(parts: &[(&str, &str)]) -> Result<PemSet, BundleError> {
    let inputs: Vec<Input<'_>> = parts
        .iter()
        .map(|(name, text)| Input {
            name,
            bytes: text.as_bytes(),
        })
        .collect();
    bundle::parse(&inputs)
}

#[test]
#[ignore = "needs openssl: scripts/test-all.sh runs it"]
fn rsa_keys_in_pkcs8_and_pkcs1_are_accepted() {
    let m = Ca::new("Makapix CA").mint(&Options {
        rsa: true,
        ..Options::default()
    });
    let identity = validate(&set(&m), now()).expect("PKCS#8");
    assert_eq!(identity.player_key, PLAYER_KEY);
    assert_eq!(identity.issuer, "Makapix CA");
    let mut pkcs1 = set(&m);
    pkcs1.key_pem = Secret::new(m.key_pkcs1_pem.clone().unwrap());
    assert!(pkcs1.key_pem.expose().contains("BEGIN RSA PRIVATE KEY"));
    assert_eq!(
        validate(&pkcs1, now()).expect("PKCS#1").player_key,
        PLAYER_KEY
    );
}

#[test]
fn three_files_are_recognised_by_content_in_any_order_and_name() {
    let m = certs::valid_set();
    let parsed = files(&[
        ("b.pem", &m.key_pem),
        ("a.pem", &m.cert_pem),
        ("c.pem", &m.ca_pem),
    ])
    .unwrap();
    assert_eq!(parsed.ca_pem.trim(), m.ca_pem.trim());
    assert_eq!(parsed.cert_pem.trim(), m.cert_pem.trim());
    assert!(validate(&parsed, now()).is_ok());
    // Pasted as one text, CA first.
    let pasted = format!("{}\n{}\n{}", m.ca_pem, m.key_pem, m.cert_pem);
    assert!(validate(&files(&[("pasted text", &pasted)]).unwrap(), now()).is_ok());
}

#[test]
fn the_web_bundle_is_accepted_with_its_broker_and_token() {
    let m = certs::valid_set();
    let json = certs::bundle_json(&m, Some("tok-for-test"));
    let parsed = files(&[("player.json", &json)]).unwrap();
    assert_eq!(parsed.broker.as_ref().unwrap().port, 8884);
    assert!(validate(&parsed, now()).is_ok());
}

#[test]
fn a_key_from_another_certificate_is_refused() {
    let ca = Ca::new("Makapix CA");
    let a = ca.mint(&Options::default());
    let b = ca.mint(&Options::default());
    let mut mixed = set(&a);
    mixed.key_pem = Secret::new(b.key_pem);
    let err = validate(&mixed, now()).unwrap_err();
    assert_eq!(err, ValidationError::KeyMismatch);
    assert!(err.to_string().contains("does not belong"));
}

#[test]
fn a_certificate_from_another_ca_is_refused() {
    let m = certs::valid_set();
    let other = Ca::new("Makapix CA");
    let mut wrong = set(&m);
    wrong.ca_pem = other.pem.clone();
    assert_eq!(validate(&wrong, now()), Err(ValidationError::WrongCa));
}

#[test]
fn a_name_that_is_not_a_uuid_is_refused() {
    let m = Ca::new("CA").mint(&Options {
        cn: "my-laptop".into(),
        ..Options::default()
    });
    let err = validate(&set(&m), now()).unwrap_err();
    assert_eq!(err, ValidationError::NotAPlayerKey("my-laptop".into()));
}

#[test]
fn expired_and_future_certificates_are_refused() {
    let t = OffsetDateTime::now_utc();
    let expired = Ca::new("CA").mint(&Options {
        not_before: t - Duration::days(400),
        not_after: t - Duration::days(2),
        ..Options::default()
    });
    let err = validate(&set(&expired), now()).unwrap_err();
    assert!(matches!(err, ValidationError::Expired(_)), "{err}");
    assert!(err.to_string().contains("expired on"));
    let future = Ca::new("CA").mint(&Options {
        not_before: t + Duration::days(2),
        not_after: t + Duration::days(400),
        ..Options::default()
    });
    let err = validate(&set(&future), now()).unwrap_err();
    assert!(matches!(err, ValidationError::ClockBehind { .. }), "{err}");
    assert!(err.to_string().contains("clock is 2 days"), "{err}");
}

#[test]
fn an_import_may_bring_an_expired_certificate_but_not_one_from_the_future() {
    let t = OffsetDateTime::now_utc();
    let expired = Ca::new("CA").mint(&Options {
        not_before: t - Duration::days(1200),
        not_after: t - Duration::days(105),
        ..Options::default()
    });
    let identity = validate_import(&set(&expired), now()).expect("renewable by its player key");
    assert_eq!(
        identity.not_after,
        (t - Duration::days(105)).unix_timestamp()
    );
    let future = Ca::new("CA").mint(&Options {
        not_before: t + Duration::days(2),
        not_after: t + Duration::days(400),
        ..Options::default()
    });
    let err = validate_import(&set(&future), now()).unwrap_err();
    assert!(matches!(err, ValidationError::ClockBehind { .. }), "{err}");
}

#[test]
fn a_certificate_issued_5_minutes_in_the_future_is_accepted() {
    // The server's "now" is ahead of this computer's clock by 5 minutes.
    let t = OffsetDateTime::now_utc();
    let fresh = Ca::new("CA").mint(&Options {
        not_before: t + Duration::minutes(5),
        not_after: t + Duration::days(1095),
        ..Options::default()
    });
    let identity = validate(&set(&fresh), now()).unwrap();
    assert!(identity.not_before > now());
}

#[test]
fn a_truncated_pem_is_refused() {
    let m = certs::valid_set();
    let cut = &m.cert_pem[..m.cert_pem.len() / 2];
    let err = files(&[
        ("cert.pem", cut),
        ("ca.pem", &m.ca_pem),
        ("key.pem", &m.key_pem),
    ])
    .unwrap_err();
    assert!(matches!(err, BundleError::Truncated(_)), "{err}");
    // A body cut inside while the END line survives is caught when the DER is read.
    let lines: Vec<&str> = m.cert_pem.lines().collect();
    let hollow = format!("{}\n{}\n{}\n", lines[0], lines[1], lines[lines.len() - 1]);
    let mut broken = set(&m);
    broken.cert_pem = hollow;
    assert!(matches!(
        validate(&broken, now()),
        Err(ValidationError::BadCertificate(_))
    ));
}

#[test]
fn binary_junk_and_a_5_mb_file_are_refused() {
    let junk: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let err = bundle::parse(&[Input {
        name: "photo.jpg",
        bytes: &junk,
    }])
    .unwrap_err();
    assert!(matches!(err, BundleError::Binary { .. }));
    assert!(err.to_string().contains("not a text file"));
    let big = vec![b'A'; 5 * 1024 * 1024];
    let err = bundle::parse(&[Input {
        name: "huge.pem",
        bytes: &big,
    }])
    .unwrap_err();
    assert!(err.to_string().contains("larger than 1 MB"));
}

#[test]
fn a_bundle_with_missing_fields_is_refused() {
    let m = certs::valid_set();
    for field in ["ca_pem", "cert_pem", "key_pem"] {
        let mut v: serde_json::Value = serde_json::from_str(&certs::bundle_json(&m, None)).unwrap();
        v.as_object_mut().unwrap().remove(field);
        let err = files(&[("player.json", &v.to_string())]).unwrap_err();
        assert_eq!(err, BundleError::MissingField(field));
    }
    assert!(matches!(
        files(&[("player.json", "{\"ca_pem\": ")]),
        Err(BundleError::BadJson { .. })
    ));
}

#[test]
fn missing_or_doubled_parts_are_named() {
    let m = certs::valid_set();
    assert_eq!(
        files(&[("a", &m.cert_pem), ("b", &m.ca_pem)]),
        Err(BundleError::NoKey)
    );
    assert_eq!(
        files(&[("a", &m.cert_pem), ("k", &m.key_pem)]),
        Err(BundleError::CertificateCount(1))
    );
}

#[test]
fn errors_never_quote_the_key() {
    let m = certs::valid_set();
    let mut broken = set(&m);
    broken.key_pem = Secret::new(
        m.key_pem
            .replace("PRIVATE KEY-----\n", "PRIVATE KEY-----\n!!"),
    );
    let err = validate(&broken, now()).unwrap_err().to_string();
    let body_line = m.key_pem.lines().nth(1).unwrap();
    assert!(!err.contains(body_line), "{err}");
}
