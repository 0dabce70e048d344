//! "Where things live" kept true: the page must name every file under `src/` that is not
//! a test's, so that a file added without its line is caught when it is added, not found by
//! the next engineer who looks for it on the map and does not find it.

/// The heading of the map on ARCHITECTURE.md: a file named only elsewhere (the layers,
/// a walk through a command) is not on it.
const MAP_HEADING: &str = "## Where things live";

/// The map: ARCHITECTURE.md from its heading to the next, or nothing without one.
pub(super) fn map_of(page: &str) -> &str {
    let Some((_, map)) = page.split_once(MAP_HEADING) else {
        return "";
    };
    map.find("\n## ").map_or(map, |end| &map[..end])
}

/// Whether `page` names the file at `path` (relative to `src/`, with `/`): by its whole
/// path (`src/a/b.rs`), or on one line that names one of its folders or its parent module
/// (`src/a/`, `` `a/ ``, `src/a.rs`) and the file by the rest of its path (`b.rs`, `a/b.rs`).
/// A folder's `mod.rs` is named with its folder (`` `a/` ``).
pub(super) fn names(page: &str, path: &str) -> bool {
    if page.contains(&format!("src/{path}")) {
        return true;
    }
    let parts: Vec<&str> = path.split('/').collect();
    let folders: Vec<String> = (1..parts.len()).map(|n| parts[..n].join("/")).collect();
    let places: Vec<String> = folders
        .iter()
        .flat_map(|f| [format!("`{f}/"), format!("src/{f}/"), format!("src/{f}.rs")])
        .collect();
    let rests: Vec<String> = if parts.last() == Some(&"mod.rs") {
        let folder = &parts[..parts.len() - 1];
        if page.contains(&format!("src/{}/", folder.join("/"))) {
            return true;
        }
        (0..folder.len())
            .map(|i| format!("{}/", folder[i..].join("/")))
            .collect()
    } else {
        (0..parts.len()).map(|i| parts[i..].join("/")).collect()
    };
    page.lines().any(|line| {
        places.iter().any(|p| line.contains(p.as_str()))
            && rests.iter().any(|rest| has_word(line, rest))
    })
}

/// Whether `word` stands in `line` on its own: `app.rs` is not in `eframe_app.rs`, and
/// `render.rs` is not in `frame_store/render.rs`, a file of another folder.
fn has_word(line: &str, word: &str) -> bool {
    let part_of_a_name = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    line.match_indices(word).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        !part_of_a_name(before)
            && before != Some('/')
            && !part_of_a_name(line[at + word.len()..].chars().next())
    })
}

#[test]
fn a_file_is_named_by_its_path_or_beside_its_folder() {
    let page = "| `src/address.rs` | … |\n\
                | `src/ui/` | `app.rs` (…), `preview_tiles.rs` |\n\
                | `net/` | the runtime: `views/` (`delivery.rs`), `https/load.rs` |\n\
                | `src/settings.rs` (+ `settings/load.rs`) | … |\n\
                | `src/media/` | … |\n";
    for named in [
        "address.rs",
        "ui/app.rs",
        "ui/preview_tiles.rs",
        "net/views/delivery.rs",
        "net/views/mod.rs",
        "settings/load.rs",
        "media/mod.rs",
    ] {
        assert!(names(page, named), "{named} is named");
    }
    for unnamed in [
        "ui/eframe_app.rs",
        "ui/preview.rs",
        "net/views/sink.rs",
        "settings/saver.rs",
        "media/decode.rs",
        // Named, but beside another folder only.
        "player/app.rs",
        "lib.rs",
        // Beside its folder, but in a sub-folder of it.
        "net/load.rs",
    ] {
        assert!(!names(page, unnamed), "{unnamed} is not named");
    }
    let page = "## How\n`src/ui/app.rs` on a walk\n## Where things live\n| `src/a.rs` |\n## Next\n";
    assert!(names(map_of(page), "a.rs"));
    for unnamed in ["ui/app.rs", "lib.rs"] {
        assert!(!names(map_of(page), unnamed), "{unnamed} is not on the map");
    }
}
