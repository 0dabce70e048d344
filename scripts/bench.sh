#!/usr/bin/env bash
# Benchmarks, side by side with what a user would use instead; writes BENCHMARKS.md.
#   scripts/bench.sh                 # everything (about 15 minutes)
#   scripts/bench.sh decode          # or only some parts: decode startup remote pacing cpu memory
# Measures on this machine as it is: run it on a quiet machine, not beside a build.
# Installs what it needs (Debian/Ubuntu, as root): Xvfb, mosquitto, a Secret Service for the
# player's identity, Chromium as the peer, and Python Pillow in a venv under target/bench.
set -euo pipefail
cd "$(dirname "$0")/.."

out=target/bench
mkdir -p "$out"
parts=("$@")
want() { [ ${#parts[@]} -eq 0 ] || [[ " ${parts[*]} " == *" $1 "* ]]; }

PACKAGES=(xvfb imagemagick libgl1 libegl1 libgl1-mesa-dri libxkbcommon-x11-0 libxcursor1 libxrandr2 libxi6
          mosquitto openssl gnome-keyring dbus chromium python3-venv)
bash scripts/install-packages.sh "${PACKAGES[@]}"

if want decode; then
  echo "== decode: makapix-player (cargo bench)"
  cargo bench --locked --bench decode -- --bench | tee "$out/decode-player.md"
  files=$(sed -n 's/^files: //p' "$out/decode-player.md")

  echo "== decode: Pillow"
  if [ ! -x "$out/venv/bin/python" ]; then
    python3 -m venv "$out/venv"
    "$out/venv/bin/pip" install --quiet pillow
  fi
  "$out/venv/bin/python" - "$files" > "$out/decode-pillow.md" <<'PY'
import sys, time, statistics, pathlib
from PIL import Image, ImageSequence, __version__ as pil_version

folder = pathlib.Path(sys.argv[1])
print(f"| file | frames | median decode (ms) | runs |  (Pillow {pil_version})")
print("|---|---|---|---|")
for name in ["anim-256.gif", "anim-256.webp", "anim-256.png", "still-256.png"]:
    data = (folder / name).read_bytes()
    runs = 200 if name.startswith("still") else 15
    samples, frames = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        with Image.open(__import__("io").BytesIO(data)) as im:
            # The same work as the player: every frame composited to full RGBA pixels.
            decoded = [f.convert("RGBA").tobytes() for f in ImageSequence.Iterator(im)]
        samples.append(time.perf_counter() - start)
        frames = len(decoded)
    print(f"| {name} | {frames} | {statistics.median(samples) * 1000:.2f} | {runs} |")
PY
  cat "$out/decode-pillow.md"
fi

player_parts=()
for p in startup remote pacing cpu memory; do
  want "$p" && player_parts+=("$p")
done
if [ ${#player_parts[@]} -gt 0 ]; then
  echo "== player: ${player_parts[*]} (benches/player on the release binary)"
  # The release binary is what is measured; the driver (broker, back end, vault, statistics)
  # only needs the quick test profile. Both are built before anything is timed.
  cargo build --release --locked
  cargo test --locked --bench player --no-run
  # A private D-Bus session with an unlocked Secret Service: `makapix-player import` keeps
  # the benchmark player's identity there, as it would on a desktop.
  dbus-run-session -- bash -c '
    set -euo pipefail
    export XDG_DATA_HOME=$(mktemp -d); mkdir -p "$XDG_DATA_HOME/keyrings"
    eval "$(printf bench-pass | gnome-keyring-daemon --unlock --components=secrets --daemonize)"
    MAKAPIX_BENCH_REMOTE=1 MAKAPIX_BENCH_BIN=target/release/makapix-player \
      cargo test --locked --bench player -- --bench "$@"' bench "${player_parts[@]}" \
    2> >(grep -v "Failed to set fd limit" >&2) | tee "$out/player.md"
fi

cpu=$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)
chromium_version=$(chromium --version 2>/dev/null || echo "Chromium not installed")
{
  echo "# Benchmarks"
  echo
  echo "Measured by \`scripts/bench.sh\` on $(date -u +%Y-%m-%d): $(nproc) cores ($cpu), $(free -g | awk '/Mem:/{print $2}') GB,"
  echo "$(. /etc/os-release && echo "$PRETTY_NAME"), Xvfb with Mesa's software OpenGL (llvmpipe), $chromium_version."
  echo "The player is the release build (\`cargo build --release\`), started as a user would start it;"
  echo "medians and percentiles of repeated runs, lower is better. Nothing here is a pass/fail"
  echo "test: CI only checks that the benchmarks build and that one short iteration runs."
  echo
  echo "How the times are taken: started with \`--trace-timing\`, the player logs a \`timing present\`"
  echo "line from a paint callback when a frame of an artwork is painted (just before the buffer"
  echo "swap), and \`timing command_received\` / \`timing ack_sent\` around commands; each line"
  echo "carries a monotonic and a wall-clock time in µs. \`benches/player/\` starts mosquitto"
  echo "(mutual TLS, like Makapix), the test back end and a vault on 127.0.0.1, runs the binary"
  echo "under Xvfb and reads those lines, /proc/PID/stat (CPU) and /proc/PID/status (VmHWM)."
  echo
  if [ -f "$out/player.md" ]; then
    echo "## The player end to end"
    echo
    cat "$out/player.md"
  fi
  if [ -f "$out/decode-player.md" ]; then
    echo "## Decode into RGBA frames (256×256; animations of 120 frames)"
    echo
    echo "Target: faster than Pillow on every file. Files are generated by \`benches/decode.rs\`;"
    echo "Pillow decodes the very same files, converting every frame to RGBA as the player does."
    echo
    python3 - "$out/decode-player.md" "$out/decode-pillow.md" <<'PY'
import sys

def medians(path):
    rows = {}
    for line in open(path):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0].endswith((".gif", ".webp", ".png")):
            rows.setdefault(cells[0], (cells[1], float(cells[2])))
    return rows

player, pillow = medians(sys.argv[1]), medians(sys.argv[2])
print("| file | frames | Makapix Player, median (ms) | Pillow, median (ms) | verdict |")
print("|---|---|---|---|---|")
missed = []
for name, (frames, ours) in player.items():
    theirs = pillow.get(name, (None, None))[1]
    if theirs is None:
        verdict = "—"
    elif ours < theirs:
        verdict = f"met ({theirs / ours:.1f}× faster)"
    else:
        verdict = "**missed**"
        missed.append(name)
    shown = "—" if theirs is None else f"{theirs:.2f}"
    print(f"| {name} | {frames} | {ours:.2f} | {shown} | {verdict} |")
why = {
    ".gif": "both sides spend the time in LZW decoding: GIF frames reach the player through "
            "the image crate and the gif crate (weezl's LZW); a hand-written path with indexed "
            "output and no compositing layer was tried and was no faster. What would close it: "
            "a faster LZW decoder (wider table-driven decoding in weezl).",
    ".webp": "WebP is decoded by image-webp (pure Rust), Pillow calls Google's libwebp (C with "
             "SIMD). What would close it: SIMD in image-webp's VP8/VP8L paths, or libwebp through "
             "a -sys crate at the cost of a C build.",
    ".png": "the png crate does the same inflate work as Pillow's zlib. What would close it: "
            "a faster inflate backend (zlib-rs) for the png crate.",
}
for name in missed:
    ext = "." + name.rsplit(".", 1)[-1]
    print()
    print(f"Missed: {name}: {why.get(ext, 'see the tables below.')}")
PY
    echo
    echo "Each side's own table (the player's also times decoding into its compact frame store):"
    echo
    echo "### Makapix Player"
    grep '^|' "$out/decode-player.md"
    echo
    echo "### Python Pillow"
    grep '^|' "$out/decode-pillow.md"
  fi
} > BENCHMARKS.md
echo "== wrote BENCHMARKS.md"
