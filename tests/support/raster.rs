//! A small software rasteriser for screenshots of the window under test: the
//! harness has no GPU renderer (egui_kittest's needs wgpu, a large build), and a
//! failing wait only needs a picture a person can read. Shapes and text are drawn;
//! other textures (artworks) are drawn as a grey placeholder.

use eframe::egui;
use egui::epaint::{ClippedPrimitive, ColorImage, Mesh, Primitive, TextureId};
use egui::{Color32, Rect};
use image::RgbaImage;

/// Renders `output`'s shapes as `ctx` would paint them.
pub fn render(ctx: &egui::Context, output: &egui::FullOutput) -> Result<RgbaImage, String> {
    let ppp = output.pixels_per_point;
    let primitives = ctx.tessellate(output.shapes.clone(), ppp);
    let size = primitives
        .iter()
        .fold(egui::Vec2::ZERO, |s, p| s.max(p.clip_rect.max.to_vec2()));
    let (w, h) = ((size.x * ppp).ceil() as u32, (size.y * ppp).ceil() as u32);
    if w == 0 || h == 0 || w > 8192 || h > 8192 {
        return Err(format!("nothing to draw ({w}×{h} pixels)"));
    }
    let font = ctx.fonts(|f| f.image());
    let mut canvas = Canvas {
        w,
        h,
        px: vec![[0.0; 4]; (w * h) as usize],
    };
    for ClippedPrimitive {
        clip_rect,
        primitive,
    } in &primitives
    {
        if let Primitive::Mesh(mesh) = primitive {
            let clip = Rect::from_min_max(clip_rect.min * ppp, clip_rect.max * ppp);
            let texture = (mesh.texture_id == TextureId::default()).then_some(&font);
            canvas.mesh(mesh, ppp, clip, texture);
        }
    }
    let bytes = canvas
        .px
        .iter()
        .flat_map(|p| p.map(|c| (c.clamp(0.0, 1.0) * 255.0).round() as u8))
        .collect();
    RgbaImage::from_raw(w, h, bytes).ok_or_else(|| "bad image size".to_owned())
}

/// Premultiplied RGBA in 0..=1, row by row.
struct Canvas {
    w: u32,
    h: u32,
    px: Vec<[f32; 4]>,
}

impl Canvas {
    fn mesh(&mut self, mesh: &Mesh, ppp: f32, clip: Rect, texture: Option<&ColorImage>) {
        for tri in mesh.indices.chunks_exact(3) {
            let v = [tri[0], tri[1], tri[2]].map(|i| mesh.vertices[i as usize]);
            let p = v.map(|v| v.pos * ppp);
            let area = edge(p[0], p[1], p[2]);
            if area.abs() < f32::EPSILON {
                continue;
            }
            let bounds = Rect::from_points(&p).intersect(clip);
            let (x0, y0) = (bounds.min.x.floor().max(0.0), bounds.min.y.floor().max(0.0));
            let (x1, y1) = (
                bounds.max.x.ceil().min(self.w as f32),
                bounds.max.y.ceil().min(self.h as f32),
            );
            for y in y0 as u32..y1.max(y0) as u32 {
                for x in x0 as u32..x1.max(x0) as u32 {
                    let c = egui::pos2(x as f32 + 0.5, y as f32 + 0.5);
                    let b = [
                        edge(p[1], p[2], c),
                        edge(p[2], p[0], c),
                        edge(p[0], p[1], c),
                    ]
                    .map(|e| e / area);
                    if b.iter().any(|&b| b < 0.0) {
                        continue;
                    }
                    let uv = v[0].uv.to_vec2() * b[0]
                        + v[1].uv.to_vec2() * b[1]
                        + v[2].uv.to_vec2() * b[2];
                    let colour: [f32; 4] = std::array::from_fn(|k| {
                        (0..3).map(|i| channel(v[i].color, k) * b[i]).sum()
                    });
                    let texel = sample(texture, uv);
                    let src: [f32; 4] = std::array::from_fn(|k| colour[k] * texel[k]);
                    let dst = &mut self.px[(y * self.w + x) as usize];
                    *dst = std::array::from_fn(|k| src[k] + dst[k] * (1.0 - src[3]));
                }
            }
        }
    }
}

/// Twice the signed area of the triangle a, b, c.
fn edge(a: egui::Pos2, b: egui::Pos2, c: egui::Pos2) -> f32 {
    (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x)
}

fn channel(c: Color32, k: usize) -> f32 {
    f32::from(c.to_array()[k]) / 255.0
}

/// The texel at `uv` (nearest), or a mid grey for a texture the rasteriser lacks.
fn sample(texture: Option<&ColorImage>, uv: egui::Vec2) -> [f32; 4] {
    let Some(t) = texture else {
        return [0.5, 0.5, 0.5, 1.0];
    };
    let x = ((uv.x * t.size[0] as f32) as usize).min(t.size[0].saturating_sub(1));
    let y = ((uv.y * t.size[1] as f32) as usize).min(t.size[1].saturating_sub(1));
    let c = t.pixels.get(y * t.size[0] + x).copied().unwrap_or_default();
    std::array::from_fn(|k| channel(c, k))
}
