//! The command line: `makapix-player [PATH...]` opens the window; the
//! subcommands manage the player's credentials for scripted and kiosk set-ups
//! with the same code the window uses.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use clap::{Parser, Subcommand};

use crate::bridge::transport::TransportChoice;
use crate::credentials::facts::ActiveSet;
use crate::credentials::renewal::{self, Health};
use crate::credentials::renewal_schedule::Cert;
use crate::credentials::server::Overrides;
use crate::credentials::service::{self, CredError, Progress, Service};
use crate::credentials::validate::format_date;
use crate::player_key::short;
use crate::storage::paths::AppPaths;

#[derive(Debug, Parser)]
#[command(
    name = "makapix-player",
    version,
    about = "Shows Makapix Club pixel art in a window: sample art, your own files and folders.",
    after_help = "With no PATH the player shows its sample art. Keys: → next, ← previous, Space pause, \
                  P pin, F fullscreen, I info, S settings, V device preview."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Image files or folders to play as a local channel (sorted by name).
    pub paths: Vec<PathBuf>,
    /// Start in fullscreen.
    #[arg(long)]
    pub fullscreen: bool,
    /// Preview as a device: screen, p3a, or an LED panel ledWxH (led64x64, led32x32,
    /// led128x64…); several, comma-separated, show side by side (up to four).
    #[arg(long, value_name = "NAME", value_delimiter = ',', value_parser = parse_preview)]
    pub preview: Vec<crate::preview::PreviewMode>,
    /// The window's inner size in points, e.g. 720x720.
    #[arg(long, value_name = "WIDTHxHEIGHT", value_parser = parse_size)]
    pub window_size: Option<[f32; 2]>,
    /// Log `timing …` lines (frames presented, commands received and acknowledged) for the benchmarks.
    #[arg(long, hide = true)]
    pub trace_timing: bool,
    /// More detail in the log.
    #[arg(long, short, global = true)]
    pub verbose: bool,
    /// Use this MQTT broker instead of the chosen server's.
    #[arg(long, global = true, value_name = "mqtts://HOST:PORT")]
    pub broker: Option<String>,
    /// Use this HTTPS API base URL (e.g. https://makapix.club/api).
    #[arg(long, global = true, value_name = "URL")]
    pub api: Option<String>,
    /// Use this artwork vault base URL.
    #[arg(long, global = true, value_name = "URL")]
    pub vault: Option<String>,
    /// How requests reach Makapix Club: auto (MQTT, HTTPS while port 8883 is
    /// blocked), mqtt (MQTT only) or https (HTTPS only: no commands from the web).
    #[arg(long, value_name = "auto|mqtt|https", value_parser = TransportChoice::parse)]
    pub transport: Option<TransportChoice>,
    /// Play on an LED panel too (repeatable): ddp://HOST[:PORT] (WLED) or
    /// e131://HOST[:PORT]?universe=N (sACN), with size=WxH (64x64), serpentine,
    /// brightness=0..100 and gamma=G after `?`, joined by `&`.
    #[arg(long = "output", value_name = "URL", value_parser = parse_output)]
    pub outputs: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import credentials: the bundle (.json) from makapix.club, or the three PEM files.
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Register this computer with a code entered on makapix.club.
    Register,
    /// Show, remove or renew the stored credentials.
    Credentials {
        #[command(subcommand)]
        action: CredentialsCommand,
    },
    /// Export what a device would show of an artwork: an animated GIF, APNG
    /// (.png) or WebP with the artwork's own frame delays, or a still PNG.
    /// Opens no window; uses the device-preview settings saved by the window.
    Export(ExportArgs),
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The artwork file (PNG, APNG, GIF, WebP, BMP).
    pub path: PathBuf,
    /// The device: p3a, an LED panel ledWxH (led64x64, led32x32…), or screen.
    #[arg(long = "preview", value_name = "NAME", value_parser = parse_preview)]
    pub device: crate::preview::PreviewMode,
    /// Output pixels per LED (default 10), per p3a screen pixel (default 1) or
    /// per art pixel (default 8, less for art over 512 pixels a side).
    #[arg(long, value_name = "N", value_parser = parse_scale)]
    pub scale: Option<u32>,
    /// Only this frame (1 is the first), as a still image.
    #[arg(long, value_name = "N", value_parser = parse_frame)]
    pub frame: Option<usize>,
    /// The file to write: .gif, .png (APNG when animated) or .webp.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum CredentialsCommand {
    /// What is stored (never the private key or the token; the player key in
    /// its short form unless --reveal).
    Show {
        /// Print the whole player key. It works as a password at Makapix Club:
        /// whoever knows it can fetch this player's credentials.
        #[arg(long)]
        reveal: bool,
    },
    /// Delete every stored secret of this player from the keyring.
    Remove,
    /// Renew the certificate now.
    Renew,
}

