//! All that the window and the background runtime share: the two message
//! enums and the channels that carry them. `ui` and `net` never import each
//! other; they meet here.
//!
//! Each concern keeps its own pair of enums in its own file, so a change to
//! credentials does not touch the connection's messages and vice versa.

pub mod artwork;
pub mod channel;
pub mod connection;
pub mod credentials;
pub mod transport;
pub(crate) mod window_link;

/// Window → runtime.
#[derive(Debug)]
pub enum Action {
    Credentials(credentials::CredentialsAction),
    Connection(connection::ConnectionAction),
    Artwork(artwork::ArtworkAction),
    /// The window is closing: say goodbye to the broker, then stop.
    Shutdown,
}

/// Runtime → window. The runtime wakes the window after sending each one.
#[derive(Debug)]
pub enum RuntimeEvent {
    Credentials(credentials::CredentialsEvent),
    Connection(connection::ConnectionEvent),
    Artwork(artwork::ArtworkEvent),
}
