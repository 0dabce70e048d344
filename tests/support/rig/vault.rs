//! A small HTTP vault on 127.0.0.1 serving artwork files, like
//! `vault.makapix.club/{storage_shard}/{storage_key}.{format}`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

pub struct Vault {
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub base: String,
    files: Arc<Mutex<HashMap<String, Vec<u8>>>>,
}

impl Vault {
    pub fn start() -> Vault {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind vault");
        let port = listener.local_addr().expect("vault address").port();
        let files: Arc<Mutex<HashMap<String, Vec<u8>>>> = Arc::default();
        let f = Arc::clone(&files);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(match stream.try_clone() {
                    Ok(s) => s,
                    Err(_) => continue,
                });
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    continue;
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
                let body = f.lock().unwrap().get(&path).cloned();
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
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            .to_vec()
                    }
                };
                let _ = stream.write_all(&response);
            }
        });
        Vault {
            base: format!("http://127.0.0.1:{port}"),
            files,
        }
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
