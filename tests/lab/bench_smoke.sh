#!/usr/bin/env bash
# scripts/bench.sh must keep working: a one-second pass of every measurement, checked for
# a well-formed figure of every name (the values themselves are not judged here), a
# chart, and no failed request through Portico end to end.
set -u
cd "$(dirname "$0")/../.."
out=$(mktemp)
chart=$(mktemp --suffix .png)
n=0
fail=0
trap 'rm -f "$out" "$chart"' EXIT
if ./scripts/bench.sh --smoke --json "$out" --chart "$chart" >/dev/null 2>&1; then
  echo "ok 1 - bench.sh --smoke ran"
else
  echo "not ok 1 - bench.sh --smoke ran"
  fail=1
fi
n=1
for name in floor.testpmd_io.mpps_per_core floor.testpmd_macswap.mpps_per_core arp.replies.mpps_per_core \
  l4.established.mpps_per_core l4.established.cycles_per_packet l4.new_flows.per_s_per_core \
  maglev.build_ms.n_1000 maglev.moved_share.n_1000 flow.bytes_per_flow memory.flow_table_rss_mb.flows_1000000 \
  config.translate_ms.routes_10000 config.ack_ms.routes_10000 l7.new_connections.per_s_per_core \
  e2e.portico.rps_keepalive e2e.nginx.rps_keepalive e2e.portico.rps_close e2e.nginx.rps_close \
  e2e.portico.cpu_ms_per_1k_req e2e.nginx.cpu_ms_per_1k_req; do
  n=$((n + 1))
  if python3 -c "import json,sys; rows=[json.loads(l) for l in open('$out')]; r=[x for x in rows if x['name']=='$name']; sys.exit(0 if r and r[0]['value'] > 0 else 1)" 2>/dev/null; then
    echo "ok $n - $name is reported"
  else
    echo "not ok $n - $name is reported"
    fail=1
  fi
done
n=$((n + 1))
if [ "$(head -c 4 "$chart" | od -An -c | tr -d ' ')" = '211PNG' ]; then
  echo "ok $n - the chart is a PNG"
else
  echo "not ok $n - the chart is a PNG"
  fail=1
fi
for mode in keepalive close; do
  n=$((n + 1))
  if python3 -c "import json,sys; rows={r['name']: r['value'] for r in map(json.loads, open('$out'))}; sys.exit(0 if rows['e2e.portico.errors_$mode'] == 0 else 1)" 2>/dev/null; then
    echo "ok $n - every request through Portico ($mode) was answered"
  else
    echo "not ok $n - every request through Portico ($mode) was answered"
    fail=1
  fi
done
echo "1..$n"
exit $fail
