//! The player's own files on disk: where they live (`paths`), created private
//! (`private_files`), replaced whole (`atomic_file`), written off the window
//! thread (`background_writer`); the artwork cache, the views queue's journal
//! and the channel kept for the next start.

pub(crate) mod atomic_file;
pub(crate) mod background_writer;
pub mod cache;
pub mod disk_queue;
pub mod last_channel;
pub mod paths;
pub mod private_files;
