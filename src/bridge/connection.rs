//! Messages about the MQTT session with the Makapix broker.

/// Window → runtime.
#[derive(Debug)]
pub enum ConnectionAction {
    /// Drop any back-off wait and connect now.
    ReconnectNow,
}

/// Runtime → window.
#[derive(Debug)]
pub enum ConnectionEvent {
    /// The session's state changed.
    State(ConnectionState),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectionState {
    /// No credentials, or nothing to connect to.
    NotRegistered,
    Disconnected,
    Connecting,
    /// Connected and subscribed.
    Connected,
    Reconnecting,
}
