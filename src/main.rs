// A release build on Windows opens no console window beside the player.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use eframe::egui;

use makapix_player::credentials::server::Server;
use makapix_player::program::cli::{self, Cli};
use makapix_player::program::quit_signals;
use makapix_player::program::single_instance;
use makapix_player::settings::load::SettingsRead;
use makapix_player::storage::paths::AppPaths;
use makapix_player::ui::{PlayerApp, StartOptions};
use makapix_player::{VERSION, bridge, logging, net};
use std::sync::Arc;

fn main() -> anyhow::Result<()> {
    makapix_player::program::heap::return_large_blocks();
    let cli = Cli::parse_checked();
    // An export needs no display, keyring or network: it runs before any of them.
    if let Some(cli::Command::Export(args)) = &cli.command {
        export(args, cli.verbose);
        return Ok(());
    }
    if cli.trace_timing {
        makapix_player::timing::enable();
    }
    // ring is the only rustls provider in the build; make it the process default.
    net::tls::install_crypto_provider();
    let app_paths = AppPaths::from_os();
    makapix_player::player_key::install_panic_hook();
    // Files an older version wrote with the umask's modes become the owner's alone.
    if let Some(paths) = &app_paths {
        makapix_player::storage::private_files::tighten(paths);
    }
    let instance_name = single_instance::name_for(app_paths.as_ref().map(|p| p.config.as_path()));
    if let Err(e) = Server::default().with_overrides(&cli.overrides()) {
        eprintln!("{e}");
        std::process::exit(1);
    }
    if let Some(command) = &cli.command {
        run_command(command, &cli, app_paths.as_ref(), &instance_name);
        return Ok(());
    }
    // One window per identity: a later launch hands its paths and flags over and ends.
    let Some(handover) = claim_window(&instance_name, &cli) else {
        return Ok(());
    };
    let log_file = logging::init(
        app_paths.as_ref().map(AppPaths::log_dir).as_deref(),
        cli.verbose,
    );
    tracing::info!(
        "Makapix Player {VERSION} starting; log file: {}",
        log_file.map_or_else(|| "none".into(), |p| p.display().to_string())
    );
    // Without the socket the window opens all the same, deaf to later launches.
    let handover = match handover {
        Ok(server) => Some(server),
        Err(reason) => {
            tracing::warn!("{reason}");
            None
        }
    };
    if let Some(paths) = &app_paths {
        paths.sweep_leftovers();
    }
    open_window(cli, app_paths, handover)
}

/// `makapix-player export …`: one sentence on success, one and exit 1 on failure.
fn export(args: &cli::ExportArgs, verbose: bool) {
    if verbose {
        logging::init(None, true);
    }
    match cli::run_export(args, AppPaths::from_os().as_ref()) {
        Ok(done) => println!("{done}"),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}

/// Credentials commands: no window, output only what was asked (the log with --verbose),
/// a one-line reason and a non-zero exit on failure.
fn run_command(
    command: &cli::Command,
    cli: &Cli,
    app_paths: Option<&AppPaths>,
    instance_name: &single_instance::InstanceName,
) {
    if cli.verbose {
        logging::init(app_paths.map(AppPaths::log_dir).as_deref(), true);
    }
    if let Err(e) = cli::run(command, app_paths, cli.overrides()) {
        // A keyring's or a crate's message may name the player key.
        eprintln!("{}", makapix_player::player_key::redact(&e.to_string()));
        std::process::exit(1);
    }
    // A window running beside the command reads the changed credentials at once.
    if cli::changes_credentials(command) {
        single_instance::notify_credentials_changed(instance_name);
    }
}

/// Claims the window of this identity: `Some` to open it, with the socket
/// later launches reach or why there is none; `None` when a running window
/// took this launch's wishes.
fn claim_window(
    instance_name: &single_instance::InstanceName,
    cli: &Cli,
) -> Option<Result<single_instance::InstanceListener, String>> {
    use single_instance::ClaimError;
    match single_instance::claim(instance_name, &handover_message(cli)) {
        Ok(single_instance::Claim::HandedOver) => {
            println!("Makapix Player is already running; it plays what was asked.");
            None
        }
        Ok(single_instance::Claim::First(server)) => Some(Ok(server)),
        Err(e @ (ClaimError::NoAnswer | ClaimError::StillClosing | ClaimError::TooLarge(_))) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
        // The local socket is a convenience: without it the window still opens.
        Err(e) => {
            eprintln!("{e}");
            Some(Err(e.to_string()))
        }
    }
}

fn native_options(cli: &Cli) -> eframe::NativeOptions {
    eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Makapix Player")
            .with_app_id("club.makapix.Player")
            .with_inner_size(cli.window_size.unwrap_or([900.0, 700.0]))
            .with_min_inner_size(makapix_player::settings::WindowPlace::MIN)
            .with_drag_and_drop(true)
            .with_icon(window_icon()),
        renderer: eframe::Renderer::Glow,
        // Settings are ours (per-user config folder), not eframe's app.ron.
        persist_window: false,
        // Dithering adds noise to every fragment: art pixels must stay exact, and on
        // software OpenGL it costs about a tenth of an animation's CPU.
        dithering: false,
        ..Default::default()
    }
}

