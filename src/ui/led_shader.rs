//! An LED panel drawn by the GPU: one quad over the board whose fragment
//! shader decides, per screen pixel, between the LED it falls in, that LED's
//! glow and the board, as `render::LedCell` does, reading the LED's colour
//! from a panel-sized texture (one texel per LED) that `preview::shading`
//! lights on the CPU (a few thousand LEDs, only when the frame or the look
//! changes). So the screen and the exported image agree pixel for pixel, and a
//! frame costs one opaque quad: what a software rasteriser draws fastest. (A
//! quad per LED, or lighting the LED texture on the GPU in a pass of its own,
//! cost llvmpipe more than the whole plain canvas: its small triangles and
//! its change of render target.)
//!
//! Needs GLSL 1.40 / ES 3.00 (texels read by index); without it, or without a
//! glow renderer, the previews fall back to `led_mesh`.

use std::sync::Arc;

use eframe::egui::{self, Rect, TextureId};
use eframe::egui_glow::{self, ShaderVersion};
use eframe::glow::{self, HasContext};

use crate::preview::render::{BOARD, GLOW_ALPHA, LedCell};

const VERTEX: &str = r#"
// A quad over the whole viewport (the board), from the vertex number alone.
void main() {
    vec2 corner = vec2(float(gl_VertexID & 1), float(gl_VertexID >> 1));
    gl_Position = vec4(corner * 2.0 - 1.0, 0.0, 1.0);
}
"#;

// Per screen pixel of the board: the LED, its glow or the board. Mirrors
// render::LedCell::light and render::glow_over_board (whole numbers in floats:
// floor((n + 0.5) / 255) is n / 255 rounded down, safe from division error).
const FRAGMENT: &str = r#"
// One texel per LED: its colour, lit by preview::shading on the CPU.
uniform sampler2D u_leds;
uniform ivec2 u_panel;
uniform vec3 u_board;
// The board's top-left corner in window pixels, y counted from the bottom.
uniform vec2 u_top_left;
// Pitch, disc radius², glow radius² (< 0: none), square LED side (<= 0: a disc).
uniform vec4 u_cell;
out vec4 out_color;

void main() {
    // This pixel's centre from the board's top-left corner.
    vec2 p = vec2(gl_FragCoord.x - u_top_left.x, u_top_left.y - gl_FragCoord.y);
    float pitch = u_cell.x;
    vec2 cellf = floor(p / pitch);
    ivec2 led = ivec2(cellf);
    vec3 colour = u_board;
    if (all(greaterThanEqual(led, ivec2(0))) && all(lessThan(led, u_panel))) {
        vec2 local = p - cellf * pitch;
        vec2 d = local - vec2(pitch / 2.0);
        float d2 = d.x * d.x + d.y * d.y;
        bool on = u_cell.w > 0.0 ? (local.x < u_cell.w && local.y < u_cell.w) : d2 <= u_cell.y;
        if (on || (u_cell.z >= 0.0 && d2 <= u_cell.z)) {
            vec3 lit = floor(texelFetch(u_leds, led, 0).rgb * 255.0 + 0.5);
            colour = on ? lit : floor((lit * GLOW_ALPHA + u_board * (255.0 - GLOW_ALPHA) + 127.5) / 255.0);
        }
    }
    out_color = vec4(colour / 255.0, 1.0);
}
"#;

const UNIFORMS: [&str; 5] = ["u_leds", "u_panel", "u_board", "u_top_left", "u_cell"];

/// The compiled LED shader, made once when the window opens.
pub(crate) struct LedProgram {
    program: glow::Program,
    vao: glow::VertexArray,
    u: [Option<glow::UniformLocation>; 5],
}

