//! How the artwork is turned and mirrored on the canvas and on every device
//! preview. Kept in `preview` (pure) so the previews, the LED outputs and the
//! settings that persist the user's choice share one definition.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Rotation {
    #[default]
    #[serde(rename = "0")]
    R0,
    #[serde(rename = "90")]
    R90,
    #[serde(rename = "180")]
    R180,
    #[serde(rename = "270")]
    R270,
}

impl Rotation {
    pub(crate) const ALL: [Rotation; 4] =
        [Rotation::R0, Rotation::R90, Rotation::R180, Rotation::R270];

    pub(crate) fn degrees(self) -> u16 {
        match self {
            Rotation::R0 => 0,
            Rotation::R90 => 90,
            Rotation::R180 => 180,
            Rotation::R270 => 270,
        }
    }

    pub(crate) fn from_degrees(degrees: u16) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.degrees() == degrees)
    }

    /// Quarter turns clockwise.
    pub(crate) fn quarter_turns(self) -> usize {
        usize::from(self.degrees() / 90)
    }

    pub fn clockwise(self) -> Self {
        Self::ALL[(self.quarter_turns() + 1) % 4]
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mirror {
    #[default]
    None,
    Horizontal,
    Vertical,
}

impl Mirror {
    pub(crate) const ALL: [Mirror; 3] = [Mirror::None, Mirror::Horizontal, Mirror::Vertical];

    pub fn label(self) -> &'static str {
        match self {
            Mirror::None => "None",
            Mirror::Horizontal => "Horizontal",
            Mirror::Vertical => "Vertical",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_turns_clockwise_and_wraps() {
        assert_eq!(Rotation::R270.clockwise(), Rotation::R0);
        assert_eq!(Rotation::from_degrees(180), Some(Rotation::R180));
        assert_eq!(Rotation::from_degrees(45), None);
    }
}
