//! The paging rules of `feed`: pages asked ahead, repeats, the fresh look,
//! failures and back-off, playlists expanded.

use super::*;
use serde_json::json;

/// A page of artwork posts `ids`; shared with other paging tests.
pub(crate) fn page(ids: std::ops::Range<i64>, cursor: Option<&str>) -> PostsPage {
    let posts: Vec<_> = ids
        .map(|i| {
            json!({"post_id": i, "kind": "artwork", "storage_key": format!("k{i}"),
                        "storage_shard": "ab/cd", "native_format": "png"})
        })
        .collect();
    serde_json::from_value(
        json!({"posts": posts, "next_cursor": cursor, "has_more": cursor.is_some()}),
    )
    .unwrap()
}

const T: Duration = Duration::from_secs(10);

fn ids(feed: &Feed) -> Vec<i64> {
    feed.items()
        .iter()
        .filter_map(|i| i.source.post_id())
        .collect()
}

#[test]
fn pages_are_asked_for_before_the_current_one_runs_out() {
    let mut feed = Feed::new(QueryPosts {
        channel: Some("all".into()),
        ..QueryPosts::default()
    });
    let first = feed.first_request();
    assert_eq!(first.cursor, None);
    assert_eq!(first.limit, Some(PAGE_SIZE));
    assert_eq!(
        feed.wants_more(None, T),
        None,
        "the first page is on its way"
    );
    assert_eq!(feed.on_page(page(0..10, Some("c1")), T), 10);
    assert_eq!(feed.wants_more(Some(0), T), None, "plenty left");
    assert_eq!(feed.wants_more(Some(5), T), None);
    let second = feed
        .wants_more(Some(6), T)
        .expect("3 left: time for the next page");
    assert_eq!(second.cursor.as_deref(), Some("c1"));
    assert_eq!(second.channel.as_deref(), Some("all"));
    assert_eq!(feed.wants_more(Some(9), T), None, "one request at a time");
    feed.on_page(page(10..20, Some("c2")), T);
    feed.wants_more(Some(17), T).expect("third page");
    feed.on_page(page(20..25, None), T);
    assert_eq!(feed.wants_more(Some(24), T), None, "no cursor: the end");
    assert_eq!(ids(&feed), (0..25).collect::<Vec<_>>());
    assert_eq!(feed.pages(), 3);
}

#[test]
fn a_post_repeated_by_the_next_page_is_played_once() {
    let mut feed = Feed::new(QueryPosts::default());
    feed.first_request();
    assert_eq!(feed.on_page(page(0..10, Some("10")), T), 10);
    feed.wants_more(Some(9), T).expect("the second page");
    // A post published meanwhile moved post 9 down into the next offset.
    assert_eq!(feed.on_page(page(9..19, Some("20")), T), 9);
    assert_eq!(ids(&feed), (0..19).collect::<Vec<_>>());
    feed.wants_more(Some(18), T).expect("the third page");
    assert_eq!(feed.on_page(page(17..19, Some("30")), T), 0);
    assert_eq!(
        feed.wants_more(Some(18), T),
        None,
        "only repeats: nothing playable, so the next page waits"
    );
    assert!(feed.wants_more(Some(18), T + EMPTY_PAGE_WAIT).is_some());
}

#[test]
fn a_fresh_look_puts_what_was_published_since_after_the_artwork_shown() {
    let mut feed = Feed::new(QueryPosts::default());
    feed.first_request();
    feed.on_page(page(1..4, Some("p2")), Duration::ZERO);
    let shown = feed.items()[1].source.clone();
    // Posts 10 and 11 were published since; 1 and 2 are known.
    let mut fresh = page(10..12, Some("p2"));
    fresh.posts.extend(page(1..3, None).posts);
    assert_eq!(feed.fresh_request().cursor, None, "the first page");
    assert_eq!(feed.on_fresh_page(&fresh, Some(&shown)), 2);
    assert_eq!(ids(&feed), [1, 2, 10, 11, 3]);
    assert_eq!(feed.on_fresh_page(&fresh, Some(&shown)), 0, "known now");
    let next = feed.wants_more(Some(4), Duration::ZERO);
    assert_eq!(
        next.and_then(|q| q.cursor).as_deref(),
        Some("p2"),
        "paging goes on"
    );
}

