//! Requests over the real broker: a round trip for every type, typed errors,
//! retries of `internal_error`, a timeout, a 128 KiB answer, and junk on the
//! player's topics that must be logged and ignored while the session stays up.

use crate::support::rig;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use makapix_player::bridge::connection::{
    ConnectionAction, ConnectionEvent, ConnectionState, RequestFailure,
};
use makapix_player::protocol::request::{QueryPosts, RequestBody};
use makapix_player::protocol::response::{ErrorCode, Post, PostEntry, Response};
use rig::broker::Broker;
use rig::certs::player_key;
use rig::player::{Player, config};
use rig::server::{TestServer, catalogue};
use serde_json::json;

const SOON: Duration = Duration::from_secs(10);

struct Setup {
    broker: Broker,
    server: TestServer,
    player: Player,
    key: String,
    next_tag: u64,
}

fn connected() -> Setup {
    let mut broker = Broker::start();
    let server = TestServer::start(&broker);
    let key = player_key();
    let me = broker.ca.player(&key);
    let mut player = Player::start();
    player.connect(config(&broker, &key, &me, &broker.ca.pem));
    player.wait_state(ConnectionState::Connected, SOON);
    Setup {
        broker,
        server,
        player,
        key,
        next_tag: 1,
    }
}

impl Setup {
    fn ask(&mut self, body: RequestBody) -> Result<Response, RequestFailure> {
        let tag = self.next_tag;
        self.next_tag += 1;
        self.player.send(ConnectionAction::Request {
            tag,
            body: Box::new(body),
        });
        self.player.wait("the answer", SOON, |e| match e {
            ConnectionEvent::Answered { tag: t, result } if *t == tag => Some(result.clone()),
            _ => None,
        })
    }
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn every_request_type_makes_a_round_trip() {
    let mut s = connected();
    let page = s
        .ask(RequestBody::QueryPosts(QueryPosts::default()))
        .unwrap();
    let Response::Posts(page) = page else {
        panic!("{page:?}")
    };
    assert_eq!(page.posts.len(), 3);
    assert!(matches!(
        &page.posts[2],
        PostEntry::Known(Post::Playlist(_))
    ));

    let post = s.ask(RequestBody::GetPost {
        post_id: 7,
        include_fields: vec![],
    });
    assert!(
        matches!(post, Ok(Response::Post(PostEntry::Known(Post::Artwork(a)))) if a.post_id == 7)
    );
    for body in [
        RequestBody::SubmitReaction {
            post_id: 7,
            emoji: "❤️".into(),
        },
        RequestBody::RevokeReaction {
            post_id: 7,
            emoji: "❤️".into(),
        },
    ] {
        assert_eq!(s.ask(body), Ok(Response::Done));
    }
    let comments = s.ask(RequestBody::GetComments {
        post_id: 41,
        cursor: None,
        limit: Some(10),
    });
    assert!(
        matches!(&comments, Ok(Response::Comments(c)) if c.comments.first().is_some_and(|c| c.body == "comment c1")),
        "{comments:?}"
    );
    let playset = s.ask(RequestBody::GetPlayset {
        playset_name: "followed_artists".into(),
    });
    assert!(matches!(playset, Ok(Response::Playset(p)) if p.channels.len() == 1));
    let echo = s.ask(RequestBody::Echo {
        echo_data: "ping".into(),
    });
    assert!(matches!(echo, Ok(Response::Echo(e)) if e.echo_data == "ping"));

    // Each request went out with a UUID id, the player key and its type.
    let requests: Vec<_> = s
        .server
        .published()
        .into_iter()
        .filter(|r| r.topic.contains("/request/"))
        .collect();
    assert_eq!(requests.len(), 7);
    for r in &requests {
        let body = r.json();
        let id = body["request_id"].as_str().unwrap();
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
        assert_eq!(r.topic, format!("makapix/player/{}/request/{id}", s.key));
        assert_eq!(body["player_key"], s.key.as_str());
    }

    // Errors come back as sentences from the typed error code.
    let missing = s.ask(RequestBody::GetPlayset {
        playset_name: "nope".into(),
    });
    assert!(
        missing.as_ref().is_err_and(
            |e| e.is(&ErrorCode::PlaysetNotFound) && e.sentence.contains("(playset_not_found)")
        ),
        "{missing:?}"
    );
    s.broker.stop();
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn internal_errors_are_retried_and_silence_times_out() {
    let mut s = connected();
    let calls = Arc::new(AtomicUsize::new(0));
    let c = Arc::clone(&calls);
    s.server.set_responder(move |req| {
        if req["request_type"] == "get_post" && c.fetch_add(1, Ordering::SeqCst) == 0 {
            let id = req["request_id"].clone();
            return Some(json!({"request_id": id, "success": false, "error": "db hiccup", "error_code": "internal_error"}));
        }
        catalogue(req)
    });
    let post = s.ask(RequestBody::GetPost {
        post_id: 9,
        include_fields: vec![],
    });
    assert!(post.is_ok(), "{post:?}");
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "retried once, with a new request id"
    );

    // A malformed request comes back as internal_error too: one retry, then the error.
    let broken = Arc::new(AtomicUsize::new(0));
    let b = Arc::clone(&broken);
    s.server.set_responder(move |req| {
        if req["request_type"] == "get_post" {
            b.fetch_add(1, Ordering::SeqCst);
            let id = req["request_id"].clone();
            return Some(json!({"request_id": id, "success": false, "error": "bad request", "error_code": "internal_error"}));
        }
        catalogue(req)
    });
    let post = s.ask(RequestBody::GetPost {
        post_id: 9,
        include_fields: vec![],
    });
    assert!(
        post.as_ref()
            .is_err_and(|e| e.is(&ErrorCode::InternalError)),
        "{post:?}"
    );
    assert_eq!(broken.load(Ordering::SeqCst), 2, "retried at most once");

    let silent = s.ask(RequestBody::Echo {
        echo_data: "silence".into(),
    });
    assert!(
        silent
            .as_ref()
            .is_err_and(|e| e.code.is_none() && e.sentence.contains("did not answer")),
        "{silent:?}"
    );
    assert!(s.player.states().ends_with(&[ConnectionState::Connected]));
    s.broker.stop();
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn a_128_kib_response_arrives_whole() {
    let mut s = connected();
    let body = RequestBody::QueryPosts(QueryPosts {
        channel: Some("hashtag".into()),
        hashtag: Some("big".into()),
        ..QueryPosts::default()
    });
    let page = s.ask(body).unwrap();
    let Response::Posts(page) = page else {
        panic!()
    };
    // The diagnostics log saw the answer arrive at its full size.
    let biggest = s
        .player
        .events
        .iter()
        .filter_map(|(_, e)| match e {
            ConnectionEvent::Logged(l) if l.topic.contains("/response/") => Some(l.size),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    assert!(biggest > 120 * 1024 && biggest <= 128 * 1024, "{biggest}");
    assert_eq!(
        page.posts.len(),
        rig::server::big_page("x")["posts"]
            .as_array()
            .unwrap()
            .len()
    );
    assert!(s.player.states().ends_with(&[ConnectionState::Connected]));
    s.broker.stop();
}

#[test]
#[ignore = "needs mosquitto: scripts/test-all.sh runs it"]
fn junk_on_the_players_topics_is_logged_and_ignored() {
    let mut s = connected();
    let base = format!("makapix/player/{}", s.key);
    s.server
        .publish_raw(&format!("{base}/response/not-a-uuid"), b"{this is not json");
    s.server.publish_raw(
        &format!("{base}/response/{}", uuid::Uuid::new_v4()),
        br#"{"request_id":"x","success":true}"#,
    );
    s.server
        .publish_raw(&format!("{base}/command"), b"\xff\xfe garbage");
    s.server.publish_raw(
        &format!("{base}/command"),
        br#"{"command_type":"swap_next"}"#,
    );
    // Each junk message is logged as dropped once it crossed the broker,
    // which a loaded machine can take longer than a fixed wait to do.
    let junk = [
        "not-a-uuid dropped",
        "request id; dropped",
        "command dropped",
    ];
    let mut dropped = 0;
    s.player.wait("the four junk messages dropped", SOON, |e| {
        let ConnectionEvent::Logged(l) = e else {
            return None;
        };
        dropped += usize::from(junk.iter().any(|j| l.summary.contains(j)));
        (dropped == 4).then_some(())
    });
    // Time for a reconnect, had the junk caused one.
    s.player.idle(Duration::from_millis(800));
    let log = s.player.log_lines().join("\n");
    assert!(
        log.contains("malformed response not-a-uuid dropped"),
        "{log}"
    );
    assert!(log.contains("names another request id; dropped"), "{log}");
    assert_eq!(log.matches("malformed command dropped").count(), 2, "{log}");
    assert!(!s.player.states().contains(&ConnectionState::Reconnecting));

    // An unknown command type is answered `unsupported`; a repeated id acts once.
    let id = s.server.send_command(&s.key, "launch_rocket", json!({}));
    let ack = s.server.wait_published("/command/ack", SOON, |r| {
        r.json()["command_id"] == id.as_str()
    });
    assert_eq!(ack.json()["status"], "unsupported");
    let dup = json!({"command_id": "same", "command_type": "swap_back", "payload": {}});
    for _ in 0..2 {
        s.server
            .publish_raw(&format!("{base}/command"), dup.to_string().as_bytes());
    }
    s.player.wait("the repeated command", SOON, |e| {
        matches!(e, ConnectionEvent::Command(c, _) if c.command_id == "same").then_some(())
    });
    // Time for the repeat to act too, had it been let through.
    s.player.idle(Duration::from_millis(800));
    let swaps = s
        .player
        .events
        .iter()
        .filter(|(_, e)| matches!(e, ConnectionEvent::Command(c, _) if c.command_id == "same"))
        .count();
    assert_eq!(swaps, 1);

    // The session is still up and answers.
    s.player.send(ConnectionAction::TestConnection);
    let rtt = s.player.wait("the connection test", SOON, |e| match e {
        ConnectionEvent::TestResult(r) => Some(r.clone()),
        _ => None,
    });
    assert!(rtt.is_ok_and(|d| d < Duration::from_secs(5)));
    s.broker.stop();
}

#[test]
fn the_rig_vault_serves_artwork_files_over_http() {
    use std::io::{Read, Write};
    let vault = rig::vault::Vault::start();
    let url = vault.put("ab/cd", "key1", "png", b"\x89PNG fake".to_vec());
    assert_eq!(url, format!("{}/ab/cd/key1.png", vault.base));
    let get = |path: &str| {
        let addr = vault.base.trim_start_matches("http://");
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out).unwrap();
        out
    };
    let ok = get("/ab/cd/key1.png");
    assert!(ok.starts_with(b"HTTP/1.1 200"));
    assert!(ok.ends_with(b"\x89PNG fake"));
    assert!(get("/ab/cd/other.png").starts_with(b"HTTP/1.1 404"));
}
