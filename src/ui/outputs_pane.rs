//! Settings › LED panels: the outputs the art plays on, each with its state,
//! frames a second and frames dropped; adding one by address or from the
//! panels that answer on the network (browsed only while the finder is open);
//! a test pattern per panel.

use std::sync::PoisonError;

use eframe::egui::{self, RichText, Ui};

use super::led_outputs::{Board, SharedBoard, board_id};
use crate::outputs::discovery::{Discovery, Panel};
use crate::outputs::{OutputSpec, SavedOutput, State, Status, same_panel_as};

/// What the pane keeps between passes: the address being typed and its error.
#[derive(Clone, Default)]
struct Draft {
    url: String,
    error: Option<String>,
}

/// The body of Settings › LED panels (the section's header is the settings panel's).
pub fn show(ui: &mut Ui, outputs: &mut Vec<SavedOutput>) {
    let board: Option<SharedBoard> = ui.ctx().data(|d| d.get_temp(board_id()));
    let mut guard = board
        .as_ref()
        .map(|b| b.lock().unwrap_or_else(PoisonError::into_inner));
    let mut board = guard.as_deref_mut();
    if outputs.is_empty() && board.as_ref().is_none_or(|b| b.command_line.is_empty()) {
        ui.label(
            RichText::new("Play the art on a WLED matrix too: add its address below.").small(),
        );
    }
    saved(ui, outputs, board.as_deref_mut());
    if let Some(board) = board.as_deref_mut() {
        command_line(ui, board);
    }
    add_by_address(ui, outputs);
    if let Some(board) = board {
        finder(ui, outputs, board);
    }
}

fn saved(ui: &mut Ui, outputs: &mut Vec<SavedOutput>, mut board: Option<&mut Board>) {
    let mut remove = None;
    for (i, output) in outputs.iter_mut().enumerate() {
        // Keyed by address (unique in the list): a row keeps its widgets'
        // ids, and a screen reader its place, when a row above is removed.
        keyed(ui, ("led output", &output.url), |ui| {
            ui.horizontal(|ui| {
                ui.checkbox(&mut output.enabled, &output.url)
                    .on_hover_text("Send the art to this panel");
                let name = format!("Remove {}", output.url);
                if named_small_button(ui, "Remove", &name, &name).clicked() {
                    remove = Some(i);
                }
            });
            wled_note(ui, &output.url);
            if output.enabled {
                status_line(ui, &output.url, board.as_deref_mut());
            }
        });
    }
    if let Some(i) = remove {
        outputs.remove(i);
    }
}

fn command_line(ui: &mut Ui, board: &mut Board) {
    for url in board.command_line.clone() {
        ui.label(format!("{url} (from the command line, this run only)"));
        wled_note(ui, &url);
        status_line(ui, &url, Some(board));
    }
}

/// The word for an E1.31 panel larger than a WLED takes.
fn wled_note(ui: &mut Ui, url: &str) {
    if let Some(note) = OutputSpec::parse(url).ok().and_then(|s| s.wled_note()) {
        ui.label(
            RichText::new(note)
                .small()
                .color(ui.visuals().warn_fg_color),
        );
    }
}

/// "Sending · 30.0 frames/s · 2 dropped", and the test pattern button.
fn status_line(ui: &mut Ui, url: &str, board: Option<&mut Board>) {
    let Some(board) = board else {
        return;
    };
    let status = board
        .statuses
        .iter()
        .find(|(u, _)| u == url)
        .map(|(_, s)| s.clone());
    ui.horizontal_wrapped(|ui| {
        match &status {
            Some(Ok(status)) => {
                let text = RichText::new(describe(status)).small();
                ui.label(match status.state {
                    State::Sending | State::Waiting | State::LookingUp(_) => text,
                    State::Stopped => text.color(ui.visuals().error_fg_color),
                    _ => text.color(ui.visuals().warn_fg_color),
                });
            }
            Some(Err(why)) => {
                ui.label(
                    RichText::new(why)
                        .small()
                        .color(ui.visuals().error_fg_color),
                );
            }
            None => {}
        }
        // A stopped output's thread is gone: nothing would show the pattern.
        let runs = matches!(&status, Some(Ok(s)) if s.state != State::Stopped);
        if runs
            && ui
                .small_button("Test pattern")
                .on_hover_text(
                    "Red, green, blue and white quarters for 5 s; the top-left LED stays dark",
                )
                .clicked()
        {
            board.tests.push(url.to_owned());
        }
    });
}

