//! An artwork download that starts at `https://` stays encrypted: a vault
//! (or a proxy in between) that redirects it to `http://` is not followed.
//! A loopback TLS server with a certificate minted here answers 302 to a
//! plain HTTP server that counts who came.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use super::{FetchError, agent_config, download};

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
            read_head(&mut BufReader::new(&mut tls));
            let reply = format!(
                "HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let _ = tls.write_all(reply.as_bytes());
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    });
    (port, cert_der)
}

fn read_head(reader: &mut impl BufRead) {
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
        line.clear();
    }
}

/// The production agent's settings, trusting `cert` besides.
fn agent_trusting(cert: &[u8], https_only: bool) -> ureq::Agent {
    let roots = ureq::tls::RootCerts::Specific(Arc::new(vec![
        ureq::tls::Certificate::from_der(cert).to_owned(),
    ]));
    agent_config(Duration::from_secs(10), https_only)
        .tls_config(ureq::tls::TlsConfig::builder().root_certs(roots).build())
        .build()
        .into()
}

#[test]
fn a_download_from_https_refuses_a_redirect_to_http() {
    let (plain_port, hits) = plain_server(b"artwork bytes");
    let (tls_port, cert) =
        redirecting_tls_server(format!("http://127.0.0.1:{plain_port}/ab/cd/key.png"));
    let url = format!("https://127.0.0.1:{tls_port}/ab/cd/key.png");
    let cancel = AtomicBool::new(false);

    let refused = download(&agent_trusting(&cert, true), &url, &cancel);
    assert!(
        matches!(refused, Err(FetchError::InsecureRedirect)),
        "{refused:?}"
    );
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "the http:// address was asked"
    );
    assert!(
        FetchError::InsecureRedirect
            .to_string()
            .contains("it was not followed")
    );

    // The same server and trust without the rule: the redirect is followed,
    // so the refusal above is the rule's doing.
    let followed = download(&agent_trusting(&cert, false), &url, &cancel);
    assert_eq!(followed.unwrap(), b"artwork bytes");
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}
