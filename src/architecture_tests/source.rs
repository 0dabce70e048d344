//! Rust source read as text: comments and literals blanked, `crate::` paths and
//! function bodies found.

// ---------------------------------------------------------------------------------------------
// The source, with comments and literals blanked
// ---------------------------------------------------------------------------------------------

/// `src` with comments, strings and character literals replaced by spaces, newlines kept.
pub(super) fn blank_literals(src: &str) -> String {
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

pub(super) fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes[from.min(bytes.len())..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|at| at + from)
}

pub(super) fn block_comment_end(bytes: &[u8], start: usize) -> usize {
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
pub(super) fn raw_string_start(rest: &[u8]) -> Option<usize> {
    let rest = rest.strip_prefix(b"b").unwrap_or(rest);
    let rest = rest.strip_prefix(b"r")?;
    let hashes = rest.iter().take_while(|&&b| b == b'#').count();
    (rest.get(hashes) == Some(&b'"')).then_some(hashes)
}

pub(super) fn string_end(bytes: &[u8], mut i: usize) -> usize {
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
pub(super) fn char_literal_len(rest: &[u8]) -> Option<usize> {
    if rest.get(1) == Some(&b'\\') {
        return rest.iter().skip(2).position(|&b| b == b'\'').map(|p| p + 3);
    }
    let text = std::str::from_utf8(&rest[1..rest.len().min(6)])
        .unwrap_or_else(|e| std::str::from_utf8(&rest[1..1 + e.valid_up_to()]).unwrap_or_default());
    let ch = text.chars().next()?;
    let after = 1 + ch.len_utf8();
    (rest.get(after) == Some(&b'\'')).then_some(after + 1)
}

pub(super) fn line_of(text: &str, at: usize) -> usize {
    text[..at].bytes().filter(|&b| b == b'\n').count() + 1
}

/// The byte just past the item starting at `from`: its body's closing `}` or its `;`.
pub(super) fn item_end(text: &[u8], from: usize) -> usize {
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
pub(super) fn body_start(text: &[u8], from: usize) -> Option<usize> {
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
pub(super) fn test_only_ranges(text: &str) -> Vec<(usize, usize)> {
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

pub(super) fn item_end_of_attribute(text: &[u8], at: usize) -> usize {
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

pub(super) fn has_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

pub(super) fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

// ---------------------------------------------------------------------------------------------
// Paths named in the code
// ---------------------------------------------------------------------------------------------

/// Every path under `prefix` (`crate` or the library's name) named at byte offsets, as its
/// first two segments: `use crate::{a::{b, c}, d}` gives `a::b`, `a::c` and `d`.
pub(super) fn paths_under(text: &str, prefix: &str) -> Vec<(usize, Vec<String>)> {
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

pub(super) struct Cursor<'a> {
    pub(super) text: &'a [u8],
    pub(super) at: usize,
}

impl Cursor<'_> {
    pub(super) fn skip_space(&mut self) {
        while self.text.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }

    pub(super) fn ident(&mut self) -> Option<String> {
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

    pub(super) fn eat(&mut self, token: &[u8]) -> bool {
        self.skip_space();
        let found = self.text[self.at.min(self.text.len())..].starts_with(token);
        if found {
            self.at += token.len();
        }
        found
    }

    /// A use tree (or a plain path), each of its leaves as its first two segments.
    pub(super) fn tree(&mut self) -> Vec<Vec<String>> {
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

pub(super) fn external_crates_named(text: &str, name: &str) -> Vec<usize> {
    let needle = format!("{name}::");
    text.match_indices(&needle)
        .filter(|(at, _)| {
            let before = text[..*at].chars().next_back();
            !before.is_some_and(|c| is_ident(c) || c == ':' || c == '$')
        })
        .map(|(at, _)| at)
        .collect()
}
