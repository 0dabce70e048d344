//! File dialogs that answer for the user, for window tests: a real dialog
//! would wait for a person (or, without a portal, never open).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use makapix_player::app::file_dialog::{OpenDialogs, OpenRequest};

/// What the window asked the dialogs for, in order.
pub type Asked = Arc<Mutex<Vec<OpenRequest>>>;

/// Dialogs that record each request and answer it at once with `answer`
/// (`None`: nothing, which the window takes for a dialog that never opened).
pub fn answering(answer: Option<Vec<PathBuf>>) -> (OpenDialogs, Asked) {
    let asked = Asked::default();
    let log = Arc::clone(&asked);
    let dialogs = OpenDialogs::new(move |request| {
        log.lock().unwrap().push(request);
        let answer = answer.clone();
        Box::pin(async move { answer })
    });
    (dialogs, asked)
}

/// The requests made so far.
pub fn requests(asked: &Asked) -> Vec<OpenRequest> {
    asked.lock().unwrap().clone()
}
