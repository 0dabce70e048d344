//! The comments of one post as the panel shows them. Pure (no egui, no I/O):
//! pages are merged as they come (a comment seen twice is kept once) and
//! laid out as a thread, each reply under its parent.
//!
//! The server sends comments oldest first across pages, so a reply usually
//! comes after its parent; one whose parent is not (yet) known is shown at
//! the top level rather than lost.

use std::collections::{HashMap, HashSet};

use crate::protocol::response::{Comment, CommentsPage, Id};

/// Comments asked for per page (the protocol allows 1..200).
pub(crate) const PAGE_SIZE: u16 = 50;
/// The server nests at most this deep.
pub(crate) const MAX_DEPTH: u8 = 2;
/// Bodies are other people's text: at most this many characters are shown.
pub(crate) const MAX_BODY_CHARS: usize = 2000;

/// One line of the thread, ready to draw.
#[derive(Clone, Debug, PartialEq)]
pub struct Shown {
    pub id: String,
    /// Indentation level, 0..=MAX_DEPTH.
    pub depth: u8,
    /// `None`: the author is anonymous.
    pub author: Option<String>,
    pub body: String,
    pub created_at: String,
    pub deleted: bool,
}

/// The comments of one post and where paging stands.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CommentThread {
    comments: Vec<Comment>,
    seen: HashSet<String>,
    next_cursor: Option<String>,
    pages: usize,
}

impl CommentThread {
    /// Takes in a page; returns how many comments were new.
    pub(crate) fn add_page(&mut self, page: CommentsPage) -> usize {
        self.pages += 1;
        self.next_cursor = if page.has_more {
            page.next_cursor.filter(|c| !c.is_empty())
        } else {
            None
        };
        let mut added = 0;
        for comment in page.comments {
            if self.seen.insert(key(&comment.comment_id)) {
                self.comments.push(comment);
                added += 1;
            }
        }
        added
    }

    /// The cursor for "Load more"; `None` when every page is here.
    pub fn next_cursor(&self) -> Option<&str> {
        self.next_cursor.as_deref()
    }

    pub fn pages(&self) -> usize {
        self.pages
    }

    pub fn is_empty(&self) -> bool {
        self.comments.is_empty()
    }

    /// Every comment in reading order: each root in arrival order, followed by
    /// its replies (depth first, in arrival order).
    pub fn threaded(&self) -> Vec<Shown> {
        let known: HashSet<String> = self.comments.iter().map(|c| key(&c.comment_id)).collect();
        let mut children: HashMap<String, Vec<usize>> = HashMap::new();
        let mut roots = Vec::new();
        for (i, c) in self.comments.iter().enumerate() {
            match c.parent_id.as_ref().map(key) {
                Some(parent) if known.contains(&parent) && parent != key(&c.comment_id) => {
                    children.entry(parent).or_default().push(i)
                }
                _ => roots.push(i),
            }
        }
        let mut out = Vec::with_capacity(self.comments.len());
        let mut visited = HashSet::new();
        // Explicit stack: (index, depth); children pushed in reverse to pop in order.
        let mut stack: Vec<(usize, u8)> = roots.iter().rev().map(|&i| (i, 0)).collect();
        while let Some((i, depth)) = stack.pop() {
            if !visited.insert(i) {
                continue; // a cycle in hostile data
            }
            let c = &self.comments[i];
            out.push(shown(c, depth));
            if let Some(kids) = children.get(&key(&c.comment_id)) {
                let next = (depth + 1).min(MAX_DEPTH);
                stack.extend(kids.iter().rev().map(|&k| (k, next)));
            }
        }
        // Comments caught in a cycle never reach a root: show them at the top level.
        for (i, c) in self.comments.iter().enumerate() {
            if !visited.contains(&i) {
                out.push(shown(c, 0));
            }
        }
        out
    }
}

fn key(id: &Id) -> String {
    match id {
        Id::Number(n) => n.to_string(),
        Id::Text(s) => s.clone(),
    }
}

fn shown(c: &Comment, depth: u8) -> Shown {
    Shown {
        id: key(&c.comment_id),
        depth,
        author: c
            .author_handle
            .as_deref()
            .map(plain)
            .filter(|a| !a.is_empty()),
        body: if c.deleted {
            String::new()
        } else {
            plain(&c.body)
        },
        created_at: c.created_at.as_deref().map(plain).unwrap_or_default(),
        deleted: c.deleted,
    }
}

