//! Device previews: how an artwork looks on a p3a frame or an LED matrix.
//! Pure: names and settings (`mode`), which artwork pixel each device pixel
//! shows (`panel`), how devices turn colour into light (`color`), the numbers
//! that light an LED panel, shared by the export and the window's shader
//! (`shading`), the previews rendered into an image for export (`render`),
//! one device's render at a whole scale (`export`) and written as an
//! animation (`encode`).
//! The window draws them in `ui::preview_view`.

pub(crate) mod board;
pub mod color;
pub(crate) mod device_notes;
pub mod encode;
pub mod export;
pub mod mode;
pub(crate) mod orientation;
pub mod panel;
pub mod render;
pub(crate) mod shading;

pub use mode::{Fitting, PreviewMode, PreviewSettings};
pub use orientation::{Mirror, Rotation};
