//! The test server: logs in to the broker as the back-end account (like the
//! Makapix API server), answers player requests from a fixture catalogue,
//! sends commands, and records everything players publish. Like Makapix's, it
//! holds two connections: one subscribes, the other only publishes (commands,
//! responses, view acks), so nothing it receives delays what it sends.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::mqttbytes::v5::{Filter, Packet};
use rumqttc::v5::{AsyncClient, Event, MqttOptions};
use serde_json::{Value, json};

use super::broker::{BACKEND_PASSWORD, BACKEND_USER, Broker};
use super::views::{ViewRules, ViewSeen};
use super::wait_for;

#[derive(Clone, Debug)]
pub struct Recorded {
    pub topic: String,
    pub payload: Vec<u8>,
    pub retain: bool,
}

impl Recorded {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.payload).unwrap_or(Value::Null)
    }
}

/// Decides the answer to a request (`None`: stay silent).
pub type Responder = Arc<dyn Fn(&Value) -> Option<Value> + Send + Sync>;

pub struct TestServer {
    /// The publishing connection.
    client: AsyncClient,
    records: Arc<Mutex<Vec<Recorded>>>,
    responder: Arc<Mutex<Responder>>,
    /// Players removed from their account, or whose owner is banned, until
    /// when: every request is answered `authentication_failed` until then, as
    /// the server does (it cannot tell the two apart over MQTT).
    removed: Arc<Mutex<HashMap<String, Instant>>>,
    /// How views are answered on `view/ack` (`views.rs`).
    views: Arc<Mutex<ViewRules>>,
    _thread: std::thread::JoinHandle<()>,
}

const SUBSCRIPTIONS: [&str; 6] = [
    "makapix/player/+/status",
    "makapix/player/+/request/+",
    "makapix/player/+/view",
    "makapix/player/+/capabilities",
    "makapix/player/+/state",
    "makapix/player/+/command/ack",
];

fn backend_options(broker: &Broker) -> MqttOptions {
    let mut options = MqttOptions::new(
        format!("svc-{}", uuid::Uuid::new_v4()),
        "127.0.0.1",
        broker.plain_port,
    );
    options.set_credentials(BACKEND_USER, BACKEND_PASSWORD);
    options.set_max_packet_size(Some(1024 * 1024));
    options
}

