#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test suite: unit, packet and fuzz in the
# sanitizer build (build-san/, clang with ASan, UBSan and libFuzzer), k8s and lab in the
# release build (build/). Prints one line per suite, then "N passed, N failed"; exits
# non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

# Each fuzz target runs 6 s here from its kept corpus (the whole run must stay under 30
# minutes on CI's machine); scripts/sanitize.sh alone gives them 20, and
# docs/reliability.md a long run.
if ! ./scripts/setup.sh || ! ./scripts/sanitize.sh --build-only 6; then
  echo "test: setup or build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

# What the tests may leave behind: network namespaces, DPDK runtime folders, and the
# programs they start (ours, and the Prometheus server of the metrics test). Those that
# were not here before the run must be gone after it.
leftovers() {
  {
    ip netns list 2>/dev/null | cut -d' ' -f1 | sed 's/^/netns /'
    ls /var/run/dpdk 2>/dev/null | sed 's|^|/var/run/dpdk/|'
    ps -eo stat=,args= | awk '$1 !~ /^Z/ && $2 ~ /(portico-dataplane|portico-controlplane|prometheus)$/ { $1 = "process"; print }'
  } | sort
}
before=$(leftovers)

total_passed=0
total_failed=0
for run in build-san:unit build-san:packet build-san:fuzz build:k8s build:lab; do
  dir=${run%%:*} suite=${run#*:}
  log="$dir/meson-logs/suite-$suite.txt"
  # Lab and packet tests spin a polling core each: they run one at a time, except the lab
  # tests tests/lab/meson.build calls light (two at a time).
  meson test -C "$dir" --no-rebuild --suite "$suite" --print-errorlogs --num-processes 2 >"$log" 2>&1
  status=$?
  read -r passed failed skipped < <(python3 scripts/lib/count_tests.py "$dir/meson-logs/testlog.junit.xml")
  if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
  line="$suite: $passed passed, $failed failed"
  [ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
  echo "$line"
  if [ "$failed" -gt 0 ]; then
    tail -n 80 "$log"
  fi
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
done

left=$(comm -13 <(echo "$before") <(leftovers))
if [ -n "$left" ]; then
  echo "leftovers: the tests left these behind:"
  echo "$left" | sed 's/^/  /'
  total_failed=$((total_failed + 1))
else
  echo "leftovers: none"
  total_passed=$((total_passed + 1))
fi

echo "$total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
