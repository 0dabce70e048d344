//! No text a user meets is built from a `Debug` name (`NotRegistered`,
//! `HttpsOnly`): in the window's code, `{:?}` may only feed the program's log
//! (the `tracing` macros) or a test's assertion. A word for the user is written
//! out where it is shown.

use std::path::Path;

/// The macros whose output no user reads.
const LOG_ONLY: [&str; 5] = ["trace", "debug", "info", "warn", "error"];

/// The macro a position in `code` sits in: the identifier before the nearest `!(` to its left.
fn enclosing_macro(code: &str, at: usize) -> &str {
    let Some(bang) = code[..at].rfind("!(") else {
        return "";
    };
    let before = &code[..bang];
    let start = before
        .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    &before[start..]
}

/// Each `{:?}` / `{name:?}` in `code` outside a log macro, as (line, text).
fn debug_formats(code: &str) -> Vec<(usize, String)> {
    // Unit tests at the end of a file assert with `{:?}` freely.
    let code = code.split("#[cfg(test)]").next().unwrap_or_default();
    let mut found = Vec::new();
    for (at, _) in code.match_indices(":?}") {
        if !LOG_ONLY.contains(&enclosing_macro(code, at)) {
            let line = code[..at].lines().count();
            let text = code
                .lines()
                .nth(line - 1)
                .unwrap_or_default()
                .trim()
                .to_owned();
            found.push((line, text));
        }
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ui is there").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs")
            // A module's tests kept beside it (`#[path = "…_tests.rs"] mod tests;`).
            && !path.to_string_lossy().ends_with("_tests.rs")
        {
            out.push(path);
        }
    }
}

#[test]
fn the_rule_finds_a_debug_name_in_a_label_and_spares_the_log() {
    let label = r#"ui.label(RichText::new(format!("{:?}{over}", view.state)).strong());"#;
    assert_eq!(debug_formats(label).len(), 1);
    let log = r#"tracing::debug!("{request:?} waits for a frame");"#;
    assert!(debug_formats(log).is_empty());
    let test = "#[cfg(test)]\nmod tests { fn t() { assert!(x, \"{x:?}\"); } }";
    assert!(debug_formats(test).is_empty());
}

#[test]
fn no_label_in_the_window_is_built_from_a_debug_name() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui"),
        &mut files,
    );
    assert!(files.len() > 10, "the window's files: {files:?}");
    let mut offenders = Vec::new();
    for file in files {
        let code = std::fs::read_to_string(&file).expect("readable source");
        for (line, text) in debug_formats(&code) {
            offenders.push(format!("{}:{line}: {text}", file.display()));
        }
    }
    assert!(
        offenders.is_empty(),
        "text built from Debug names (write the words out):\n{}",
        offenders.join("\n")
    );
}
