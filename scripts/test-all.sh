#!/usr/bin/env bash
# Installs what the tests need (Debian/Ubuntu, as root) and runs every check and test.
# The one command for "does it all work": CI (.ci/run) calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

# Runtime pieces only (an X server, software OpenGL, screenshots; mosquitto and openssl for
# the MQTT test rig in tests/support/rig and RSA test keys; a Secret Service and D-Bus for the
# real-keyring test); the build needs no -dev package.
# Plus the validators and dpkg tools that check the Linux package, and MinGW and wixl
# (msitools), which build and read the Windows installer; clang for the macOS type-check.
PACKAGES=(xvfb imagemagick libgl1 libegl1 libgl1-mesa-dri libxkbcommon-x11-0 libxcursor1 libxrandr2 libxi6
          mosquitto openssl gnome-keyring dbus libsecret-tools desktop-file-utils appstream dpkg-dev
          gcc-mingw-w64-x86-64 wixl msitools clang)
bash scripts/install-packages.sh "${PACKAGES[@]}"

rustup component add rustfmt clippy >/dev/null 2>&1 || true

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --all-targets --locked
echo "== real OS keyring (Secret Service by gnome-keyring in a private D-Bus session), remote benchmark smoke"
# The login collection only exists once unlocked with a password, given on stdin.
dbus-run-session -- bash -c '
  set -euo pipefail
  export XDG_DATA_HOME=$(mktemp -d); mkdir -p "$XDG_DATA_HOME/keyrings"
  eval "$(printf ci-pass | gnome-keyring-daemon --unlock --components=secrets --daemonize)"
  cargo test --locked --test keyring_real -- --ignored
  # The benchmarks through the broker import the player identity into this keyring: one short
  # smoke iteration (the rest of benches/player ran once under cargo test above). Never timed.
  MAKAPIX_BENCH_REMOTE=1 cargo test --locked --bench player -- remote' 2> >(grep -v "Failed to set fd limit" >&2)

echo "== Linux package (cargo deb)"
command -v cargo-deb >/dev/null 2>&1 || cargo install cargo-deb --locked --version 3.8.0
deb=$(cargo deb --locked --profile package-check | tail -n 1)
MAKAPIX_DEB="$deb" cargo test --locked --test packaging -- --ignored debian_package

echo "== Windows installer (MinGW cross build + wixl)"
if rustup target add x86_64-pc-windows-gnu >/dev/null 2>&1; then
  msi=$(bash scripts/build-msi.sh | tail -n 1)
  MAKAPIX_MSI="$msi" cargo test --locked --test packaging -- --ignored windows_installer
else
  # rustup's servers are outside this project; without the target nothing can be built.
  echo "SKIPPED: rustup could not install the x86_64-pc-windows-gnu target, so the MSI was not checked." >&2
fi

echo "== macOS build type-check"
if rustup target add aarch64-apple-darwin >/dev/null 2>&1; then
  bash scripts/check-macos.sh
else
  echo "SKIPPED: rustup could not install the aarch64-apple-darwin target, so the macOS build was not checked." >&2
fi
