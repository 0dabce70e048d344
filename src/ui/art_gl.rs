//! The artwork drawn through a GL texture of the player's own, not egui's: on
//! Mesa's software renderer (llvmpipe) a screen-aligned rectangle whose
//! fragment shader only reads a B8G8R8A8 texture and multiplies it by a
//! uniform takes the "linear" path — rows of pixels copied and scaled in
//! 8-bit arithmetic — instead of the general rasteriser running compiled
//! shader code on every 4×4 block. egui's own shader (texture × vertex colour)
//! and its RGBA textures rule that path out; this quad meets every condition:
//! two triangles of one rectangle in one draw, texture coordinates straight
//! from a varying, nearest sampling clamped to the edge, no mipmaps, constants
//! in 0..1, a texture Mesa stores as B8G8R8A8 (see `upload_format`), and no
//! blending when the frame is opaque (a transparent frame is blended, still on
//! that path, over the checkerboard egui draws beneath it).
//!
//! Where BGRA uploads do not exist (GLES without `GL_EXT_texture_format_BGRA8888`)
//! the texture is RGBA: the same picture, only without the fast path. Without a
//! glow renderer, with GLSL too old for `gl_VertexID`, or for art larger than the
//! GPU's largest texture, the canvas draws egui's mesh as before.

use std::cell::RefCell;
use std::sync::Arc;

use eframe::egui::{self, Color32, Rect};
use eframe::egui_glow::{self, ShaderVersion};
use eframe::glow::{self, HasContext};

use super::library::LoadedArt;

const VERTEX: &str = r#"
// Two triangles of the viewport (the art's rectangle) from the vertex number:
// corners top-left, top-right, bottom-right, then top-left, bottom-right, bottom-left.
uniform vec2 u_uv[4];
out vec2 v_uv;
void main() {
    int corner = gl_VertexID < 3 ? gl_VertexID : (gl_VertexID == 3 ? 0 : gl_VertexID - 2);
    float right = (corner == 1 || corner == 2) ? 1.0 : 0.0;
    float bottom = corner >= 2 ? 1.0 : 0.0;
    gl_Position = vec4(right * 2.0 - 1.0, 1.0 - bottom * 2.0, 0.0, 1.0);
    v_uv = u_uv[corner];
}
"#;

// The texture as it is: at full brightness nothing else is needed, and on
// llvmpipe's linear path a shader that only reads the texture skips the
// per-pixel multiply (a third of the art's CPU for a 64×64 GIF at 10 fps).
const FRAGMENT_PLAIN: &str = r#"
uniform sampler2D u_art;
in vec2 v_uv;
out vec4 out_color;
void main() {
    out_color = texture(u_art, v_uv);
}
"#;

// A texture read times a uniform: dimmed art, still a shape the linear path accepts.
const FRAGMENT_TINTED: &str = r#"
uniform sampler2D u_art;
// Brightness on the colour channels, 1 on alpha (premultiplied pixels).
uniform vec4 u_tint;
in vec2 v_uv;
out vec4 out_color;
void main() {
    out_color = texture(u_art, v_uv) * u_tint;
}
"#;

/// Byte order of the texture's texels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Order {
    Bgra,
    Rgba,
}

/// Packs premultiplied pixels into `out` in `order`; returns whether every
/// pixel is opaque (then the quad is drawn without blending).
pub(crate) fn pack(pixels: &[Color32], order: Order, out: &mut Vec<u8>) -> bool {
    out.clear();
    out.reserve(pixels.len() * 4);
    let mut alpha_min = u8::MAX;
    for p in pixels {
        let [r, g, b, a] = p.to_array();
        alpha_min &= a;
        match order {
            Order::Bgra => out.extend_from_slice(&[b, g, r, a]),
            Order::Rgba => out.extend_from_slice(&[r, g, b, a]),
        }
    }
    alpha_min == u8::MAX
}

