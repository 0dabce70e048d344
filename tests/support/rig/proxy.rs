//! A TCP relay between the player and the broker that a test can cut, to lose
//! the connection the way a network does (no MQTT goodbye).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

pub struct Proxy {
    pub port: u16,
    conns: Arc<Mutex<Vec<TcpStream>>>,
    /// While set, what either side sends is read and thrown away: a network
    /// that went silent, so a message in flight is lost before `cut`.
    swallow: Arc<AtomicBool>,
}

impl Proxy {
    pub fn start(target_port: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let conns: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let c = Arc::clone(&conns);
        let swallow: Arc<AtomicBool> = Arc::default();
        let quiet = Arc::clone(&swallow);
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let Ok(upstream) = TcpStream::connect(("127.0.0.1", target_port)) else {
                    continue;
                };
                let (Ok(c1), Ok(u1)) = (client.try_clone(), upstream.try_clone()) else {
                    continue;
                };
                c.lock().unwrap().extend([c1, u1]);
                relay(client, upstream, &quiet);
            }
        });
        Proxy {
            port,
            conns,
            swallow,
        }
    }

    /// From now on nothing passes either way (the connections stay open)
    /// until `cut`.
    pub fn go_silent(&self) {
        self.swallow.store(true, Ordering::SeqCst);
    }

    /// Closes every relayed connection at once.
    pub fn cut(&self) {
        for s in self.conns.lock().unwrap().drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
        self.swallow.store(false, Ordering::SeqCst);
    }
}

fn relay(a: TcpStream, b: TcpStream, swallow: &Arc<AtomicBool>) {
    let (Ok(a2), Ok(b2)) = (a.try_clone(), b.try_clone()) else {
        return;
    };
    let (s1, s2) = (Arc::clone(swallow), Arc::clone(swallow));
    std::thread::spawn(move || copy(a, b2, &s1));
    std::thread::spawn(move || copy(b, a2, &s2));
}

fn copy(mut from: TcpStream, mut to: TcpStream, swallow: &AtomicBool) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) if swallow.load(Ordering::SeqCst) => {}
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(Shutdown::Both);
    let _ = from.shutdown(Shutdown::Both);
}
