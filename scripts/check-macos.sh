#!/usr/bin/env bash
# Type-checks the macOS build (Keychain store, Cocoa window) from Linux, so code behind
# cfg(target_os = "macos") cannot rot unseen. No macOS SDK is available here, so ring's C
# sources are compiled freestanding against the few libc declarations they use; nothing
# is linked and nothing from this step ships.
# Needs: rustup target add aarch64-apple-darwin; Debian's clang.
set -euo pipefail
cd "$(dirname "$0")/.."
stubs=$(mktemp -d)
trap 'rm -rf "$stubs"' EXIT
cat > "$stubs/TargetConditionals.h" <<'H'
#define TARGET_OS_MAC 1
#define TARGET_OS_OSX 1
#define TARGET_OS_IPHONE 0
#define TARGET_OS_IOS 0
#define TARGET_OS_TV 0
#define TARGET_OS_WATCH 0
#define TARGET_OS_SIMULATOR 0
H
echo '#define assert(x) ((void)0)' > "$stubs/assert.h"
cat > "$stubs/string.h" <<'H'
#include <stddef.h>
void *memcpy(void *, const void *, size_t);
void *memmove(void *, const void *, size_t);
void *memset(void *, int, size_t);
int memcmp(const void *, const void *, size_t);
size_t strlen(const char *);
H
cat > "$stubs/stdlib.h" <<'H'
#include <stddef.h>
void abort(void);
H
export CC_aarch64_apple_darwin=clang
export CFLAGS_aarch64_apple_darwin="--target=arm64-apple-macos11 -ffreestanding -nostdlibinc -I$stubs"
cargo clippy --locked --quiet --target aarch64-apple-darwin --all-targets -- -D warnings
echo "macOS build type-checks."
