//! How the C allocator hands memory back. glibc raises its threshold for
//! serving a block with its own mapping each time such a block is freed, so
//! after the first frame-sized block of a 256×256 animation is freed, later
//! ones come from the heap, whose freed middle stays resident. A fixed
//! threshold keeps blocks of a frame's size in mappings that go back to the
//! system when freed: about 1.7 MB less anonymous memory while a 1,000-frame
//! 256×256 GIF plays. Frames decoded again and again write over the memory of
//! frames already shown (`media::replay`, `media::gif_frames`), so playing
//! maps nothing per frame.

/// Blocks from this size up get a mapping of their own, returned when freed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub const MMAP_THRESHOLD: usize = 256 * 1024;

/// Fixes the allocator's threshold (glibc on Linux; elsewhere nothing to do).
/// Returns whether the allocator took it. Call before starting threads.
pub fn return_large_blocks() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let threshold = libc::c_int::try_from(MMAP_THRESHOLD).unwrap_or(libc::c_int::MAX);
        // SAFETY: mallopt only sets a tunable of the allocator; no memory is touched.
        unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, threshold) == 1 }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}
