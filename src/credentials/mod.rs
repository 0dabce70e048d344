//! The player's identity: parse and validate certificate sets, keep them in
//! the OS keyring, register and renew over HTTPS. Knows no screen and no
//! runtime; the network parts are blocking calls the runtime runs off-thread.

pub mod bundle;
pub mod facts;
pub(crate) mod inherit;
pub(crate) mod install_lock;
pub mod keyring_store;
pub(crate) mod migrate;
pub mod pem;
pub mod register;
pub mod renewal;
pub mod renewal_schedule;
pub(crate) mod rotated_token;
pub(crate) mod secret_text;
pub mod server;
pub mod service;
pub mod validate;
