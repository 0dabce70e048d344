//! The LED panel as a mesh, for when the GPU shader (`led_shader`) cannot run:
//! one small disc per LED whose texture coordinates point at the texel it
//! shows in the panel's colour-table copy of the frame (`preview_view`), kept
//! until the layout changes, so an animation frame costs no per-LED work on
//! the CPU (but the copy, and the mesh's triangles, every frame).

use eframe::egui::{self, Color32, Mesh, Pos2, Rect, epaint::Vertex, pos2, vec2};

use super::geometry;
use crate::preview::mode::Fitting;
use crate::preview::panel;
use crate::preview::render::{GLOW_ALPHA, LED_FILL};

#[derive(Clone, PartialEq)]
pub(crate) struct MeshKey {
    pub board: Rect,
    pub panel: [u32; 2],
    pub art: [u32; 2],
    pub fitting: Fitting,
    pub rotation: crate::preview::Rotation,
    pub mirror: crate::preview::Mirror,
    pub glow: bool,
    pub pitch: f32,
}

/// One disc per LED (and its glow beneath), each pointing at the texel it shows.
pub(crate) fn led_mesh(key: &MeshKey, texture: egui::TextureId, ppp: f32) -> Mesh {
    let mut mesh = Mesh::with_texture(texture);
    let rotated = geometry::rotated_size(key.art, key.rotation);
    let Some(map) = panel::led_map(key.panel, rotated, key.fitting) else {
        return mesh;
    };
    let [aw, ah] = key.art.map(|v| v as f32);
    // The LED texture is one column wider: its last column is the background.
    let tex_w = aw + 1.0;
    let pitch = key.pitch / ppp;
    let diameter_px = key.pitch * LED_FILL;
    let sides = match diameter_px {
        d if d < 12.0 => 8,
        d if d < 24.0 => 12,
        _ => 20,
    };
    let glow = Color32::from_white_alpha(GLOW_ALPHA);
    for y in 0..key.panel[1] {
        for x in 0..key.panel[0] {
            let [tx, ty] = match map.at(x, y) {
                Some(p) => panel::orient(p, key.art, key.rotation, key.mirror).map(|v| v as f32),
                None => [aw, 0.0],
            };
            let uv = pos2((tx + 0.5) / tex_w, (ty + 0.5) / ah);
            let centre = key.board.min + vec2(x as f32 + 0.5, y as f32 + 0.5) * pitch;
            if key.glow {
                disc(&mut mesh, centre, pitch / 2.0, sides, uv, glow);
            }
            if diameter_px < 4.0 {
                // Too small to look round: a square a whole pixel short of the
                // pitch keeps a crisp one-pixel gap (the pitch is whole pixels here).
                let cell = key.board.min + vec2(x as f32, y as f32) * pitch;
                let side = (key.pitch - 1.0).max(1.0) / ppp;
                let rect = Rect::from_min_size(cell, vec2(side, side));
                mesh.add_rect_with_uv(rect, Rect::from_min_max(uv, uv), Color32::WHITE);
            } else {
                disc(
                    &mut mesh,
                    centre,
                    pitch * LED_FILL / 2.0,
                    sides,
                    uv,
                    Color32::WHITE,
                );
            }
        }
    }
    mesh
}

fn disc(mesh: &mut Mesh, centre: Pos2, radius: f32, sides: u32, uv: Pos2, color: Color32) {
    let first = mesh.vertices.len() as u32;
    mesh.vertices.push(Vertex {
        pos: centre,
        uv,
        color,
    });
    for i in 0..sides {
        let angle = std::f32::consts::TAU * i as f32 / sides as f32;
        mesh.vertices.push(Vertex {
            pos: centre + vec2(angle.cos(), angle.sin()) * radius,
            uv,
            color,
        });
    }
    for i in 0..sides {
        mesh.add_triangle(first, first + 1 + i, first + 1 + (i + 1) % sides);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_led_mesh_has_a_disc_per_led_pointing_at_its_texel() {
        let key = MeshKey {
            board: Rect::from_min_size(pos2(0.0, 0.0), vec2(40.0, 20.0)),
            panel: [2, 1],
            art: [2, 1],
            fitting: Fitting::Nearest,
            rotation: crate::preview::Rotation::R0,
            mirror: crate::preview::Mirror::None,
            glow: false,
            pitch: 20.0,
        };
        let mesh = led_mesh(&key, egui::TextureId::Managed(7), 1.0);
        // 16 px discs: 12 sides, a centre and 12 rim vertices each.
        assert_eq!(mesh.vertices.len(), 2 * 13);
        assert_eq!(mesh.indices.len(), 2 * 12 * 3);
        // Texture 3 texels wide (art + background column): centres at 1/6 and 3/6.
        assert_eq!(mesh.vertices[0].pos, pos2(10.0, 10.0));
        assert_eq!(mesh.vertices[0].uv, pos2(0.5 / 3.0, 0.5));
        assert_eq!(mesh.vertices[13].uv, pos2(1.5 / 3.0, 0.5));
        let with_glow = led_mesh(
            &MeshKey { glow: true, ..key },
            egui::TextureId::Managed(7),
            1.0,
        );
        assert_eq!(with_glow.vertices.len(), 4 * 13);
    }
}
