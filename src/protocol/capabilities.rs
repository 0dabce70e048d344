//! The retained `capabilities` and `state` messages (protocol section 6).
//! The server drops a feature whose shape differs in the slightest (`"pause": true`
//! instead of `"pause": {}`), so the shapes here are exact.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Capabilities {
    pub firmware_version: String,
    pub features: Features,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Features {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pause: Option<Empty>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brightness: Option<Range>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation: Option<Values<u16>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirror: Option<Values<String>>,
}

/// Serialises as `{}`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Range {
    pub min: i32,
    pub max: i32,
    pub step: i32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Values<T> {
    pub values: Vec<T>,
}

/// Mirror values this player offers (the same words its settings file uses).
pub(crate) const MIRROR_VALUES: [&str; 3] = ["none", "horizontal", "vertical"];

impl Capabilities {
    /// What the desktop player supports today: pause, brightness 0..100,
    /// the four rotations and three mirror modes.
    pub fn desktop(firmware_version: &str) -> Self {
        Self {
            firmware_version: firmware_version.to_owned(),
            features: Features {
                pause: Some(Empty {}),
                brightness: Some(Range {
                    min: 0,
                    max: 100,
                    step: 1,
                }),
                rotation: Some(Values {
                    values: vec![0, 90, 180, 270],
                }),
                mirror: Some(Values {
                    values: MIRROR_VALUES.iter().map(|s| (*s).to_owned()).collect(),
                }),
            },
        }
    }
}

/// The player's adjustable state; every field optional because a change is
/// published as a partial state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlayerState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_paused: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brightness: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirror: Option<String>,
}

impl PlayerState {
    /// The fields of `self` that differ from `before` (what to publish after a change).
    pub(crate) fn changes_since(&self, before: &PlayerState) -> PlayerState {
        fn diff<T: Clone + PartialEq>(now: &Option<T>, then: &Option<T>) -> Option<T> {
            if now != then { now.clone() } else { None }
        }
        PlayerState {
            is_paused: diff(&self.is_paused, &before.is_paused),
            brightness: diff(&self.brightness, &before.brightness),
            rotation: diff(&self.rotation, &before.rotation),
            mirror: diff(&self.mirror, &before.mirror),
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == PlayerState::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn desktop_capabilities_have_the_exact_shapes_the_server_accepts() {
        let caps = serde_json::to_value(Capabilities::desktop("0.1.0")).unwrap();
        assert_eq!(
            caps,
            json!({
                "firmware_version": "0.1.0",
                "features": {
                    "pause": {},
                    "brightness": {"min": 0, "max": 100, "step": 1},
                    "rotation": {"values": [0, 90, 180, 270]},
                    "mirror": {"values": ["none", "horizontal", "vertical"]}
                }
            })
        );
    }

    #[test]
    fn a_state_change_is_published_as_the_changed_fields_only() {
        let before = PlayerState {
            is_paused: Some(false),
            brightness: Some(100),
            rotation: Some(0),
            mirror: Some("none".into()),
        };
        let mut after = before.clone();
        after.rotation = Some(90);
        let change = after.changes_since(&before);
        assert_eq!(
            serde_json::to_value(&change).unwrap(),
            json!({"rotation": 90})
        );
        assert!(before.changes_since(&before).is_empty());
        let full: PlayerState = serde_json::from_value(
            json!({"is_paused": true, "brightness": 40, "rotation": 270, "mirror": "vertical"}),
        )
        .unwrap();
        assert_eq!(full.brightness, Some(40));
    }
}
