//! Answers on `response/{request_id}` (protocol section 7). A response carries no
//! type, so it is read as the kind its request expects.

use serde::{Deserialize, Serialize};

use super::request::RequestKind;

/// `error_code` values; codes this version does not know are kept as text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum ErrorCode {
    AuthenticationFailed,
    InvalidRequest,
    InvalidJson,
    UnknownRequestType,
    RateLimited,
    InternalError,
    MissingUserIdentifier,
    UserNotFound,
    MissingHashtag,
    InvalidHashtag,
    InvalidCriteria,
    NotFound,
    Deleted,
    NotVisible,
    NotAvailable,
    ContentNotApproved,
    ReactionLimitExceeded,
    InvalidEmoji,
    PlaysetNotFound,
    /// `echo` asked too often (the only MQTT request the server rate-limits).
    RateLimitExceeded,
    /// A post of a kind this request does not handle.
    UnsupportedKind,
    Other(String),
}

const CODES: [(&str, ErrorCode); 21] = [
    ("authentication_failed", ErrorCode::AuthenticationFailed),
    ("invalid_request", ErrorCode::InvalidRequest),
    ("invalid_json", ErrorCode::InvalidJson),
    ("unknown_request_type", ErrorCode::UnknownRequestType),
    ("rate_limited", ErrorCode::RateLimited),
    ("internal_error", ErrorCode::InternalError),
    ("missing_user_identifier", ErrorCode::MissingUserIdentifier),
    ("user_not_found", ErrorCode::UserNotFound),
    ("missing_hashtag", ErrorCode::MissingHashtag),
    ("invalid_hashtag", ErrorCode::InvalidHashtag),
    ("invalid_criteria", ErrorCode::InvalidCriteria),
    ("not_found", ErrorCode::NotFound),
    ("deleted", ErrorCode::Deleted),
    ("not_visible", ErrorCode::NotVisible),
    ("not_available", ErrorCode::NotAvailable),
    ("content_not_approved", ErrorCode::ContentNotApproved),
    ("reaction_limit_exceeded", ErrorCode::ReactionLimitExceeded),
    ("invalid_emoji", ErrorCode::InvalidEmoji),
    ("playset_not_found", ErrorCode::PlaysetNotFound),
    ("rate_limit_exceeded", ErrorCode::RateLimitExceeded),
    ("unsupported_kind", ErrorCode::UnsupportedKind),
];

impl From<String> for ErrorCode {
    fn from(s: String) -> Self {
        CODES
            .iter()
            .find(|(name, _)| *name == s)
            .map_or(ErrorCode::Other(s), |(_, code)| code.clone())
    }
}

impl From<ErrorCode> for String {
    fn from(code: ErrorCode) -> Self {
        match code {
            ErrorCode::Other(s) => s,
            known => CODES
                .iter()
                .find(|(_, c)| *c == known)
                .map_or_else(String::new, |(name, _)| (*name).to_owned()),
        }
    }
}

