//! What outside data costs in memory, measured, not guessed: this binary
//! counts every allocation (its own global allocator), and its tests take
//! turns, since the count is the whole process's.
//!
//! A `play_playset` command is outside data: whatever its size, the session
//! answers it at once and without growing.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use makapix_player::bridge::Action;
use makapix_player::bridge::connection::ConnectionAction;
use makapix_player::player::{ArtworkSource, Engine, QueueItem};
use makapix_player::protocol::command::{AckStatus, CommandEnvelope};
use makapix_player::session::channel::Channel;
use makapix_player::session::effects::{Effect, Effects};
use makapix_player::session::{Seen, Session};
use makapix_player::settings::Settings;

/// Bytes held now, and the most held since the last reset.
static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

struct Counting;

// SAFETY: every call is forwarded to the system allocator unchanged; the counters
// only observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let held = HELD.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(held, Ordering::Relaxed);
        // SAFETY: the caller's layout is passed on as it came.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        HELD.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const MB: usize = 1_000_000;

/// Held by a test while it measures.
static TURN: Mutex<()> = Mutex::new(());

/// The most bytes held above the present while `work` runs, and its result.
fn peak_of<T>(work: impl FnOnce() -> T) -> (usize, T) {
    let before = HELD.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let result = work();
    (PEAK.load(Ordering::Relaxed) - before, result)
}

#[test]
fn a_256_kib_playset_of_sdcard_channels_is_refused_within_50_mb() {
    let settings = Settings::default();
    let engine = Engine::new(settings.dwell());
    let mut session = Session::new(7, "Europe/Lisbon".into());
    session.set_online(true);
    let seen = Seen {
        engine: &engine,
        settings: &settings,
        now: Duration::from_secs(1),
        unix_secs: 1_700_000_000,
    };
    // A folder of 100 local files is open: what `sdcard` plays. (Copied once per
    // channel, as the player did, that is about 150 MB.)
    let items = (0..100)
        .map(|i| {
            QueueItem::new(ArtworkSource::File(PathBuf::from(format!(
                "/art/{i:05}.gif"
            ))))
        })
        .collect();
    let mut fx = Effects::default();
    let label = "art".to_owned();
    session.play(Channel::Local { items, label }, &seen, &mut fx);
    fx.take();

    let channel = r#"{"type":"sdcard"},"#;
    let count = 256 * 1024 / channel.len();
    let channels = channel.repeat(count);
    let payload = format!(
        r#"{{"command_id":"c1","command_type":"play_playset","payload":{{"playset_name":"x","channels":[{}]}}}}"#,
        channels.trim_end_matches(',')
    );
    assert!(payload.len() >= 256 * 1024);

    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let started = Instant::now();
    let (peak, effects) = peak_of(|| {
        // From the bytes, as the runtime reads them off the broker.
        let envelope: CommandEnvelope = serde_json::from_str(&payload).expect("a valid envelope");
        session.on_command(&envelope, &seen, &mut fx);
        fx.take()
    });
    let took = started.elapsed();

    let ack = effects.iter().find_map(|e| match e {
        Effect::Runtime(Action::Connection(ConnectionAction::Ack(ack))) => Some(ack),
        _ => None,
    });
    let ack = ack.expect("the command was answered at once");
    assert_eq!(ack.status, AckStatus::Error, "{ack:?}");
    let why = ack.error.as_deref().unwrap_or_default();
    assert!(why.contains("channels"), "{why}");
    // A hang guard only: the bound that tells a copy per channel from none is
    // the memory above, which a busy machine does not move.
    assert!(took < Duration::from_secs(20), "took {took:?}");
    assert!(peak < 50 * MB, "held {} MB at most", peak / MB);
    assert_eq!(session.channel().label(), "art", "what played still plays");
}

/// A zlib stream that inflates to `1 + 258 × repeats` zero bytes: one literal,
/// then copies of 258 bytes at distance 1, in one block of fixed codes
/// (13 bits a copy, so a few MB inflate to hundreds of MiB).
fn deflate_bomb(repeats: usize) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let (mut acc, mut bits) = (0u64, 0u32);
    let mut put = |value: u32, count: u32, msb_first: bool, out: &mut Vec<u8>| {
        for i in 0..count {
            let bit = if msb_first {
                (value >> (count - 1 - i)) & 1
            } else {
                (value >> i) & 1
            };
            acc |= u64::from(bit) << bits;
            bits += 1;
            if bits == 8 {
                out.push(acc as u8);
                (acc, bits) = (0, 0);
            }
        }
    };
    put(1, 1, false, &mut out); // the last block
    put(1, 2, false, &mut out); // of fixed codes
    put(0b0011_0000, 8, true, &mut out); // literal 0
    for _ in 0..repeats {
        put(0b1100_0101, 8, true, &mut out); // length 258
        put(0, 5, true, &mut out); // distance 1
    }
    put(0, 7, true, &mut out); // end of block
    put(0, 7, false, &mut out); // to a whole byte
    let len = 1 + 258 * repeats as u64;
    let adler = (len % 65521) << 16 | 1;
    out.extend_from_slice(&(adler as u32).to_be_bytes());
    out
}

/// A 1×1 PNG whose colour profile inflates to `repeats × 258` bytes.
fn png_with_huge_profile(repeats: usize) -> Vec<u8> {
    use image::ImageEncoder;
    let mut plain = Vec::new();
    image::codecs::png::PngEncoder::new(&mut plain)
        .write_image(&[9, 99, 199, 255], 1, 1, image::ExtendedColorType::Rgba8)
        .expect("a 1×1 PNG");
    let mut data = b"bomb\0\0".to_vec();
    data.extend_from_slice(&deflate_bomb(repeats));
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    chunk.extend_from_slice(b"iCCP");
    chunk.extend_from_slice(&data);
    chunk.extend_from_slice(&crc32fast::hash(&chunk[4..]).to_be_bytes());
    let after_header = 8 + 12 + 13;
    let mut file = plain[..after_header].to_vec();
    file.extend_from_slice(&chunk);
    file.extend_from_slice(&plain[after_header..]);
    file
}

#[test]
fn a_1x1_png_whose_colour_profile_inflates_to_300_mib_decodes_within_50_mb() {
    use makapix_player::media::decode::{DecodeLimits, decode};
    let file = png_with_huge_profile(300 * 1024 * 1024 / 258);
    assert!(file.len() < 3 * 1024 * 1024, "{} bytes", file.len());

    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let (peak, art) = peak_of(|| decode(&file, &DecodeLimits::default()));
    let art = art.expect("the pixels are whole; only the profile is odd");
    assert_eq!((art.width, art.height), (1, 1));
    assert_eq!(art.frames[0].rgba, [9, 99, 199, 255]);
    assert!(peak < 50 * MB, "held {} MB at most", peak / MB);
}
