//! The limits on an animation as a whole, checked frame by frame as the
//! frames are decoded (a file's header cannot be trusted to count them).

use std::time::Instant;

use super::decode::{
    ArtFormat, DecodeError, DecodeLimits, FrameSink, canvas_bytes, check_work, within_budget,
};
use super::decode_error::damaged;

/// The limits on an animation as a whole, checked frame by frame as they
/// are decoded: the frame count and the memory budget across all frames
/// (the `image` limits only apply to one frame at a time), the compositing
/// work, and the decode time.
pub(super) struct FrameGate {
    format: ArtFormat,
    count: usize,
    started: Instant,
}

impl FrameGate {
    pub(super) fn new(format: ArtFormat, started: Instant) -> Self {
        Self {
            format,
            count: 0,
            started,
        }
    }

    /// Lets one more decoded frame of `width`×`height` through, or says
    /// which limit it breaks; `kept_bytes` is what the sink holds so far.
    pub(super) fn admit(
        &mut self,
        width: u32,
        height: u32,
        kept_bytes: u64,
        limits: &DecodeLimits,
    ) -> Result<(), DecodeError> {
        let format = self.format;
        if self.count >= limits.max_frames {
            return Err(DecodeError::TooManyFrames {
                format,
                max: limits.max_frames,
            });
        }
        // What the container did not count is bounded as it comes.
        check_work(format, width, height, self.count + 1, limits)?;
        if self.started.elapsed() > limits.max_decode_time {
            let seconds = limits.max_decode_time.as_secs();
            return Err(DecodeError::TooSlow { format, seconds });
        }
        // Counted as if this frame were kept whole: a compacting sink only
        // knows its size afterwards, and the decoder holds it whole anyway.
        let needed_bytes = kept_bytes.saturating_add(canvas_bytes(width, height));
        within_budget(format, needed_bytes, limits)?;
        self.count += 1;
        Ok(())
    }

    /// After the last frame: an animation of no frames is damaged, one of a
    /// single frame is a still image.
    pub(super) fn finish(&self, sink: &mut impl FrameSink) -> Result<(), DecodeError> {
        match self.count {
            0 => Err(damaged(self.format, "it contains no frames")),
            1 => {
                sink.make_still();
                Ok(())
            }
            _ => Ok(()),
        }
    }
}
