//! An LED panel drawn by the GPU: one quad over the panel's board whose
//! fragment shader finds, for each screen pixel, the LED it falls in, reads the
//! artwork pixel that LED shows straight from the artwork's native-size
//! texture, and lights it the way `preview::shading` says, with the same
//! integer arithmetic, so the screen and the exported image agree pixel for
//! pixel. Nothing is copied, scaled or meshed on the CPU per frame: a frame
//! costs one quad and a few uniforms.
//!
//! Needs GLSL 1.40 / ES 3.00 (integer texel reads); without it, or without a
//! glow renderer, the previews fall back to `led_mesh`.

use std::sync::Arc;

use eframe::egui::{self, Rect, TextureId};
use eframe::egui_glow::{self, ShaderVersion};
use eframe::glow::{self, HasContext};

use crate::preview::panel::AxisFit;
use crate::preview::render::{BOARD, GLOW_ALPHA};
use crate::preview::shading::LedShading;

const VERTEX: &str = r#"
// The viewport is the board: a quad over all of it, from the vertex number alone.
void main() {
    vec2 corner = vec2(float(gl_VertexID & 1), float(gl_VertexID >> 1));
    gl_Position = vec4(corner * 2.0 - 1.0, 0.0, 1.0);
}
"#;

// Mirrors preview::panel::AxisFit::source, Orientation::apply,
// color::over_background, render::LedCell::light and render::glow_over_board.
const FRAGMENT: &str = r#"
uniform sampler2D u_art;
uniform ivec2 u_panel;
// Per axis: offset, scaled length, art length.
uniform ivec3 u_fit_x;
uniform ivec3 u_fit_y;
// Shown pixel (x, y) → authored pixel m × (x, y) + t; the texture holds every step-th pixel.
uniform ivec4 u_orient_m;
uniform ivec2 u_orient_t;
uniform int u_step;
// The panel's 256-entry colour table, four entries a vector.
uniform vec4 u_table[64];
uniform ivec3 u_background;
uniform ivec3 u_board;
// The board's top-left corner in window pixels, y counted from the bottom.
uniform vec2 u_top_left;
// Pitch, disc radius², glow radius² (< 0: none), square LED side (<= 0: a disc).
uniform vec4 u_cell;
out vec4 out_color;

int source(int i, ivec3 fit) {
    int j = i - fit.x;
    if (j < 0 || j >= fit.y) return -1;
    return min((j * fit.z) / fit.y, fit.z - 1);
}

int lit(int v) {
    return int(u_table[v >> 2][v & 3]);
}

ivec3 lit3(ivec3 c) {
    return ivec3(lit(c.r), lit(c.g), lit(c.b));
}

void main() {
    // This pixel's centre from the board's top-left corner.
    vec2 p = vec2(gl_FragCoord.x - u_top_left.x, u_top_left.y - gl_FragCoord.y);
    float pitch = u_cell.x;
    vec2 cellf = floor(p / pitch);
    ivec2 led = ivec2(cellf);
    ivec3 colour = u_board;
    if (all(greaterThanEqual(led, ivec2(0))) && all(lessThan(led, u_panel))) {
        vec2 local = p - cellf * pitch;
        vec2 d = local - vec2(pitch / 2.0);
        float d2 = d.x * d.x + d.y * d.y;
        bool on = u_cell.w > 0.0 ? (local.x < u_cell.w && local.y < u_cell.w) : d2 <= u_cell.y;
        bool glow = !on && u_cell.z >= 0.0 && d2 <= u_cell.z;
        if (on || glow) {
            int sx = source(led.x, u_fit_x);
            int sy = source(led.y, u_fit_y);
            ivec3 shown = u_background;
            if (sx >= 0 && sy >= 0) {
                ivec2 a = ivec2(u_orient_m.x * sx + u_orient_m.y * sy + u_orient_t.x,
                                u_orient_m.z * sx + u_orient_m.w * sy + u_orient_t.y);
                // egui's textures hold premultiplied colour: P + background × (1 − alpha).
                ivec4 t = ivec4(floor(texelFetch(u_art, a / u_step, 0) * 255.0 + 0.5));
                shown = (t.rgb * 255 + u_background * (255 - t.a) + 127) / 255;
            }
            colour = lit3(shown);
            if (glow) {
                colour = (colour * GLOW_ALPHA + u_board * (255 - GLOW_ALPHA) + 127) / 255;
            }
        }
    }
    out_color = vec4(vec3(colour) / 255.0, 1.0);
}
"#;

