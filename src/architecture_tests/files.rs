//! The files under `src/`, each with its layer, and what each imports against the rules.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::rules::*;
use super::source::*;
use super::*;

// ---------------------------------------------------------------------------------------------
// The files
// ---------------------------------------------------------------------------------------------

pub(super) struct SourceFile {
    /// Relative to `src/`, with `/`.
    pub(super) path: String,
    /// The top-level module it belongs to (`main` for `main.rs`).
    pub(super) layer: String,
    /// Built only for tests: `tests.rs`, `*_tests.rs`, anything under a `tests/` folder.
    pub(super) test_file: bool,
    pub(super) text: String,
}

pub(super) fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The modules `lib.rs` declares (`pub mod ui;`, `#[cfg(test)] mod architecture_tests;`).
pub(super) fn declared_modules(lib: &str) -> BTreeSet<String> {
    blank_literals(lib)
        .lines()
        .filter_map(|line| {
            let line = line.trim();
            let line = line.strip_prefix("pub(crate) ").unwrap_or(line);
            let line = line.strip_prefix("pub ").unwrap_or(line);
            line.strip_prefix("mod ")?
                .strip_suffix(';')
                .map(str::to_string)
        })
        .collect()
}

/// Every file under `src/` with its layer; files belonging to no declared module are errors.
pub(super) fn source_files(
    modules: &BTreeSet<String>,
    errors: &mut Vec<String>,
) -> Vec<SourceFile> {
    let src = root().join("src");
    let mut paths = Vec::new();
    rust_files(&src, &mut paths);
    let mut files = Vec::new();
    for path in paths {
        let relative = path
            .strip_prefix(&src)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        if relative == "lib.rs" {
            continue;
        }
        let first = relative.split('/').next().unwrap_or_default();
        let stem = first.strip_suffix(".rs").unwrap_or(first);
        let file_name = relative.rsplit('/').next().unwrap_or_default();
        let test_file = file_name == "tests.rs"
            || file_name.ends_with("_tests.rs")
            || relative.split('/').any(|part| part == "tests");
        let layer = if stem == "main" || modules.contains(stem) {
            stem.to_string()
        } else if let Some(owner) = stem
            .strip_suffix("_tests")
            .filter(|owner| modules.contains(*owner))
        {
            owner.to_string()
        } else {
            errors.push(format!(
                "src/{relative} belongs to no module that src/lib.rs declares; declare it there \
                 and give it a line in ARCHITECTURE.md's ```layers block"
            ));
            continue;
        };
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        files.push(SourceFile {
            path: relative,
            layer,
            test_file,
            text: blank_literals(&text),
        });
    }
    files
}

pub(super) fn import_errors(
    rules: &Rules,
    modules: &BTreeSet<String>,
    file: &SourceFile,
) -> Vec<String> {
    let mut errors = Vec::new();
    if file.layer == THIS_MODULE {
        return errors;
    }
    let tests = test_only_ranges(&file.text);
    let in_tests = |at: usize| file.test_file || tests.iter().any(|&(a, b)| a <= at && at < b);
    let prefix = if file.layer == "main" {
        "makapix_player"
    } else {
        "crate"
    };
    let rule = |layer: &str| {
        rules
            .layers
            .get(layer)
            .map_or(String::new(), |a| format!("line {} (`{}`)", a.line, a.text))
    };
    for (at, path) in paths_under(&file.text, prefix) {
        let target = &path[0];
        // Items of lib.rs itself (`VERSION`) are for everyone; a layer's own paths are free.
        if target == &file.layer || !modules.contains(target) {
            continue;
        }
        if !rules.allows(&file.layer, &path, in_tests(at)) {
            errors.push(format!(
                "src/{}:{}: `{}` imports `{prefix}::{}`, which ARCHITECTURE.md's rule {} does not \
                 allow{}: change the design, or the rule and the page together",
                file.path,
                line_of(&file.text, at),
                file.layer,
                path.join("::"),
                rule(&file.layer),
                if in_tests(at) {
                    " (not even in tests)"
                } else {
                    ""
                },
            ));
        }
    }
    for (name, (layers, line)) in &rules.externs {
        if layers.contains(&file.layer) {
            continue;
        }
        for at in external_crates_named(&file.text, name) {
            errors.push(format!(
                "src/{}:{}: `{}` uses the `{name}` crate, which ARCHITECTURE.md line {line} \
                 keeps to {}",
                file.path,
                line_of(&file.text, at),
                file.layer,
                layers.iter().cloned().collect::<Vec<_>>().join(", "),
            ));
        }
    }
    errors
}
