mod cli_subcommands;
mod close_xvfb;
mod exit_budget;
mod export_preview;
mod led_outputs;
mod preview_xvfb;
mod smoke_xvfb;
mod window_place_xvfb;
