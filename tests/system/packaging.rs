//! The installers' files: well-formed, valid for their tools, on the same version
//! as Cargo.toml, and holding what a user installs.

use std::path::{Path, PathBuf};
use std::process::Command;

const VERSION: &str = env!("CARGO_PKG_VERSION");
const DESKTOP: &str = "assets/linux/club.makapix.Player.desktop";
const METAINFO: &str = "assets/linux/club.makapix.Player.metainfo.xml";

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn xml(text: &str) -> roxmltree::Document<'_> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(text, options).expect("well-formed XML")
}

#[test]
fn the_windows_installer_is_well_formed_on_the_crate_version() {
    let text = read("wix/main.wxs");
    let doc = xml(&text);
    let product = doc
        .descendants()
        .find(|n| n.has_tag_name("Product"))
        .expect("a Product element");
    assert_eq!(product.attribute("Version"), Some(VERSION));
    assert_eq!(product.attribute("Name"), Some("Makapix Player"));
    assert!(
        doc.descendants().any(|n| n.has_tag_name("MajorUpgrade")),
        "upgrades replace the old version"
    );
    assert!(
        doc.descendants().any(|n| n.has_tag_name("Shortcut")),
        "a Start-menu shortcut"
    );
    // Every file the installer takes from the repository exists.
    for node in doc.descendants() {
        for attr in ["SourceFile", "Source", "Value"] {
            if let Some(value) = node.attribute(attr)
                && !value.contains("$(")
                && (value.starts_with("wix\\")
                    || value.starts_with("assets\\")
                    || value == "README.md")
            {
                let path = repo(&value.replace('\\', "/"));
                assert!(path.exists(), "main.wxs names a missing file: {value}");
            }
        }
    }
}

fn plist_string(doc: &roxmltree::Document<'_>, key: &str) -> Option<String> {
    let key_node = doc
        .descendants()
        .find(|n| n.has_tag_name("key") && n.text() == Some(key))?;
    key_node
        .next_siblings()
        .skip(1)
        .find(|n| n.is_element())
        .and_then(|n| n.text())
        .map(str::to_owned)
}

#[test]
fn the_macos_bundle_plist_is_well_formed_on_the_crate_version() {
    let text = read("macos/Info.plist");
    let doc = xml(&text);
    assert_eq!(
        plist_string(&doc, "CFBundleShortVersionString").as_deref(),
        Some(VERSION)
    );
    assert_eq!(
        plist_string(&doc, "CFBundleVersion").as_deref(),
        Some(VERSION)
    );
    assert_eq!(
        plist_string(&doc, "CFBundleExecutable").as_deref(),
        Some("makapix-player")
    );
    let icon = plist_string(&doc, "CFBundleIconFile").expect("an icon");
    assert!(
        repo(&format!("assets/icon/{icon}")).exists(),
        "the icon {icon} exists"
    );
    assert!(plist_string(&doc, "LSMinimumSystemVersion").is_some());
    let status = Command::new("bash")
        .args(["-n", "macos/make-app.sh"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("bash");
    assert!(status.success(), "make-app.sh has a syntax error");
}

fn run_validator(program: &str, args: &[&str], package: &str) {
    let out = Command::new(program)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "{program} is needed ({e}): apt-get install {package}, or run scripts/test-all.sh"
            )
        });
    assert!(
        out.status.success(),
        "{program} rejected the file:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
#[ignore = "needs desktop-file-validate (desktop-file-utils): scripts/test-all.sh runs it"]
fn the_desktop_entry_passes_desktop_file_validate() {
    run_validator("desktop-file-validate", &[DESKTOP], "desktop-file-utils");
    let entry = read(DESKTOP);
    assert!(
        entry.contains("Exec=makapix-player %F"),
        "opens the files it is given"
    );
    for mime in [
        "image/png",
        "image/gif",
        "image/webp",
        "image/bmp",
        "application/x-makapix-playlist",
    ] {
        assert!(entry.contains(mime), "{mime} is associated");
    }
}

#[test]
fn saved_playlists_have_a_file_type_of_their_own() {
    let text = read("assets/linux/club.makapix.Player.mime.xml");
    let doc = xml(&text);
    let mime = doc
        .descendants()
        .find(|n| n.has_tag_name("mime-type"))
        .expect("a mime-type");
    assert_eq!(
        mime.attribute("type"),
        Some("application/x-makapix-playlist")
    );
    let glob = mime
        .descendants()
        .find(|n| n.has_tag_name("glob"))
        .and_then(|n| n.attribute("pattern"));
    assert_eq!(
        glob,
        Some(format!("*.{}", makapix_player::app::local_files::PLAYLIST_EXTENSION).as_str()),
        "the glob matches the extension the player reads"
    );
    assert!(read("wix/main.wxs").contains("Extension Id=\"makapix-playlist\""));
    assert!(read("macos/Info.plist").contains("<string>makapix-playlist</string>"));
}

#[test]
#[ignore = "needs appstreamcli (appstream): scripts/test-all.sh runs it"]
fn the_metainfo_passes_appstreamcli_and_names_this_version() {
    run_validator(
        "appstreamcli",
        &["validate", "--no-net", METAINFO],
        "appstream",
    );
    let text = read(METAINFO);
    let doc = xml(&text);
    let newest = doc
        .descendants()
        .find(|n| n.has_tag_name("release"))
        .and_then(|n| n.attribute("version"));
    assert_eq!(newest, Some(VERSION), "the newest release in the metainfo");
}

#[test]
fn the_binary_reports_its_version() {
    let out = Command::new(env!("CARGO_BIN_EXE_makapix-player"))
        .arg("--version")
        .output()
        .expect("run makapix-player --version");
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("makapix-player {VERSION}")
    );
}

