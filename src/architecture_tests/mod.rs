//! ARCHITECTURE.md's rules checked against the code, so the page and the code cannot drift:
//! every `crate::…` path (in `use` lines and in code) of each top-level module under `src/`
//! is held against the `layers` block of "Who may import whom", and every function in `src/`
//! against the 80-line limit of the project's standards.
//!
//! The source is read as text: comments, strings and character literals are blanked first
//! (newlines kept, so line numbers stay true), then paths are picked out. That is enough for
//! rustfmt-formatted code and needs no parser crate.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;

mod files;
mod map;
mod rules;
mod source;

use files::*;
use rules::*;
use source::*;

/// The longest function the standards allow, in lines from `fn` to its closing brace.
pub(super) const MAX_FUNCTION_LINES: usize = 80;

/// Functions over the limit that someone is splitting right now (file, function name).
/// Keep it empty: a function that grows past the limit is split, not listed here.
const LONG_FUNCTIONS_BEING_SPLIT: &[(&str, &str)] = &[];

/// The longest file the standards allow, in lines.
pub(super) const MAX_FILE_LINES: usize = 600;

/// This file's own module: its strings talk about paths, it imports nothing.
pub(super) const THIS_MODULE: &str = "architecture_tests";

pub(super) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn architecture_md() -> String {
    std::fs::read_to_string(root().join("ARCHITECTURE.md"))
        .unwrap_or_else(|e| panic!("cannot read ARCHITECTURE.md: {e}"))
}

fn read_rules() -> Rules {
    Rules::from_architecture_md(&architecture_md()).unwrap_or_else(|why| panic!("{why}"))
}

/// The modules `src/lib.rs` declares.
fn lib_modules() -> BTreeSet<String> {
    let lib = std::fs::read_to_string(root().join("src/lib.rs")).expect("src/lib.rs is readable");
    declared_modules(&lib)
}

#[test]
fn every_import_follows_architecture_md() {
    let rules = read_rules();
    let modules = lib_modules();
    let mut errors = Vec::new();
    for module in modules.iter().chain(["main".to_string()].iter()) {
        if module != THIS_MODULE && !rules.layers.contains_key(module) {
            errors.push(format!(
                "module `{module}` has no line in ARCHITECTURE.md's ```layers block (\"Who may \
                 import whom\"); add `{module}: <the modules it may import>` there and a row \
                 for it in \"Where things live\""
            ));
        }
    }
    for file in source_files(&modules, &mut errors) {
        errors.extend(import_errors(&rules, &modules, &file));
    }
    let mut report = String::new();
    for error in &errors {
        let _ = writeln!(report, "{error}");
    }
    assert!(
        errors.is_empty(),
        "{} broken layer rules:\n{report}",
        errors.len()
    );
}

#[test]
fn every_file_but_the_tests_is_on_the_map() {
    let page = architecture_md();
    let mut errors = Vec::new();
    let files = source_files(&lib_modules(), &mut errors);
    let unnamed: Vec<String> = files
        .iter()
        .filter(|file| !file.test_file && !map::names(map::map_of(&page), &file.path))
        .map(|file| {
            format!(
                "src/{} is not on ARCHITECTURE.md's map: name it in \"Where things live\", \
                 in its folder's row, with what it does",
                file.path
            )
        })
        .collect();
    assert!(unnamed.is_empty(), "{}", unnamed.join("\n"));
}

