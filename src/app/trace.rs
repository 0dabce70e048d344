//! `--trace-timing`'s `timing decode` line, written when an artwork is sent
//! to be decoded (a show without one was held decoded), and the name an
//! artwork goes by in every timing line.

use crate::player::ArtworkSource;
use crate::timing;

/// What a timing line calls an artwork: `post:ID` for Makapix posts, else its name.
pub fn art_id(source: &ArtworkSource) -> String {
    match source {
        ArtworkSource::Makapix(post) => format!("post:{}", post.post_id),
        other => timing::token(&other.display_name()),
    }
}

/// The `decode` line: `source` goes to the decoder.
pub fn decode_started(source: &ArtworkSource) {
    if timing::enabled() {
        timing::event("decode", format_args!("art={}", art_id(source)));
    }
}
