//! What the app does with credentials, shared by the window (through the
//! runtime) and the command line: import, register, renew, remove, show.
//! Every method blocks (keyring, HTTPS); call it off the window thread.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::bundle::{self, BundleError, Input, PemSet};
use super::facts::{self, ActiveSet, FactsError, PlayerFacts};
use super::inherit::{self, Before};
use super::install_lock::{self, InstallLock, LockError};
use super::keyring_store::{KeyringStore, Secrets, Slot, StoreError};
use super::migrate;
use super::register::{Api, HttpError, Poll, Renewal};
use super::renewal::{self, NextPoll, PollOutcome, PollTiming};
use super::server::{self as server, Overrides, PlayerApi, Server, ServerError};
use super::validate::{self, Identity, ValidationError};
use crate::protocol::http::Secret;

/// How many earlier generations `remove` also clears.
pub(crate) const ORPHAN_GENERATIONS: u32 = 4;

#[derive(Debug, thiserror::Error)]
pub enum CredError {
    #[error(transparent)]
    Bundle(#[from] BundleError),
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Facts(#[from] FactsError),
    #[error(transparent)]
    Http(#[from] HttpError),
    #[error(transparent)]
    Server(#[from] ServerError),
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(
        "The server addresses saved in the settings are not used: {0} Choose the server again in Settings › Player."
    )]
    SavedServer(ServerError),
    #[error("This player is not registered: import credentials or register it first.")]
    NotRegistered,
    #[error(
        "The server does not renew this certificate yet (only near its expiry); the current certificate stays in use."
    )]
    TooEarly,
    #[error(
        "The server refused the renewal even with a new token; the current certificate stays in use."
    )]
    TokenRefused,
    #[error(
        "Makapix Club does not renew this certificate while the owner's account is banned or deactivated; the current certificate stays in use. The owner can ask Makapix Club's moderators about it."
    )]
    OwnerBlocked,
    #[error(
        "This certificate expired on {expired}, and the one stored for this player is newer (it ends on {stored}). Nothing was changed."
    )]
    OlderThanStored { expired: String, stored: String },
    #[error("The registration code expired before it was entered.")]
    CodeExpired,
    #[error("Registration was cancelled.")]
    Cancelled,
    #[error("No per-user config folder is known, so the player cannot remember its identity.")]
    NoConfigFolder,
}

/// Registration steps worth showing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Show this code until `expires_at` (Unix seconds).
    Code { code: String, expires_at: i64 },
    /// The server asked us to slow down; the next poll is in `wait`.
    RateLimited { wait: Duration },
    /// The code was entered; storing the credentials.
    Storing,
}

pub struct Service {
    store: Result<KeyringStore, StoreError>,
    facts_path: Option<PathBuf>,
    overrides: Overrides,
    pub timing: PollTiming,
}

impl Service {
    pub fn new(
        store: Result<KeyringStore, StoreError>,
        facts_path: Option<PathBuf>,
        overrides: Overrides,
    ) -> Self {
        Self {
            store,
            facts_path,
            overrides,
            timing: PollTiming::default(),
        }
    }

    /// The OS keyring and `player.json` in the per-user config folder.
    pub(crate) fn for_user(
        paths: Option<&crate::storage::paths::AppPaths>,
        overrides: Overrides,
    ) -> Self {
        Self::new(
            KeyringStore::native(),
            paths.map(|p| p.config.join(facts::FILE_NAME)),
            overrides,
        )
    }

    /// Imports picked files (a bundle, or the three PEM files).
    pub fn import_files(
        &self,
        paths: &[PathBuf],
        now: i64,
        random: u64,
    ) -> Result<ActiveSet, CredError> {
        let files = bundle::read_files(paths)?;
        let set = bundle::parse_files(&files)?;
        self.install_imported(set, now, random)
    }

    /// False when no keyring service could be opened.
    pub(crate) fn keyring_available(&self) -> bool {
        self.store.is_ok()
    }

    fn store(&self) -> Result<&KeyringStore, CredError> {
        self.store.as_ref().map_err(|e| CredError::Store(e.clone()))
    }

