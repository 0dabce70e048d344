//! Makapix's messages (MQTT topics and bodies, HTTPS bodies) as serde types.
//! Pure data: imports nothing else of this program, does no I/O.

pub mod capabilities;
pub mod channel_name;
pub mod command;
pub mod http;
pub mod request;
pub mod response;
pub mod status;
pub mod topics;
pub mod view;
