//! What the window hears after an import: the set stored, and an old one
//! renewed at once (the web's bundle may be years old).

use crate::bridge::credentials::CredentialsEvent;
use crate::credentials::facts::ActiveSet;
use crate::credentials::renewal_schedule::Trigger;
use crate::credentials::service::{self, CredError, Service};
use crate::credentials::validate::format_date;

use super::{Reporter, credentials, registered, renewal, report_change, working};

/// An imported set near its expiry (the web's bundle may be old) renews at once.
pub(super) fn report(svc: &Service, sink: &Reporter, result: Result<ActiveSet, CredError>) {
    if let Ok(active) = &result
        && sink.renewals.now() >= active.not_after
    {
        renew_expired_import(svc, sink, active);
        return;
    }
    let imported = result.is_ok();
    report_change(svc, sink, result, "Credentials imported");
    if imported {
        renewal::check(svc, sink, Trigger::Installed);
    }
}

/// An imported set that expired renews before the session tries it, as at
/// start-up. Asked for by the user's import, so it is made whatever the
/// automatic schedule's back-off says, and counted in it.
fn renew_expired_import(svc: &Service, sink: &Reporter, active: &ActiveSet) {
    if let Ok(server) = svc.server() {
        sink.send(credentials(CredentialsEvent::Server(server)));
    }
    let expired = format_date(active.not_after);
    sink.send(working(&format!(
        "The imported certificate expired on {expired}; renewing it…"
    )));
    let result = svc.renew(sink.renewals.now(), service::random_u64());
    sink.renewals.record(&result);
    match result {
        Ok(_) => report_change(svc, sink, result, "Credentials imported and renewed"),
        Err(e) => {
            tracing::warn!("the imported certificate could not be renewed: {e}");
            registered(svc, sink);
            sink.send(credentials(CredentialsEvent::Failed(
                crate::player_key::redact(&format!(
                    "Credentials imported, but the certificate expired on {expired} and could not be renewed: {e} The player tries again by itself; Settings › Player › Renew now tries at once."
                ))
                .into_owned(),
            )));
        }
    }
    renewal::check(svc, sink, Trigger::Installed);
}