#[test]
fn no_file_is_longer_than_600_lines() {
    let mut paths = Vec::new();
    for dir in ["src", "tests", "benches", "examples"] {
        rust_files(&root().join(dir), &mut paths);
    }
    let errors: Vec<String> = paths
        .iter()
        .filter_map(|path| {
            let source = std::fs::read_to_string(path).expect("a source file is readable");
            let lines = source.lines().count();
            let relative = path.strip_prefix(root()).unwrap_or(path).display();
            (lines > MAX_FILE_LINES).then(|| {
                format!(
                    "{relative} is {lines} lines long; the standards allow {MAX_FILE_LINES}: \
                     split it by responsibility"
                )
            })
        })
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn no_function_is_longer_than_80_lines() {
    let mut errors = Vec::new();
    let mut seen_exceptions = BTreeSet::new();
    let mut paths = Vec::new();
    rust_files(&root().join("src"), &mut paths);
    for path in paths {
        let relative = path
            .strip_prefix(root().join("src"))
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        let source = std::fs::read_to_string(&path).expect("a source file is readable");
        for (name, line, length) in long_functions(&blank_literals(&source)) {
            if LONG_FUNCTIONS_BEING_SPLIT.contains(&(relative.as_str(), name.as_str())) {
                seen_exceptions.insert((relative.clone(), name));
                continue;
            }
            errors.push(format!(
                "src/{relative}:{line}: `{name}` is {length} lines long; the standards allow \
                 {MAX_FUNCTION_LINES}: split it by what its parts do"
            ));
        }
    }
    for (file, name) in LONG_FUNCTIONS_BEING_SPLIT {
        if !seen_exceptions.contains(&(file.to_string(), name.to_string())) {
            errors.push(format!(
                "src/{file}: `{name}` fits in {MAX_FUNCTION_LINES} lines now (or is gone): take \
                 it off LONG_FUNCTIONS_BEING_SPLIT in src/architecture_tests/mod.rs"
            ));
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

/// Every function body over the limit: (name, first line, length in lines).
fn long_functions(text: &str) -> Vec<(String, usize, usize)> {
    let bytes = text.as_bytes();
    let mut long = Vec::new();
    for (at, _) in text.match_indices("fn ") {
        if text[..at].chars().next_back().is_some_and(is_ident) {
            continue;
        }
        let mut cursor = Cursor {
            text: bytes,
            at: at + 3,
        };
        let Some(name) = cursor.ident() else {
            continue;
        };
        let Some(open) = body_start(bytes, cursor.at) else {
            continue;
        };
        let first = line_of(text, at);
        let last = line_of(text, item_end(bytes, open) - 1);
        if last - first + 1 > MAX_FUNCTION_LINES {
            long.push((name, first, last - first + 1));
        }
    }
    long
}

#[test]
fn the_reader_understands_use_trees_comments_and_literals() {
    let text = blank_literals(
        "use crate::{a::{b, c}, d};\n// crate::e\nlet s = \"crate::f\"; let c = '}';\n\
         fn g<'a>(x: &'a str) { crate::h::i(x) }\n",
    );
    let paths: Vec<String> = paths_under(&text, "crate")
        .into_iter()
        .map(|(_, p)| p.join("::"))
        .collect();
    assert_eq!(paths, ["a::b", "a::c", "d", "h::i"]);
    let ranges = test_only_ranges("x\n#[cfg(test)]\nmod tests { use y; }\nz");
    assert_eq!(ranges, [(2, 35)]);
}

#[test]
fn a_forbidden_import_is_named_with_file_line_and_rule() {
    let rules = Rules::from_architecture_md(
        "```layers\nprotocol: none\nsession: protocol | tests: samples\n* : address\n```\n",
    )
    .expect("the sample rules parse");
    let modules: BTreeSet<String> = ["protocol", "session", "samples", "address", "ui"]
        .map(String::from)
        .into();
    let file = SourceFile {
        path: "session/x.rs".into(),
        layer: "session".into(),
        test_file: false,
        text: blank_literals(
            "use crate::protocol::A;\nuse crate::address::B;\nuse crate::ui::C;\n\
             #[cfg(test)]\nmod tests { use crate::samples::D; }\n",
        ),
    };
    let errors = import_errors(&rules, &modules, &file);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("src/session/x.rs:3: `session` imports `crate::ui::C`"),
        "{}",
        errors[0]
    );
    assert!(
        errors[0].contains("rule line 3 (`session: protocol | tests: samples`)"),
        "{}",
        errors[0]
    );
    let strict = SourceFile {
        path: "protocol/x.rs".into(),
        layer: "protocol".into(),
        test_file: false,
        text: "use crate::address::B;\n".into(),
    };
    assert_eq!(import_errors(&rules, &modules, &strict).len(), 1);
}
