//! Compiling and linking the window's own GL programs (`art_gl`'s quad and
//! `led_shader`'s LED panel), with errors that say which shader failed and why.

use eframe::glow::{self, HasContext};

/// Compiles and links a vertex and a fragment stage (`stages`), with `header`
/// (version, precision, constants) in front of each; `what` names the shader in errors.
///
/// # Safety
/// The context must be current.
pub(crate) unsafe fn link(
    gl: &glow::Context,
    header: &str,
    [vertex, fragment]: [&str; 2],
    what: &str,
) -> Result<glow::Program, String> {
    // SAFETY: as the caller guarantees.
    unsafe {
        let program = gl.create_program()?;
        let mut shaders = Vec::new();
        for (kind, body) in [
            (glow::VERTEX_SHADER, vertex),
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
                return Err(format!("the {what} shader did not compile: {log}"));
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
            Err(format!("the {what} shader did not link: {log}"))
        }
    }
}
