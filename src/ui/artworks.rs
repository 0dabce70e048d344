//! The window's side of the decode schedule (`app::decode_schedule`): a decoded
//! artwork becomes a `PreparedArt` on the decoder thread and a texture
//! (`LoadedArt`) when the window takes it in; and the checkerboard's texture.

use eframe::egui;

use crate::app::decode_schedule::{ArtKind, Upload};
use crate::media::frame_store::CompactArtwork;

use super::canvas;
use super::library::{LoadedArt, PreparedArt};

/// Artworks as the window holds them: textures.
pub(crate) struct Textures;

impl ArtKind for Textures {
    type Prepared = PreparedArt;
    type Art = LoadedArt;

    fn prepare(art: CompactArtwork, max_side: usize) -> PreparedArt {
        PreparedArt::from_artwork(art, max_side)
    }
}

impl Upload<Textures> for egui::Context {
    fn max_side(&self) -> usize {
        self.input(|i| i.max_texture_side)
    }

    fn upload(&self, name: &str, art: PreparedArt) -> LoadedArt {
        LoadedArt::upload(self, name, art)
    }
}

/// The checkerboard drawn behind transparent art, made once per window.
pub(crate) fn checker(ctx: &egui::Context) -> egui::TextureHandle {
    let id = egui::Id::unique("makapix-checkerboard-texture");
    if let Some(texture) = ctx.data(|d| d.get_temp::<egui::TextureHandle>(id)) {
        return texture;
    }
    let texture = canvas::checker_texture(ctx);
    ctx.data_mut(|d| d.insert_temp(id, texture.clone()));
    texture
}
