//! Turns what went wrong in a connection attempt into a sentence the user can
//! act on (protocol section 4's table), with the client-side cause of TLS failures.

use std::error::Error as StdError;
use std::io;

use rumqttc::v5::mqttbytes::Error as MqttError;
use rumqttc::v5::mqttbytes::v5::{ConnectReturnCode, DisconnectReasonCode};
use rumqttc::v5::{ConnectionError, StateError};
use rustls::{AlertDescription, CertificateError};

use crate::bridge::connection::{Failure, FailureKind};

const TAKEN_OVER: &str = "Another device or program is using this player's identity: the broker closed this session for it. Close the other player (or give this computer its own credentials); this one waits several minutes before trying again.";

/// The failure said as a takeover: another client holds this identity (the
/// broker said so, or keeps closing our session right after it opens).
pub(crate) fn identity_in_use(seen: Failure) -> Failure {
    match seen.kind {
        FailureKind::TakenOver => seen,
        _ => failure(
            FailureKind::TakenOver,
            "Another device or program is probably using this player's identity: the broker keeps closing this session soon after it opens. Close the other player (or give this computer its own credentials); this one waits several minutes before trying again.".into(),
        ),
    }
}

/// A view answered `player_not_registered`: removal leaves the MQTT session
/// up and the server drops what it sends, so this may be the only sign.
pub(crate) fn unknown_to_server() -> Failure {
    failure(
        FailureKind::Revoked,
        "Makapix Club no longer knows this player (its views are answered \"player not registered\"): it was removed from its Makapix account. Register it again or import new certificates.".into(),
    )
}

fn failure(kind: FailureKind, message: String) -> Failure {
    Failure { kind, message }
}

/// Finds the rustls error or the I/O error at the root of `err`.
/// (`io::Error::source` skips its own inner error, so `get_ref` is used too.)
fn causes<'a>(
    err: &'a (dyn StdError + 'static),
) -> (Option<&'a rustls::Error>, Option<&'a io::Error>) {
    let mut tls = None;
    let mut io_err = None;
    let mut next: Option<&'a (dyn StdError + 'static)> = Some(err);
    let mut depth = 0;
    while let Some(e) = next {
        depth += 1;
        if depth > 16 {
            break;
        }
        if let Some(t) = e.downcast_ref::<rustls::Error>() {
            tls = Some(t);
            break;
        }
        if let Some(i) = e.downcast_ref::<io::Error>() {
            io_err.get_or_insert(i);
            if let Some(inner) = i.get_ref() {
                next = Some(inner);
                continue;
            }
        }
        next = e.source();
    }
    (tls, io_err)
}

pub(crate) fn classify(err: &ConnectionError, broker: &str, timeout_secs: u64) -> Failure {
    match err {
        ConnectionError::Timeout(_) => failure(
            FailureKind::Timeout,
            format!(
                "No answer from {broker} within {timeout_secs} s. The network may block this port; try another network or ask its administrator to allow outgoing connections to it."
            ),
        ),
        ConnectionError::ConnectionRefused(code) => refused(*code, broker),
        ConnectionError::MqttState(StateError::ServerDisconnect {
            reason_code: DisconnectReasonCode::SessionTakenOver,
            ..
        }) => failure(FailureKind::TakenOver, TAKEN_OVER.into()),
        // Read as end of stream after the TLS close_notify: the broker closed the session on
        // purpose (an abrupt end, with no close_notify, is an I/O error below).
        ConnectionError::MqttState(StateError::ConnectionAborted) => failure(
            FailureKind::Closed,
            format!("The broker {broker} closed the session. The player will try again."),
        ),
        ConnectionError::Tls(rumqttc::TlsError::DNSName(_)) => failure(
            FailureKind::Other,
            format!("“{broker}” is not a valid broker host name. Check the broker address."),
        ),
        ConnectionError::InvalidUrl(_) | ConnectionError::WsConnect(_) => failure(
            FailureKind::Other,
            format!(
                "“{broker}” is not a usable WebSocket address; it should look like wss://makapix.club/mqtt."
            ),
        ),
        other => from_causes(other, broker),
    }
}

