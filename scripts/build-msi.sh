#!/usr/bin/env bash
# Builds the Windows installer's contents on Linux, so CI checks them on every change:
# cross-compiles makapix-player.exe (x86_64-pc-windows-gnu, MinGW) and packs wix/main.wxs
# with wixl (msitools). wixl knows no WiX UI library, so the copy it builds leaves out the
# install-scope dialogs; everything else (files, shortcut, file types, upgrade code, version)
# is main.wxs as `cargo wix` builds it on Windows.
# Prints the .msi's path on its last line. Usage: scripts/build-msi.sh [cargo profile]
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:-package-check}
target=x86_64-pc-windows-gnu

cargo build --locked --quiet --target "$target" --profile "$profile" --bin makapix-player
# cargo names the dev profile's folder "debug".
dir=$profile; [ "$profile" = dev ] && dir=debug
exe="target/$target/$dir/makapix-player.exe"

stage=target/msi
rm -rf "$stage"; mkdir -p "$stage"
cp "$exe" "$stage/makapix-player.exe"
# wixl reads paths with forward slashes, relative to where it runs.
python3 - wix/main.wxs "$stage/main.wxs" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="cp1252").read()
text = re.sub(r"<UI>.*?</UI>", "", text, flags=re.S)
text = re.sub(r"<WixVariable[^>]*/>", "", text)
text = re.sub(r'(Source|SourceFile)="([^"]*)"',
              lambda m: '%s="%s"' % (m.group(1), m.group(2).replace("\\", "/")), text)
open(sys.argv[2], "w", encoding="cp1252").write(text)
PY
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
msi="$stage/makapix-player-$version-x86_64.msi"
# wixl warns about WiX attributes it does not model (e.g. MajorUpgrade/@Schedule); errors fail.
wixl --arch x64 -D CargoTargetBinDir="$stage" -o "$msi" "$stage/main.wxs" 2> >(grep -v "GLib-GObject-WARNING\|^$" >&2)
echo "$msi"
