#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time, growing a corpus in the build folder
# from the seeds in the tree. Usage: run_fuzz.sh TARGET SEEDS SECONDS [libFuzzer flags]
# An input that breaks the target is saved under fuzz-crashes/ in the build folder; copy
# it into the target's seed folder once the bug is fixed, so it stays a test.
set -euo pipefail
target=$1 seeds=$2 seconds=$3
shift 3
name=$(basename "$target")
build=$(cd "$(dirname "$target")/../.." && pwd)
work="$build/fuzz-corpus/${name#fuzz_}"
crashes="$build/fuzz-crashes/${name#fuzz_}"
mkdir -p "$work" "$crashes"
# libFuzzer's own exit code for a finding, 77, is meson's code for a skipped test: use 1.
# A finding's first report is the one to read: stop at the first error of any sanitizer.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
# A fixed seed (FUZZ_SEED, 1 by default) makes a bounded run explore the same inputs
# every time, so the suite passes or fails the same way on every run of the same code;
# long runs give another seed, or -seed=0 for a random one.
exec "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -error_exitcode=1 \
  -seed="${FUZZ_SEED:-1}" -artifact_prefix="$crashes/" "$@" "$work" "$seeds"