/// How a context takes texels: (internal format, upload format, byte order), for
/// desktop GL or GLES (`embedded`), the latter with or without BGRA uploads.
///
/// The internal format is the unsized `RGBA`: given a sized `RGBA8`, Mesa stores
/// R8G8B8A8 whatever the upload format, and its linear path reads only B8G8R8A8;
/// unsized `RGBA` uploaded as `BGRA` bytes is stored B8G8R8A8.
pub(crate) fn upload_format(embedded: bool, bgra_extension: bool) -> (i32, u32, Order) {
    match (embedded, bgra_extension) {
        // Desktop GL has had BGRA uploads since 1.2.
        (false, _) => (glow::RGBA as i32, glow::BGRA, Order::Bgra),
        // `GL_EXT_texture_format_BGRA8888`: the internal format is BGRA itself.
        (true, true) => (glow::BGRA as i32, glow::BGRA, Order::Bgra),
        (true, false) => (glow::RGBA as i32, glow::RGBA, Order::Rgba),
    }
}

/// One linked program of the quad and where its uniforms are.
struct Shader {
    program: glow::Program,
    u_art: Option<glow::UniformLocation>,
    u_tint: Option<glow::UniformLocation>,
    u_uv: Option<glow::UniformLocation>,
}

impl Shader {
    /// # Safety
    /// The context must be current.
    unsafe fn link(
        gl: &glow::Context,
        header: &str,
        fragment: &str,
        what: &str,
    ) -> Result<Self, String> {
        // SAFETY: as the caller guarantees.
        unsafe {
            let program = super::gl_program::link(gl, header, [VERTEX, fragment], what)?;
            Ok(Self {
                u_art: gl.get_uniform_location(program, "u_art"),
                u_tint: gl.get_uniform_location(program, "u_tint"),
                u_uv: gl.get_uniform_location(program, "u_uv"),
                program,
            })
        }
    }
}

/// Which of the quad's programs draws at brightness `tint` (0..1).
fn needs_tint(tint: f32) -> bool {
    tint < 1.0
}

/// The compiled quad and how this context takes texels.
pub(crate) struct ArtProgram {
    /// The texture as it is (full brightness).
    plain: Shader,
    /// The texture times the brightness: linked the first time art is dimmed,
    /// `None` if that failed (the art then shows undimmed rather than not at all).
    tinted: std::sync::OnceLock<Option<Shader>>,
    header: String,
    vao: glow::VertexArray,
    format: (i32, u32, Order),
}

impl ArtProgram {
    /// Whether this context's textures take bytes blue first.
    pub(crate) fn bgra(&self) -> bool {
        self.format.2 == Order::Bgra
    }

    fn new(gl: &glow::Context) -> Result<Self, String> {
        let version = ShaderVersion::get(gl);
        if !version.is_new_shader_interface() {
            return Err(format!(
                "shaders of this OpenGL ({}) have no vertex number",
                version.version_declaration().trim()
            ));
        }
        let precision = if version.is_embedded() {
            "precision highp float;\nprecision highp int;\nprecision highp sampler2D;\n"
        } else {
            ""
        };
        let header = format!("{}{precision}", version.version_declaration());
        // SAFETY: called in the UI pass, where eframe keeps its GL context current.
        unsafe {
            tracing::debug!(
                "art drawn through its own texture on {}",
                gl.get_parameter_string(glow::VERSION)
            );
            let plain = Shader::link(gl, &header, FRAGMENT_PLAIN, "artwork")?;
            let vao = match gl.create_vertex_array() {
                Ok(vao) => vao,
                Err(e) => {
                    gl.delete_program(plain.program);
                    return Err(e);
                }
            };
            Ok(Self {
                plain,
                tinted: std::sync::OnceLock::new(),
                header,
                vao,
                format: upload_format(
                    version.is_embedded(),
                    gl.supported_extensions()
                        .contains("GL_EXT_texture_format_BGRA8888"),
                ),
            })
        }
    }

    /// The program for brightness `tint`.
    ///
    /// # Safety
    /// The context must be current.
    unsafe fn shader(&self, gl: &glow::Context, tint: f32) -> &Shader {
        if !needs_tint(tint) {
            return &self.plain;
        }
        let tinted = self.tinted.get_or_init(|| {
            // SAFETY: as the caller guarantees.
            unsafe { Shader::link(gl, &self.header, FRAGMENT_TINTED, "dimmed artwork") }
                .map_err(|e| tracing::warn!("dimmed art is drawn undimmed: {e}"))
                .ok()
        });
        tinted.as_ref().unwrap_or(&self.plain)
    }

