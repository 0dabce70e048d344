//! The sample artworks the player shows when it has nothing else to play,
//! drawn by code so they can be regenerated (`cargo run --example
//! make_samples`) and checked: a test compares the committed files in
//! `assets/samples/` with what this module produces.

pub mod canvas;
pub mod encode;
pub mod long_animation;
mod mountains;
mod night;
mod pieces;

use encode::EncodeError;

/// The sample file names, in play order.
pub const SAMPLE_NAMES: [&str; 6] = [
    "mountains-256.png",
    "slime-32.gif",
    "night-128.webp",
    "heart-8.png",
    "sun-64.png",
    "mushroom-16.bmp",
];

/// Every sample as (file name, encoded bytes), in [`SAMPLE_NAMES`] order.
pub fn try_generate_all() -> Result<Vec<(&'static str, Vec<u8>)>, EncodeError> {
    pieces::PIECES
        .iter()
        .map(|(name, draw)| Ok((*name, draw()?)))
        .collect()
}

/// Like [`try_generate_all`]; the art is fixed at compile time, so a failure
/// here is a bug in this module, not bad input.
pub fn generate_all() -> Vec<(&'static str, Vec<u8>)> {
    match try_generate_all() {
        Ok(files) => files,
        Err(err) => panic!("the built-in sample art failed to encode: {err}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_pieces() {
        let names: Vec<&str> = pieces::PIECES.iter().map(|(name, _)| *name).collect();
        assert_eq!(names, SAMPLE_NAMES);
    }

    #[test]
    fn generation_is_deterministic() {
        assert_eq!(generate_all(), generate_all());
    }
}
