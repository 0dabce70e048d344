use super::*;
use serde::Serialize;

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct View {
    post_id: i64,
}

fn counter() -> impl FnMut() -> EntryId {
    let mut next = 1000;
    move || {
        next += 1;
        next
    }
}

fn posts(loaded: &Loaded<View>) -> Vec<i64> {
    loaded.items.iter().map(|(_, v)| v.post_id).collect()
}

#[test]
fn adds_and_removals_replay_in_order() {
    let text = "{\"id\":1,\"item\":{\"post_id\":5}}\n{\"id\":2,\"item\":{\"post_id\":6}}\n{\"done\":1}\n{\"id\":3,\"item\":{\"post_id\":7}}\n";
    let loaded = parse::<View>(text, counter()).unwrap();
    assert_eq!(posts(&loaded), vec![6, 7]);
    assert_eq!(loaded.items[0].0, 2);
    assert!(loaded.compact, "a removal is there to be dropped");
    assert!(loaded.note.is_none());
}

#[test]
fn the_older_format_reads_as_adds() {
    let loaded = parse::<View>("{\"post_id\": 5}\n\n{\"post_id\": 6}\n", counter()).unwrap();
    assert_eq!(posts(&loaded), vec![5, 6]);
    assert_eq!(loaded.items[0].0, 1001);
    assert!(loaded.compact);
}

#[test]
fn a_line_cut_short_at_the_end_is_skipped_not_fatal() {
    let text = "{\"id\":1,\"item\":{\"post_id\":5}}\n{\"id\":2,\"item\":{\"po";
    let loaded = parse::<View>(text, counter()).unwrap();
    assert_eq!(posts(&loaded), vec![5]);
    assert!(loaded.note.unwrap().contains("cut short"));
}

#[test]
fn a_damaged_line_in_the_middle_is_damage() {
    let text =
        "{\"id\":1,\"item\":{\"post_id\":5}}\n{garbage\n{\"id\":2,\"item\":{\"post_id\":6}}\n";
    let err = parse::<View>(text, counter()).unwrap_err();
    assert!(err.contains("line 2"), "{err}");
}

#[test]
fn a_damaged_file_is_kept_aside_and_the_queue_starts_empty() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("views.jsonl");
    std::fs::write(&path, "{\"post_id\": 5}\n{garbage\n{\"post_id\": 6}\n").unwrap();
    let loaded = load::<View>(&path, counter());
    assert!(loaded.items.is_empty());
    let note = loaded.note.unwrap();
    assert!(note.contains("views.jsonl.bad"), "{note}");
    assert!(!path.exists());
    let kept = std::fs::read_to_string(dir.path().join("views.jsonl.bad")).unwrap();
    assert!(kept.contains("garbage"));
}

#[test]
fn a_huge_file_is_kept_aside_without_being_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("views.jsonl");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(MAX_BYTES * 4).unwrap();
    let loaded = load::<View>(&path, counter());
    assert!(loaded.items.is_empty());
    assert!(loaded.note.unwrap().contains("bytes"));
    assert!(dir.path().join("views.jsonl.bad").exists());
}

#[test]
fn a_missing_file_is_an_empty_queue_without_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let loaded = load::<View>(&dir.path().join("none.jsonl"), counter());
    assert!(loaded.items.is_empty() && loaded.note.is_none());
}

fn fixed_id() -> EntryId {
    77
}

fn flush(journal: &Journal) {
    let (tx, rx) = tokio::sync::oneshot::channel();
    journal.flush_then(tx);
    rx.blocking_recv().unwrap();
}

#[test]
fn the_journal_appends_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q").join("views.jsonl");
    let (journal, loaded) = Journal::open::<View>(&path, fixed_id, |_| {}).unwrap();
    assert!(loaded.blocking_recv().unwrap().items.is_empty());
    journal.add(1, &View { post_id: 5 });
    journal.add(2, &View { post_id: 6 });
    journal.done(1);
    flush(&journal);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 3, "appended, not rewritten: {text}");
    drop(journal);

    let (journal, loaded) = Journal::open::<View>(&path, fixed_id, |_| {}).unwrap();
    let loaded = loaded.blocking_recv().unwrap();
    assert_eq!(posts(&loaded), vec![6]);
    flush(&journal);
    // Reading a removal made the thread rewrite the file with the live entry alone.
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
}

#[test]
fn the_journal_is_compacted_when_removals_pile_up() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("views.jsonl");
    let (journal, loaded) = Journal::open::<View>(&path, fixed_id, |_| {}).unwrap();
    loaded.blocking_recv().unwrap();
    for id in 0..200 {
        journal.add(id, &View { post_id: id as i64 });
        journal.done(id);
        flush(&journal);
    }
    journal.add(500, &View { post_id: 500 });
    flush(&journal);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.lines().count() <= 2 + writer::SLACK + 2,
        "{} lines",
        text.lines().count()
    );
    let loaded = load::<View>(&path, counter());
    assert_eq!(posts(&loaded), vec![500]);
}
