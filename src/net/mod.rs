//! The background runtime: network sessions, HTTP and keyring calls, on their
//! own thread so the window never waits on I/O.

pub mod artwork;
mod artwork_progress;
pub mod backoff;
pub(crate) mod cert_name;
mod commands;
mod connection_attempt;
pub mod connection_handle;
pub(crate) mod connection_task;
mod connection_wait;
pub mod credentials_task;
pub mod diagnostics;
mod dispatch;
pub mod failure;
pub mod https;
pub mod mqtt;
mod quickack;
mod reconnect;
pub mod requests;
pub(crate) mod route;
pub mod runtime;
pub mod standing;
pub mod tls;
pub mod views;
