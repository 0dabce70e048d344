//! Which way requests go, pure: the user's choice (Automatic, MQTT only,
//! HTTPS only), whether an HTTPS API is configured, and how the MQTT session
//! fares. Automatic uses MQTT while it is up, and HTTPS from the moment an
//! attempt fails for a reason a blocked port gives, until MQTT is back.
//! Whenever requests go over HTTPS, it is shown connected only once an `echo`
//! came back that way; until then it says why not.

use crate::bridge::connection::{ConnectionState, FailureKind};
use crate::bridge::transport::{TransportChoice, Via};

#[derive(Clone, Debug, Default)]
pub(crate) struct Router {
    choice: TransportChoice,
    /// An HTTPS API is configured (registered player, usable base URL).
    https: bool,
    mqtt_up: bool,
    /// The last MQTT attempt failed for a reason HTTPS may get around
    /// (refused, no answer, lost): not a refused certificate or a removed player.
    mqtt_blocked: bool,
    /// An `echo` over HTTPS came back since MQTT was last up: only then is
    /// "connected over HTTPS" shown (offline, both fail).
    https_ok: bool,
    /// Why the last check of HTTPS failed (unreachable, token refused…).
    https_error: Option<String>,
}

impl Router {
    pub(crate) fn choice(&self) -> TransportChoice {
        self.choice
    }

    pub(crate) fn set_choice(&mut self, choice: TransportChoice) {
        self.choice = choice;
    }

    /// A new configuration (or none): nothing known of MQTT yet.
    pub fn configured(&mut self, https: bool) {
        self.https = https;
        self.mqtt_up = false;
        self.mqtt_blocked = false;
        self.https_ok = false;
        self.https_error = None;
    }

    /// Whether an MQTT session should be held at all.
    pub(crate) fn mqtt_wanted(&self) -> bool {
        self.choice != TransportChoice::HttpsOnly
    }

    pub(crate) fn mqtt_connected(&mut self) {
        self.mqtt_up = true;
        self.mqtt_blocked = false;
        self.https_ok = false;
        self.https_error = None;
    }

    /// Whether HTTPS must be checked before it is shown as the way.
    pub(crate) fn needs_check(&self) -> bool {
        self.via() == Some(Via::Https) && !self.https_ok
    }

    /// The outcome of that check: `Err` holds the sentence saying why it failed.
    pub(crate) fn https_checked(&mut self, outcome: Result<(), String>) {
        self.https_ok = outcome.is_ok();
        self.https_error = outcome.err();
    }

    /// Nothing is known of HTTPS any more (Makapix Club refused the player, or
    /// it is time to ask again): checked afresh before it is shown as the way.
    pub(crate) fn https_unchecked(&mut self) {
        self.https_ok = false;
        self.https_error = None;
    }

    /// Why HTTPS does not answer, while requests would go that way.
    pub fn https_error(&self) -> Option<&str> {
        self.https_error
            .as_deref()
            .filter(|_| self.via() == Some(Via::Https))
    }

    /// An MQTT attempt (or session) ended with `kind`.
    pub(crate) fn mqtt_failed(&mut self, kind: FailureKind) {
        self.mqtt_up = false;
        self.mqtt_blocked = matches!(
            kind,
            FailureKind::Refused
                | FailureKind::Timeout
                | FailureKind::Unavailable
                | FailureKind::Handshake
                | FailureKind::Closed
                | FailureKind::Other
        );
    }

    /// The MQTT session stopped for a reason HTTPS cannot help with.
    pub(crate) fn mqtt_stopped(&mut self) {
        self.mqtt_up = false;
        self.mqtt_blocked = false;
    }

    /// Where a new request goes; `None`: nowhere (it is answered "not connected").
    pub fn via(&self) -> Option<Via> {
        match self.choice {
            TransportChoice::MqttOnly => Some(Via::Mqtt),
            TransportChoice::HttpsOnly => self.https.then_some(Via::Https),
            TransportChoice::Automatic if !self.mqtt_up && self.mqtt_blocked && self.https => {
                Some(Via::Https)
            }
            TransportChoice::Automatic => Some(Via::Mqtt),
        }
    }

    /// A request MQTT could not carry (not connected, or lost on the way) may
    /// go over HTTPS instead: it is then sent once more, and answered once.
    pub(crate) fn may_fall_back(&self) -> bool {
        self.choice == TransportChoice::Automatic && self.https
    }