fn refused(code: ConnectReturnCode, broker: &str) -> Failure {
    use ConnectReturnCode as C;
    match code {
        // What Makapix's broker answers once the player was removed from its
        // account (its certificate revoked) or its owner banned.
        C::NotAuthorized | C::Banned | C::BadUserNamePassword => failure(
            FailureKind::Revoked,
            format!(
                "The broker {broker} refused this player (not authorized): it was probably removed from its Makapix account, or its certificate was revoked. Register the player again or import new certificates."
            ),
        ),
        C::BadAuthenticationMethod => failure(
            FailureKind::BadCertificate,
            format!(
                "The broker {broker} rejected the player's credentials. Re-import the credentials bundle or renew the certificate."
            ),
        ),
        C::ClientIdentifierNotValid | C::BadClientId => failure(
            FailureKind::Other,
            "The broker rejected the player key as client id. Check that the player key is the UUID from the credentials.".into(),
        ),
        C::ServerUnavailable | C::ServiceUnavailable | C::ServerBusy | C::ConnectionRateExceeded => {
            failure(
                FailureKind::Unavailable,
                format!("The broker {broker} is not available right now ({code:?}); the player will try again."),
            )
        }
        C::RefusedProtocolVersion | C::UnsupportedProtocolVersion => failure(
            FailureKind::Other,
            format!("The broker {broker} does not speak MQTT 5.0. Check the broker address."),
        ),
        other => failure(
            FailureKind::Other,
            format!("The broker {broker} refused the connection ({other:?})."),
        ),
    }
}

fn from_causes(err: &ConnectionError, broker: &str) -> Failure {
    // A TLS alert read while waiting for CONNACK arrives wrapped in a
    // deserialization error that does not link to its cause: unwrap it by hand.
    let root: &(dyn StdError + 'static) = match err {
        ConnectionError::MqttState(StateError::Deserialization(MqttError::Io(e))) => e,
        ConnectionError::MqttState(StateError::Io(e)) => e,
        other => other,
    };
    let (tls, io_err) = causes(root);
    if let Some(tls) = tls {
        return from_tls(tls, broker);
    }
    if let Some(e) = io_err {
        return match e.kind() {
            io::ErrorKind::ConnectionRefused => failure(
                FailureKind::Refused,
                format!(
                    "Nothing accepts connections at {broker}. Check the broker host and port, and that the broker is running."
                ),
            ),
            io::ErrorKind::TimedOut => failure(
                FailureKind::Timeout,
                format!(
                    "The connection to {broker} timed out. The network may block this port; try another network."
                ),
            ),
            io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe => failure(
                FailureKind::Other,
                format!("The connection to {broker} was closed ({e}). The player will try again."),
            ),
            _ => failure(
                FailureKind::Other,
                format!(
                    "The connection to {broker} failed: {e}. Check the network and the broker address."
                ),
            ),
        };
    }
    failure(
        FailureKind::Other,
        format!("The connection to {broker} failed: {err}."),
    )
}

