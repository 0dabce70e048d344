//! The decode schedule with a stand-in for the window: artworks decoded on
//! the real decoder thread, taken in without a GPU.

use std::time::Instant;

use super::*;
use crate::app::library::tests::{Art, post};
use crate::media::animation::FrameClock;
use crate::player::QueueItem;

/// Art as a window without a GPU would hold it.
pub(crate) struct Plain;

impl ArtKind for Plain {
    type Prepared = CompactArtwork;
    type Art = Art;
    fn prepare(art: CompactArtwork, _max_side: usize) -> CompactArtwork {
        art
    }
}

/// A window without a GPU.
pub(crate) struct NoGpu;

impl Upload<Plain> for NoGpu {
    fn max_side(&self) -> usize {
        2048
    }
    fn upload(&self, _name: &str, art: CompactArtwork) -> Art {
        Art {
            bytes: art.frames.byte_count(),
            shown: 0,
            clock: FrameClock::new(art.frames.delays().to_vec()),
        }
    }
}

fn schedule() -> DecodeSchedule<Plain> {
    DecodeSchedule::new(Arc::new(|| {}))
}

/// `source` made the whole queue; its decode started as the pass's sync asks.
fn asked_for(
    artworks: &mut DecodeSchedule<Plain>,
    engine: &mut Engine,
    source: &ArtworkSource,
) -> Vec<(ArtworkSource, MakapixPost)> {
    engine.set_items(vec![QueueItem::new(source.clone())], 0, Duration::ZERO);
    artworks.sync(engine, Duration::ZERO)
}

#[test]
fn an_artwork_asked_for_in_a_pass_is_on_screen_when_the_pass_draws() {
    let mut artworks = schedule();
    let mut engine = Engine::new(Duration::from_secs(30));
    for name in ["sun-64.png", "slime-32.gif"] {
        let source = ArtworkSource::Embedded(name);
        asked_for(&mut artworks, &mut engine, &source);
        let budget = Duration::from_secs(10);
        let (changed, unreadable) =
            artworks.wait_for_new(&NoGpu, &mut engine, Duration::ZERO, budget);
        assert!(changed && unreadable.is_empty(), "{name}: {unreadable:?}");
        assert_eq!(engine.current(), Some(&source), "{name}");
        assert!(artworks.is_ready(&source));
    }
}

#[test]
fn a_pass_that_started_no_decode_does_not_wait() {
    let mut artworks = schedule();
    let mut engine = Engine::new(Duration::from_secs(30));
    let source = ArtworkSource::Embedded("sun-64.png");
    asked_for(&mut artworks, &mut engine, &source);
    // As if the decode had started in an earlier pass.
    artworks.started.clear();
    let started = Instant::now();
    let budget = Duration::from_secs(10);
    let (changed, _) = artworks.wait_for_new(&NoGpu, &mut engine, Duration::ZERO, budget);
    assert!(!changed, "it waited for a decode an earlier pass started");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(engine.pending(), Some(&source));
}

#[test]
fn a_post_is_asked_for_and_its_bad_file_is_reported_unreadable() {
    let mut artworks = schedule();
    let mut engine = Engine::new(Duration::from_secs(30));
    let source = post(9);
    let asked = asked_for(&mut artworks, &mut engine, &source);
    assert_eq!(asked.len(), 1, "the post's file is asked for, not decoded");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("9.gif");
    std::fs::write(&path, b"not an image").expect("the file written");
    artworks.decode_file(&source, path);
    let budget = Duration::from_secs(10);
    let (changed, unreadable) = artworks.wait_for_new(&NoGpu, &mut engine, Duration::ZERO, budget);
    assert!(!changed);
    assert_eq!(unreadable.len(), 1, "{unreadable:?}");
    assert_eq!(unreadable[0].0, source);
    assert!(!artworks.is_ready(&source));
}

#[test]
fn the_frame_due_is_the_one_shown() {
    let mut artworks = schedule();
    let mut engine = Engine::new(Duration::from_secs(30));
    let source = ArtworkSource::Embedded("slime-32.gif");
    asked_for(&mut artworks, &mut engine, &source);
    let budget = Duration::from_secs(10);
    artworks.wait_for_new(&NoGpu, &mut engine, Duration::ZERO, budget);
    // Its first frame may have come alone: the whole animation follows.
    while artworks.decoding_rest(&source) || !artworks.is_ready(&source) {
        let report = artworks.reports.recv_timeout(budget).expect("the decode");
        artworks.take(report, &NoGpu, &mut engine, Duration::ZERO, &mut Vec::new());
    }
    let wait = artworks.frame_wait(&engine, Duration::ZERO);
    let wait = wait.expect("an animation has a next frame");
    artworks.advance_frame(&engine, wait);
    let Some(Entry::Ready(art)) = artworks.library().get(&source) else {
        panic!("the animation is held");
    };
    assert_eq!(art.shown, 1, "the second frame, once its time came");
}

#[test]
fn a_file_decoded_ahead_and_edited_before_its_turn_is_decoded_again() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let png = |name: &str, side: u32| {
        let path = dir.path().join(name);
        let pixels = vec![200; (side * side * 4) as usize];
        image::save_buffer(&path, &pixels, side, side, image::ExtendedColorType::Rgba8)
            .expect("the file written");
        ArtworkSource::File(path)
    };
    let (first, next) = (png("first.png", 8), png("next.png", 8));
    let mut artworks = schedule();
    let mut engine = Engine::new(Duration::from_secs(30));
    let items = [&first, &next].map(|s| QueueItem::new(s.clone()));
    engine.set_items(items.to_vec(), 0, Duration::ZERO);
    let budget = Duration::from_secs(10);
    let bytes_of_next = |artworks: &DecodeSchedule<Plain>| match artworks.library().get(&next) {
        Some(Entry::Ready(art)) => Some(art.bytes),
        _ => None,
    };
    artworks.sync(&mut engine, Duration::ZERO);
    while !artworks.is_ready(&first) || bytes_of_next(&artworks).is_none() {
        let report = artworks.reports.recv_timeout(budget).expect("the decodes");
        artworks.take(report, &NoGpu, &mut engine, Duration::ZERO, &mut Vec::new());
        artworks.sync(&mut engine, Duration::ZERO);
    }
    assert_eq!(
        engine.current(),
        Some(&first),
        "the next file waits its turn"
    );
    let before = bytes_of_next(&artworks);
    png("next.png", 16);
    while bytes_of_next(&artworks) == before {
        let report = artworks.reports.recv_timeout(budget);
        let report = report.expect("the edited file decoded again");
        artworks.take(report, &NoGpu, &mut engine, Duration::ZERO, &mut Vec::new());
        artworks.sync(&mut engine, Duration::ZERO);
    }
    assert_eq!(
        engine.current(),
        Some(&first),
        "still the first file's turn"
    );
}

#[test]
fn a_post_whose_placeholder_is_forgotten_is_reported_again() {
    let mut artworks = schedule();
    let mut engine = Engine::new(Duration::from_secs(30));
    let source = post(5);
    assert_eq!(asked_for(&mut artworks, &mut engine, &source).len(), 1);
    artworks.failed(source.clone(), "offline".into());
    assert!(artworks.sync(&mut engine, Duration::ZERO).is_empty());
    artworks.forget_failed(&source);
    let again = artworks.sync(&mut engine, Duration::ZERO);
    assert!(matches!(&again[..], [(s, _)] if *s == source), "{again:?}");
}
