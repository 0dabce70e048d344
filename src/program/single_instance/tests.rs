use super::*;
use std::sync::{Arc, Mutex};
use std::time::Instant;

fn unique_name() -> InstanceName {
    let dir = std::env::temp_dir().join(uuid::Uuid::new_v4().to_string());
    name_for(Some(&dir))
}

#[test]
fn names_differ_by_config_folder_and_stay_the_same_for_one() {
    let a = name_for(Some(Path::new("/home/a/.config/makapixplayer")));
    assert_eq!(
        a,
        name_for(Some(Path::new("/home/a/.config/makapixplayer")))
    );
    assert_ne!(
        a,
        name_for(Some(Path::new("/home/b/.config/makapixplayer")))
    );
}

#[test]
fn a_second_claim_hands_its_message_to_the_first() {
    let name = unique_name();
    let Claim::First(mut server) = claim(&name, &Message::default()).unwrap() else {
        panic!("nobody listened yet");
    };
    let woken = Arc::new(Mutex::new(0));
    let count = Arc::clone(&woken);
    server.set_wake(move || *count.lock().unwrap() += 1);
    let message = Message {
        outputs: vec!["ddp://127.0.0.1:4048?size=8x8".into()],
        ..Message::open(&[PathBuf::from("art.gif")], Path::new("/work"))
    };
    let started = Instant::now();
    assert!(matches!(claim(&name, &message), Ok(Claim::HandedOver)));
    assert!(started.elapsed() < Duration::from_secs(1));
    let got = server.try_recv().expect("the message arrived");
    assert_eq!(got.paths, [PathBuf::from("/work/art.gif")]);
    assert_eq!(got.outputs, ["ddp://127.0.0.1:4048?size=8x8"]);
    assert_eq!(*woken.lock().unwrap(), 1);
    assert!(notify_credentials_changed(&name));
    assert!(server.try_recv().unwrap().reload_credentials);
}

#[test]
fn a_burst_of_credentials_changes_reloads_once_now_and_once_later() {
    let name = unique_name();
    let Claim::First(mut server) = claim(&name, &Message::default()).unwrap() else {
        panic!("nobody listened yet");
    };
    for _ in 0..5 {
        assert!(notify_credentials_changed(&name));
    }
    let message = Message::open(&[PathBuf::from("a.gif")], Path::new("/w"));
    assert!(matches!(claim(&name, &message), Ok(Claim::HandedOver)));
    let now = Instant::now();
    let mut got = Vec::new();
    while let Some(m) = server.try_recv_at(now) {
        got.push(m);
    }
    let reloads = got.iter().filter(|m| m.reload_credentials).count();
    assert_eq!(reloads, 1, "one reconnect for the burst: {got:?}");
    assert_eq!(
        got.last().map(|m| m.paths.len()),
        Some(1),
        "paths still arrive"
    );
    // The changes after the first are not lost: one more reload once spaced.
    assert_eq!(server.next_due(), Some(now + RELOAD_SPACING));
    assert!(server.try_recv_at(now + RELOAD_SPACING / 2).is_none());
    let later = server.try_recv_at(now + RELOAD_SPACING);
    assert!(later.is_some_and(|m| m.reload_credentials && m.paths.is_empty()));
    assert!(server.try_recv_at(now + RELOAD_SPACING * 2).is_none());
}

#[cfg(unix)]
#[test]
fn a_socket_file_left_by_a_crashed_window_is_taken_over() {
    let name = unique_name();
    let path = name.socket_path().unwrap();
    // Bound, then gone without removing its file, as a crashed window leaves it.
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    assert!(path.exists());
    let started = Instant::now();
    assert!(matches!(
        claim(&name, &Message::default()),
        Ok(Claim::First(_))
    ));
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[cfg(unix)]
#[test]
fn a_closing_window_removes_its_socket_file_but_not_a_later_ones() {
    let name = unique_name();
    let path = name.socket_path().unwrap();
    let Ok(Claim::First(server)) = claim(&name, &Message::default()) else {
        panic!("nobody listened yet");
    };
    assert!(path.exists());
    drop(server);
    assert!(!path.exists(), "the closed window's socket file is gone");
    // A window whose file a later one replaced leaves the later one's alone.
    let Ok(Claim::First(old)) = claim(&name, &Message::default()) else {
        panic!("the name is free again");
    };
    std::fs::remove_file(&path).unwrap();
    let Ok(Claim::First(new)) = claim(&name, &Message::default()) else {
        panic!("the name is free again");
    };
    drop(old);
    assert!(path.exists(), "the later window's file stays");
    drop(new);
    assert!(!path.exists());
}

#[test]
fn without_a_window_nothing_is_told() {
    assert!(!notify_credentials_changed(&unique_name()));
}
