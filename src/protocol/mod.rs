//! Wire types for every Makapix message. Imports nothing of ours.

pub mod http;
