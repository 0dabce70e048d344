//! Which OpenGL renderer draws the window. On one that rasterises on the CPU
//! (Mesa's llvmpipe, SwiftShader, Windows' basic driver...) every pixel a
//! shader computes is CPU time, so an LED panel is cheaper composed once on the
//! CPU and copied; on a GPU its shader costs the CPU nothing but a small upload.

use eframe::glow::{self, HasContext};

/// Names, in lower case, that software rasterisers put in `GL_RENDERER`.
const SOFTWARE: [&str; 8] = [
    "llvmpipe",
    "softpipe",
    "swrast",
    "lavapipe",
    "swiftshader",
    "software",
    "basic render",
    "gdi generic",
];

/// Whether the renderer named `renderer` (`GL_RENDERER`) rasterises on the CPU.
pub(crate) fn rasterises_on_cpu(renderer: &str) -> bool {
    let renderer = renderer.to_lowercase();
    SOFTWARE.iter().any(|name| renderer.contains(name))
}

/// `GL_RENDERER` of the current context.
///
/// # Safety
/// The context must be current.
pub(crate) unsafe fn name(gl: &glow::Context) -> String {
    // SAFETY: as the caller guarantees.
    unsafe { gl.get_parameter_string(glow::RENDERER) }
}

#[cfg(test)]
mod tests {
    use super::rasterises_on_cpu;

    #[test]
    fn software_rasterisers_are_known_by_their_names() {
        for name in [
            "llvmpipe (LLVM 15.0.6, 256 bits)",
            "softpipe",
            "Google SwiftShader",
            "ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)), SwiftShader driver)",
            "zink (Vulkan 1.3 (Mesa lavapipe))",
            "Apple Software Renderer",
            "D3D12 (Microsoft Basic Render Driver)",
            "GDI Generic",
            "Mesa X11 swrast",
        ] {
            assert!(rasterises_on_cpu(name), "{name}");
        }
    }

    #[test]
    fn gpus_are_not_taken_for_software() {
        for name in [
            "NVIDIA GeForce RTX 3060/PCIe/SSE2",
            "AMD Radeon RX 6600 (radeonsi, navi23, LLVM 15.0.6, DRM 3.49, 6.1.0)",
            "Mesa Intel(R) UHD Graphics 620 (KBL GT2)",
            "Apple M1",
            "virgl (Intel(R) UHD Graphics)",
            "",
        ] {
            assert!(!rasterises_on_cpu(name), "{name}");
        }
    }
}
