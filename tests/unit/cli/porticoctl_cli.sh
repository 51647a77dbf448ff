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
# Filters: a redirect's Location, and the request a rewrite sends on.
cp -r "$examples" "$work/filters"
cat >"$work/filters/monitoring/filtered.yaml" <<'YAML'
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: filtered, namespace: monitoring}
spec:
  parentRefs: [{name: flex-gateway, namespace: portico-gateway, sectionName: http}]
  hostnames: [old.sjc.example.com]
  rules:
    - matches: [{path: {type: PathPrefix, value: /api}}]
      filters:
        - type: URLRewrite
          urlRewrite: {hostname: prometheus.sjc.example.com, path: {type: ReplacePrefixMatch, replacePrefixMatch: /v1}}
        - type: RequestHeaderModifier
          requestHeaderModifier: {set: [{name: X-Env, value: lab}]}
      backendRefs: [{name: kube-prometheus-stack-prometheus, port: 9090}]
    - filters: [{type: RequestRedirect, requestRedirect: {scheme: https, statusCode: 308}}]
YAML
check "a redirect answers with its code" '308' "$(explain "$work/filters" --host old.sjc.example.com --path /x | field status)"
check "and its Location" '"https://old.sjc.example.com/x?a=1"' \
  "$(explain "$work/filters" --host old.sjc.example.com --path /x --query a=1 | field location)"
check "a rewrite shows the request the backend gets" \
  '{"headers": {"add": {}, "remove": [], "set": {"X-Env": "lab"}}, "host": "prometheus.sjc.example.com", "path": "/v1/query"}' \
  "$(explain "$work/filters" --host old.sjc.example.com --path /api/query | field request)"
cat >"$work/filters/monitoring/l4.yaml" <<'YAML'
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: l4, namespace: portico-gateway}
spec:
  gatewayClassName: portico
  listeners: [{name: prom, port: 9090, protocol: TCP, allowedRoutes: {namespaces: {from: All}}}]
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TCPRoute
metadata: {name: prom, namespace: monitoring}
spec:
  parentRefs: [{name: l4, namespace: portico-gateway}]
  rules: [{backendRefs: [{name: kube-prometheus-stack-prometheus, port: 9090, weight: 2}]}]
YAML
l4() { "$ctl" explain --manifests "$work/filters" --gateway portico-gateway/l4 --port 9090 "$@"; }
check "a TCP listener is explained by its routes' backendRefs and weights" \
  '[{"draining": 0, "endpoints": 2, "reason": "", "ref": "monitoring/kube-prometheus-stack-prometheus:9090", "weight": 2}]' \
  "$(l4 | field backends)"
check "... which take its new flows" '"forward"' "$(l4 --protocol tcp | field status)"
check "a UDP port without a listener is no L4 listener" '"listener"' "$(l4 --protocol udp | python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps("listener" if d.get("protocol") is None else "l4"))')"
printf 'dataplanes: ["unix:/x.sock"]\naddress_pools: [{name: p, addresses: [192.0.2.150]}]\n' >"$work/cp.yaml"
check "status --config prints the address the pool gives a Gateway" '["192.0.2.150"]' \
  "$("$ctl" status --manifests "$examples" --config "$work/cp.yaml" | python3 -c 'import json,sys; print(json.dumps([o["addresses"] for o in json.load(sys.stdin) if o["kind"] == "Gateway"][0]))')"
"$ctl" explain --manifests "$examples" --gateway nope/none --port 80 >/dev/null 2>"$work/err"
check "an unknown gateway is an error" '1' "$?"
"$ctl" explain --manifests "$examples" >/dev/null 2>&1
check "missing arguments exit 2" '2' "$?"
echo "1..$n"
exit $fail
