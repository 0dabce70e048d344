//! The `layers` block of ARCHITECTURE.md, read into rules.

use std::collections::{BTreeMap, BTreeSet};

// ---------------------------------------------------------------------------------------------
// The rules, read from ARCHITECTURE.md
// ---------------------------------------------------------------------------------------------

/// What one layer may import.
#[derive(Debug, Default)]
pub(super) struct Allowed {
    /// In its shipped code: a module (`bridge`) or one item of it (`logging::clip`).
    pub(super) code: BTreeSet<String>,
    /// In its tests (and code built only for tests or the `dev` feature), besides `code`.
    pub(super) tests: BTreeSet<String>,
    /// `none`: not even what the `*` line grants every layer.
    pub(super) strict: bool,
    /// The rule's line in ARCHITECTURE.md and its text, quoted in failures.
    pub(super) line: usize,
    pub(super) text: String,
}

#[derive(Debug, Default)]
pub(super) struct Rules {
    pub(super) layers: BTreeMap<String, Allowed>,
    /// The `*` line: what every layer (but a `none` one) may import.
    pub(super) everyone: BTreeSet<String>,
    /// `extern egui: ui, main`: the only layers that may name that crate.
    pub(super) externs: BTreeMap<String, (BTreeSet<String>, usize)>,
}

impl Rules {
    pub(super) fn from_architecture_md(text: &str) -> Result<Rules, String> {
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

    pub(super) fn add_line(&mut self, line: &str, number: usize) -> Result<(), String> {
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
    pub(super) fn allows(&self, layer: &str, path: &[String], in_tests: bool) -> bool {
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

pub(super) fn list(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}
