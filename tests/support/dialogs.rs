//! File dialogs that answer for the user, for window tests: a real dialog
//! would wait for a person (or, without a portal, never open). The test says
//! what the next dialog picks; a dialog with nothing to pick answers nothing
//! at once, which the window takes for a dialog that never opened.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use makapix_player::app::file_dialog::{DialogRequest, FileDialogs};

#[derive(Clone, Default)]
pub struct Dialogs {
    asked: Arc<Mutex<Vec<DialogRequest>>>,
    picks: Arc<Mutex<VecDeque<Vec<PathBuf>>>>,
}

impl Dialogs {
    /// Dialogs whose first one picks `paths`.
    pub fn picking(paths: Vec<PathBuf>) -> Self {
        let dialogs = Self::default();
        dialogs.will_pick(paths);
        dialogs
    }

    /// The next dialog picks (or, to save, names) `paths`.
    pub fn will_pick(&self, paths: Vec<PathBuf>) {
        self.picks.lock().unwrap().push_back(paths);
    }

    /// The next dialog picks or names one file.
    pub fn will_pick_one(&self, path: impl Into<PathBuf>) {
        self.will_pick(vec![path.into()]);
    }

    /// What the window asked for, in order.
    pub fn asked(&self) -> Vec<DialogRequest> {
        self.asked.lock().unwrap().clone()
    }

    /// For `StartOptions::file_dialogs`.
    pub fn file_dialogs(&self) -> FileDialogs {
        let this = self.clone();
        FileDialogs::new(move |request| {
            this.asked.lock().unwrap().push(request);
            let picked = this.picks.lock().unwrap().pop_front();
            Box::pin(async move { picked })
        })
    }
}