/// The common part of every response.
#[derive(Clone, Debug, Deserialize)]
pub struct Header {
    pub request_id: String,
    pub success: bool,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub error_code: Option<ErrorCode>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArtworkPost {
    pub post_id: i64,
    #[serde(default)]
    pub created_at: Option<String>,
    pub storage_key: String,
    #[serde(default)]
    pub art_url: Option<String>,
    #[serde(default)]
    pub storage_shard: Option<String>,
    #[serde(default)]
    pub native_format: Option<String>,
    #[serde(default)]
    pub owner_handle: Option<String>,
    #[serde(default)]
    pub width: Option<u32>,
    #[serde(default)]
    pub height: Option<u32>,
    #[serde(default)]
    pub frame_count: Option<u32>,
    #[serde(default)]
    pub dwell_time_ms: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlaylistPost {
    pub post_id: i64,
    #[serde(default)]
    pub owner_handle: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub total_artworks: Option<u32>,
    #[serde(default)]
    pub dwell_time_ms: Option<u64>,
    /// Embedded by older servers only.
    #[serde(default)]
    pub artworks: Vec<ArtworkPost>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Post {
    Artwork(ArtworkPost),
    Playlist(PlaylistPost),
}

/// A post of a kind (or shape) this version does not understand is kept raw,
/// so one odd entry does not lose the whole page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PostEntry {
    Known(Post),
    Unknown(serde_json::Value),
}

impl PostEntry {
    /// The ids of the artwork posts this entry names (a playlist's embedded
    /// artworks too), as the server sent them.
    pub(crate) fn artwork_ids(&self) -> Vec<i64> {
        match self {
            PostEntry::Known(Post::Artwork(a)) => vec![a.post_id],
            PostEntry::Known(Post::Playlist(p)) => p.artworks.iter().map(|a| a.post_id).collect(),
            PostEntry::Unknown(_) => Vec::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PostsPage {
    pub posts: Vec<PostEntry>,
    #[serde(default)]
    pub next_cursor: Option<String>,
    #[serde(default)]
    pub has_more: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Id {
    Number(i64),
    Text(String),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comment {
    pub comment_id: Id,
    pub post_id: i64,
    #[serde(default)]
    pub author_handle: Option<String>,
    pub body: String,
    #[serde(default)]
    pub depth: u8,
    #[serde(default)]
    pub parent_id: Option<Id>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub deleted: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommentsPage {
    pub comments: Vec<Comment>,
    #[serde(default)]
    pub next_cursor: Option<String>,
    #[serde(default)]
    pub has_more: bool,
}

/// One channel of a playset (also the shape of `play_playset` commands).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlaysetChannel {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub identifier: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub weight: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Playset {
    pub playset_name: String,
    pub channels: Vec<PlaysetChannel>,
    #[serde(default)]
    pub exposure_mode: Option<String>,
    #[serde(default)]
    pub pick_mode: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Echo {
    pub echo_data: String,
    #[serde(default)]
    pub received_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct PostAnswer {
    pub post: PostEntry,
}

/// A successful answer, typed by the request it answers.
#[derive(Clone, Debug, PartialEq)]
pub enum Response {
    Posts(PostsPage),
    Post(PostEntry),
    /// `submit_reaction` / `revoke_reaction`: success carries nothing else.
    Done,
    Comments(CommentsPage),
    Playset(Playset),
    Echo(Echo),
}

/// Why a response could not be used.
#[derive(Debug, thiserror::Error)]
pub enum Rejection {
    #[error("The server answered with an error ({code:?}): {message}")]
    Failed {
        code: Option<ErrorCode>,
        message: String,
    },
    #[error("The server's answer could not be read: {0}")]
    Malformed(#[from] serde_json::Error),
}

/// Reads the header alone, to find which request an answer belongs to.
pub fn header(bytes: &[u8]) -> Result<Header, serde_json::Error> {
    serde_json::from_slice(bytes)
}

/// Reads a whole answer as the `kind` of its request.
pub fn parse(kind: RequestKind, bytes: &[u8]) -> Result<Response, Rejection> {
    let head = header(bytes)?;
    if !head.success {
        return Err(Rejection::Failed {
            code: head.error_code,
            message: head.error.unwrap_or_default(),
        });
    }
    Ok(match kind {
        RequestKind::QueryPosts => Response::Posts(serde_json::from_slice(bytes)?),
        RequestKind::GetPost => Response::Post(serde_json::from_slice::<PostAnswer>(bytes)?.post),
        RequestKind::SubmitReaction | RequestKind::RevokeReaction => Response::Done,
        RequestKind::GetComments => Response::Comments(serde_json::from_slice(bytes)?),
        RequestKind::GetPlayset => Response::Playset(serde_json::from_slice(bytes)?),
        RequestKind::Echo => Response::Echo(serde_json::from_slice(bytes)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bytes(v: serde_json::Value) -> Vec<u8> {
        serde_json::to_vec(&v).unwrap()
    }

    #[test]
    fn a_posts_page_keeps_artworks_playlists_and_unknown_kinds() {
        let page = bytes(json!({
            "request_id": "r", "success": true, "has_more": true, "next_cursor": "c2",
            "posts": [
                {"post_id": 1, "kind": "artwork", "created_at": "2025-01-01T00:00:00Z",
                 "storage_key": "k1", "art_url": "https://v/x.png", "storage_shard": "a/b", "native_format": null},
                {"post_id": 2, "kind": "playlist", "owner_handle": "ann", "created_at": "2025-01-01T00:00:00Z",
                 "total_artworks": 3, "dwell_time_ms": 30000},
                {"post_id": 3, "kind": "hologram"}
            ]
        }));
        let Response::Posts(p) = parse(RequestKind::QueryPosts, &page).unwrap() else {
            panic!("not a page")
        };
        assert_eq!(p.next_cursor.as_deref(), Some("c2"));
        assert!(
            matches!(&p.posts[0], PostEntry::Known(Post::Artwork(a)) if a.storage_key == "k1" && a.native_format.is_none())
        );
        assert!(
            matches!(&p.posts[1], PostEntry::Known(Post::Playlist(l)) if l.total_artworks == Some(3))
        );
        assert!(matches!(&p.posts[2], PostEntry::Unknown(_)));
    }

    #[test]
    fn failures_carry_a_typed_error_code() {
        let answer = bytes(
            json!({"request_id": "r", "success": false, "error": "later", "error_code": "internal_error"}),
        );
        match parse(RequestKind::Echo, &answer) {
            Err(Rejection::Failed { code, message }) => {
                assert_eq!(code, Some(ErrorCode::InternalError));
                assert_eq!(message, "later");
            }
            other => panic!("{other:?}"),
        }
        let odd: ErrorCode = serde_json::from_value(json!("brand_new_code")).unwrap();
        assert_eq!(odd, ErrorCode::Other("brand_new_code".into()));
        assert_eq!(
            serde_json::to_value(ErrorCode::PlaysetNotFound).unwrap(),
            json!("playset_not_found")
        );
        for (name, code) in [
            ("rate_limit_exceeded", ErrorCode::RateLimitExceeded),
            ("unsupported_kind", ErrorCode::UnsupportedKind),
        ] {
            assert_eq!(
                serde_json::from_value::<ErrorCode>(json!(name)).unwrap(),
                code
            );
            assert_eq!(serde_json::to_value(code).unwrap(), json!(name));
        }
    }

    #[test]
    fn every_kind_reads_its_fixture() {
        let cases = [
            (
                RequestKind::GetPost,
                json!({"request_id": "r", "success": true, "post": {"post_id": 5, "kind": "artwork", "storage_key": "s"}}),
            ),
            (
                RequestKind::SubmitReaction,
                json!({"request_id": "r", "success": true}),
            ),
            (
                RequestKind::GetComments,
                json!({"request_id": "r", "success": true, "comments": [
                {"comment_id": "c1", "post_id": 5, "author_handle": null, "body": "nice", "depth": 0, "parent_id": null, "created_at": "2025-01-01T00:00:00Z", "deleted": false}
            ], "next_cursor": null, "has_more": false}),
            ),
            (
                RequestKind::GetPlayset,
                json!({"request_id": "r", "success": true, "playset_name": "followed_artists",
                "channels": [{"type": "user", "identifier": "u1", "display_name": "Ann", "weight": 1}], "exposure_mode": "equal", "pick_mode": "recency"}),
            ),
            (
                RequestKind::Echo,
                json!({"request_id": "r", "success": true, "echo_data": "x", "received_at": "2025-01-01T00:00:00Z"}),
            ),
        ];
        for (kind, v) in cases {
            assert!(parse(kind, &bytes(v.clone())).is_ok(), "{kind:?}: {v}");
        }
        assert!(matches!(
            parse(RequestKind::Echo, b"{not json"),
            Err(Rejection::Malformed(_))
        ));
        assert!(matches!(
            parse(
                RequestKind::GetComments,
                &bytes(json!({"request_id": "r", "success": true}))
            ),
            Err(Rejection::Malformed(_))
        ));
    }
}
