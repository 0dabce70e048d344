use super::*;

#[test]
fn ddp_defaults_to_wleds_port_and_a_64_by_64_panel() {
    let spec = OutputSpec::parse("ddp://192.168.1.50").unwrap();
    assert_eq!(spec.protocol, Protocol::Ddp);
    assert_eq!(spec.host, "192.168.1.50");
    assert_eq!(spec.port, 4048);
    assert_eq!(spec.size, [64, 64]);
    assert!(!spec.serpentine);
    assert_eq!(spec.brightness, 100);
    assert_eq!(spec.gamma, Some(2.2), "what WLED leaves to the source");
    assert_eq!(spec.to_string(), "ddp://192.168.1.50");
}

#[test]
fn e131_reads_its_universe_and_every_option() {
    let spec = OutputSpec::parse(
        "e131://wled-desk.local:6000?universe=3&size=32x16&serpentine&brightness=40&gamma=2.8",
    )
    .unwrap();
    assert_eq!(spec.protocol, Protocol::E131 { universe: 3 });
    assert_eq!(spec.host, "wled-desk.local");
    assert_eq!(spec.port, 6000);
    assert_eq!(spec.size, [32, 16]);
    assert!(spec.serpentine);
    assert_eq!(spec.brightness, 40);
    assert_eq!(spec.gamma, Some(2.8));
    // Written back and read again: the same output.
    assert_eq!(OutputSpec::parse(&spec.to_string()).unwrap(), spec);
}

#[test]
fn gamma_one_sends_colours_as_they_are_and_is_written_back() {
    let spec = OutputSpec::parse("ddp://10.0.0.1?gamma=1").unwrap();
    assert_eq!(spec.gamma, None);
    assert_eq!(spec.to_string(), "ddp://10.0.0.1?gamma=1");
    let spec = OutputSpec::parse("ddp://10.0.0.1?gamma=2.2").unwrap();
    assert_eq!(
        spec.to_string(),
        "ddp://10.0.0.1",
        "the default is left out"
    );
}

#[test]
fn e131_starts_at_universe_one_on_its_own_port() {
    let spec = OutputSpec::parse("e131://10.0.0.7").unwrap();
    assert_eq!(spec.protocol, Protocol::E131 { universe: 1 });
    assert_eq!(spec.port, 5568);
}

#[test]
fn ipv6_hosts_keep_their_brackets_for_the_socket() {
    let spec = OutputSpec::parse("ddp://[::1]:4049").unwrap();
    assert_eq!(spec.host, "::1");
    assert_eq!(spec.socket_target(), "[::1]:4049");
    assert_eq!(spec.to_string(), "ddp://[::1]:4049");
}

#[test]
fn bad_addresses_say_what_to_write() {
    for (text, says) in [
        ("http://192.168.1.50", "not an output"),
        ("192.168.1.50", "not an output address"),
        ("ddp://user:pw@192.168.1.50", "user name or password"),
        ("ddp://192.168.1.50/json", "has a path"),
        ("ddp://10.0.0.1?size=0x64", "not a panel size"),
        ("ddp://10.0.0.1?size=64", "not a panel size"),
        ("ddp://10.0.0.1?size=512x1", "not a panel size"),
        ("ddp://10.0.0.1?brightness=120", "not 0 to 100"),
        ("ddp://10.0.0.1?gamma=9", "between 1 and 4"),
        ("ddp://10.0.0.1?universe=2", "not an output option"),
        ("e131://10.0.0.1?universe=0", "not 1 to 63999"),
        ("e131://10.0.0.1?universe=63990", "past sACN"),
        ("ddp://10.0.0.1?serpentine=maybe", "neither on nor off"),
        ("ddp://10.0.0.1:0", "port 0"),
        ("ddp://255.255.255.255", "every device on the network"),
        ("ddp://0.0.0.0", "every device on the network, or none"),
        ("ddp://192.168.1.050", "leading zero"),
        ("ddp://0x7f.1", "leading zero"),
        ("ddp://10.1", "four numbers"),
        (
            "e131://239.255.0.1?universe=1&size=64x64",
            "takes 25 universes",
        ),
        ("e131://239.255.0.1?universe=2&size=8x8", "239.255.0.2"),
        ("ddp://wled%20desk.local", "does not name a host"),
    ] {
        let err = OutputSpec::parse(text).unwrap_err();
        assert!(err.contains(says), "{text}: {err}");
    }
}

#[test]
fn an_e131_panel_past_a_wleds_universes_gets_a_word() {
    let big = OutputSpec::parse("e131://wled.local?size=64x64").unwrap();
    let note = big.wled_note().expect("25 universes");
    assert!(
        note.contains("25 universes") && note.contains("ddp://wled.local"),
        "{note}"
    );
    // 1530 LEDs: 9 universes, what every WLED takes.
    let fits = OutputSpec::parse("e131://wled.local?size=51x30").unwrap();
    assert_eq!(fits.wled_note(), None);
    assert_eq!(
        OutputSpec::parse("ddp://wled.local").unwrap().wled_note(),
        None
    );
}

#[test]
fn a_64_by_64_panel_takes_25_universes() {
    assert_eq!(universes([64, 64]), 25);
    assert_eq!(universes([170, 1]), 1);
    assert_eq!(universes([171, 1]), 2);
}

#[test]
fn a_host_beyond_ascii_is_sent_to_as_its_punycode() {
    let spec = OutputSpec::parse("ddp://wlédesk.local").unwrap();
    assert_eq!(spec.host, "xn--wldesk-cva.local");
    assert_eq!(OutputSpec::parse(&spec.to_string()).unwrap(), spec);
}

#[test]
fn one_universes_own_multicast_group_is_an_address() {
    let spec = OutputSpec::parse("e131://239.255.1.2?universe=258&size=10x10").unwrap();
    assert_eq!(spec.host, "239.255.1.2");
}

#[test]
fn two_addresses_of_one_receiver_are_the_same_panel() {
    let spec = |text: &str| OutputSpec::parse(text).unwrap();
    let same = |a: &str, b: &str| spec(a).same_panel(&spec(b));
    assert!(same(
        "ddp://127.0.0.1:4100",
        "ddp://127.0.0.1:4100?brightness=40"
    ));
    assert!(same("ddp://WLED.local", "ddp://wled.local?size=32x32"));
    assert!(!same("ddp://127.0.0.1:4100", "ddp://127.0.0.1:4101"));
    assert!(!same("ddp://127.0.0.1", "ddp://127.0.0.2"));
    // A 64×64 panel from universe 1 takes 1 to 25.
    let big = "e131://10.0.0.1?universe=1";
    assert!(same(big, "e131://10.0.0.1?universe=25&size=8x8"));
    assert!(!same(big, "e131://10.0.0.1?universe=26&size=8x8"));
    assert!(same(big, "ddp://10.0.0.1:5568"), "one port, two protocols");
}
