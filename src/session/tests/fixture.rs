//! Small builders for the session's feature tests: a player (engine, settings,
//! a fake clock) to make `Seen` from, the effects of one call sorted by kind,
//! and the events the runtime hands in (commands, answers, failures).
//!
//! Only what the window does without deciding anything is done here: engine
//! commands go to the engine and display changes to the settings, so the next
//! `Seen` looks as it would in the window. Everything else is returned to the
//! test to read.

use std::time::Duration;

use serde_json::{Value, json};

use crate::bridge::Action as RuntimeAction;
use crate::bridge::connection::{ConnectionAction, ConnectionState, RequestFailure};
use crate::player::{ArtworkSource, Engine, LoadOutcome, QueueItem};
use crate::protocol::capabilities::PlayerState;
use crate::protocol::command::{AckStatus, CommandAck, CommandEnvelope};
use crate::protocol::request::{QueryPosts, RequestBody};
use crate::protocol::response::{ErrorCode, Response};
use crate::protocol::view::ViewEvent;
use crate::session::{Effect, Effects, EngineCommand, Notice, Seen, Session};
use crate::settings::Settings;
use crate::storage::last_channel::LastChannel;

/// The fake clock's start: far from zero, so nothing passes for "never".
pub const START: Duration = Duration::from_secs(1_000);
/// Wall-clock seconds at `START` (2023-11-14T22:13:20Z).
pub const UNIX_START: u64 = 1_700_000_000;
/// The computer's time zone.
pub const ZONE: &str = "Europe/Lisbon";

pub fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// The player around a session: what `Seen` is made of.
pub struct Player {
    pub session: Session,
    pub engine: Engine,
    pub settings: Settings,
    pub now: Duration,
}

impl Player {
    /// A session with a runtime to send requests to (not yet connected).
    pub fn online() -> Self {
        let mut p = Self::offline();
        p.session.set_online(true);
        p
    }

    /// A session without a runtime (a window in a test, or no network code).
    pub fn offline() -> Self {
        let settings = Settings::default();
        Self {
            session: Session::new(7, ZONE.into()),
            engine: Engine::new(settings.dwell()),
            settings,
            now: START,
        }
    }

    /// Online and connected.
    pub fn connected() -> Self {
        let mut p = Self::online();
        p.connect();
        p
    }

    pub fn advance(&mut self, by: Duration) {
        self.now += by;
    }

    /// One session call with `Seen` as the window would make it now.
    pub fn call<R>(&mut self, f: impl FnOnce(&mut Session, &Seen, &mut Effects) -> R) -> (R, Out) {
        let mut fx = Effects::default();
        let seen = Seen {
            engine: &self.engine,
            settings: &self.settings,
            now: self.now,
            unix_secs: UNIX_START + (self.now - START).as_secs(),
        };
        let result = f(&mut self.session, &seen, &mut fx);
        let effects = fx.take();
        for effect in &effects {
            match effect {
                Effect::Engine(command) => command.clone().apply(&mut self.engine, self.now),
                Effect::Display(change) => change.apply(&mut self.settings),
                _ => {}
            }
        }
        (result, Out(effects))
    }

    pub fn act(&mut self, f: impl FnOnce(&mut Session, &Seen, &mut Effects)) -> Out {
        self.call(f).1
    }

    pub fn connect(&mut self) -> Out {
        self.act(|s, seen, fx| s.on_connection(ConnectionState::Connected, seen, fx))
    }

    pub fn command(&mut self, id: &str, kind: &str, payload: Value) -> Out {
        let envelope = envelope(id, kind, payload);
        self.act(|s, seen, fx| s.on_command(&envelope, seen, fx))
    }

    pub fn answer(&mut self, tag: u64, result: Result<Response, RequestFailure>) -> Out {
        self.act(|s, seen, fx| s.on_answer(tag, result, seen, fx))
    }

    /// A frame: the engine moves on, every artwork it wants is decoded (a
    /// still image), and the session looks at what is on screen.
    pub fn tick(&mut self, visible: bool) -> Out {
        self.tick_due(visible).1
    }

    /// `tick`, with when the session wants to look again.
    pub fn tick_due(&mut self, visible: bool) -> (Option<Duration>, Out) {
        self.engine.tick(self.now);
        for source in self.engine.wanted() {
            let ready = LoadOutcome::Ready {
                loop_duration: Duration::ZERO,
            };
            self.engine.on_loaded(&source, ready, self.now);
        }
        self.call(|s, seen, fx| s.tick(seen, visible, fx))
    }