    /// Draws `texture` over the callback's viewport.
    ///
    /// # Safety
    /// Call from an egui_glow paint callback (its context current, its viewport the art's rectangle).
    unsafe fn paint(&self, gl: &glow::Context, texture: glow::Texture, quad: &Quad) {
        // SAFETY: the caller guarantees a current context; every handle is this program's.
        unsafe {
            if quad.opaque {
                // Nothing shows through: the rasteriser need not read the target.
                gl.disable(glow::BLEND);
            }
            let shader = self.shader(gl, quad.tint);
            gl.use_program(Some(shader.program));
            gl.bind_vertex_array(Some(self.vao));
            gl.active_texture(glow::TEXTURE0);
            gl.bind_texture(glow::TEXTURE_2D, Some(texture));
            gl.uniform_1_i32(shader.u_art.as_ref(), 0);
            let t = quad.tint;
            gl.uniform_4_f32(shader.u_tint.as_ref(), t, t, t, 1.0);
            gl.uniform_2_f32_slice(shader.u_uv.as_ref(), &quad.uv);
            gl.draw_arrays(glow::TRIANGLES, 0, 6);
            gl.bind_vertex_array(None);
        }
    }

    fn destroy(&self, gl: &glow::Context) {
        // SAFETY: the handles were made on this context and are not used afterwards.
        unsafe {
            gl.delete_program(self.plain.program);
            if let Some(Some(tinted)) = self.tinted.get() {
                gl.delete_program(tinted.program);
            }
            gl.delete_vertex_array(self.vao);
        }
    }
}

/// What one paint of the quad needs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Quad {
    /// Texture coordinates of the corners top-left, top-right, bottom-right, bottom-left.
    pub uv: [f32; 8],
    /// Brightness, 0..1.
    pub tint: f32,
    pub opaque: bool,
}

impl Quad {
    /// The whole texture, upright, undimmed, opaque.
    pub(crate) const PLAIN: Quad = Quad {
        uv: [0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0],
        tint: 1.0,
        opaque: true,
    };
}

/// The paint callback drawing `texture` with `program` over `rect`.
pub(crate) fn paint_callback(
    program: Arc<ArtProgram>,
    texture: glow::Texture,
    quad: Quad,
    rect: Rect,
) -> egui::PaintCallback {
    let draw = egui_glow::CallbackFn::new(move |_info, painter| {
        // SAFETY: egui_glow runs this with its context current and the viewport on `rect`.
        unsafe { program.paint(painter.gl(), texture, &quad) };
    });
    egui::PaintCallback {
        rect,
        callback: Arc::new(draw),
    }
}

/// The frame a texture holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Holds {
    art: egui::TextureId,
    frame: usize,
}

struct ArtTexture {
    texture: glow::Texture,
    size: [usize; 2],
    holds: Holds,
    opaque: bool,
}

#[derive(Default)]
struct State {
    /// Compiled the first time art is drawn; `Err` once it cannot be.
    program: Option<Result<Arc<ArtProgram>, ()>>,
    texture: Option<ArtTexture>,
    /// The packed frame, kept to spare an allocation per frame.
    scratch: Vec<u8>,
    /// A still image's pixels (the window keeps none of its own).
    still: Vec<Color32>,
}

/// The artwork's own GL texture and the quad that draws it; empty without a glow renderer.
#[derive(Default)]
pub(crate) struct ArtGl {
    gl: Option<Arc<glow::Context>>,
    state: RefCell<State>,
}

impl ArtGl {
    pub(crate) fn use_gl(&mut self, gl: Arc<glow::Context>) {
        self.gl = Some(gl);
    }

    /// The paint callback drawing `art`'s frame on screen over `rect`, turned and
    /// mirrored by `uv`, dimmed to `tint`; with whether that frame is opaque. `None`:
    /// draw egui's mesh instead.
    pub(crate) fn callback(
        &self,
        art: &LoadedArt,
        rect: Rect,
        uv: [egui::Pos2; 4],
        tint: f32,
    ) -> Option<(egui::PaintCallback, bool)> {
        let gl = self.gl.as_ref()?;
        let program = self.program()?;
        let (texture, opaque) = self.state.borrow_mut().refresh(gl, &program, art)?;
        let quad = Quad {
            uv: uv.map(|p| [p.x, p.y]).concat().try_into().ok()?,
            tint: tint.clamp(0.0, 1.0),
            opaque,
        };
        Some((paint_callback(program, texture, quad, rect), opaque))
    }

