//! One session call with what the player looks like now (`Seen`), and what it
//! asks (`Effects`) carried out in order. The controller runs every session
//! call through here, and so do the session's tests, with their own `Outside`.

use std::path::PathBuf;
use std::time::Duration;

use crate::bridge::Action as RuntimeAction;
use crate::player::{ArtworkSource, Engine, LoadOutcome};
use crate::session::{Effect, Effects, Notice, Seen, Session};
use crate::settings::Settings;
use crate::storage::last_channel::LastChannel;

/// Where the effects that leave the session, the engine and the settings go.
pub trait Outside {
    /// An action for the background runtime (network, artwork cache).
    fn send(&mut self, action: RuntimeAction);
    /// A notice for the status bar; `unless_shown`: only when it shows none.
    fn notice(&mut self, notice: Notice, unless_shown: bool);
    /// The Makapix channel kept for the next start (`None`: forget it).
    fn keep_channel(&mut self, channel: Option<LastChannel>);
    /// A post's file is on disk: decode it for `source`.
    fn decode(&mut self, source: ArtworkSource, path: PathBuf);
    /// A post's file cannot be had: the placeholder says why (the engine is
    /// told by `run_session`).
    fn load_failed(&mut self, source: ArtworkSource, reason: String);
    /// A post's file that could not be had may be now: its placeholder goes.
    fn load_again(&mut self, source: ArtworkSource);
}

/// What a session call sees and changes.
pub struct Player<'a> {
    pub session: &'a mut Session,
    pub engine: &'a mut Engine,
    pub settings: &'a mut Settings,
}

/// When a call runs: monotonic time, and wall-clock seconds (views' timestamps).
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    pub now: Duration,
    pub unix_secs: u64,
}

/// Runs one session call with what the player looks like now, then carries
/// out what it asked, in order.
pub fn run_session<R>(
    player: Player<'_>,
    clock: Clock,
    outside: &mut impl Outside,
    call: impl FnOnce(&mut Session, &Seen, &mut Effects) -> R,
) -> R {
    let Player {
        session,
        engine,
        settings,
    } = player;
    let mut fx = Effects::default();
    let seen = Seen {
        engine,
        settings,
        now: clock.now,
        unix_secs: clock.unix_secs,
    };
    let result = call(session, &seen, &mut fx);
    for effect in fx.take() {
        carry_out(effect, engine, settings, clock.now, outside);
    }
    result
}

fn carry_out(
    effect: Effect,
    engine: &mut Engine,
    settings: &mut Settings,
    now: Duration,
    outside: &mut impl Outside,
) {
    match effect {
        Effect::Runtime(action) => outside.send(action),
        Effect::Engine(command) => command.apply(engine, now),
        Effect::Display(change) => change.apply(settings),
        Effect::Notice(notice) => outside.notice(notice, false),
        Effect::NoticeUnlessShown(notice) => outside.notice(notice, true),
        Effect::KeepChannel(channel) => outside.keep_channel(channel.map(|c| *c)),
        Effect::Decode { source, path } => outside.decode(source, path),
        Effect::LoadFailed { source, reason } => {
            outside.load_failed(source.clone(), reason);
            engine.on_loaded(&source, LoadOutcome::Failed, now);
        }
        Effect::LoadAgain(source) => outside.load_again(source),
    }
}

/// What the session's tests keep of the effects: what went to the runtime's
/// connection and the notices, oldest first; the rest goes nowhere.
#[cfg(test)]
pub(crate) struct Recorded<'a> {
    pub sent: &'a mut Vec<crate::bridge::connection::ConnectionAction>,
    pub notices: &'a mut Vec<Notice>,
}

#[cfg(test)]
impl Outside for Recorded<'_> {
    fn send(&mut self, action: RuntimeAction) {
        if let RuntimeAction::Connection(action) = action {
            self.sent.push(action);
        }
    }
    fn notice(&mut self, notice: Notice, _unless_shown: bool) {
        self.notices.push(notice);
    }
    fn keep_channel(&mut self, _channel: Option<LastChannel>) {}
    fn decode(&mut self, _source: ArtworkSource, _path: PathBuf) {}
    fn load_failed(&mut self, _source: ArtworkSource, _reason: String) {}
    fn load_again(&mut self, _source: ArtworkSource) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bridge::connection::ConnectionAction;
    use crate::player::QueueItem;
    use crate::session::{DisplayChange, EngineCommand};

    #[derive(Default)]
    struct Seen {
        order: Vec<String>,
    }

    impl Outside for Seen {
        fn send(&mut self, action: RuntimeAction) {
            self.order.push(format!("send {action:?}"));
        }
        fn notice(&mut self, notice: Notice, unless_shown: bool) {
            self.order
                .push(format!("notice {} {unless_shown}", notice.text));
        }
        fn keep_channel(&mut self, channel: Option<LastChannel>) {
            self.order.push(format!("keep {}", channel.is_some()));
        }
        fn decode(&mut self, source: ArtworkSource, _path: PathBuf) {
            self.order.push(format!("decode {}", source.display_name()));
        }
        fn load_failed(&mut self, source: ArtworkSource, reason: String) {
            self.order
                .push(format!("failed {} {reason}", source.display_name()));
        }
        fn load_again(&mut self, source: ArtworkSource) {
            self.order.push(format!("again {}", source.display_name()));
        }
    }

    #[test]
    fn each_effect_is_carried_out_in_the_order_asked() {
        let mut session = Session::new(7, String::new());
        let mut engine = Engine::new(Duration::from_secs(30));
        let mut settings = Settings::default();
        let mut outside = Seen::default();
        let sun = ArtworkSource::Embedded("sun-64.png");
        let clock = Clock {
            now: Duration::from_secs(1),
            unix_secs: 1_700_000_000,
        };
        let player = Player {
            session: &mut session,
            engine: &mut engine,
            settings: &mut settings,
        };
        let said = run_session(player, clock, &mut outside, |_, seen, fx| {
            assert_eq!(seen.unix_secs, 1_700_000_000, "the clock passed in");
            fx.notice(Notice::info("one"));
            fx.engine(EngineCommand::Play(vec![QueueItem::new(sun.clone())]));
            fx.push(Effect::Display(DisplayChange::Brightness(12)));
            fx.connection(ConnectionAction::ReconnectNow);
            fx.push(Effect::NoticeUnlessShown(Notice::info("two")));
            fx.push(Effect::KeepChannel(None));
            fx.push(Effect::LoadFailed {
                source: sun.clone(),
                reason: "gone".into(),
            });
            "answered"
        });
        assert_eq!(said, "answered");
        assert_eq!(
            outside.order,
            [
                "notice one false",
                "send Connection(ReconnectNow)",
                "notice two true",
                "keep false",
                "failed sun-64.png gone",
            ]
        );
        assert_eq!(settings.brightness, 12, "the display change applied");
        assert_eq!(engine.items().len(), 1, "the engine plays what was asked");
    }
}
