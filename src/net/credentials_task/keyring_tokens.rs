//! The HTTPS transport's bearer token, from the keyring through the
//! credentials service: a failure told apart by what it means for asking
//! again (the player removed, the server not reached, anything else).

use std::sync::Arc;

use super::Shared;
use crate::bridge::transport::{TokenError, TokenSource};
use crate::credentials::register::HttpError;
use crate::credentials::service::CredError;
use crate::protocol::http::Secret;

/// The bearer token from the keyring, for the HTTPS transport; keyring and
/// `token/rotate` calls take their turn with the other credential work.
pub(super) struct KeyringTokens {
    shared: Arc<Shared>,
}

impl KeyringTokens {
    pub(super) fn new(shared: Arc<Shared>) -> Self {
        Self { shared }
    }
}

impl TokenSource for KeyringTokens {
    fn token(&self) -> Result<Secret, TokenError> {
        let _turn = self.shared.busy.lock().unwrap_or_else(|p| p.into_inner());
        self.shared.service().api_token().map_err(token_error)
    }

    fn rotate(&self, refused: &Secret) -> Result<Secret, TokenError> {
        let _turn = self.shared.busy.lock().unwrap_or_else(|p| p.into_inner());
        self.shared
            .service()
            .rotate_api_token(refused)
            .map_err(token_error)
    }
}

/// `token/rotate`'s 404 (the player was deleted) and a server not reached
/// told apart from other failures.
fn token_error(e: CredError) -> TokenError {
    match e {
        CredError::Http(HttpError::UnknownPlayer) => TokenError::PlayerUnknown(e.to_string()),
        CredError::Http(HttpError::Network(_) | HttpError::ServerCertificate(_)) => {
            TokenError::Unreachable(e.to_string())
        }
        other => TokenError::Failed(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_not_reached_is_told_apart_from_one_that_answered() {
        let offline = CredError::Http(HttpError::Network("connection refused".into()));
        assert!(matches!(token_error(offline), TokenError::Unreachable(_)));
        let certificate = CredError::Http(HttpError::ServerCertificate("unknown issuer".into()));
        assert!(matches!(
            token_error(certificate),
            TokenError::Unreachable(_)
        ));
        let answered = CredError::Http(HttpError::Status(503));
        assert!(matches!(token_error(answered), TokenError::Failed(s) if s.contains("503")));
        let limited = CredError::Http(HttpError::RateLimited);
        assert!(matches!(token_error(limited), TokenError::Failed(_)));
        let removed = CredError::Http(HttpError::UnknownPlayer);
        assert!(matches!(token_error(removed), TokenError::PlayerUnknown(_)));
    }
}