pub(crate) fn describe(status: &Status) -> String {
    format!(
        "{} · {:.1} frames/s · {} dropped",
        status.state.label(),
        status.fps,
        status.dropped
    )
}

fn add_by_address(ui: &mut Ui, outputs: &mut Vec<SavedOutput>) {
    let id = ui.scope_id().with("led-output-draft");
    let mut draft: Draft = ui.data(|d| d.get_temp(id)).unwrap_or_default();
    let caption = ui.label("Add a panel by address:");
    let response = ui
        .add(
            egui::TextEdit::singleline(&mut draft.url)
                .hint_text("ddp://192.168.1.50?size=64x64")
                .desired_width(f32::INFINITY),
        )
        .labelled_by(caption.id);
    // A key pasted here by mistake is neither kept nor repeated in the error.
    if super::secret_field::wipe_if_secret(ui, &response, &mut draft.url) {
        draft.error = Some(crate::credentials::secret_text::REFUSED.to_owned());
    }
    let entered = response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
    if (ui.button("Add panel").clicked() || entered) && !draft.url.trim().is_empty() {
        match OutputSpec::parse(&draft.url).and_then(|spec| add(outputs, spec.to_string())) {
            Ok(()) => draft = Draft::default(),
            Err(e) => draft.error = Some(e),
        }
    }
    if let Some(error) = &draft.error {
        ui.label(
            RichText::new(error)
                .small()
                .color(ui.visuals().error_fg_color),
        );
    }
    ui.data_mut(|d| d.insert_temp(id, draft));
}

/// Adds `url` unless it is listed, or another entry drives the same panel.
fn add(outputs: &mut Vec<SavedOutput>, url: String) -> Result<(), String> {
    if outputs.iter().any(|o| o.url == url) {
        return Ok(());
    }
    if let Some(listed) = same_panel_as(&url, outputs.iter().map(|o| o.url.as_str())) {
        return Err(format!(
            "{listed} already drives this panel, and two streams make it flicker: remove that one first to add it with other options."
        ));
    }
    outputs.push(SavedOutput { url, enabled: true });
    Ok(())
}

/// "Find panels on the network": WLED's mDNS answers, browsed only while open.
fn finder(ui: &mut Ui, outputs: &mut Vec<SavedOutput>, board: &mut Board) {
    let mut open = board.finder.is_some();
    ui.toggle_value(&mut open, "Find panels on the network")
        .on_hover_text("Lists the WLED panels that answer on this network (mDNS)");
    if !open {
        board.finder = None;
        return;
    }
    let finder = board.finder.get_or_insert_with(Discovery::start);
    let found: Vec<Panel> = match finder {
        Ok(discovery) => discovery.poll().to_vec(),
        Err(why) => {
            ui.label(
                RichText::new(why.as_str())
                    .small()
                    .color(ui.visuals().error_fg_color),
            );
            return;
        }
    };
    if found.is_empty() {
        ui.label(RichText::new("Looking for WLED panels…").small());
    }
    found_rows(ui, outputs, &found);
    // Answers arrive on their own: look again shortly.
    ui.ctx()
        .request_repaint_after(std::time::Duration::from_millis(500));
}

/// One row per panel found, with its Add button. The list is sorted by name
/// and changes as answers come and go, so each row's widgets take their ids
/// from the panel, not from the row's place: a click pressed on one panel's
/// button (or a screen reader's action on it) never adds the panel that has
/// moved into its place.
fn found_rows(ui: &mut Ui, outputs: &mut Vec<SavedOutput>, found: &[Panel]) {
    for panel in found {
        keyed(ui, ("led finder", &panel.name), |ui| {
            ui.horizontal(|ui| {
                ui.label(format!(
                    "{} ({}, {})",
                    panel.name, panel.host, panel.address
                ));
                // Listed by its name or by its address, it is the same panel.
                let listed = panel
                    .ddp_urls()
                    .iter()
                    .find_map(|url| same_panel_as(url, outputs.iter().map(|o| o.url.as_str())));
                if let Some(listed) = listed {
                    ui.label(RichText::new(format!("in the list as {listed}")).small());
                    return;
                }
                let url = panel.ddp_url();
                let hover = format!("Add {} as a 64×64 DDP panel: {url}", panel.name);
                let name = format!("Add {}", panel.name);
                if named_small_button(ui, "Add", &name, &hover).clicked() {
                    // Not listed (checked above): nothing to refuse.
                    let _ = add(outputs, url);
                }
            });
        });
    }
}

