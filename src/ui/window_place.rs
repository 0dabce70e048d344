//! The window's size remembered between runs, and whether it was maximised: a
//! window made larger yesterday opens that size today. Its position is not
//! kept: monitors come and go, and Wayland does not let a program place its
//! window.

use eframe::egui::{self, ViewportCommand, ViewportInfo, vec2};

use crate::settings::{Settings, WindowPlace};

/// Asks for the remembered size (then maximised, if it was), before the window is first shown.
pub fn restore(ctx: &egui::Context, settings: &Settings) {
    let Some(place) = settings.window else {
        return;
    };
    let [w, h] = place.size;
    ctx.send_viewport_cmd(ViewportCommand::InnerSize(vec2(w, h)));
    if place.maximized {
        ctx.send_viewport_cmd(ViewportCommand::Maximized(true));
    }
}

/// Each pass: a change of the window's size or maximised state goes into
/// `settings`, which are saved with the rest.
pub(crate) fn follow(ctx: &egui::Context, settings: &mut Settings) {
    let Some(now) = ctx.input(|i| Seen::of(i.viewport())) else {
        return;
    };
    let id = egui::Id::unique("window_place_seen");
    let before = ctx.data_mut(|d| {
        let before = d.get_temp::<Seen>(id);
        d.insert_temp(id, now);
        before
    });
    let place = before.and_then(|before| remembered(before, now, settings.window));
    if place.is_some() && place != settings.window {
        settings.window = place;
    }
}

/// The window in one pass: its inner size in whole points, and its state.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Seen {
    pub size: [f32; 2],
    pub maximized: bool,
    /// Full screen or minimised: a size the user did not choose for the window.
    pub away: bool,
}

impl Seen {
    fn of(info: &ViewportInfo) -> Option<Self> {
        let size = info.inner_rect?.size();
        Some(Self {
            size: [size.x.round(), size.y.round()],
            maximized: info.maximized == Some(true),
            away: info.fullscreen == Some(true) || info.minimized == Some(true),
        })
    }

    fn normal(&self) -> bool {
        !self.maximized && !self.away
    }
}

/// What to remember after the window went from `before` to `now`, given what
/// is remembered (`kept`); `None`: nothing new. Only a change counts: the
/// first passes show the size the window opened at, before the remembered one
/// is applied, and full screen or minimised is no size to come back to.
pub(crate) fn remembered(
    before: Seen,
    now: Seen,
    kept: Option<WindowPlace>,
) -> Option<WindowPlace> {
    if before == now || now.away {
        return None;
    }
    if now.maximized {
        // The size to come back to: the one kept while it stays maximised
        // (restored so at start), else the one it had just before.
        let size = match kept {
            Some(k) if k.maximized => k.size,
            _ if before.normal() => before.size,
            _ => kept.map_or(now.size, |k| k.size),
        };
        return Some(WindowPlace {
            size,
            maximized: true,
        });
    }
    Some(WindowPlace {
        size: now.size,
        maximized: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normal(w: f32, h: f32) -> Seen {
        Seen {
            size: [w, h],
            maximized: false,
            away: false,
        }
    }

    /// Maximised on a 1920×1080 screen.
    const MAXIMIZED: Seen = Seen {
        size: [1920.0, 1050.0],
        maximized: true,
        away: false,
    };

    fn place(w: f32, h: f32, maximized: bool) -> Option<WindowPlace> {
        Some(WindowPlace {
            size: [w, h],
            maximized,
        })
    }

    #[test]
    fn a_resize_is_remembered_and_the_size_it_opened_at_is_not() {
        let opened = normal(900.0, 700.0);
        assert_eq!(remembered(opened, opened, None), None);
        let larger = normal(1400.0, 1000.0);
        assert_eq!(
            remembered(opened, larger, None),
            place(1400.0, 1000.0, false)
        );
    }

    #[test]
    fn maximised_keeps_the_size_to_come_back_to() {
        let before = normal(1000.0, 800.0);
        let maximized = MAXIMIZED;
        let kept = place(1000.0, 800.0, false);
        assert_eq!(
            remembered(before, maximized, kept),
            place(1000.0, 800.0, true)
        );
        // Restored maximised at start: the size under it comes from what was kept.
        let opened = normal(900.0, 700.0);
        let remembered_max = place(1000.0, 800.0, true);
        assert_eq!(
            remembered(opened, maximized, remembered_max),
            remembered_max,
            "opened at 900×700 and maximised at once: the kept size stays the one to come back to"
        );
        assert_eq!(
            remembered(maximized, before, remembered_max),
            place(1000.0, 800.0, false)
        );
    }

    #[test]
    fn full_screen_and_minimised_are_not_remembered() {
        let before = normal(1000.0, 800.0);
        let full = Seen {
            size: [1920.0, 1080.0],
            maximized: false,
            away: true,
        };
        assert_eq!(remembered(before, full, place(1000.0, 800.0, false)), None);
        let kept = place(1000.0, 800.0, true);
        assert_eq!(
            remembered(full, MAXIMIZED, kept),
            place(1000.0, 800.0, true),
            "back from full screen to maximised: the kept size stays"
        );
    }
}
