//! An LED panel drawn by the GPU in two passes of one quad each. The first
//! lights one texel per LED of a panel-sized texture: it reads the artwork
//! pixel the LED shows straight from the artwork's native-size texture and
//! lights it the way `preview::shading` says, with the same integer arithmetic.
//! The second covers the board and decides, per screen pixel, between the LED,
//! its glow and the board, as `render::LedCell` does. So the screen and the
//! exported image agree pixel for pixel; the per-LED work (integer divisions,
//! slow in a software rasteriser) runs once per LED, not per pixel; and one
//! large quad is what rasterisers draw fastest (a quad per LED costs llvmpipe
//! more than the whole plain canvas). Nothing is copied, scaled or meshed on
//! the CPU per frame: a frame costs two draw calls and a few uniforms.
//!
//! Needs GLSL 1.40 / ES 3.00 (integer texel reads); without it, or without a
//! glow renderer, the previews fall back to `led_mesh`.

use std::sync::Arc;

use eframe::egui::{self, Rect, TextureId};
use eframe::egui_glow::{self, ShaderVersion};
use eframe::glow::{self, HasContext};

use crate::preview::mode::MAX_PANEL_SIDE;
use crate::preview::panel::AxisFit;
use crate::preview::render::{BOARD, GLOW_ALPHA};
use crate::preview::shading::LedShading;

const VERTEX: &str = r#"
// A quad over the whole viewport, from the vertex number alone.
void main() {
    vec2 corner = vec2(float(gl_VertexID & 1), float(gl_VertexID >> 1));
    gl_Position = vec4(corner * 2.0 - 1.0, 0.0, 1.0);
}
"#;

// Pass 1, one fragment per LED (into a panel-sized texture): the colour the LED
// shows. Mirrors preview::panel::AxisFit::source, Orientation::apply,
// color::over_background and LedShading::colour.
const COLOURS: &str = r#"
uniform sampler2D u_art;
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
out vec4 out_color;

int source(int i, ivec3 fit) {
    int j = i - fit.x;
    if (j < 0 || j >= fit.y) return -1;
    return min((j * fit.z) / fit.y, fit.z - 1);
}

int lit(int v) {
    return int(u_table[v >> 2][v & 3]);
}

void main() {
    ivec2 led = ivec2(gl_FragCoord.xy);
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
    out_color = vec4(float(lit(shown.r)), float(lit(shown.g)), float(lit(shown.b)), 255.0) / 255.0;
}
"#;

// Pass 2, per screen pixel of the board: the LED, its glow or the board.
// Mirrors render::LedCell::light and render::glow_over_board (whole numbers in
// floats: floor((n + 0.5) / 255) is n / 255 rounded down, safe from division error).
const BOARD_PASS: &str = r#"
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

fn uniforms<const N: usize>(
    gl: &glow::Context,
    program: glow::Program,
    names: [&str; N],
) -> [Option<glow::UniformLocation>; N] {
    // SAFETY: called while making the program, its context current.
    names.map(|name| unsafe { gl.get_uniform_location(program, name) })
}

const COLOUR_UNIFORMS: [&str; 8] = [
    "u_art",
    "u_fit_x",
    "u_fit_y",
    "u_orient_m",
    "u_orient_t",
    "u_step",
    "u_table",
    "u_background",
];
const BOARD_UNIFORMS: [&str; 5] = ["u_leds", "u_panel", "u_board", "u_top_left", "u_cell"];

/// The compiled LED shaders and the panel-sized texture between their passes,
/// made once when the window opens.
pub struct LedProgram {
    colours: glow::Program,
    board: glow::Program,
    vao: glow::VertexArray,
    /// `MAX_PANEL_SIDE` square: each panel lights its corner of it.
    leds: glow::Texture,
    fbo: glow::Framebuffer,
    cu: [Option<glow::UniformLocation>; 8],
    bu: [Option<glow::UniformLocation>; 5],
}