    /// The window's GL context, when it has a glow renderer.
    pub(crate) fn context(&self) -> Option<&glow::Context> {
        self.gl.as_deref()
    }

    /// The GL context, with the quad's program (compiled the first time it is asked for).
    pub(crate) fn program_and_gl(&self) -> Option<(Arc<ArtProgram>, &glow::Context)> {
        Some((self.program()?, self.gl.as_deref()?))
    }

    fn program(&self) -> Option<Arc<ArtProgram>> {
        let gl = self.gl.as_ref()?;
        let mut state = self.state.borrow_mut();
        match &state.program {
            Some(Ok(program)) => Some(Arc::clone(program)),
            Some(Err(())) => None,
            None => match ArtProgram::new(gl) {
                Ok(program) => {
                    let program = Arc::new(program);
                    state.program = Some(Ok(Arc::clone(&program)));
                    Some(program)
                }
                Err(e) => {
                    tracing::warn!("the artwork is drawn through egui's shader: {e}");
                    state.program = Some(Err(()));
                    None
                }
            },
        }
    }

    /// Frees the texture unless it holds `on_screen` (the art on screen's egui texture).
    pub(crate) fn keep_only(&self, on_screen: Option<egui::TextureId>) {
        let (Some(gl), Ok(mut state)) = (&self.gl, self.state.try_borrow_mut()) else {
            return;
        };
        if state.texture.as_ref().map(|t| t.holds.art) != on_screen
            && let Some(old) = state.texture.take()
        {
            // SAFETY: the UI pass runs with the context current; no paint uses it any more.
            unsafe { gl.delete_texture(old.texture) };
        }
    }

    /// Frees everything while the GL context is still current (the window closing).
    pub(crate) fn release(&mut self, gl: &glow::Context) {
        let state = self.state.get_mut();
        if let Some(old) = state.texture.take() {
            // SAFETY: called from `on_exit` with the context current.
            unsafe { gl.delete_texture(old.texture) };
        }
        if let Some(Ok(program)) = state.program.take() {
            program.destroy(gl);
        }
    }
}

impl State {
    /// Makes the texture hold `art`'s frame on screen, uploading it when it changed.
    fn refresh(
        &mut self,
        gl: &glow::Context,
        program: &ArtProgram,
        art: &LoadedArt,
    ) -> Option<(glow::Texture, bool)> {
        if art.texture_step() != 1 {
            return None;
        }
        let holds = Holds {
            art: art.texture_id(),
            frame: art.shown_frame(),
        };
        if let Some(t) = &self.texture
            && t.holds == holds
        {
            return Some((t.texture, t.opaque));
        }
        let size = [art.width as usize, art.height as usize];
        let order = program.format.2;
        let opaque = match art.shown_premultiplied() {
            Some(pixels) => pack(pixels, order, &mut self.scratch),
            None => {
                let rgba = art.frame_rgba()?;
                self.still.clear();
                self.still.extend(
                    rgba.chunks_exact(4)
                        .map(|p| Color32::from_rgba_unmultiplied(p[0], p[1], p[2], p[3])),
                );
                pack(&self.still, order, &mut self.scratch)
            }
        };
        if self.scratch.len() != size[0] * size[1] * 4 {
            return None;
        }
        let old = self.texture.take().map(|t| (t.texture, t.size));
        // SAFETY: the UI pass runs with eframe's context current; a texture
        // replaced here is no paint's any more (the last frame was painted).
        let texture = unsafe { upload(gl, old, size, program, &self.scratch)? };
        self.texture = Some(ArtTexture {
            texture,
            size,
            holds,
            opaque,
        });
        Some((texture, opaque))
    }
}

