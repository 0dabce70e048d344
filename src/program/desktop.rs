//! Hands things to the desktop: opening a folder in the system's file manager.

use std::path::Path;
use std::process::Command;

/// The command that shows a folder on this system.
fn opener() -> &'static str {
    if cfg!(target_os = "windows") {
        "explorer"
    } else if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    }
}

/// Opens `folder` in the file manager, creating it first so there is something to open.
/// Both run on their own thread: a disk or the opener can take a moment and the window
/// must not wait.
pub(crate) fn open_folder(folder: &Path) -> std::io::Result<()> {
    let folder = folder.to_path_buf();
    std::thread::Builder::new()
        .name("open-folder".into())
        .spawn(move || {
            if let Err(e) = std::fs::create_dir_all(&folder) {
                tracing::warn!("could not create {}: {e}", folder.display());
            }
            match Command::new(opener()).arg(&folder).status() {
                Ok(status) if status.success() => {}
                Ok(status) => {
                    tracing::warn!("{} {} ended with {status}", opener(), folder.display())
                }
                Err(e) => tracing::warn!(
                    "could not run {} to show {}: {e}",
                    opener(),
                    folder.display()
                ),
            }
        })?;
    Ok(())
}

/// Help › Open log folder: the error is a sentence for the user.
pub(crate) fn open_log_folder(dir: Option<&Path>) -> Result<(), String> {
    let dir = dir.ok_or("This session keeps no log file (no per-user folder was found).")?;
    open_folder(dir)
        .map_err(|e| format!("The log folder {} could not be opened: {e}.", dir.display()))
}
