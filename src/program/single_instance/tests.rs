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
    // Not the 10 s a window that does not answer costs.
    assert!(started.elapsed() < Duration::from_secs(5));
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
    // Not the 10 s a window that does not answer costs.
    assert!(started.elapsed() < Duration::from_secs(5));
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
    // A window whose file was replaced (by a window of an older version, which
    // takes no lock) leaves the other's alone.
    let Ok(Claim::First(old)) = claim(&name, &Message::default()) else {
        panic!("the name is free again");
    };
    std::fs::remove_file(&path).unwrap();
    let other = std::os::unix::net::UnixListener::bind(&path).unwrap();
    drop(old);
    assert!(path.exists(), "the other window's file stays");
    drop(other);
}

/// Launches at once (a file manager opening several files, or the desktop's
/// autostart beside a click) after a crash left the socket file: one window,
/// and every other launch's paths reach it. Rounds, since the threads of one
/// round may well run one after the other.
#[test]
fn of_eight_launches_at_once_one_listens_and_seven_hand_over_to_it() {
    for round in 0..ROUNDS {
        let name = unique_name();
        #[cfg(unix)]
        if round % 2 == 1 {
            // Bound, then gone without removing its file, as a crashed window leaves it.
            drop(std::os::unix::net::UnixListener::bind(name.socket_path().unwrap()).unwrap());
        }
        let (firsts, handed_over) = eight_launches_at_once(&name);
        assert_eq!(
            firsts.len(),
            1,
            "round {round}: launches that opened a window"
        );
        assert_eq!(handed_over, 7);
        let mut got = std::collections::BTreeSet::new();
        let mut server = firsts.into_iter().next().unwrap();
        while let Some(message) = server.try_recv() {
            got.extend(message.paths);
        }
        assert_eq!(got.len(), 7, "paths the window received: {got:?}");
    }
}

const ROUNDS: usize = 40;

/// What eight claims let go at once came to: the listeners, and how many handed over.
fn eight_launches_at_once(name: &InstanceName) -> (Vec<InstanceListener>, usize) {
    let barrier = Arc::new(std::sync::Barrier::new(8));
    let launches: Vec<_> = (0..8)
        .map(|i| {
            let (name, barrier) = (name.clone(), Arc::clone(&barrier));
            std::thread::spawn(move || {
                let message = Message::open(&[PathBuf::from(format!("{i}.gif"))], Path::new("/w"));
                barrier.wait();
                claim(&name, &message)
            })
        })
        .collect();
    let mut firsts = Vec::new();
    let mut handed_over = 0;
    for launch in launches {
        match launch.join().unwrap() {
            Ok(Claim::First(server)) => firsts.push(server),
            Ok(Claim::HandedOver) => handed_over += 1,
            Err(e) => panic!("a launch failed: {e}"),
        }
    }
    (firsts, handed_over)
}

#[cfg(unix)]
#[test]
fn a_claim_while_a_window_listens_hands_over_and_never_binds() {
    use std::os::unix::fs::MetadataExt as _;
    let name = unique_name();
    let path = name.socket_path().unwrap();
    let Ok(Claim::First(mut server)) = claim(&name, &Message::default()) else {
        panic!("nobody listened yet");
    };
    let inode = || std::fs::symlink_metadata(&path).unwrap().ino();
    let bound = inode();
    for i in 0..3 {
        let message = Message::open(&[PathBuf::from(format!("{i}.gif"))], Path::new("/w"));
        assert!(matches!(claim(&name, &message), Ok(Claim::HandedOver)));
        assert!(server.try_recv().is_some_and(|m| m.paths.len() == 1));
    }
    assert_eq!(inode(), bound, "the window's socket file was replaced");
}

#[test]
fn without_a_window_nothing_is_told() {
    assert!(!notify_credentials_changed(&unique_name()));
}

/// A launch while the window quits (on_exit takes up to 2 s) is not confirmed
/// and lost: it waits for the window to go, then opens its own.
#[test]
fn a_launch_while_the_window_closes_waits_and_then_opens_its_own() {
    let name = unique_name();
    let Ok(Claim::First(mut closing)) = claim(&name, &Message::default()) else {
        panic!("nobody listened yet");
    };
    closing.close();
    let (tx, rx) = std::sync::mpsc::channel();
    let asking = name.clone();
    std::thread::spawn(move || {
        let message = Message::open(&[PathBuf::from("late.gif")], Path::new("/w"));
        let _ = tx.send(claim(&asking, &message));
    });
    // The launch asked while the window was closing, and was told so.
    let hang = Instant::now() + Duration::from_secs(20);
    while closing.told_closing() == 0 {
        if let Ok(early) = rx.try_recv() {
            let handed_over = matches!(early, Ok(Claim::HandedOver));
            panic!("the launch ended while the window closed (handed over: {handed_over})");
        }
        assert!(Instant::now() < hang, "the launch never asked");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(closing.try_recv().is_none(), "queued for a closing window");
    drop(closing);
    let claimed = rx.recv_timeout(Duration::from_secs(20)).expect("hung");
    let Ok(Claim::First(mut window)) = claimed else {
        panic!("the launch did not open its window once the other was gone");
    };
    // The new window hears later launches.
    let message = Message::open(&[PathBuf::from("next.gif")], Path::new("/w"));
    assert!(matches!(claim(&name, &message), Ok(Claim::HandedOver)));
    assert!(window.try_recv().is_some_and(|m| m.paths.len() == 1));
}

/// `makapix-player ~/art/*.png` with thousands of files: a sentence that says
/// so, not "another window does not answer".
#[test]
fn a_handover_larger_than_a_window_reads_says_so() {
    let name = unique_name();
    let Ok(Claim::First(mut server)) = claim(&name, &Message::default()) else {
        panic!("nobody listened yet");
    };
    let paths: Vec<_> = (0..5000)
        .map(|i| {
            PathBuf::from(format!(
                "drawings/2024/a-long-name-for-a-drawing-{i:05}.png"
            ))
        })
        .collect();
    let message = Message::open(&paths, Path::new("/home/someone/art"));
    let (tx, rx) = std::sync::mpsc::channel();
    let asking = name.clone();
    std::thread::spawn(move || tx.send(claim(&asking, &message)));
    let claimed = rx.recv_timeout(Duration::from_secs(20)).expect("hung");
    let Err(e @ ClaimError::TooLarge(5000)) = claimed else {
        panic!("not told the message was too large");
    };
    assert!(e.to_string().contains("5000"), "{e}");
    assert!(server.try_recv().is_none());
}

/// A socket folder the player cannot use: the window opens without the socket.
#[cfg(unix)]
#[test]
fn an_unusable_socket_folder_is_not_a_window_that_does_not_answer() {
    use std::os::unix::fs::PermissionsExt;
    let runtime = tempfile::tempdir().unwrap();
    std::fs::set_permissions(runtime.path(), PermissionsExt::from_mode(0o700)).unwrap();
    let name = unique_name().with_runtime_dir(Some(runtime.path().into()));
    // What stands where the lock file goes cannot be opened as one.
    std::fs::create_dir(runtime.path().join(format!("{}.lock", name.file_name()))).unwrap();
    let claimed = claim(&name, &Message::default());
    assert!(
        matches!(claimed, Err(ClaimError::Unusable(_))),
        "{:?}",
        claimed.err().map(|e| e.to_string())
    );
}
