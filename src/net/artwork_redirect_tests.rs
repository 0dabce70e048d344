//! A download's redirects stay within the artwork rule (`address::ArtOrigins`):
//! one to `http://`, or to another port of this computer than the vault's, is
//! not followed; one within the vault is. A loopback TLS server with a
//! certificate minted here answers 302 to wherever it is told (and serves
//! `/moved.png` itself); a plain HTTP server counts who came.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use super::{FetchError, agent_config};
use crate::address::{ArtOrigins, ArtRefused};

/// `super::download`, its bytes counted by a tally nobody reads.
fn download(
    agent: &ureq::Agent,
    url: &str,
    origins: &ArtOrigins,
    cancel: &AtomicBool,
) -> Result<Vec<u8>, FetchError> {
    let (_window, runtime) = crate::bridge::channel::pair(Arc::new(|| {}));
    let tally = super::Tally::new(runtime.sink);
    super::download(agent, url, origins, cancel, &mut tally.start())
}

/// A plain HTTP server answering every request with `body`; counts requests.
fn plain_server(body: &'static [u8]) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&hits);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            counted.fetch_add(1, Ordering::SeqCst);
            read_head(&mut BufReader::new(&mut stream));
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body);
        }
    });
    (port, hits)
}

/// A TLS server on 127.0.0.1 that redirects every request to `location`;
/// returns its port and its certificate (DER), for the client to trust.
fn redirecting_tls_server(location: String) -> (u16, Vec<u8>) {
    crate::net::tls::install_crypto_provider();
    let minted = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let cert_der = minted.cert.der().to_vec();
    let key_der = rustls_pki_types::PrivateKeyDer::Pkcs8(minted.signing_key.serialize_der().into());
    let config = Arc::new(
        rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(vec![cert_der.clone().into()], key_der)
            .unwrap(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let Ok(conn) = rustls::ServerConnection::new(Arc::clone(&config)) else {
                continue;
            };
            let mut tls = rustls::StreamOwned::new(conn, stream);
            let asked = read_head(&mut BufReader::new(&mut tls));
            let reply = if asked.contains(" /moved.png ") {
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nmoved".to_owned()
            } else {
                format!(
                    "HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )
            };
            let _ = tls.write_all(reply.as_bytes());
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    });
    (port, cert_der)
}

/// Reads a request's head; returns its first line.
fn read_head(reader: &mut impl BufRead) -> String {
    let mut first = String::new();
    let _ = reader.read_line(&mut first);
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
        line.clear();
    }
    first
}

/// The production agent's settings, trusting `cert` besides.
fn agent_trusting(cert: &[u8]) -> ureq::Agent {
    let roots = ureq::tls::RootCerts::Specific(Arc::new(vec![
        ureq::tls::Certificate::from_der(cert).to_owned(),
    ]));
    agent_config(Duration::from_secs(10))
        .tls_config(ureq::tls::TlsConfig::builder().root_certs(roots).build())
        .build()
        .into()
}

#[test]
fn a_download_from_https_refuses_a_redirect_to_http() {
    let (plain_port, hits) = plain_server(b"artwork bytes");
    let (tls_port, cert) =
        redirecting_tls_server(format!("http://127.0.0.1:{plain_port}/ab/cd/key.png"));
    let vault = format!("https://127.0.0.1:{tls_port}");
    let url = format!("{vault}/ab/cd/key.png");
    let cancel = AtomicBool::new(false);

    let refused = download(
        &agent_trusting(&cert),
        &url,
        &ArtOrigins::new(&vault, &[]),
        &cancel,
    );
    assert!(
        matches!(
            refused,
            Err(FetchError::Refused(ArtRefused::ElsewhereThanVault { .. }))
        ),
        "{refused:?}"
    );
    assert!(
        refused
            .unwrap_err()
            .to_string()
            .contains("it was not fetched")
    );
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "the http:// address was asked"
    );

    // The same server with the plain one allowed too: the redirect is
    // followed, so the refusal above is the rule's doing.
    let plain = format!("http://127.0.0.1:{plain_port}");
    let both = ArtOrigins::new(&vault, &[&plain]);
    let followed = download(&agent_trusting(&cert), &url, &both, &cancel);
    assert_eq!(followed.unwrap(), b"artwork bytes");
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[test]
fn a_redirect_within_the_vault_is_followed_and_one_elsewhere_is_not() {
    let (other_port, hits) = plain_server(b"elsewhere");
    let (tls_port, cert) = redirecting_tls_server("/moved.png".into());
    let vault = format!("https://127.0.0.1:{tls_port}");
    let cancel = AtomicBool::new(false);
    let origins = ArtOrigins::new(&vault, &[]);
    let got = download(
        &agent_trusting(&cert),
        &format!("{vault}/k.png"),
        &origins,
        &cancel,
    );
    assert_eq!(got.unwrap(), b"moved");

    // To another port of this computer (the vault is on this computer too).
    let (tls_port, cert) = redirecting_tls_server(format!("https://127.0.0.1:{other_port}/k.png"));
    let vault = format!("https://127.0.0.1:{tls_port}");
    let origins = ArtOrigins::new(&vault, &[]);
    let refused = download(
        &agent_trusting(&cert),
        &format!("{vault}/k.png"),
        &origins,
        &cancel,
    );
    assert!(
        matches!(refused, Err(FetchError::Refused(_))),
        "{refused:?}"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 0);
}