/// `add` in a scope of its own keyed by `key`, not by its place in a list
/// that changes under it.
fn keyed(ui: &mut Ui, key: (&str, &str), add: impl FnOnce(&mut Ui)) {
    let own = egui::UiBuilder::new().scope_id(egui::Id::unique(key));
    ui.scope_builder(own, add);
}

/// A small button showing `label`, named `name` for a screen reader (a list
/// of buttons all called "Add" or "Remove" says nothing), `hover` on hover.
fn named_small_button(ui: &mut Ui, label: &str, name: &str, hover: &str) -> egui::Response {
    let button = ui.small_button(label).on_hover_text(hover);
    button.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, name));
    button
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use egui_kittest::Harness;
    use egui_kittest::kittest::{NodeT as _, Queryable as _};

    use super::*;

    fn panel(name: &str, last: u8) -> Panel {
        Panel {
            name: name.to_owned(),
            host: format!("{}.local", name.to_lowercase()),
            address: IpAddr::V4(Ipv4Addr::new(127, 0, 0, last)),
            by_name: false,
        }
    }

    type Pane = (Vec<Panel>, Vec<SavedOutput>);

    /// A panel answering with a name that sorts first must not take over the
    /// Add button of the panel the user is pressing.
    #[test]
    fn a_found_panel_keeps_its_add_button_when_another_sorts_before_it() {
        let pane: Pane = (vec![panel("Kitchen", 2)], Vec::new());
        let mut h = Harness::new_ui_state(
            |ui, (found, outputs): &mut Pane| found_rows(ui, outputs, found),
            pane,
        );
        h.run();
        let before = h.get_by_label("Add Kitchen").accesskit_node().id();
        h.state_mut().0.insert(0, panel("Attic", 3));
        h.run();
        assert_eq!(h.get_by_label("Add Kitchen").accesskit_node().id(), before);
        h.get_by_label("Add Kitchen").click_accesskit();
        h.run();
        let added: Vec<&str> = h.state().1.iter().map(|o| o.url.as_str()).collect();
        assert_eq!(added, ["ddp://127.0.0.2"]);
    }

    fn status_of(state: State) -> Harness<'static, Board> {
        let url = "ddp://127.0.0.2".to_owned();
        let status = Status {
            state,
            fps: 0.0,
            sent: 0,
            dropped: 0,
        };
        let board = Board {
            statuses: vec![(url.clone(), Ok(status))],
            ..Board::default()
        };
        Harness::new_ui_state(move |ui, board| status_line(ui, &url, Some(board)), board)
    }

    /// A stopped output says what to do, and offers no test pattern its
    /// thread, gone, could never show.
    #[test]
    fn a_stopped_output_offers_no_test_pattern() {
        let running = status_of(State::Sending);
        running.get_by_label("Test pattern");
        let stopped = status_of(State::Stopped);
        assert!(stopped.query_by_label("Test pattern").is_none());
        stopped.get_by_label_contains("untick this panel and tick it again");
    }

    fn found_rows_of(found: Vec<Panel>, outputs: Vec<SavedOutput>) -> Harness<'static, Pane> {
        Harness::new_ui_state(
            |ui, (found, outputs): &mut Pane| found_rows(ui, outputs, found),
            (found, outputs),
        )
    }

    #[test]
    fn a_found_panel_the_system_finds_by_name_is_added_by_name() {
        let by_name = Panel {
            by_name: true,
            ..panel("Kitchen", 2)
        };
        let mut h = found_rows_of(vec![by_name, panel("Attic", 3)], Vec::new());
        h.get_by_label("Add Kitchen").click_accesskit();
        h.run();
        h.get_by_label("Add Attic").click_accesskit();
        h.run();
        let added: Vec<&str> = h.state().1.iter().map(|o| o.url.as_str()).collect();
        assert_eq!(added, ["ddp://kitchen.local", "ddp://127.0.0.3"]);
    }

    #[test]
    fn a_found_panel_listed_by_its_other_form_has_no_add_button() {
        let saved = |url: &str| SavedOutput {
            url: url.to_owned(),
            enabled: true,
        };
        let by_name = Panel {
            by_name: true,
            ..panel("Kitchen", 2)
        };
        let numbered = vec![saved("ddp://127.0.0.2?size=32x32")];
        let h = found_rows_of(vec![by_name], numbered);
        h.get_by_label_contains("in the list as ddp://127.0.0.2?size=32x32");
        assert!(h.query_by_label("Add Kitchen").is_none());
        let named = vec![saved("ddp://attic.local")];
        let h = found_rows_of(vec![panel("Attic", 3)], named);
        h.get_by_label_contains("in the list as ddp://attic.local");
        assert!(h.query_by_label("Add Attic").is_none());
    }

    #[test]
    fn a_second_address_of_a_listed_panel_is_refused_with_a_sentence() {
        let mut outputs = vec![SavedOutput {
            url: "ddp://127.0.0.2".into(),
            enabled: true,
        }];
        let err = add(&mut outputs, "ddp://127.0.0.2?brightness=40".into()).unwrap_err();
        assert!(
            err.contains("ddp://127.0.0.2 already drives this panel"),
            "{err}"
        );
        assert_eq!(outputs.len(), 1);
        add(&mut outputs, "ddp://127.0.0.3".into()).unwrap();
        assert_eq!(outputs.len(), 2, "another panel is added");
    }

    #[test]
    fn a_found_panel_already_listed_has_no_add_button() {
        let listed = SavedOutput {
            url: "ddp://127.0.0.2?size=32x32".into(),
            enabled: true,
        };
        let pane: Pane = (vec![panel("Kitchen", 2)], vec![listed]);
        let h = Harness::new_ui_state(
            |ui, (found, outputs): &mut Pane| found_rows(ui, outputs, found),
            pane,
        );
        h.get_by_label_contains("in the list as ddp://127.0.0.2?size=32x32");
        assert!(h.query_by_label("Add Kitchen").is_none());
    }

    #[test]
    fn a_key_pasted_for_an_address_is_wiped_not_repeated_in_the_error() {
        let mut h = Harness::new_ui_state(add_by_address, Vec::new());
        h.run();
        crate::ui::secret_field::pasted::key_into(&mut h, "Add a panel by address:");
        h.get_by_label(crate::credentials::secret_text::REFUSED);
        h.get_by_label("Add panel").click();
        h.run();
        assert!(h.state().is_empty(), "nothing is added");
    }

    #[test]
    fn an_e131_panel_too_large_for_a_wled_says_so_under_it() {
        let saved = |url: &str| SavedOutput {
            url: url.to_owned(),
            enabled: true,
        };
        let outputs = vec![
            saved("e131://127.0.0.1?universe=1"),
            saved("e131://127.0.0.2?universe=1&size=8x8"),
        ];
        let h = Harness::new_ui_state(|ui, outputs| super::saved(ui, outputs, None), outputs);
        h.get_by_label_contains("takes 25 universes");
        h.get_by_label_contains("use DDP: ddp://127.0.0.1");
        assert!(h.query_by_label_contains("ddp://127.0.0.2").is_none());
    }

    #[test]
    fn a_saved_panel_keeps_its_widgets_when_a_panel_above_is_removed() {
        let saved = |url: &str| SavedOutput {
            url: url.to_owned(),
            enabled: false,
        };
        let outputs = vec![saved("ddp://127.0.0.2"), saved("e131://127.0.0.3")];
        let mut h = Harness::new_ui_state(|ui, outputs| super::saved(ui, outputs, None), outputs);
        h.run();
        let before = h.get_by_label("e131://127.0.0.3").accesskit_node().id();
        h.get_by_label("Remove ddp://127.0.0.2").click_accesskit();
        h.run();
        assert_eq!(h.state().len(), 1);
        assert_eq!(
            h.get_by_label("e131://127.0.0.3").accesskit_node().id(),
            before
        );
        h.get_by_label("e131://127.0.0.3").click_accesskit();
        h.run();
        assert!(h.state()[0].enabled, "its tick box ticks it");
    }
}
