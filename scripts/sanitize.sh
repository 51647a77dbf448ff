#!/usr/bin/env bash
# Builds the unit, packet and fuzz suites with clang under AddressSanitizer and
# UndefinedBehaviorSanitizer in build-san/ (the fuzz targets linked with libFuzzer), and
# runs them. Usage: scripts/sanitize.sh [--build-only] [SECONDS]
#   SECONDS: how long each fuzz target runs (default 20); --build-only: build, run nothing.
# A long run of one target is described in docs/reliability.md ("Fuzzing").
set -uo pipefail
cd "$(dirname "$0")/.."
build_only=0
if [ "${1:-}" = "--build-only" ]; then
  build_only=1
  shift
fi
seconds=${1:-20}

if [ ! -f build-san/build.ninja ]; then
  # -O1 keeps the reports readable and the build short; no LTO.
  CC=clang CXX=clang++ meson setup build-san -Dbuildtype=debugoptimized -Doptimization=1 -Db_lto=false \
    -Db_sanitize=address,undefined -Db_lundef=false -Dfuzz=true -Dfuzz_seconds="$seconds" >/dev/null || exit 1
else
  meson configure build-san -Dfuzz_seconds="$seconds" >/dev/null || exit 1
fi
# Only what the three suites run: the rest of the tree (benchmarks, the lab's tools) is
# the release build's. The build files are brought up to date first, so the list names
# tests added since the last configuration.
ninja -C build-san build.ninja >/dev/null || exit 1
mapfile -t targets < <(python3 scripts/lib/suite_targets.py build-san unit packet fuzz)
[ ${#targets[@]} -gt 0 ] || { echo "sanitize: no test targets found in build-san" >&2; exit 1; }
ninja -C build-san -j2 "${targets[@]}" >/dev/null || ninja -C build-san -j1 "${targets[@]}" || exit 1
[ $build_only -eq 1 ] && exit 0
exec meson test -C build-san --no-rebuild --suite unit --suite packet --suite fuzz --print-errorlogs --num-processes 2
