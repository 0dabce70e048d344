#!/usr/bin/env bash
# Installs what the tests need (Debian/Ubuntu, as root) and runs every check and test.
# The one command for "does it all work": CI (.ci/run) calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step's wall time, printed as it starts and listed at the exit: CI gives a full run 30
# minutes on 2 cores, and this list says where they go.
step_times=()
step_name="system packages"
step_start=$SECONDS
end_step() {
  step_times+=("$(printf '%6d s  %s' $((SECONDS - step_start)) "$step_name")")
}
step() {
  end_step
  step_name=$1
  step_start=$SECONDS
  echo "== [${SECONDS} s] $1"
}
print_step_times() {
  end_step
  echo "== time by step (${SECONDS} s in all):"
  printf '%s\n' "${step_times[@]}"
}
trap print_step_times EXIT

# Runtime pieces only (an X server, software OpenGL, screenshots; mosquitto and openssl for
# the MQTT test rig in tests/support/rig and RSA test keys; a Secret Service and D-Bus for the
# real-keyring test); the build needs no -dev package.
# Plus the validators and dpkg tools that check the Linux package, and MinGW and wixl
# (msitools), which build and read the Windows installer; clang for the macOS type-check;
# Debian's python3, which the single-instance test runs as user nobody; xdotool, which presses
# keys in the real binary's window.
PACKAGES=(xvfb xdotool imagemagick libgl1 libegl1 libgl1-mesa-dri libxkbcommon-x11-0 libxcursor1 libxrandr2 libxi6
          mosquitto openssl gnome-keyring dbus libsecret-tools desktop-file-utils appstream dpkg-dev
          gcc-mingw-w64-x86-64 wixl msitools clang python3)
bash scripts/install-packages.sh "${PACKAGES[@]}"

rustup component add rustfmt clippy >/dev/null 2>&1 || true

# A step that cannot run says SKIPPED and is counted; the run then fails at the end, so CI never
# passes on checks that did not happen. MAKAPIX_ALLOW_SKIPPED=1 accepts such a run (locally,
# without network for rustup, say); CI never sets it.
skipped=()
skip() {
  echo "SKIPPED: $1" >&2
  skipped+=("$1")
}

# Runs ignored tests of one test binary (tests/<name>/main.rs or tests/<name>.rs), each named
# by its full path (--exact), and fails unless every one of them ran and passed: a renamed test
# would otherwise match nothing and "pass".
# Usage: run_ignored <test binary> <test path>...
run_ignored() {
  local file=$1; shift
  local log; log=$(mktemp)
  cargo test --locked --test "$file" -- --ignored --exact "$@" | tee "$log"
  local passed
  passed=$(sed -n 's/^test result: [a-zA-Z]*\. \([0-9][0-9]*\) passed;.*/\1/p' "$log" | awk '{n += $1} END {print n + 0}')
  rm -f "$log"
  if [ "$passed" -eq 0 ] || [ "$passed" -ne "$#" ]; then
    echo "FAILED: $passed of the $# ignored tests named for the $file tests ran and passed: $*" >&2
    return 1
  fi
}

# Runs every ignored test of the given test binaries (those that need mosquitto, Xvfb, openssl,
# which this script installed) and fails unless as many passed as the binaries list: an ignored
# test that did not run fails the step as surely as one that failed.
# Usage: run_all_ignored <test binary>...
run_all_ignored() {
  local targets=() t
  for t in "$@"; do targets+=(--test "$t"); done
  local listed log passed
  listed=$(cargo test --locked "${targets[@]}" -- --list --ignored | grep -c ': test$' || true)
  log=$(mktemp)
  cargo test --locked "${targets[@]}" -- --ignored | tee "$log"
  passed=$(sed -n 's/^test result: [a-zA-Z]*\. \([0-9][0-9]*\) passed;.*/\1/p' "$log" | awk '{n += $1} END {print n + 0}')
  rm -f "$log"
  if [ "$listed" -eq 0 ] || [ "$passed" -ne "$listed" ]; then
    echo "FAILED: $passed of the $listed ignored tests of $* ran and passed." >&2
    return 1
  fi
}