#[test]
fn the_committed_icons_match_their_source() {
    for (name, bytes) in makapix_player::program::icon::generate_all().expect("icon source renders")
    {
        let committed = std::fs::read(repo(&format!("assets/icon/{name}"))).unwrap_or_else(|e| {
            panic!("assets/icon/{name}: {e}; run `cargo run --example make_icons`")
        });
        assert!(
            committed == bytes,
            "assets/icon/{name} is out of date: run `cargo run --example make_icons`"
        );
    }
}

/// Needs the package: `scripts/test-all.sh` builds it with `cargo deb` and runs this test.
#[test]
#[ignore = "needs a .deb built by cargo deb: run scripts/test-all.sh"]
fn the_debian_package_holds_the_binary_desktop_entry_icons_and_metainfo() {
    let deb = std::env::var_os("MAKAPIX_DEB")
        .map(PathBuf::from)
        .expect("MAKAPIX_DEB names the .deb to check");
    let out = Command::new("dpkg-deb")
        .arg("--contents")
        .arg(&deb)
        .output()
        .expect("dpkg-deb");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listing = String::from_utf8_lossy(&out.stdout);
    let mut expected = vec![
        "./usr/bin/makapix-player".to_owned(),
        "./usr/share/applications/club.makapix.Player.desktop".to_owned(),
        "./usr/share/metainfo/club.makapix.Player.metainfo.xml".to_owned(),
        "./usr/share/mime/packages/club.makapix.Player.xml".to_owned(),
    ];
    for size in [16, 24, 32, 48, 64, 128, 256, 512] {
        expected.push(format!(
            "./usr/share/icons/hicolor/{size}x{size}/apps/club.makapix.Player.png"
        ));
    }
    // The user guide, every page of docs/, is what the package documents.
    for page in std::fs::read_dir(repo("docs")).expect("docs/") {
        let name = page.expect("docs/ entry").file_name();
        let name = name.to_string_lossy();
        if name.ends_with(".md") {
            expected.push(format!("./usr/share/doc/makapix-player/{name}"));
        }
    }
    for path in expected {
        assert!(
            listing.lines().any(|l| l.ends_with(&path)),
            "{path} is missing from the package:\n{listing}"
        );
    }
    for contributors_page in ["CONTRIBUTING.md", "ARCHITECTURE.md", "BENCHMARKS.md"] {
        assert!(
            !listing.lines().any(|l| l.ends_with(contributors_page)),
            "{contributors_page} is for contributors, not in the package:\n{listing}"
        );
    }
    let info = Command::new("dpkg-deb")
        .args(["--field"])
        .arg(&deb)
        .args(["Version", "Package"])
        .output()
        .expect("dpkg-deb --field");
    let fields = String::from_utf8_lossy(&info.stdout);
    assert!(fields.contains(&format!("Version: {VERSION}")), "{fields}");
    assert!(fields.contains("Package: makapix-player"), "{fields}");
}

