//! Certificates minted at run time (nothing is committed): a CA like Makapix's,
//! the broker's server certificate, player certificates with CN = player key
//! (revoked, expired, foreign, RSA ones), and the credential bundles the web gives.
//! RSA keys come from the machine's `openssl` (ring cannot generate them).

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DnType, IsCa, Issuer,
    KeyIdMethod, KeyPair, KeyUsagePurpose, RevocationReason, RevokedCertParams, SerialNumber,
};
use std::sync::OnceLock;

use rcgen::PKCS_RSA_SHA256;
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

pub struct Ca {
    pub pem: String,
    issuer: Issuer<'static, KeyPair>,
    revoked: Vec<SerialNumber>,
    next_serial: u64,
}

/// A player's (or the server's) certificate and unencrypted PKCS#8 key.
#[derive(Clone)]
pub struct Identity {
    pub cert_pem: String,
    pub key_pem: String,
    pub serial: u64,
    pub not_after: OffsetDateTime,
}

impl Ca {
    pub fn new(name: &str) -> Ca {
        let key = KeyPair::generate().expect("CA key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let now = OffsetDateTime::now_utc();
        params.not_before = now - Duration::days(1);
        params.not_after = now + Duration::days(365);
        let cert = params.self_signed(&key).expect("CA certificate");
        Ca {
            pem: cert.pem(),
            issuer: Issuer::new(params, key),
            revoked: Vec::new(),
            next_serial: 1000,
        }
    }

    fn issue(
        &mut self,
        cn: &str,
        sans: Vec<String>,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Identity {
        self.issue_with(KeyPair::generate().expect("key"), cn, sans, from, to)
    }

    fn issue_with(
        &mut self,
        key: KeyPair,
        cn: &str,
        sans: Vec<String>,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Identity {
        let mut params = CertificateParams::new(sans).expect("params");
        params.distinguished_name.push(DnType::CommonName, cn);
        self.next_serial += 1;
        let serial = self.next_serial;
        params.serial_number = Some(SerialNumber::from(serial));
        params.not_before = from;
        params.not_after = to;
        let cert = params.signed_by(&key, &self.issuer).expect("certificate");
        Identity {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            serial,
            not_after: to,
        }
    }

    /// The broker's certificate, valid for 127.0.0.1 and localhost.
    pub fn server(&mut self) -> Identity {
        let now = OffsetDateTime::now_utc();
        self.issue(
            "localhost",
            vec!["localhost".into(), "127.0.0.1".into()],
            now - Duration::days(1),
            now + Duration::days(30),
        )
    }

    /// A valid player certificate with CN = `player_key`, far from its
    /// renewal window (so importing it does not start a renewal).
    pub fn player(&mut self, player_key: &str) -> Identity {
        let now = OffsetDateTime::now_utc();
        self.player_valid(
            player_key,
            now - Duration::days(1),
            now + Duration::days(365),
        )
    }

    /// A player certificate valid from `from` to `to`.
    pub fn player_valid(
        &mut self,
        player_key: &str,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Identity {
        self.issue(player_key, Vec::new(), from, to)
    }

    /// A player certificate for an RSA 2048 key (as Makapix issues them), the
    /// key given in the older PKCS#1 form (`BEGIN RSA PRIVATE KEY`). The key is
    /// made by the `openssl` command (ring cannot generate RSA keys).
    pub fn rsa_player_pkcs1(&mut self, player_key: &str) -> Identity {
        let (pkcs8, pkcs1) = rsa_key();
        let key = KeyPair::from_pem(pkcs8).expect("RSA key for rcgen");
        let now = OffsetDateTime::now_utc();
        let mut id = self.issue_with(
            key,
            player_key,
            Vec::new(),
            now - Duration::days(1),
            now + Duration::days(30),
        );
        id.key_pem = pkcs1.clone();
        id
    }

    /// A player certificate that expired yesterday.
    pub fn expired_player(&mut self, player_key: &str) -> Identity {
        let now = OffsetDateTime::now_utc();
        self.issue(
            player_key,
            Vec::new(),
            now - Duration::days(30),
            now - Duration::days(1),
        )
    }

    /// A set (CA, certificate, key) as `options` say, without a tracked serial:
    /// for credential files and bundles, not for the broker.
    pub fn mint(&self, options: &Options) -> Minted {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params
            .distinguished_name
            .push(DnType::CommonName, options.cn.as_str());
        params.not_before = options.not_before;
        params.not_after = options.not_after;
        let (key_pem, key_pkcs1_pem, key) = if options.rsa {
            let (pkcs8, pkcs1) = rsa_key();
            let key = KeyPair::from_pem_and_sign_algo(pkcs8, &PKCS_RSA_SHA256).expect("RSA key");
            (pkcs8.clone(), Some(pkcs1.clone()), key)
        } else {
            let key = KeyPair::generate().expect("key");
            (key.serialize_pem(), None, key)
        };
        let cert = params.signed_by(&key, &self.issuer).expect("certificate");
        Minted {
            ca_pem: self.pem.clone(),
            cert_pem: cert.pem(),
            key_pem,
            key_pkcs1_pem,
        }
    }

    /// Puts a certificate on the revocation list (see `crl_pem`).
    pub fn revoke(&mut self, identity: &Identity) {
        self.revoked.push(SerialNumber::from(identity.serial));
    }

    /// The CRL signed by this CA.
    pub fn crl_pem(&self) -> String {
        let now = OffsetDateTime::now_utc();
        let params = CertificateRevocationListParams {
            this_update: now - Duration::hours(1),
            next_update: now + Duration::days(7),
            crl_number: SerialNumber::from(1u64),
            issuing_distribution_point: None,
            revoked_certs: self
                .revoked
                .iter()
                .map(|serial| RevokedCertParams {
                    serial_number: serial.clone(),
                    revocation_time: now - Duration::hours(1),
                    reason_code: Some(RevocationReason::CessationOfOperation),
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: KeyIdMethod::Sha256,
        };
        params
            .signed_by(&self.issuer)
            .and_then(|crl| crl.pem())
            .expect("CRL")
    }
}

/// A fresh player key (a UUID, as Makapix issues them).
pub fn player_key() -> String {
    uuid::Uuid::new_v4().to_string()
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
            "",
        );
        let pkcs1 = openssl(&["pkey", "-traditional"], &pkcs8);
        assert!(
            pkcs1.contains("BEGIN RSA PRIVATE KEY"),
            "openssl gave no PKCS#1 key"
        );
        (pkcs8, pkcs1)
    })
}

/// A CA and a valid ECDSA player set under it.
pub fn valid_set() -> Minted {
    Ca::new("Makapix Test CA").mint(&Options::default())
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

/// Runs `openssl` with `input` on stdin; returns stdout.
fn openssl(args: &[&str], input: &str) -> String {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("openssl")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl must be installed (scripts/test-all.sh installs it)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write to openssl");
    let out = child.wait_with_output().expect("openssl output");
    assert!(out.status.success(), "openssl {args:?} failed");
    String::from_utf8(out.stdout).expect("PEM text")
}