    /// The state the window shows for MQTT's `mqtt` state: connected while
    /// requests go over HTTPS and it answered (the indicator says which way).
    /// HTTPS only shows HTTPS's own state: connecting until the first check,
    /// disconnected while checks fail.
    pub fn shown(&self, mqtt: ConnectionState) -> ConnectionState {
        let over_https = self.via() == Some(Via::Https);
        if over_https && self.https_ok {
            ConnectionState::Connected
        } else if over_https && self.choice == TransportChoice::HttpsOnly {
            match self.https_error {
                Some(_) => ConnectionState::Disconnected,
                None => ConnectionState::Connecting,
            }
        } else if self.choice == TransportChoice::HttpsOnly
            && mqtt != ConnectionState::NotRegistered
        {
            ConnectionState::Disconnected
        } else {
            mqtt
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auto_with_https() -> Router {
        let mut r = Router::default();
        r.configured(true);
        r
    }

    #[test]
    fn automatic_goes_over_https_while_mqtt_is_blocked_and_back_when_it_returns() {
        let mut r = auto_with_https();
        assert_eq!(r.via(), Some(Via::Mqtt), "first attempt under way");
        assert_eq!(
            r.shown(ConnectionState::Connecting),
            ConnectionState::Connecting
        );
        r.mqtt_failed(FailureKind::Timeout);
        assert_eq!(r.via(), Some(Via::Https));
        assert!(r.needs_check());
        assert_eq!(
            r.shown(ConnectionState::Disconnected),
            ConnectionState::Disconnected,
            "not shown connected until HTTPS answered"
        );
        r.https_checked(Ok(()));
        assert!(!r.needs_check());
        assert_eq!(
            r.shown(ConnectionState::Disconnected),
            ConnectionState::Connected
        );
        r.mqtt_connected();
        assert_eq!(r.via(), Some(Via::Mqtt));
        r.mqtt_failed(FailureKind::Other);
        assert_eq!(r.via(), Some(Via::Https), "a lost session falls back too");
        assert!(r.needs_check(), "checked again: the network may be gone");
        r.https_checked(Err("Could not reach Makapix Club over HTTPS.".into()));
        assert_eq!(
            r.shown(ConnectionState::Reconnecting),
            ConnectionState::Reconnecting
        );
        assert_eq!(
            r.https_error(),
            Some("Could not reach Makapix Club over HTTPS.")
        );
        r.mqtt_connected();
        assert_eq!(r.https_error(), None, "MQTT carries requests again");
        assert!(r.may_fall_back());
    }

    #[test]
    fn a_refused_certificate_or_removal_is_not_routed_around() {
        for kind in [
            FailureKind::BadCertificate,
            FailureKind::NotAuthorized,
            FailureKind::Revoked,
            FailureKind::WrongPlayer,
        ] {
            let mut r = auto_with_https();
            r.mqtt_failed(kind);
            assert_eq!(r.via(), Some(Via::Mqtt), "{kind:?}");
        }
        let mut r = auto_with_https();
        r.mqtt_failed(FailureKind::Refused);
        r.mqtt_stopped();
        assert_eq!(r.via(), Some(Via::Mqtt));
    }

    #[test]
    fn https_is_checked_afresh_after_a_refusal() {
        let mut r = auto_with_https();
        r.set_choice(TransportChoice::HttpsOnly);
        r.https_checked(Ok(()));
        assert!(!r.needs_check());
        r.https_unchecked();
        assert!(r.needs_check());
        assert_eq!(r.https_error(), None);
        assert_eq!(
            r.shown(ConnectionState::Disconnected),
            ConnectionState::Connecting
        );
    }

    #[test]
    fn without_an_https_api_automatic_is_mqtt() {
        let mut r = Router::default();
        r.configured(false);
        r.mqtt_failed(FailureKind::Refused);
        assert_eq!(r.via(), Some(Via::Mqtt));
        assert!(!r.may_fall_back());
        assert_eq!(
            r.shown(ConnectionState::Disconnected),
            ConnectionState::Disconnected
        );
    }

    #[test]
    fn the_only_choices_never_switch() {
        let mut r = auto_with_https();
        r.set_choice(TransportChoice::MqttOnly);
        r.mqtt_failed(FailureKind::Refused);
        assert_eq!(r.via(), Some(Via::Mqtt));
        assert!(!r.may_fall_back());
        r.set_choice(TransportChoice::HttpsOnly);
        assert!(!r.mqtt_wanted());
        r.mqtt_connected();
        assert_eq!(r.via(), Some(Via::Https));
        r.https_checked(Ok(()));
        assert_eq!(
            r.shown(ConnectionState::Disconnected),
            ConnectionState::Connected
        );
        r.configured(false);
        assert_eq!(r.via(), None);
        assert_eq!(
            r.shown(ConnectionState::Connecting),
            ConnectionState::Disconnected
        );
        assert_eq!(
            r.shown(ConnectionState::NotRegistered),
            ConnectionState::NotRegistered
        );
    }

    #[test]
    fn https_only_is_connected_only_once_the_api_answered() {
        let mut r = auto_with_https();
        r.set_choice(TransportChoice::HttpsOnly);
        assert!(r.needs_check());
        assert_eq!(
            r.shown(ConnectionState::Disconnected),
            ConnectionState::Connecting,
            "checking"
        );
        r.https_checked(Err("Could not reach Makapix Club over HTTPS.".into()));
        assert!(r.needs_check(), "tried again");
        assert_eq!(
            r.shown(ConnectionState::Disconnected),
            ConnectionState::Disconnected
        );
        assert_eq!(
            r.https_error(),
            Some("Could not reach Makapix Club over HTTPS.")
        );
        r.https_checked(Ok(()));
        assert!(!r.needs_check());
        assert_eq!(r.https_error(), None);
        assert_eq!(
            r.shown(ConnectionState::Disconnected),
            ConnectionState::Connected
        );
        r.configured(true);
        assert_eq!(
            r.shown(ConnectionState::Disconnected),
            ConnectionState::Connecting,
            "new credentials are checked afresh"
        );
    }
}
