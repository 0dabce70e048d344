//! A real mosquitto on 127.0.0.1, configured like Makapix's broker
//! (mqtt/config in the Makapix repository): a mutual-TLS listener with
//! `require_certificate`, `use_identity_as_username`, TLS 1.2 or newer and a CRL;
//! no anonymous access; an ACL that grants each player only its own topics; and
//! a password listener for the back-end account.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::certs::Ca;
use super::{free_port, wait_for};

pub const BACKEND_USER: &str = "svc_backend";
pub const BACKEND_PASSWORD: &str = "test-backend-password";

/// The ACL: Makapix's rules, one line per topic of the protocol's table.
const ACL: &str = "\
user svc_backend
topic write makapix/player/+/command
topic read makapix/player/+/status
topic read makapix/player/+/request/+
topic write makapix/player/+/response/+
topic read makapix/player/+/view
topic write makapix/player/+/view/ack
topic read makapix/player/+/capabilities
topic read makapix/player/+/state
topic read makapix/player/+/command/ack

pattern read makapix/player/%u/command
pattern write makapix/player/%u/status
pattern write makapix/player/%u/request/+
pattern read makapix/player/%u/response/#
pattern write makapix/player/%u/view
pattern read makapix/player/%u/view/ack
pattern write makapix/player/%u/capabilities
pattern write makapix/player/%u/state
pattern write makapix/player/%u/command/ack
";

pub struct Broker {
    pub dir: tempfile::TempDir,
    pub tls_port: u16,
    /// The same mutual-TLS settings over WebSockets (`wss://127.0.0.1:PORT/mqtt`).
    pub wss_port: u16,
    pub plain_port: u16,
    pub ca: Ca,
    /// Lines added to the configuration (`start_with`).
    extra: String,
    child: Option<Child>,
}

impl Broker {
    /// Mints a CA and server certificate, writes the configuration and starts mosquitto.
    pub fn start() -> Broker {
        Broker::start_with("")
    }

    /// The same, with `extra` lines in the configuration's general section: a
    /// setting Makapix's broker does not have, to measure what it would change.
    pub fn start_with(extra: &str) -> Broker {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut ca = Ca::new("Makapix Test CA");
        let server = ca.server();
        let d = dir.path();
        write(d, "ca.pem", &ca.pem);
        write(d, "server.pem", &server.cert_pem);
        write(d, "server.key", &server.key_pem);
        write(d, "crl.pem", &ca.crl_pem());
        write(d, "acl", ACL);
        write(d, "passwords", "");
        let status = Command::new("mosquitto_passwd")
            .args(["-b"])
            .arg(d.join("passwords"))
            .args([BACKEND_USER, BACKEND_PASSWORD])
            .status()
            .expect("mosquitto_passwd (install the mosquitto package)");
        assert!(status.success(), "mosquitto_passwd failed");
        let mut broker = Broker {
            dir,
            tls_port: 0,
            wss_port: 0,
            plain_port: 0,
            ca,
            extra: extra.to_owned(),
            child: None,
        };
        // Ports are only free "a moment ago": if another test took one in
        // between, mosquitto exits at once and new ports are tried.
        for attempt in 1..=3 {
            broker.configure();
            match broker.launch() {
                Ok(()) => return broker,
                Err(e) if attempt < 3 => eprintln!("mosquitto did not start ({e}); new ports"),
                Err(e) => panic!("mosquitto did not start: {e}"),
            }
        }
        unreachable!("the last attempt returns or panics")
    }

    /// Picks ports and writes the configuration.
    fn configure(&mut self) {
        self.tls_port = free_port();
        self.plain_port = free_port();
        self.wss_port = free_port();
        let (tls_port, plain_port, wss_port) = (self.tls_port, self.plain_port, self.wss_port);
        let d = self.dir.path();
        let conf = format!(
            "per_listener_settings false
persistence false
allow_anonymous false
acl_file {d}/acl
password_file {d}/passwords
log_dest file {d}/mosquitto.log
log_type error
log_type warning
log_type notice
log_type information
connection_messages true
# mosquitto started as root would drop to the `mosquitto` user and then
# not read the root-only files here; Makapix's own configuration says the same.
user root
{extra}
listener {plain_port} 127.0.0.1

listener {tls_port} 127.0.0.1
cafile {d}/ca.pem
certfile {d}/server.pem
keyfile {d}/server.key
require_certificate true
use_identity_as_username true
tls_version tlsv1.2
crlfile {d}/crl.pem

listener {wss_port} 127.0.0.1
protocol websockets
cafile {d}/ca.pem
certfile {d}/server.pem
keyfile {d}/server.key
require_certificate true
use_identity_as_username true
tls_version tlsv1.2
crlfile {d}/crl.pem
",
            d = d.display(),
            extra = self.extra,
        );
        write(d, "mosquitto.conf", &conf);
    }

    fn conf(&self) -> PathBuf {
        self.dir.path().join("mosquitto.conf")
    }

    /// Writes the CA's current revocation list (mosquitto reads it at start).
    pub fn write_crl(&self) {
        write(self.dir.path(), "crl.pem", &self.ca.crl_pem());
    }

    /// (Re)starts mosquitto on the same ports and waits until all listen.
    pub fn restart(&mut self) {
        if let Err(e) = self.launch() {
            panic!("mosquitto did not restart: {e}");
        }
    }

    fn launch(&mut self) -> Result<(), String> {
        self.stop();
        // The log is appended to across restarts: this start is the next
        // "running" line. mosquitto writes it only once every listener is
        // bound, whereas a port that accepts a connection may belong to
        // another test that took it since `free_port` (mosquitto then exits).
        let started = self.running_lines();
        let child = Command::new("mosquitto")
            .arg("-c")
            .arg(self.conf())
            .stdout(Stdio::null())
            .stderr(
                std::fs::File::create(self.dir.path().join("stderr.log"))
                    .map(Stdio::from)
                    .unwrap_or_else(|_| Stdio::null()),
            )
            .spawn()
            .expect("mosquitto (install the mosquitto package)");
        self.child = Some(child);
        wait_for("mosquitto to listen", Duration::from_secs(10), || {
            if let Some(child) = &mut self.child
                && let Ok(Some(status)) = child.try_wait()
            {
                return Some(Err(format!("exited ({status}): {}", self.log())));
            }
            (self.running_lines() > started).then_some(Ok(()))
        })
    }

    /// How many times mosquitto said it was running with every listener open.
    fn running_lines(&self) -> usize {
        std::fs::read_to_string(self.dir.path().join("mosquitto.log"))
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("mosquitto version") && l.ends_with(" running"))
            .count()
    }

    /// Kills mosquitto at once (no goodbye to its clients).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn log(&self) -> String {
        let read =
            |name: &str| std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default();
        format!("{}{}", read("stderr.log"), read("mosquitto.log"))
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.stop();
    }
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write rig file");
}
