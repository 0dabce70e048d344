//! Certificates minted at run time (never committed): a test CA and player
//! certificates, with RSA keys from the machine's openssl in PKCS#8 and PKCS#1.
#![allow(dead_code)]

use std::process::Command;
use std::sync::OnceLock;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, PKCS_RSA_SHA256};
use time::{Duration, OffsetDateTime};

pub const PLAYER_KEY: &str = "3f2b8c1e-7d4a-4e6b-9a15-2c8d0e7f6a91";

/// The three PEM texts of a set, plus the key in PKCS#1 form when it is RSA.
#[derive(Clone)]
pub struct Minted {
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
    pub key_pkcs1_pem: Option<String>,
}

pub struct Options {
    pub cn: String,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    pub rsa: bool,
}

impl Default for Options {
    fn default() -> Self {
        let now = OffsetDateTime::now_utc();
        Self {
            cn: PLAYER_KEY.into(),
            not_before: now - Duration::days(1),
            not_after: now + Duration::days(365),
            rsa: false,
        }
    }
}

/// One RSA 2048 key per test process (PKCS#8 PEM, PKCS#1 PEM): generating is the slow part.
pub fn rsa_key() -> &'static (String, String) {
    static KEY: OnceLock<(String, String)> = OnceLock::new();
    KEY.get_or_init(|| {
        let pkcs8 = openssl(
            &[
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
            ],
            None,
        );
        let pkcs1 = openssl(&["pkey", "-traditional"], Some(&pkcs8));
        assert!(
            pkcs1.contains("BEGIN RSA PRIVATE KEY"),
            "openssl gave no PKCS#1 key"
        );
        (pkcs8, pkcs1)
    })
}

fn openssl(args: &[&str], stdin: Option<&str>) -> String {
    use std::io::Write;
    let mut child = Command::new("openssl")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("openssl must be installed (scripts/test-all.sh installs it)");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    } else {
        drop(child.stdin.take());
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "openssl {args:?} failed");
    String::from_utf8(out.stdout).unwrap()
}

pub struct TestCa {
    pub pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl TestCa {
    pub fn new(name: &str) -> Self {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let now = OffsetDateTime::now_utc();
        params.not_before = now - Duration::days(3650);
        params.not_after = now + Duration::days(3650);
        let cert = params.self_signed(&key).unwrap();
        Self {
            pem: cert.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    pub fn mint(&self, options: &Options) -> Minted {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, options.cn.as_str());
        params.not_before = options.not_before;
        params.not_after = options.not_after;
        let (key_pem, key_pkcs1_pem, key) = if options.rsa {
            let (pkcs8, pkcs1) = rsa_key();
            let key = KeyPair::from_pem_and_sign_algo(pkcs8, &PKCS_RSA_SHA256).unwrap();
            (pkcs8.clone(), Some(pkcs1.clone()), key)
        } else {
            let key = KeyPair::generate().unwrap();
            (key.serialize_pem(), None, key)
        };
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Minted {
            ca_pem: self.pem.clone(),
            cert_pem: cert.pem(),
            key_pem,
            key_pkcs1_pem,
        }
    }
}

/// A CA and a valid ECDSA player set under it.
pub fn valid_set() -> Minted {
    TestCa::new("Makapix Test CA").mint(&Options::default())
}

/// The JSON bundle the web's "Download Certificates" gives.
pub fn bundle_json(m: &Minted, token: Option<&str>) -> String {
    let mut v = serde_json::json!({
        "ca_pem": m.ca_pem, "cert_pem": m.cert_pem, "key_pem": m.key_pem,
        "broker": {"host": "development.makapix.club", "port": 8884},
    });
    if let Some(t) = token {
        v["api_token"] = serde_json::Value::String(t.into());
    }
    v.to_string()
}
