//! Settings › Makapix: pick a Makapix channel to play from the window, the same
//! channels the web can send with `play_channel`.

use eframe::egui::{self, Ui};

use crate::protocol::channel_name;
use crate::protocol::command::PlayChannel;

use super::actions::UserAction;
use crate::session::owner_playsets::{FOLLOWED_ARTISTS, OwnerPlaysetView};

/// The channels offered, with what each needs typed in.
const KINDS: [(&str, &str, Needs); 6] = [
    (channel_name::ALL, "Recent artworks", Needs::Nothing),
    (channel_name::PROMOTED, "Promoted", Needs::Nothing),
    (channel_name::USER, "My artworks", Needs::Nothing),
    (channel_name::BY_USER, "By an artist", Needs::Handle),
    (channel_name::REACTIONS, "Liked by someone", Needs::Handle),
    (channel_name::HASHTAG, "A hashtag", Needs::Hashtag),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Needs {
    Nothing,
    Handle,
    Hashtag,
}

#[derive(Default)]
pub(crate) struct ChannelPicker {
    kind: usize,
    text: String,
}

impl ChannelPicker {
    /// `connected`: channels come from the server, so they are offered only while connected.
    pub fn show(&mut self, ui: &mut Ui, connected: bool, actions: &mut Vec<UserAction>) {
        ui.strong("Makapix channels");
        if !connected {
            ui.label("Connect this player (Settings › Player) to play Makapix channels.");
            return;
        }
        let (_, label, needs) = KINDS[self.kind.min(KINDS.len() - 1)];
        ui.horizontal(|ui| {
            let caption = ui.label("Channel");
            egui::ComboBox::from_id_salt("makapix_channel")
                .selected_text(label)
                .show_ui(ui, |ui| {
                    for (i, (_, label, _)) in KINDS.iter().enumerate() {
                        ui.selectable_value(&mut self.kind, i, *label);
                    }
                })
                .response
                .labelled_by(caption.id);
        });
        let field = match needs {
            Needs::Nothing => None,
            Needs::Handle => Some(("Artist's handle", "artist's handle")),
            Needs::Hashtag => Some(("Hashtag", "hashtag, without #")),
        };
        if let Some((name, hint)) = field {
            // The hint disappears once there is text; the name stays for screen readers.
            let field = ui.add(
                egui::TextEdit::singleline(&mut self.text)
                    .hint_text(hint)
                    .desired_width(f32::INFINITY),
            );
            field.widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, name));
            // A key pasted here by mistake would go to the server as a channel's name.
            if super::secret_field::wipe_if_secret(ui, &field, &mut self.text) {
                actions.push(UserAction::Tell(crate::session::Notice::error(
                    crate::credentials::secret_text::REFUSED,
                )));
            }
        }
        if KINDS[self.kind.min(KINDS.len() - 1)].0 == channel_name::REACTIONS {
            // Makapix pages likes by when they were made: another order would
            // skip or repeat artworks after the first page.
            ui.label("Plays the most recent likes first, whatever the order chosen in Playback.");
        }
        let ready = needs == Needs::Nothing || !self.text.trim().is_empty();
        if ui
            .add_enabled(ready, egui::Button::new("Play channel"))
            .clicked()
            && let Some(channel) = self.chosen()
        {
            actions.push(UserAction::PlayChannel(channel));
        }
    }
}

/// The owner's own playsets (only `followed_artists` is known), under the channels.
pub fn owner_playsets(
    ui: &mut Ui,
    connected: bool,
    view: &OwnerPlaysetView,
    actions: &mut Vec<UserAction>,
) {
    if !connected {
        return;
    }
    ui.add_space(4.0);
    ui.horizontal(|ui| {
        let asking = *view == OwnerPlaysetView::Asking;
        if ui
            .add_enabled(!asking, egui::Button::new("Play followed artists"))
            .on_hover_text("Your playset of the artists you follow on Makapix Club")
            .clicked()
        {
            actions.push(UserAction::PlayOwnerPlayset(FOLLOWED_ARTISTS.to_owned()));
        }
        if asking {
            ui.spinner();
        }
    });
    match view {
        OwnerPlaysetView::Playing(names) if names.is_empty() => {
            ui.label("The playset has no channels.");
        }
        OwnerPlaysetView::Playing(names) => {
            ui.label(format!(
                "Playing {} channels: {}",
                names.len(),
                names.join(", ")
            ));
        }
        OwnerPlaysetView::Said(text) => {
            ui.label(text);
        }
        OwnerPlaysetView::Idle | OwnerPlaysetView::Asking => {}
    }
}

impl ChannelPicker {
    /// The `play_channel` payload for what is picked; `None` while a needed word is missing.
    fn chosen(&self) -> Option<PlayChannel> {
        let (name, _, needs) = KINDS.get(self.kind)?;
        let word = self.text.trim().trim_start_matches(['#', '@']).to_owned();
        let mut channel = PlayChannel {
            channel_name: (*name).to_owned(),
            user_sqid: None,
            user_handle: None,
            hashtag: None,
            slug: None,
        };
        match needs {
            Needs::Nothing => {}
            Needs::Handle if word.is_empty() => return None,
            Needs::Handle => channel.user_handle = Some(word),
            Needs::Hashtag if word.is_empty() => return None,
            Needs::Hashtag => channel.hashtag = Some(word),
        }
        Some(channel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_pasted_for_a_hashtag_is_wiped_and_never_played() {
        use egui_kittest::Harness;
        let picker = ChannelPicker {
            kind: 5,
            text: String::new(),
        };
        let mut h = Harness::new_ui_state(
            |ui, (picker, actions): &mut (ChannelPicker, Vec<UserAction>)| {
                picker.show(ui, true, actions)
            },
            (picker, Vec::new()),
        );
        h.run();
        crate::ui::secret_field::pasted::key_into(&mut h, "Hashtag");
        let told = |a: &UserAction| matches!(a, UserAction::Tell(n) if n.text == crate::credentials::secret_text::REFUSED);
        assert!(h.state().1.iter().any(told), "{:?}", h.state().1);
        assert!(
            !h.state()
                .1
                .iter()
                .any(|a| matches!(a, UserAction::PlayChannel(_))),
            "{:?}",
            h.state().1
        );
    }

    #[test]
    fn each_pick_becomes_the_payload_the_web_would_send() {
        let mut p = ChannelPicker::default();
        assert_eq!(p.chosen().map(|c| c.channel_name), Some("all".into()));
        p.kind = 3;
        assert!(p.chosen().is_none(), "by_user needs a handle");
        p.text = " @pixelfox ".into();
        let c = p.chosen().unwrap();
        assert_eq!(
            (c.channel_name.as_str(), c.user_handle.as_deref()),
            ("by_user", Some("pixelfox"))
        );
        p.kind = 5;
        p.text = "#frogs".into();
        let c = p.chosen().unwrap();
        assert_eq!(
            (c.channel_name.as_str(), c.hashtag.as_deref()),
            ("hashtag", Some("frogs"))
        );
    }
}