/// Untrusted text made safe to lay out: control characters (other than line
/// breaks) dropped, bidi overrides dropped, and the length bounded.
pub fn plain(text: &str) -> String {
    let mut out: String = text
        .chars()
        .filter(|c| *c == '\n' || !(c.is_control() || is_bidi_control(*c)))
        .take(MAX_BODY_CHARS)
        .collect();
    if text.chars().count() > MAX_BODY_CHARS {
        out.push('…');
    }
    out
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn page(comments: Value, cursor: Option<&str>) -> CommentsPage {
        serde_json::from_value(json!({
            "comments": comments, "next_cursor": cursor, "has_more": cursor.is_some()
        }))
        .unwrap()
    }

    fn c(id: &str, parent: Option<&str>, depth: u8) -> Value {
        json!({"comment_id": id, "post_id": 7, "author_handle": format!("by-{id}"),
               "body": format!("body {id}"), "depth": depth, "parent_id": parent,
               "created_at": "2026-01-01T00:00:00Z", "deleted": false})
    }

    fn order(t: &CommentThread) -> Vec<(String, u8)> {
        t.threaded().into_iter().map(|s| (s.id, s.depth)).collect()
    }

    #[test]
    fn replies_sit_under_their_parent_in_arrival_order() {
        let mut t = CommentThread::default();
        t.add_page(page(
            json!([
                c("a", None, 0),
                c("b", None, 0),
                c("a1", Some("a"), 1),
                c("b1", Some("b"), 1),
                c("a1x", Some("a1"), 2),
                c("a2", Some("a"), 1)
            ]),
            None,
        ));
        let got = order(&t);
        let want: Vec<(String, u8)> = [
            ("a", 0),
            ("a1", 1),
            ("a1x", 2),
            ("a2", 1),
            ("b", 0),
            ("b1", 1),
        ]
        .iter()
        .map(|(i, d)| ((*i).to_owned(), *d))
        .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn pages_merge_without_duplicates_and_late_replies_join_their_thread() {
        let mut t = CommentThread::default();
        assert_eq!(t.add_page(page(json!([c("a", None, 0)]), Some("p2"))), 1);
        assert_eq!(t.next_cursor(), Some("p2"));
        // The second page repeats "a" (a cursor boundary) and brings a reply to it.
        let added = t.add_page(page(json!([c("a", None, 0), c("a1", Some("a"), 1)]), None));
        assert_eq!(added, 1);
        assert_eq!(t.next_cursor(), None, "no more pages");
        assert_eq!(t.pages(), 2);
        assert_eq!(order(&t), vec![("a".to_owned(), 0), ("a1".to_owned(), 1)]);
    }

    #[test]
    fn orphans_cycles_and_numeric_ids_are_all_shown() {
        let mut t = CommentThread::default();
        t.add_page(page(
            json!([
                c("r", Some("gone"), 1),
                c("x", Some("y"), 1),
                c("y", Some("x"), 1),
                {"comment_id": 5, "post_id": 7, "body": "n", "parent_id": 5},
                {"comment_id": 6, "post_id": 7, "body": "deep", "parent_id": 5, "depth": 9}
            ]),
            None,
        ));
        let got = order(&t);
        assert_eq!(got.len(), 5, "{got:?}");
        assert_eq!(got[0], ("r".to_owned(), 0), "unknown parent: top level");
        assert!(got.contains(&("6".to_owned(), 1)), "{got:?}");
        assert!(got.contains(&("x".to_owned(), 0)) && got.contains(&("y".to_owned(), 0)));
    }

    #[test]
    fn bodies_are_plain_bounded_text_and_deleted_ones_are_empty() {
        let long = "é".repeat(MAX_BODY_CHARS + 10);
        let mut t = CommentThread::default();
        t.add_page(page(
            json!([
                {"comment_id": "a", "post_id": 7, "author_handle": null,
                 "body": "hi\u{202E}there\u{0007}\nbye", "deleted": false},
                {"comment_id": "b", "post_id": 7, "author_handle": "z", "body": long, "deleted": false},
                {"comment_id": "c", "post_id": 7, "author_handle": "z", "body": "secret", "deleted": true}
            ]),
            None,
        ));
        let shown = t.threaded();
        assert_eq!(shown[0].body, "hithere\nbye");
        assert_eq!(shown[0].author, None);
        assert_eq!(shown[1].body.chars().count(), MAX_BODY_CHARS + 1);
        assert!(shown[1].body.ends_with('…'));
        assert!(shown[2].deleted && shown[2].body.is_empty());
    }
}
