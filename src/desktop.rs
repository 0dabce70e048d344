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
/// Runs the opener on its own thread: it can take a moment and the window must not wait.
pub fn open_folder(folder: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(folder)?;
    let folder = folder.to_path_buf();
    std::thread::Builder::new()
        .name("open-folder".into())
        .spawn(move || match Command::new(opener()).arg(&folder).status() {
            Ok(status) if status.success() => {}
            Ok(status) => tracing::warn!("{} {} ended with {status}", opener(), folder.display()),
            Err(e) => tracing::warn!(
                "could not run {} to show {}: {e}",
                opener(),
                folder.display()
            ),
        })?;
    Ok(())
}
