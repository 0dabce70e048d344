//! Frame 0 of an animation, handed out as soon as the file is known to be animated,
//! so the window can show it while the other frames decode (a long GIF takes tens of
//! milliseconds to decode whole; its first frame, one).

use std::time::Duration;

use super::decode::FrameSink;

/// Frames larger than this are not copied for an early look: the copy would cost
/// more memory than the wait is worth.
const MAX_EARLY_PIXELS: u64 = 4 * 1024 * 1024;

/// One decoded frame: RGBA, width, height, delay.
pub(crate) type FirstFrame = (Vec<u8>, u32, u32, Duration);

/// Passes every frame on to `inner`. When a second frame arrives (so the file is an
/// animation, not a still that would be decoded twice for nothing), frame 0 goes to
/// `early` first.
pub(crate) struct EarlyFirstFrame<'a, S: FrameSink> {
    inner: &'a mut S,
    first: Option<FirstFrame>,
    early: Option<Box<dyn FnOnce(FirstFrame) + 'a>>,
    kept: usize,
}

impl<'a, S: FrameSink> EarlyFirstFrame<'a, S> {
    pub fn new(inner: &'a mut S, early: impl FnOnce(FirstFrame) + 'a) -> Self {
        Self {
            inner,
            first: None,
            early: Some(Box::new(early)),
            kept: 0,
        }
    }
}

impl<S: FrameSink> EarlyFirstFrame<'_, S> {
    /// Copies frame 0 aside, and hands it out when frame 1 arrives.
    fn look(&mut self, rgba: &[u8], width: u32, height: u32, delay: Duration) {
        self.kept += 1;
        match self.kept {
            1 if u64::from(width) * u64::from(height) <= MAX_EARLY_PIXELS => {
                self.first = Some((rgba.to_vec(), width, height, delay));
            }
            2 => {
                if let (Some(first), Some(early)) = (self.first.take(), self.early.take()) {
                    early(first);
                }
            }
            _ => {}
        }
    }
}

impl<S: FrameSink> FrameSink for EarlyFirstFrame<'_, S> {
    fn keep(&mut self, rgba: Vec<u8>, width: u32, height: u32, delay: Duration) {
        self.look(&rgba, width, height, delay);
        self.inner.keep(rgba, width, height, delay);
    }

    fn keep_buffer(&mut self, rgba: &mut Vec<u8>, width: u32, height: u32, delay: Duration) {
        self.look(rgba, width, height, delay);
        self.inner.keep_buffer(rgba, width, height, delay);
    }

    fn kept_bytes(&self) -> u64 {
        self.inner.kept_bytes()
    }

    fn make_still(&mut self) {
        self.inner.make_still();
    }

    fn wants_more(&self) -> bool {
        self.inner.wants_more()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::decode::Frame;

    fn frame(value: u8) -> Vec<u8> {
        vec![value; 2 * 2 * 4]
    }

    #[test]
    fn frame_zero_comes_early_once_a_second_frame_arrives_and_every_frame_goes_on() {
        let mut all: Vec<Frame> = Vec::new();
        let mut early = Vec::new();
        {
            let mut tap = EarlyFirstFrame::new(&mut all, |f: FirstFrame| early.push(f));
            tap.keep(frame(1), 2, 2, Duration::from_millis(40));
            tap.keep(frame(2), 2, 2, Duration::from_millis(50));
            tap.keep(frame(3), 2, 2, Duration::from_millis(60));
        }
        assert_eq!(early.len(), 1, "one early frame");
        assert_eq!(early[0].0, frame(1));
        assert_eq!((early[0].1, early[0].2), (2, 2));
        assert_eq!(early[0].3, Duration::from_millis(40));
        let values: Vec<u8> = all.iter().map(|f| f.rgba[0]).collect();
        assert_eq!(
            values,
            [1, 2, 3],
            "the inner sink kept every frame in order"
        );
    }

    #[test]
    fn a_still_image_gives_nothing_early() {
        let mut all: Vec<Frame> = Vec::new();
        let mut early = 0;
        {
            let mut tap = EarlyFirstFrame::new(&mut all, |_| early += 1);
            tap.keep(frame(1), 2, 2, Duration::ZERO);
            tap.make_still();
        }
        assert_eq!(early, 0);
        assert_eq!(all.len(), 1);
    }
}
