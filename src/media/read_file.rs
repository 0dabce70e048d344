//! Reading an artwork file for decoding, without trusting the path: the file
//! is opened without waiting, and what was opened is checked (a regular file
//! within the size limit) before a byte is read.

use std::io::Read;
use std::path::Path;

use super::decode::DecodeLimits;
use super::decode_error::{DecodeError, file_too_big, io_reason};

/// Reads a file for decoding, refusing oversized files before reading them.
///
/// The file is opened first and what was opened is then checked (`fstat` of
/// the handle): a check of the path before opening could see a regular file
/// and the open a FIFO put there in between, which would block the decoder for
/// ever. The open itself never waits (`O_NONBLOCK`), whatever the path is.
pub fn read_file(path: &Path, limits: &DecodeLimits) -> Result<Vec<u8>, DecodeError> {
    read_file_noting(path, limits, |_| {})
}

/// `read_file`, telling `opened` the metadata of what was opened before a
/// byte is read: the version of the file the bytes come from.
pub fn read_file_noting(
    path: &Path,
    limits: &DecodeLimits,
    opened: impl FnOnce(&std::fs::Metadata),
) -> Result<Vec<u8>, DecodeError> {
    let file = file_label(path);
    let read_error = |err: std::io::Error| DecodeError::Read {
        file: file.clone(),
        kind: err.kind(),
        reason: io_reason(&err),
    };
    let is_dir = || read_error(std::io::ErrorKind::IsADirectory.into());
    let handle = open_without_waiting(path).map_err(|e| {
        // Windows refuses to open a folder: say what it is, as on Unix.
        if std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
            is_dir()
        } else {
            read_error(e)
        }
    })?;
    let meta = handle.metadata().map_err(read_error)?;
    if meta.is_dir() {
        return Err(is_dir());
    }
    // A pipe waits for a writer for ever, and a device never ends.
    if !meta.is_file() {
        return Err(DecodeError::NotAFile { file });
    }
    opened(&meta);
    if meta.len() > limits.max_file_bytes {
        return Err(file_too_big(meta.len(), limits));
    }
    // The file may grow after the metadata was read; reading one byte past the
    // limit is enough for decode() to refuse.
    let capacity = usize::try_from(meta.len()).unwrap_or(0);
    let mut bytes = Vec::with_capacity(capacity);
    handle
        .take(limits.max_file_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    Ok(bytes)
}

/// Opens for reading without blocking on a FIFO and without becoming a
/// terminal's controlling process; a regular file reads as usual.
fn open_without_waiting(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(
        &mut options,
        libc::O_NONBLOCK | libc::O_NOCTTY,
    );
    options.open(path)
}

/// Only the file name goes into messages: full paths are long and can
/// reveal a user's folder layout on screen.
fn file_label(path: &Path) -> String {
    match path.file_name() {
        Some(name) => name.to_string_lossy().into_owned(),
        None => path.display().to_string(),
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::path::Path;
    use std::time::{Duration, Instant};

    use super::*;

    /// Someone who can write in a played folder swaps a FIFO in for an image
    /// again and again. Checking the path and then opening it would, once the swap
    /// falls in between, open the FIFO and wait for a writer for ever (the decoder
    /// thread stuck): the decoder opens first, without waiting, and checks what it
    /// opened. Every read must come back, with the image or a refusal.
    #[test]
    fn a_fifo_swapped_in_for_an_image_never_blocks_the_decoder() {
        use std::ffi::CString;
        use std::os::unix::ffi::OsStrExt;
        use std::os::unix::fs::OpenOptionsExt;
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, Ordering};

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("art.png");
        let other = dir.path().join("other.png");
        // Only read here, not decoded.
        std::fs::write(&path, b"an image").unwrap();
        let made = std::process::Command::new("mkfifo").arg(&other).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        let c = |p: &Path| CString::new(p.as_os_str().as_bytes()).unwrap();
        let (a, b) = (c(&path), c(&other));
        let stop = Arc::new(AtomicBool::new(false));
        let swapping = Arc::clone(&stop);
        let swapper = std::thread::spawn(move || {
            while !swapping.load(Ordering::Relaxed) {
                // SAFETY: two valid C strings; RENAME_EXCHANGE swaps the names atomically.
                let done = unsafe {
                    libc::renameat2(
                        libc::AT_FDCWD,
                        a.as_ptr(),
                        libc::AT_FDCWD,
                        b.as_ptr(),
                        libc::RENAME_EXCHANGE,
                    )
                };
                assert_eq!(done, 0, "{}", std::io::Error::last_os_error());
            }
        });
        let (tx, rx) = std::sync::mpsc::channel();
        let reading = path.clone();
        std::thread::spawn(move || {
            let limits = DecodeLimits::default();
            let until = Instant::now() + Duration::from_secs(3);
            while Instant::now() < until {
                let outcome = read_file(&reading, &limits);
                if tx.send(outcome.map(|_| ())).is_err() {
                    return;
                }
            }
        });
        let (mut read, mut refused) = (0, 0);
        // A read stuck on the FIFO never comes back; one held up by a loaded
        // machine or disk comes back late, and must not be taken for stuck.
        let blocked = loop {
            match rx.recv_timeout(Duration::from_secs(20)) {
                Ok(Ok(())) => read += 1,
                Ok(Err(DecodeError::NotAFile { .. })) => refused += 1,
                Ok(Err(e)) => panic!("{e}"),
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break false,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => break true,
            }
        };
        stop.store(true, Ordering::Relaxed);
        swapper.join().unwrap();
        if blocked {
            // Lets the stuck open end: a writer comes to whichever name the FIFO has now.
            for p in [&path, &other] {
                let _ = std::fs::OpenOptions::new()
                    .write(true)
                    .custom_flags(libc::O_NONBLOCK)
                    .open(p);
            }
        }
        assert!(
            !blocked,
            "a read waited on the FIFO ({read} read, {refused} refused before)"
        );
        assert!(read > 0 && refused > 0, "{read} read, {refused} refused");
    }
}
