use super::*;
use crate::protocol::view::utc_timestamp;

fn view(post_id: i64) -> ViewEvent {
    ViewEvent {
        post_id,
        timestamp: utc_timestamp(1_798_761_600),
        timezone: String::new(),
        intent: "channel".into(),
        play_order: 0,
        channel: "all".into(),
        player_key: String::new(),
        channel_user_sqid: None,
        channel_hashtag: None,
    }
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

fn queue(posts: &[i64]) -> Delivery {
    let mut d = Delivery::new(Pace::PRODUCTION, 500);
    for &p in posts {
        d.push(p as ViewId, view(p));
    }
    d
}

/// Sends what is due at `now` and answers it with `outcome`; the post sent.
fn round(d: &mut Delivery, now: Instant, outcome: ViewOutcome) -> Option<i64> {
    let id = d.due(now)?;
    d.sent(id, now);
    d.broker_has(id, now);
    let post = d.view(id).map(|v| v.post_id);
    d.settle(&outcome, now);
    post
}

#[test]
fn production_pace_keeps_six_seconds_and_scaling_keeps_the_rule() {
    assert_eq!(Pace::PRODUCTION.gap, Duration::from_secs(6));
    assert_eq!(Pace::scaled(1.0), Pace::PRODUCTION);
    assert_eq!(Pace::scaled(0.0), Pace::PRODUCTION);
    assert_eq!(Pace::scaled(f64::NAN), Pace::PRODUCTION);
    let fast = Pace::scaled(0.1);
    assert_eq!(fast.gap, Duration::from_millis(600));
    assert_eq!(fast.resend_after, Duration::from_millis(6500));
    assert_eq!(fast.max_failures, Pace::PRODUCTION.max_failures);
}

#[test]
fn views_leave_six_seconds_after_the_previous_answer_and_one_at_a_time() {
    let t0 = Instant::now();
    let mut d = queue(&[1, 2, 3]);
    assert_eq!(round(&mut d, t0, ViewOutcome::Accepted), Some(1));
    assert_eq!(d.due(t0 + secs(5.99)), None);
    let id = d.due(t0 + secs(6.0)).unwrap();
    d.sent(id, t0 + secs(6.0));
    // Unanswered: nothing else goes, however long the pace allows.
    assert_eq!(d.due(t0 + secs(15.0)), None);
    d.settle(&ViewOutcome::Accepted, t0 + secs(15.0));
    assert_eq!(d.view(id), None);
    // The server's 5 s began when it processed the view, not when it was sent.
    assert_eq!(d.due(t0 + secs(20.99)), None);
    assert!(d.due(t0 + secs(21.0)).is_some());
}

#[test]
fn a_late_duplicate_never_drops_the_next_view() {
    let t0 = Instant::now();
    let mut d = queue(&[1, 2]);
    let a = d.due(t0).unwrap();
    d.sent(a, t0);
    // The answer is slow: given up on, the view goes again.
    d.tick(t0 + secs(20.0));
    assert_eq!(d.due(t0 + secs(20.0)), Some(a));
    d.sent(a, t0 + secs(20.0));
    // The first sending's answer comes, late: the view is settled.
    let c = d.settle(&ViewOutcome::Accepted, t0 + secs(21.0));
    assert_eq!(c.removed, vec![a]);
    let b = d.due(t0 + secs(27.0)).unwrap();
    d.sent(b, t0 + secs(27.0));
    // The second sending's answer (duplicate) comes while view 2 waits for its
    // first: the server never saw view 2, so the answer is not its own.
    let c = d.settle(&ViewOutcome::Duplicate, t0 + secs(28.0));
    assert!(c.removed.is_empty(), "{c:?}");
    assert_eq!(d.len(), 1);
    let c = d.settle(&ViewOutcome::Accepted, t0 + secs(29.0));
    assert_eq!(c.removed, vec![b]);
}

#[test]
fn an_answer_to_a_view_given_up_on_is_not_the_next_ones() {
    let t0 = Instant::now();
    let mut d = queue(&[1, 2]);
    let a = d.due(t0).unwrap();
    let mut now = t0;
    // Three sendings without answer: the view is dropped.
    for _ in 0..3 {
        d.sent(a, now);
        now += secs(20.0);
        d.tick(now);
    }
    assert_eq!(d.view(a), None);
    let b = d.due(now).unwrap();
    d.sent(b, now);
    // The answer to the last sending of view 1 comes after all: it settles
    // nothing, and view 2 keeps waiting for its own.
    let c = d.settle(&ViewOutcome::Accepted, now + secs(1.0));
    assert!(c.removed.is_empty(), "{c:?}");
    assert_eq!(
        d.due(now + secs(8.0)),
        None,
        "view 2 still awaits its answer"
    );
    let c = d.settle(
        &ViewOutcome::RateLimited { retry_after: None },
        now + secs(2.0),
    );
    assert!(c.removed.is_empty());
    assert!(c.notes[0].contains("post 2"), "{c:?}");
}

#[test]
fn the_pace_holds_across_a_lost_connection() {
    let t0 = Instant::now();
    let mut d = queue(&[1, 2]);
    let id = d.due(t0).unwrap();
    d.sent(id, t0);
    d.connection_lost();
    // Reconnected a second later: the flush still waits for the gap, and the
    // view that was in flight goes again first.
    assert_eq!(d.due(t0 + secs(1.0)), None);
    assert_eq!(d.due(t0 + secs(6.0)), Some(id));
    assert_eq!(d.len(), 2);
}

#[test]
fn a_rate_limited_view_waits_out_the_servers_duplicate_memory() {
    let t0 = Instant::now();
    let mut d = queue(&[1, 2]);
    let limited = ViewOutcome::RateLimited { retry_after: None };
    assert_eq!(round(&mut d, t0, limited), Some(1));
    assert_eq!(d.len(), 2);
    // The next view goes at its pace; the refused one only after 65 s.
    assert_eq!(
        round(&mut d, t0 + secs(6.0), ViewOutcome::Accepted),
        Some(2)
    );
    assert_eq!(d.due(t0 + secs(64.0)), None);
    assert_eq!(
        round(&mut d, t0 + secs(65.0), ViewOutcome::Accepted),
        Some(1)
    );
    assert!(d.is_empty());
}

#[test]
fn a_longer_retry_after_is_honoured() {
    let t0 = Instant::now();
    let mut d = queue(&[1]);
    let limited = ViewOutcome::RateLimited {
        retry_after: Some(secs(120.0)),
    };
    round(&mut d, t0, limited);
    assert_eq!(d.due(t0 + secs(100.0)), None);
    assert!(d.due(t0 + secs(120.0)).is_some());
}

#[test]
fn permanent_refusals_and_duplicates_are_dropped_with_a_note() {
    let t0 = Instant::now();
    let mut d = queue(&[1, 2, 3]);
    let id = d.due(t0).unwrap();
    d.sent(id, t0);
    let c = d.settle(&ViewOutcome::Refused("post_not_found".into()), t0);
    assert_eq!(c.removed, vec![1]);
    assert!(c.notes[0].contains("post_not_found"), "{:?}", c.notes);
    // A copy sent before, its answer lost with the connection: the server has it.
    let id = d.due(t0 + secs(6.0)).unwrap();
    d.sent(id, t0 + secs(6.0));
    d.connection_lost();
    d.sent(id, t0 + secs(12.0));
    let c = d.settle(&ViewOutcome::Duplicate, t0 + secs(12.0));
    assert_eq!(c.removed, vec![2]);
    assert!(c.notes[0].contains("already has it"));
    assert_eq!(d.len(), 1);
}

#[test]
fn processing_errors_are_retried_a_bounded_number_of_times() {
    let t0 = Instant::now();
    let mut d = queue(&[1]);
    let failed = ViewOutcome::Failed("processing_error".into());
    let mut now = t0;
    for _ in 0..2 {
        assert_eq!(round(&mut d, now, failed.clone()), Some(1));
        assert_eq!(d.due(now + secs(64.0)), None);
        now += secs(65.0);
    }
    let id = d.due(now).unwrap();
    d.sent(id, now);
    let c = d.settle(&failed, now);
    assert_eq!(c.removed, vec![1]);
    assert!(c.notes[0].contains("3 times"), "{:?}", c.notes);
    assert!(d.is_empty());
}

#[test]
fn a_lost_answer_gives_up_matching_and_sends_the_view_again() {
    let t0 = Instant::now();
    let mut d = queue(&[1, 2]);
    let id = d.due(t0).unwrap();
    d.sent(id, t0);
    d.broker_has(id, t0 + secs(1.0));
    // The timeout counts from the broker's PUBACK.
    assert_eq!(d.tick(t0 + secs(20.5)), Changes::default());
    let c = d.tick(t0 + secs(21.0));
    assert!(c.removed.is_empty());
    assert_eq!(c.notes.len(), 1);
    // The same view goes again first (a copy the server has is answered duplicate).
    assert_eq!(d.due(t0 + secs(21.0)), Some(id));
    // Three sendings without answer: dropped, not resent for ever.
    let mut now = t0 + secs(21.0);
    for _ in 0..2 {
        d.sent(id, now);
        now += secs(21.0);
        d.tick(now);
    }
    assert_eq!(d.view(id), None);
    assert_eq!(d.len(), 1);
}

#[test]
fn an_answer_with_no_view_waiting_changes_nothing() {
    let t0 = Instant::now();
    let mut d = queue(&[1]);
    let c = d.settle(&ViewOutcome::Accepted, t0);
    assert!(c.removed.is_empty());
    assert_eq!(d.len(), 1);
}

#[test]
fn views_nobody_received_wait_and_are_not_counted_against() {
    let mut d = queue(&[1]);
    let unheard = |d: &mut Delivery, id, now| {
        assert!(d.unheard(id, now).removed.is_empty());
    };
    let gaps = gaps_while(&mut d, Instant::now(), 5, unheard);
    assert!(gaps.iter().all(|&g| g >= 20), "{gaps:?}");
    assert_eq!(d.len(), 1);
}

#[test]
fn views_that_never_reached_the_server_wait_and_are_not_counted_against() {
    let mut d = queue(&[1]);
    let max = d.pace().max_failures.max(d.pace().max_unanswered);
    let unreached = |d: &mut Delivery, id, now| {
        let c = d.unreached(id, now);
        assert!(c.removed.is_empty(), "{:?}", c.notes);
    };
    let gaps = gaps_while(&mut d, Instant::now(), max as usize * 3, unreached);
    assert!(
        gaps.iter().all(|&g| g >= 20),
        "it waits before going again: {gaps:?}"
    );
    assert_eq!(d.len(), 1);
}

#[test]
fn restored_views_go_first_and_the_oldest_go_when_full() {
    let t0 = Instant::now();
    let mut d = Delivery::new(Pace::PRODUCTION, 3);
    d.push(10, view(10));
    d.push(11, view(11));
    let c = d.restore(vec![(1, view(1)), (2, view(2))]);
    assert_eq!(c.removed, vec![1]);
    assert_eq!(d.ids().collect::<Vec<_>>(), vec![2, 10, 11]);
    assert_eq!(d.due(t0), Some(2));
    // The view awaiting its answer is never the one dropped.
    d.sent(2, t0);
    let c = d.push(12, view(12));
    assert_eq!(c.removed, vec![10]);
    assert_eq!(d.ids().collect::<Vec<_>>(), vec![2, 11, 12]);
}

#[test]
fn an_answer_naming_its_view_settles_it_and_none_other() {
    let t0 = Instant::now();
    let mut d = queue(&[1, 2]);
    d.sent(1, t0);
    // Named for a view not awaited: nothing settles.
    let c = d.settle_view(2, &ViewOutcome::Accepted, t0);
    assert!(c.removed.is_empty(), "{:?}", c.notes);
    // A duplicate named for its first sending is its own.
    let c = d.settle_view(1, &ViewOutcome::Duplicate, t0);
    assert_eq!(c.removed, vec![1]);
    assert_eq!(d.len(), 1);
}

/// The seconds between sendings while each of `rounds` fails with `miss`.
fn gaps_while(
    d: &mut Delivery,
    t0: Instant,
    rounds: usize,
    miss: fn(&mut Delivery, ViewId, Instant),
) -> Vec<u64> {
    let (mut now, mut last, mut gaps) = (t0, None, Vec::new());
    for _ in 0..rounds {
        while d.due(now).is_none() {
            now += secs(1.0);
        }
        let id = d.due(now).unwrap();
        if let Some(last) = last {
            gaps.push(now.duration_since(last).as_secs());
        }
        d.sent(id, now);
        last = Some(now);
        miss(d, id, now);
    }
    gaps
}

#[test]
fn views_that_do_not_reach_the_server_go_ever_more_rarely_until_one_gets_through() {
    let t0 = Instant::now();
    let mut d = queue(&(1..=20).collect::<Vec<_>>());
    let unreached = |d: &mut Delivery, id, now| {
        d.unreached(id, now);
    };
    let gaps = gaps_while(&mut d, t0, 7, unreached);
    assert_eq!(gaps, [20, 40, 80, 160, 300, 300]);
    assert_eq!(d.len(), 20, "every view waits");

    // One answer, and the pace is the server's again.
    let now = t0 + secs(10_000.0);
    assert!(round(&mut d, now, ViewOutcome::Accepted).is_some());
    assert!(d.due(now + secs(6.0)).is_some());
}

#[test]
fn a_session_that_starts_ends_the_wait_after_views_nobody_heard() {
    let t0 = Instant::now();
    let mut d = queue(&[1, 2, 3, 4]);
    let unheard = |d: &mut Delivery, id, now| {
        d.unheard(id, now);
    };
    assert_eq!(gaps_while(&mut d, t0, 3, unheard), [20, 40]);
    let sent_last = t0 + secs(60.0);
    assert_eq!(d.due(sent_last + secs(79.0)), None);
    d.reached();
    assert!(d.due(sent_last + secs(6.0)).is_some());
}
