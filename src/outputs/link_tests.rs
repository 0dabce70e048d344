use super::*;

const TIMING: Timing = Timing {
    retry: Duration::from_secs(5),
    refresh: Duration::from_secs(60),
    resend: Duration::from_secs(1),
    stop: Duration::from_millis(100),
};

fn secs(t0: Instant, s: u64) -> Instant {
    t0 + Duration::from_secs(s)
}

#[test]
fn the_first_send_looks_the_host_up_and_a_working_address_is_kept() {
    let t0 = Instant::now();
    let mut schedule = Schedule::new(TIMING, false);
    assert_eq!(schedule.due(t0, false), Some(Lookup::Replace));
    schedule.looked_up(t0);
    assert_eq!(
        schedule.due(secs(t0, 3600), true),
        None,
        "an address, sending"
    );
}

#[test]
fn a_host_not_found_is_looked_up_again_every_retry() {
    let t0 = Instant::now();
    let mut schedule = Schedule::new(TIMING, true);
    schedule.looked_up(t0);
    assert_eq!(schedule.due(secs(t0, 4), false), None);
    assert_eq!(schedule.due(secs(t0, 5), false), Some(Lookup::Replace));
}

#[test]
fn a_name_is_looked_up_again_every_minute_while_it_works() {
    let t0 = Instant::now();
    let mut schedule = Schedule::new(TIMING, true);
    schedule.looked_up(t0);
    assert_eq!(schedule.due(secs(t0, 59), true), None);
    assert_eq!(schedule.due(secs(t0, 60), true), Some(Lookup::Refresh));
    schedule.looked_up(secs(t0, 60));
    assert_eq!(schedule.due(secs(t0, 61), true), None);
}

#[test]
fn sends_failing_for_a_while_replace_the_socket_even_for_an_address() {
    let t0 = Instant::now();
    let mut schedule = Schedule::new(TIMING, false);
    schedule.looked_up(t0);
    schedule.failed(secs(t0, 100), false);
    schedule.failed(secs(t0, 102), false);
    assert_eq!(schedule.due(secs(t0, 104), true), None, "a blink");
    assert_eq!(schedule.due(secs(t0, 105), true), Some(Lookup::Replace));
    schedule.looked_up(secs(t0, 105));
    // Still failing: once every retry, not on every frame.
    schedule.failed(secs(t0, 106), false);
    assert_eq!(schedule.due(secs(t0, 109), true), None);
    assert_eq!(schedule.due(secs(t0, 110), true), Some(Lookup::Replace));
}

#[test]
fn a_route_gone_replaces_the_socket_at_once_but_not_twice_within_a_retry() {
    let t0 = Instant::now();
    let mut schedule = Schedule::new(TIMING, false);
    schedule.looked_up(t0);
    schedule.failed(secs(t0, 30), true);
    assert_eq!(schedule.due(secs(t0, 30), true), Some(Lookup::Replace));
    schedule.looked_up(secs(t0, 30));
    schedule.failed(secs(t0, 31), true);
    assert_eq!(schedule.due(secs(t0, 31), true), None);
    assert_eq!(schedule.due(secs(t0, 35), true), Some(Lookup::Replace));
}

#[test]
fn failures_a_retry_apart_are_blinks_not_a_stale_address() {
    let t0 = Instant::now();
    let mut schedule = Schedule::new(TIMING, false);
    schedule.looked_up(t0);
    for s in [10, 15, 20, 25] {
        schedule.failed(secs(t0, s), false);
        assert_eq!(schedule.due(secs(t0, s), true), None, "{s} s");
    }
    assert_eq!(schedule.due(secs(t0, 40), true), None, "sending again");
}

#[test]
fn the_system_errors_of_a_route_gone_are_told_apart() {
    for kind in [
        io::ErrorKind::NetworkUnreachable,
        io::ErrorKind::AddrNotAvailable,
        io::ErrorKind::InvalidInput,
    ] {
        assert!(route_gone(&io::Error::from(kind)), "{kind:?}");
    }
    assert!(!route_gone(&io::Error::from(
        io::ErrorKind::ConnectionRefused
    )));
}

#[test]
fn ipv4_addresses_are_tried_first_then_the_resolvers_order() {
    let found: Vec<SocketAddr> = ["[::1]:1", "127.0.0.2:2", "[fd00::2]:3", "127.0.0.1:4"]
        .iter()
        .map(|a| a.parse().unwrap())
        .collect();
    let ports: Vec<u16> = in_order(found).iter().map(SocketAddr::port).collect();
    assert_eq!(ports, [2, 4, 1, 3]);
}