#[test]
fn a_failed_page_is_asked_again_after_a_wait_that_doubles() {
    let mut feed = Feed::new(QueryPosts::default());
    feed.first_request();
    feed.on_page(page(0..2, Some("c1")), T);
    assert!(feed.wants_more(Some(0), T).is_some());
    assert_eq!(feed.on_failure(T), 1);
    assert_eq!(feed.items().len(), 2, "what was fetched still plays");
    assert_eq!(feed.wants_more(Some(1), T), None);
    assert_eq!(feed.retry_at(T), Some(T + FAILED_PAGE_WAIT));
    let again = T + FAILED_PAGE_WAIT;
    let asked = feed.wants_more(Some(1), again).expect("asked again");
    assert_eq!(asked.cursor.as_deref(), Some("c1"), "the same page");
    assert_eq!(feed.retry_at(again), None, "on its way");
    assert_eq!(feed.on_failure(again), 2);
    let twice = again + FAILED_PAGE_WAIT * 2;
    let just_before = twice - Duration::from_millis(1);
    assert_eq!(
        feed.wants_more(Some(1), just_before),
        None,
        "twice the wait"
    );
    assert!(feed.wants_more(Some(1), twice).is_some());
    feed.on_page(page(2..4, Some("c2")), twice);
    assert_eq!(feed.retry_at(twice), None);
    for _ in 0..20 {
        feed.wants_more(Some(3), Duration::MAX / 2);
        feed.on_failure(T);
    }
    assert_eq!(feed.retry_at(T), Some(T + MAX_FAILED_PAGE_WAIT), "capped");
}

#[test]
fn playlists_are_expanded_when_they_carry_artworks_and_skipped_otherwise() {
    let posts: Vec<PostEntry> = serde_json::from_value(json!([
        {"post_id": 1, "kind": "artwork", "storage_key": "a", "storage_shard": "x/y", "native_format": "gif",
         "dwell_time_ms": 5000},
        {"post_id": 2, "kind": "playlist", "total_artworks": 2, "dwell_time_ms": 8000},
        {"post_id": 3, "kind": "playlist", "dwell_time_ms": 7000, "artworks": [
            {"post_id": 31, "kind": "artwork", "storage_key": "b", "native_format": "png", "storage_shard": "x/y"},
            {"post_id": 32, "kind": "artwork", "storage_key": "c", "art_url": "https://v/c.webp"}]},
        {"post_id": 4, "kind": "artwork", "storage_key": "d", "native_format": null},
        {"post_id": 5, "kind": "video"}
    ]))
    .unwrap();
    let items = items_of(&posts);
    let got: Vec<_> = items
        .iter()
        .map(|i| (i.source.post_id().unwrap(), i.dwell))
        .collect();
    assert_eq!(
        got,
        vec![
            (1, Some(Duration::from_secs(5))),
            (31, Some(Duration::from_secs(7))),
            (32, Some(Duration::from_secs(7))),
        ]
    );
}

#[test]
fn a_resumed_channel_plays_its_posts_and_asks_for_no_page() {
    let page = page(1..4, Some("next"));
    let mut feed = Feed::resumed(
        QueryPosts {
            channel: Some("all".into()),
            ..QueryPosts::default()
        },
        &page.posts,
    );
    assert_eq!(ids(&feed), vec![1, 2, 3]);
    assert_eq!(feed.query().cursor, None);
    assert_eq!(
        feed.wants_more(Some(2), T),
        None,
        "no stale cursor to follow"
    );
    assert!(!feed.is_waiting());
}

#[test]
fn more_is_to_come_while_a_cursor_stands_and_the_feed_has_not_given_up() {
    let fresh = || {
        let mut feed = Feed::new(QueryPosts::default());
        feed.first_request();
        feed
    };
    let mut feed = fresh();
    feed.on_page(page(0..0, Some("c1")), T);
    assert!(feed.has_more(), "an empty page with a cursor");
    let mut ended = fresh();
    let mut last = page(0..0, Some("c1"));
    last.has_more = false;
    ended.on_page(last, T);
    assert!(!ended.has_more(), "has_more: false");
    let mut failed = fresh();
    failed.on_page(page(0..2, Some("c1")), T);
    failed.on_failure(T);
    assert!(failed.has_more(), "a failed page is asked again");
    for n in 2..MAX_EMPTY_PAGES {
        feed.on_page(page(0..0, Some("again")), T);
        assert!(feed.has_more(), "{n} empty pages");
    }
    feed.on_page(page(0..0, Some("again")), T);
    assert!(
        !feed.has_more(),
        "given up after {MAX_EMPTY_PAGES} empty pages"
    );
}

#[test]
fn a_cursor_with_has_more_false_ends_the_channel() {
    let mut feed = Feed::new(QueryPosts::default());
    feed.first_request();
    let mut last = page(0..3, Some("c1"));
    last.has_more = false;
    feed.on_page(last, T);
    assert_eq!(feed.wants_more(Some(2), T), None);
}

