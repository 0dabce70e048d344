//! The player key works as a password at Makapix: `GET /player/{key}/credentials`
//! hands out the certificate and private key to whoever knows it, and
//! `token/rotate` mints an API token for it. So everything a person sees or may
//! send on (logs, Diagnostics, the status bar, errors, panics, the command line)
//! shows its short form, `fa16acc1…`; only an explicit `reveal` shows it whole.
//!
//! The keys this process has met are also remembered, so the log writer and the
//! panic hook can replace any whole key that slipped into a message built
//! elsewhere (a crate's error naming a URL, a topic).

use std::borrow::Cow;
use std::fmt;
use std::sync::RwLock;

/// How many characters of a key are shown: enough to tell two players apart.
pub(crate) const SHOWN_CHARS: usize = 8;

/// A player key for display: `Display` and `Debug` show the short form.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Short<'a>(&'a str);

/// The short form of `key`, for `format!` and `tracing` calls.
pub fn short(key: &str) -> Short<'_> {
    Short(key)
}

impl Short<'_> {
    /// The whole key, for the one place that must show it (the user asked).
    pub fn reveal(&self) -> &str {
        self.0
    }
}

impl fmt::Display for Short<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: String = self.0.chars().take(SHOWN_CHARS).collect();
        write!(f, "{shown}…")
    }
}

impl fmt::Debug for Short<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

/// A whole player key carried in a message: `Debug` shows it short, so a
/// stray `{:?}` of what carries it prints no password.
#[derive(Clone, PartialEq, Eq)]
pub struct Key(String);

impl Key {
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// The whole key, for what needs it (a comparison, Show key).
    pub fn reveal(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&short(&self.0), f)
    }
}

/// A topic under `makapix/player/{key}/` with the key in its short form
/// (Diagnostics and the log name topics; the key is the same on every line).
pub fn topic(topic: &str) -> String {
    const PREFIX: &str = "makapix/player/";
    match topic.strip_prefix(PREFIX) {
        Some(rest) => {
            let (key, tail) = rest.split_once('/').unwrap_or((rest, ""));
            let slash = if rest.contains('/') { "/" } else { "" };
            format!("{PREFIX}{}{slash}{tail}", short(key))
        }
        None => topic.to_owned(),
    }
}

/// Every key this process has met (registration, import, `player.json`).
static KNOWN: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Keys shorter than this are not remembered: replacing them would mangle
/// ordinary words (real keys are 36-character UUIDs).
const MIN_REMEMBERED: usize = 16;

/// Remembers `key`, so `redact` replaces it wherever it appears.
pub(crate) fn remember(key: &str) {
    if key.len() < MIN_REMEMBERED {
        return;
    }
    if let Ok(mut known) = KNOWN.write()
        && !known.iter().any(|k| k == key)
    {
        known.push(key.to_owned());
    }
}

/// `text` with every whole key this process has met in its short form.
pub fn redact(text: &str) -> Cow<'_, str> {
    let Ok(known) = KNOWN.read() else {
        return Cow::Borrowed(text);
    };
    let mut out = Cow::Borrowed(text);
    for key in known.iter() {
        if out.contains(key.as_str()) {
            out = Cow::Owned(out.replace(key.as_str(), &short(key).to_string()));
        }
    }
    out
}

/// Panic messages go through `redact` too: a panic's text is printed to
/// stderr, which users paste into bug reports.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned());
        match message {
            Some(message) if redact(&message) != message => {
                let place = info
                    .location()
                    .map(|l| format!(" at {}:{}", l.file(), l.line()))
                    .unwrap_or_default();
                let thread = std::thread::current();
                eprintln!(
                    "thread '{}' panicked{place}:\n{}",
                    thread.name().unwrap_or("<unnamed>"),
                    redact(&message)
                );
            }
            _ => previous(info),
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_carried_in_a_message_debug_prints_short() {
        let key = "3f2b8c1e-7d4a-4e6b-9a15-2c8d0e7f6a91";
        let waiting = crate::bridge::credentials::CredentialsEvent::KeyringWaiting {
            player_key: Key::new(key),
        };
        let printed = format!("{waiting:?}");
        assert!(
            !printed.contains(key) && printed.contains("\"3f2b8c1e…\""),
            "{printed}"
        );
        assert_eq!(Key::new(key).reveal(), key);
    }

    const KEY: &str = "fa16acc1-5d2c-4f4e-9d0b-2b8e7c1f00aa";

    #[test]
    fn the_short_form_is_eight_characters_and_an_ellipsis() {
        assert_eq!(short(KEY).to_string(), "fa16acc1…");
        assert_eq!(format!("{:?}", short(KEY)), "\"fa16acc1…\"");
        assert_eq!(short(KEY).reveal(), KEY);
        assert_eq!(short("k").to_string(), "k…");
    }

    /// Structures that carry the key print it short when debugged (a log line, a panic).
    #[test]
    fn structures_holding_the_key_debug_it_short() {
        // Written by an earlier version: the slot's id is the whole key.
        let slot = crate::credentials::keyring_store::Slot {
            id: KEY.into(),
            generation: 3,
        };
        let summary = crate::bridge::credentials::PlayerSummary {
            player_key: KEY.into(),
            not_after: 0,
            issuer: "CA".into(),
            has_token: false,
        };
        for shown in [format!("{slot:?}"), format!("{summary:?}")] {
            assert!(
                !shown.contains(KEY) && shown.contains("fa16acc1…"),
                "{shown}"
            );
        }
    }

    #[test]
    fn a_topic_names_the_key_in_its_short_form() {
        assert_eq!(
            topic(&format!("makapix/player/{KEY}/response/r1")),
            "makapix/player/fa16acc1…/response/r1"
        );
        assert_eq!(
            topic(&format!("makapix/player/{KEY}")),
            "makapix/player/fa16acc1…"
        );
        assert_eq!(topic("other/topic"), "other/topic");
    }

    /// The hook is process-wide, so the panic happens in a child: this test
    /// binary run again for this one test, told by the environment to panic.
    #[test]
    fn a_panic_message_shows_a_remembered_key_short() {
        const NAME: &str = "player_key::tests::a_panic_message_shows_a_remembered_key_short";
        if std::env::var_os("MAKAPIX_PANIC_CHILD").is_some() {
            install_panic_hook();
            remember(KEY);
            panic!("GET /player/{KEY}/credentials failed");
        }
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", NAME, "--nocapture", "--test-threads=1"])
            .env("MAKAPIX_PANIC_CHILD", "1")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "the child did not panic: {err}");
        assert!(
            err.contains("GET /player/fa16acc1…/credentials failed"),
            "{err}"
        );
        assert!(!err.contains(KEY), "{err}");
    }

    #[test]
    fn a_remembered_key_is_shortened_wherever_it_appears() {
        let key = "0b5e1f2a-1111-4222-8333-944455556666";
        let text = format!("GET /player/{key}/credentials failed for {key}");
        assert_eq!(redact(&text), text, "not met yet");
        remember(key);
        remember("short");
        assert_eq!(
            redact(&text),
            "GET /player/0b5e1f2a…/credentials failed for 0b5e1f2a…"
        );
        assert_eq!(redact("a short word"), "a short word");
    }
}
