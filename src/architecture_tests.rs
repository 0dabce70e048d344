//! ARCHITECTURE.md's rules checked against the code, so the page and the code cannot drift:
//! every `crate::…` path (in `use` lines and in code) of each top-level module under `src/`
//! is held against the `layers` block of "Who may import whom", and every function in `src/`
//! against the 80-line limit of the project's standards.
//!
//! The source is read as text: comments, strings and character literals are blanked first
//! (newlines kept, so line numbers stay true), then paths are picked out. That is enough for
//! rustfmt-formatted code and needs no parser crate.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The longest function the standards allow, in lines from `fn` to its closing brace.
const MAX_FUNCTION_LINES: usize = 80;

/// Functions over the limit that someone is splitting right now (file, function name).
/// Keep it empty: a function that grows past the limit is split, not listed here.
const LONG_FUNCTIONS_BEING_SPLIT: &[(&str, &str)] = &[];

/// This file's own module: its strings talk about paths, it imports nothing.
const THIS_MODULE: &str = "architecture_tests";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

// ---------------------------------------------------------------------------------------------
// The rules, read from ARCHITECTURE.md
// ---------------------------------------------------------------------------------------------

/// What one layer may import.
#[derive(Debug, Default)]
struct Allowed {
    /// In its shipped code: a module (`bridge`) or one item of it (`logging::clip`).
    code: BTreeSet<String>,
    /// In its tests (and code built only for tests or the `dev` feature), besides `code`.
    tests: BTreeSet<String>,
    /// `none`: not even what the `*` line grants every layer.
    strict: bool,
    /// The rule's line in ARCHITECTURE.md and its text, quoted in failures.
    line: usize,
    text: String,
}

#[derive(Debug, Default)]
struct Rules {
    layers: BTreeMap<String, Allowed>,
    /// The `*` line: what every layer (but a `none` one) may import.
    everyone: BTreeSet<String>,
    /// `extern egui: ui, main`: the only layers that may name that crate.
    externs: BTreeMap<String, (BTreeSet<String>, usize)>,
}

impl Rules {
    fn from_architecture_md(text: &str) -> Result<Rules, String> {
        let mut lines = text.lines().enumerate();
        let start = lines.find(|(_, l)| l.trim() == "```layers").ok_or(
            "ARCHITECTURE.md has no ```layers block under \"Who may import whom\"; \
             the import rules are read from it",
        )?;
        let mut rules = Rules::default();
        let mut closed = false;
        for (index, raw) in lines {
            let number = index + 1;
            if raw.trim() == "```" {
                closed = true;
                break;
            }
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            rules
                .add_line(line, number)
                .map_err(|why| format!("ARCHITECTURE.md line {number}: {why}"))?;
        }
        if !closed {
            return Err(format!(
                "ARCHITECTURE.md: the ```layers block opened on line {} is never closed",
                start.0 + 1
            ));
        }
        Ok(rules)
    }

    fn add_line(&mut self, line: &str, number: usize) -> Result<(), String> {
        let (left, right) = line
            .split_once(':')
            .ok_or("a rule reads `layer: what it may import | tests: what its tests add`")?;
        let left = left.trim();
        if let Some(crates) = left.strip_prefix("extern ") {
            for name in list(crates) {
                self.externs.insert(name, (list(right).collect(), number));
            }
            return Ok(());
        }
        let (code, tests) = match right.split_once('|') {
            Some((code, tests)) => {
                let tests = tests.trim().strip_prefix("tests:").ok_or(
                    "after `|` comes `tests:` and what the layer's tests may import as well",
                )?;
                (code, tests)
            }
            None => (right, ""),
        };
        if left == "*" {
            self.everyone.extend(list(code));
            return Ok(());
        }
        let mut allowed = Allowed {
            line: number,
            text: line.split_whitespace().collect::<Vec<_>>().join(" "),
            ..Allowed::default()
        };
        for item in list(code) {
            if item == "none" {
                allowed.strict = true;
            } else {
                allowed.code.insert(item);
            }
        }
        allowed.tests = list(tests).collect();
        if self.layers.insert(left.to_string(), allowed).is_some() {
            return Err(format!("`{left}` has two lines"));
        }
        Ok(())
    }

    /// Whether `layer` may name `path` (its segments after `crate::`).
    fn allows(&self, layer: &str, path: &[String], in_tests: bool) -> bool {
        let Some(allowed) = self.layers.get(layer) else {
            return false;
        };
        let matches = |set: &BTreeSet<String>| {
            set.contains(&path[0])
                || (path.len() > 1 && set.contains(&format!("{}::{}", path[0], path[1])))
        };
        matches(&allowed.code)
            || (in_tests && matches(&allowed.tests))
            || (!allowed.strict && matches(&self.everyone))
    }
}

