//! The session with its effects carried out as the window does
//! (`app::carry_out`): a fake clock, no window, no broker, no thread.

use std::time::Duration;

use serde_json::json;

use crate::app::carry_out::{Clock, Player, Recorded, run_session};
use crate::player::LoadOutcome;
use crate::protocol::command::CommandAck;
use crate::protocol::request::RequestBody;
use crate::session::*;
use crate::settings::Settings;

pub(super) struct Rig {
    pub(super) session: Session,
    pub(super) engine: Engine,
    pub(super) settings: Settings,
    pub(super) now: Duration,
    /// What went to the runtime's connection, oldest first.
    pub(super) sent: Vec<ConnectionAction>,
    pub(super) notices: Vec<Notice>,
}

impl Rig {
    pub(super) fn new() -> Self {
        let settings = Settings::default();
        let mut session = Session::new(7, "Europe/Lisbon".into());
        session.set_online(true);
        Self {
            session,
            engine: Engine::new(settings.dwell()),
            settings,
            now: Duration::from_secs(1),
            sent: Vec::new(),
            notices: Vec::new(),
        }
    }

    /// One session call, its effects carried out as the window's controller does.
    pub(super) fn run<R>(
        &mut self,
        call: impl FnOnce(&mut Session, &Seen, &mut Effects) -> R,
    ) -> R {
        let player = Player {
            session: &mut self.session,
            engine: &mut self.engine,
            settings: &mut self.settings,
        };
        let clock = Clock {
            now: self.now,
            unix_secs: 1_700_000_000 + self.now.as_secs(),
        };
        let mut outside = Recorded {
            sent: &mut self.sent,
            notices: &mut self.notices,
        };
        run_session(player, clock, &mut outside, call)
    }

    /// Every artwork the engine wants has loaded (a still image).
    pub(super) fn load_all(&mut self) {
        for source in self.engine.wanted() {
            let ready = LoadOutcome::Ready {
                loop_duration: Duration::ZERO,
            };
            self.engine.on_loaded(&source, ready, self.now);
        }
    }

    pub(super) fn tick(&mut self, visible: bool) -> Option<Duration> {
        self.engine.tick(self.now);
        self.load_all();
        self.run(|s, seen, fx| s.tick(seen, visible, fx))
    }

    pub(super) fn advance(&mut self, by: Duration) {
        self.now += by;
    }

    /// The actions `pick` takes from what went to the runtime, oldest first;
    /// the rest stay.
    pub(super) fn drain<T>(&mut self, pick: impl Fn(&ConnectionAction) -> Option<T>) -> Vec<T> {
        let mut out = Vec::new();
        self.sent.retain(|a| match pick(a) {
            Some(taken) => {
                out.push(taken);
                false
            }
            None => true,
        });
        out
    }

    /// Requests sent since the last call, with their tags.
    pub(super) fn requests(&mut self) -> Vec<(u64, RequestBody)> {
        self.drain(|a| match a {
            ConnectionAction::Request { tag, body } => Some((*tag, (**body).clone())),
            _ => None,
        })
    }

    pub(super) fn acks(&mut self) -> Vec<CommandAck> {
        self.drain(|a| match a {
            ConnectionAction::Ack(ack) => Some(ack.clone()),
            _ => None,
        })
    }

    pub(super) fn views(&mut self) -> Vec<crate::protocol::view::ViewEvent> {
        self.drain(|a| match a {
            ConnectionAction::View(v) => Some(v.clone()),
            _ => None,
        })
    }

    pub(super) fn current_posts(&mut self) -> Vec<Option<i64>> {
        self.drain(|a| match a {
            ConnectionAction::SetCurrentPost(p) => Some(*p),
            _ => None,
        })
    }

    pub(super) fn answer(&mut self, tag: u64, result: Result<Response, RequestFailure>) {
        self.run(|s, seen, fx| s.on_answer(tag, result, seen, fx));
    }

    pub(super) fn command(&mut self, id: &str, kind: &str, payload: serde_json::Value) {
        let envelope: CommandEnvelope = serde_json::from_value(
            json!({"command_id": id, "command_type": kind, "payload": payload}),
        )
        .expect("a well-formed envelope");
        self.run(|s, seen, fx| s.on_command(&envelope, seen, fx));
    }

    pub(super) fn playing_ids(&self) -> Vec<i64> {
        self.engine
            .items()
            .iter()
            .filter_map(|i| i.source.post_id())
            .collect()
    }
}

pub(super) fn failure(sentence: &str) -> Result<Response, RequestFailure> {
    Err(RequestFailure {
        code: None,
        sentence: sentence.to_owned(),
    })
}

pub(super) fn cursor_of(body: &RequestBody) -> Option<String> {
    match body {
        RequestBody::QueryPosts(q) => q.cursor.clone(),
        other => panic!("expected query_posts, got {other:?}"),
    }
}
