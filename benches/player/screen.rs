//! The X screen seen from outside the player: what a viewer would see, read
//! with GetImage from the X server (Xvfb keeps the screen in its own memory,
//! so this is the picture after the player's swap and the server's copy).
//!
//! A small region is polled (GetImage of a few pixels is one round trip of a
//! few tens of µs; XShm would save only the copy of those few bytes), with a
//! short sleep between polls so the poller does not take a core from the
//! player or the X server on a two-core machine.

use std::time::{Duration, Instant};

use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt, ImageFormat, Window};
use x11rb::rust_connection::RustConnection;

use crate::proc::unix_us;

/// Sleep between two polls: with the round trip, one poll every ≤ 1 ms.
const POLL_PAUSE: Duration = Duration::from_micros(400);

pub type Rgb = [u8; 3];

#[derive(Clone, Copy, Debug)]
pub struct Region {
    pub x: i16,
    pub y: i16,
    pub w: u16,
    pub h: u16,
}

impl Region {
    /// A square of at most 8×8 pixels at the middle: what is polled.
    pub fn middle(self) -> Region {
        let side = 8.min(self.w).min(self.h);
        Region {
            x: self.x + (self.w / 2 - side / 2) as i16,
            y: self.y + (self.h / 2 - side / 2) as i16,
            w: side,
            h: side,
        }
    }
}

pub struct Screen {
    conn: RustConnection,
    root: Window,
    pub width: u16,
    pub height: u16,
    /// Intervals between consecutive polls (µs), for the report: the timing resolution.
    pub poll_gaps_us: Vec<u64>,
}

/// Whether the polled region shows (nearly) `colour`.
pub fn shows(seen: Option<Rgb>, colour: Rgb) -> bool {
    seen.is_some_and(|c| near(c, colour))
}

/// Whether two colours are the same up to rendering rounding.
pub fn near(a: Rgb, b: Rgb) -> bool {
    a.iter()
        .zip(b.iter())
        .all(|(x, y)| (i16::from(*x) - i16::from(*y)).abs() <= 12)
}

impl Screen {
    pub fn connect(display: &str) -> Screen {
        let (conn, n) = x11rb::connect(Some(display))
            .unwrap_or_else(|e| panic!("cannot open X display {display}: {e}"));
        let s = &conn.setup().roots[n];
        let (root, width, height) = (s.root, s.width_in_pixels, s.height_in_pixels);
        assert_eq!(
            s.root_depth, 24,
            "the screen poller reads 24-bit visuals (Xvfb -screen 0 WxHx24)"
        );
        Screen {
            conn,
            root,
            width,
            height,
            poll_gaps_us: Vec::new(),
        }
    }

    /// The pixels of `r`, row by row.
    pub fn grab(&self, r: Region) -> Vec<Rgb> {
        let reply = self
            .conn
            .get_image(ImageFormat::Z_PIXMAP, self.root, r.x, r.y, r.w, r.h, !0)
            .expect("GetImage sent to the X server")
            .reply()
            .expect("GetImage on the root window");
        // 24-bit depth is stored as 32-bit pixels, little-endian BGRX.
        reply
            .data
            .chunks_exact(4)
            .map(|p| [p[2], p[1], p[0]])
            .collect()
    }

    /// The region's colour when every pixel in it has (nearly) the same one.
    fn uniform(&self, r: Region) -> Option<Rgb> {
        let px = self.grab(r);
        let first = *px.first()?;
        px.iter().all(|p| near(*p, first)).then_some(first)
    }

    pub fn whole(&self) -> Region {
        Region {
            x: 0,
            y: 0,
            w: self.width,
            h: self.height,
        }
    }

    /// The bounding box of the pixels near any of `colours`, or None when none shows.
    /// Scans the whole screen (milliseconds: for finding the art, never for timing).
    pub fn locate(&self, colours: &[Rgb]) -> Option<Region> {
        let px = self.grab(self.whole());
        let w = usize::from(self.width);
        let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
        for (i, p) in px.iter().enumerate() {
            if colours.iter().any(|c| near(*p, *c)) {
                let (x, y) = (i % w, i / w);
                x0 = x0.min(x);
                y0 = y0.min(y);
                x1 = x1.max(x);
                y1 = y1.max(y);
            }
        }
        (x0 != usize::MAX).then(|| Region {
            x: x0 as i16,
            y: y0 as i16,
            w: (x1 - x0 + 1) as u16,
            h: (y1 - y0 + 1) as u16,
        })
    }

    /// Scans the whole screen until one of `colours` shows; its bounding box.
    pub fn locate_within(&self, colours: &[Rgb], timeout: Duration) -> Option<Region> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(r) = self.locate(colours) {
                return Some(r);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        None
    }

    /// Polls `r` until its colour (None while its pixels differ) satisfies `pred`; the
    /// wall clock (µs) when the first poll that saw it was sent, or None at the deadline.
    pub fn wait_for(
        &mut self,
        r: Region,
        timeout: Duration,
        pred: impl Fn(Option<Rgb>) -> bool,
    ) -> Option<(u64, Option<Rgb>)> {
        let deadline = Instant::now() + timeout;
        let mut last = None;
        while Instant::now() < deadline {
            let now = unix_us();
            if let Some(prev) = last.replace(now) {
                self.poll_gaps_us.push(now - prev);
            }
            let c = self.uniform(r);
            if pred(c) {
                return Some((now, c));
            }
            std::thread::sleep(POLL_PAUSE);
        }
        None
    }

    /// Every visible change of `r`'s colour during `span`: (wall clock µs, colour).
    /// Mixed colours (a frame half-copied) are skipped until the region is uniform.
    pub fn record(&mut self, r: Region, span: Duration) -> Vec<(u64, Rgb)> {
        let end = Instant::now() + span;
        let mut out: Vec<(u64, Rgb)> = Vec::new();
        let mut last = None;
        while Instant::now() < end {
            let now = unix_us();
            if let Some(prev) = last.replace(now) {
                self.poll_gaps_us.push(now - prev);
            }
            if let Some(c) = self.uniform(r)
                && out.last().is_none_or(|(_, was)| !near(*was, c))
            {
                out.push((now, c));
            }
            std::thread::sleep(POLL_PAUSE);
        }
        out
    }
}
