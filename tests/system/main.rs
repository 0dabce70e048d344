//! Tests that need a setting of their own: a real OS keyring (inside
//! `dbus-run-session`), root, a built package, a long soak. Each ignored test here
//! is run by name by `scripts/test-all.sh`, which fails if one is named nowhere.

#[path = "../support/mod.rs"]
mod support;

mod keyring_real;
mod packaging;
mod player_key_secret;
mod single_instance_users;
mod single_instance_xvfb;
mod soak;
