//! The log folder stays within its budget (5 files of 5 MB) whatever outside
//! parties do: here a flood of bad commands with huge ids and types, and a flood
//! of unreadable connections on the single-instance socket. One test per binary:
//! logging is set up once per process.

use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

use interprocess::local_socket::traits::Stream as _;
use interprocess::local_socket::{GenericFilePath, Stream, ToFsName};
use makapix_player::logging;
use makapix_player::player::Engine;
use makapix_player::program::single_instance::{Claim, Message, claim, name_for};
use makapix_player::protocol::command::CommandEnvelope;
use makapix_player::session::effects::Effects;
use makapix_player::session::{Seen, Session};
use makapix_player::settings::Settings;

const BUDGET_BYTES: u64 = 5 * 5 * 1024 * 1024;

fn folder_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.metadata().map_or(0, |m| m.len()))
        .sum()
}

#[test]
fn the_log_folder_stays_within_its_budget_under_a_flood_of_bad_commands_and_connections() {
    let logs = tempfile::tempdir().unwrap();
    let log_file = logging::init(Some(logs.path()), false).expect("a log file");

    // Connections that say nothing readable, as another local program could make.
    let config = tempfile::tempdir().unwrap();
    let name = name_for(Some(config.path()));
    let Ok(Claim::First(mut server)) = claim(&name, &Message::default()) else {
        panic!("nobody listened on a fresh name");
    };
    let path = name.socket_path().unwrap();
    for _ in 0..300 {
        let address = path.clone().to_fs_name::<GenericFilePath>().unwrap();
        let mut stream = Stream::connect(address).unwrap();
        stream.write_all(b"{\"paths\": 5}\n").unwrap();
        // The window closes it unread: wait for that, so the flood is all logged.
        let _ = stream.read_to_end(&mut Vec::new());
    }
    assert!(server.try_recv().is_none(), "nothing unreadable was obeyed");

    // Commands of unknown types with 64 KB ids and types, as a publisher could send.
    let settings = Settings::default();
    let engine = Engine::new(settings.dwell());
    let mut session = Session::new(7, "Europe/Lisbon".into());
    let seen = Seen {
        engine: &engine,
        settings: &settings,
        now: Duration::from_secs(1),
        unix_secs: 1_700_000_000,
    };
    let huge = "x".repeat(64 * 1024);
    for i in 0..250 {
        let envelope = CommandEnvelope {
            command_id: format!("{i}{huge}"),
            command_type: format!("{huge}{i}"),
            payload: serde_json::json!({}),
            timestamp: None,
        };
        session.on_command(&envelope, &seen, &mut Effects::default());
    }

    let used = folder_bytes(logs.path());
    assert!(used <= BUDGET_BYTES, "the log folder holds {used} bytes");
    let text = std::fs::read_to_string(&log_file).unwrap();
    assert!(
        text.lines().all(|line| line.len() <= 1024),
        "a log line carries a whole remote string"
    );
    assert!(
        text.contains("similar warnings are left out"),
        "the flood was not throttled"
    );
}
