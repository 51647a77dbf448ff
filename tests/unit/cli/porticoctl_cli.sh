#!/usr/bin/env bash
# porticoctl explain and status on the shipped example, and on a copy without its
# ReferenceGrant (the cross-namespace backend then answers 500).
# usage: porticoctl_cli.sh PATH/TO/porticoctl SOURCE_ROOT
set -u
ctl=$1
examples=$2/configs/examples
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0
fail=0

check() {  # check DESCRIPTION EXPECTED ACTUAL
  n=$((n + 1))
  if [ "$2" = "$3" ]; then
    echo "ok $n - $1"
  else
    echo "not ok $n - $1"
    echo "#   expected: $2"
    echo "#   actual:   $3"
    fail=1
  fi
}

explain() { "$ctl" explain --manifests "$1" --gateway portico-gateway/flex-gateway --port 80 "${@:2}"; }
field() { python3 -c "import json,sys; print(json.dumps(json.load(sys.stdin)['$1']))"; }

check "prometheus is routed to its Service" '"monitoring/kube-prometheus-stack-prometheus:9090"' \
  "$(explain "$examples" --host prometheus.sjc.example.com:80 | field backend)"
check "prometheus answers 200" '200' "$(explain "$examples" --host prometheus.sjc.example.com | field status)"
check "an unknown host on the listener gets 404" '404' "$(explain "$examples" --host nope.sjc.example.com | field status)"
check "the apex is outside the wildcard listener" 'null' "$(explain "$examples" --host sjc.example.com | field listener)"
check "grafana crosses namespaces through the ReferenceGrant" '200' \
  "$(explain "$examples" --host grafana.sjc.example.com | field status)"

cp -r "$examples" "$work/no-grant"
python3 - "$work/no-grant/apps/grafana.yaml" <<'PY'
import sys
path = sys.argv[1]
docs = open(path).read().split("\n---\n")
open(path, "w").write("\n---\n".join(d for d in docs if "kind: ReferenceGrant" not in d))
PY
check "without the ReferenceGrant grafana answers 500" '500' \
  "$(explain "$work/no-grant" --host grafana.sjc.example.com | field status)"
status=$("$ctl" status --manifests "$work/no-grant")
check "status reports RefNotPermitted on the route" 'RefNotPermitted' \
  "$(echo "$status" | python3 -c "import json,sys; s=[o for o in json.load(sys.stdin) if o['name']=='dashboards/grafana'][0]; print([c for c in s['parents'][0]['conditions'] if c['type']=='ResolvedRefs'][0]['reason'])")"
"$ctl" explain --manifests "$examples" --gateway nope/none --port 80 >/dev/null 2>"$work/err"
check "an unknown gateway is an error" '1' "$?"
"$ctl" explain --manifests "$examples" >/dev/null 2>&1
check "missing arguments exit 2" '2' "$?"
echo "1..$n"
exit $fail