fn list(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

// ---------------------------------------------------------------------------------------------
// The source, with comments and literals blanked
// ---------------------------------------------------------------------------------------------

/// `src` with comments, strings and character literals replaced by spaces, newlines kept.
fn blank_literals(src: &str) -> String {
    let bytes = src.as_bytes();
    let mut out = bytes.to_vec();
    let mut i = 0;
    let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
        for b in &mut out[from..to.min(bytes.len())] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    };
    while i < bytes.len() {
        let rest = &bytes[i..];
        let after_word = i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        let end = if rest.starts_with(b"//") {
            find(bytes, i, b"\n").unwrap_or(bytes.len())
        } else if rest.starts_with(b"/*") {
            block_comment_end(bytes, i)
        } else if let Some(hashes) = raw_string_start(rest).filter(|_| !after_word) {
            let open = rest.iter().position(|&b| b == b'"').unwrap_or(0) + 1;
            let mut close = vec![b'"'];
            close.extend(std::iter::repeat_n(b'#', hashes));
            find(bytes, i + open, &close).map_or(bytes.len(), |at| at + close.len())
        } else if rest[0] == b'"' {
            string_end(bytes, i + 1)
        } else if rest[0] == b'\'' {
            char_literal_len(rest).map_or(i, |len| i + len)
        } else {
            i
        };
        if end > i {
            blank(&mut out, i, end);
            i = end;
        } else {
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes[from.min(bytes.len())..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|at| at + from)
}

fn block_comment_end(bytes: &[u8], start: usize) -> usize {
    let mut depth = 0;
    let mut i = start;
    while i + 1 < bytes.len() {
        if bytes[i..].starts_with(b"/*") {
            depth += 1;
            i += 2;
        } else if bytes[i..].starts_with(b"*/") {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    bytes.len()
}

/// `r"`, `r#"`, `br##"`…: the number of `#`s.
fn raw_string_start(rest: &[u8]) -> Option<usize> {
    let rest = rest.strip_prefix(b"b").unwrap_or(rest);
    let rest = rest.strip_prefix(b"r")?;
    let hashes = rest.iter().take_while(|&&b| b == b'#').count();
    (rest.get(hashes) == Some(&b'"')).then_some(hashes)
}

fn string_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// `'a'`, `'\n'`, `'\u{1F600}'`, `'é'`; `None` for a lifetime such as `'a`.
fn char_literal_len(rest: &[u8]) -> Option<usize> {
    if rest.get(1) == Some(&b'\\') {
        return rest.iter().skip(2).position(|&b| b == b'\'').map(|p| p + 3);
    }
    let text = std::str::from_utf8(&rest[1..rest.len().min(6)])
        .unwrap_or_else(|e| std::str::from_utf8(&rest[1..1 + e.valid_up_to()]).unwrap_or_default());
    let ch = text.chars().next()?;
    let after = 1 + ch.len_utf8();
    (rest.get(after) == Some(&b'\'')).then_some(after + 1)
}

fn line_of(text: &str, at: usize) -> usize {
    text[..at].bytes().filter(|&b| b == b'\n').count() + 1
}

/// The byte just past the item starting at `from`: its body's closing `}` or its `;`.
fn item_end(text: &[u8], from: usize) -> usize {
    let mut depth = 0usize;
    for (i, &b) in text.iter().enumerate().skip(from) {
        match b {
            b'{' | b'(' | b'[' => depth += 1,
            b')' | b']' => depth = depth.saturating_sub(1),
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            b';' if depth == 0 => return i + 1,
            _ => {}
        }
    }
    text.len()
}

/// Where the body of the item starting at `from` opens, if it has one (not `fn f();`).
fn body_start(text: &[u8], from: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, &b) in text.iter().enumerate().skip(from) {
        match b {
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth = depth.saturating_sub(1),
            b'{' if depth == 0 => return Some(i),
            b';' if depth == 0 => return None,
            _ => {}
        }
    }
    None
}

/// The byte ranges built only for tests (or the `dev` feature): items under such a `cfg`.
fn test_only_ranges(text: &str) -> Vec<(usize, usize)> {
    let mut ranges = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find("#[cfg(").map(|at| at + from) {
        let close = item_end_of_attribute(text.as_bytes(), at);
        let attribute = &text[at..close];
        let test_only = !attribute.contains("not(")
            && (has_word(attribute, "test") || attribute.contains("feature = \"dev\""));
        if test_only {
            ranges.push((at, item_end(text.as_bytes(), close)));
        }
        from = close;
    }
    ranges
}

fn item_end_of_attribute(text: &[u8], at: usize) -> usize {
    let mut depth = 0usize;
    for (i, &b) in text.iter().enumerate().skip(at + 1) {
        match b {
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
    }
    text.len()
}

fn has_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

// ---------------------------------------------------------------------------------------------
// Paths named in the code
// ---------------------------------------------------------------------------------------------

/// Every path under `prefix` (`crate` or the library's name) named at byte offsets, as its
/// first two segments: `use crate::{a::{b, c}, d}` gives `a::b`, `a::c` and `d`.
fn paths_under(text: &str, prefix: &str) -> Vec<(usize, Vec<String>)> {
    let needle = format!("{prefix}::");
    let mut found = Vec::new();
    for (at, _) in text.match_indices(&needle) {
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| is_ident(c) || c == '$' || c == ':') {
            continue;
        }
        let mut cursor = Cursor {
            text: text.as_bytes(),
            at: at + needle.len(),
        };
        for path in cursor.tree() {
            if !path.is_empty() {
                found.push((at, path));
            }
        }
    }
    found
}

struct Cursor<'a> {
    text: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn skip_space(&mut self) {
        while self.text.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }

    fn ident(&mut self) -> Option<String> {
        self.skip_space();
        let start = self.at;
        while self
            .text
            .get(self.at)
            .is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_')
        {
            self.at += 1;
        }
        (self.at > start).then(|| String::from_utf8_lossy(&self.text[start..self.at]).into())
    }

    fn eat(&mut self, token: &[u8]) -> bool {
        self.skip_space();
        let found = self.text[self.at.min(self.text.len())..].starts_with(token);
        if found {
            self.at += token.len();
        }
        found
    }

    /// A use tree (or a plain path), each of its leaves as its first two segments.
    fn tree(&mut self) -> Vec<Vec<String>> {
        if self.eat(b"{") {
            let mut paths = Vec::new();
            loop {
                if self.eat(b"}") {
                    return paths;
                }
                let before = self.at;
                paths.extend(self.tree());
                if !self.eat(b",") && self.at == before {
                    return paths;
                }
            }
        }
        let Some(first) = self.ident() else {
            return vec![Vec::new()];
        };
        if first == "self" {
            return vec![Vec::new()];
        }
        if !self.eat(b"::") {
            return vec![vec![first]];
        }
        self.skip_space();
        let rest = self.tree();
        rest.into_iter()
            .map(|tail| {
                let mut path = vec![first.clone()];
                path.extend(tail.into_iter().take(1));
                path
            })
            .collect()
    }
}

fn external_crates_named(text: &str, name: &str) -> Vec<usize> {
    let needle = format!("{name}::");
    text.match_indices(&needle)
        .filter(|(at, _)| {
            let before = text[..*at].chars().next_back();
            !before.is_some_and(|c| is_ident(c) || c == ':' || c == '$')
        })
        .map(|(at, _)| at)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The files
// ---------------------------------------------------------------------------------------------

struct SourceFile {
    /// Relative to `src/`, with `/`.
    path: String,
    /// The top-level module it belongs to (`main` for `main.rs`).
    layer: String,
    /// Built only for tests: `tests.rs`, `*_tests.rs`, anything under a `tests/` folder.
    test_file: bool,
    text: String,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
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
fn declared_modules(lib: &str) -> BTreeSet<String> {
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
fn source_files(modules: &BTreeSet<String>, errors: &mut Vec<String>) -> Vec<SourceFile> {
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

fn import_errors(rules: &Rules, modules: &BTreeSet<String>, file: &SourceFile) -> Vec<String> {
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

fn read_rules() -> Rules {
    let page = std::fs::read_to_string(root().join("ARCHITECTURE.md"))
        .unwrap_or_else(|e| panic!("cannot read ARCHITECTURE.md: {e}"));
    Rules::from_architecture_md(&page).unwrap_or_else(|why| panic!("{why}"))
}

#[test]
fn every_import_follows_architecture_md() {
    let rules = read_rules();
    let lib = std::fs::read_to_string(root().join("src/lib.rs")).expect("src/lib.rs is readable");
    let modules = declared_modules(&lib);
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
                 it off LONG_FUNCTIONS_BEING_SPLIT in src/architecture_tests.rs"
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