# The ignored tests of tests/system that this script never runs, each run by hand: the check
# below accepts them unnamed by any step, and no other.
MANUAL_ONLY=(
  soak::the_long_soak_keeps_every_command_view_and_byte # ten minutes; benches/results/soak.md
)

# tests/system holds the tests that need a setting of their own (a real keyring, root, a built
# package, a long soak); every ignored one is run by name below, or listed in MANUAL_ONLY. One
# named nowhere would never run, so the run stops here. Comments do not count as naming: a test
# named only in one runs nowhere. Usage: check_system_tests_named [script], this one by default.
check_system_tests_named() {
  local script=${1:-scripts/test-all.sh}
  local names steps name manual missing=0
  names=$(cargo test --locked --test system -- --list --ignored | sed -n 's/: test$//p')
  # The script's lines without comments (whole-line ones and those after code), and without
  # the MANUAL_ONLY list itself.
  steps=$(sed -e '/^MANUAL_ONLY=(/,/^)/d' -e 's/^[[:space:]]*#.*//' -e 's/[[:space:]]#.*$//' "$script")
  for name in $names; do
    for manual in "${MANUAL_ONLY[@]}"; do
      [ "$name" = "$manual" ] && continue 2
    done
    if ! grep -qwF -- "$name" <<<"$steps"; then
      echo "FAILED: tests/system's ignored test $name is run by no step of $script (nor listed in MANUAL_ONLY)." >&2
      missing=1
    fi
  done
  for manual in "${MANUAL_ONLY[@]}"; do
    if ! grep -qxF -- "$manual" <<<"$names"; then
      echo "FAILED: MANUAL_ONLY names $manual, which is no ignored test of tests/system." >&2
      missing=1
    fi
  done
  return "$missing"
}
export -f run_ignored

step "cargo tools the checks use (cargo-deny, cargo-deb), built once a machine"
# Built unoptimised and without LTO (cargo-deny's own profile is fat LTO in one codegen unit):
# 100 s instead of 280 s on 2 cores, for tools that then run for seconds.
install_tool() {
  CARGO_PROFILE_RELEASE_OPT_LEVEL=0 CARGO_PROFILE_RELEASE_LTO=false \
    CARGO_PROFILE_RELEASE_CODEGEN_UNITS=256 CARGO_PROFILE_RELEASE_DEBUG=false \
    cargo install --locked "$@"
}
cargo deny --version 2>/dev/null | grep -qx 'cargo-deny 0.20.2' || install_tool cargo-deny --version 0.20.2
cargo deb --version 2>/dev/null | grep -qx 'cargo-deb 3.8.0' || install_tool cargo-deb --version 3.8.0
step "cargo fmt --check"
cargo fmt --all -- --check
step "cargo clippy"
cargo clippy --all-targets --locked -- -D warnings
step "supply chain: licences, banned crates, sources (cargo deny, deny.toml)"
# Every target's crates (Windows, macOS too) must be on disk for cargo metadata; the check
# itself then runs offline (no advisory database: licences, bans and sources need none).
cargo fetch --locked
cargo deny --offline check licenses bans sources
step "cargo test: what passes on any machine with Rust (the tests below are ignored there)"
cargo test --all-targets --locked
step "the tests that need mosquitto, Xvfb, openssl, D-Bus or the package validators (ignored by a plain cargo test)"
run_all_ignored it log_budget memory_bounds ui_secret_fields
run_ignored system single_instance_xvfb::a_second_launch_with_a_file_hands_it_over_and_exits \
  single_instance_xvfb::a_second_launch_with_an_output_makes_the_window_play_to_it \
  packaging::the_desktop_entry_passes_desktop_file_validate \
  packaging::the_metainfo_passes_appstreamcli_and_names_this_version