    /// Frames every `step` for `total`, visible; everything they did, in order.
    pub fn play_for(&mut self, total: Duration, step: Duration) -> Out {
        let mut all = Vec::new();
        let end = self.now + total;
        while self.now < end {
            self.advance(step);
            all.extend(self.tick(true).0);
        }
        Out(all)
    }

    /// The Makapix posts of the queue, in order.
    pub fn playing_ids(&self) -> Vec<i64> {
        self.engine
            .items()
            .iter()
            .filter_map(|i| i.source.post_id())
            .collect()
    }

    pub fn on_screen(&self) -> Option<i64> {
        self.engine.current().and_then(ArtworkSource::post_id)
    }

    /// The session's channel label.
    pub fn label(&self) -> String {
        self.session.channel().label()
    }
}

/// The effects of one call (or of several frames), read by kind.
#[derive(Debug)]
pub struct Out(pub Vec<Effect>);

impl Out {
    fn sent(&self) -> impl Iterator<Item = &ConnectionAction> {
        self.0.iter().filter_map(|e| match e {
            Effect::Runtime(RuntimeAction::Connection(action)) => Some(action),
            _ => None,
        })
    }

    /// Requests with their tags, in order.
    pub fn requests(&self) -> Vec<(u64, RequestBody)> {
        self.sent()
            .filter_map(|a| match a {
                ConnectionAction::Request { tag, body } => Some((*tag, (**body).clone())),
                _ => None,
            })
            .collect()
    }

    /// The `query_posts` among the requests (a test fails on any other request).
    pub fn queries(&self) -> Vec<(u64, QueryPosts)> {
        self.requests()
            .into_iter()
            .map(|(tag, body)| match body {
                RequestBody::QueryPosts(q) => (tag, q),
                other => panic!("expected query_posts, got {other:?}"),
            })
            .collect()
    }

    /// The one request of this call.
    pub fn only_request(&self) -> (u64, RequestBody) {
        let mut all = self.requests();
        assert_eq!(all.len(), 1, "one request expected: {all:?}");
        all.remove(0)
    }

    pub fn acks(&self) -> Vec<CommandAck> {
        self.sent()
            .filter_map(|a| match a {
                ConnectionAction::Ack(ack) => Some(ack.clone()),
                _ => None,
            })
            .collect()
    }

    /// The one ack of this call.
    pub fn only_ack(&self) -> CommandAck {
        let mut all = self.acks();
        assert_eq!(all.len(), 1, "one ack expected: {all:?}");
        all.remove(0)
    }

    pub fn views(&self) -> Vec<ViewEvent> {
        self.sent()
            .filter_map(|a| match a {
                ConnectionAction::View(v) => Some(v.clone()),
                _ => None,
            })
            .collect()
    }

    /// `status`'s `current_post_id` changes.
    pub fn current_posts(&self) -> Vec<Option<i64>> {
        self.sent()
            .filter_map(|a| match a {
                ConnectionAction::SetCurrentPost(p) => Some(*p),
                _ => None,
            })
            .collect()
    }

    /// The retained `state` updates.
    pub fn states(&self) -> Vec<PlayerState> {
        self.sent()
            .filter_map(|a| match a {
                ConnectionAction::SetState(s) => Some(s.clone()),
                _ => None,
            })
            .collect()
    }

    /// Status-bar messages, shown or shown unless another is.
    pub fn notices(&self) -> Vec<Notice> {
        self.0
            .iter()
            .filter_map(|e| match e {
                Effect::Notice(n) | Effect::NoticeUnlessShown(n) => Some(n.clone()),
                _ => None,
            })
            .collect()
    }

    /// Whether a notice says `words`.
    pub fn says(&self, words: &str) -> bool {
        self.notices().iter().any(|n| n.text.contains(words))
    }

    pub fn engine(&self) -> Vec<EngineCommand> {
        self.0
            .iter()
            .filter_map(|e| match e {
                Effect::Engine(c) => Some(c.clone()),
                _ => None,
            })
            .collect()
    }

    /// The channels kept for the next start (`None`: forget it).
    pub fn kept(&self) -> Vec<Option<LastChannel>> {
        self.0
            .iter()
            .filter_map(|e| match e {
                Effect::KeepChannel(c) => Some(c.as_deref().cloned()),
                _ => None,
            })
            .collect()
    }
}

/// A command as the runtime hands it in.
pub fn envelope(id: &str, kind: &str, payload: Value) -> CommandEnvelope {
    serde_json::from_value(json!({"command_id": id, "command_type": kind, "payload": payload}))
        .expect("a well-formed envelope")
}

/// A `show_artwork` payload for post `id`.
pub fn show(id: i64) -> Value {
    json!({"post_id": id, "storage_key": format!("k{id}"), "storage_shard": "ab/cd",
           "native_format": "png"})
}