impl Cli {
    /// Reads the command line; a window's flag or path given with a
    /// subcommand is an error that clap cannot see. The server flags
    /// (`--api`, `--broker`, `--vault`) and `--verbose` go before or after one.
    pub fn parse_checked() -> Cli {
        let cli = Cli::parse();
        if let Err(e) = cli.check() {
            eprintln!("{e}");
            std::process::exit(2);
        }
        cli
    }

    /// The error for window flags or paths given with a subcommand.
    pub fn check(&self) -> Result<(), String> {
        let Some(command) = &self.command else {
            return Ok(());
        };
        let name = match command {
            Command::Import { .. } => "import",
            Command::Register => "register",
            Command::Credentials { .. } => "credentials",
            Command::Export(_) => "export",
        };
        let window_only = [
            (!self.paths.is_empty(), "files to play"),
            (self.fullscreen, "--fullscreen"),
            (!self.preview.is_empty(), "--preview"),
            (self.window_size.is_some(), "--window-size"),
            (self.transport.is_some(), "--transport"),
            (!self.outputs.is_empty(), "--output"),
        ];
        match window_only.iter().find(|(given, _)| *given) {
            Some((_, what)) => Err(format!(
                "The `{name}` command runs without a window, so {what} cannot go with it: leave it out, or open the window in a separate run."
            )),
            None => Ok(()),
        }
    }

    pub fn overrides(&self) -> Overrides {
        Overrides {
            broker: self.broker.clone(),
            api: self.api.clone(),
            vault: self.vault.clone(),
        }
    }
}

/// An output address, checked and written the way Settings keeps it.
fn parse_output(text: &str) -> Result<String, String> {
    crate::outputs::OutputSpec::parse(text).map(|spec| spec.to_string())
}

fn parse_preview(text: &str) -> Result<crate::preview::PreviewMode, String> {
    crate::preview::PreviewMode::parse(text)
}

fn parse_scale(text: &str) -> Result<u32, String> {
    let max = crate::preview::export::MAX_SCALE;
    match text.trim().parse::<u32>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!(
            "`{text}` is not a scale: use a whole number from 1 to {max}"
        )),
    }
}

fn parse_frame(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n - 1),
        _ => Err(format!(
            "`{text}` is not a frame number: 1 is the first frame"
        )),
    }
}

/// `makapix-player export`: the sentence to print, or why it failed. No
/// window, no display, no keyring: only the artwork and the output file.
pub fn run_export(args: &ExportArgs, paths: Option<&AppPaths>) -> Result<String, String> {
    let settings = match paths {
        Some(paths) => crate::settings::load(&paths.settings_file()).0,
        None => crate::settings::Settings::default(),
    };
    let request = crate::app::export::Request {
        mode: args.device,
        scale: args.scale,
        frame: args.frame,
        output: args.output.clone(),
    };
    let look = settings.look();
    crate::app::export::export_file(&args.path, &request, &look, &mut |_, _| {})
        .map(|done| done.sentence())
}

