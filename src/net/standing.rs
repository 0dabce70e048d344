//! Whether Makapix Club still accepts this player, as its answers say, pure:
//! an MQTT request answered `authentication_failed` (removed from its account,
//! or its owner banned: the server says the same for both), the HTTPS API's
//! 401 "Account banned" (the owner's account, whatever the token), a token
//! refused right after `token/rotate` made it, or `token/rotate` answering
//! 404 (the player was deleted). What may end by itself (a ban) is checked
//! again at a slow pace; what cannot waits for new credentials.

use std::time::Duration;

use crate::bridge::connection::{ConnectionState, Failure, FailureKind, Verdict};

/// Why Makapix Club refuses this player.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Removed from its account for sure: `token/rotate` answered 404, or the
    /// token it had just made was refused too.
    Removed,
    /// The owner's account is banned or deactivated (HTTP 401 "Account banned").
    Banned,
    /// An MQTT request was answered `authentication_failed`: removed, or the
    /// owner banned; the server does not say which.
    RemovedOrBanned,
    /// A view was answered `player_not_registered`: the server has no such
    /// player any more (removal leaves the MQTT session up, so this may be
    /// the only sign).
    NotRegistered,
}

impl From<Verdict> for Refusal {
    fn from(verdict: Verdict) -> Self {
        match verdict {
            Verdict::OwnerBanned => Refusal::Banned,
            Verdict::PlayerDeleted => Refusal::Removed,
        }
    }
}

impl Refusal {
    /// Whether the player is gone for sure, so what it made (its waiting
    /// views) can never be delivered; a ban may end.
    pub fn is_final(self) -> bool {
        matches!(self, Refusal::Removed | Refusal::NotRegistered)
    }

    /// What `next` adds to this refusal, seen earlier in the same outage:
    /// `authentication_failed` over MQTT is removal or a ban, so a ban known
    /// from a clearer answer (a view acked `owner_not_permitted`, the API's
    /// "Account banned") stands, and the player is not shown as removed.
    pub fn then(self, next: Refusal) -> Refusal {
        match (self, next) {
            (Refusal::Banned, Refusal::RemovedOrBanned) => Refusal::Banned,
            _ => next,
        }
    }

    /// What the window shows.
    pub fn state(self) -> ConnectionState {
        match self {
            Refusal::Banned => ConnectionState::Banned,
            Refusal::Removed | Refusal::RemovedOrBanned | Refusal::NotRegistered => {
                ConnectionState::Removed
            }
        }
    }

    /// When to check again (a ban ends by itself); `None`: not before new
    /// credentials or "Reconnect now".
    pub fn recheck(self, after: Duration) -> Option<Duration> {
        match self {
            Refusal::Removed | Refusal::NotRegistered => None,
            Refusal::Banned | Refusal::RemovedOrBanned => Some(after),
        }
    }

    /// The sentence for the user, with what to do; `after`: the recheck pace.
    pub fn failure(self, after: Duration) -> Failure {
        let pace = pace(after);
        match self {
            Refusal::Removed => Failure {
                kind: FailureKind::Revoked,
                message: "Makapix Club does not know this player any more: it was removed from its account. Register this computer again or import new certificates.".into(),
            },
            Refusal::Banned => Failure {
                kind: FailureKind::Banned,
                message: format!(
                    "Makapix Club refuses this player because its owner's account is banned or deactivated. A ban may end by itself: the player checks again {pace}; the owner can ask Makapix Club's moderators about it."
                ),
            },
            Refusal::NotRegistered => super::failure::unknown_to_server(),
            Refusal::RemovedOrBanned => Failure {
                kind: FailureKind::Revoked,
                message: format!(
                    "Makapix Club no longer accepts this player (authentication failed): it was removed from its Makapix account, or the account is suspended. The player checks again {pace}, in case a suspension ended; if it was removed, register it again or import new certificates."
                ),
            },
        }
    }
}

/// "every hour", "every 2 s": how often the player checks again.
fn pace(after: Duration) -> String {
    let secs = after.as_secs().max(1);
    match secs {
        3600 => "every hour".into(),
        s if s % 3600 == 0 => format!("every {} hours", s / 3600),
        s if s >= 60 && s % 60 == 0 => format!("every {} min", s / 60),
        s => format!("every {s} s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn a_ban_known_stands_when_the_broker_then_says_only_authentication_failed() {
        use Refusal::*;
        assert_eq!(Banned.then(RemovedOrBanned), Banned);
        assert_eq!(Banned.then(Removed), Removed);
        assert_eq!(Banned.then(NotRegistered), NotRegistered);
        assert_eq!(RemovedOrBanned.then(Banned), Banned);
        assert_eq!(RemovedOrBanned.then(RemovedOrBanned), RemovedOrBanned);
        assert_eq!(RemovedOrBanned.then(Verdict::OwnerBanned.into()), Banned);
        assert_eq!(RemovedOrBanned.then(Verdict::PlayerDeleted.into()), Removed);
    }

    #[test]
    fn a_ban_is_checked_again_hourly_and_a_sure_removal_is_not() {
        assert_eq!(Refusal::Banned.recheck(HOUR), Some(HOUR));
        assert_eq!(Refusal::RemovedOrBanned.recheck(HOUR), Some(HOUR));
        assert_eq!(Refusal::Removed.recheck(HOUR), None);
        assert_eq!(Refusal::Banned.state(), ConnectionState::Banned);
        assert_eq!(Refusal::RemovedOrBanned.state(), ConnectionState::Removed);
        let banned = Refusal::Banned.failure(HOUR);
        assert_eq!(banned.kind, FailureKind::Banned);
        assert!(
            banned.message.contains("checks again every hour"),
            "{}",
            banned.message
        );
        let unsure = Refusal::RemovedOrBanned.failure(HOUR);
        assert!(unsure.message.contains("removed from its Makapix account"));
        assert!(unsure.message.contains("every hour"));
        let removed = Refusal::Removed.failure(HOUR);
        assert!(removed.message.contains("removed from its account"));
        assert!(!removed.message.contains("checks again"));
        assert!(
            Refusal::Banned
                .failure(Duration::from_secs(2))
                .message
                .contains("every 2 s")
        );
    }
}
