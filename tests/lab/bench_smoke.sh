#!/usr/bin/env bash
# scripts/bench.sh must keep working: a one-second pass of every measurement, checked for
# a well-formed figure of every name (the values themselves are not judged here).
set -u
cd "$(dirname "$0")/../.."
out=$(mktemp)
trap 'rm -f "$out"' EXIT
n=0
fail=0
if ./scripts/bench.sh --smoke --json "$out" >/dev/null 2>&1; then
  echo "ok 1 - bench.sh --smoke ran"
else
  echo "not ok 1 - bench.sh --smoke ran"
  fail=1
fi
n=1
for name in floor.testpmd_io.mpps_per_core floor.testpmd_macswap.mpps_per_core arp.replies.mpps_per_core \
  l4.established.mpps_per_core l4.established.cycles_per_packet l4.new_flows.per_s_per_core \
  maglev.build_ms.n_1000 maglev.moved_share.n_1000 flow.bytes_per_flow config.translate_ms.routes_10000; do
  n=$((n + 1))
  if python3 -c "import json,sys; rows=[json.loads(l) for l in open('$out')]; r=[x for x in rows if x['name']=='$name']; sys.exit(0 if r and r[0]['value'] > 0 else 1)" 2>/dev/null; then
    echo "ok $n - $name is reported"
  else
    echo "not ok $n - $name is reported"
    fail=1
  fi
done
echo "1..$n"
exit $fail
