//! The log file, rotated by size while the program runs: a flood of log lines
//! (a server or a local program misbehaving for days) fills the current file
//! to its size, then it moves aside and the oldest is dropped, so the log
//! folder never holds more than `files × file_bytes`.

use std::fs::File;
use std::io::{self, Write};
use std::path::PathBuf;

/// The most one line may take in the file: remote text is clipped where it is
/// logged, and this catches what was missed (the line is cut, its end kept).
pub(crate) const MAX_LINE_BYTES: usize = 4096;

/// How much log the folder may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogBudget {
    /// The most one file holds.
    pub file_bytes: u64,
    /// Files kept, the current one included.
    pub files: usize,
}

impl LogBudget {
    /// 5 files of 5 MB: days of ordinary use, and still small enough to send.
    pub(crate) const DEFAULT: Self = Self {
        file_bytes: 5 * 1024 * 1024,
        files: 5,
    };

    pub fn total_bytes(&self) -> u64 {
        self.file_bytes.saturating_mul(self.files as u64)
    }
}

/// A log file that moves itself aside (`name.1`, `name.2` …) when the next
/// line would take it past `budget.file_bytes`.
pub struct RotatingFile {
    path: PathBuf,
    budget: LogBudget,
    open: fn(&std::path::Path) -> io::Result<File>,
    file: Option<File>,
    written: u64,
}

impl RotatingFile {
    /// Continues the log at `path` (rotated first when it is full), opening it with `open`.
    pub fn new(
        path: PathBuf,
        budget: LogBudget,
        open: fn(&std::path::Path) -> io::Result<File>,
    ) -> io::Result<Self> {
        super::rotate(&path, budget.file_bytes, budget.files.saturating_sub(1))?;
        let file = open(&path)?;
        let written = file.metadata().map_or(0, |m| m.len());
        Ok(Self {
            path,
            budget,
            open,
            file: Some(file),
            written,
        })
    }

    fn roll(&mut self) -> io::Result<()> {
        self.file = None;
        let keep = self.budget.files.saturating_sub(1);
        if keep == 0 {
            std::fs::remove_file(&self.path)?;
        } else {
            super::rotate(&self.path, 0, keep)?;
        }
        self.file = Some((self.open)(&self.path)?);
        self.written = 0;
        Ok(())
    }
}

impl Write for RotatingFile {
    /// Writes one log line whole, or its start when it is too long.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let limit = self.budget.file_bytes;
        let most = usize::try_from(limit)
            .unwrap_or(usize::MAX)
            .min(MAX_LINE_BYTES);
        let cut = buf.len() > most;
        // The rest of an overlong line is dropped, not carried into the next file.
        let line = &buf[..buf.len().min(most.saturating_sub(usize::from(cut)))];
        let size = (line.len() + usize::from(cut)) as u64;
        if self.written > 0 && self.written.saturating_add(size) > limit {
            self.roll()?;
        }
        let Some(file) = self.file.as_mut() else {
            return Err(io::Error::other("the log file could not be reopened"));
        };
        file.write_all(line)?;
        if cut {
            file.write_all(b"\n")?;
        }
        self.written = self.written.saturating_add(size);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.as_mut().map_or(Ok(()), File::flush)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(path: &std::path::Path) -> io::Result<File> {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
    }

    fn folder_bytes(dir: &std::path::Path) -> (u64, usize) {
        let entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
        let bytes = entries.iter().map(|e| e.metadata().unwrap().len()).sum();
        (bytes, entries.len())
    }

    #[test]
    fn a_flood_stays_within_the_budget_and_keeps_the_newest_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.log");
        let budget = LogBudget {
            file_bytes: 1000,
            files: 3,
        };
        let mut log = RotatingFile::new(path.clone(), budget, open).unwrap();
        for i in 0..1000 {
            log.write_all(format!("line {i:04} of the flood\n").as_bytes())
                .unwrap();
        }
        // One line longer than a whole file: its start only, ended.
        log.write_all(&[b'x'; 5000]).unwrap();
        log.write_all(b"last\n").unwrap();
        log.flush().unwrap();
        let (bytes, files) = folder_bytes(dir.path());
        assert!(bytes <= budget.total_bytes(), "{bytes} bytes");
        assert_eq!(files, 3);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "last\n");
        let previous = std::fs::read(dir.path().join("app.log.1")).unwrap();
        assert_eq!(previous, [[b'x'; 999].as_slice(), b"\n"].concat());
        let older = std::fs::read_to_string(dir.path().join("app.log.2")).unwrap();
        assert!(older.ends_with("line 0999 of the flood\n"), "{older}");
    }

    #[test]
    fn a_full_log_from_the_last_run_is_moved_aside_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.log");
        std::fs::write(&path, [b'a'; 600]).unwrap();
        let budget = LogBudget {
            file_bytes: 1000,
            files: 2,
        };
        let mut log = RotatingFile::new(path.clone(), budget, open).unwrap();
        log.write_all(&[b'b'; 300]).unwrap();
        assert_eq!(std::fs::read(&path).unwrap().len(), 900, "continued");
        log.write_all(&[b'c'; 300]).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), [b'c'; 300]);
        assert_eq!(
            std::fs::read(dir.path().join("app.log.1")).unwrap().len(),
            900
        );
    }
}
