//! The names Makapix gives its channels on the wire: `play_channel`'s
//! `channel_name` and `query_posts`' `channel`. One spelling, used by the
//! session that reads commands and by the window's channel picker that makes
//! them.

/// The newest artworks of everyone.
pub const ALL: &str = "all";
/// The artworks Makapix Club promotes.
pub const PROMOTED: &str = "promoted";
/// The player's owner's own artworks.
pub const USER: &str = "user";
/// One artist's artworks (`user_sqid` or `user_handle`).
pub const BY_USER: &str = "by_user";
/// The artworks someone liked (`user_sqid` or `user_handle`), paged by when.
pub const REACTIONS: &str = "reactions";
/// The artworks with a hashtag (`hashtag`).
pub const HASHTAG: &str = "hashtag";
/// The device's own files: a physical player's SD card, here the local files.
pub const SDCARD: &str = "sdcard";
/// A p3a's lists of artworks it saved itself (one per `slug`).
pub const PINNED: &str = "pinned";
