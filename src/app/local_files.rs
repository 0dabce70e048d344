//! Turns paths a user gives (command line, File › Open, drag-and-drop, a pasted
//! path) into the list of files of a local channel, like p3a's `sdcard` channel.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use crate::player::order::sort_by_name;
use crate::player::playlist::{Playlist, PlaylistSource, is_network_path};
use crate::player::{ArtworkSource, QueueItem};

/// Saved creators' playlists (see `player::playlist`) end with this.
pub const PLAYLIST_EXTENSION: &str = "makapix-playlist";
/// A playlist file larger than this is not something a person saved.
pub(crate) const MAX_PLAYLIST_BYTES: u64 = 4 * 1024 * 1024;

/// Extensions looked for inside folders. A file named explicitly is always
/// tried, whatever its name: the decoder recognises images by content.
pub(crate) const IMAGE_EXTENSIONS: [&str; 5] = ["png", "apng", "gif", "webp", "bmp"];

/// Bounds a folder walk so a huge tree or a link loop cannot stall the program.
const MAX_DEPTH: usize = 4;
const MAX_FILES: usize = 10_000;
/// Names listed before the first `MAX_FILES` by name are kept: a folder is
/// listed in the disk's order, so its first names by name may come last.
const MAX_LISTED: usize = 10 * MAX_FILES;

#[derive(Debug, Default)]
pub struct Collected {
    /// Sorted by name within each given path, in the order the paths were given.
    pub files: Vec<PathBuf>,
    /// One sentence per path that gave nothing, for the user.
    pub problems: Vec<String>,
}

/// What a set of paths plays as: a local channel of files, or a saved playlist.
#[derive(Debug, Default)]
pub struct Opened {
    pub items: Vec<QueueItem>,
    /// For the status bar: "Folder art", "Local files" or the playlist's title.
    pub label: String,
    /// One sentence per thing that could not be played, for the user.
    pub problems: Vec<String>,
    /// A saved playlist: its posts need the network, so the window plays it
    /// (`items` is then empty).
    pub playlist: Option<Playlist>,
}

pub(crate) fn is_playlist(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(PLAYLIST_EXTENSION))
}

/// Reads the given files, folders and playlists. Does file I/O: call it off the window thread.
pub fn open(paths: &[PathBuf]) -> Opened {
    // Relative to the folder the player was started in (`makapix-player art/`):
    // made whole here, so a playlist that adds one of them names the right file.
    let paths: Vec<PathBuf> = paths
        .iter()
        .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()))
        .collect();
    let paths = paths.as_slice();
    if let [one] = paths
        && is_playlist(one)
    {
        return open_playlist(one);
    }
    // A playlist among other files would be tried as an image: it plays on its own.
    let (lists, paths): (Vec<PathBuf>, Vec<PathBuf>) =
        paths.iter().cloned().partition(|p| is_playlist(p));
    let paths = paths.as_slice();
    let mut collected = collect(paths);
    collected.problems.extend(lists.iter().map(|list| {
        format!(
            "{} is a playlist: open it on its own to play it.",
            display_name(list)
        )
    }));
    let label = match paths {
        [one] if one.is_dir() => format!(
            "Folder {}",
            one.file_name().map_or_else(
                || one.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            )
        ),
        _ => "Local files".to_owned(),
    };
    Opened {
        items: collected
            .files
            .into_iter()
            .map(|f| QueueItem::new(ArtworkSource::File(f)))
            .collect(),
        label,
        problems: collected.problems,
        playlist: None,
    }
}

fn open_playlist(path: &Path) -> Opened {
    let name = display_name(path);
    match read_playlist(path) {
        Ok(mut playlist) => Opened {
            label: if playlist.title.trim().is_empty() {
                name.clone()
            } else {
                playlist.title.clone()
            },
            problems: if playlist.items.is_empty() {
                vec![format!("The playlist {} is empty.", display_name(path))]
            } else {
                leave_out_unsafe_files(&mut playlist, &name)
            },
            playlist: Some(playlist),
            ..Opened::default()
        },
        Err(problem) => Opened {
            problems: vec![problem],
            label: name,
            ..Opened::default()
        },
    }
}

