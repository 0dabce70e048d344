//! Why a target can be missed and what would close it: printed under a table
//! whose row missed, so BENCHMARKS.md explains every miss in the same run.

/// The explanation for a missed row, by the start of its measure's name.
pub fn why(measure: &str) -> Option<&'static str> {
    NOTES
        .iter()
        .find(|(prefix, _)| measure.starts_with(prefix))
        .map(|(_, note)| *note)
}

const NOTES: &[(&str, &str)] = &[
    (
        "command → screen",
        "A command crosses four threads before its frame is painted (broker → runtime → window → \
         decoder → window). The load average shows how many processes wanted the two cores; each \
         hop waits for one, and the time beside the broker part is all such waits plus the \
         decode and upload of the whole animation. What would close it: a quiet machine first; \
         then in the player, putting the first frame on screen as soon as it is decoded while \
         the rest follow, and keeping the previous post decoded so that a warm show skips the \
         decode.",
    ),
    (
        "command burst: acknowledged",
        "Acks that never came back mean the path from window to broker dropped them: the \
         window's action queue (256) refusing them as busy, or the MQTT task stalling. Both were \
         fixed for this issue (the window takes at most as many events per frame as the queue \
         has room; the MQTT event loop is never blocked by its reader); a miss here is a \
         regression to chase with `tests/ui_command_burst.rs`.",
    ),
    (
        "command burst: longest gap",
        "The UI pass and paint stay short (longest pass to paint above); the gaps are the window \
         thread waiting for a core while 1,000 commands keep the broker, the runtime and the \
         test back end busy on a loaded machine. What would close it: a quiet machine; the \
         window already takes at most 64 events per frame so no single frame grows with the \
         burst.",
    ),
    (
        "frame pacing",
        "Frames are painted when the window wakes from `request_repaint_after`; the animation \
         clock is the artwork's elapsed time, so lateness does not accumulate (see the last \
         frame's error), but each wake-up is as late as the scheduler makes it on a loaded \
         machine, and a software-rendered paint adds its own milliseconds. What would close \
         it: a quiet machine; then waking a paint's duration early and presenting on time.",
    ),
    (
        "CPU",
        "Each repaint of the window is a full software-OpenGL (llvmpipe) frame of the whole \
         720×720 window plus its upload to the X server; Chromium composites only the changed \
         layer. eframe has no partial repaint: every frame redraws the whole window. What \
         would close it: presenting only the changed region (the canvas on a surface of its \
         own, or a renderer with damage-region presents), or a GPU driver, where a \
         whole-window repaint costs the CPU next to nothing.",
    ),
    (
        "peak RSS",
        "Frames are kept compact (palette, run-length, changes from the previous frame) and \
         one texture per artwork is refilled as frames come due, so what remains is mostly the \
         window's own baseline (fonts, OpenGL context, Mesa's buffers). An animation with more \
         than 256 colours and mostly changing pixels compacts least; what would close that \
         case: decoding frames on demand from the file (streaming) instead of keeping them.",
    ),
    (
        "start-up",
        "Most of start-up is creating the OpenGL context and the first font atlas under \
         software rendering on a loaded machine.",
    ),
];
