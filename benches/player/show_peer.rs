//! Chromium's nearest equivalent of a remote `show_artwork`: a page in a
//! full-screen window listens on an event stream (Server-Sent Events) served
//! over loopback by a small HTTP server here; the bench sends "show URL" and
//! polls the screen for the art. Its path is SSE over loopback → `img.src` →
//! fetch or the browser's cache → decode → paint; the player's is MQTT over
//! TLS → its runtime → fetch or its artwork cache → decode → paint.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::art::{self, MARKERS};
use crate::outside::SIDE;
use crate::proc::{Chromium, unix_us};
use crate::screen::{Screen, shows};
use crate::xvfb::Xvfb;

const WAIT: Duration = Duration::from_secs(30);

#[derive(Default)]
struct State {
    /// The page's open event stream, once it connected.
    events: Option<TcpStream>,
    /// Files by path (the query string, a cache-buster, is ignored).
    files: HashMap<String, Vec<u8>>,
    /// When each file was last asked for (wall µs).
    requested: HashMap<String, u64>,
    /// Files served so far.
    fetches: usize,
    page: String,
}

/// The loopback HTTP server: the page, its event stream and the art.
struct Server {
    port: u16,
    state: Arc<Mutex<State>>,
}

fn respond(out: &mut TcpStream, status: &str, kind: &str, extra: &str, body: &[u8]) -> bool {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n{extra}\r\n",
        body.len()
    );
    out.write_all(head.as_bytes()).is_ok() && out.write_all(body).is_ok() && out.flush().is_ok()
}

/// Answers the requests of one connection (HTTP/1.1 keep-alive) until it closes or
/// becomes the event stream.
fn connection(stream: TcpStream, state: &Mutex<State>) {
    let _ = stream.set_nodelay(true);
    let Ok(mut out) = stream.try_clone() else {
        return;
    };
    let mut lines = BufReader::new(stream);
    loop {
        let mut request = String::new();
        if lines.read_line(&mut request).unwrap_or(0) == 0 {
            return;
        }
        // The headers say nothing this server needs (GET has no body).
        loop {
            let mut header = String::new();
            if lines.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            if header.trim().is_empty() {
                break;
            }
        }
        let target = request.split_whitespace().nth(1).unwrap_or("/");
        let path = target.split('?').next().unwrap_or(target).to_owned();
        let mut s = state.lock().unwrap();
        let ok = if path == "/" {
            let page = s.page.clone();
            respond(&mut out, "200 OK", "text/html", "", page.as_bytes())
        } else if path == "/events" {
            let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\
                        Cache-Control: no-cache\r\n\r\n: open\n\n";
            if out.write_all(head.as_bytes()).is_ok() {
                s.events = Some(out);
            }
            return;
        } else if let Some(bytes) = s.files.get(&path).cloned() {
            s.requested.insert(path, unix_us());
            s.fetches += 1;
            // Cacheable for good, as a CDN serves artworks: the second show is warm.
            let keep = "Cache-Control: public, max-age=31536000, immutable\r\n";
            respond(&mut out, "200 OK", "image/gif", keep, &bytes)
        } else {
            respond(&mut out, "404 Not Found", "text/plain", "", b"")
        };
        drop(s);
        if !ok {
            return;
        }
    }
}