struct Uniforms {
    art: Option<glow::UniformLocation>,
    panel: Option<glow::UniformLocation>,
    fit_x: Option<glow::UniformLocation>,
    fit_y: Option<glow::UniformLocation>,
    orient_m: Option<glow::UniformLocation>,
    orient_t: Option<glow::UniformLocation>,
    step: Option<glow::UniformLocation>,
    table: Option<glow::UniformLocation>,
    background: Option<glow::UniformLocation>,
    board: Option<glow::UniformLocation>,
    top_left: Option<glow::UniformLocation>,
    cell: Option<glow::UniformLocation>,
}

/// The compiled LED shader, made once when the window opens.
pub struct LedProgram {
    program: glow::Program,
    vao: glow::VertexArray,
    u: Uniforms,
}

impl LedProgram {
    /// Compiles the shader for this context; the error says why the mesh is used instead.
    pub fn new(gl: &glow::Context) -> Result<Self, String> {
        let version = ShaderVersion::get(gl);
        if !version.is_new_shader_interface() {
            return Err(format!("{version:?} shaders read no integer texels"));
        }
        let precision = if version.is_embedded() {
            "precision highp float;\nprecision highp int;\nprecision highp sampler2D;\n"
        } else {
            ""
        };
        let header = format!(
            "{}{precision}const int GLOW_ALPHA = {GLOW_ALPHA};\n",
            version.version_declaration()
        );
        // SAFETY: eframe calls the app's creator with its GL context current.
        unsafe {
            let program = link(gl, &header)?;
            let vao = match gl.create_vertex_array() {
                Ok(vao) => vao,
                Err(e) => {
                    gl.delete_program(program);
                    return Err(e);
                }
            };
            let at = |name: &str| gl.get_uniform_location(program, name);
            let u = Uniforms {
                art: at("u_art"),
                panel: at("u_panel"),
                fit_x: at("u_fit_x"),
                fit_y: at("u_fit_y"),
                orient_m: at("u_orient_m"),
                orient_t: at("u_orient_t"),
                step: at("u_step"),
                table: at("u_table"),
                background: at("u_background"),
                board: at("u_board"),
                top_left: at("u_top_left"),
                cell: at("u_cell"),
            };
            Ok(Self { program, vao, u })
        }
    }

    /// Frees the program (when the window closes, with its context current).
    pub fn destroy(&self, gl: &glow::Context) {
        // SAFETY: the handles were made on this context and are not used afterwards.
        unsafe {
            gl.delete_program(self.program);
            gl.delete_vertex_array(self.vao);
        }
    }

