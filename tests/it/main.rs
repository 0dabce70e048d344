//! The integration tests, in one binary: each test binary links egui, tokio and
//! rustls, so one link serves them all. Tests that need a program of the system
//! (mosquitto, Xvfb, openssl, ImageMagick) are `#[ignore]`d with the program named,
//! so a plain `cargo test` passes anywhere; `scripts/test-all.sh` runs them all.
//! How they are arranged and where a new one goes: CONTRIBUTING.md.

#[path = "../support/mod.rs"]
mod support;

/// The real binary: its subcommands, quitting, exports, LED outputs, under Xvfb.
mod app;
/// Import, validation, renewal and the keyring's lock of credential sets.
mod credentials;
/// Files to frames, hostile and broken files.
mod decode;
/// The runtime against the MQTT rig and the HTTPS API, without a window.
mod net;
/// The window through egui_kittest, mostly against the rig: one path per feature.
mod ui;
