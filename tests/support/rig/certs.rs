//! Certificates minted at run time (nothing is committed): a CA like Makapix's,
//! the broker's server certificate, and player certificates with CN = player key,
//! including revoked, expired and foreign ones.

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DnType, IsCa, Issuer,
    KeyIdMethod, KeyPair, KeyUsagePurpose, RevocationReason, RevokedCertParams, SerialNumber,
};
use time::{Duration, OffsetDateTime};

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
        let key = KeyPair::from_pem(&pkcs8).expect("RSA key for rcgen");
        let now = OffsetDateTime::now_utc();
        let mut id = self.issue_with(
            key,
            player_key,
            Vec::new(),
            now - Duration::days(1),
            now + Duration::days(30),
        );
        id.key_pem = openssl(&["rsa", "-traditional"], &pkcs8);
        assert!(
            id.key_pem.contains("BEGIN RSA PRIVATE KEY"),
            "{}",
            id.key_pem.lines().next().unwrap_or("")
        );
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
        .expect("openssl (install the openssl package)");
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