/// Takes out of a playlist about to play the files that are not regular files
/// on this computer (network shares, pipes, devices): a playlist can come
/// from anyone, and opening those would reach another computer or hang.
/// Returns one sentence per item left out; the rest plays.
fn leave_out_unsafe_files(playlist: &mut Playlist, name: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut index = 0;
    playlist.items.retain(|item| {
        index += 1;
        let PlaylistSource::File { file } = &item.source else {
            return true;
        };
        let shown = file.display();
        let why = if is_network_path(file) {
            "is on a network share; a playlist may only name files on this computer"
        } else {
            match std::fs::metadata(file) {
                // A missing file gets its placeholder when its turn comes.
                Err(_) => return true,
                Ok(meta) if meta.is_file() => return true,
                Ok(meta) if meta.is_dir() => "is a folder, not an image file",
                Ok(_) => "is not a regular file (it is a pipe, a device or a socket)",
            }
        };
        problems.push(format!(
            "{name}: item {index} ({shown}) {why}, so it is left out; the rest plays."
        ));
        false
    });
    problems
}

pub(crate) fn display_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Reads a saved playlist; relative file paths are taken from its folder.
/// Does file I/O. The error is a sentence for the user.
pub fn read_playlist(path: &Path) -> Result<Playlist, String> {
    let name = display_name(path);
    match std::fs::metadata(path) {
        Ok(meta) if meta.len() > MAX_PLAYLIST_BYTES => {
            return Err(format!("{name} is too large to be a playlist."));
        }
        Ok(_) => {}
        Err(e) => return Err(format!("{name} cannot be opened: {e}.")),
    }
    let text = playlist_text(path).map_err(|e| match e {
        TextNotRead::TooLarge => format!("{name} is too large to be a playlist."),
        TextNotRead::Io(e) => format!("{name} cannot be read: {e}."),
    })?;
    let folder = path.parent().unwrap_or(Path::new("."));
    Playlist::from_json(&text, folder).map_err(|e| format!("{name}: {e}"))
}

/// Why a playlist file's text was not read.
pub(crate) enum TextNotRead {
    TooLarge,
    Io(std::io::Error),
}

/// A playlist file's text, at most `MAX_PLAYLIST_BYTES`. Bounded while it is
/// read, not only measured before: the file may have grown since, and a
/// device measures 0 (a link to /dev/zero would be read for ever).
pub(crate) fn playlist_text(path: &Path) -> Result<String, TextNotRead> {
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_PLAYLIST_BYTES + 1).read_to_string(&mut text))
        .map_err(TextNotRead::Io)?;
    if text.len() as u64 > MAX_PLAYLIST_BYTES {
        return Err(TextNotRead::TooLarge);
    }
    Ok(text)
}

pub(crate) fn has_image_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

pub fn collect(paths: &[PathBuf]) -> Collected {
    let mut out = Collected::default();
    for path in paths {
        let before = out.files.len();
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                let mut found = Vec::new();
                walk(path, 0, &mut found);
                sort_by_name(&mut found);
                let room = MAX_FILES.saturating_sub(out.files.len());
                if found.len() > room {
                    out.problems.push(format!(
                        "Only the first {MAX_FILES} images by name are played; {} has more. Open one of its folders to play the rest.",
                        path.display()
                    ));
                }
                out.files.extend(found.into_iter().take(room));
                if out.files.len() == before {
                    out.problems.push(format!(
                        "The folder {} holds no PNG, GIF, WebP or BMP images.",
                        path.display()
                    ));
                }
            }
            Ok(_) => out.files.push(path.clone()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => out
                .problems
                .push(format!("{} does not exist.", path.display())),
            Err(e) => out
                .problems
                .push(format!("{} cannot be opened: {e}.", path.display())),
        }
    }
    out
}

fn walk(dir: &Path, depth: usize, found: &mut Vec<PathBuf>) {
    if depth > MAX_DEPTH || found.len() >= MAX_LISTED {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        tracing::warn!("cannot list folder {}", dir.display());
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        // file_type() does not follow links, so a link to a parent folder is not walked.
        match entry.file_type() {
            Ok(t) if t.is_dir() => walk(&path, depth + 1, found),
            Ok(_) if has_image_extension(&path) => found.push(path),
            _ => {}
        }
        if found.len() >= MAX_LISTED {
            return;
        }
    }
}