# Every ignored test of tests/system is run by a step of this script or listed in MANUAL_ONLY.
check_system_tests_named
step "real OS keyring (Secret Service by gnome-keyring in a private D-Bus session), remote benchmark smoke"
# The login collection only exists once unlocked with a password, given on stdin.
dbus-run-session -- bash -c '
  set -euo pipefail
  export XDG_DATA_HOME=$(mktemp -d); mkdir -p "$XDG_DATA_HOME/keyrings"
  eval "$(printf ci-pass | gnome-keyring-daemon --unlock --components=secrets --daemonize)"
  run_ignored system keyring_real::a_credential_set_lives_in_the_real_keyring \
    keyring_real::the_command_line_imports_registers_renews_and_removes_with_the_real_keyring \
    keyring_real::the_command_lines_import_of_a_due_bundle_renews_at_once_with_the_real_keyring \
    keyring_real::an_expired_bundle_the_server_cannot_renew_now_is_kept_with_the_way_forward
  # A whole session (registration, renewal, the window, a refused request): the whole player
  # key in no output and no file, player.json included; every file 0600 in 0700 folders.
  run_ignored system player_key_secret::no_whole_player_key_in_anything_the_player_printed_or_wrote
  # One window per identity: the real binary, the real keyring, one MQTT session at the broker.
  run_ignored system single_instance_xvfb::a_second_launch_makes_no_second_mqtt_session
  # The soak of issue 15, short: the real binary through broker restarts and command bursts
  # (the ten-minute run is by hand: benches/results/soak.md).
  run_ignored system soak::a_90_s_soak_keeps_every_command_view_and_byte
  # The benchmarks through the broker import the player identity into this keyring: one short
  # smoke iteration (the rest of benches/player ran once under cargo test above). Never timed.
  MAKAPIX_BENCH_REMOTE=1 cargo test --locked --bench player -- remote screen-show' 2> >(grep -v "Failed to set fd limit" >&2)

step "one window per identity, for its own user only (acts as nobody: needs root)"
if [ "$(id -u)" -eq 0 ]; then
  run_ignored system single_instance_users::a_launch_by_another_user_is_not_obeyed \
    single_instance_users::a_socket_squatted_by_another_user_gets_no_paths_and_does_not_hold_up_the_launch
else
  skip "not root, so a launch by another user was not tried against the window's socket."
fi

step "Linux package (cargo deb)"
# The test build's profile: the binary is rebuilt only without the tests' `dev` feature,
# not with every crate again as a profile of its own would be.
deb=$(cargo deb --locked --profile dev --fast | tail -n 1)
MAKAPIX_DEB="$deb" run_ignored system packaging::the_debian_package_holds_the_binary_desktop_entry_icons_and_metainfo

step "Windows installer (MinGW cross build + wixl)"
if rustup target add x86_64-pc-windows-gnu >/dev/null 2>&1; then
  msi=$(bash scripts/build-msi.sh | tail -n 1)
  MAKAPIX_MSI="$msi" run_ignored system packaging::the_windows_installer_holds_the_gui_program_its_shortcut_and_file_types
else
  # rustup's servers are outside this project; without the target nothing can be built.
  skip "rustup could not install the x86_64-pc-windows-gnu target, so the MSI was not checked."
fi

step "macOS build type-check"
if rustup target add aarch64-apple-darwin >/dev/null 2>&1; then
  bash scripts/check-macos.sh
else
  skip "rustup could not install the aarch64-apple-darwin target, so the macOS build was not checked."
fi

if [ "${#skipped[@]}" -gt 0 ]; then
  if [ "${MAKAPIX_ALLOW_SKIPPED:-}" = 1 ]; then
    echo "== done, with ${#skipped[@]} step(s) SKIPPED (allowed by MAKAPIX_ALLOW_SKIPPED=1)" >&2
  else
    echo "FAILED: ${#skipped[@]} step(s) SKIPPED (see above), so this run did not check everything." >&2
    echo "Fix what kept them from running, or set MAKAPIX_ALLOW_SKIPPED=1 to accept a partial run." >&2
    exit 1
  fi
fi
