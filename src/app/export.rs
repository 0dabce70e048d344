//! Exporting what a device would show: an artwork file (or the frames the
//! window holds) through one device's render into an animated GIF, APNG or
//! WebP, or a still PNG, written whole. Shared by `makapix-player export` and
//! File › Export preview as; runs on the caller's thread (a worker's, in the window).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::media::decode::{self, DecodeLimits};
use crate::media::frame_store::{self, Canvas, FrameStore, Reader};
use crate::preview::PreviewMode;
use crate::preview::encode::{Encoder, ExportFormat};
use crate::preview::export::{check_scale, fitting_scale, render_scaled};
use crate::preview::render::{Frame, Look};

/// Where an export from the window goes: `path` as picked, with `format`'s
/// extension added when it has no known one, and whether it was added. The
/// dialog asked about replacing the name picked, not the one with the
/// extension added: that one is never replaced unasked (`already_there`).
pub fn output_for(path: PathBuf, format: ExportFormat) -> (PathBuf, bool) {
    if ExportFormat::from_path(&path).is_ok() {
        return (path, false);
    }
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".");
    name.push(format.extension());
    (path.with_file_name(name), true)
}

/// The sentence for a file the export would replace unasked.
pub fn already_there(output: &Path) -> String {
    let name = output.file_name().unwrap_or_default().to_string_lossy();
    format!(
        "{name} already exists, and the dialog did not ask about replacing it; \
         export again and pick {name} to replace it, or type another name."
    )
}

/// What to export, besides the artwork.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub mode: PreviewMode,
    /// Output pixels per device pixel, refused with advice when too large;
    /// `None`: the device's usual one, or less where that would be too large.
    pub scale: Option<u32>,
    /// One frame only (0-based), as a still image.
    pub frame: Option<usize>,
    pub output: PathBuf,
}

/// What was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Done {
    pub path: PathBuf,
    pub format: &'static str,
    pub frames: usize,
    pub size: [u32; 2],
}

impl Done {
    /// The sentence the command line prints and the window's status bar shows.
    pub fn sentence(&self) -> String {
        let [w, h] = self.size;
        let frames = match self.frames {
            1 => "1 frame".to_owned(),
            n => format!("{n} frames"),
        };
        format!(
            "Exported {} ({w}×{h}, {frames}) to {}.",
            self.format,
            self.path.display()
        )
    }
}

/// Decodes `input` with the player's own decoder and limits, then exports it.
pub fn export_file(
    input: &Path,
    request: &Request,
    look: &Look,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Done, String> {
    let limits = DecodeLimits::default();
    let art = decode::read_file(input, &limits)
        .and_then(|bytes| frame_store::decode(&bytes, &limits))
        .map_err(|e| e.to_string())?;
    export_frames(
        &art.frames,
        request,
        look,
        &AtomicBool::new(false),
        progress,
    )
}

/// Renders every frame of `frames` (or the one asked for) as the device
/// shows it, encodes them and writes the file whole. `cancel` stops it
/// between frames; `progress` hears (frames done, frames in all).
pub fn export_frames(
    frames: &FrameStore,
    request: &Request,
    look: &Look,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Done, String> {
    let format = ExportFormat::from_path(&request.output)?;
    let size = [frames.width(), frames.height()];
    let count = frames.frame_count();
    let scale = request
        .scale
        .unwrap_or_else(|| fitting_scale(request.mode, size, look));
    let out_size = check_scale(request.mode, size, look, scale)?;
    let chosen: Vec<usize> = match request.frame {
        Some(i) if i < count => vec![i],
        Some(i) => {
            return Err(format!(
                "The artwork has {count} frame{}; frame {} is not one of them.",
                if count == 1 { "" } else { "s" },
                i + 1
            ));
        }
        None => (0..count).collect(),
    };
    let mut bytes = Vec::new();
    let mut encoder = Encoder::new(format, out_size, chosen.len(), &mut bytes)?;
    let mut canvas = Canvas::default();
    // A decoder of its own for frames left in the file: the window plays
    // from the same store while it exports.
    let reader = frames.reader();
    for (done, &index) in chosen.iter().enumerate() {
        if cancel.load(Ordering::Relaxed) {
            return Err(CANCELLED.into());
        }
        let rgba = frame_rgba(&reader, index, &mut canvas, cancel)?;
        let image = render_scaled(&Frame { size, rgba: &rgba }, look, request.mode, scale);
        let delay = frames.delays().get(index).copied().unwrap_or_default();
        encoder.add(&image, delay)?;
        progress(done + 1, chosen.len());
    }
    encoder.finish()?;
    let path = request.output.clone();
    crate::storage::atomic_file::write_document(&path, &bytes).map_err(|e| {
        format!(
            "The export could not be saved to {}: {e}. Choose another file or folder.",
            path.display()
        )
    })?;
    Ok(Done {
        format: format.name(chosen.len() > 1),
        frames: chosen.len(),
        size: out_size,
        path,
    })
}

/// What a cancelled export says.
const CANCELLED: &str = "Export cancelled; no file was written.";

/// Frame `index` as straight RGBA. Frames of many colours are decoded again
/// from the file by the replay thread: waited for, within reason, or until
/// the export is cancelled.
fn frame_rgba(
    frames: &Reader<'_>,
    index: usize,
    canvas: &mut Canvas<[u8; 4]>,
    cancel: &AtomicBool,
) -> Result<Vec<u8>, String> {
    let started = Instant::now();
    while !frames.render(index, |p| p, canvas) {
        if cancel.load(Ordering::Relaxed) {
            return Err(CANCELLED.into());
        }
        if started.elapsed() > Duration::from_secs(30) {
            return Err(format!(
                "Frame {} of the artwork could not be decoded again; no file was written.",
                index + 1
            ));
        }
    }
    Ok(canvas.pixels().iter().flatten().copied().collect())
}