/// A pasted text is taken as paths when every line is a whole path or a
/// `file://` address. Whether they exist is found on the opener's thread,
/// which says so of each that does not; prose and relative names (which
/// would mean nothing to a window) are left alone.
pub(crate) fn paths_from_pasted_text(text: &str) -> Option<Vec<PathBuf>> {
    let paths: Vec<PathBuf> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let l = l.trim_matches('"').trim_matches('\'');
            // A file manager's copy is a file:// address: %20 for a space, and
            // file:///C:/… on Windows.
            url::Url::parse(l)
                .ok()
                .filter(|u| u.scheme() == "file")
                .and_then(|u| u.to_file_path().ok())
                .unwrap_or_else(|| PathBuf::from(l))
        })
        .collect();
    (!paths.is_empty() && paths.iter().all(|p| p.is_absolute())).then_some(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_walked_sorted_by_name_and_filtered() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for name in ["b10.png", "b2.GIF", "a.webp", "notes.txt", ".hidden.png"] {
            std::fs::write(root.join(name), b"x").unwrap();
        }
        std::fs::create_dir(root.join("sub")).unwrap();
        std::fs::write(root.join("sub").join("c.bmp"), b"x").unwrap();
        let got = collect(&[root.to_path_buf()]);
        let names: Vec<_> = got
            .files
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["a.webp", "b2.GIF", "b10.png", "c.bmp"]);
        assert!(got.problems.is_empty());
    }

    #[test]
    fn a_folder_of_more_images_than_are_played_keeps_the_first_by_name_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        // Made in reverse, as a disk may list them: the last made, first by name.
        for i in (0..=MAX_FILES).rev() {
            std::fs::write(dir.path().join(format!("{i:05}.png")), b"").unwrap();
        }
        let got = collect(&[dir.path().to_path_buf()]);
        assert_eq!(got.files.len(), MAX_FILES);
        let first = got.files.first().and_then(|p| p.file_name());
        assert_eq!(first, Some(std::ffi::OsStr::new("00000.png")));
        let last = got.files.last().and_then(|p| p.file_name());
        assert_eq!(last, Some(std::ffi::OsStr::new("09999.png")));
        assert!(got.problems[0].contains("has more"), "{:?}", got.problems);
    }

    #[test]
    fn a_playlist_opened_with_other_files_is_left_out_and_said() {
        let dir = tempfile::tempdir().unwrap();
        let art = dir.path().join("sun.png");
        let list = dir.path().join("spring.makapix-playlist");
        std::fs::write(&art, b"x").unwrap();
        std::fs::write(&list, b"{}").unwrap();
        let opened = open(&[art.clone(), list]);
        let sources: Vec<_> = opened.items.iter().map(|i| i.source.clone()).collect();
        assert_eq!(sources, [ArtworkSource::File(art)], "not tried as an image");
        let said = opened.problems.join(" ");
        assert!(
            said.contains("spring.makapix-playlist is a playlist: open it on its own"),
            "{said}"
        );
    }

    #[test]
    fn missing_paths_and_empty_folders_are_explained() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.gif");
        let got = collect(&[missing, dir.path().to_path_buf()]);
        assert!(got.files.is_empty());
        assert_eq!(got.problems.len(), 2);
        assert!(got.problems[0].ends_with("does not exist."));
        assert!(got.problems[1].contains("holds no"));
    }

    #[test]
    fn a_named_file_is_kept_whatever_its_extension() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("art.dat");
        std::fs::write(&f, b"x").unwrap();
        assert_eq!(collect(std::slice::from_ref(&f)).files, vec![f]);
    }

    #[test]
    fn a_saved_playlist_opens_with_its_order_dwell_and_title() {
        let dir = tempfile::tempdir().unwrap();
        let list = Playlist {
            title: "Frogs".into(),
            items: vec![
                crate::player::playlist::PlaylistItem {
                    source: PlaylistSource::File {
                        file: dir.path().join("b.png"),
                    },
                    dwell_ms: Some(4_000),
                },
                crate::player::playlist::PlaylistItem {
                    source: PlaylistSource::Post { post_id: 9 },
                    dwell_ms: None,
                },
                crate::player::playlist::PlaylistItem {
                    source: PlaylistSource::File {
                        file: dir.path().join("a.png"),
                    },
                    dwell_ms: None,
                },
            ],
        };
        let path = dir.path().join("frogs.makapix-playlist");
        std::fs::write(&path, list.to_json(dir.path()).unwrap()).unwrap();
        let opened = open(std::slice::from_ref(&path));
        assert_eq!(opened.label, "Frogs");
        assert!(opened.problems.is_empty(), "{:?}", opened.problems);
        assert_eq!(
            opened.playlist,
            Some(list),
            "the playlist's order, dwell and posts"
        );
    }

    #[test]
    fn a_damaged_playlist_is_explained() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("broken.makapix-playlist");
        std::fs::write(&path, b"{ nope").unwrap();
        let opened = open(&[path]);
        assert!(opened.items.is_empty());
        assert!(
            opened.problems[0]
                .starts_with("broken.makapix-playlist: This file is not a Makapix Player playlist"),
            "{:?}",
            opened.problems
        );
    }

    /// `cargo test` runs in the package's folder: `docs` is a relative path there.
    #[test]
    fn relative_paths_are_played_as_whole_paths() {
        let opened = open(&[PathBuf::from("docs")]);
        assert!(!opened.items.is_empty(), "{:?}", opened.problems);
        for item in &opened.items {
            let ArtworkSource::File(file) = &item.source else {
                panic!("{item:?}");
            };
            assert!(
                file.is_absolute() && file.starts_with(std::env::current_dir().unwrap()),
                "{file:?}"
            );
        }
        assert_eq!(opened.label, "Folder docs");
    }

    #[test]
    fn pasted_paths_must_exist() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.png");
        std::fs::write(&f, b"x").unwrap();
        let text = format!("file://{}\n", f.display());
        assert_eq!(paths_from_pasted_text(&text), Some(vec![f]));
        assert_eq!(paths_from_pasted_text("hello world"), None);
        assert_eq!(paths_from_pasted_text("art/sun.png"), None, "relative");
        // Missing, it is still a path: opening it says so.
        let missing = dir.path().join("moved away.png");
        let text = missing.display().to_string();
        assert_eq!(paths_from_pasted_text(&text), Some(vec![missing]));
        assert_eq!(paths_from_pasted_text(""), None);
    }

    #[test]
    fn a_file_address_with_escaped_characters_names_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("sun & moon é.png");
        std::fs::write(&f, b"x").unwrap();
        // As a file manager copies it: "%20" for the space, UTF-8 escaped.
        let address = url::Url::from_file_path(&f).unwrap().to_string();
        assert!(address.contains("%20"), "{address}");
        assert_eq!(paths_from_pasted_text(&address), Some(vec![f]));
    }

    #[cfg(unix)]
    #[test]
    fn a_playlist_that_is_a_device_is_refused_not_read_for_ever() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("zero.makapix-playlist");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        let said = read_playlist(&link).unwrap_err();
        assert!(said.contains("too large to be a playlist"), "{said}");
    }

    #[cfg(unix)]
    #[test]
    fn a_playlist_with_a_fifo_a_device_and_a_network_share_plays_its_other_items() {
        use crate::player::playlist::PlaylistItem;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.png");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        let good = dir.path().join("good.png");
        std::fs::write(&good, b"x").unwrap();
        let file = |file: PathBuf| PlaylistItem {
            source: PlaylistSource::File { file },
            dwell_ms: None,
        };
        let text = Playlist {
            title: "Traps".into(),
            items: vec![
                file(fifo),
                file(PathBuf::from("/dev/zero")),
                file(PathBuf::from(r"\\attacker\share\art.png")),
                file(good.clone()),
            ],
        }
        .to_json(dir.path())
        .unwrap();
        let path = dir.path().join("traps.makapix-playlist");
        std::fs::write(&path, text).unwrap();
        let opened = open(std::slice::from_ref(&path));
        let playlist = opened.playlist.expect("the playlist opens");
        assert_eq!(playlist.items, vec![file(good)], "the rest plays");
        assert_eq!(opened.problems.len(), 3, "{:?}", opened.problems);
        assert!(opened.problems[0].contains("item 1") && opened.problems[0].contains("pipe"));
        assert!(opened.problems[1].contains("/dev/zero"));
        assert!(
            opened.problems[2].contains("network share"),
            "{:?}",
            opened.problems
        );
        assert!(
            opened
                .problems
                .iter()
                .all(|p| p.ends_with("the rest plays."))
        );
    }
}
