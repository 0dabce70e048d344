//! The first-run card over the canvas: while no player is stored, it offers
//! the three ways in (register, import the downloaded certificates, or just
//! play local files). Dismissed once, it stays away (`Settings::welcome_dismissed`).

use eframe::egui::{self, Color32, Rect, RichText, Ui};

use super::actions::UserAction;
use super::player_pane::PlayerPane;
use crate::bridge::connection::ConnectionState;
use crate::settings::{Settings, SettingsSection};

/// The card's state in this run.
pub struct Welcome {
    /// Drawn last frame: its first button takes the keyboard when it appears.
    drawn: bool,
    /// Sent away for this run by one of its choices.
    hidden: bool,
}

impl Welcome {
    /// `hidden`: not shown in this run.
    pub fn new(hidden: bool) -> Self {
        Self {
            drawn: false,
            hidden,
        }
    }

    pub fn drawn(&self) -> bool {
        self.drawn
    }

    /// Files were opened (named at launch, dropped, handed over): the user
    /// chose what to play, so the card does not cover it in this run.
    pub fn hide(&mut self) {
        self.hidden = true;
    }

    /// Draws the card when it is due; what the user's choice leads to.
    pub fn show(
        &mut self,
        ctx: &egui::Context,
        canvas: Rect,
        player: &mut PlayerPane,
        state: ConnectionState,
        settings: &mut Settings,
    ) -> Option<UserAction> {
        if self.hidden || !wanted(player, state, settings) {
            self.drawn = false;
            return None;
        }
        let focus = !self.drawn;
        self.drawn = true;
        let choice = show(ctx, canvas, focus)?;
        self.hidden = true;
        match choice {
            Choice::Register => {
                player.register();
                Some(UserAction::OpenSettingsSection(SettingsSection::Player))
            }
            Choice::Import => {
                player.pick_files();
                Some(UserAction::OpenSettingsSection(SettingsSection::Player))
            }
            Choice::PlayFiles => {
                settings.welcome_dismissed = true;
                Some(UserAction::OpenSettingsSection(SettingsSection::Files))
            }
            Choice::Dismiss => {
                settings.welcome_dismissed = true;
                None
            }
        }
    }
}

/// What the user picked on the card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    Register,
    Import,
    PlayFiles,
    Dismiss,
}

pub(crate) const REGISTER: &str = "Register this computer";
pub(crate) const IMPORT: &str = "Import the certificates you downloaded";
pub(crate) const PLAY_FILES: &str = "Just play my files";
pub(crate) const DISMISS: &str = "Not now";

/// Whether the card is due: the runtime said no player is stored, nothing
/// is connecting, no registration is under way, and the user has not sent
/// the card away.
pub fn wanted(player: &PlayerPane, state: ConnectionState, settings: &Settings) -> bool {
    !settings.welcome_dismissed
        && player.known_unregistered()
        && player.registration.is_none()
        && state == ConnectionState::NotRegistered
}

/// Below this canvas height the card would hide the art: it sits at the
/// canvas's foot instead of its centre, its hints in tooltips.
const COMPACT_BELOW: f32 = 560.0;

/// Draws the card over `canvas`; `focus` puts the keyboard on its first
/// button (the frame the card appears), so Enter registers.
pub fn show(ctx: &egui::Context, canvas: Rect, focus: bool) -> Option<Choice> {
    let width = 440.0_f32.min(canvas.width() - 16.0).max(200.0);
    let compact = canvas.height() < COMPACT_BELOW;
    let (pivot, at) = if compact {
        let foot = canvas.center_bottom() - egui::vec2(0.0, 8.0);
        (egui::Align2::CENTER_BOTTOM, foot)
    } else {
        (egui::Align2::CENTER_CENTER, canvas.center())
    };
    let mut choice = None;
    egui::Area::new(egui::Id::unique("welcome_card"))
        .order(egui::Order::Middle)
        .pivot(pivot)
        .fixed_pos(at)
        .show(ctx, |ui| {
            egui::Frame::window(ui.style())
                .inner_margin(16.0)
                .show(ui, |ui| {
                    ui.set_width(width);
                    choice = card(ui, focus, compact);
                });
        });
    choice
}

fn card(ui: &mut Ui, focus: bool, compact: bool) -> Option<Choice> {
    let mut choice = None;
    ui.label(
        RichText::new("Welcome to Makapix Player")
            .size(20.0)
            .strong(),
    );
    ui.label("Connect this player to your Makapix Club account to show the art you send it from makapix.club, or play pixel art from this computer.");
    ui.add_space(8.0);
    let ways = [
        (
            Choice::Register,
            REGISTER,
            "You get a short code; on makapix.club go to Settings › Players › Add Device and enter it.",
        ),
        (
            Choice::Import,
            IMPORT,
            "The certificate bundle (.json) or the three PEM files from makapix.club.",
        ),
        (
            Choice::PlayFiles,
            PLAY_FILES,
            "No account needed: open files or folders, or drop them on the window.",
        ),
    ];
    for (i, (way, title, hint)) in ways.into_iter().enumerate() {
        let button = egui::Button::new(RichText::new(title).size(16.0))
            .min_size(egui::vec2(ui.available_width(), 32.0));
        let mut response = ui.add(button);
        if focus && i == 0 {
            response.request_focus();
        }
        if compact {
            response = response.on_hover_text(hint);
        } else {
            ui.label(RichText::new(hint).small().color(Color32::GRAY));
        }
        if response.clicked() {
            choice = Some(way);
        }
        ui.add_space(6.0);
    }
    let close = ui
        .small_button(DISMISS)
        .on_hover_text("Closes this card for good; Settings › Player has the same choices.");
    if close.clicked() {
        choice = Some(Choice::Dismiss);
    }
    choice
}
