#!/usr/bin/env bash
# Builds bindings/swift/LommebokFFI.xcframework: lommebok-ffi as a static library for
#   - iOS devices            aarch64-apple-ios
#   - the iOS simulator      aarch64-apple-ios-sim + x86_64-apple-ios (one fat library)
#   - macOS (Apple silicon)  aarch64-apple-darwin
# each with the generated C header and module map (module `LommebokFFI`), which Package.swift's
# `.binaryTarget` uses.
#
# Needs a Mac with Xcode (xcodebuild, lipo, the iOS SDKs) and the Rust targets:
#   rustup target add aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios aarch64-apple-darwin
#
#   bindings/swift/build-xcframework.sh                 release build
#   PROFILE=dev bindings/swift/build-xcframework.sh     debug build (faster, larger)
#
# THIS SCRIPT HAS NEVER RUN: lommebok is developed and tested on Linux, which has neither
# xcodebuild nor the Apple SDKs. It is kept correct by construction instead:
#   - the header and module map it packs are the committed ones, which
#     `scripts/generate-bindings --check` (run first, below) proves current;
#   - the two simulator architectures are merged with `lipo` first, because
#     `xcodebuild -create-xcframework` refuses two libraries for one platform variant;
#   - the module map is named `module.modulemap`, the name an XCFramework's headers need;
#   - the deployment targets match Package.swift's `platforms`;
#   - `--locked` builds from the committed Cargo.lock, so the pinned uniffi (=0.32.2) is the one
#     the generated Swift was made with (their checksums must agree at load time).
# Whoever first runs it on a Mac: please report or fix what breaks.
set -euo pipefail

swift_dir=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$swift_dir/../.." && pwd)
cd "$repo"

fail() {
    echo "build-xcframework.sh: $*" >&2
    exit 1
}

[[ $(uname -s) == Darwin ]] || fail "needs macOS with Xcode (this is $(uname -s))"
for tool in cargo rustup xcodebuild lipo; do
    command -v "$tool" >/dev/null || fail "\`$tool\` is not installed"
done

targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios aarch64-apple-darwin)
installed=$(rustup target list --installed)
for target in "${targets[@]}"; do
    grep -qx "$target" <<<"$installed" ||
        fail "the Rust target $target is missing: rustup target add ${targets[*]}"
done

profile=${PROFILE:-release}
case "$profile" in
    dev) profile_dir=debug ;;
    *) profile_dir=$profile ;;
esac
target_dir=${CARGO_TARGET_DIR:-$repo/target}
library=liblommebok_ffi.a

# The generated Swift, header and module map must match the Rust code being built.
bash scripts/generate-bindings --check

# As Package.swift's `platforms`: without these the linker warns of objects built for newer OSes.
export IPHONEOS_DEPLOYMENT_TARGET=15.0
export MACOSX_DEPLOYMENT_TARGET=12.0

for target in "${targets[@]}"; do
    echo "==> $target"
    cargo build --locked --profile "$profile" -p lommebok-ffi --lib --target "$target"
done

build="$swift_dir/build"
rm -rf "$build"
mkdir -p "$build/ios-simulator" "$build/headers"

lipo -create \
    "$target_dir/aarch64-apple-ios-sim/$profile_dir/$library" \
    "$target_dir/x86_64-apple-ios/$profile_dir/$library" \
    -output "$build/ios-simulator/$library"

cp "$swift_dir/Headers/LommebokFFI.h" "$swift_dir/Headers/module.modulemap" "$build/headers/"

output="$swift_dir/LommebokFFI.xcframework"
rm -rf "$output"
xcodebuild -create-xcframework \
    -library "$target_dir/aarch64-apple-ios/$profile_dir/$library" -headers "$build/headers" \
    -library "$build/ios-simulator/$library" -headers "$build/headers" \
    -library "$target_dir/aarch64-apple-darwin/$profile_dir/$library" -headers "$build/headers" \
    -output "$output"

rm -rf "$build"
echo "built $output"