fn parse_size(text: &str) -> Result<[f32; 2], String> {
    let bad = || format!("`{text}` is not a size such as 720x720");
    let (w, h) = text.split_once(['x', 'X']).ok_or_else(bad)?;
    let w: u16 = w.trim().parse().map_err(|_| bad())?;
    let h: u16 = h.trim().parse().map_err(|_| bad())?;
    if w < 100 || h < 100 {
        return Err(format!("{text} is too small; use at least 100x100"));
    }
    Ok([f32::from(w), f32::from(h)])
}

/// Whether a successful `command` changed what is stored (a running window should reload).
pub fn changes_credentials(command: &Command) -> bool {
    !matches!(
        command,
        Command::Credentials {
            action: CredentialsCommand::Show { .. }
        } | Command::Export(_)
    )
}

/// Runs a subcommand; the error is the one-line reason to print.
pub fn run(
    command: &Command,
    paths: Option<&AppPaths>,
    overrides: Overrides,
) -> Result<(), CredError> {
    run_with(
        &Service::for_user(paths, overrides),
        command,
        service::unix_now(),
    )
}

/// Runs a subcommand with `svc` at `now` (Unix seconds).
pub fn run_with(svc: &Service, command: &Command, now: i64) -> Result<(), CredError> {
    match command {
        Command::Import { files } => {
            let active = svc.import_files(files, now, service::random_u64())?;
            let until = if now >= active.not_after {
                "expired on"
            } else {
                "valid until"
            };
            println!(
                "Imported: player {}, {until} {}.",
                short(&active.shown_key),
                format_date(active.not_after)
            );
            renew_if_due(svc, &active, now);
        }
        Command::Register => {
            let cancel = AtomicBool::new(false);
            let active = svc.register(&cancel, true, &mut |p| match p {
                Progress::Code { code, expires_at } => println!(
                    "Registration code: {code}\nOn makapix.club go to Settings › Players › Add Device and enter it (valid until {}).",
                    clock_time(expires_at)
                ),
                Progress::RateLimited { wait } => {
                    println!("The server asked to slow down; waiting {} s.", wait.as_secs());
                }
                Progress::Storing => println!("Code accepted; storing the credentials."),
            })?;
            println!(
                "Registered: player {}, valid until {}.",
                short(&active.shown_key),
                format_date(active.not_after)
            );
        }
        // `main` runs it before anything touches credentials; the same here.
        Command::Export(args) => match run_export(args, None) {
            Ok(done) => println!("{done}"),
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        },
        Command::Credentials { action } => match action {
            CredentialsCommand::Show { reveal } => show(svc, now, *reveal)?,
            CredentialsCommand::Remove => {
                if svc.remove()? {
                    println!("Credentials removed from the keyring.");
                } else {
                    println!("No credentials were stored.");
                }
            }
            CredentialsCommand::Renew => {
                let active = svc.renew(now, service::random_u64())?;
                println!("Renewed: valid until {}.", format_date(active.not_after));
            }
        },
    }
    Ok(())
}

/// An imported set that is due (the web's bundle may be old) renews at once,
/// as the window does; when that fails the imported set stays and works until it expires.
fn renew_if_due(svc: &Service, active: &ActiveSet, now: i64) {
    let cert = Cert {
        not_after: active.not_after,
        renew_at: active.renew_at,
    };
    if now < cert.due_at() {
        return;
    }
    println!("The certificate is due for renewal; renewing it now.");
    match svc.renew(now, service::random_u64()) {
        Ok(renewed) => println!("Renewed: valid until {}.", format_date(renewed.not_after)),
        Err(e) => eprintln!(
            "The renewal failed: {e} The imported certificate is kept; the player tries again when it runs, or run `makapix-player credentials renew`."
        ),
    }
}

