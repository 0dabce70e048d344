//! The one support tree of the integration tests, included by each test binary
//! (and by benches/player and examples/local_broker) as `mod support`: the window
//! harness (`screen`), the MQTT rig, the certificate minter, an X server, and
//! image files good and bad (here).
#![allow(dead_code)] // each binary uses only part of it

pub mod certs;
pub mod dialogs;
pub mod http_server;
pub mod raster;
pub mod rig;
pub mod screen;
pub mod xvfb;

use std::path::Path;
use std::process::{Command, Stdio};

/// A child process killed and reaped when dropped: a test that fails midway
/// leaves no player running behind it.
pub struct Running(pub std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An HTTPS API address on this computer (port 9, discard, which test machines
/// do not serve) for players the test gives no API of its own: what such a
/// player asks over HTTPS (its broker gone, Automatic turns to HTTPS) fails at
/// once and never reaches makapix.club, the default.
pub const NO_API: &str = "http://127.0.0.1:9/api";

/// A bearer token made when the test runs: no token of any kind is kept in
/// the repository, where a secret scanner would rightly flag it.
pub fn minted_token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// The real binary as a command-line user runs it, with no display and no
/// session bus: every per-user folder under `root`, output captured.
pub fn headless_player(root: &Path) -> Command {
    // Cargo names the binary it built to tests and benches only (see `xvfb::player`).
    let binary = option_env!("CARGO_BIN_EXE_makapix-player").unwrap_or("makapix-player");
    let mut command = Command::new(binary);
    command
        .env("XDG_CONFIG_HOME", root.join("config"))
        .env("XDG_DATA_HOME", root.join("data"))
        .env("XDG_CACHE_HOME", root.join("cache"))
        .env("XDG_RUNTIME_DIR", root.join("run"))
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// A playlist of one small PNG named `art`, in `dir`, to be read through a
/// pipe (`slow.makapix-playlist`): its reader waits until the test writes
/// the text returned into it, as a reader of a stalled drive would.
#[cfg(unix)]
pub fn slow_playlist(dir: &Path, art: &str) -> (std::path::PathBuf, String) {
    use makapix_player::player::playlist::{Playlist, PlaylistItem, PlaylistSource};
    let file = dir.join(art);
    write_png(&file, 8, 8, [0, 200, 0, 255]);
    let item = PlaylistItem {
        source: PlaylistSource::File { file },
        dwell_ms: None,
    };
    let playlist = Playlist {
        title: "Slow".into(),
        items: vec![item],
    };
    let text = playlist.to_json(dir).unwrap();
    let list = dir.join("slow.makapix-playlist");
    let made = std::process::Command::new("mkfifo").arg(&list).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo failed");
    (list, text)
}

/// A small opaque PNG of one colour, written with the crate's own encoder.
pub fn write_png(path: &Path, width: u32, height: u32, rgba: [u8; 4]) {
    let pixels: Vec<u8> = rgba
        .iter()
        .copied()
        .cycle()
        .take((width * height * 4) as usize)
        .collect();
    let bytes =
        makapix_player::sample_art::encode::png(width, height, &pixels).expect("encode png");
    std::fs::write(path, bytes).expect("write png");
}

pub fn write_sample_png(path: &Path) {
    write_png(path, 16, 16, [30, 160, 90, 255]);
}

/// A minimal CRC-32 (IEEE), so crafted PNG chunks are valid apart from what a
/// test breaks on purpose, and a decoder cannot reject them for a bad checksum instead.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Appends one PNG chunk (length, type, data, CRC) to `out`.
pub fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A well-formed PNG signature and header that claims `width`×`height`, and nothing after it.
pub fn png_header_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    out
}

/// Every kind of bad file a user might drop in a folder, by file name (sorted in this order).
pub fn write_bad_files(dir: &Path) -> Vec<&'static str> {
    let good = {
        let pixels: Vec<u8> = [200u8, 40, 40, 255]
            .iter()
            .copied()
            .cycle()
            .take(32 * 32 * 4)
            .collect();
        makapix_player::sample_art::encode::png(32, 32, &pixels).expect("encode png")
    };
    let files: Vec<(&'static str, Vec<u8>)> = vec![
        ("bad-1-empty.png", Vec::new()),
        (
            "bad-2-text.gif",
            b"just some notes, not an image\n".to_vec(),
        ),
        ("bad-3-truncated.png", good[..good.len() / 2].to_vec()),
        ("bad-4-corrupt.png", {
            let mut b = good.clone();
            let mid = b.len() / 2;
            for x in &mut b[mid - 8..mid + 8] {
                *x ^= 0x5A;
            }
            b
        }),
        ("bad-5-huge.png", png_header_claiming(100_000, 100_000)),
        (
            "bad-6-garbage.webp",
            (0..4096u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
                .collect(),
        ),
    ];
    for (name, bytes) in &files {
        std::fs::write(dir.join(name), bytes).expect("write bad file");
    }
    files.into_iter().map(|(n, _)| n).collect()
}
