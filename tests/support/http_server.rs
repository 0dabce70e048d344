//! A tiny HTTP/1.1 server on 127.0.0.1 for registration and renewal tests:
//! each request goes to a handler that returns status and body, and every
//! request is recorded so tests can count and inspect them.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub authorization: Option<String>,
    pub body: String,
}

pub type Handler = Box<dyn FnMut(&Request) -> (u16, String) + Send>;

/// An answer with headers of its own (`Retry-After`).
pub struct Reply {
    pub status: u16,
    pub body: String,
    pub headers: Vec<(String, String)>,
}

impl Reply {
    pub fn new(status: u16, body: String) -> Self {
        Self {
            status,
            body,
            headers: Vec::new(),
        }
    }
}

pub type Replier = Box<dyn FnMut(&Request) -> Reply + Send>;

pub struct TestServer {
    pub base: String,
    pub requests: Arc<Mutex<Vec<Request>>>,
    addr: SocketAddr,
    stopped: Arc<AtomicBool>,
}

impl TestServer {
    /// Serves until the test process ends; the handler sees requests in order.
    pub fn start(mut handler: Handler) -> Self {
        Self::start_replying(Box::new(move |r| {
            let (status, body) = handler(r);
            Reply::new(status, body)
        }))
    }

    /// The same, for a handler that sets headers too.
    pub fn start_replying(handler: Replier) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let base = format!("http://{addr}/api");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&requests);
        let handler = Arc::new(Mutex::new(handler));
        let stopped = Arc::new(AtomicBool::new(false));
        let stop = Arc::clone(&stopped);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if stop.load(Ordering::SeqCst) {
                    // The listening socket closes with this thread: connections are refused.
                    return;
                }
                let log = Arc::clone(&log);
                let handler = Arc::clone(&handler);
                let stop = Arc::clone(&stop);
                std::thread::spawn(move || serve(stream, &log, &handler, &stop));
            }
        });
        Self {
            base,
            requests,
            addr,
            stopped,
        }
    }

    /// The server goes away: new connections are refused, and a request on
    /// a connection kept alive is closed unanswered.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the flag.
        let _ = TcpStream::connect(self.addr);
    }

    pub fn paths(&self) -> Vec<String> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .map(|r| r.path.clone())
            .collect()
    }

    pub fn count(&self, path_part: &str) -> usize {
        self.paths()
            .iter()
            .filter(|p| p.contains(path_part))
            .count()
    }
}

fn serve(
    stream: TcpStream,
    log: &Mutex<Vec<Request>>,
    handler: &Mutex<Replier>,
    stopped: &AtomicBool,
) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    // Several requests may come on one kept-alive connection.
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || stopped.load(Ordering::SeqCst) {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_owned();
        let path = parts.next().unwrap_or_default().to_owned();
        let mut length = 0usize;
        let mut authorization = None;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                let value = value.trim();
                match name.to_ascii_lowercase().as_str() {
                    "content-length" => length = value.parse().unwrap_or(0),
                    "authorization" => authorization = Some(value.to_owned()),
                    _ => {}
                }
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let request = Request {
            method,
            path,
            authorization,
            body: String::from_utf8_lossy(&body).into_owned(),
        };
        log.lock().unwrap().push(request.clone());
        let Reply {
            status,
            body,
            headers,
        } = (handler.lock().unwrap())(&request);
        let extra: String = headers
            .iter()
            .map(|(name, value)| format!("{name}: {value}\r\n"))
            .collect();
        let response = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let mut out = reader.get_ref();
        if out.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}
