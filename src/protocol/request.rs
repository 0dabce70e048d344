//! Requests a player sends on `request/{request_id}` (protocol section 7).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// The body of one request; `request_type` is the tag.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "request_type", rename_all = "snake_case")]
pub enum RequestBody {
    QueryPosts(QueryPosts),
    GetPost {
        post_id: i64,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        include_fields: Vec<String>,
    },
    SubmitReaction {
        post_id: i64,
        emoji: String,
    },
    RevokeReaction {
        post_id: i64,
        emoji: String,
    },
    GetComments {
        post_id: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cursor: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<u16>,
    },
    GetPlayset {
        playset_name: String,
    },
    Echo {
        echo_data: String,
    },
}

/// Which kind of answer a request expects (responses carry no type of their own).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestKind {
    QueryPosts,
    GetPost,
    SubmitReaction,
    RevokeReaction,
    GetComments,
    GetPlayset,
    Echo,
}

impl RequestBody {
    /// The body as it goes on the wire: a query that knows the user's sqid
    /// sends it alone, without the handle — the server tries a handle first,
    /// and handles change (p3a sends the sqid too); a `reactions` query goes in
    /// `server_order` whatever order was chosen (`QueryPosts::server_order_only`).
    pub(crate) fn as_sent(&self) -> Cow<'_, RequestBody> {
        let RequestBody::QueryPosts(q) = self else {
            return Cow::Borrowed(self);
        };
        let drop_handle = q.user_sqid.is_some() && q.user_handle.is_some();
        let fix_order = q.server_order_only() && q.sort.as_deref() != Some(SERVER_ORDER);
        if !drop_handle && !fix_order {
            return Cow::Borrowed(self);
        }
        let mut sent = q.clone();
        if drop_handle {
            sent.user_handle = None;
        }
        if fix_order {
            sent.sort = Some(SERVER_ORDER.to_owned());
            sent.random_seed = None;
        }
        Cow::Owned(RequestBody::QueryPosts(sent))
    }

    pub fn kind(&self) -> RequestKind {
        match self {
            RequestBody::QueryPosts(_) => RequestKind::QueryPosts,
            RequestBody::GetPost { .. } => RequestKind::GetPost,
            RequestBody::SubmitReaction { .. } => RequestKind::SubmitReaction,
            RequestBody::RevokeReaction { .. } => RequestKind::RevokeReaction,
            RequestBody::GetComments { .. } => RequestKind::GetComments,
            RequestBody::GetPlayset { .. } => RequestKind::GetPlayset,
            RequestBody::Echo { .. } => RequestKind::Echo,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct QueryPosts {
    /// `all` (the server's default), `promoted`, `user`, `by_user`, `hashtag`, `reactions`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_handle: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_sqid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hashtag: Option<String>,
    /// `server_order`, `created_at`, `random` (with `random_seed`), `reacted_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub random_seed: Option<u64>,
    /// Opaque: exactly the `next_cursor` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u8>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub criteria: Vec<Criterion>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include_fields: Vec<String>,
}

/// `query_posts`' `sort` for the server's own order (its default).
pub(crate) const SERVER_ORDER: &str = "server_order";

impl QueryPosts {
    /// The `reactions` channel is paged by reaction time whatever the sort, but
    /// ordered by that sort: any sort but `server_order` (or `reacted_at`, the
    /// same order) skips or repeats artworks after the first page.
    pub(crate) fn server_order_only(&self) -> bool {
        self.channel.as_deref() == Some(super::channel_name::REACTIONS)
    }

    /// The view event's `play_order` for artworks of this query: 0 server
    /// order, 1 created_at, 2 random.
    pub fn play_order(&self) -> u8 {
        match self.sort.as_deref() {
            _ if self.server_order_only() => 0,
            Some("created_at") => 1,
            Some("random") => 2,
            _ => 0,
        }
    }
}

/// One filter of `query_posts`; all are AND-ed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Criterion {
    pub field: String,
    pub op: String,
    /// Absent for `is_null` / `is_not_null`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
}

/// What goes on the wire: the body plus the id and the sender.
#[derive(Serialize)]
pub(crate) struct RequestEnvelope<'a> {
    pub request_id: &'a str,
    pub player_key: &'a str,
    #[serde(flatten)]
    pub body: &'a RequestBody,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn envelopes_serialise_with_type_id_and_key() {
        let body = RequestBody::QueryPosts(QueryPosts {
            channel: Some("hashtag".into()),
            hashtag: Some("cats".into()),
            limit: Some(10),
            criteria: vec![Criterion {
                field: "width".into(),
                op: "lte".into(),
                value: Some(json!(64)),
            }],
            ..Default::default()
        });
        let env = RequestEnvelope {
            request_id: "r1",
            player_key: "k1",
            body: &body,
        };
        assert_eq!(
            serde_json::to_value(&env).unwrap(),
            json!({"request_id": "r1", "player_key": "k1", "request_type": "query_posts",
                   "channel": "hashtag", "hashtag": "cats", "limit": 10,
                   "criteria": [{"field": "width", "op": "lte", "value": 64}]})
        );
        let echo = RequestBody::Echo {
            echo_data: "hi".into(),
        };
        let env = RequestEnvelope {
            request_id: "r2",
            player_key: "k1",
            body: &echo,
        };
        assert_eq!(
            serde_json::to_value(&env).unwrap(),
            json!({"request_id": "r2", "player_key": "k1", "request_type": "echo", "echo_data": "hi"})
        );
        assert_eq!(echo.kind(), RequestKind::Echo);
    }

    #[test]
    fn a_known_sqid_goes_alone() {
        let both = RequestBody::QueryPosts(QueryPosts {
            channel: Some("by_user".into()),
            user_sqid: Some("k3Xq".into()),
            user_handle: Some("ann".into()),
            ..Default::default()
        });
        let sent = serde_json::to_value(both.as_sent().as_ref()).unwrap();
        assert_eq!(
            sent,
            json!({"request_type": "query_posts", "channel": "by_user", "user_sqid": "k3Xq"})
        );
        let handle_only = RequestBody::QueryPosts(QueryPosts {
            channel: Some("by_user".into()),
            user_handle: Some("ann".into()),
            ..Default::default()
        });
        assert_eq!(handle_only.as_sent().as_ref(), &handle_only);
    }

    #[test]
    fn a_reactions_query_goes_in_server_order_whatever_was_chosen() {
        for sort in [Some("created_at"), Some("random"), Some("reacted_at"), None] {
            let q = RequestBody::QueryPosts(QueryPosts {
                channel: Some("reactions".into()),
                user_sqid: Some("k3Xq".into()),
                sort: sort.map(str::to_owned),
                random_seed: Some(9),
                ..Default::default()
            });
            let sent = serde_json::to_value(q.as_sent().as_ref()).unwrap();
            assert_eq!(sent["sort"], "server_order", "{sort:?}");
            assert!(sent.get("random_seed").is_none(), "{sent}");
        }
        let kept = QueryPosts {
            channel: Some("reactions".into()),
            sort: Some("created_at".into()),
            ..Default::default()
        };
        assert_eq!(
            kept.play_order(),
            0,
            "views say the order it really plays in"
        );
        let other = RequestBody::QueryPosts(QueryPosts {
            channel: Some("all".into()),
            sort: Some("created_at".into()),
            ..Default::default()
        });
        assert_eq!(other.as_sent().as_ref(), &other);
    }

    #[test]
    fn the_test_server_can_read_every_request_back() {
        for v in [
            json!({"request_type": "get_post", "post_id": 7}),
            json!({"request_type": "submit_reaction", "post_id": 7, "emoji": "❤️"}),
            json!({"request_type": "revoke_reaction", "post_id": 7, "emoji": "❤️"}),
            json!({"request_type": "get_comments", "post_id": 7, "limit": 5}),
            json!({"request_type": "get_playset", "playset_name": "followed_artists"}),
        ] {
            let body: RequestBody = serde_json::from_value(v.clone()).unwrap();
            assert_eq!(serde_json::to_value(&body).unwrap(), v);
        }
    }
}