#[test]
fn a_page_with_nothing_playable_backs_off_then_stops() {
    let mut feed = Feed::new(QueryPosts::default());
    feed.first_request();
    feed.on_page(page(0..2, Some("c1")), T);
    let mut now = T;
    let mut asked = feed.wants_more(Some(1), now);
    let mut waits = Vec::new();
    while asked.is_some() {
        feed.on_page(page(0..0, Some("again")), now);
        let next_frame = now + Duration::from_millis(16);
        assert_eq!(
            feed.wants_more(Some(1), next_frame),
            None,
            "not in the next frame"
        );
        let from = now;
        loop {
            now += Duration::from_millis(500);
            asked = feed.wants_more(Some(1), now);
            if asked.is_some() || now > from + Duration::from_secs(600) {
                break;
            }
        }
        if asked.is_some() {
            waits.push((now - from).as_secs());
        }
    }
    assert_eq!(waits, [2, 4, 8, 16], "the wait doubles, then paging stops");
    assert_eq!(feed.items().len(), 2, "what was fetched still plays");
}

/// Pages `feed` through `pages` pages of 50 after its first, `0..50`, the
/// artwork on screen always the last but `PREFETCH_MARGIN` (as it is when
/// the next page is asked for) and the queue played in the feed's order.
fn play_pages(feed: &mut Feed, pages: i64, last_cursor: Option<&str>) {
    feed.first_request();
    feed.on_page(page(0..50, Some("50")), T);
    for n in 1..=pages {
        let position = feed.items().len() - 1 - PREFETCH_MARGIN;
        let asked = feed.wants_more(Some(position), T).expect("the next page");
        assert_eq!(asked.cursor, Some((n * 50).to_string()));
        let next = ((n + 1) * 50).to_string();
        let cursor = if n == pages {
            last_cursor
        } else {
            Some(&next[..])
        };
        // Offset paging: a post published meanwhile repeats the last one.
        feed.on_page(page(n * 50 - 1..(n + 1) * 50, cursor), T);
        let queue = feed.items().to_vec();
        feed.trim(&queue, Some(position));
    }
}

#[test]
fn a_feed_holds_a_window_behind_the_artwork_on_screen_and_dropped_posts_stay_out() {
    let mut feed = Feed::new(QueryPosts::default());
    play_pages(&mut feed, 40, Some("more"));
    let held = ids(&feed);
    let on_screen = 2050 - 1 - PREFETCH_MARGIN as i64 - 50;
    assert_eq!(
        held[0],
        on_screen - KEEP_BEHIND as i64,
        "{KEEP_BEHIND} behind"
    );
    assert_eq!(held, (held[0]..2050).collect::<Vec<_>>(), "then all ahead");
    // Paged again by offset, a post dropped long ago is still no new post.
    feed.wants_more(Some(feed.items().len() - 1), T);
    assert_eq!(feed.on_page(page(3..5, Some("again")), T), 0);
}

#[test]
fn a_post_of_the_first_page_is_not_new_to_the_hourly_look_however_long_ago_it_played() {
    let mut feed = Feed::new(QueryPosts::default());
    // Enough pages for the first page's ids to be forgotten.
    play_pages(
        &mut feed,
        (REMEMBERED_IDS + KEEP_BEHIND) as i64 / 50 + 2,
        Some("more"),
    );
    assert!(!feed.known.contains(&0), "forgotten with the rest");
    let shown = feed.items()[KEEP_BEHIND].source.clone();
    let mut fresh = page(-2..0, None);
    fresh.posts.extend(page(0..48, None).posts);
    assert_eq!(
        feed.on_fresh_page(&fresh, Some(&shown)),
        2,
        "only -2 and -1"
    );
    assert_eq!(ids(&feed)[KEEP_BEHIND + 1..][..2], [-2, -1]);
}

#[test]
fn a_finite_channel_that_dropped_posts_is_read_again_from_its_start() {
    let mut feed = Feed::new(QueryPosts::default());
    play_pages(&mut feed, 20, None);
    assert!(feed.has_more(), "posts were dropped: a new lap follows");
    let end = feed.items().len() - 1;
    let lap = feed.wants_more(Some(end), T).expect("the first page again");
    assert_eq!(lap.cursor, None);
    // A lap whose first page fails is asked for again after the back-off.
    feed.on_failure(T);
    assert!(feed.has_more(), "still a lap to read");
    let later = feed.retry_at(T).expect("a retry planned");
    let lap = feed
        .wants_more(Some(end), later)
        .expect("the first page again");
    assert_eq!(lap.cursor, None);
    assert_eq!(
        feed.on_page(page(0..50, Some("50")), T),
        50,
        "new to this lap"
    );
    assert_eq!(ids(&feed)[end + 1..], (0..50).collect::<Vec<_>>()[..]);
    assert_eq!(
        feed.wants_more(Some(end + 50 - 3), T)
            .and_then(|q| q.cursor)
            .as_deref(),
        Some("50")
    );

    // One that never had to drop anything loops over what it holds.
    let mut small = Feed::new(QueryPosts::default());
    play_pages(&mut small, 5, None);
    assert_eq!(ids(&small), (0..300).collect::<Vec<_>>());
    assert_eq!(small.wants_more(Some(299), T), None, "the queue wraps");
    assert!(!small.has_more());
}
