#!/usr/bin/env bash
# portico-dataplane's command line: a bad config stops it with one line naming the file,
# key and problem, and exit code 2, before any DPDK set-up.
# usage: dataplane_cli.sh PATH/TO/portico-dataplane
set -u
bin=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0
fail=0

expect() {  # expect DESCRIPTION CODE MESSAGE -- ARGS...
  local desc=$1 code=$2 message=$3
  shift 4
  n=$((n + 1))
  "$bin" "$@" >"$work/out" 2>"$work/err"
  local rc=$?
  if [ "$rc" -eq "$code" ] && [ "$(wc -l <"$work/err")" -eq 1 ] && grep -qF "$message" "$work/err"; then
    echo "ok $n - $desc"
  else
    echo "not ok $n - $desc (exit $rc)"
    sed 's/^/# /' "$work/err"
    fail=1
  fi
}

printf 'lcores: {workers: [1]}\nports: [{name: a, device: net_null0, ipv4: 192.0.2.300}]\n' >"$work/bad.yaml"
printf 'lcores: {workers: [1]}\nports: [{name: a, device: net_null0}]\nvip: [192.0.2.1]\n' >"$work/typo.yaml"
expect "a bad value names file and key" 2 "portico-dataplane: $work/bad.yaml: ports[0].ipv4: '192.0.2.300' is not an IPv4 address" -- --config "$work/bad.yaml"
expect "a misspelt key is not ignored" 2 "portico-dataplane: $work/typo.yaml: vip: unknown key" -- --config "$work/typo.yaml"
expect "a missing file" 2 "portico-dataplane: $work/none.yaml: cannot be read" -- --config "$work/none.yaml"
expect "no --config" 2 "portico-dataplane: --config FILE is required" --
expect "an unknown argument" 2 "portico-dataplane: unknown argument '--bogus'" -- --bogus
echo "1..$n"
exit $fail