    fn path(&self) -> Result<&PathBuf, CredError> {
        self.facts_path.as_ref().ok_or(CredError::NoConfigFolder)
    }

    /// Held while the stored set changes, so an install from the command line
    /// and one from a window never interleave (`install_lock`).
    fn exclusive(&self) -> Result<InstallLock, CredError> {
        Ok(install_lock::acquire(self.path()?)?)
    }

    pub fn facts(&self) -> Result<PlayerFacts, CredError> {
        match &self.facts_path {
            Some(path) => Ok(facts::load(path)?),
            None => Ok(PlayerFacts::default()),
        }
    }

    /// The server in use: the saved choice, checked again (the file may have
    /// been edited, or saved by a version with a looser rule), with the
    /// command-line flags on top.
    pub fn server(&self) -> Result<Server, CredError> {
        let server = self.facts()?.server.sanitized();
        let server = server.with_overrides(&self.overrides)?;
        // The flags passed their own check: what fails here was saved.
        server.checked().map_err(CredError::SavedServer)
    }

    /// Where requests and views go over HTTPS: the address the credentials
    /// named, else the server's (`--api` overrides both). Logs why a named one is not used.
    pub fn player_api(&self) -> Result<PlayerApi, CredError> {
        let named = self.facts()?.active.and_then(|a| a.https_api);
        let chosen = server::player_api(
            &self.server()?,
            self.overrides.api.is_some(),
            named.as_deref(),
        );
        match (&chosen.refused, &named) {
            (Some(why), _) => tracing::warn!(
                "the HTTPS API address kept with the credentials is not used ({why}); using the server's {}",
                chosen.base_url
            ),
            (None, None) => tracing::info!(
                "the credentials name no HTTPS API address; using the server's {}",
                chosen.base_url
            ),
            (None, Some(_)) => {}
        }
        Ok(chosen)
    }

    /// Saves the server choice once its API and vault addresses pass the https rule.
    pub fn set_server(&self, server: Server) -> Result<(), CredError> {
        let server = server.checked()?;
        let mut f = self.facts()?;
        f.server = server;
        Ok(facts::save(self.path()?, &f)?)
    }

    /// The active set, after checking its secrets are really in the keyring.
    /// A set an earlier version stored is moved to this version's scheme once
    /// the keyring answers (`migrate`); a failed move leaves it in use.
    pub fn load(&self) -> Result<Option<ActiveSet>, CredError> {
        let facts = self.facts()?;
        let Some(active) = facts.active else {
            return Ok(None);
        };
        let secrets = self.secrets_of(&active)?;
        if !active.slot.is_legacy() {
            if facts.legacy_leftover.is_some() {
                migrate::sweep(self.store()?, self.path()?, &secrets);
            }
            return Ok(Some(active));
        }
        migrate::upgrade_logged(self.store()?, self.path()?);
        Ok(self.facts()?.active)
    }

    /// The secrets of the active set (for the MQTT session and renewal).
    pub fn secrets(&self) -> Result<(ActiveSet, Secrets), CredError> {
        let active = self.facts()?.active.ok_or(CredError::NotRegistered)?;
        let secrets = self.secrets_of(&active)?;
        Ok((active, secrets))
    }

    fn secrets_of(&self, active: &ActiveSet) -> Result<Secrets, CredError> {
        let secrets = self.store()?.read(&active.slot)?;
        // From here on the log and errors show this key short (see player_key).
        crate::player_key::remember(&secrets.player_key()?);
        Ok(secrets)
    }

    /// The whole player key, read from the keyring (Show key, `--reveal`).
    pub fn player_key(&self) -> Result<String, CredError> {
        Ok(self.secrets()?.1.player_key()?)
    }