impl TestServer {
    /// Connects, subscribes, and returns once the broker confirmed the subscriptions.
    pub fn start(broker: &Broker) -> TestServer {
        let (listener, mut eventloop) = AsyncClient::new(backend_options(broker), 256);
        let (client, mut publishing) = AsyncClient::new(backend_options(broker), 256);
        let publisher_up = Arc::new(Mutex::new(false));
        let up = Arc::clone(&publisher_up);
        let records: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let responder: Arc<Mutex<Responder>> = Arc::new(Mutex::new(Arc::new(catalogue)));
        let removed: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
        let subscribed = Arc::new(Mutex::new(false));
        let views: Arc<Mutex<ViewRules>> = Arc::default();
        let rules = Arc::clone(&views);
        let (r, resp, publisher, sub, gone) = (
            Arc::clone(&records),
            Arc::clone(&responder),
            client.clone(),
            Arc::clone(&subscribed),
            Arc::clone(&removed),
        );
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("tokio");
            rt.block_on(async move {
                // Ends with the broker, like the listening loop below.
                tokio::spawn(async move {
                    while let Ok(event) = publishing.poll().await {
                        if let Event::Incoming(Packet::ConnAck(_)) = event {
                            *up.lock().unwrap() = true;
                        }
                    }
                });
                loop {
                    match eventloop.poll().await {
                        Ok(Event::Incoming(Packet::ConnAck(_))) => {
                            let filters = SUBSCRIPTIONS.map(|t| Filter::new(t, QoS::AtLeastOnce));
                            let _ = listener.subscribe_many(filters).await;
                        }
                        Ok(Event::Incoming(Packet::SubAck(_))) => *sub.lock().unwrap() = true,
                        Ok(Event::Incoming(Packet::Publish(p))) => {
                            let rec = Recorded {
                                topic: String::from_utf8_lossy(&p.topic).into_owned(),
                                payload: p.payload.to_vec(),
                                retain: p.retain,
                            };
                            if rec.topic.ends_with("/view") {
                                let at = std::time::Instant::now();
                                let answer = rules.lock().unwrap().answer(&rec.topic, &rec.json(), at);
                                if let Some(answer) = answer {
                                    let topic = format!("{}/ack", rec.topic);
                                    let bytes = serde_json::to_vec(&answer).unwrap();
                                    let _ = publisher.publish(topic, QoS::AtLeastOnce, false, bytes).await;
                                }
                            }
                            if let Some((base, _id)) = rec.topic.split_once("/request/") {
                                let player = base.rsplit('/').next().unwrap_or("").to_owned();
                                let refused = gone
                                    .lock()
                                    .unwrap()
                                    .get(&player)
                                    .is_some_and(|until| Instant::now() < *until);
                                let answer = if refused {
                                    Some(json!({"request_id": rec.json()["request_id"], "success": false,
                                        "error": "Player not registered or owner not permitted",
                                        "error_code": "authentication_failed"}))
                                } else {
                                    let f = resp.lock().unwrap().clone();
                                    f(&rec.json())
                                };
                                if let Some(answer) = answer {
                                    let id =
                                        rec.json()["request_id"].as_str().unwrap_or("").to_owned();
                                    let topic = format!("{base}/response/{id}");
                                    let bytes = serde_json::to_vec(&answer).unwrap();
                                    let _ = publisher.publish(topic, QoS::AtLeastOnce, false, bytes).await;
                                }
                            }
                            r.lock().unwrap().push(rec);
                        }
                        Ok(_) => {}
                        // The broker is being restarted by a test: a new TestServer is made then.
                        Err(_) => return,
                    }
                }
            });
        });
        wait_for(
            "the test server's subscriptions and publishing connection",
            Duration::from_secs(10),
            || (*subscribed.lock().unwrap() && *publisher_up.lock().unwrap()).then_some(()),
        );
        TestServer {
            client,
            records,
            responder,
            removed,
            views,
            _thread: thread,
        }
    }

    /// The owner removed `player_key` from the account: its live session stays
    /// up, but its requests fail with `authentication_failed` and its views
    /// are acked `player_not_registered` from now on.
    pub fn remove_player(&self, player_key: &str) {
        self.ban_owner(player_key, Duration::from_secs(100 * 365 * 86_400));
        self.views
            .lock()
            .unwrap()
            .removed
            .insert(player_key.to_owned());
    }

    /// The owner of `player_key` is banned for `span` (`banned_until`): its
    /// requests fail with `authentication_failed` and its views are acked
    /// `owner_not_permitted` until then, and the ban ends by itself.
    pub fn ban_owner(&self, player_key: &str, span: Duration) {
        let until = Instant::now() + span;
        self.removed
            .lock()
            .unwrap()
            .insert(player_key.to_owned(), until);
        self.views
            .lock()
            .unwrap()
            .banned_until
            .insert(player_key.to_owned(), until);
    }

    /// Changes how views are answered (missing posts, scripted answers, scale).
    pub fn view_rules(&self, f: impl FnOnce(&mut ViewRules)) {
        f(&mut self.views.lock().unwrap());
    }

    /// Every view seen so far, with its answer.
    pub fn views_seen(&self) -> Vec<ViewSeen> {
        self.views.lock().unwrap().seen.clone()
    }

    pub fn set_responder(&self, f: impl Fn(&Value) -> Option<Value> + Send + Sync + 'static) {
        *self.responder.lock().unwrap() = Arc::new(f);
    }

    pub fn published(&self) -> Vec<Recorded> {
        self.records.lock().unwrap().clone()
    }

    /// Waits for a message the players published whose topic ends with `suffix`
    /// and that satisfies `pred`.
    pub fn wait_published(
        &self,
        suffix: &str,
        timeout: Duration,
        pred: impl Fn(&Recorded) -> bool,
    ) -> Recorded {
        wait_for(&format!("a publish on …/{suffix}"), timeout, || {
            self.published()
                .into_iter()
                .find(|r| r.topic.ends_with(suffix) && pred(r))
        })
    }

    /// Queues a publish, waiting for room when a burst has filled the client's
    /// queue (its event loop empties it as the broker takes the messages).
    pub fn publish_raw(&self, topic: &str, payload: &[u8]) {
        wait_for(
            "room in the test server's queue",
            Duration::from_secs(10),
            || {
                self.client
                    .try_publish(topic, QoS::AtLeastOnce, false, payload.to_vec())
                    .ok()
            },
        );
    }

    /// Sends a command to a player; returns its id.
    pub fn send_command(&self, player_key: &str, command_type: &str, payload: Value) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        let body = json!({"command_id": id, "command_type": command_type, "payload": payload,
                          "timestamp": "2026-01-01T00:00:00Z"});
        self.publish_raw(
            &format!("makapix/player/{player_key}/command"),
            &serde_json::to_vec(&body).unwrap(),
        );
        id
    }

    /// What a new subscriber gets for `topic` (a retained message), if
    /// anything. Every caller expects one, which comes as soon as the
    /// subscription is taken: a loaded machine can hold the connection and
    /// subscription for seconds, and the 20 s only stop a hang.
    pub fn retained(broker: &Broker, topic: &str) -> Option<Recorded> {
        let (client, mut eventloop) = AsyncClient::new(backend_options(broker), 16);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .ok()?;
        rt.block_on(async move {
            let found = tokio::time::timeout(Duration::from_secs(20), async {
                loop {
                    match eventloop.poll().await {
                        Ok(Event::Incoming(Packet::ConnAck(_))) => {
                            let _ = client.subscribe(topic, QoS::AtLeastOnce).await;
                        }
                        Ok(Event::Incoming(Packet::Publish(p))) => {
                            return Some(Recorded {
                                topic: String::from_utf8_lossy(&p.topic).into_owned(),
                                payload: p.payload.to_vec(),
                                retain: p.retain,
                            });
                        }
                        Ok(_) => {}
                        Err(_) => return None,
                    }
                }
            })
            .await;
            found.ok().flatten()
        })
    }
}