/// An artwork post as `query_posts` and `get_post` send it.
pub fn artwork(id: i64) -> Value {
    json!({"post_id": id, "kind": "artwork", "storage_key": format!("k{id}"),
           "storage_shard": "ab/cd", "native_format": "png"})
}

/// A `query_posts` answer of `posts`.
pub fn page_of(posts: Vec<Value>, next_cursor: Option<&str>, has_more: bool) -> Response {
    let page = json!({"posts": posts, "next_cursor": next_cursor, "has_more": has_more});
    Response::Posts(serde_json::from_value(page).expect("a posts page"))
}

/// A page of artworks `ids` with more to come after `cursor`.
pub fn more(ids: impl IntoIterator<Item = i64>, cursor: &str) -> Result<Response, RequestFailure> {
    Ok(page_of(
        ids.into_iter().map(artwork).collect(),
        Some(cursor),
        true,
    ))
}

/// The last page of a channel: artworks `ids`, `next_cursor` null.
pub fn last(ids: impl IntoIterator<Item = i64>) -> Result<Response, RequestFailure> {
    Ok(page_of(ids.into_iter().map(artwork).collect(), None, false))
}

/// A `get_post` answer for artwork `id`.
pub fn post(id: i64) -> Result<Response, RequestFailure> {
    Ok(Response::Post(
        serde_json::from_value(artwork(id)).expect("a post entry"),
    ))
}

/// A failed request, as the runtime reports it.
pub fn failed(sentence: &str) -> Result<Response, RequestFailure> {
    Err(RequestFailure {
        code: None,
        sentence: sentence.to_owned(),
    })
}

/// A failed request with the server's `error_code`.
pub fn failed_with(code: &str, sentence: &str) -> Result<Response, RequestFailure> {
    Err(RequestFailure {
        code: Some(ErrorCode::from(code.to_owned())),
        sentence: sentence.to_owned(),
    })
}

/// A local file as a queue item.
pub fn file(name: &str) -> QueueItem {
    QueueItem::new(ArtworkSource::File(name.into()))
}

pub fn assert_ok(ack: &CommandAck) {
    assert_eq!(ack.status, AckStatus::Ok, "{ack:?}");
    assert_eq!(ack.error, None, "{ack:?}");
}

/// An `error` ack whose reason says `words`.
pub fn assert_refused(ack: &CommandAck, words: &str) {
    assert_eq!(ack.status, AckStatus::Error, "{ack:?}");
    let said = ack.error.as_deref().unwrap_or_default();
    assert!(said.contains(words), "{said:?} should say {words:?}");
}

/// Each `len` posts of `shown` are the posts `0..len`, once each; in that
/// order if `in_order`. `run` names the run in a failure.
pub fn assert_laps_of_every_post(shown: &[i64], len: usize, in_order: bool, run: &str) {
    let every: Vec<i64> = (0..len as i64).collect();
    for (n, lap) in shown.chunks(len).enumerate() {
        let mut lap = lap.to_vec();
        if in_order {
            assert!(lap.is_sorted(), "{run}: lap {n} in order");
        }
        lap.sort_unstable();
        assert!(lap == every, "{run}: lap {n} shows every post once");
    }
}

/// None of the posts `next` played is one of `played`.
pub fn assert_none_again(next: &[i64], played: &[i64], run: &str) {
    let again: Vec<_> = next.iter().filter(|id| played.contains(id)).collect();
    assert!(
        again.is_empty(),
        "{run}: {} played again, first {:?}",
        again.len(),
        again.first()
    );
}

/// The posts `next` played hold each of `to_come` and none of `played`.
pub fn assert_every_one_to_come(next: &[i64], played: &[i64], to_come: &[i64], run: &str) {
    assert_none_again(next, played, run);
    let missed: Vec<_> = to_come.iter().filter(|id| !next.contains(id)).collect();
    assert!(missed.is_empty(), "{run}: {missed:?} never played");
}

/// With nothing else due, the window is woken an hour after `started` for
/// the hourly look, not before, and the first page is asked for again.
pub fn assert_woken_for_the_hourly_look(p: &mut Player, started: Duration) {
    let (wake, out) = p.tick_due(false);
    assert!(out.queries().is_empty(), "nothing to ask yet");
    let look = started + crate::player::feed::FRESH_LOOK_EVERY;
    assert_eq!(wake, Some(look), "woken for the look");
    p.now = look;
    let asked = p.tick(false).queries();
    assert_eq!(asked.len(), 1, "the first page again: {asked:?}");
    assert_eq!(asked[0].1.cursor, None);
}
