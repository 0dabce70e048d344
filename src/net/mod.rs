//! The background runtime: network sessions, HTTP and keyring calls, on their
//! own thread so the window never waits on I/O.

pub mod credentials_task;
pub mod runtime;
