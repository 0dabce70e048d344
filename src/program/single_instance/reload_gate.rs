//! Credentials reloads asked for by other processes, at most one per
//! `SPACING`: each reload ends the MQTT session and starts another, so a
//! script (or another local program of this user) calling `credentials` in a
//! loop must not keep the player reconnecting. The last change is never lost:
//! a reload asked for too soon is owed, and made once the spacing has passed.

use std::time::{Duration, Instant};

pub const SPACING: Duration = Duration::from_secs(10);

#[derive(Debug, Default)]
pub(crate) struct ReloadGate {
    last: Option<Instant>,
    owed: bool,
}

impl ReloadGate {
    /// A reload is asked for at `now`: whether to make it now (else it is owed).
    pub fn ask(&mut self, now: Instant) -> bool {
        self.owed = true;
        self.due(now)
    }

    /// Whether an owed reload is to be made at `now`.
    pub fn due(&mut self, now: Instant) -> bool {
        let spaced = self
            .last
            .is_none_or(|last| now.saturating_duration_since(last) >= SPACING);
        if self.owed && spaced {
            self.owed = false;
            self.last = Some(now);
            true
        } else {
            false
        }
    }

    /// When the owed reload will be due, if one is owed.
    pub(crate) fn next_due(&self) -> Option<Instant> {
        match (self.owed, self.last) {
            (true, Some(last)) => Some(last + SPACING),
            (true, None) => Some(Instant::now()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_makes_one_reload_now_and_one_after_the_spacing() {
        let mut gate = ReloadGate::default();
        let start = Instant::now();
        assert!(gate.ask(start));
        assert_eq!(gate.next_due(), None);
        for s in 1..=9 {
            assert!(!gate.ask(start + Duration::from_secs(s)), "at {s} s");
        }
        assert!(!gate.due(start + Duration::from_millis(9_999)));
        assert_eq!(gate.next_due(), Some(start + SPACING));
        assert!(gate.due(start + SPACING), "the last change is not lost");
        assert!(!gate.due(start + SPACING * 3), "owed once, made once");
        assert!(
            gate.ask(start + SPACING * 3),
            "a later change reloads at once"
        );
    }
}
