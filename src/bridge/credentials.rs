//! Messages about the player's identity (import, registration, renewal, removal).
//! No secret ever travels back to the window: events carry the player_key,
//! dates, issuer, server and sentences. Pasted text may hold a key on its way
//! in, so it rides in a `Secret` whose Debug is redacted.

use std::path::PathBuf;

use crate::credentials::renewal::Health;
use crate::credentials::server::{Overrides, Server};
use crate::protocol::http::Secret;

/// Window → runtime.
#[derive(Debug)]
pub enum CredentialsAction {
    /// Where the non-secret facts live and the command-line server flags; sent before `Load`.
    Configure {
        facts_path: Option<PathBuf>,
        overrides: Overrides,
    },
    /// Read what is stored (at start-up, and after a change made elsewhere).
    Load,
    /// Files picked together: a JSON bundle, or the three PEM files.
    ImportFiles(Vec<PathBuf>),
    /// Pasted bundle or PEM text.
    ImportText(Secret),
    /// Provision and show a registration code until the owner enters it.
    Register,
    CancelRegistration,
    /// Delete every stored secret of this player.
    Remove,
    RenewNow,
    SetServer(Server),
}

/// What the window shows about a stored identity.
#[derive(Clone, PartialEq, Eq)]
pub struct PlayerSummary {
    pub player_key: String,
    /// Unix seconds.
    pub not_after: i64,
    pub issuer: String,
    pub has_token: bool,
}

/// The key in its short form: the key works as a password (see `player_key`).
impl std::fmt::Debug for PlayerSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlayerSummary")
            .field("player_key", &crate::player_key::short(&self.player_key))
            .field("not_after", &self.not_after)
            .field("issuer", &self.issuer)
            .field("has_token", &self.has_token)
            .finish()
    }
}

impl PlayerSummary {
    /// Valid, inside the 30-day warning, or expired, at `now` (Unix seconds).
    pub(crate) fn health(&self, now: i64) -> Health {
        crate::credentials::renewal::health(self.not_after, now)
    }
}

/// Registration as the window shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistrationStatus {
    /// Asking the server for a code.
    Starting,
    /// Show the code until `expires_at` (Unix seconds).
    Code { code: String, expires_at: i64 },
    /// Too many requests; polling resumes after a pause.
    RateLimited { code: String, expires_at: i64 },
    /// The code was entered; storing the credentials.
    Storing,
    /// The code ran out before anyone entered it: offer a new one.
    CodeExpired,
}

/// Runtime → window.
#[derive(Debug)]
pub enum CredentialsEvent {
    /// No credentials are stored: the player is not registered.
    NotRegistered,
    /// This computer is the player whose key starts with `player_key` (its
    /// `player.json` keeps only that start; the whole key is in the keyring) but the
    /// keyring is not up yet (started before the desktop's keyring): the
    /// runtime keeps trying and connects once it appears. Registering now
    /// would make a second player on the account.
    KeyringWaiting {
        player_key: crate::player_key::Key,
    },
    /// Credentials are stored (after start-up, import, registration or renewal).
    Registered(PlayerSummary),
    /// The server the player uses.
    Server(Server),
    Registration(RegistrationStatus),
    /// Registration ended without credentials (cancelled, or failed: see `Failed`).
    RegistrationEnded,
    /// Something is under way ("Renewing the certificate…").
    Working(String),
    /// A change succeeded; a sentence for the user.
    Done(String),
    /// A sentence the user can act on.
    Failed(String),
    /// When the next automatic renewal is planned (Unix seconds; `None`:
    /// nothing stored to renew). Sent when a renewal check changed it.
    RenewalPlanned(Option<i64>),
}
