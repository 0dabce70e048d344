//! TCP_QUICKACK on the MQTT socket, where the operating system has it (Linux).
//!
//! Makapix's broker runs with Nagle's algorithm on (mosquitto's default): it
//! holds a small segment while one it sent is not yet acknowledged. After a
//! command the player publishes its ack, state and status; the broker answers
//! each with a PUBACK, and Linux delays the player's ACK of them (up to 40 ms,
//! because the player talks back: "ping-pong" mode). A command sent meanwhile
//! waits in the broker behind that delayed ACK (BENCHMARKS.md: back to back,
//! 35 ms instead of 1). Quick-ACK mode ends that wait: setting it sends an ACK
//! the kernel was holding at once, and it is set again after every packet
//! because Linux drops it by itself.
//!
//! rumqttc (0.25) opens its socket itself and offers no hook for socket options
//! beyond `NetworkOptions` (a custom connector is proposed upstream:
//! bytebeamio/rumqtt#1032, #1059). So once the broker accepted the session, the
//! socket is found among this process's file descriptors: the one socket
//! connected to the broker's port that was not there before the attempt. A
//! duplicate of it is kept for the session (it is the same socket: rumqttc
//! still owns and closes its own descriptor; the duplicate goes with the
//! event loop's task) and the option set on it.
//!
//! Elsewhere this does nothing: macOS has no TCP_QUICKACK, Windows' per-socket
//! ACK frequency (`SIO_TCP_SET_ACK_FREQUENCY`) is not used; there a command
//! that follows another within a few tens of ms may wait for the delayed ACK.

#[cfg(target_os = "linux")]
pub(super) use linux::QuickAck;

/// Set `MAKAPIX_TCP_QUICKACK=0` to leave the socket as the system has it: the
/// benchmark's A/B (and a way out, should a network mind the extra ACKs).
pub(super) fn wanted() -> bool {
    std::env::var_os("MAKAPIX_TCP_QUICKACK").is_none_or(|v| v != "0")
}

#[cfg(not(target_os = "linux"))]
pub(super) use elsewhere::QuickAck;

#[cfg(target_os = "linux")]
mod linux {
    use std::collections::HashSet;
    use std::fs::File;
    use std::os::fd::{BorrowedFd, OwnedFd, RawFd};
    use std::os::unix::fs::MetadataExt;

    use socket2::SockRef;

    /// The broker's socket, once found, and what was there before it.
    pub struct QuickAck {
        port: u16,
        /// Sockets to the broker's port before the attempt (a session of before
        /// still closing): never taken for this one.
        before: HashSet<u64>,
        socket: Option<OwnedFd>,
    }

    impl QuickAck {
        /// Before the attempt connects to `port`.
        pub fn new(port: u16) -> Self {
            let before = sockets_to(port)
                .into_iter()
                .map(|(inode, _)| inode)
                .collect();
            Self {
                port,
                before,
                socket: None,
            }
        }

        /// Once the session is up: takes the one new socket to the broker's
        /// port; false when there is not exactly one (then nothing is set).
        pub fn find(&mut self) -> bool {
            let new: Vec<(u64, RawFd)> = sockets_to(self.port)
                .into_iter()
                .filter(|(inode, _)| !self.before.contains(inode))
                .collect();
            self.socket = match new[..] {
                [(inode, fd)] => duplicate(fd, inode),
                _ => None,
            };
            self.arm();
            self.socket.is_some()
        }

        /// Quick-ACK mode again; an ACK the kernel was delaying goes now.
        pub fn arm(&self) {
            if let Some(socket) = &self.socket {
                let _ = SockRef::from(socket).set_tcp_quickack(true);
            }
        }
    }

    /// This process's sockets connected to `port`: their inode and descriptor.
    /// Only sockets are looked at, and none is duplicated here: closing a
    /// duplicate of a file would drop the process's POSIX locks on it.
    fn sockets_to(port: u16) -> Vec<(u64, RawFd)> {
        let Ok(dir) = std::fs::read_dir("/proc/self/fd") else {
            return Vec::new();
        };
        dir.filter_map(|entry| {
            let entry = entry.ok()?;
            let fd: RawFd = entry.file_name().to_str()?.parse().ok()?;
            let link = std::fs::read_link(entry.path()).ok()?;
            let inode = link.to_str()?.strip_prefix("socket:[")?.strip_suffix(']')?;
            let inode: u64 = inode.parse().ok()?;
            // SAFETY: borrowed only for getpeername. If another thread closed the
            // descriptor since the listing, the call fails (EBADF); if the number
            // was reused, the inode check in `duplicate` rejects it.
            let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
            let peer = SockRef::from(&borrowed).peer_addr().ok()?.as_socket()?;
            (peer.port() == port).then_some((inode, fd))
        })
        .collect()
    }

    /// A descriptor of our own for socket `inode`, found at `fd`.
    fn duplicate(fd: RawFd, inode: u64) -> Option<OwnedFd> {
        // SAFETY: as in `sockets_to`; the copy is kept only if it is that socket.
        let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
        let file = File::from(borrowed.try_clone_to_owned().ok()?);
        // The inode names the socket itself, whichever descriptor points at it.
        (file.metadata().ok()?.ino() == inode).then(|| OwnedFd::from(file))
    }
}

#[cfg(not(target_os = "linux"))]
mod elsewhere {
    /// No quick-ACK mode on this system: does nothing.
    pub struct QuickAck;

    impl QuickAck {
        pub fn new(_port: u16) -> Self {
            Self
        }

        pub fn find(&mut self) -> bool {
            false
        }

        pub fn arm(&self) {}
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::net::{TcpListener, TcpStream};

    use socket2::SockRef;

    use super::QuickAck;

    #[test]
    fn finds_the_one_new_socket_to_the_port_and_sets_quick_ack_on_it() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let port = listener.local_addr().expect("its address").port();
        let old = TcpStream::connect(("127.0.0.1", port)).expect("connects");
        let mut quick = QuickAck::new(port);
        let new = TcpStream::connect(("127.0.0.1", port)).expect("connects");
        let (accepted, _) = listener.accept().expect("accepted");
        // Linux leaves quick-ACK mode by itself; clear it to see it set again.
        SockRef::from(&new)
            .set_tcp_quickack(false)
            .expect("cleared");
        assert!(quick.find(), "the new socket to the port is found");
        assert!(SockRef::from(&new).tcp_quickack().expect("read back"));
        SockRef::from(&new)
            .set_tcp_quickack(false)
            .expect("cleared");
        quick.arm();
        assert!(SockRef::from(&new).tcp_quickack().expect("read back"));
        // The socket of before is not taken: in ping-pong mode it stays there.
        SockRef::from(&old)
            .set_tcp_quickack(false)
            .expect("cleared");
        quick.arm();
        assert!(!SockRef::from(&old).tcp_quickack().expect("read back"));
        drop(accepted);
    }

    #[test]
    fn two_new_sockets_to_the_port_are_left_alone() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let port = listener.local_addr().expect("its address").port();
        let mut quick = QuickAck::new(port);
        let _a = TcpStream::connect(("127.0.0.1", port)).expect("connects");
        let _b = TcpStream::connect(("127.0.0.1", port)).expect("connects");
        assert!(!quick.find());
    }
}