/// Puts `bytes` (`size`, in `program`'s texel order) into `old` when it is that
/// size, else into a new texture (deleting `old`): nearest, clamped, no mipmaps.
///
/// # Safety
/// The context must be current, and `old` no paint's still to come.
pub(crate) unsafe fn upload(
    gl: &glow::Context,
    old: Option<(glow::Texture, [usize; 2])>,
    size: [usize; 2],
    program: &ArtProgram,
    bytes: &[u8],
) -> Option<glow::Texture> {
    let (internal, format, _) = program.format;
    let (w, h) = (i32::try_from(size[0]).ok()?, i32::try_from(size[1]).ok()?);
    // SAFETY: as the caller guarantees.
    unsafe {
        let reuse = match old {
            Some((texture, was)) if was == size => Some(texture),
            Some((texture, _)) => {
                gl.delete_texture(texture);
                None
            }
            None => None,
        };
        let texture = match reuse {
            Some(texture) => texture,
            None => {
                let texture = gl.create_texture().ok()?;
                gl.bind_texture(glow::TEXTURE_2D, Some(texture));
                for (name, value) in [
                    (glow::TEXTURE_MIN_FILTER, glow::NEAREST),
                    (glow::TEXTURE_MAG_FILTER, glow::NEAREST),
                    (glow::TEXTURE_WRAP_S, glow::CLAMP_TO_EDGE),
                    (glow::TEXTURE_WRAP_T, glow::CLAMP_TO_EDGE),
                ] {
                    gl.tex_parameter_i32(glow::TEXTURE_2D, name, value as i32);
                }
                let empty = glow::PixelUnpackData::Slice(None);
                gl.tex_image_2d(
                    glow::TEXTURE_2D,
                    0,
                    internal,
                    w,
                    h,
                    0,
                    format,
                    glow::UNSIGNED_BYTE,
                    empty,
                );
                texture
            }
        };
        gl.bind_texture(glow::TEXTURE_2D, Some(texture));
        gl.pixel_store_i32(glow::UNPACK_ALIGNMENT, 4);
        let data = glow::PixelUnpackData::Slice(Some(bytes));
        gl.tex_sub_image_2d(
            glow::TEXTURE_2D,
            0,
            0,
            0,
            w,
            h,
            format,
            glow::UNSIGNED_BYTE,
            data,
        );
        Some(texture)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_dimmed_art_is_drawn_through_the_multiply() {
        assert!(!needs_tint(1.0));
        assert!(needs_tint(0.99));
        assert!(needs_tint(0.0));
        assert!(!FRAGMENT_PLAIN.contains('*'));
        assert!(FRAGMENT_TINTED.contains("* u_tint"));
    }

    #[test]
    fn packs_premultiplied_pixels_in_the_textures_byte_order() {
        let pixels = [
            Color32::from_rgba_premultiplied(10, 20, 30, 255),
            Color32::from_rgba_premultiplied(1, 2, 3, 4),
        ];
        let mut out = Vec::new();
        pack(&pixels, Order::Bgra, &mut out);
        assert_eq!(out, [30, 20, 10, 255, 3, 2, 1, 4]);
        pack(&pixels, Order::Rgba, &mut out);
        assert_eq!(
            out,
            [10, 20, 30, 255, 1, 2, 3, 4],
            "the buffer is refilled, not appended to"
        );
    }

    #[test]
    fn a_frame_is_opaque_only_when_every_pixel_is() {
        let mut out = Vec::new();
        let opaque = [Color32::from_rgb(1, 2, 3); 3];
        assert!(pack(&opaque, Order::Bgra, &mut out));
        let mut one_clear = opaque;
        one_clear[1] = Color32::from_rgba_premultiplied(0, 0, 0, 254);
        assert!(
            !pack(&one_clear, Order::Bgra, &mut out),
            "one pixel at 254 needs blending"
        );
        assert!(pack(&[], Order::Bgra, &mut out), "nothing to show through");
    }

    #[test]
    fn desktop_gl_uploads_bgra_into_an_unsized_rgba_texture() {
        // Sized RGBA8 would be stored R8G8B8A8 by Mesa: off its linear path.
        assert_eq!(
            upload_format(false, false),
            (glow::RGBA as i32, glow::BGRA, Order::Bgra)
        );
    }

    #[test]
    fn gles_uploads_bgra_only_with_the_extension() {
        assert_eq!(
            upload_format(true, true),
            (glow::BGRA as i32, glow::BGRA, Order::Bgra)
        );
        assert_eq!(
            upload_format(true, false),
            (glow::RGBA as i32, glow::RGBA, Order::Rgba)
        );
    }
}