    pub fn import(
        &self,
        inputs: &[Input<'_>],
        now: i64,
        random: u64,
    ) -> Result<ActiveSet, CredError> {
        let set = bundle::parse(inputs)?;
        self.install_imported(set, now, random)
    }

    /// Installs a set the user brought, which may have expired: its player key
    /// renews it (the caller's renewal check finds it due at once).
    fn install_imported(&self, set: PemSet, now: i64, random: u64) -> Result<ActiveSet, CredError> {
        let identity = validate::validate_import(&set, now)?;
        self.store_set(set, identity, now, random)
    }

    /// Validates a set from the server (renewed or registered), then stores it.
    pub fn install(&self, set: PemSet, now: i64, random: u64) -> Result<ActiveSet, CredError> {
        let identity = validate::validate(&set, now)?;
        self.store_set(set, identity, now, random)
    }

    /// Stores under a new slot, switches the facts to it, then deletes the old
    /// slot: until the switch the old set stays in force.
    fn store_set(
        &self,
        set: PemSet,
        identity: Identity,
        now: i64,
        random: u64,
    ) -> Result<ActiveSet, CredError> {
        let mut secrets = Secrets::from_pem(&set)?;
        let store = self.store()?;
        let _turn = self.exclusive()?;
        let path = self.path()?;
        let mut f = self.facts()?;
        let old = f.active.take();
        // The set in force, read back: its certificate says which player it is.
        let stored = old
            .as_ref()
            .and_then(|o| Some((o, store.read(&o.slot).ok()?)));
        let before = stored.as_ref().and_then(|(a, s)| Before::new(a, s));
        if let Some(until) = inherit::newer_stored(before.as_ref(), &identity, now) {
            return Err(CredError::OlderThanStored {
                expired: validate::format_date(identity.not_after),
                stored: validate::format_date(until),
            });
        }
        let (player, api) = (&identity.player_key, &f.server.api_base);
        inherit::carry_token(&set, &mut secrets, before.as_ref(), player, api);
        let https_api = inherit::https_api_of(&set, before.as_ref(), player);
        let slot = Slot::after(old.as_ref().map(|o| &o.slot))?;
        store.write(&slot, &secrets)?;
        crate::player_key::remember(&identity.player_key);
        let active = ActiveSet {
            slot: slot.clone(),
            shown_key: facts::shown_key(&identity.player_key),
            not_before: identity.not_before,
            not_after: identity.not_after,
            issuer: identity.issuer,
            has_token: secrets.api_token.is_some(),
            renew_at: Some(renewal::renew_at(
                identity.not_before,
                identity.not_after,
                random,
            )),
            https_api,
        };
        if let Some(broker) = &set.broker {
            f.server = f.server.with_broker(&broker.host, broker.port);
        }
        f.active = Some(active.clone());
        let left = old
            .as_ref()
            .and_then(|o| migrate::leftover_of(&o.slot, player));
        f.legacy_leftover = left.or(f.legacy_leftover);
        if let Err(e) = facts::save(path, &f) {
            // The switch failed: the old set is still the one named on disk.
            let _ = store.delete(&slot);
            return Err(e.into());
        }
        match old.filter(|o| o.slot != slot) {
            Some(old) if left.is_some() => migrate::delete_leftover(store, path, &old.slot),
            Some(old) => {
                if let Err(e) = store.delete(&old.slot) {
                    tracing::warn!("the previous credentials could not be removed: {e}");
                }
            }
            None => {}
        }
        tracing::info!(
            "credentials stored for player {}",
            crate::player_key::short(&identity.player_key)
        );
        Ok(active)
    }

    /// Deletes every stored secret of this player; false when none were stored.
    pub fn remove(&self) -> Result<bool, CredError> {
        if self.facts_path.is_none() {
            return Ok(false); // Nothing can have been stored without a config folder.
        }
        let _turn = self.exclusive()?;
        let mut f = self.facts()?;
        let Some(active) = f.active.take() else {
            return Ok(false);
        };
        self.store()?
            .delete_with_earlier(&active.slot, ORPHAN_GENERATIONS)?;
        facts::save(self.path()?, &f)?;
        tracing::info!(
            "credentials removed for player {}",
            crate::player_key::short(&active.shown_key)
        );
        Ok(true)
    }

    /// Renews the certificate now: make-before-break, and on any failure the
    /// current certificate stays in use. A player without a token (imported
    /// from the web's bundle) first gets one from `token/rotate`; a refused
    /// token is rotated once. When the server says "not yet" because the owner
    /// already renewed from the web, the set the owner made is installed.
    pub fn renew(&self, now: i64, random: u64) -> Result<ActiveSet, CredError> {
        let (active, secrets) = self.secrets()?;
        let key = secrets.player_key()?;
        let api = Api::new(&self.server()?.api_base);
        let mut token = match secrets.api_token {
            Some(token) => token,
            None => {
                tracing::info!("no API token stored; getting one with token/rotate");
                self.rotate(&api, &active, &key, None)?
            }
        };
        let mut answer = api.renew(&token)?;
        if matches!(answer, Renewal::BadToken) {
            tracing::info!("the API token was refused; rotating it");
            token = self.rotate(&api, &active, &key, Some(&token))?;
            answer = api.renew(&token)?;
        }
        match answer {
            Renewal::Renewed(r) => {
                let set = PemSet {
                    ca_pem: r.ca_pem,
                    cert_pem: r.cert_pem,
                    key_pem: r.key_pem,
                    broker: None,
                    // Renewal names no API address: the one in force stays.
                    https_api: None,
                    api_token: Some(token),
                };
                self.install(set, now, random)
            }
            Renewal::TooEarly => self.adopt_web_renewal(&api, &active, &key, token, now, random),
            Renewal::BadToken => Err(CredError::TokenRefused),
            Renewal::OwnerBlocked => Err(CredError::OwnerBlocked),
        }
    }

    /// The token for the HTTPS player API: the stored one, else a new one from
    /// `token/rotate` (a player imported from the web's bundle has none).
    pub fn api_token(&self) -> Result<Secret, CredError> {
        let (active, secrets) = self.secrets()?;
        match secrets.api_token {
            Some(token) => Ok(token),
            None => {
                tracing::info!("no API token stored; getting one with token/rotate");
                let api = Api::new(&self.server()?.api_base);
                self.rotate(&api, &active, &secrets.player_key()?, None)
            }
        }
    }

    /// A new token after `refused` was answered 401 (unless another part of
    /// the player stored a new one meanwhile).
    pub(crate) fn rotate_api_token(&self, refused: &Secret) -> Result<Secret, CredError> {
        let (active, secrets) = self.secrets()?;
        let key = secrets.player_key()?;
        if let Some(token) = secrets.api_token.filter(|t| t != refused) {
            return Ok(token);
        }
        tracing::info!("the API token was refused; rotating it");
        let api = Api::new(&self.server()?.api_base);
        self.rotate(&api, &active, &key, Some(refused))
    }

    /// A new token from the player key; stored at once, since the old one is now revoked.
    fn rotate(
        &self,
        api: &Api,
        active: &ActiveSet,
        player_key: &str,
        old: Option<&Secret>,
    ) -> Result<Secret, CredError> {
        let token = api.rotate_token(player_key, old)?.api_token;
        let _turn = self.exclusive()?;
        super::rotated_token::keep(
            self.store()?,
            self.path()?,
            &active.slot,
            player_key,
            &token,
        )?;
        Ok(token)
    }

    /// After a 400 from `renew-cert`: the owner may have renewed from the web,
    /// in which case the credentials endpoint holds a set newer than ours.
    fn adopt_web_renewal(
        &self,
        api: &Api,
        active: &ActiveSet,
        player_key: &str,
        token: Secret,
        now: i64,
        random: u64,
    ) -> Result<ActiveSet, CredError> {
        // Whatever else the endpoint says, the server's answer stands: not yet.
        let Ok(Poll::Ready(creds)) = api.poll_credentials(player_key) else {
            return Err(CredError::TooEarly);
        };
        let mut set = PemSet::from(*creds);
        // `api_token` is null after the first fetch: ours stays valid.
        set.api_token.get_or_insert(token);
        let newer = validate::validate(&set, now)
            .is_ok_and(|id| id.player_key == player_key && id.not_after > active.not_after);
        if !newer {
            return Err(CredError::TooEarly);
        }
        tracing::info!("the owner renewed this player's certificate from the web; installing it");
        self.install(set, now, random)
    }

    /// Provisions, reports the code, polls until the owner enters it, stores
    /// the credentials (with the one-time token). With `new_code_on_expiry`
    /// an expired code is replaced by a fresh one; otherwise it ends the call.
    pub fn register(
        &self,
        cancel: &AtomicBool,
        new_code_on_expiry: bool,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<ActiveSet, CredError> {
        let set = self.await_registration(cancel, new_code_on_expiry, progress)?;
        self.install(set, unix_now(), random_u64())
    }

    /// `register` up to the credentials, not stored yet: the caller installs
    /// them under the same lock as imports and renewals (polling lasts
    /// minutes and must not hold that lock).
    pub(crate) fn await_registration(
        &self,
        cancel: &AtomicBool,
        new_code_on_expiry: bool,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<PemSet, CredError> {
        let server = self.server()?;
        let api = Api::new(&server.api_base);
        loop {
            let provision = api.provision()?;
            crate::player_key::remember(&provision.player_key);
            let expires_at = renewal::code_deadline(
                parse_time(&provision.registration_code_expires_at),
                unix_now(),
            );
            progress(Progress::Code {
                code: provision.registration_code.clone(),
                expires_at,
            });
            let expires = Duration::from_secs(expires_at.max(0) as u64);
            let mut failures = 0;
            loop {
                let outcome = match api.poll_credentials(&provision.player_key) {
                    Ok(Poll::Ready(creds)) => {
                        progress(Progress::Storing);
                        let mut set = PemSet::from(*creds);
                        if set.broker.is_none() {
                            set.broker = provision.mqtt_broker.clone();
                        }
                        if set.https_api.is_none() {
                            set.https_api = provision.https_api.clone();
                        }
                        return Ok(set);
                    }
                    Ok(Poll::Pending) => PollOutcome::Pending,
                    Ok(Poll::RateLimited) => PollOutcome::RateLimited,
                    // A bad minute (server error, lost network) must not end a
                    // registration whose code is still valid.
                    Err(e @ (HttpError::Network(_) | HttpError::Status(500..=599))) => {
                        failures += 1;
                        tracing::warn!("credentials poll failed ({failures} in a row): {e}");
                        PollOutcome::Unreachable { failures }
                    }
                    Err(e) => return Err(e.into()),
                };
                if !matches!(outcome, PollOutcome::Unreachable { .. }) {
                    failures = 0;
                }
                match renewal::next_poll(outcome, since_epoch(), expires, self.timing) {
                    NextPoll::After(wait) => {
                        if outcome == PollOutcome::RateLimited {
                            progress(Progress::RateLimited { wait });
                        }
                        sleep_unless_cancelled(wait, cancel)?;
                    }
                    NextPoll::CodeExpired if new_code_on_expiry => break,
                    NextPoll::CodeExpired => return Err(CredError::CodeExpired),
                }
            }
        }
    }
}

fn sleep_unless_cancelled(wait: Duration, cancel: &AtomicBool) -> Result<(), CredError> {
    let step = Duration::from_millis(50);
    let mut left = wait;
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Err(CredError::Cancelled);
        }
        if left.is_zero() {
            return Ok(());
        }
        let nap = left.min(step);
        std::thread::sleep(nap);
        left -= nap;
    }
}

fn since_epoch() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

pub fn unix_now() -> i64 {
    since_epoch().as_secs() as i64
}

/// A random number for renewal jitter, from the standard library's per-process random keys.
pub fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(since_epoch().as_nanos());
    hasher.finish()
}

/// RFC 3339 → Unix seconds.
pub(crate) fn parse_time(text: &str) -> Option<i64> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_times_parse() {
        assert_eq!(parse_time("1970-01-01T00:01:00Z"), Some(60));
        assert_eq!(parse_time("1970-01-01T00:01:00.250+00:00"), Some(60));
        assert_eq!(parse_time("soon"), None);
    }
}
