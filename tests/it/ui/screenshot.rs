//! The support tree's wait: a wait that times out leaves a screenshot a person
//! can read, and says where it is and what was on screen.

use std::collections::HashSet;
use std::panic::AssertUnwindSafe;

use makapix_player::ui::StartOptions;

use crate::support::screen::{harness, step_until, timed_out};

#[test]
fn a_timed_out_wait_saves_a_screenshot_and_names_it() {
    let mut h = harness([640.0, 480.0], StartOptions::default());
    step_until(&mut h, "a sample on screen", |a| a.on_screen().is_some());
    let panic = std::panic::catch_unwind(AssertUnwindSafe(|| timed_out(&h, "the impossible")))
        .expect_err("a timed-out wait panics");
    let message = panic
        .downcast_ref::<String>()
        .expect("a message")
        .to_owned();
    assert!(
        message.contains("timed out waiting for: the impossible"),
        "{message}"
    );
    assert!(message.contains("on screen: Some(\"sample "), "{message}");
    let path = message
        .split("screenshot: ")
        .nth(1)
        .unwrap_or_else(|| panic!("no screenshot named: {message}"))
        .trim();
    assert!(
        path.ends_with("ui.screenshot.a_timed_out_wait_saves_a_screenshot_and_names_it.png"),
        "{path}"
    );
    let image = image::open(path).expect("a PNG").to_rgba8();
    assert!(
        image.width() >= 600 && image.height() >= 400,
        "{:?}",
        image.dimensions()
    );
    // Panels, text and the placeholder drawn: many colours, not a blank picture.
    let colours: HashSet<[u8; 4]> = image.pixels().map(|p| p.0).collect();
    assert!(colours.len() > 20, "{} colours", colours.len());
}