    /// Draws `shading` over the callback's viewport (the board), reading `texture`.
    ///
    /// # Safety
    /// Call from an egui_glow paint callback: its context current, its viewport set to the board.
    unsafe fn paint(
        &self,
        gl: &glow::Context,
        shading: &LedShading,
        texture: glow::Texture,
        step: u32,
        viewport: egui::epaint::ViewportInPixels,
    ) {
        let [fx, fy] = shading
            .fit
            .map(|f| [f.offset as i32, f.scaled as i32, f.art as i32]);
        let m = shading.orientation.m;
        let t = shading.orientation.t;
        let table: Vec<f32> = shading.table.iter().map(|v| f32::from(*v)).collect();
        let rgb = |c: [u8; 3]| c.map(i32::from);
        let [bg, board] = [rgb(shading.background), rgb(BOARD)];
        let cell = shading.cell;
        let u = &self.u;
        // SAFETY: the caller guarantees a current context; every handle is this program's.
        unsafe {
            gl.use_program(Some(self.program));
            gl.bind_vertex_array(Some(self.vao));
            gl.active_texture(glow::TEXTURE0);
            gl.bind_texture(glow::TEXTURE_2D, Some(texture));
            gl.uniform_1_i32(u.art.as_ref(), 0);
            let [pw, ph] = shading.panel.map(|v| v as i32);
            gl.uniform_2_i32(u.panel.as_ref(), pw, ph);
            gl.uniform_3_i32(u.fit_x.as_ref(), fx[0], fx[1], fx[2]);
            gl.uniform_3_i32(u.fit_y.as_ref(), fy[0], fy[1], fy[2]);
            gl.uniform_4_i32(u.orient_m.as_ref(), m[0][0], m[0][1], m[1][0], m[1][1]);
            gl.uniform_2_i32(u.orient_t.as_ref(), t[0], t[1]);
            gl.uniform_1_i32(u.step.as_ref(), step.max(1) as i32);
            gl.uniform_4_f32_slice(u.table.as_ref(), &table);
            gl.uniform_3_i32(u.background.as_ref(), bg[0], bg[1], bg[2]);
            gl.uniform_3_i32(u.board.as_ref(), board[0], board[1], board[2]);
            gl.uniform_2_f32(
                u.top_left.as_ref(),
                viewport.left_px as f32,
                (viewport.from_bottom_px + viewport.height_px) as f32,
            );
            gl.uniform_4_f32(
                u.cell.as_ref(),
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

/// Whether the shader's 32-bit integers hold a panel's fitting arithmetic (an
/// artwork of extreme proportions cropped to a panel may not; the mesh draws those).
pub fn fits(fit: &[AxisFit; 2]) -> bool {
    fit.iter().all(|f| {
        let reach = i64::from(f.panel) - f.offset.min(0);
        reach.saturating_mul(i64::from(f.art)) < i64::from(i32::MAX)
            && i64::from(f.scaled) < i64::from(i32::MAX)
    })
}

/// The paint callback drawing `shading` over `board` from the artwork texture `art`.
pub fn callback(
    program: Arc<LedProgram>,
    shading: Arc<LedShading>,
    art: TextureId,
    step: u32,
    board: Rect,
) -> egui::PaintCallback {
    let draw = egui_glow::CallbackFn::new(move |info, painter| {
        // Not uploaded yet (or freed): the board stays dark for this frame.
        let Some(texture) = painter.texture(art) else {
            return;
        };
        // SAFETY: egui_glow runs this with its context current and the viewport on `board`.
        unsafe {
            program.paint(
                painter.gl(),
                &shading,
                texture,
                step,
                info.viewport_in_pixels(),
            );
        }
    });
    egui::PaintCallback {
        rect: board,
        callback: Arc::new(draw),
    }
}

/// Compiles and links both stages with `header` (version and precision) in front.
///
/// # Safety
/// The context must be current.
unsafe fn link(gl: &glow::Context, header: &str) -> Result<glow::Program, String> {
    // SAFETY: as the caller guarantees.
    unsafe {
        let program = gl.create_program()?;
        let mut shaders = Vec::new();
        for (kind, body) in [
            (glow::VERTEX_SHADER, VERTEX),
            (glow::FRAGMENT_SHADER, FRAGMENT),
        ] {
            let shader = gl.create_shader(kind)?;
            gl.shader_source(shader, &format!("{header}{body}"));
            gl.compile_shader(shader);
            if !gl.get_shader_compile_status(shader) {
                let log = gl.get_shader_info_log(shader);
                gl.delete_shader(shader);
                for s in shaders {
                    gl.delete_shader(s);
                }
                gl.delete_program(program);
                return Err(format!("the LED shader did not compile: {log}"));
            }
            gl.attach_shader(program, shader);
            shaders.push(shader);
        }
        gl.link_program(program);
        let linked = gl.get_program_link_status(program);
        let log = gl.get_program_info_log(program);
        for shader in shaders {
            gl.detach_shader(program, shader);
            gl.delete_shader(shader);
        }
        if linked {
            Ok(program)
        } else {
            gl.delete_program(program);
            Err(format!("the LED shader did not link: {log}"))
        }
    }
}