impl LedProgram {
    /// Compiles the shader for this context; the error says why the mesh is used instead.
    pub fn new(gl: &glow::Context) -> Result<Self, String> {
        let version = ShaderVersion::get(gl);
        if !version.is_new_shader_interface() {
            let declared = version.version_declaration();
            return Err(format!(
                "shaders of this OpenGL ({}) read no texels by index",
                declared.trim()
            ));
        }
        let precision = if version.is_embedded() {
            "precision highp float;\nprecision highp int;\nprecision highp sampler2D;\n"
        } else {
            ""
        };
        let header = format!(
            "{}{precision}const float GLOW_ALPHA = {GLOW_ALPHA}.0;\n",
            version.version_declaration()
        );
        // SAFETY: eframe calls the app's creator with its GL context current.
        unsafe {
            let program = super::gl_program::link(gl, &header, [VERTEX, FRAGMENT], "LED")?;
            let vao = match gl.create_vertex_array() {
                Ok(vao) => vao,
                Err(e) => {
                    gl.delete_program(program);
                    return Err(e);
                }
            };
            let u = UNIFORMS.map(|name| gl.get_uniform_location(program, name));
            Ok(Self { program, vao, u })
        }
    }

    /// Frees the program (when the window closes, with its context current).
    pub(crate) fn destroy(&self, gl: &glow::Context) {
        // SAFETY: the handles were made on this context and are not used afterwards.
        unsafe {
            gl.delete_program(self.program);
            gl.delete_vertex_array(self.vao);
        }
    }

    /// Draws a panel of `panel` LEDs whose colours are `leds` over the
    /// callback's viewport (the board).
    ///
    /// # Safety
    /// Call from an egui_glow paint callback: its context current, its viewport set to the board.
    unsafe fn paint(
        &self,
        gl: &glow::Context,
        leds: glow::Texture,
        panel: [u32; 2],
        cell: LedCell,
        info: &egui::PaintCallbackInfo,
    ) {
        let viewport = info.viewport_in_pixels();
        let [pw, ph] = panel.map(|v| v as i32);
        let board = BOARD.map(f32::from);
        let [u_leds, u_panel, u_board, top_left, u_cell] = &self.u;
        // SAFETY: the caller guarantees a current context; every handle is this program's.
        unsafe {
            // Opaque: nothing to blend with, and the rasteriser need not read the target.
            gl.disable(glow::BLEND);
            gl.use_program(Some(self.program));
            gl.bind_vertex_array(Some(self.vao));
            gl.active_texture(glow::TEXTURE0);
            gl.bind_texture(glow::TEXTURE_2D, Some(leds));
            gl.uniform_1_i32(u_leds.as_ref(), 0);
            gl.uniform_2_i32(u_panel.as_ref(), pw, ph);
            gl.uniform_3_f32(u_board.as_ref(), board[0], board[1], board[2]);
            gl.uniform_2_f32(
                top_left.as_ref(),
                viewport.left_px as f32,
                (viewport.from_bottom_px + viewport.height_px) as f32,
            );
            gl.uniform_4_f32(
                u_cell.as_ref(),
                cell.pitch,
                cell.fill_r2,
                cell.glow_r2.unwrap_or(-1.0),
                cell.square.unwrap_or(0.0),
            );
            gl.draw_arrays(glow::TRIANGLE_STRIP, 0, 4);
            gl.bind_vertex_array(None);
        }
    }
}

/// The paint callback drawing a panel of `panel` LEDs, coloured by the texture
/// `leds` (one texel per LED), over `board`.
pub fn callback(
    program: Arc<LedProgram>,
    leds: TextureId,
    panel: [u32; 2],
    cell: LedCell,
    board: Rect,
) -> egui::PaintCallback {
    let draw = egui_glow::CallbackFn::new(move |info, painter| {
        // Not uploaded yet (or freed): nothing drawn this frame.
        let Some(texture) = painter.texture(leds) else {
            return;
        };
        // SAFETY: egui_glow runs this with its context current and the viewport on `board`.
        unsafe {
            program.paint(painter.gl(), texture, panel, cell, &info);
        }
    });
    egui::PaintCallback {
        rect: board,
        callback: Arc::new(draw),
    }
}
