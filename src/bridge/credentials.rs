//! Messages about the player's identity (import, registration, renewal, removal).

/// Window → runtime.
#[derive(Debug)]
pub enum CredentialsAction {
    /// Read what is stored (at start-up, and after a change made elsewhere).
    Load,
}

/// Runtime → window.
#[derive(Debug)]
pub enum CredentialsEvent {
    /// No credentials are stored: the player is not registered.
    NotRegistered,
}
