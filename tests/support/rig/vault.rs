//! A small HTTP vault on 127.0.0.1 serving artwork files, like
//! `vault.makapix.club/{storage_shard}/{storage_key}.{format}`. Each
//! connection is served on its own thread, optionally after a delay (a slow
//! vault), and the vault counts the connections open at once and the paths asked.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

type Files = Arc<Mutex<HashMap<String, Vec<u8>>>>;

#[derive(Default)]
struct Counters {
    open: AtomicUsize,
    most_open: AtomicUsize,
    asked: Mutex<Vec<String>>,
    delay: Mutex<Duration>,
}

pub struct Vault {
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub base: String,
    files: Files,
    counters: Arc<Counters>,
}

impl Vault {
    pub fn start() -> Vault {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind vault");
        let port = listener.local_addr().expect("vault address").port();
        let files: Files = Arc::default();
        let counters: Arc<Counters> = Arc::default();
        let (f, c) = (Arc::clone(&files), Arc::clone(&counters));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (f, c) = (Arc::clone(&f), Arc::clone(&c));
                std::thread::spawn(move || {
                    let now = c.open.fetch_add(1, Ordering::SeqCst) + 1;
                    c.most_open.fetch_max(now, Ordering::SeqCst);
                    serve(stream, &f, &c);
                });
            }
        });
        Vault {
            base: format!("http://127.0.0.1:{port}"),
            files,
            counters,
        }
    }

    /// Every answer waits this long first (a slow vault).
    pub fn set_delay(&self, delay: Duration) {
        *self.counters.delay.lock().unwrap() = delay;
    }

    /// The most requests that waited for their answer at once.
    pub fn most_open(&self) -> usize {
        self.counters.most_open.load(Ordering::SeqCst)
    }

    /// The paths asked for, in order.
    pub fn asked(&self) -> Vec<String> {
        self.counters.asked.lock().unwrap().clone()
    }

    /// Serves one of the player's sample artworks (a PNG) at `/{shard}/{key}.png`; returns the URL.
    pub fn put_sample(&self, shard: &str, key: &str, sample: &str) -> String {
        let bytes = makapix_player::samples::bytes(sample).expect("a sample of the player");
        self.put(shard, key, "png", bytes.to_vec())
    }

    /// Serves `bytes` at `/{shard}/{key}.{format}`; returns the URL.
    pub fn put(&self, shard: &str, key: &str, format: &str, bytes: Vec<u8>) -> String {
        let path = format!("/{shard}/{key}.{format}");
        self.files.lock().unwrap().insert(path.clone(), bytes);
        format!("{}{path}", self.base)
    }
}

/// Answers one request: the file at its path, or 404.
fn serve(mut stream: TcpStream, files: &Files, counters: &Counters) {
    let mut line = String::new();
    let Ok(mut reader) = stream.try_clone().map(BufReader::new) else {
        counters.open.fetch_sub(1, Ordering::SeqCst);
        return;
    };
    if reader.read_line(&mut line).is_err() {
        counters.open.fetch_sub(1, Ordering::SeqCst);
        return;
    }
    // Skip the headers.
    let mut header = String::new();
    while reader
        .read_line(&mut header)
        .map(|n| n > 2)
        .unwrap_or(false)
    {
        header.clear();
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
    counters.asked.lock().unwrap().push(path.clone());
    let delay = *counters.delay.lock().unwrap();
    std::thread::sleep(delay);
    let body = files.lock().unwrap().get(&path).cloned();
    // Counted until the answer starts: the client's connection is open at
    // least that long, so the count never runs ahead of the client's.
    counters.open.fetch_sub(1, Ordering::SeqCst);
    let response = match body {
        Some(body) => {
            let mut r = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .into_bytes();
            r.extend(body);
            r
        }
        None => {
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec()
        }
    };
    let _ = stream.write_all(&response);
}