/// An artwork post whose file the vault holds as `ab/cd/key{n}.png`.
#[allow(dead_code)]
pub fn artwork_post(n: i64) -> Value {
    json!({"post_id": n, "kind": "artwork", "storage_key": format!("key{n}"),
           "storage_shard": "ab/cd", "native_format": "png"})
}

/// The answer to `request` (a `query_posts`) with the artworks `ids`, and `next_cursor`.
#[allow(dead_code)]
pub fn posts_answer(request: &Value, ids: &[i64], next_cursor: Value) -> Value {
    let posts: Vec<Value> = ids.iter().map(|&n| artwork_post(n)).collect();
    json!({"request_id": request["request_id"], "success": true, "posts": posts,
           "has_more": !next_cursor.is_null(), "next_cursor": next_cursor})
}

/// Makes the query_posts page for hashtag `big`: just under 128 KiB of JSON.
pub fn big_page(request_id: &str) -> Value {
    let mut posts = Vec::new();
    let mut size = 0;
    let mut i = 0;
    while size < 127 * 1024 {
        let post = json!({"post_id": i, "kind": "artwork", "created_at": "2026-01-01T00:00:00Z",
            "storage_key": format!("{:0>64}", i), "storage_shard": "ab/cd", "native_format": "png",
            "art_url": format!("http://127.0.0.1/vault/ab/cd/{:0>64}.png", i)});
        size += post.to_string().len() + 1;
        posts.push(post);
        i += 1;
    }
    posts.pop();
    json!({"request_id": request_id, "success": true, "posts": posts, "next_cursor": null, "has_more": false})
}