impl LedProgram {
    /// Compiles the shaders for this context; the error says why the mesh is used instead.
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
            "{}{precision}const float GLOW_ALPHA = {GLOW_ALPHA}.0;\n",
            version.version_declaration()
        );
        let side = MAX_PANEL_SIDE as i32;
        // SAFETY: eframe calls the app's creator with its GL context current.
        unsafe {
            let colours = link(gl, &header, COLOURS)?;
            let board = match link(gl, &header, BOARD_PASS) {
                Ok(board) => board,
                Err(e) => {
                    gl.delete_program(colours);
                    return Err(e);
                }
            };
            let made = (|| {
                let vao = gl.create_vertex_array()?;
                let leds = gl.create_texture()?;
                gl.bind_texture(glow::TEXTURE_2D, Some(leds));
                for (what, value) in [
                    (glow::TEXTURE_MIN_FILTER, glow::NEAREST),
                    (glow::TEXTURE_MAG_FILTER, glow::NEAREST),
                ] {
                    gl.tex_parameter_i32(glow::TEXTURE_2D, what, value as i32);
                }
                gl.tex_image_2d(
                    glow::TEXTURE_2D,
                    0,
                    glow::RGBA8 as i32,
                    side,
                    side,
                    0,
                    glow::RGBA,
                    glow::UNSIGNED_BYTE,
                    glow::PixelUnpackData::Slice(None),
                );
                gl.bind_texture(glow::TEXTURE_2D, None);
                let fbo = gl.create_framebuffer()?;
                gl.bind_framebuffer(glow::FRAMEBUFFER, Some(fbo));
                gl.framebuffer_texture_2d(
                    glow::FRAMEBUFFER,
                    glow::COLOR_ATTACHMENT0,
                    glow::TEXTURE_2D,
                    Some(leds),
                    0,
                );
                let complete = gl.check_framebuffer_status(glow::FRAMEBUFFER);
                gl.bind_framebuffer(glow::FRAMEBUFFER, None);
                if complete != glow::FRAMEBUFFER_COMPLETE {
                    gl.delete_framebuffer(fbo);
                    gl.delete_texture(leds);
                    gl.delete_vertex_array(vao);
                    return Err(format!(
                        "the LED colour texture cannot be drawn into ({complete:#x})"
                    ));
                }
                Ok((vao, leds, fbo))
            })();
            let (vao, leds, fbo) = match made {
                Ok(made) => made,
                Err(e) => {
                    gl.delete_program(colours);
                    gl.delete_program(board);
                    return Err(e);
                }
            };
            Ok(Self {
                colours,
                board,
                vao,
                leds,
                fbo,
                cu: uniforms(gl, colours, COLOUR_UNIFORMS),
                bu: uniforms(gl, board, BOARD_UNIFORMS),
            })
        }
    }

    /// Frees the programs and the texture (when the window closes, with its context current).
    pub fn destroy(&self, gl: &glow::Context) {
        // SAFETY: the handles were made on this context and are not used afterwards.
        unsafe {
            gl.delete_program(self.colours);
            gl.delete_program(self.board);
            gl.delete_vertex_array(self.vao);
            gl.delete_framebuffer(self.fbo);
            gl.delete_texture(self.leds);
        }
    }

    /// Lights the LEDs of `shading` from `texture`, then draws the board over
    /// the callback's viewport.
    ///
    /// # Safety
    /// Call from an egui_glow paint callback: its context current, its viewport set to the board.
    unsafe fn paint(
        &self,
        gl: &glow::Context,
        shading: &LedShading,
        texture: glow::Texture,
        step: u32,
        info: &egui::PaintCallbackInfo,
        target: Option<glow::Framebuffer>,
    ) {
        let [fx, fy] = shading
            .fit
            .map(|f| [f.offset as i32, f.scaled as i32, f.art as i32]);
        let m = shading.orientation.m;
        let t = shading.orientation.t;
        let table: Vec<f32> = shading.table.iter().map(|v| f32::from(*v)).collect();
        let bg = shading.background.map(i32::from);
        let board = BOARD.map(f32::from);
        let cell = shading.cell;
        let [pw, ph] = shading.panel.map(|v| v as i32);
        let viewport = info.viewport_in_pixels();
        let [
            art,
            fit_x,
            fit_y,
            orient_m,
            orient_t,
            u_step,
            u_table,
            background,
        ] = &self.cu;
        let [leds, panel, u_board, top_left, u_cell] = &self.bu;
        // SAFETY: the caller guarantees a current context; every handle is this program's.
        unsafe {
            // Opaque passes: nothing to blend with, and llvmpipe need not read the target.
            gl.disable(glow::BLEND);
            gl.bind_vertex_array(Some(self.vao));
            gl.active_texture(glow::TEXTURE0);

            // Pass 1: the panel's LED colours, into the corner of the LED texture.
            gl.bind_framebuffer(glow::FRAMEBUFFER, Some(self.fbo));
            gl.disable(glow::SCISSOR_TEST);
            gl.viewport(0, 0, pw, ph);
            gl.use_program(Some(self.colours));
            gl.bind_texture(glow::TEXTURE_2D, Some(texture));
            gl.uniform_1_i32(art.as_ref(), 0);
            gl.uniform_3_i32(fit_x.as_ref(), fx[0], fx[1], fx[2]);
            gl.uniform_3_i32(fit_y.as_ref(), fy[0], fy[1], fy[2]);
            gl.uniform_4_i32(orient_m.as_ref(), m[0][0], m[0][1], m[1][0], m[1][1]);
            gl.uniform_2_i32(orient_t.as_ref(), t[0], t[1]);
            gl.uniform_1_i32(u_step.as_ref(), step.max(1) as i32);
            gl.uniform_4_f32_slice(u_table.as_ref(), &table);
            gl.uniform_3_i32(background.as_ref(), bg[0], bg[1], bg[2]);
            gl.draw_arrays(glow::TRIANGLE_STRIP, 0, 4);

            // Pass 2: the board, LED by LED, on the window.
            gl.bind_framebuffer(glow::FRAMEBUFFER, target);
            gl.enable(glow::SCISSOR_TEST);
            gl.viewport(
                viewport.left_px,
                viewport.from_bottom_px,
                viewport.width_px,
                viewport.height_px,
            );
            gl.use_program(Some(self.board));
            gl.bind_texture(glow::TEXTURE_2D, Some(self.leds));
            gl.uniform_1_i32(leds.as_ref(), 0);
            gl.uniform_2_i32(panel.as_ref(), pw, ph);
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
            gl.bind_texture(glow::TEXTURE_2D, None);
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
                &info,
                painter.intermediate_fbo(),
            );
        }
    });
    egui::PaintCallback {
        rect: board,
        callback: Arc::new(draw),
    }
}

/// Compiles and links the quad's vertex stage and `fragment`, with `header`
/// (version, precision, constants) in front of each.
///
/// # Safety
/// The context must be current.
unsafe fn link(gl: &glow::Context, header: &str, fragment: &str) -> Result<glow::Program, String> {
    // SAFETY: as the caller guarantees.
    unsafe {
        let program = gl.create_program()?;
        let mut shaders = Vec::new();
        for (kind, body) in [
            (glow::VERTEX_SHADER, VERTEX),
            (glow::FRAGMENT_SHADER, fragment),
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
