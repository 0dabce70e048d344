//! The sample artworks shipped inside the binary, played when there is nothing
//! else to show. They are made by `cargo run --example make_samples`
//! (see `sample_art`), and a test checks the files match that program.

pub struct Sample {
    pub name: &'static str,
    pub bytes: &'static [u8],
}

macro_rules! sample {
    ($name:literal) => {
        Sample {
            name: $name,
            bytes: include_bytes!(concat!("../assets/samples/", $name)),
        }
    };
}

/// In play order.
pub const SAMPLES: [Sample; 6] = [
    sample!("mountains-256.png"),
    sample!("slime-32.gif"),
    sample!("night-128.webp"),
    sample!("heart-8.png"),
    sample!("sun-64.png"),
    sample!("mushroom-16.bmp"),
];

pub fn bytes(name: &str) -> Option<&'static [u8]> {
    SAMPLES.iter().find(|s| s.name == name).map(|s| s.bytes)
}
