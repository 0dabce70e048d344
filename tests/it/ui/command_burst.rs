//! A burst of commands, as a busy web page or a script may send them: every
//! one is acknowledged and applied, none is lost between broker, runtime and
//! window (issue #7's burst of `set_brightness`).

use crate::support::rig;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use makapix_player::ui::StartOptions;
use serde_json::json;

use rig::window::{self, SOON};

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn every_command_of_a_burst_is_acknowledged_and_the_last_one_wins() {
    let mut s = window::start(StartOptions::default());
    // Sent while the window does not draw, so they all wait for its next frames at once
    // (the test server waits for room in its own queue of 256 as needed).
    let ids: Vec<String> = (0..600)
        .map(|i| {
            s.server
                .send_command(&s.key, "set_brightness", json!({"value": 10 + i % 90}))
        })
        .collect();
    // The window looks only once the runtime has handed it every command.
    rig::wait_for("every command to reach the window", SOON, || {
        (s.tap.commands_passed() == ids.len()).then_some(())
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        s.h.step();
        let acked: HashSet<String> = s
            .server
            .published()
            .into_iter()
            .filter(|r| r.topic.ends_with("/command/ack"))
            .map(|r| r.json())
            .filter(|ack| ack["status"] == "ok")
            .filter_map(|ack| ack["command_id"].as_str().map(str::to_owned))
            .collect();
        let missing = ids.iter().filter(|id| !acked.contains(*id)).count();
        if missing == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{missing} of {} commands were never acknowledged",
            ids.len()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    // The last command sent (599 % 90 + 10 = 69) is the brightness in force.
    assert_eq!(s.h.state().settings().brightness, 69);
}