/// One table of the MSI, as `msiinfo export` prints it: a row per line, tab-separated,
/// after three header lines.
fn msi_table(msi: &Path, table: &str) -> Vec<Vec<String>> {
    let out = Command::new("msiinfo")
        .arg("export")
        .arg(msi)
        .arg(table)
        .output()
        .expect("msiinfo (msitools)");
    assert!(out.status.success(), "msiinfo export {table} failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(3)
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

/// The PE header's subsystem (2 = Windows GUI, 3 = console) and section names.
fn pe_facts(exe: &[u8]) -> (u16, Vec<String>) {
    let u16_at = |at: usize| u16::from_le_bytes([exe[at], exe[at + 1]]);
    let u32_at = |at: usize| u32::from_le_bytes([exe[at], exe[at + 1], exe[at + 2], exe[at + 3]]);
    assert_eq!(&exe[..2], b"MZ", "a Windows executable");
    let pe = u32_at(0x3c) as usize;
    assert_eq!(&exe[pe..pe + 4], b"PE\0\0");
    let coff = pe + 4;
    let sections = u16_at(coff + 2) as usize;
    let optional = coff + 20;
    let subsystem = u16_at(optional + 68);
    let table = optional + u16_at(coff + 16) as usize;
    let names = (0..sections)
        .map(|i| {
            let raw = &exe[table + i * 40..table + i * 40 + 8];
            String::from_utf8_lossy(raw)
                .trim_end_matches('\0')
                .to_owned()
        })
        .collect();
    (subsystem, names)
}

/// Needs the MSI: `scripts/test-all.sh` builds it with `scripts/build-msi.sh` (MinGW + wixl)
/// and runs this test.
#[test]
#[ignore = "needs an MSI built by scripts/build-msi.sh: run scripts/test-all.sh"]
fn the_windows_installer_holds_the_gui_program_its_shortcut_and_file_types() {
    let msi = std::env::var_os("MAKAPIX_MSI")
        .map(PathBuf::from)
        .expect("MAKAPIX_MSI names the .msi to check");

    let exe = std::fs::read(msi.with_file_name("makapix-player.exe")).expect("the packed .exe");
    let (subsystem, sections) = pe_facts(&exe);
    assert_eq!(subsystem, 2, "a release build opens no console window");
    assert!(
        sections.iter().any(|s| s == ".rsrc"),
        "the icon is embedded in the .exe: {sections:?}"
    );

    let properties: std::collections::HashMap<String, String> = msi_table(&msi, "Property")
        .into_iter()
        .filter_map(|row| Some((row.first()?.clone(), row.get(1)?.clone())))
        .collect();
    assert_eq!(properties["ProductVersion"], VERSION);
    assert_eq!(properties["ProductName"], "Makapix Player");
    let wxs = read("wix/main.wxs");
    let upgrade = xml(&wxs)
        .descendants()
        .find_map(|n| n.attribute("UpgradeCode"))
        .map(|code| format!("{{{code}}}"))
        .expect("an upgrade code");
    assert_eq!(
        properties["UpgradeCode"], upgrade,
        "the upgrade code never changes"
    );
    assert_eq!(properties["ALLUSERS"], "2", "per-user or per-machine");

    let files = msi_table(&msi, "File");
    assert!(
        files.iter().any(|row| row
            .get(2)
            .is_some_and(|n| n.ends_with("makapix-player.exe"))),
        "the program is installed: {files:?}"
    );
    let shortcuts = msi_table(&msi, "Shortcut");
    assert!(
        shortcuts.iter().any(
            |row| row.get(1).map(String::as_str) == Some("ProgramMenuFolder")
                && row
                    .get(4)
                    .is_some_and(|t| t.ends_with("makapix-player.exe"))
        ),
        "a Start-menu shortcut to the program: {shortcuts:?}"
    );

    let registry = msi_table(&msi, "Registry");
    let has = |key: &str, name: &str, value: &str| {
        registry.iter().any(|row| {
            row.get(2).map(String::as_str) == Some(key)
                && row.get(3).map(String::as_str) == Some(name)
                && row.get(4).map(String::as_str) == Some(value)
        })
    };
    for ext in ["png", "gif", "webp", "bmp"] {
        assert!(
            has(
                &format!(".{ext}\\OpenWithProgids"),
                "MakapixPlayer.Image",
                ""
            ),
            ".{ext} files offer Makapix Player under Open with"
        );
    }
    assert!(has(".makapix-playlist", "", "MakapixPlayer.Playlist"));
    for progid in ["MakapixPlayer.Image", "MakapixPlayer.Playlist"] {
        assert!(
            has(
                &format!("{progid}\\shell\\open\\command"),
                "",
                "\"[#MainExe]\" \"%1\""
            ),
            "{progid} opens the file with the player"
        );
    }
    // Uninstalling must leave the user's credentials alone: the MSI touches no
    // Credential Manager entry and deletes nothing outside its own files.
    assert!(msi_table(&msi, "RemoveFile").is_empty());
}