fn show(svc: &Service, now: i64, reveal: bool) -> Result<(), CredError> {
    let server = svc.server()?;
    let Some(active) = svc.load()? else {
        println!("Not registered.\nServer:     {}", server.describe());
        return Ok(());
    };
    let state = match renewal::health(active.not_after, now) {
        Health::Valid { days_left } => format!("{days_left} days left"),
        Health::ExpiringSoon { days_left } => format!("{days_left} days left — renew soon"),
        Health::Expired => "expired".to_owned(),
    };
    if reveal {
        println!("Player key: {}", svc.player_key()?);
    } else {
        let key = short(&active.shown_key);
        println!("Player key: {key} (the whole key: credentials show --reveal)");
    }
    println!("Expires:    {} ({state})", format_date(active.not_after));
    println!("Issuer:     {}", active.issuer);
    println!("Server:     {}", server.describe());
    let api = svc.player_api()?;
    println!("HTTPS API:  {} ({})", api.base_url, api.origin.label());
    println!(
        "API token:  {}",
        if active.has_token {
            "stored"
        } else {
            "none yet (one is fetched from the player key at the first renewal)"
        }
    );
    if now >= active.not_after {
        // A date in the past reads as a mistake; say what happens instead.
        println!(
            "Renews:     when the player next runs, or now with `makapix-player credentials renew`"
        );
    } else if let Some(at) = active.renew_at {
        println!("Renews:     automatically from {}", format_date(at));
    }
    Ok(())
}