/// The fixture catalogue: an answer for every request type.
pub fn catalogue(req: &Value) -> Option<Value> {
    let id = req["request_id"].as_str().unwrap_or("");
    let ok = |extra: Value| {
        let mut v = json!({"request_id": id, "success": true});
        if let (Some(map), Value::Object(more)) = (v.as_object_mut(), extra) {
            map.extend(more);
        }
        Some(v)
    };
    let fail = |code: &str| {
        Some(
            json!({"request_id": id, "success": false, "error": format!("fixture says {code}"), "error_code": code}),
        )
    };
    let artwork = |post_id: i64| {
        json!({"post_id": post_id, "kind": "artwork", "created_at": "2026-01-01T00:00:00Z",
               "storage_key": format!("key{post_id}"), "storage_shard": "ab/cd", "native_format": "png",
               "art_url": format!("http://127.0.0.1/vault/ab/cd/key{post_id}.png")})
    };
    match req["request_type"].as_str()? {
        "echo" => match req["echo_data"].as_str()? {
            "silence" => None,
            data => ok(json!({"echo_data": data, "received_at": "2026-01-01T00:00:00Z"})),
        },
        "query_posts" if req["hashtag"] == "big" => Some(big_page(id)),
        "query_posts" if req["channel"] == "reactions" => Some(super::posts::reactions(req)),
        "query_posts" => ok(json!({"posts": [artwork(1), artwork(2),
            {"post_id": 3, "kind": "playlist", "owner_handle": "ann", "created_at": "2026-01-01T00:00:00Z",
             "total_artworks": 2, "dwell_time_ms": 30000}], "next_cursor": null, "has_more": false})),
        "get_post" if req["post_id"] == 404 => fail("not_found"),
        "get_post" => ok(json!({"post": artwork(req["post_id"].as_i64()?)})),
        "submit_reaction" | "revoke_reaction" => ok(json!({})),
        "get_comments" if req["post_id"] == 429 => fail("rate_limited"),
        "get_comments" if req["post_id"] == 7 => {
            ok(json!({"comments": [], "next_cursor": null, "has_more": false}))
        }
        "get_comments" => {
            let post = &req["post_id"];
            let comment = |id: &str, author: Value, parent: Value, depth: u8, deleted: bool| {
                json!({"comment_id": id, "post_id": post, "author_handle": author,
                       "body": format!("comment {id}"), "depth": depth, "parent_id": parent,
                       "created_at": "2026-01-01T12:34:56Z", "deleted": deleted})
            };
            // Two pages, oldest first as the server sends them: replies come after their parents.
            match req["cursor"].as_str() {
                None => ok(json!({"comments": [
                    comment("c1", json!("ann"), Value::Null, 0, false),
                    comment("c2", Value::Null, Value::Null, 0, false),
                    comment("c3", json!("bob"), json!("c1"), 1, false)],
                    "next_cursor": "page2", "has_more": true})),
                Some("page2") => ok(json!({"comments": [
                    comment("c4", json!("cy"), json!("c3"), 2, false),
                    comment("c5", json!("dee"), Value::Null, 0, true)],
                    "next_cursor": null, "has_more": false})),
                Some(_) => fail("invalid_request"),
            }
        }
        "get_playset" if req["playset_name"] == "followed_artists" => ok(json!({
            "playset_name": "followed_artists", "exposure_mode": "equal", "pick_mode": "recency",
            "channels": [{"type": "user", "identifier": "u1", "display_name": "Ann", "weight": 1}]})),
        "get_playset" => fail("playset_not_found"),
        _ => fail("unknown_request_type"),
    }
}