impl Server {
    fn start(side: u32) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port for the peer");
        let port = listener.local_addr().expect("the peer's port").port();
        let state = Arc::new(Mutex::new(State {
            page: format!(
                "<!doctype html><html><body style=\"margin:0;background:#000;display:flex;\
                 align-items:center;justify-content:center;height:100vh;overflow:hidden;\">\
                 <img id=\"art\" width=\"{side}\" height=\"{side}\" \
                 style=\"image-rendering:pixelated\"><script>\
                 const art = document.getElementById('art');\
                 new EventSource('/events').onmessage = e => {{ art.src = e.data; }};\
                 </script></body></html>"
            ),
            ..State::default()
        }));
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = Arc::clone(&shared);
                std::thread::spawn(move || connection(stream, &shared));
            }
        });
        Server { port, state }
    }

    fn put(&self, path: &str, bytes: Vec<u8>) {
        self.state
            .lock()
            .unwrap()
            .files
            .insert(path.to_owned(), bytes);
    }

    fn wait_connected(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.state.lock().unwrap().events.is_none() {
            assert!(
                Instant::now() < deadline,
                "Chromium's page never opened its event stream"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends "show `path`" on the event stream; the wall clock (µs) just before.
    fn send(&self, path: &str) -> u64 {
        let mut s = self.state.lock().unwrap();
        let events = s.events.as_mut().expect("the page's event stream");
        let at = unix_us();
        events
            .write_all(format!("data: {path}\n\n").as_bytes())
            .and_then(|()| events.flush())
            .expect("the event reaches Chromium");
        at
    }

    fn fetches(&self) -> usize {
        self.state.lock().unwrap().fetches
    }

    fn requested(&self, path: &str) -> Option<u64> {
        self.state.lock().unwrap().requested.get(path).copied()
    }
}

/// Chromium's shows, in ms from the event: (warm, cold, cold event → the art's request).
pub struct PeerShows {
    pub warm: Vec<f64>,
    pub cold: Vec<f64>,
    pub cold_request: Vec<f64>,
    /// Files fetched again over HTTP during the warm shows (none when the cache served).
    pub warm_fetches: usize,
}

/// `runs` cold and `runs` warm shows of the player's GIFs in Chromium, drawn `side`
/// pixels wide as the player drew them; `square` is the width of the middle square the
/// player showed, which Chromium's must match.
pub fn command_to_screen(chromium: &Path, runs: i64, side: u32, square: u16) -> PeerShows {
    let gif = |post: i64| art::marked_gif(256, &[40; 8], &[MARKERS[(post % 2) as usize]; 8]);
    let server = Server::start(side);
    server.put("/art/warm-a.gif", gif(1));
    server.put("/art/warm-b.gif", gif(2));
    let x = Xvfb::start(SIDE, SIDE);
    let mut screen = Screen::connect(&x.display);
    let _browser = Chromium::spawn_window_url(
        chromium,
        &format!("http://127.0.0.1:{}/", server.port),
        &x.display,
    );
    server.wait_connected();
    server.send("/art/warm-a.gif");
    let shown = screen
        .locate_within(&[MARKERS[1]], WAIT)
        .expect("no art pixels of Chromium's were found on the screen");
    assert!(
        shown.w.abs_diff(square) <= 2,
        "Chromium showed the GIF at another size ({}) than the player ({square})",
        shown.w
    );
    let spot = shown.middle();
    // (sent, seen) in wall µs.
    let mut show = |path: &str, post: i64| -> (u64, u64) {
        let marker = MARKERS[(post % 2) as usize];
        screen
            .wait_for(spot, WAIT, |c| !shows(c, marker))
            .expect("the screen shows the post before it was asked for");
        let sent = server.send(path);
        let (seen, _) = screen
            .wait_for(spot, WAIT, |c| shows(c, marker))
            .unwrap_or_else(|| panic!("Chromium never showed {path}"));
        std::thread::sleep(Duration::from_millis(100));
        (sent, seen)
    };
    let ms = |from: u64, to: u64| to.saturating_sub(from) as f64 / 1000.0;
    let _ = show("/art/warm-b.gif", 2);
    let (mut cold, mut cold_request) = (Vec::new(), Vec::new());
    for i in 0..runs {
        let post = 1001 + i;
        let path = format!("/art/cold-{i}.gif");
        server.put(&path, gif(post));
        let (sent, seen) = show(&path, post);
        cold.push(ms(sent, seen));
        if let Some(at) = server.requested(&path) {
            cold_request.push(ms(sent, at));
        }
    }
    if runs % 2 == 1 {
        let _ = show("/art/warm-b.gif", 2);
    }
    let fetched = server.fetches();
    let warm = (0..runs)
        .map(|i| {
            let (sent, seen) = if i % 2 == 0 {
                show("/art/warm-a.gif", 1)
            } else {
                show("/art/warm-b.gif", 2)
            };
            ms(sent, seen)
        })
        .collect();
    PeerShows {
        warm,
        cold,
        cold_request,
        warm_fetches: server.fetches() - fetched,
    }
}
