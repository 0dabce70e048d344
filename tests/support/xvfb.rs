//! A private X server for tests that run the real binary.

use std::path::Path;

use super::NO_API;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Servers started by this process so far: tests running side by side in one
/// process try different displays, instead of one of them taking the display
/// the other's server just locked for itself (and losing it when that test ends).
static STARTED: AtomicU32 = AtomicU32::new(0);

/// Whether display `n`'s lock names a running process. A server killed outright
/// (tests end theirs with SIGKILL) leaves its lock behind; Xvfb takes over such a
/// stale lock, so only a live owner makes the display busy.
fn held_by_a_live_server(n: u32) -> bool {
    match std::fs::read_to_string(format!("/tmp/.X{n}-lock")) {
        Ok(text) => match text.trim().parse::<u32>() {
            Ok(pid) => Path::new(&format!("/proc/{pid}")).exists(),
            Err(_) => true,
        },
        Err(_) => false,
    }
}

pub struct Xvfb {
    pub display: String,
    child: Child,
}

impl Xvfb {
    /// Starts Xvfb on a display number no other server uses.
    pub fn start(width: u32, height: u32) -> Xvfb {
        let base = 40 + (std::process::id() % 400) + STARTED.fetch_add(1, Ordering::Relaxed) * 50;
        for n in base..base + 50 {
            if held_by_a_live_server(n) {
                continue;
            }
            // What a killed server left: without this, its socket file would pass
            // for the new server's before that one listens.
            let _ = std::fs::remove_file(format!("/tmp/.X{n}-lock"));
            let _ = std::fs::remove_file(format!("/tmp/.X11-unix/X{n}"));
            let spawned = Command::new("Xvfb")
                .arg(format!(":{n}"))
                .args([
                    "-screen",
                    "0",
                    &format!("{width}x{height}x24"),
                    "-nolisten",
                    "tcp",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn();
            let child = match spawned {
                Ok(child) => child,
                Err(e) => panic!(
                    "Xvfb could not be started ({e}); install it with `apt-get install xvfb` or run scripts/test-all.sh"
                ),
            };
            let mut server = Xvfb {
                display: format!(":{n}"),
                child,
            };
            let socket = format!("/tmp/.X11-unix/X{n}");
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if Path::new(&socket).exists() {
                    return server;
                }
                if let Ok(Some(_)) = server.child.try_wait() {
                    break; // lost a race for this display; try the next one
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = server.child.kill();
        }
        panic!("no free X display for Xvfb");
    }

    /// The X server's process (benchmarks count its CPU too).
    #[allow(dead_code)]
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The player binary set to open its window on this display, with every per-user
    /// folder under `home` and software OpenGL, as a first start on a clean account.
    /// Its session folder is `home`'s too, so a player the test kills leaves its
    /// single-instance socket there, not in the machine's temporary folder.
    /// Its HTTPS API is `NO_API` (`player_with_api` names another): a player whose
    /// broker goes away turns to HTTPS, and the default would be makapix.club.
    #[allow(dead_code)]
    pub fn player(&self, home: &Path) -> Command {
        self.player_with_api(home, NO_API)
    }

    /// `player`, its HTTPS API at `api` (a rig's `MakapixApi`): the one `--api`,
    /// since the command line refuses a flag given twice.
    #[allow(dead_code)]
    pub fn player_with_api(&self, home: &Path, api: &str) -> Command {
        use std::os::unix::fs::DirBuilderExt as _;
        // Cargo names the binary it built to tests and benches only; an example
        // (which never starts one) would run the installed player.
        let binary = option_env!("CARGO_BIN_EXE_makapix-player").unwrap_or("makapix-player");
        let run = session_dir(home);
        // Private, as a session's is: the player uses no other.
        std::fs::DirBuilder::new()
            .mode(0o700)
            .recursive(true)
            .create(&run)
            .expect("the test home's session folder");
        let mut command = Command::new(binary);
        command
            .env("DISPLAY", &self.display)
            .env_remove("WAYLAND_DISPLAY")
            .env("HOME", home)
            .env("XDG_RUNTIME_DIR", run)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("LIBGL_ALWAYS_SOFTWARE", "1")
            .args(["--api", api])
            .stdout(Stdio::null());
        command
    }

    /// A screenshot, or `None` while `import` cannot read the screen (a window being
    /// mapped or switched to full screen can fail one attempt).
    #[allow(dead_code)]
    pub fn try_screenshot(&self) -> Option<image::RgbaImage> {
        let out = Command::new("import")
            .args(["-display", &self.display, "-window", "root", "png:-"])
            .output()
            .ok()?;
        if !out.status.success() {
            return None;
        }
        image::load_from_memory(&out.stdout)
            .ok()
            .map(|i| i.to_rgba8())
    }

    /// The whole screen as an RGBA image (ImageMagick's `import`).
    pub fn screenshot(&self) -> image::RgbaImage {
        let out = Command::new("import")
            .args(["-display", &self.display, "-window", "root", "png:-"])
            .output()
            .expect("ImageMagick `import` is needed for screenshots (apt-get install imagemagick)");
        assert!(
            out.status.success(),
            "import failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        image::load_from_memory(&out.stdout)
            .expect("screenshot is a PNG")
            .to_rgba8()
    }

    /// Asks the window of process `pid` to close, as a window manager's close button does.
    pub fn close_window(&self, pid: u32) {
        self.close_window_stalled(pid, None);
    }

    /// The window of process `pid`, once it is on the X screen (at most `timeout`).
    #[allow(dead_code)]
    pub fn wait_for_window(&self, pid: u32, timeout: Duration) -> u32 {
        let (conn, screen) = x11rb::connect(Some(&self.display)).expect("connect to Xvfb");
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(window) = window_of(&conn, screen, pid) {
                return window;
            }
            assert!(
                Instant::now() < deadline,
                "no window of process {pid} on the X screen"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The inner size of X window `window` (no window manager: the client's own).
    #[allow(dead_code)]
    pub fn window_size(&self, window: u32) -> (u16, u16) {
        use x11rb::protocol::xproto::ConnectionExt;
        let (conn, _) = x11rb::connect(Some(&self.display)).expect("connect to Xvfb");
        let geometry = conn.get_geometry(window).unwrap().reply().unwrap();
        (geometry.width, geometry.height)
    }

    /// Resizes X window `window` as a user dragging its edge would.
    #[allow(dead_code)]
    pub fn resize_window(&self, window: u32, width: u32, height: u32) {
        use x11rb::connection::Connection;
        use x11rb::protocol::xproto::{ConfigureWindowAux, ConnectionExt};
        let (conn, _) = x11rb::connect(Some(&self.display)).expect("connect to Xvfb");
        let size = ConfigureWindowAux::new().width(width).height(height);
        conn.configure_window(window, &size).unwrap();
        // A reply to a later request: the resize was carried out before the hang-up.
        conn.get_input_focus().unwrap().reply().unwrap();
        conn.flush().unwrap();
    }

    /// `close_window`; with `stall`, the X server is stopped for that long just
    /// before the close is sent, as a loaded machine holds it up.
    pub fn close_window_stalled(&self, pid: u32, stall: Option<Duration>) {
        use x11rb::connection::Connection;
        use x11rb::protocol::xproto::{ClientMessageEvent, ConnectionExt, EventMask};
        let (conn, screen) = x11rb::connect(Some(&self.display)).expect("connect to Xvfb");
        let atom = |name: &[u8]| conn.intern_atom(false, name).unwrap().reply().unwrap().atom;
        let (protocols, delete) = (atom(b"WM_PROTOCOLS"), atom(b"WM_DELETE_WINDOW"));
        let window = window_of(&conn, screen, pid).expect("the player's window on the X screen");
        let resumed = stall.map(|stall| self.stop_for(stall));
        let event = ClientMessageEvent::new(32, window, protocols, [delete, 0, 0, 0, 0]);
        conn.send_event(false, window, EventMask::NO_EVENT, event)
            .unwrap();
        conn.flush().unwrap();
        // Hanging up right after the flush can lose the close: an X server that
        // finds the request and the hang-up in one poll drops the client before
        // carrying out what it sent (seen under load: the player never heard the
        // close). A reply to a later request means the close was delivered.
        conn.get_input_focus().unwrap().reply().unwrap();
        drop(conn);
        if let Some(resumed) = resumed {
            resumed.join().unwrap();
        }
    }

    /// Stops the X server now and lets it go on after `stall`, on a thread.
    fn stop_for(&self, stall: Duration) -> std::thread::JoinHandle<()> {
        let pid = self.child.id().to_string();
        let signal = move |name: &str| {
            let status = Command::new("kill").args([name, &pid]).status();
            assert!(status.is_ok_and(|s| s.success()), "kill {name} {pid}");
        };
        signal("-STOP");
        std::thread::spawn(move || {
            std::thread::sleep(stall);
            signal("-CONT");
        })
    }
}

/// The window whose `_NET_WM_PID` is `pid`, if one is on the screen.
fn window_of(conn: &impl x11rb::connection::Connection, screen: usize, pid: u32) -> Option<u32> {
    use x11rb::protocol::xproto::{AtomEnum, ConnectionExt, Window};
    let pid_atom = conn
        .intern_atom(false, b"_NET_WM_PID")
        .ok()?
        .reply()
        .ok()?
        .atom;
    let mut todo: Vec<Window> = vec![conn.setup().roots[screen].root];
    while let Some(w) = todo.pop() {
        let owner = conn
            .get_property(false, w, pid_atom, AtomEnum::CARDINAL, 0, 1)
            .ok()
            .and_then(|c| c.reply().ok())
            .and_then(|r| r.value32().and_then(|mut v| v.next()));
        if owner == Some(pid) {
            return Some(w);
        }
        if let Ok(tree) = conn.query_tree(w).unwrap().reply() {
            todo.extend(tree.children);
        }
    }
    None
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The session folder (`XDG_RUNTIME_DIR`) `Xvfb::player` gives a player whose
/// home is `home`: its single-instance socket lives there.
#[allow(dead_code)]
pub fn session_dir(home: &Path) -> std::path::PathBuf {
    home.join("run")
}
