//! The allocator's threshold for large blocks stays where the player fixed it
//! (`program::heap`): its own test process, since every thread shares the
//! allocator's counters.

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn frame_sized_blocks_go_back_to_the_system_every_time_they_are_freed() {
    use makapix_player::program::heap::{MMAP_THRESHOLD, return_large_blocks};
    assert!(return_large_blocks(), "glibc refused the threshold");
    let mapped = || {
        // SAFETY: mallinfo2 only reads the allocator's counters.
        unsafe { libc::mallinfo2() }.hblkhd
    };
    // Left to itself, glibc would serve the second and later blocks from the
    // heap once the first one was freed.
    for round in 0..3 {
        let before = mapped();
        let block = std::hint::black_box(vec![7u8; MMAP_THRESHOLD]);
        let during = mapped();
        assert!(
            during >= before + MMAP_THRESHOLD,
            "round {round}: the block was not given its own mapping"
        );
        drop(block);
        assert!(
            mapped() + MMAP_THRESHOLD <= during,
            "round {round}: the freed block was kept"
        );
    }
}
