#!/usr/bin/env bash
# Assembles "Makapix Player.app" from a release build and, on a Mac, packs it into a .dmg.
#   cargo build --release && macos/make-app.sh
# Output: target/macos/Makapix Player.app and target/macos/Makapix-Player-VERSION.dmg
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
plist_version=$(sed -n '/CFBundleShortVersionString/{n;s/.*<string>\(.*\)<\/string>.*/\1/p;}' macos/Info.plist)
if [ "$version" != "$plist_version" ]; then
  echo "macos/Info.plist says $plist_version but Cargo.toml says $version: update the plist first." >&2
  exit 1
fi
binary=target/release/makapix-player
if [ ! -x "$binary" ]; then
  echo "No release build at $binary: run 'cargo build --release' first." >&2
  exit 1
fi

out=target/macos
app="$out/Makapix Player.app"
rm -rf "$app"
mkdir -p "$app/Contents/MacOS" "$app/Contents/Resources"
cp macos/Info.plist "$app/Contents/Info.plist"
cp "$binary" "$app/Contents/MacOS/makapix-player"
cp assets/icon/makapix-player.icns "$app/Contents/Resources/makapix-player.icns"
printf 'APPL????' > "$app/Contents/PkgInfo"
echo "Built $app"

if command -v hdiutil >/dev/null 2>&1; then
  dmg="$out/Makapix-Player-$version.dmg"
  rm -f "$dmg"
  hdiutil create -volname "Makapix Player" -srcfolder "$app" -ov -format UDZO "$dmg"
  echo "Built $dmg"
else
  echo "hdiutil is not available (not a Mac): the .dmg step was skipped."
fi