fn open_window(
    cli: Cli,
    app_paths: Option<AppPaths>,
    handover: Option<single_instance::InstanceListener>,
) -> anyhow::Result<()> {
    // Read while eframe makes the window and its GL context, not on the window thread.
    let settings_read = SettingsRead::start(app_paths.as_ref().map(AppPaths::settings_file));
    let options = native_options(&cli);
    let previews = cli.preview.clone();
    let outputs = cli.outputs.clone();
    let size_given = cli.window_size.is_some();
    // Caught from now on: a signal while the window opens closes it once it is there.
    let quit = quit_signals::QuitSignals::start();
    let start = StartOptions {
        server_overrides: cli.overrides(),
        paths: cli.paths,
        fullscreen: cli.fullscreen,
        app_paths,
        settings: None,
        settings_read: Some(settings_read),
        // The server's vault (its settings, or `--vault`) arrives with the stored server facts.
        vault: None,
        timezone: makapix_player::app::launch::system_timezone(),
        transport: cli.transport,
        first_read_wait: None,
        new_art_wait: None,
        file_dialogs: None,
    };
    eframe::run_native(
        "Makapix Player",
        options,
        Box::new(move |cc| {
            let ctx = cc.egui_ctx.clone();
            if let Some(server) = &handover {
                let ctx = ctx.clone();
                server.set_wake(move || ctx.request_repaint());
            }
            let (mut window_end, runtime_end) =
                bridge::channel::pair(Arc::new(move || ctx.request_repaint()));
            match net::runtime::start(runtime_end) {
                Ok(thread) => window_end.attach(thread),
                Err(e) => tracing::error!("the background runtime could not start: {e}"),
            }
            let mut app = PlayerApp::new(start);
            // `--window-size` is for this run; otherwise the size the user left it at.
            if !size_given {
                makapix_player::ui::window_place::restore(&cc.egui_ctx, app.settings());
            }
            if let Some(gl) = &cc.gl {
                app.use_gl(Arc::clone(gl));
            }
            if !previews.is_empty() {
                app.set_previews(previews);
            }
            app.play_to(outputs);
            app.attach_runtime(window_end);
            if let Some(server) = handover {
                app.take_handovers(server);
            }
            if let Some(source) = makapix_player::screen_lock::ScreenLock::system() {
                app.watch_screen_lock(source);
            }
            let window = cc.egui_ctx.clone();
            // A close nobody will answer: the window keeps what it would ask about.
            quit.close_with(move || makapix_player::ui::system_close::ask(&window));
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow::anyhow!("The window could not be opened: {e}. On Linux, check that a display (X11 or Wayland) is available."))
}

/// What this launch asks of a window already running.
fn handover_message(cli: &Cli) -> single_instance::Message {
    let cwd = std::env::current_dir().unwrap_or_default();
    single_instance::Message {
        fullscreen: cli.fullscreen,
        previews: cli.preview.iter().map(|p| p.name()).collect(),
        outputs: cli.outputs.clone(),
        ..single_instance::Message::open(&cli.paths, &cwd)
    }
}

/// The window and task-bar icon, from the same pixel-art source as the installers' icons.
fn window_icon() -> egui::IconData {
    match makapix_player::program::icon::parse(makapix_player::program::icon::SOURCE) {
        Ok(icon) => {
            let big = makapix_player::program::icon::resize(&icon, 128);
            egui::IconData {
                rgba: big.rgba,
                width: big.size,
                height: big.size,
            }
        }
        Err(e) => {
            tracing::warn!("{e}");
            egui::IconData::default()
        }
    }
}