fn clock_time(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .map(|t| format!("{:02}:{:02} UTC", t.hour(), t.minute()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_size_reads_width_by_height_and_explains_a_bad_one() {
        let cli = Cli::try_parse_from(["makapix-player", "--window-size", "720x720"]).unwrap();
        assert_eq!(cli.window_size, Some([720.0, 720.0]));
        let err = Cli::try_parse_from(["makapix-player", "--window-size", "big"]).unwrap_err();
        assert!(
            err.to_string().contains("not a size such as 720x720"),
            "{err}"
        );
        assert!(parse_size("50x50").unwrap_err().contains("too small"));
    }

    #[test]
    fn transport_takes_auto_mqtt_or_https() {
        let cli = Cli::try_parse_from(["makapix-player", "--transport", "https"]).unwrap();
        assert_eq!(cli.transport, Some(TransportChoice::HttpsOnly));
        assert_eq!(
            Cli::try_parse_from(["makapix-player"]).unwrap().transport,
            None
        );
        let err = Cli::try_parse_from(["makapix-player", "--transport", "wss"]).unwrap_err();
        assert!(err.to_string().contains("auto, mqtt or https"), "{err}");
    }

    #[test]
    fn output_is_repeatable_checked_and_only_for_the_window() {
        let cli = Cli::try_parse_from([
            "makapix-player",
            "--output",
            "ddp://10.0.0.5:4048?size=32x32",
            "--output",
            "e131://10.0.0.6?universe=2&serpentine=1",
        ])
        .unwrap();
        assert_eq!(
            cli.outputs,
            [
                "ddp://10.0.0.5?size=32x32",
                "e131://10.0.0.6?universe=2&serpentine"
            ]
        );
        let err = Cli::try_parse_from(["makapix-player", "--output", "http://10.0.0.5"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("ddp://HOST"), "{err}");
        let cli = Cli::try_parse_from(["makapix-player", "--output", "ddp://10.0.0.5", "register"])
            .unwrap();
        assert!(cli.check().unwrap_err().contains("--output"));
    }

    #[test]
    fn preview_takes_names_and_lists() {
        use crate::preview::PreviewMode;
        let cli = Cli::try_parse_from(["makapix-player", "--preview", "led64x64"]).unwrap();
        assert_eq!(cli.preview, [PreviewMode::Led { w: 64, h: 64 }]);
        let cli = Cli::try_parse_from([
            "makapix-player",
            "--preview",
            "screen,p3a",
            "--preview",
            "led32x16",
        ])
        .unwrap();
        assert_eq!(
            cli.preview,
            [
                PreviewMode::Screen,
                PreviewMode::P3a,
                PreviewMode::Led { w: 32, h: 16 }
            ]
        );
        let err = Cli::try_parse_from(["makapix-player", "--preview", "tv"]).unwrap_err();
        assert!(err.to_string().contains("led64x64"), "{err}");
        assert!(
            Cli::try_parse_from(["makapix-player"])
                .unwrap()
                .preview
                .is_empty()
        );
    }

    #[test]
    fn credentials_show_reveals_the_key_only_when_asked() {
        let show = |args: &[&str]| match Cli::try_parse_from(args).unwrap().command {
            Some(Command::Credentials {
                action: CredentialsCommand::Show { reveal },
            }) => reveal,
            other => panic!("{other:?}"),
        };
        assert!(!show(&["makapix-player", "credentials", "show"]));
        assert!(show(&["makapix-player", "credentials", "show", "--reveal"]));
    }

    #[test]
    fn server_flags_before_a_subcommand_run_the_subcommand() {
        for args in [
            &[
                "makapix-player",
                "--api",
                "http://127.0.0.1:9/api",
                "credentials",
                "show",
            ][..],
            &[
                "makapix-player",
                "credentials",
                "show",
                "--api",
                "http://127.0.0.1:9/api",
            ][..],
            &[
                "makapix-player",
                "-v",
                "--broker",
                "mqtts://h:8883",
                "credentials",
                "show",
            ][..],
        ] {
            let cli = Cli::try_parse_from(args).unwrap();
            assert!(
                matches!(
                    cli.command,
                    Some(Command::Credentials {
                        action: CredentialsCommand::Show { .. }
                    })
                ),
                "{args:?}: {cli:?}"
            );
            assert!(cli.paths.is_empty(), "{args:?}");
            assert_eq!(cli.check(), Ok(()));
        }
        let cli =
            Cli::try_parse_from(["makapix-player", "--api", "http://x/api", "a.png"]).unwrap();
        assert_eq!(cli.paths, [PathBuf::from("a.png")]);
        assert!(cli.command.is_none());
    }

    #[test]
    fn window_flags_with_a_subcommand_are_refused_in_a_sentence() {
        let cli = Cli::try_parse_from(["makapix-player", "--fullscreen", "register"]).unwrap();
        let err = cli.check().unwrap_err();
        assert!(
            err.contains("--fullscreen") && err.contains("`register`"),
            "{err}"
        );
    }

    #[test]
    fn export_reads_a_device_a_scale_a_frame_and_an_output() {
        use crate::preview::PreviewMode;
        let cli = Cli::try_parse_from([
            "makapix-player",
            "export",
            "art.gif",
            "--preview",
            "led64x64",
            "--scale",
            "8",
            "--frame",
            "2",
            "-o",
            "out.png",
        ])
        .unwrap();
        let Some(Command::Export(args)) = &cli.command else {
            panic!("{cli:?}");
        };
        assert_eq!(args.device, PreviewMode::Led { w: 64, h: 64 });
        assert_eq!((args.scale, args.frame), (Some(8), Some(1)));
        assert_eq!(args.output, PathBuf::from("out.png"));
        assert_eq!(cli.check(), Ok(()));
        for (flag, value, says) in [
            ("--scale", "0", "1 to 64"),
            ("--frame", "0", "1 is the first"),
        ] {
            let err = Cli::try_parse_from([
                "makapix-player",
                "export",
                "a.gif",
                "--preview",
                "p3a",
                flag,
                value,
                "-o",
                "o.gif",
            ])
            .unwrap_err();
            assert!(err.to_string().contains(says), "{err}");
        }
        let cli = Cli::try_parse_from([
            "makapix-player",
            "--fullscreen",
            "export",
            "a.gif",
            "--preview",
            "p3a",
            "-o",
            "o.gif",
        ])
        .unwrap();
        assert!(cli.check().unwrap_err().contains("`export`"));
    }

    #[test]
    fn trace_timing_is_off_unless_asked() {
        let cli = Cli::try_parse_from(["makapix-player"]).unwrap();
        assert!(!cli.trace_timing);
        let cli = Cli::try_parse_from(["makapix-player", "--trace-timing"]).unwrap();
        assert!(cli.trace_timing);
    }
}
