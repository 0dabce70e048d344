#!/usr/bin/env bash
# Peak memory (VmHWM) of the real player showing long 256×256 animations under Xvfb.
#   scripts/measure-memory.sh [BINARY] [SECONDS]
# BINARY defaults to target/release/makapix-player (build it first); each
# animation (100, 300, 1000 frames) plays for SECONDS (default 20) in a fresh
# profile, then the peak resident set size is read from /proc/PID/status.
# Needs Xvfb and ImageMagick's `import` (a screenshot of each run is kept).
set -euo pipefail
cd "$(dirname "$0")/.."

binary=${1:-target/release/makapix-player}
seconds=${2:-20}
out=target/memory
# A display number nobody else is using (other runs may share this machine).
number=$((60 + RANDOM % 30))
while [ -e "/tmp/.X$number-lock" ]; do number=$((number + 1)); done
display=:$number
mkdir -p "$out"

cargo run --quiet --locked --example make_long_animation -- "$out" 100 300 1000 >/dev/null

Xvfb "$display" -screen 0 1024x768x24 -nolisten tcp &
xvfb=$!
trap 'kill "$xvfb" 2>/dev/null || true' EXIT
sleep 1

echo "| animation | peak RSS (VmHWM) |"
echo "|---|---|"
for frames in 100 300 1000; do
  home=$(mktemp -d)
  DISPLAY=$display HOME=$home XDG_CONFIG_HOME=$home/config XDG_DATA_HOME=$home/data \
    XDG_CACHE_HOME=$home/cache "$binary" "$out/long-$frames.gif" >"$out/run-$frames.log" 2>&1 &
  player=$!
  sleep "$seconds"
  import -display "$display" -window root "$out/shot-$frames.png" 2>/dev/null || true
  peak=$(awk '/^VmHWM/ {print $2}' "/proc/$player/status" 2>/dev/null || echo 0)
  kill "$player" 2>/dev/null || true
  wait "$player" 2>/dev/null || true
  rm -rf "$home"
  echo "| 256×256, $frames frames | $((peak / 1024)) MB |"
done