fn from_tls(err: &rustls::Error, broker: &str) -> Failure {
    use rustls::Error as E;
    match err {
        E::AlertReceived(AlertDescription::CertificateRevoked) => failure(
            FailureKind::Revoked,
            format!(
                "The broker {broker} reports this player's certificate as revoked: the player was removed from its Makapix account or its certificate was replaced. Register the player again or import the new credentials."
            ),
        ),
        E::AlertReceived(AlertDescription::CertificateExpired) => failure(
            FailureKind::NotAuthorized,
            format!(
                "The broker {broker} reports this player's certificate as expired. Renew the certificate or re-import fresh credentials."
            ),
        ),
        E::AlertReceived(alert) => failure(
            FailureKind::BadCertificate,
            format!(
                "The broker {broker} rejected this player's certificate (TLS alert: {alert:?}). Re-import the credentials bundle or renew the certificate."
            ),
        ),
        E::InvalidCertificate(CertificateError::UnknownIssuer | CertificateError::BadSignature) => {
            failure(
                FailureKind::Handshake,
                format!(
                    "TLS handshake failed: the certificate of {broker} is not signed by the Makapix CA in this player's credentials. Check the broker address, or re-import the credentials bundle for this server."
                ),
            )
        }
        E::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        ) => failure(
            FailureKind::Handshake,
            format!(
                "TLS handshake failed: the broker's certificate is not issued for the host name in {broker}. Check the broker host name."
            ),
        ),
        E::InvalidCertificate(
            CertificateError::Expired | CertificateError::ExpiredContext { .. },
        ) => failure(
            FailureKind::Handshake,
            format!(
                "TLS handshake failed: the certificate of {broker} has expired (or this computer's clock is wrong). Check the date and time."
            ),
        ),
        E::InvalidCertificate(other) => failure(
            FailureKind::Handshake,
            format!(
                "TLS handshake failed: the certificate of {broker} was not accepted ({other:?})."
            ),
        ),
        other => failure(
            FailureKind::Handshake,
            format!(
                "TLS handshake with {broker} failed: {other}. Check the broker address and port."
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clean_close_is_told_from_an_abrupt_end() {
        // What rumqttc reports when the broker closed the TLS session (mosquitto's takeover).
        let clean = classify(
            &ConnectionError::MqttState(StateError::ConnectionAborted),
            "b:8883",
            15,
        );
        assert_eq!(clean.kind, FailureKind::Closed);
        assert_eq!(
            clean.message,
            "The broker b:8883 closed the session. The player will try again."
        );
        // A killed broker: the stream ends without close_notify.
        let abrupt = classify(
            &ConnectionError::MqttState(StateError::Io(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "peer closed connection without sending TLS close_notify",
            ))),
            "b:8883",
            15,
        );
        assert_eq!(abrupt.kind, FailureKind::Other);
    }

    #[test]
    fn a_session_taken_over_says_another_client_uses_the_identity() {
        let f = classify(
            &ConnectionError::MqttState(StateError::ServerDisconnect {
                reason_code: DisconnectReasonCode::SessionTakenOver,
                reason_string: None,
            }),
            "makapix.club:8883",
            15,
        );
        assert_eq!(f.kind, FailureKind::TakenOver);
        assert!(
            f.message
                .starts_with("Another device or program is using this player's identity")
        );
        assert_eq!(identity_in_use(f.clone()), f);
        let guessed = identity_in_use(failure(FailureKind::Other, "closed".into()));
        assert_eq!(guessed.kind, FailureKind::TakenOver);
        assert!(
            guessed
                .message
                .contains("probably using this player's identity")
        );
    }

    #[test]
    fn refusals_and_socket_errors_map_to_the_protocol_table() {
        let f = classify(
            &ConnectionError::ConnectionRefused(ConnectReturnCode::NotAuthorized),
            "b:1",
            5,
        );
        assert_eq!(f.kind, FailureKind::Revoked);
        assert!(f.message.contains("removed from its Makapix account"));
        let f = classify(
            &ConnectionError::ConnectionRefused(ConnectReturnCode::BadUserNamePassword),
            "b:1",
            5,
        );
        assert_eq!(f.kind, FailureKind::Revoked, "0x86 counts as a refusal too");
        let f = classify(
            &ConnectionError::Io(io::Error::from(io::ErrorKind::ConnectionRefused)),
            "b:1",
            5,
        );
        assert_eq!(f.kind, FailureKind::Refused);
        assert!(f.message.contains("host and port"));
        let alert = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::AlertReceived(AlertDescription::CertificateRevoked),
        );
        let f = classify(&ConnectionError::Io(alert), "b:1", 5);
        assert_eq!(f.kind, FailureKind::Revoked);
        // As rumqttc reports an alert that came while waiting for CONNACK.
        let expired = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::AlertReceived(AlertDescription::CertificateExpired),
        );
        let wrapped =
            ConnectionError::MqttState(StateError::Deserialization(MqttError::Io(expired)));
        let f = classify(&wrapped, "b:1", 5);
        assert_eq!(f.kind, FailureKind::NotAuthorized);
        assert!(f.message.contains("expired"), "{}", f.message);
        let unknown = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer),
        );
        let f = classify(
            &ConnectionError::Tls(rumqttc::TlsError::Io(unknown)),
            "b:1",
            5,
        );
        assert_eq!(f.kind, FailureKind::Handshake);
        assert!(f.message.contains("Makapix CA"));
    }
}
